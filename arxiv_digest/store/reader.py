"""The reader's file, `<data_dir>/reader.duckdb`: feedback, library and seen marks per profile, with time.

The main store is held by a pipeline run for the whole run, so the reader's feedback cannot go there: the web app
would wait for the run, or lose the click. This file is separate and every handle is short-lived: the app opens
it per write (open, insert, close), the rank step opens it read-only for a moment. DuckDB lets one process hold
a file at a time, so both sides retry while the other holds it, for a few seconds at most.

Feedback is an append-only log of events; a paper's state is its events replayed in order:
like/dislike set the vote (each clears the other), clear removes the vote, save/unsave put it in or out of the
library, and any event at all marks the paper seen.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from arxiv_digest.errors import StoreError
from arxiv_digest.store.core import _is_damage, damaged_store, utcnow

READER_FILE = "reader.duckdb"
_MIGRATION = re.compile(r"^r(\d{3})_(\w+)\.sql$")
DEFAULT_WAIT_SECONDS = 10.0  # a write by the other side takes milliseconds; longer means something is stuck


def reader_path(data_dir: Path) -> Path:
    """Where the reader's file lives: beside the main store, one per data dir."""
    return data_dir / READER_FILE


class FeedbackAction(StrEnum):
    LIKE = "like"
    DISLIKE = "dislike"
    SAVE = "save"
    UNSAVE = "unsave"
    SEEN = "seen"
    CLEAR = "clear"  # withdraws a like or dislike; the paper stays seen and, if saved, in the library


@dataclass(frozen=True)
class Feedback:
    profile: str
    arxiv_id: str  # without version
    version: int
    action: FeedbackAction
    at: datetime  # UTC, naive like every time in the stores


@dataclass(frozen=True)
class PaperState:
    liked: bool = False
    disliked: bool = False
    saved: bool = False
    seen: bool = False  # any feedback at all: the reader has met the paper


@dataclass(frozen=True)
class LibraryEntry:
    arxiv_id: str
    version: int  # the version saved
    saved_at: datetime


