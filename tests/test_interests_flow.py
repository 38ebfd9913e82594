"""Interest profiles through the whole flow on the offline sample day: one digest per profile from one fetch,
the reading budget obeyed, the files accepted by `check`, and a rerun that changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_daily_flow import _counts, _run, no_internet  # noqa: F401  (no_internet is a fixture)

from arxiv_digest.checks.digest_file import check_digest_file, has_blocking
from arxiv_digest.checks.digest_format import parse_digest
from arxiv_digest.store import Store

pytestmark = pytest.mark.usefixtures("prefect_harness")
DAY = date(2026, 1, 21)

CONFIG = """
language = "en"
deep_analysis_top_n = 1
[profiles.depth]
keywords = { "depth completion" = 3.0, "diffusion" = 1.0 }
negative = ["handwritten"]
authors = ["Kenji Watanabe"]
like_ids = ["2501.00042"]
[profiles.video]
keywords = ["video object segmentation"]
min_score = 0.5
"""


def test_each_profile_gets_its_ranked_digest_and_only_their_top_papers_are_read_in_full(
        tmp_path: Path, no_internet: list[object]) -> None:  # noqa: F811
    config = tmp_path / "arxiv-digest.toml"
    config.write_text(CONFIG, encoding="utf-8")
    data = tmp_path / "data"
    code, output = _run("run", "--sample", "--config", str(config), "--data-dir", str(data))
    assert code == 0, output
    assert no_internet == []  # the liked id was asked of the sample day's arXiv, not the internet
    out = data / "sample-day" / "out" / "cs.CV"
    lines = output.splitlines()
    assert str(out / "2026-01-21.depth.md") in lines and str(out / "2026-01-21.video.md") in lines

    for name in ("2026-01-21", "2026-01-21.depth", "2026-01-21.video"):
        assert all((out / f"{name}.{suffix}").is_file() for suffix in ("md", "html", "json")), name
    depth = parse_digest((out / "2026-01-21.depth.md").read_text(encoding="utf-8"))
    video = parse_digest((out / "2026-01-21.video.md").read_text(encoding="utf-8"))
    assert [p.arxiv_id for p in depth.papers] == ["2601.99002", "2601.99003", "2601.99001", "2601.99004"]
    assert depth.papers[0].relevance is not None and "matches: depth completion, diffusion" in \
        depth.papers[0].relevance
    assert "author: Kenji Watanabe" in (depth.papers[1].relevance or "")
    assert "against: handwritten" in (depth.papers[3].relevance or "")
    assert [e.score for e in depth.toc] == sorted((e.score for e in depth.toc), reverse=True)
    assert [p.arxiv_id for p in video.papers] == ["2601.99001"]  # min_score cut the other three
    video_text = (out / "2026-01-21.video.md").read_text(encoding="utf-8").replace("\\_", "_")
    assert "3 paper(s) scored below min_score 0.5 and are not listed." in video_text

    store = Store.open(data / "sample-day" / "digest.duckdb")
    try:
        analyses = store.digest_analyses(DAY, "cs.CV")
        pdfs = {f"{a}v{v}" for a, v in (("2601.99001", 1), ("2601.99002", 2), ("2601.99003", 1),
                                           ("2601.99004", 1)) if store.pdf(a, v) is not None}
        for path in (out / "2026-01-21.depth.md", out / "2026-01-21.video.md"):
            assert not has_blocking(check_digest_file(path, store)), path
    finally:
        store.close()
    kinds = {vid: a.kind for vid, a in analyses.items()}
    assert kinds == {"2601.99001v1": "method", "2601.99002v2": "method", "2601.99003v1": "abstract",
                     "2601.99004v1": "abstract"}  # one full text per profile's top 1; analysed once for both
    assert "outside the reading budget: ranked 2 for profile depth" in analyses["2601.99003v1"].content
    # Their PDFs buy nothing (figures_for = "budget"): not downloaded, and the run says so.
    assert pdfs == {"2601.99001v1", "2601.99002v2"}
    assert "PDFs not downloaded: 2 of 4, outside the reading budget" in " ".join(output.split())

    before = _counts(data)
    depth_text = (out / "2026-01-21.depth.md").read_text(encoding="utf-8")
    code, output = _run("run", "--sample", "--config", str(config), "--data-dir", str(data))
    assert code == 0, output
    assert _counts(data) == before
    assert (out / "2026-01-21.depth.md").read_text(encoding="utf-8") == depth_text

