"""The trends page without waiting: weeks' themes the page lacks are computed by one background thread.

A week's themes take a second or two and a default page shows 12 weeks of each category, so a cold page would
take half a minute. The page shows what is remembered (`ThemeCache`: memory, then `<data_dir>/web/themes/`),
hands the missing weeks to this worker and says what is still being computed; it reloads itself until done.
After the reading copy changes, the worker also computes the default window of every category and profile, so a
reader opening the trends page finds them ready. Computed themes go to the cache's folder: a restart, or a
second app over the same data dir, does not compute them again. The key phrases are pure Python: computed in
the thread they would hold the interpreter's lock for seconds and slow every page the app serves meanwhile, so
the thread hands each week to one child process and waits (the store reads stay in the thread).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime

from arxiv_digest.search import ThemeCache
from arxiv_digest.search.trends import PhraseCount, TrendWindow, themes_key, trend_window, week_themes
from arxiv_digest.store.archive import ListedPaper
from arxiv_digest.web.reading_copy import ReadingCopy

DEFAULT_WEEKS = 12  # the trends page's default window
# Missing weeks with at most this many papers in all are computed in the request itself (about a second).
INLINE_PAPERS = 300

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _WeekJob:
    scope: str
    week: date
    key: str
    items: list[ListedPaper]


class TrendsWorker:
    """One daemon thread computing weeks' themes into `cache`, started on the first job; the page's weeks go
    ahead of the warm-up's."""

    def __init__(self, cache: ThemeCache, inline_papers: int = INLINE_PAPERS) -> None:
        self.cache = cache
        self.inline_papers = inline_papers
        self._jobs: deque[_WeekJob | WarmJob] = deque()
        self._queued: set[tuple[str, date, str]] = set()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._running = False
        self._process: ProcessPoolExecutor | None = None
        self.warmed_for: datetime | None = None
        self.computed = 0  # weeks computed by this worker (for the page and the benchmark)

    def submit(self, window: TrendWindow, weeks: Sequence[date], *, first: bool = True) -> None:
        """Compute these weeks of the window (the newest first); `first`: ahead of the queue (a page waits)."""
        jobs = [_WeekJob(window.scope, week, themes_key(window.by_week[week]), window.by_week[week])
                for week in sorted(weeks, reverse=True)]
        with self._changed:
            jobs = [job for job in jobs if (job.scope, job.week, job.key) not in self._queued]
            self._queued.update((job.scope, job.week, job.key) for job in jobs)
            if first:
                self._jobs.extendleft(reversed(jobs))
            else:
                self._jobs.extend(jobs)
            self._start()
            self._changed.notify_all()

    def warm(self, copy: ReadingCopy, profiles: Sequence[str], weeks: int = DEFAULT_WEEKS) -> None:
        """Once per copy of the store: queue the default window of every category and profile (read in the
        worker's thread, so the caller does not wait)."""
        copied_at = copy.state.copied_at
        with self._changed:
            if copied_at is None or copied_at == self.warmed_for:
                return
            self.warmed_for = copied_at
            self._jobs.append(WarmJob(copy, tuple(profiles), weeks))
            self._start()
            self._changed.notify_all()

    def busy(self) -> bool:
        with self._changed:
            return bool(self._jobs) or self._running

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued week is computed; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._jobs and not self._running, timeout)

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._jobs.clear()
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._process is not None:
            self._process.shutdown(wait=False, cancel_futures=True)
            self._process = None

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="trends-worker", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._jobs or self._stopping)
                if self._stopping:
                    return
                job = self._jobs.popleft()
                self._running = True
            try:
                if isinstance(job, WarmJob):
                    self._warm(job)
                else:
                    self._compute(job)
            finally:
                with self._changed:
                    self._running = False
                    if isinstance(job, _WeekJob):
                        self._queued.discard((job.scope, job.week, job.key))
                    self._changed.notify_all()

    def _warm(self, job: WarmJob) -> None:
        try:
            job.run(self)
        except Exception:  # the copy closed under it (the app stopping) or a store error: the next copy retries
            log.exception("computing the trends' default windows failed")

    def _in_child(self, items: Sequence[ListedPaper]) -> tuple[PhraseCount, ...]:
        """The week's themes computed by the child process (started on first use; "spawn": this process has
        threads, which a fork would copy mid-flight); in this thread if the child cannot run."""
        try:
            if self._process is None:
                self._process = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            return self._process.submit(week_themes, list(items)).result()
        except (BrokenProcessPool, OSError):
            log.warning("the key-phrase process failed; computing in the app's thread")
            self._process = None
            return week_themes(items)

    def _compute(self, job: _WeekJob) -> None:
        try:
            self.cache.week_themes(job.items, job.scope, job.week, compute=self._in_child)
            self.computed += 1
        except Exception:  # a bug in one week must not stop the others or leave the page waiting for ever
            log.exception("themes of %s, week of %s failed", job.scope, job.week)
            self.cache.remember_failure(job.items, job.scope, job.week)


@dataclass(frozen=True)
class WarmJob:
    """The default windows of every category (and each profile in it) after the reading copy changed."""

    copy: ReadingCopy
    profiles: tuple[str, ...]
    weeks: int

    def run(self, worker: TrendsWorker) -> None:
        windows: list[TrendWindow] = []
        with self.copy.store() as store:
            if store is None:
                return
            for category in store.archive_categories():
                for profile in (None, *self.profiles):
                    window = trend_window(store, category, profile, self.weeks)
                    if window is not None:
                        windows.append(window)
        for window in windows:
            missing = [week for week, items in window.by_week.items()
                       if worker.cache.known(items, window.scope, week) is None]
            worker.submit(window, missing, first=False)
