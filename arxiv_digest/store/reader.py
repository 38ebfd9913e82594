"""The reader's file (`<data_dir>/reader.duckdb`): feedback, library and seen marks, per profile, with time.

Interim version written by the web app's branch against the interface agreed in issue 26; the learning branch
owns this module and replaces it (same names, same signatures). The app is the only writer and opens the file
per write, so a pipeline run never holds it and feedback given during a run is never lost.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import duckdb

from arxiv_digest.errors import StoreError


class FeedbackAction(StrEnum):
    LIKE = "like"
    DISLIKE = "dislike"
    SAVE = "save"
    UNSAVE = "unsave"
    SEEN = "seen"
    CLEAR = "clear"


@dataclass(frozen=True)
class Feedback:
    profile: str
    arxiv_id: str
    version: int
    action: FeedbackAction
    at: datetime


@dataclass(frozen=True)
class PaperState:
    liked: bool = False
    disliked: bool = False
    saved: bool = False
    seen: bool = False


@dataclass(frozen=True)
class LibraryEntry:
    arxiv_id: str
    version: int
    saved_at: datetime


_SCHEMA = ("CREATE TABLE IF NOT EXISTS feedback (profile VARCHAR NOT NULL, arxiv_id VARCHAR NOT NULL, "
           "version INTEGER NOT NULL, action VARCHAR NOT NULL, given_at TIMESTAMP NOT NULL)")


def _state(events: list[Feedback]) -> tuple[PaperState, datetime | None]:
    liked = disliked = saved = seen = False
    saved_at = None
    for event in events:
        if event.action == FeedbackAction.LIKE:
            liked, disliked = True, False
        elif event.action == FeedbackAction.DISLIKE:
            liked, disliked = False, True
        elif event.action == FeedbackAction.CLEAR:
            liked = disliked = False
        elif event.action == FeedbackAction.SAVE:
            saved, saved_at = True, event.at
        elif event.action == FeedbackAction.UNSAVE:
            saved, saved_at = False, None
        elif event.action == FeedbackAction.SEEN:
            seen = True
    return PaperState(liked, disliked, saved, seen), saved_at


class ReaderStore:
    def __init__(self, connection: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self._con = connection
        self.read_only = read_only

    @classmethod
    @contextmanager
    def open(cls, path: Path, read_only: bool = False, wait_seconds: float = 10.0) -> Iterator[ReaderStore]:
        """A short-lived handle; waits (retrying) while another process holds the file."""
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                if not read_only:
                    path.parent.mkdir(parents=True, exist_ok=True)
                con = duckdb.connect(str(path), read_only=read_only)
                break
            except duckdb.IOException as exc:
                if time.monotonic() > deadline:
                    raise StoreError(f"cannot open the reader's file {path}: {exc}") from exc
                time.sleep(0.1)
        try:
            if not read_only:
                con.execute(_SCHEMA)
            yield cls(con, read_only)
        finally:
            con.close()

    def record_feedback(self, profile: str, arxiv_id: str, version: int, action: FeedbackAction,
                        at: datetime | None = None) -> None:
        moment = (at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
        self._con.execute("INSERT INTO feedback VALUES (?, ?, ?, ?, ?)",
                          [profile, arxiv_id, version, str(FeedbackAction(action)), moment])

    def feedback(self, profile: str) -> list[Feedback]:
        if not self._has_table():
            return []
        rows = self._con.execute("SELECT profile, arxiv_id, version, action, given_at FROM feedback WHERE profile = ? "
                                 "ORDER BY given_at, rowid", [profile]).fetchall()
        return [Feedback(r[0], r[1], r[2], FeedbackAction(r[3]), r[4].replace(tzinfo=UTC)) for r in rows]

    def paper_state(self, profile: str, arxiv_id: str) -> PaperState:
        return _state([f for f in self.feedback(profile) if f.arxiv_id == arxiv_id])[0]

    def library(self, profile: str) -> list[LibraryEntry]:
        events = self.feedback(profile)
        entries = []
        for arxiv_id in dict.fromkeys(f.arxiv_id for f in events):
            mine = [f for f in events if f.arxiv_id == arxiv_id]
            state, saved_at = _state(mine)
            if state.saved and saved_at is not None:
                entries.append(LibraryEntry(arxiv_id, mine[-1].version, saved_at))
        return sorted(entries, key=lambda e: e.saved_at, reverse=True)

    def _has_table(self) -> bool:
        row = self._con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'feedback'"
                                ).fetchone()
        return bool(row and row[0])
