from __future__ import annotations

import pytest

from arxiv_digest.ids import parse_arxiv_id


@pytest.mark.parametrize(
    ("raw", "base", "version"),
    [
        ("2601.14256v1", "2601.14256", 1),
        ("2601.14256", "2601.14256", None),
        ("1409.1556v6", "1409.1556", 6),
        ("cs/0112017v2", "cs/0112017", 2),
        ("quant-ph/0201082v1", "quant-ph/0201082", 1),
        ("math.CO/0309136", "math.CO/0309136", None),
        ("http://arxiv.org/abs/2202.12139v1", "2202.12139", 1),
        ("https://arxiv.org/pdf/quant-ph/0201082v1", "quant-ph/0201082", 1),
        ("https://arxiv.org/pdf/2601.14256v3.pdf", "2601.14256", 3),
    ],
)
def test_parses_new_and_old_style_ids(raw: str, base: str, version: int | None) -> None:
    parsed = parse_arxiv_id(raw)
    assert (parsed.base, parsed.version) == (base, version)


@pytest.mark.parametrize("raw", ["abc", "2601.142", "2601.14256v0", "../etc/passwd", "cs/01120", ""])
def test_rejects_non_ids(raw: str) -> None:
    with pytest.raises(ValueError, match="not an arXiv identifier"):
        parse_arxiv_id(raw)


def test_file_stem_never_contains_a_slash() -> None:
    assert parse_arxiv_id("cs/0112017v2").file_stem == "cs_0112017v2"
