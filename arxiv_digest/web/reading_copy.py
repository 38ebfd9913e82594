"""The app's reading copy of the store: the pipeline owns the main file, the app reads a copy of it.

DuckDB lets one process write a file, and a read-only open cannot coexist with another process's writer. So the
app never keeps the main store open: when the main file changed it opens it read-only for a moment (no writer
then), copies it to a temporary name, checkpoints the copy, renames it over the previous copy and lets go.
While a run holds the main store, the last copy keeps serving and the pages say as of when.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from arxiv_digest.errors import StoreError
from arxiv_digest.store import Store

RETRY_WHILE_HELD_SECONDS = 3.0  # how often to try again while a run holds the main store


@dataclass(frozen=True)
class CopyState:
    """What the pages say about the copy they read."""

    copied_at: datetime | None  # UTC; None: no store yet
    writing: bool  # a run held the main store at the last attempt


def _signature(path: Path) -> tuple[int, int, int] | None:
    if not path.is_file():
        return None
    stat = path.stat()
    wal = path.with_name(path.name + ".wal")
    return stat.st_mtime_ns, stat.st_size, wal.stat().st_mtime_ns if wal.is_file() else 0


class ReadingCopy:
    def __init__(self, source: Path, copy_path: Path) -> None:
        self.source = source
        self.path = copy_path
        self._lock = threading.Lock()
        self._copied: tuple[int, int, int] | None = None
        self._copied_at: datetime | None = None
        self._writing = False
        self._next_try = 0.0
        # One read-only handle on the copy serves every request (opening one costs more than most pages); it is
        # swapped only when no request holds it, since the new copy is renamed over the file it reads.
        self._handle: Store | None = None
        self._readers = 0
        self._idle = threading.Condition()

    @property
    def state(self) -> CopyState:
        return CopyState(self._copied_at, self._writing)

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
                self._writing, self._next_try = True, time.monotonic() + RETRY_WHILE_HELD_SECONDS
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
        with self._idle:
            self._idle.wait_for(lambda: self._readers == 0)
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            os.replace(temporary, self.path)
        self._copied, self._copied_at, self._writing = signature, datetime.now(UTC), False

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
