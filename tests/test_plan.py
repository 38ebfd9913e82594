"""Which papers of a day still need work: a finished paper is skipped, anything unfinished is not."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from arxiv_digest.operations.plan import papers_needing_work
from arxiv_digest.store import Store
from schemas.records import Analysis, Extraction, Paper, PdfFile

DAY = date(2026, 1, 21)


def _paper(n: int) -> Paper:
    moment = datetime(2026, 1, 20, tzinfo=UTC)
    return Paper(f"2601.0000{n}", 1, f"T{n}", ("A",), ("cs.CV",), "cs.CV", moment, moment, "Abstract.")


def _finish(store: Store, paper: Paper, pdf_path: Path, model: str = "extractive") -> None:
    sha = f"sha{paper.arxiv_id}"
    pdf_path.write_bytes(b"%PDF-1.7")
    store.upsert_pdf(PdfFile(paper.arxiv_id, 1, "ok", sha256=sha, path=str(pdf_path), bytes=8))
    store.save_extraction(Extraction(sha, "ok", 1, 10, True), "v1")
    analysis = Analysis(paper.arxiv_id, 1, "method", "extractive", "zh", "x", prompt_hash="h")
    store.save_analysis(analysis, model)
    store.set_digest_analysis(DAY, "cs.CV", analysis, model)
    for step in ("download", "extract", "segment", "figure", "analyze"):
        store.record_step(paper.arxiv_id, 1, step, "ok")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "d.duckdb")
    papers = [_paper(1), _paper(2)]
    store.upsert_papers(papers)
    store.set_digest_papers(DAY, "cs.CV", papers)
    for paper in papers:
        _finish(store, paper, tmp_path / f"{paper.arxiv_id}.pdf")
    return store


def _todo(store: Store, **changes: str) -> list[str]:
    options = {"analyzer": "extractive", "language": "zh", "extractor_version": "v1", **changes}
    keys = [("2601.00001", 1), ("2601.00002", 1)]
    return [k[0] for k in papers_needing_work(store, keys, DAY, "cs.CV", **options)]


def test_a_finished_day_needs_nothing(store: Store) -> None:
    assert _todo(store) == []


def test_a_failed_step_brings_the_paper_back(store: Store) -> None:
    store.record_step("2601.00002", 1, "download", "failed", "HTTP 503")
    assert _todo(store) == ["2601.00002"]


def test_a_paper_without_its_figure_step_comes_back_once(store: Store) -> None:
    # A day finished before figures existed: the paper goes through the (cached) steps once more for its figure.
    store.record_step("2601.00001", 1, "figure", "failed", "cannot read")
    assert _todo(store) == ["2601.00001"]
    store.record_step("2601.00001", 1, "figure", "skipped", "no figure found with confidence")
    assert _todo(store) == []


def test_a_deleted_pdf_brings_the_paper_back(store: Store, tmp_path: Path) -> None:
    (tmp_path / "2601.00001.pdf").unlink()
    assert _todo(store) == ["2601.00001"]


def test_a_new_extractor_or_analyzer_or_language_redoes_every_paper(store: Store) -> None:
    assert len(_todo(store, extractor_version="v2")) == 2
    assert len(_todo(store, analyzer="gpt-4o-mini")) == 2
    assert len(_todo(store, language="en")) == 2


def test_a_paper_new_to_the_day_is_planned(store: Store) -> None:
    keys = [("2601.00001", 1), ("2601.00009", 1)]
    todo = papers_needing_work(store, keys, DAY, "cs.CV", analyzer="extractive", language="zh", extractor_version="v1")
    assert todo == [("2601.00009", 1)]


def test_a_fallback_after_rejected_model_answers_is_final_but_an_outage_is_retried(store: Store) -> None:
    store.record_analysis_attempt("2601.00001", 1, "p", "gpt-x", "zh", "rejected", "refusal")
    store.record_analysis_attempt("2601.00002", 1, "p", "gpt-x", "zh", "error", "HTTP 503")
    assert _todo(store, analyzer="gpt-x") == ["2601.00002"]


def test_a_pdf_skipped_outside_the_budget_stays_skipped_until_the_budget_wants_it(store: Store) -> None:
    # Paper 2 ranked 2nd by a profile that reads its top 1: no PDF, an abstract analysis, and that is done.
    store.record_step("2601.00002", 1, "download", "skipped", "outside the reading budget")
    for step in ("extract", "segment", "figure"):
        store.record_step("2601.00002", 1, step, "skipped", "no PDF")
    ranking = [{"arxiv_id": f"2601.0000{n}", "version": 1, "score": 3.0 - n, "rank": n, "reason": {}}
               for n in (1, 2)]
    store.replace_paper_scores(DAY, "cs.CV", "p", 1, ranking)
    assert _todo(store) == []
    assert _todo(store, figures_for="all") == ["2601.00002"]  # its teaser figure is wanted now
    store.replace_paper_scores(DAY, "cs.CV", "p", 2, ranking)  # a larger budget: the full text is wanted now
    assert _todo(store) == ["2601.00002"]