def paper_states(events: list[Feedback]) -> dict[str, PaperState]:
    """Each paper's state after its events, in the order given (the log's order)."""
    states: dict[str, PaperState] = {}
    for event in events:
        state = states.get(event.arxiv_id, PaperState())
        liked, disliked, saved = state.liked, state.disliked, state.saved
        if event.action is FeedbackAction.LIKE:
            liked, disliked = True, False
        elif event.action is FeedbackAction.DISLIKE:
            liked, disliked = False, True
        elif event.action is FeedbackAction.CLEAR:
            liked, disliked = False, False
        elif event.action is FeedbackAction.SAVE:
            saved = True
        elif event.action is FeedbackAction.UNSAVE:
            saved = False
        states[event.arxiv_id] = PaperState(liked=liked, disliked=disliked, saved=saved, seen=True)
    return states


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("arxiv_digest.store").joinpath("reader_migrations").iterdir():
        if (match := _MIGRATION.match(entry.name)):
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _connect(target: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """A connection, retried while another process holds the file (the app writing, or a rank step reading)."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            if not read_only:
                target.parent.mkdir(parents=True, exist_ok=True)
            return duckdb.connect(str(target), read_only=read_only)
        except OSError as exc:
            raise StoreError(f"cannot create the reader's file {target}: {exc.strerror or exc}") from exc
        except duckdb.Error as exc:
            if _is_damage(exc):
                raise damaged_store(target, exc) from exc
            held = isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()
            if not held:
                raise StoreError(f"cannot open the reader's file {target}: {exc}") from exc
            if time.monotonic() + delay >= deadline:
                raise StoreError(f"the reader's file {target} stayed locked for {wait_seconds:g} s by another "
                                 "process (the web app or a run); try again") from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


class ReaderStore:
    """A short-lived handle on the reader's file: `with ReaderStore.open(path) as reader: ...`."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path | None, read_only: bool) -> None:
        self._con = connection
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(cls, path: Path | str, read_only: bool = False,
             wait_seconds: float = DEFAULT_WAIT_SECONDS) -> ReaderStore:
        """Open (creating and migrating unless read-only). A missing file opened read-only is an empty reader:
        no feedback yet is not an error."""
        target = Path(path)
        if read_only and not target.exists():
            reader = cls(duckdb.connect(":memory:"), None, read_only=False)
            reader._migrate()
            reader.read_only = True
            return reader
        reader = cls(_connect(target, read_only, wait_seconds), target, read_only)
        try:
            if read_only:
                reader._require_current_schema()
            else:
                reader._migrate()
        except BaseException:
            reader.close()
            raise
        return reader

    def __enter__(self) -> ReaderStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def _migrate(self) -> None:
        self._con.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                          "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
        done = {row[0] for row in self._con.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in _migrations():
            if version in done:
                continue
            self._con.execute("BEGIN TRANSACTION")
            try:
                self._con.execute(sql)
                self._con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()])
                self._con.execute("COMMIT")
            except duckdb.Error as exc:
                self._con.execute("ROLLBACK")
                raise StoreError(f"reader migration r{version:03d}_{name} failed: {exc}") from exc

    def _require_current_schema(self) -> None:
        try:
            done = {row[0] for row in self._con.execute("SELECT version FROM schema_migrations").fetchall()}
        except duckdb.CatalogException:
            done = set()
        missing = [version for version, _, _ in _migrations() if version not in done]
        if missing:
            raise StoreError(f"the reader's file {self.path} needs migration r{missing[0]:03d}, which a read-only "
                             "open cannot apply: open it once for writing (give feedback in the app)")

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        try:
            return self._con.execute(sql, params).fetchall()
        except duckdb.Error as exc:
            if _is_damage(exc):
                raise damaged_store(self.path, exc) from exc
            raise

    # -- writes (the app) -----------------------------------------------------------------------------

    def record_feedback(self, profile: str, arxiv_id: str, version: int, action: FeedbackAction | str,
                        at: datetime | None = None) -> None:
        """One event, committed before this returns. An unknown action is a ValueError naming it."""
        if self.read_only:
            raise StoreError(f"the reader's file {self.path} was opened read-only")
        kind = FeedbackAction(action)
        self._con.execute("INSERT INTO feedback (profile, arxiv_id, version, action, given_at) "
                          "VALUES (?, ?, ?, ?, ?)", [profile, arxiv_id, int(version), kind.value, at or utcnow()])

    # -- reads ---------------------------------------------------------------------------------------

    def feedback(self, profile: str, until: datetime | None = None) -> list[Feedback]:
        """The profile's events in the order they were recorded; with `until`, only those at or before it."""
        sql = "SELECT profile, arxiv_id, version, action, given_at FROM feedback WHERE profile = ?"
        params: list[Any] = [profile]
        if until is not None:
            sql += " AND given_at <= ?"
            params.append(until)
        return [Feedback(row[0], row[1], row[2], FeedbackAction(row[3]), row[4])
                for row in self._rows(sql + " ORDER BY id", params)]

    def paper_state(self, profile: str, arxiv_id: str) -> PaperState:
        events = [event for event in self.feedback(profile) if event.arxiv_id == arxiv_id]
        return paper_states(events).get(arxiv_id, PaperState())

    def library(self, profile: str) -> list[LibraryEntry]:
        """The saved papers, most recently saved first."""
        saved: dict[str, LibraryEntry] = {}
        for event in self.feedback(profile):
            if event.action is FeedbackAction.SAVE:
                saved[event.arxiv_id] = LibraryEntry(event.arxiv_id, event.version, event.at)
            elif event.action is FeedbackAction.UNSAVE:
                saved.pop(event.arxiv_id, None)
        return sorted(saved.values(), key=lambda entry: (entry.saved_at, entry.arxiv_id), reverse=True)

    def profiles(self) -> list[str]:
        return [row[0] for row in self._rows("SELECT DISTINCT profile FROM feedback ORDER BY profile", [])]
