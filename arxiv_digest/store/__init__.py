"""The DuckDB store: the only module that speaks SQL.

One process owns the database file. Inside it, every call takes its own cursor (DuckDB connections are not
shared across threads) and write conflicts between concurrent task threads are retried. Every write is an
upsert keyed by identity (arXiv id + version) or content (sha256, prompt hash), so rerunning a day leaves the
same rows.

One class, `Store`, composed of one mixin per aggregate (each its own module beside this one; the SQL helpers in
`core`): papers and PDFs, extraction, analyses and attempts, runs and steps, holdings, rankings and feedback,
deliveries, the archive the search index reads, which reader feedback each ranking used, the revisions of
liked and saved papers that digests list, and merging another store file's rows in (the web app's reading copy
of per-day files). The reader's own
file (feedback, library) is `reader.py`'s `ReaderStore`. The numbered migrations live in `migrations/`.
"""

from __future__ import annotations

from arxiv_digest.store.analyses import AnalysisStore
from arxiv_digest.store.archive import ArchiveStore
from arxiv_digest.store.core import StoreCore, _migrations, damaged_store, utcnow
from arxiv_digest.store.day_copies import DayCopyStore
from arxiv_digest.store.deliveries import DeliveryStore
from arxiv_digest.store.extraction import ExtractionStore
from arxiv_digest.store.holdings import HoldingStore
from arxiv_digest.store.papers import PaperStore
from arxiv_digest.store.ranking_feedback import RankingFeedbackStore
from arxiv_digest.store.rankings import RankingStore
from arxiv_digest.store.revisions import RevisionStore
from arxiv_digest.store.runs import RunStore

__all__ = ["Store", "StoreCore", "_migrations", "damaged_store", "utcnow"]


class Store(HoldingStore, PaperStore, ExtractionStore, AnalysisStore, RunStore, RankingStore, RankingFeedbackStore,
            RevisionStore, ArchiveStore, DeliveryStore, DayCopyStore, StoreCore):
    """The DuckDB store: every aggregate's reads and writes over one connection."""


