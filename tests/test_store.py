"""The DuckDB store: migrations on open, idempotent upserts, safe under threads."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from arxiv_digest.errors import StoreError
from arxiv_digest.store import Store, _migrations
from schemas.records import Analysis, Extraction, Paper, PdfFile, Section

DAY = date(2026, 1, 21)


def paper(n: int, version: int = 1) -> Paper:
    moment = datetime(2026, 1, 20, 10, n, tzinfo=UTC)
    return Paper(f"2601.9900{n}", version, f"Title {n}", ("A", "B"), ("cs.CV", "cs.LG"), "cs.CV", moment, moment,
                 f"Abstract {n}.", comment="c")


def test_migrations_apply_once_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    store = Store.open(path)
    assert store.schema_version() >= 1
    store.close()
    again = Store.open(path)
    assert again.migrate() == []
    # Numbers may have gaps (m003/m004 are reserved for work on other branches): one row per migration file.
    assert again.table_counts()["schema_migrations"] == len(_migrations())
    assert again.schema_version() == max(version for version, _, _ in _migrations())


def test_section_levels_round_trip_and_a_new_extraction_drops_the_stale_sections(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    extraction = Extraction(sha256="f" * 64, status="ok", pages=3, text_chars=10, has_text_layer=True)
    store.save_extraction(extraction, "pymupdf-layout-2")
    sections = [Section(1, "1 Introduction", "introduction", 1, "x", 1),
                Section(2, "1.1 Setting", "introduction", 1, "y", 2),
                Section(3, "1.1.1 Detail", "introduction", 2, "z", 3)]
    store.save_sections("f" * 64, sections)
    assert [s.level for s in store.sections("f" * 64)] == [1, 2, 3]
    store.save_extraction(extraction, "pymupdf-layout-3")
    assert store.sections("f" * 64) == []  # segmented from the previous extraction: not to be reused


def test_migration_m005_drops_sections_segmented_by_an_older_extractor(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    store = Store.open(path)
    for sha, extractor in (("a" * 64, "pymupdf-layout-1"), ("b" * 64, "pymupdf-layout-2")):
        store.save_extraction(
            Extraction(sha256=sha, status="ok", pages=1, text_chars=1, has_text_layer=True), extractor
        )
        store.save_sections(sha, [Section(1, "1 Introduction", "introduction", 1, "x", 1)])
    store._run([("DELETE FROM schema_migrations WHERE version = 5", [])])  # as a data dir from before m005
    store.close()
    reopened = Store.open(path)
    assert reopened.sections("a" * 64) == []
    assert [s.title for s in reopened.sections("b" * 64)] == ["1 Introduction"]


def test_papers_round_trip_with_lists_and_timezones(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    store.upsert_papers([paper(1)])
    assert store.paper("2601.99001", 1) == paper(1)


def test_running_the_same_writes_twice_leaves_the_same_row_counts(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")

    def write_day() -> None:
        papers = [paper(1), paper(2)]
        store.upsert_papers(papers)
        store.set_digest_papers(DAY, "cs.CV", papers)
        store.upsert_pdf(PdfFile("2601.99001", 1, "ok", sha256="ab", path="/x.pdf", bytes=10))
        analysis = Analysis("2601.99001", 1, "method", "extractive", "zh", "内容", ("k",), prompt_hash="h")
        store.save_analysis(analysis, "extractive")
        store.set_digest_analysis(DAY, "cs.CV", analysis, "extractive")
        store.save_summary(DAY, "cs.CV", "zh", "h", "extractive", "extractive", "摘要")
        store.start_run(DAY, "cs.CV", None)
        store.finish_run(DAY, "cs.CV", "completed", {"papers": 2}, {"fetch": 1.0})
        store.record_step("2601.99001", 1, "download", "ok")
        store.record_publication(DAY, "cs.CV", "markdown", Path("/o.md"), "ff", 2)

    write_day()
    first = store.table_counts()
    write_day()
    assert store.table_counts() == first
    assert store.run(DAY, "cs.CV").attempts == 2
    assert [p.arxiv_id for p in store.digest_papers(DAY, "cs.CV")] == ["2601.99001", "2601.99002"]


def test_digest_membership_is_replaced_not_appended(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    store.upsert_papers([paper(1), paper(2)])
    store.set_digest_papers(DAY, "cs.CV", [paper(1), paper(2)])
    store.set_digest_papers(DAY, "cs.CV", [paper(2)])
    assert [p.arxiv_id for p in store.digest_papers(DAY, "cs.CV")] == ["2601.99002"]


def test_a_new_version_is_a_new_row(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    store.upsert_papers([paper(1), paper(1, version=2)])
    assert store.table_counts()["papers"] == 2


def test_failed_download_keeps_the_good_file_facts(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    store.upsert_pdf(PdfFile("2601.99001", 1, "ok", sha256="ab", path="/x.pdf", bytes=10))
    store.upsert_pdf(PdfFile("2601.99001", 1, "failed", error="HTTP 503"))
    pdf = store.pdf("2601.99001", 1)
    assert pdf is not None and (pdf.status, pdf.sha256, pdf.error) == ("failed", "ab", "HTTP 503")


def test_concurrent_writers_from_threads_do_not_lose_rows(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for i in range(20):
                n = offset * 100 + i
                p = replace(paper(1), arxiv_id=f"2601.{n:05d}")
                store.upsert_papers([p])
                store.record_step(p.arxiv_id, 1, "download", "ok")
                store.record_step("shared", 1, "analyze", "ok")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = store.table_counts()
    assert counts["papers"] == 80
    assert counts["paper_steps"] == 81
    assert store._fetchone("SELECT attempts FROM paper_steps WHERE arxiv_id = 'shared'")[0] == 80


def test_a_second_process_holding_the_file_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "d.duckdb"
    Store.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ready', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="Another arxiv-digest process probably holds it"):
            Store.open(path)
    finally:
        holder.kill()
        holder.wait()


def test_frame_reads_a_table_as_polars(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    store.upsert_papers([paper(1)])
    frame = store.frame("papers")
    assert frame.height == 1 and frame["authors"].to_list() == [["A", "B"]]
    with pytest.raises(StoreError):
        store.frame("papers; DROP TABLE papers")
    assert isinstance(duckdb.__version__, str)


def test_a_second_process_can_wait_for_the_holder_to_finish(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    path = tmp_path / "d.duckdb"
    Store.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ready', flush=True); "
         "time.sleep(1.5); c.close()"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        started = time.monotonic()
        store = Store.open(path, wait_seconds=20)
        waited = time.monotonic() - started
        store.close()
    finally:
        holder.kill()
        holder.wait()
    assert 0.5 < waited < 15


def test_a_batch_commits_once_when_the_block_ends(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    with store.batch():
        store.upsert_papers([paper(1)])
        store.record_step("2601.99001", 1, "download", "ok")
        with store.batch():  # nested blocks join the outer one
            store.record_step("2601.99001", 1, "extract", "ok")
        assert store.table_counts()["paper_steps"] == 0, "nothing is visible before the block ends"
    assert store.table_counts()["paper_steps"] == 2
    assert store.paper("2601.99001", 1) is not None


def test_a_batch_still_commits_what_was_written_before_an_error(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    with pytest.raises(RuntimeError), store.batch():
        store.record_step("2601.99001", 1, "extract", "failed", "corrupt PDF")
        raise RuntimeError("the step failed after recording why")
    assert store.step_status("2601.99001", 1, "extract") == "failed"


def test_a_batch_is_one_transaction(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    store.record_step("2601.99001", 1, "download", "ok")
    with pytest.raises(duckdb.Error), store.batch():
        store.record_step("2601.99001", 1, "download", "failed", "second write")
        store._run([("INSERT INTO no_such_table VALUES (1)", [])])
    assert store.step_status("2601.99001", 1, "download") == "ok", "the failed batch left no half-write"


def test_batches_on_other_threads_are_independent(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "d.duckdb")
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with store.batch():
            store.record_step("2601.99002", 1, "download", "ok")
            started.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    started.wait(5)
    store.record_step("2601.99001", 1, "download", "ok")  # not swallowed by the other thread's batch
    assert store.step_status("2601.99001", 1, "download") == "ok"
    assert store.step_status("2601.99002", 1, "download") is None
    release.set()
    thread.join()
    assert store.step_status("2601.99002", 1, "download") == "ok"


def test_run_attempts_count_runs_not_the_fetch_tasks_retries() -> None:
    store = Store.open(None)
    day = date(2026, 1, 21)
    store.start_run(day, "cs.CV", "flow-run-1")
    store.start_run(day, "cs.CV", "flow-run-1")  # the fetch task retried inside the same flow run
    store.start_run(day, "cs.CV", "flow-run-1")
    assert store.run(day, "cs.CV").attempts == 1
    store.start_run(day, "cs.CV", "flow-run-2")
    store.start_run(day, "cs.CV", None)  # a run outside Prefect (no id) is always another one
    assert store.run(day, "cs.CV").attempts == 3


def test_a_sample_store_is_known_by_its_mark_or_by_sample_papers_older_than_the_marks(tmp_path: Path) -> None:
    from arxiv_digest.catalog.sample_day import PAPERS, SAMPLE_MARK, sample_records_message

    sample = [Paper(p.arxiv_id, p.version, p.title, p.authors, p.categories, p.categories[0],
                    datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 1, 20, tzinfo=UTC), p.abstract) for p in PAPERS]
    served_by_a_fake = Store.open(tmp_path / "fake" / "digest.duckdb")
    served_by_a_fake.upsert_papers(sample)  # a fake arXiv serving the sample's papers to a real run: not the sample
    assert sample_records_message(served_by_a_fake, tmp_path / "fake") == ""
    served_by_a_fake.mark(SAMPLE_MARK, "true")  # what a sample run does
    assert "holds the offline sample day's invented papers" in sample_records_message(served_by_a_fake, tmp_path)
    served_by_a_fake.close()

    legacy = tmp_path / "legacy" / "digest.duckdb"
    Store.open(legacy).close()
    con = duckdb.connect(str(legacy))
    con.execute("UPDATE schema_migrations SET applied_at = applied_at + INTERVAL 1 DAY WHERE name = 'store_marks'")
    con.close()
    older = Store.open(legacy)
    older.upsert_papers(sample)  # stored "before" the marks migration: an older version's sample run
    assert "an earlier `run --sample` wrote them" in sample_records_message(older, legacy.parent)
    older.close()


def test_a_day_of_papers_is_written_in_a_few_statements_with_every_row_intact(tmp_path: Path) -> None:
    from arxiv_digest.store.core import rows_insert

    day = date(2026, 1, 21)
    papers = [replace(paper(1), arxiv_id=f"2601.{n:05d}", title=f"Title {n}") for n in range(1, 1201)]
    assert len(rows_insert("INSERT INTO papers", [[p.arxiv_id] for p in papers])) == 3  # 500 rows a statement
    store = Store.open(tmp_path / "d.duckdb")
    try:
        store.upsert_papers(papers)
        # An upsert of a key given twice keeps the last, as two upserts one after the other would.
        store.upsert_papers([replace(papers[0], title="first"), replace(papers[0], title="last"), papers[1]])
        late = {papers[3].arxiv_id}
        store.set_digest_papers(day, "cs.CV", papers, late)
        stored = store.digest_papers(day, "cs.CV")
        assert [p.arxiv_id for p in stored] == [p.arxiv_id for p in papers]
        assert stored[0].title == "last" and stored[1:] == papers[1:]
        assert store.late_papers(day, "cs.CV") == late
    finally:
        store.close()
