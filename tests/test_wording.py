"""The wording tables: complete, the only place that knows the languages, and the digest unchanged by them."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from arxiv_digest.analysis.extractive import AnalysisInput, extractive_analysis
from arxiv_digest.analysis.summary import extractive_summary
from arxiv_digest.checks.language import infer_language
from arxiv_digest.errors import SettingsError
from arxiv_digest.paths import PROJECT_ROOT
from arxiv_digest.publish.markdown import render_markdown
from arxiv_digest.publish.view import DigestView
from arxiv_digest.settings import Settings
from arxiv_digest.wording import LANGUAGES, Wording, wording_for
from quality.gate import safe_summary
from schemas.records import Paper

DAY = date(2026, 1, 21)
MOMENT = datetime(2026, 1, 20, 12, tzinfo=UTC)
# The digest below as the code rendered it before the tables existed (zh and en).
EXPECTED = Path(__file__).with_name("wording_digest.json")

# What a parallel zh/en branch looks like: a comparison with a language code, `if zh`, `... if zh else ...`,
# or a dict keyed by language codes.
_BRANCH = re.compile(r'''==\s*["'](?:zh|en)["']|\bif zh\b|\bzh else\b|["'](?:zh|en)["']\s*:''')


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_field_of_every_table_is_filled_in(code: str) -> None:
    table = LANGUAGES[code]
    assert table.code == code
    for field in dataclasses.fields(Wording):
        value = getattr(table, field.name)
        if isinstance(value, str | tuple):
            assert value, f"{code}.{field.name} is empty"
            assert all(item for item in value), f"{code}.{field.name} has an empty item"
        else:
            assert isinstance(value, int | float), f"{code}.{field.name}"


def test_tables_agree_in_shape() -> None:
    zh, en = LANGUAGES["zh"], LANGUAGES["en"]
    for table in (zh, en):
        assert len(table.method_headings) == len(table.method_heading_patterns) == 7
        assert len(table.abstract_headings) == len(table.abstract_heading_patterns) == 5
        # The checks recognise our own labels by these markers.
        assert table.extractive_analysis_marker in table.extractive_label
        assert table.abstract_only_marker in table.abstract_only_label
        assert table.extractive_summary_marker in table.extractive_summary_label
        assert table.analysis_unavailable.startswith("> Analysis unavailable:")
        assert 0.0 <= table.min_cjk_ratio < table.max_cjk_ratio <= 1.0
        # Every required heading of our extractive analysis is found by the check's own regex.
        for heading, (_, pattern) in zip(table.method_headings, table.method_heading_patterns, strict=True):
            assert re.search(pattern, heading, re.IGNORECASE), (table.code, heading)
        for heading, (_, pattern) in zip(table.abstract_headings, table.abstract_heading_patterns, strict=True):
            assert re.search(pattern, heading, re.IGNORECASE), (table.code, heading)


def test_a_digest_file_always_has_a_language() -> None:
    # infer_language picks among the tables whose minimum CJK share a text reaches: one must have none.
    assert min(table.min_cjk_ratio for table in LANGUAGES.values()) == 0.0
    assert infer_language(["这是一篇中文分析，保留 CLIP 等英文术语。"]) == "zh"
    assert infer_language(["An analysis in English.", ""]) == "en"


def test_an_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"no wording for language 'xx'; available: zh, en"):
        wording_for("xx")


def test_settings_allow_exactly_the_languages_with_a_table() -> None:
    for code in LANGUAGES:
        assert Settings().replace(language=code).language == code
    with pytest.raises(SettingsError, match="must be one of zh, en"):
        Settings().replace(language="xx")


def test_every_language_has_its_prompt_files() -> None:
    prompts = PROJECT_ROOT / "arxiv_digest" / "prompts"
    names = {path.name.split(".")[0] for path in prompts.glob("*.md")}
    for code in LANGUAGES:
        assert {name for name in names if (prompts / f"{name}.{code}.md").is_file()} == names, code


def test_no_language_branches_outside_the_tables() -> None:
    wording_dir = PROJECT_ROOT / "arxiv_digest" / "wording"
    offenders = []
    for folder in ("arxiv_digest", "quality"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if wording_dir in path.parents:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if _BRANCH.search(line):
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert not offenders, "language branches belong in arxiv_digest/wording/:\n" + "\n".join(offenders)


def _paper(n: int, primary: str = "cs.CV", abstract: str = "We propose X. It improves Y by 3% on COCO.") -> Paper:
    return Paper(f"2601.0000{n}", 1, f"Paper {n}", ("Ann", "Bo"), ("cs.CV", "cs.LG"), primary, MOMENT, MOMENT,
                 abstract)


def _rendered(language: str) -> str:
    """A day with a late cross-list, a failed analysis and a paper without findings; an empty day; a fallback."""
    papers = [_paper(1, primary="cs.LG"), _paper(2, abstract="Alpha lowers the error by 5% on COCO."),
              _paper(3, abstract="Short text without findings")]
    analyses = {p.versioned_id: extractive_analysis(AnalysisInput(paper=p, unavailable_reason="PDF not downloaded"),
                                                    language) for p in (papers[0], papers[2])}
    summary = extractive_summary(DAY, "cs.CV", papers, analyses, language)
    day = render_markdown(DigestView(DAY, "cs.CV", papers, analyses, summary, language,
                                     failures={papers[1].versioned_id: "analyze: boom"}, late={papers[0].arxiv_id}))
    empty = render_markdown(DigestView(DAY, "cs.CV", [], {}, extractive_summary(DAY, "cs.CV", [], {}, language),
                                       language))
    return day + empty + safe_summary(DAY, "cs.CV", 3, language, "summary_refusal")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_digest_reads_as_before_the_tables(language: str) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))[language]
    assert _rendered(language) == expected
