"""Progress of a long day a person can follow: papers downloaded, read and analysed out of the day's total, and
the expected finish.

The per-paper steps tell this module when a paper is through a step (operations.batches does, for every batch);
the day's tracker counts, and every `every_seconds` (and when the last paper is analysed) hands a snapshot to the
listeners: the Prefect task layer (a progress artifact and a log line in the UI) and the command line (a console
line). The counting and the estimate are plain functions of the counts and the clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from schemas.records import PaperKey

log = logging.getLogger(__name__)


# Which step's end moves which count; a skipped download (a PDF not worth its politeness) counts apart.
STEP_COUNTS = {"download": "downloaded", "extract": "read", "analyze": "analysed"}
DEFAULT_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class ProgressSnapshot:
    day: str  # "cs.CV 2026-01-21"
    total: int
    downloaded: int = 0  # PDFs in (downloaded now or already on disk)
    skipped: int = 0  # PDFs not needed (outside the reading budget, no figure wanted)
    read: int = 0
    analysed: int = 0
    elapsed_seconds: float = 0.0
    expected_finish: datetime | None = None

    @property
    def fraction(self) -> float:
        """Share of the day's per-paper work done: downloads, reading and analyses weigh alike."""
        if not self.total:
            return 1.0
        needed = self.total - self.skipped
        done = self.downloaded + self.read + self.analysed
        return min(1.0, done / (2 * needed + self.total)) if (2 * needed + self.total) else 1.0

    def line(self) -> str:
        parts = [f"{self.day}: downloaded {self.downloaded}/{self.total - self.skipped}"]
        if self.skipped:
            parts[0] += f" ({self.skipped} not needed)"
        parts += [f"read {self.read}/{self.total - self.skipped}", f"analysed {self.analysed}/{self.total}"]
        text = ", ".join(parts) + f" after {_minutes(self.elapsed_seconds)}"
        if self.analysed >= self.total:
            return text + "; all papers analysed"
        if self.expected_finish is not None:
            text += f"; expected finish {self.expected_finish.strftime('%H:%M')} UTC"
        return text


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def expected_finish(snapshot: ProgressSnapshot, first_analysis_seconds: float | None,
                    now: datetime) -> datetime | None:
    """When the per-paper work should end: the later of the downloads still to come at their rate so far and
    the analyses still to come at theirs (measured from the first analysis, so the wait for the first PDFs does
    not count). None until both rates are known."""
    elapsed = snapshot.elapsed_seconds
    fetched = snapshot.downloaded + snapshot.skipped
    to_fetch = snapshot.total - fetched
    if fetched == 0 or elapsed <= 0:
        return None
    downloads_left = to_fetch * elapsed / fetched
    if first_analysis_seconds is None or snapshot.analysed < 2:
        return None
    span = max(elapsed - first_analysis_seconds, 1e-6)
    rate = (snapshot.analysed - 1) / span
    analyses_left = (snapshot.total - snapshot.analysed) / rate if rate > 0 else 0.0
    return now + timedelta(seconds=max(downloads_left, analyses_left))


@dataclass
class DayProgress:
    """The counts of one day's run, in one process; thread-safe (batches report from many threads)."""

    day: str
    total: int
    every_seconds: float = DEFAULT_EVERY_SECONDS
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], datetime] = lambda: datetime.now(UTC)
    started: float = field(init=False)
    counts: dict[str, int] = field(default_factory=lambda: {"downloaded": 0, "skipped": 0, "read": 0,
                                                            "analysed": 0})
    first_analysis: float | None = None
    last_report: float = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Held from a count to the end of its report, so listeners see a day's snapshots in the order of its counts
    # (papers finish on many threads; reports are rare, every_seconds apart, so the wait is short).
    reporting: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.last_report = self.started

    def snapshot(self) -> ProgressSnapshot:
        now = self.clock()
        snap = ProgressSnapshot(self.day, self.total, self.counts["downloaded"], self.counts["skipped"],
                                self.counts["read"], self.counts["analysed"], now - self.started)
        first = None if self.first_analysis is None else self.first_analysis - self.started
        return replace(snap, expected_finish=expected_finish(snap, first, self.wall()))

    def paper_done(self, step: str, outcome: object) -> ProgressSnapshot | None:
        """Count one paper through `step`; a snapshot when a report is due (else None)."""
        count = STEP_COUNTS.get(step)
        if count is None:
            return None
        if step == "download" and outcome == "skipped":
            count = "skipped"
        elif step == "extract" and outcome == "skipped":
            return None  # no PDF to read (skipped or failed download): not one more paper read
        with self.lock:
            self.counts[count] = min(self.total, self.counts[count] + 1)
            now = self.clock()
            if count == "analysed" and self.first_analysis is None:
                self.first_analysis = now
            finished = self.counts["analysed"] >= self.total
            if now - (self.started if finished else self.last_report) < self.every_seconds:
                return None  # not due yet; a day done within one interval needs no report at all
            self.last_report = now
            return self.snapshot()


_LOCK = threading.Lock()
_BY_PAPER: dict[PaperKey, DayProgress] = {}
_LISTENERS: list[Callable[[ProgressSnapshot], None]] = []


def track_day(day: str, papers: Sequence[PaperKey], every_seconds: float = DEFAULT_EVERY_SECONDS) -> DayProgress:
    """Start counting a day's papers in this process (a paper in two days at once counts for the later one)."""
    progress = DayProgress(day, len(papers), every_seconds)
    with _LOCK:
        for key in papers:
            _BY_PAPER[tuple(key)] = progress  # type: ignore[index]
    return progress


def stop_tracking(papers: Sequence[PaperKey]) -> None:
    with _LOCK:
        for key in papers:
            _BY_PAPER.pop(tuple(key), None)  # type: ignore[arg-type]


def add_listener(listener: Callable[[ProgressSnapshot], None]) -> None:
    """Called with every due snapshot of any day (the command line prints them; the flow reports to Prefect)."""
    with _LOCK:
        _LISTENERS.append(listener)


def remove_listener(listener: Callable[[ProgressSnapshot], None]) -> None:
    with _LOCK:
        if listener in _LISTENERS:
            _LISTENERS.remove(listener)


def paper_step_done(step: str, key: PaperKey, outcome: object) -> None:
    """A per-paper step finished one paper (with any outcome, failures included: the paper is through it)."""
    with _LOCK:
        progress = _BY_PAPER.get(tuple(key))  # type: ignore[arg-type]
        listeners = list(_LISTENERS)
    if progress is None:
        return
    with progress.reporting:
        snapshot = progress.paper_done(step, outcome)
        if snapshot is None:
            return
        for listener in listeners:
            try:
                listener(snapshot)
            except Exception as exc:  # a report that cannot be shown (the Prefect API busy) never fails a paper
                log.warning("progress report failed: %s: %s", type(exc).__name__, exc)
