"""The app's reading copy of the store: the pipeline owns the store files, the app reads a copy of them.

DuckDB lets one process write a file, and a read-only open cannot coexist with another process's writer. So the
app never keeps a store file open. Under the `single` layout (`ReadingCopy`), when the main file changed it opens
it read-only for a moment (no writer then), copies it to a temporary name, checkpoints the copy, renames it over
the previous copy and lets go; while a run holds the main store, the last copy keeps serving and the pages say as
of when. Under `per-day` (`DayFilesCopy`) the copy is one store merged from every day file (and the ledger): each
file that changed since the last merge is attached read-only for one transaction and its rows copied in; a file
a running day holds is skipped, the pages say so, and the next refresh tries it again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from arxiv_digest.errors import StoreError, StoreHeld
from arxiv_digest.settings import Settings
from arxiv_digest.store import Store

RETRY_WHILE_HELD_SECONDS = 3.0  # how often to try again while a run holds the main store


@dataclass(frozen=True)
class CopyState:
    """What the pages say about the copy they read."""

    copied_at: datetime | None  # UTC; None: no store yet
    writing: bool  # a run held the main store (or, per-day, a day file) at the last attempt
    held: tuple[str, ...] = ()  # per-day: the day files a run held at the last attempt (not in the copy yet)
    unreadable: tuple[str, ...] = ()  # per-day: day files left out (damaged, or an older schema), until they change


def _signature(path: Path) -> tuple[int, int, int] | None:
    if not path.is_file():
        return None
    stat = path.stat()
    wal = path.with_name(path.name + ".wal")
    return stat.st_mtime_ns, stat.st_size, wal.stat().st_mtime_ns if wal.is_file() else 0


class _CopyHandle:
    """The copy's one read-only handle, shared by every request, and the way to change the copy under it."""

    def __init__(self, copy_path: Path) -> None:
        self.path = copy_path
        self._lock = threading.Lock()
        self._copied_at: datetime | None = None
        self._writing = False
        self._next_try = 0.0
        self.retry_seconds = RETRY_WHILE_HELD_SECONDS
        # One read-only handle on the copy serves every request (opening one costs more than most pages); it is
        # let go only when no request holds it, since the copy is then replaced or written.
        self._handle: Store | None = None
        self._readers = 0
        self._idle = threading.Condition()

    @property
    def state(self) -> CopyState:
        return CopyState(self._copied_at, self._writing)

    def refresh(self) -> CopyState:
        raise NotImplementedError

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """No request reads the copy until the block ends (requests arriving meanwhile wait for it)."""
        with self._idle:
            self._idle.wait_for(lambda: self._readers == 0)
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            yield

    @contextlib.contextmanager
    def store(self) -> Iterator[Store | None]:
        """A read-only handle on the copy for one request (None before the first run made a store)."""
        self.refresh()
        with self._idle:
            if self._handle is None and self.path.is_file():
                self._handle = Store.open(self.path, read_only=True)
            handle = self._handle
            self._readers += 1
        try:
            yield handle
        finally:
            with self._idle:
                self._readers -= 1
                self._idle.notify_all()

    def close(self) -> None:
        with self._idle:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


class ReadingCopy(_CopyHandle):
    """The `single` layout: a whole-file copy of the main store, taken again when the file changed."""

    def __init__(self, source: Path, copy_path: Path) -> None:
        super().__init__(copy_path)
        self.source = source
        self._copied: tuple[int, int, int] | None = None

    def refresh(self) -> CopyState:
        """Copy the main store when it changed since the last copy and no run holds it; cheap otherwise."""
        with self._lock:
            signature = _signature(self.source)
            if signature is None or (signature == self._copied and self.path.is_file()):
                return self.state
            if self._writing and time.monotonic() < self._next_try:
                return self.state
            try:
                held = Store.open(self.source, read_only=True)
            except StoreError as exc:
                if "lock" not in str(exc).lower():
                    raise
                self._writing, self._next_try = True, time.monotonic() + self.retry_seconds
                return self.state
            try:
                self._copy(_signature(self.source))
            finally:
                held.close()
            return self.state

    def _copy(self, signature: tuple[int, int, int] | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        shutil.copyfile(self.source, temporary)
        wal = self.source.with_name(self.source.name + ".wal")
        if wal.is_file():
            shutil.copyfile(wal, temporary.with_name(temporary.name + ".wal"))
        # The copy is ours: fold its WAL in, so read-only opens of it need nothing else.
        con = duckdb.connect(str(temporary))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        with self._exclusive():
            os.replace(temporary, self.path)
        self._copied, self._copied_at, self._writing = signature, datetime.now(UTC), False


class DayFilesCopy(_CopyHandle):
    """The `per-day` layout: one store merged from every day file, only the files changed since the last merge."""

    def __init__(self, sources: Callable[[], list[Path]], copy_path: Path) -> None:
        super().__init__(copy_path)
        self.sources = sources
        self._copied: dict[Path, tuple[int, int, int]] = {}
        self._held: tuple[str, ...] = ()
        self._unreadable: dict[Path, str] = {}
        self._started = False

    @property
    def state(self) -> CopyState:
        return CopyState(self._copied_at, bool(self._held), self._held, tuple(p.stem for p in self._unreadable))

    def refresh(self) -> CopyState:
        """Merge each day file that changed since the last merge (or was held then); cheap when none did."""
        with self._lock:
            changed = [(path, signature) for path in self.sources()
                       if (signature := _signature(path)) is not None and self._copied.get(path) != signature]
            if self._started and not changed:
                return self.state
            if self._started and {p.stem for p, _ in changed} <= set(self._held) and \
                    time.monotonic() < self._next_try:
                return self.state  # only held days changed: ask again after a pause, not on every request
            with self._exclusive():
                if not self._started:  # a copy left by an earlier app knows nothing of what it merged: rebuild
                    for stale in (self.path, self.path.with_name(self.path.name + ".wal")):
                        stale.unlink(missing_ok=True)
                    self._started = True
                held = self._merge(changed) if changed else []
            self._held, self._next_try = tuple(held), time.monotonic() + self.retry_seconds
            if len(held) < len(changed) or self._copied_at is None:
                self._copied_at = datetime.now(UTC)
            return self.state

    def _merge(self, changed: list[tuple[Path, tuple[int, int, int]]]) -> list[str]:
        """Copy each changed file's rows into the copy; the names of the files a run holds (left for later)."""
        held = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        target = Store.open(self.path)
        try:
            for path, signature in changed:
                try:
                    target.copy_store_rows(path)
                except StoreHeld:
                    held.append(path.stem)
                    continue
                except StoreError as exc:  # one bad day file must not take every page down: left out, named
                    self._unreadable[path] = str(exc)
                else:
                    self._unreadable.pop(path, None)
                self._copied[path] = signature  # tried again only when it changes
        finally:
            target.close()
        return held


def reading_copy(settings: Settings) -> ReadingCopy | DayFilesCopy:
    """The reading copy for the settings' store layout, kept in data_dir/web/."""
    copy_path = settings.data_dir / "web" / "reading-copy.duckdb"
    if settings.store_layout == "per-day" and not settings.store_file:
        ledger = settings.ledger_path
        return DayFilesCopy(lambda: [*settings.store_files(), *([ledger] if ledger.is_file() else [])], copy_path)
    return ReadingCopy(settings.db_path, copy_path)
