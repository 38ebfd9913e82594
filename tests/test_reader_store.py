"""The reader's file (issue 26): feedback per profile with time, the state derived from it, the library, and
feedback that survives a run holding the main store and a rank step reading the reader's file at the same time.
Real DuckDB files, real processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from arxiv_digest.errors import StoreError
from arxiv_digest.store.reader import (
    Feedback,
    FeedbackAction,
    LibraryEntry,
    PaperState,
    ReaderStore,
    reader_path,
)


def test_feedback_is_kept_per_profile_with_its_time_and_order(tmp_path: Path) -> None:
    path = reader_path(tmp_path)
    with ReaderStore.open(path) as reader:
        reader.record_feedback("vision", "2509.01234", 1, FeedbackAction.LIKE, at=datetime(2026, 12, 1, 9))
        reader.record_feedback("vision", "2510.04321", 2, "dislike", at=datetime(2026, 12, 1, 8))
        reader.record_feedback("robots", "2509.01234", 1, FeedbackAction.SAVE)
    with ReaderStore.open(path, read_only=True) as reader:
        assert reader.feedback("vision") == [
            Feedback("vision", "2509.01234", 1, FeedbackAction.LIKE, datetime(2026, 12, 1, 9)),
            Feedback("vision", "2510.04321", 2, FeedbackAction.DISLIKE, datetime(2026, 12, 1, 8)),
        ]
        assert [event.action for event in reader.feedback("robots")] == [FeedbackAction.SAVE]
        assert reader.feedback("vision", until=datetime(2026, 12, 1, 8, 30)) == [
            Feedback("vision", "2510.04321", 2, FeedbackAction.DISLIKE, datetime(2026, 12, 1, 8))]
        assert reader.profiles() == ["robots", "vision"]


def test_a_papers_state_replays_its_events_in_order(tmp_path: Path) -> None:
    with ReaderStore.open(tmp_path / "r.duckdb") as reader:
        for action in ("like", "dislike", "save", "clear"):
            reader.record_feedback("p", "2401.00001", 1, action)
        reader.record_feedback("p", "2401.00002", 1, "seen")
        reader.record_feedback("p", "2401.00003", 1, "like")
        assert reader.paper_state("p", "2401.00001") == PaperState(saved=True, seen=True)
        assert reader.paper_state("p", "2401.00002") == PaperState(seen=True)
        assert reader.paper_state("p", "2401.00003") == PaperState(liked=True, seen=True)
        assert reader.paper_state("p", "2401.09999") == PaperState()
        assert reader.paper_state("other", "2401.00003") == PaperState()


def test_the_library_holds_what_is_saved_and_not_unsaved(tmp_path: Path) -> None:
    with ReaderStore.open(tmp_path / "r.duckdb") as reader:
        reader.record_feedback("p", "2401.00001", 1, "save", at=datetime(2026, 1, 1))
        reader.record_feedback("p", "2401.00002", 3, "save", at=datetime(2026, 1, 2))
        reader.record_feedback("p", "2401.00003", 1, "save", at=datetime(2026, 1, 3))
        reader.record_feedback("p", "2401.00003", 1, "unsave", at=datetime(2026, 1, 4))
        assert reader.library("p") == [LibraryEntry("2401.00002", 3, datetime(2026, 1, 2)),
                                       LibraryEntry("2401.00001", 1, datetime(2026, 1, 1))]


def test_an_unknown_action_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with ReaderStore.open(tmp_path / "r.duckdb") as reader:
        with pytest.raises(ValueError, match="upvote"):
            reader.record_feedback("p", "2401.00001", 1, "upvote")
        assert reader.feedback("p") == []


def test_a_missing_file_read_only_is_no_feedback_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "reader.duckdb"
    with ReaderStore.open(path, read_only=True) as reader:
        assert reader.feedback("p") == []
        with pytest.raises(StoreError, match="read-only"):
            reader.record_feedback("p", "2401.00001", 1, "like")
    assert not path.parent.exists()


def test_a_read_only_open_waits_for_the_writer_then_gives_up_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "reader.duckdb"
    ReaderStore.open(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time, duckdb
        con = duckdb.connect({str(path)!r})
        print("held", flush=True)
        time.sleep(3)
        con.close()
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="stayed locked"):
            ReaderStore.open(path, read_only=True, wait_seconds=0.3)
        started = time.monotonic()
        with ReaderStore.open(path, read_only=True, wait_seconds=20) as reader:
            assert reader.feedback("p") == []
        assert time.monotonic() - started > 0.5  # it waited for the holder, it did not fail
    finally:
        holder.wait(timeout=30)


_APP = """
import sys
from arxiv_digest.store.reader import ReaderStore
path, count = sys.argv[1], int(sys.argv[2])
for number in range(count):
    with ReaderStore.open(path, wait_seconds=30) as reader:
        reader.record_feedback("vision", f"2501.{number:05d}", 1, "like" if number % 2 else "save")
print("wrote", count, flush=True)
"""

_RANK_STEP = """
import sys, time
from arxiv_digest.store.reader import ReaderStore
path, seconds = sys.argv[1], float(sys.argv[2])
end, reads = time.monotonic() + seconds, 0
while time.monotonic() < end:
    with ReaderStore.open(path, read_only=True, wait_seconds=30) as reader:
        reader.feedback("vision")
    reads += 1
print("read", reads, flush=True)
"""

_RUN = """
import sys, time
from datetime import date
from arxiv_digest.store import Store
store = Store.open(sys.argv[1])
print("holding", flush=True)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    store.mark("heartbeat", str(time.monotonic()))
store.close()
print("released", flush=True)
"""


def test_feedback_given_during_a_run_is_never_lost(tmp_path: Path) -> None:
    """A run holds the main store and its rank step keeps opening the reader's file read-only, while the app
    writes feedback one short open at a time: every event lands, and the run was never blocked."""
    main, path = tmp_path / "digest.duckdb", reader_path(tmp_path)
    ReaderStore.open(path).close()
    run = subprocess.Popen([sys.executable, "-c", _RUN, str(main), "6"], stdout=subprocess.PIPE, text=True)
    assert run.stdout is not None and run.stdout.readline().strip() == "holding"
    rank = subprocess.Popen([sys.executable, "-c", _RANK_STEP, str(path), "4"], stdout=subprocess.PIPE, text=True)
    app = subprocess.run([sys.executable, "-c", _APP, str(path), "60"], capture_output=True, text=True,
                         timeout=120)
    rank_out, _ = rank.communicate(timeout=120)
    run_out, _ = run.communicate(timeout=120)
    assert app.returncode == 0, app.stderr
    assert rank.returncode == 0 and int(rank_out.split()[1]) > 0
    assert run.returncode == 0 and "released" in run_out
    with ReaderStore.open(path, read_only=True) as reader:
        events = reader.feedback("vision")
        library = reader.library("vision")
    assert sorted(event.arxiv_id for event in events) == [f"2501.{n:05d}" for n in range(60)]
    assert len(library) == 30
    assert duckdb.connect(str(main), read_only=True).execute(
        "SELECT count(*) FROM store_marks WHERE name = 'heartbeat'").fetchone() == (1,)
