"""What the core needs from the outside world, built from settings: the store, the ledger, HTTP to arXiv, the model.

The core takes a `Runtime` and never opens a connection of its own, so a test hands it a fake transport or a
model client and the flow run hands it the real ones. What must be shared by every run in a process is shared
here, and only here:

- `_STORES`: the store of a database file (DuckDB lets one process own a file; `open_store` keeps that one
  handle, `close_stores` lets go of them all),
- `_GATES`: the PDF download gate (one download at a time and the polite interval, whatever the task
  concurrency, so concurrent days of a local backfill do not double the request rate to arXiv),
- `_MODELS`: the model client of one model configuration (its connection pool),
- `_SEMAPHORES`: the concurrency slots of one model endpoint, shared by every model client of it,
- the PDF reading pool (`reading_pool()`: one set of worker processes for every extract and figure task) and the
  readings it hands from the extract step to the segment step (`kept_readings()`; pdf/reading.py).

One lock, `_SHARED_LOCK`, guards the first four. Not here yet: the day progress board with its `_LOCK`
(arxiv_digest.operations.progress).
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import httpx
import httpx2

from arxiv_digest.analysis.model import ConfiguredModel, ModelConfig, OpenAICompatibleModel
from arxiv_digest.catalog.client import make_http_client
from arxiv_digest.catalog.sample_day import sample_transport
from arxiv_digest.http_retry import Clock, RateLimiter
from arxiv_digest.ledger import open_ledger
from arxiv_digest.pdf.reading import KeptReadings, ReadingPool
from arxiv_digest.settings import Settings
from arxiv_digest.store import Store


@dataclass
class DownloadGate:
    """One PDF download at a time over one connection, at least `interval` seconds apart."""

    limiter: RateLimiter
    lock: threading.Lock = field(default_factory=threading.Lock)


_SHARED_LOCK = threading.RLock()
_GATES: dict[float, DownloadGate] = {}
_MODELS: dict[ModelConfig, OpenAICompatibleModel] = {}
_SEMAPHORES: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_STORES: dict[str, Store] = {}


def open_store(path: Path, wait_seconds: float = 600.0) -> Store:
    """The process-wide store for a database file, opened once (DuckDB lets one process own a file).

    Flow runs in separate worker processes take turns: the next waits up to `wait_seconds` for the file.
    """
    key = str(Path(path).resolve())
    with _SHARED_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = Store.open(path, wait_seconds=wait_seconds)
            _STORES[key] = store
        return store


def close_stores() -> None:
    """Close every store this process opened (tests, the end of a benchmark)."""
    with _SHARED_LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()


def endpoint_semaphore(base_url: str, size: int) -> threading.BoundedSemaphore:
    """One semaphore per endpoint and size for the whole process: every task thread shares it."""
    with _SHARED_LOCK:
        key = (base_url.rstrip("/"), size)
        if key not in _SEMAPHORES:
            _SEMAPHORES[key] = threading.BoundedSemaphore(size)
        return _SEMAPHORES[key]


def _shared_gate(interval: float) -> DownloadGate:
    with _SHARED_LOCK:
        return _GATES.setdefault(interval, DownloadGate(RateLimiter(interval, Clock())))


def _shared_model(config: ModelConfig) -> OpenAICompatibleModel:
    with _SHARED_LOCK:
        if config not in _MODELS:
            _MODELS[config] = OpenAICompatibleModel(
                config, semaphore=endpoint_semaphore(config.base_url, config.concurrency))
        return _MODELS[config]


@dataclass(frozen=True)
class Runtime:
    """Settings plus the connections they describe. Cheap to build; the shared parts are shared (see above).

    `arxiv_transport` and `model_http_client` replace the network for tests, and `chat_model` the whole model
    client (a scripted model, in process); `settings.sample_day` serves the embedded offline sample day.
    """

    settings: Settings
    arxiv_transport: httpx.BaseTransport | None = None
    model_http_client: httpx2.Client | None = None
    chat_model: ConfiguredModel | None = None

    def for_digest(self, category: str, day: date) -> Runtime:
        return replace(self, settings=self.settings.for_digest(category, day))

    def store(self) -> Store:
        return open_store(self.settings.db_path)

    def ledger(self) -> contextlib.AbstractContextManager[Store]:
        """The record of which digest holds each paper, held exclusively until the block ends."""
        return open_ledger(self.settings, open_store)

    def arxiv_http(self) -> httpx.Client:
        """A new HTTP client for arXiv (API or PDFs), to be closed by the caller (`with runtime.arxiv_http()`)."""
        transport = self.arxiv_transport
        if transport is None and self.settings.sample_day:
            transport = sample_transport()
        return make_http_client(self.settings, transport)

    @contextlib.contextmanager
    def pdf_download_turn(self) -> Iterator[RateLimiter]:
        """This process's turn to download a PDF; the limiter spaces the requests."""
        gate = _shared_gate(self.settings.pdf_min_interval_seconds)
        with gate.lock:
            yield gate.limiter

    def model(self) -> ConfiguredModel:
        """The configured model; an injected `model_http_client` gets a model of its own."""
        if not self.settings.uses_llm:
            raise ValueError("llm_base_url is empty: no model is configured (the extractive analyzer is used)")
        if self.chat_model is not None:
            return self.chat_model
        config = ModelConfig.from_settings(self.settings)
        if self.model_http_client is not None:
            return OpenAICompatibleModel(config, http_client=self.model_http_client,
                                         semaphore=endpoint_semaphore(config.base_url, config.concurrency))
        return _shared_model(config)


def runtime_for(settings: Settings) -> Runtime:
    """The runtime of a flow run's settings (what the Prefect tasks open)."""
    return Runtime(settings)


# -- PDF reading: one pool of worker processes per process, and what it read beyond the text -------------------

_READING_POOL = ReadingPool()
_KEPT_READINGS = KeptReadings()
atexit.register(_READING_POOL.shutdown)


def reading_pool() -> ReadingPool:
    """The process's PDF reading pool, shared by every extract and figure task thread and every day."""
    return _READING_POOL


def kept_readings() -> KeptReadings:
    """Sections and links read with a paper's text in this process, kept for its segment step."""
    return _KEPT_READINGS
