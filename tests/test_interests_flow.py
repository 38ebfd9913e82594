"""Interest profiles through the whole flow on the offline sample day: one digest per profile from one fetch,
the reading budget obeyed, the files accepted by `check`, and a rerun that changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from test_daily_flow import _counts, _run, no_internet  # noqa: F401  (no_internet is a fixture)

from arxiv_digest.checks.digest_file import check_digest_file, has_blocking
from arxiv_digest.checks.digest_format import parse_digest
from arxiv_digest.store import Store
from arxiv_digest.store.ranking_feedback import RankingFeedback
from arxiv_digest.store.reader import ReaderStore, reader_path

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



def test_the_readers_feedback_reorders_the_profiles_digest_and_a_rerun_keeps_it(
        tmp_path: Path, no_internet: list[object]) -> None:  # noqa: F811
    """Feedback from the reader's file reaches the rank step: papers met already go last (and say so), two likes
    and a dislike switch the learned ranking on, and feedback given after the day was ranked leaves a rerun of
    that day as it was."""
    config = tmp_path / "arxiv-digest.toml"
    config.write_text(CONFIG, encoding="utf-8")
    data = tmp_path / "data"
    with ReaderStore.open(reader_path(data / "sample-day")) as reader:
        reader.record_feedback("depth", "2601.99001", 1, "like", at=datetime(2026, 1, 20, 8))
        reader.record_feedback("depth", "2601.99004", 1, "like", at=datetime(2026, 1, 20, 8, 1))
        reader.record_feedback("depth", "2601.99003", 1, "dislike", at=datetime(2026, 1, 20, 8, 2))
    code, output = _run("run", "--sample", "--config", str(config), "--data-dir", str(data))
    assert code == 0, output
    out = data / "sample-day" / "out" / "cs.CV"
    depth_path = out / "2026-01-21.depth.md"
    depth = parse_digest(depth_path.read_text(encoding="utf-8"))
    assert depth.papers[0].arxiv_id == "2601.99002"  # the one paper the reader has not met leads
    assert {p.arxiv_id for p in depth.papers[1:]} == {"2601.99001", "2601.99003", "2601.99004"}
    assert all(" — seen before" in (p.relevance or "") for p in depth.papers[1:]), depth.papers
    assert "seen before" not in (depth.papers[0].relevance or "")
    video = parse_digest((out / "2026-01-21.video.md").read_text(encoding="utf-8"))
    assert not any("seen before" in (p.relevance or "") for p in video.papers)  # feedback is per profile
    store = Store.open(data / "sample-day" / "digest.duckdb")
    try:
        used = store.ranking_feedback(DAY, "cs.CV", "depth")
    finally:
        store.close()
    assert used == RankingFeedback(datetime(2026, 1, 20, 8, 2), events=3, likes=2, dislikes=1, learned=True)

    depth_text = depth_path.read_text(encoding="utf-8")
    with ReaderStore.open(reader_path(data / "sample-day")) as reader:
        reader.record_feedback("depth", "2601.99002", 2, "seen")
    code, output = _run("run", "--sample", "--config", str(config), "--data-dir", str(data))
    assert code == 0, output
    assert depth_path.read_text(encoding="utf-8") == depth_text
