"""Where the record of which digest holds each paper is opened, so that two runs can never both claim one.

Under the `single` layout it is the store itself (one process owns the file; threads take turns on a lock).
Under `per-day` it is data_dir/ledger.duckdb, shared by every worker: each claim opens it under an exclusive
file lock, does its one transaction, and lets go, so workers on other days wait milliseconds, not a run.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from arxiv_digest.settings import Settings
from arxiv_digest.store import Store

_THREADS = threading.Lock()
LEDGER_WAIT_SECONDS = 120.0


@contextlib.contextmanager
def open_ledger(settings: Settings, open_shared: Callable[[Path], Store]) -> Iterator[Store]:
    """The ledger, held exclusively by this thread and process until the block ends (`open_shared`: the
    process-wide store of a file, the runtime's `open_store`)."""
    with _THREADS:
        if settings.store_layout != "per-day":
            yield open_shared(settings.db_path)
            return
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(settings.data_dir / "ledger.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                store = Store.open(settings.ledger_path, wait_seconds=LEDGER_WAIT_SECONDS)
                try:
                    yield store
                finally:
                    store.close()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
