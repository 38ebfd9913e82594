"""The DuckDB store: the only module that speaks SQL.

One process owns the database file. Inside it, every call takes its own cursor (DuckDB connections are not
shared across threads) and write conflicts between concurrent task threads are retried. Every write is an
upsert keyed by identity (arXiv id + version) or content (sha256, prompt hash), so rerunning a day leaves the
same rows.

One class, `Store`, composed of one mixin per aggregate (each its own module beside this one; the SQL helpers in
`core`): papers and PDFs, extraction, analyses and attempts, runs and steps, holdings, rankings and feedback,
deliveries. The numbered migrations live in `migrations/`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from arxiv_digest.store.analyses import AnalysisStore
from arxiv_digest.store.core import StoreCore, _migrations, damaged_store, utcnow
from arxiv_digest.store.deliveries import DeliveryStore
from arxiv_digest.store.extraction import ExtractionStore
from arxiv_digest.store.holdings import HoldingStore
from arxiv_digest.store.papers import PaperStore
from arxiv_digest.store.rankings import RankingStore
from arxiv_digest.store.runs import RunStore

__all__ = ["Store", "StoreCore", "_migrations", "close_stores", "damaged_store", "open_store", "utcnow"]


class Store(HoldingStore, PaperStore, ExtractionStore, AnalysisStore, RunStore, RankingStore, DeliveryStore,
            StoreCore):
    """The DuckDB store: every aggregate's reads and writes over one connection."""


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(path: Path, wait_seconds: float = 600.0) -> Store:
    """The process-wide store for a database file, opened once (DuckDB lets one process own a file).

    Flow runs in separate worker processes take turns: the next waits up to `wait_seconds` for the file.
    """
    key = str(Path(path).resolve())
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = Store.open(path, wait_seconds=wait_seconds)
            _STORES[key] = store
        return store


def close_stores() -> None:
    with _STORES_LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()
