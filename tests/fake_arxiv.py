"""A fake arXiv on 127.0.0.1: serves Atom pages and PDFs over real HTTP and misbehaves on request.

Faults are queued per route and consumed one per request:
    ("status", 429, {"Retry-After": "1"})  answer with a status (and headers)
    ("hang", 5.0)                          accept, then say nothing for that many seconds
    ("truncate", 100)                      promise the full body, send only the first N bytes, close
    ("html",)                              send an HTML page with status 200 instead of the PDF
    ("none",)                              answer normally (to aim a later fault at a later request)
The route "ids" aims faults at the API's lookups by id (id_list) only; the searches go on unharmed.

A PDF can also be a StreamedPdf: a body of any size produced chunk by chunk while it is sent (a 200 MB PDF costs
no memory), with or without a Content-Length; state.streamed records how many bytes each such request got out
before the client hung up.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from loopback_http import LoopbackServer, QuietHandler


@dataclass
class RecordedRequest:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


@dataclass(frozen=True)
class StreamedPdf:
    """`size` bytes that start like a PDF, generated while they are sent; never held in memory at once."""

    size: int
    declare_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    chunk_bytes: int = 1 << 20

    def chunks(self) -> Iterator[bytes]:
        head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        filler = b"% padding that never ends\n" * (self.chunk_bytes // 26 + 1)
        sent = 0
        first = (head + filler)[: min(self.chunk_bytes, self.size)]
        yield first
        sent += len(first)
        block = filler[: self.chunk_bytes]
        while sent < self.size:
            piece = block if self.size - sent >= len(block) else block[: self.size - sent]
            yield piece
            sent += len(piece)


@dataclass
class StreamRecord:
    paper: str
    declared: bool
    size: int
    bytes_sent: int
    completed: bool  # the whole body went out (the client read it all)


@dataclass
class CatalogPaper:
    """A paper of a simulated arXiv: its Atom entry is served only from `visible_from` on (its announcement).

    arXiv's RSS feed of the announcement read on `announced_on` lists it (as new or cross by its primary
    category, or as `announce_type`, e.g. a v2 as "replace"). The API's search can lag behind or drop a paper
    (`search_hidden`) while a lookup by id already finds it from `by_id_from` (default: `visible_from`).
    """

    paper: Any  # arxiv_digest.sample_day.SamplePaper
    visible_from: datetime
    announced_on: date | None = None
    announce_type: str = ""  # "" = new in its primary category, cross in the others
    search_hidden: bool = False
    by_id_from: datetime | None = None


@dataclass
class FakeArxivState:
    # search_query -> list of Atom pages; a request with start=N gets the page whose start index is N.
    feeds: dict[str, dict[int, bytes]] = field(default_factory=dict)
    default_feed: bytes | None = None
    pdfs: dict[str, bytes] = field(default_factory=dict)  # "2601.99001v1" -> bytes
    streams: dict[str, StreamedPdf] = field(default_factory=dict)  # "2601.99001v1" -> a generated body
    streamed: list[StreamRecord] = field(default_factory=list)
    faults: dict[str, deque[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(deque))
    served_faults: list[tuple[str, str]] = field(default_factory=list)  # (route, kind) of every fault served
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # A simulated arXiv: when `catalog` is set, searches are answered from it as of `clock` (paged,
    # filtered by category and v1 submission time), and a PDF asked for is its own in `pdfs`, else `catalog_pdf`.
    catalog: list[CatalogPaper] | None = None
    clock: datetime | None = None
    catalog_pdf: bytes = b""
    # arXiv's RSS feeds: fixed bodies per category, or (catalog_rss) built from the catalog as of `clock`: the
    # announcement whose feed was rebuilt last (around midnight US Eastern, `rss_rebuilt_after` past it).
    rss: dict[str, bytes] = field(default_factory=dict)
    catalog_rss: bool = False
    rss_rebuilt_after: timedelta = timedelta(minutes=5)


def route_of(path: str) -> str:
    return "api" if path.endswith("/api/query") else "rss" if path.startswith("/rss/") else "pdf"


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        state = self.server.state
        parsed = urlparse(self.path)
        query = parse_qs(parsed.query)
        with state.lock:
            state.requests.append(RecordedRequest(parsed.path, query, dict(self.headers), time.monotonic()))
            route = route_of(parsed.path)
            if route == "api" and "id_list" in query and state.faults["ids"]:
                route = "ids"
            fault = state.faults[route].popleft() if state.faults[route] else None
            if fault is not None and fault[0] != "none":
                state.served_faults.append((route, fault[0]))
        body, content_type = self._body(parsed.path, query)
        if fault is not None and fault[0] != "none":
            kind = fault[0]
            if kind == "status":
                headers = fault[2] if len(fault) > 2 else {}
                self._send(fault[1], b"fault", "text/plain", headers)
                return
            if kind == "hang":
                time.sleep(fault[1])
                self.close_connection = True
                return
            if kind == "truncate" and body is not None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: fault[1]])
                self.wfile.flush()
                self.close_connection = True
                return
            if kind == "html":
                self._send(200, b"<!DOCTYPE html><html><body>Access denied</body></html>", "text/html")
                return
        stream = state.streams.get(parsed.path[len("/pdf/"):]) if parsed.path.startswith("/pdf/") else None
        if body is None and stream is not None:
            self._stream(parsed.path[len("/pdf/"):], stream)
            return
        if body is None:
            self._send(404, b"not found", "text/plain")
            return
        self._send(200, body, content_type)

    def _stream(self, paper: str, stream: StreamedPdf) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        if stream.declare_length:
            self.send_header("Content-Length", str(stream.size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        sent, completed = 0, False
        try:
            for chunk in stream.chunks():
                self.wfile.write(chunk)
                sent += len(chunk)
            self.wfile.flush()
            completed = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading
        finally:
            with self.server.state.lock:
                self.server.state.streamed.append(StreamRecord(paper, stream.declare_length, stream.size, sent,
                                                               completed))

    def _catalog_page(self, query: dict[str, list[str]]) -> bytes:
        from arxiv_digest.catalog.client import parse_submitted_between
        from arxiv_digest.catalog.sample_day import feed_xml

        state = self.server.state
        if "id_list" in query:
            wanted_ids = set(query["id_list"][0].split(","))
            with state.lock:
                now = state.clock
                newest: dict[str, Any] = {}
                for c in state.catalog or ():
                    known = newest.get(c.paper.arxiv_id)
                    if (c.paper.arxiv_id in wanted_ids and (now is None or (c.by_id_from or c.visible_from) <= now)
                            and (known is None or c.paper.version > known.version)):
                        newest[c.paper.arxiv_id] = c.paper
            return feed_xml(tuple(newest.values()))
        wanted = parse_submitted_between(query.get("search_query", [""])[0])
        if wanted is None:
            return feed_xml(())
        category, first, last = wanted
        with state.lock:
            now = state.clock
            listed = sorted(
                (c.paper for c in state.catalog or ()
                 if (now is None or c.visible_from <= now) and not c.search_hidden and category in c.paper.categories
                 and first <= datetime.fromisoformat(c.paper.published.replace("Z", "+00:00")) <= last),
                key=lambda p: (p.published, p.arxiv_id),
            )
        start = int(query.get("start", ["0"])[0])
        size = int(query.get("max_results", ["10"])[0])
        return feed_xml(tuple(listed[start:start + size]), total=len(listed), start=start)

    def _catalog_rss(self, category: str) -> bytes:
        from arxiv_digest.catalog.announcements import EASTERN
        from arxiv_digest.catalog.sample_day import rss_xml

        state = self.server.state
        with state.lock:
            now = state.clock or datetime.now(UTC)
            day = (now - state.rss_rebuilt_after).astimezone(EASTERN).date()
            items = [(c.paper, c.announce_type or ("new" if c.paper.categories[0] == category else "cross"))
                     for c in state.catalog or () if c.announced_on == day and category in c.paper.categories]
        return rss_xml(category, day, sorted(items, key=lambda item: item[0].arxiv_id))

    def _body(self, path: str, query: dict[str, list[str]]) -> tuple[bytes | None, str]:
        state = self.server.state
        if path.startswith("/rss/"):
            category = path[len("/rss/"):]
            if state.catalog_rss:
                return self._catalog_rss(category), "application/rss+xml"
            return state.rss.get(category), "application/rss+xml"
        if state.catalog is not None:
            if path.endswith("/api/query"):
                return self._catalog_page(query), "application/atom+xml"
            if path.startswith("/pdf/"):  # a paper's own PDF when it has one, else the catalog's one PDF
                return state.pdfs.get(path[len("/pdf/"):], state.catalog_pdf), "application/pdf"
        if path.endswith("/api/query"):
            search = query.get("search_query", [""])[0]
            start = int(query.get("start", ["0"])[0])
            pages = state.feeds.get(search)
            if pages is not None:
                return pages.get(start, state.default_feed), "application/atom+xml"
            return state.default_feed, "application/atom+xml"
        if path.startswith("/pdf/"):
            return state.pdfs.get(path[len("/pdf/") :]), "application/pdf"
        return None, "text/plain"



class FakeArxiv(LoopbackServer):
    def __init__(self) -> None:
        self.state = FakeArxivState()
        super().__init__(_Handler, state=self.state)

    @property
    def base_url(self) -> str:
        return self.origin

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/query"

    @property
    def pdf_url(self) -> str:
        return f"{self.base_url}/pdf"

    def fault(self, route: str, *faults: tuple[Any, ...]) -> None:
        with self.state.lock:
            self.state.faults[route].extend(faults)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        with self.state.lock:
            return [r for r in self.state.requests if route_of(r.path) == route]

    def pdf_requests_for(self, paper: str) -> int:
        """How many times the PDF of one paper ("2601.99001v1") was asked for."""
        return sum(1 for r in self.requests_to("pdf") if r.path == f"/pdf/{paper}")

    def stream_records(self, count: int, timeout: float = 30.0) -> list[StreamRecord]:
        """The first `count` records of streamed bodies, waiting for their handlers to finish."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.state.lock:
                if len(self.state.streamed) >= count:
                    return list(self.state.streamed)
            time.sleep(0.05)
        with self.state.lock:
            return list(self.state.streamed)
