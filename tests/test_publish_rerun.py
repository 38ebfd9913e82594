"""A rerun of a published day leaves files that would be rendered the same as they are (issue 29), and renders
again any file whose view changed, that went missing or that someone changed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from arxiv_digest.runtime import Runtime, close_stores, open_store
from arxiv_digest.settings import Settings
from arxiv_digest.steps.publish import publish_day
from arxiv_digest.store import Store
from schemas.records import Analysis, Paper

DAY = date(2026, 1, 21)
NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)


def _inodes(md: Path) -> dict[str, int]:
    return {suffix: md.with_suffix(suffix).stat().st_ino for suffix in (".md", ".html", ".json")}


def _analyse(store: Store, analysis: Analysis) -> None:
    store.save_analysis(analysis, "extractive")
    store.set_digest_analysis(DAY, "cs.CV", analysis, "extractive")


def test_a_rerun_renders_only_what_changed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", quality_docs=False)  # type: ignore[call-arg]
    store = open_store(settings.db_path)
    try:
        papers = [Paper(f"2601.0000{n}", 1, f"Paper {n}", ("A. Author",), ("cs.CV",), "cs.CV", NOW, NOW,
                        f"We do thing {n}.") for n in (1, 2)]
        store.upsert_papers(papers)
        store.set_digest_papers(DAY, "cs.CV", papers)
        for paper in papers:
            _analyse(store, Analysis(paper.arxiv_id, 1, "method", "extractive", "zh", f"分析 {paper.arxiv_id}。"))
        first = publish_day(Runtime(settings), DAY, "cs.CV").path
        written = {s: first.with_suffix(s).read_bytes() for s in (".md", ".html", ".json")}
        before = _inodes(first)

        again = publish_day(Runtime(settings), DAY, "cs.CV").path
        assert _inodes(again) == before  # not written again
        assert {s: again.with_suffix(s).read_bytes() for s in written} == written

        again.with_suffix(".html").write_text("changed by hand", encoding="utf-8")
        again.with_suffix(".json").unlink()
        publish_day(Runtime(settings), DAY, "cs.CV")
        assert {s: again.with_suffix(s).read_bytes() for s in written} == written  # both made again
        assert _inodes(again)[".md"] == before[".md"]

        _analyse(store, Analysis("2601.00002", 1, "method", "extractive", "zh", "新的分析。", prompt_hash="p2"))
        changed = publish_day(Runtime(settings), DAY, "cs.CV").path
        for suffix in (".md", ".html", ".json"):
            assert "新的分析" in changed.with_suffix(suffix).read_text(encoding="utf-8")
    finally:
        close_stores()
