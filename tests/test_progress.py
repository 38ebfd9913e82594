"""A long day's progress: counts per step, a report every so often, and an expected finish from the rates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arxiv_digest.operations.batches import run_batch
from arxiv_digest.operations.progress import (
    DayProgress,
    ProgressSnapshot,
    add_listener,
    expected_finish,
    remove_listener,
    stop_tracking,
    track_day,
)

NOW = datetime(2026, 1, 21, 6, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_reports_come_every_interval_with_counts_per_step_and_the_last_one_always() -> None:
    clock = Clock()
    progress = DayProgress("cs.CV 2026-01-21", 3, every_seconds=30, clock=clock, wall=lambda: NOW)
    assert progress.paper_done("download", "downloaded") is None  # too soon after the start
    clock.now = 31
    due = progress.paper_done("download", "skipped")
    assert due is not None and (due.downloaded, due.skipped) == (1, 1)
    assert progress.paper_done("segment", 3) is None  # not a counted step
    assert progress.paper_done("extract", "ok") is None
    clock.now = 40
    assert progress.paper_done("analyze", "method") is None
    assert progress.paper_done("analyze", "abstract") is None
    last = progress.paper_done("analyze", "abstract")
    assert last is not None and last.analysed == 3
    assert last.line() == ("cs.CV 2026-01-21: downloaded 1/2 (1 not needed), read 1/2, analysed 3/3 after 40 s; "
                           "all papers analysed")


def test_the_expected_finish_is_the_later_of_the_downloads_and_the_analyses_still_to_come() -> None:
    # 100 papers; 40 PDFs in after 120 s (3 s each): 60 more take 180 s. 10 analyses in the 60 s since the
    # first: 9 per 60 s, so 90 more take 600 s. The analyses decide.
    snapshot = ProgressSnapshot("d", 100, downloaded=40, read=30, analysed=10, elapsed_seconds=120)
    assert expected_finish(snapshot, first_analysis_seconds=60, now=NOW) == NOW + timedelta(seconds=600)
    # With the model far ahead, the downloads decide.
    fast = ProgressSnapshot("d", 100, downloaded=40, read=40, analysed=39, elapsed_seconds=120)
    assert expected_finish(fast, first_analysis_seconds=10, now=NOW) == NOW + timedelta(seconds=180)
    assert expected_finish(ProgressSnapshot("d", 100, downloaded=5, elapsed_seconds=15), None, NOW) is None
    line = ProgressSnapshot("cs.CV 2026-01-21", 100, 40, 0, 30, 10, 125.0, NOW + timedelta(minutes=10)).line()
    assert line == ("cs.CV 2026-01-21: downloaded 40/100, read 30/100, analysed 10/100 after 2.1 min; "
                    "expected finish 06:10 UTC")


def test_batches_report_each_paper_to_its_days_listeners() -> None:
    papers = [("2601.20001", 1), ("2601.20002", 1)]
    seen: list[ProgressSnapshot] = []
    track_day("cs.CV 2026-01-21", papers, every_seconds=0)
    add_listener(seen.append)
    try:
        run_batch("download", papers, lambda a, v: "downloaded", at_once=2)
        run_batch("analyze", papers[:1], lambda a, v: "method")
        run_batch("analyze", papers[1:], lambda a, v: "method")  # a one-paper batch reports too
    finally:
        remove_listener(seen.append)
        stop_tracking(papers)
    assert [(s.downloaded, s.analysed) for s in seen] == [(1, 0), (2, 0), (2, 1), (2, 2)]


def test_a_day_done_within_one_interval_reports_nothing() -> None:
    clock = Clock()
    progress = DayProgress("d", 1, every_seconds=30, clock=clock, wall=lambda: NOW)
    clock.now = 12
    assert progress.paper_done("download", "downloaded") is None
    assert progress.paper_done("analyze", "method") is None


def test_the_prefect_ui_gets_the_bar_and_the_line_and_other_days_are_not_its_business() -> None:
    from tasks.progress import progress_key, report_to_prefect

    papers = [("2601.30001", 1), ("2601.30002", 1)]
    updates: list[tuple[object, float, str]] = []
    logged: list[str] = []

    class Logger:
        def info(self, line: str) -> None:
            logged.append(line)

    track_day("cs.CV 2026-01-21", papers, every_seconds=0)
    report_to_prefect("cs.CV 2026-01-21", "artifact-1", Logger(),
                      update=lambda aid, pct, description: updates.append((aid, pct, description)))
    report_to_prefect("cs.RO 2026-01-21", "artifact-2", Logger(), update=lambda *a, **k: updates.append(a))
    try:
        run_batch("download", papers, lambda a, v: "skipped")
        run_batch("extract", papers, lambda a, v: "skipped")  # no PDF: not read
        run_batch("analyze", papers, lambda a, v: "method", at_once=2)
    finally:
        stop_tracking(papers)
    assert [u[0] for u in updates] == ["artifact-1"] * 4
    assert updates[-1][1] == 100.0 and updates[-1][2] == logged[-1]
    assert logged[-1].startswith("cs.CV 2026-01-21: downloaded 0/0 (2 not needed), read 0/0, analysed 2/2")
    assert progress_key("cs.CV", NOW.date()) == "progress-cs-cv-2026-01-21"
