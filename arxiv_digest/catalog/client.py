"""HTTP to the arXiv export API and its RSS feeds (one connection, rate limited, retried) and the HTTP client
the PDF download shares.

This module knows HTTP only. Parsing the Atom feed lives in catalog/feed.py; streaming PDFs to disk, paced by
pdf_min_interval_seconds, lives in catalog/download.py.
"""

from __future__ import annotations

import functools
import logging
import re
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import certifi
import httpx

from arxiv_digest.errors import ArxivApiError
from arxiv_digest.http_retry import RETRY_STATUSES, Clock, RateLimiter, RetryableStatus, RetryPolicy, call_with_retries

log = logging.getLogger(__name__)

_SUBMITTED = re.compile(r"cat:(?P<cat>\S+) AND submittedDate:\[(?P<start>\d{12}) TO (?P<end>\d{12})\]")
_QUERY_MINUTE = "%Y%m%d%H%M"


class ArxivSettings(Protocol):
    """What talking to arXiv needs of the settings (arxiv_digest.settings.Settings has it all;
    read-only, as the frozen settings are)."""

    @property
    def arxiv_api_url(self) -> str: ...

    @property
    def announcement_feed_url(self) -> str: ...

    @property
    def user_agent(self) -> str: ...

    @property
    def arxiv_min_interval_seconds(self) -> float: ...

    @property
    def arxiv_max_total_seconds(self) -> float: ...

    @property
    def http_connect_timeout_seconds(self) -> float: ...

    @property
    def http_read_timeout_seconds(self) -> float: ...

    @property
    def http_max_attempts(self) -> int: ...

    @property
    def http_backoff_base_seconds(self) -> float: ...

    @property
    def http_backoff_max_seconds(self) -> float: ...


def submitted_between_query(category: str, start: datetime, end: datetime) -> str:
    """The search for a category's papers whose v1 was submitted from start to end (UTC, whole minutes).

    The range is inclusive at minute precision, so it may hold a paper of the boundary minute that belongs to
    the neighbouring window: the caller decides membership by the exact submission time.
    """
    return (f"cat:{category} AND submittedDate:[{start.astimezone(UTC).strftime(_QUERY_MINUTE)} TO "
            f"{end.astimezone(UTC).strftime(_QUERY_MINUTE)}]")


def parse_submitted_between(query: str) -> tuple[str, datetime, datetime] | None:
    """(category, first minute, last minute) of a query made by submitted_between_query; None otherwise."""
    match = _SUBMITTED.fullmatch(query.strip())
    if not match:
        return None
    first = datetime.strptime(match["start"], _QUERY_MINUTE).replace(tzinfo=UTC)
    last = datetime.strptime(match["end"], _QUERY_MINUTE).replace(tzinfo=UTC)
    return match["cat"], first, last + timedelta(seconds=59)


# arXiv answers a malformed query with HTTP 400 and an Atom feed holding one error entry.
_ATOM_STATUSES = frozenset({200, 400})


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~20 ms; one context serves every client of the process.
    return ssl.create_default_context(cafile=certifi.where())


def make_http_client(settings: ArxivSettings, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """One connection, explicit timeouts on every phase, a User-Agent that names the tool."""
    timeout = httpx.Timeout(
        connect=settings.http_connect_timeout_seconds,
        read=settings.http_read_timeout_seconds,
        write=settings.http_read_timeout_seconds,
        pool=settings.http_read_timeout_seconds,
    )
    return httpx.Client(
        timeout=timeout,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        headers={"User-Agent": settings.user_agent},
        follow_redirects=True,
        transport=transport,
        verify=_tls_context(),
    )


def retry_policy(settings: ArxivSettings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.http_max_attempts,
        backoff_base=settings.http_backoff_base_seconds,
        backoff_max=settings.http_backoff_max_seconds,
        total_seconds=settings.arxiv_max_total_seconds,
    )


class ArxivClient:
    def __init__(
        self,
        http: httpx.Client,
        settings: ArxivSettings,
        clock: Clock | None = None,
        on_retry: Callable[[int, str, float], None] | None = None,
    ) -> None:
        self.http = http
        self.settings = settings
        self.clock = clock or Clock()
        self.policy = retry_policy(settings)
        self.api_limiter = RateLimiter(settings.arxiv_min_interval_seconds, self.clock)
        self.on_retry = on_retry or self._log_retry

    @staticmethod
    def _log_retry(attempt: int, reason: str, delay: float) -> None:
        log.warning("arXiv request failed (%s), attempt %d; retrying in %.1fs", reason, attempt, delay)

    def query(
        self,
        search_query: str,
        start: int,
        max_results: int,
        sort_by: str = "submittedDate",
        sort_order: str = "ascending",
    ) -> bytes:
        """One page of the export API as Atom bytes (also for HTTP 400, which carries an error entry)."""
        params = {
            "search_query": search_query,
            "start": str(start),
            "max_results": str(max_results),
            "sortBy": sort_by,
            "sortOrder": sort_order,
        }
        return self._get(params)

    def by_ids(self, arxiv_ids: list[str]) -> bytes:
        """The newest versions of these papers as one Atom page (the API's id_list)."""
        return self._get({"id_list": ",".join(arxiv_ids), "start": "0", "max_results": str(len(arxiv_ids))})

    def announcement_feed(self, category: str) -> bytes:
        """arXiv's RSS feed of a category (its list of the newest announcement), paced and retried like the API."""
        return self._get({}, f"{self.settings.announcement_feed_url}/{category}", ok_statuses=frozenset({200}))

    def _get(self, params: dict[str, str], url: str = "", ok_statuses: frozenset[int] = _ATOM_STATUSES) -> bytes:
        url = url or self.settings.arxiv_api_url

        def attempt() -> bytes:
            response = self.http.get(url, params=params)
            if response.status_code in ok_statuses:
                return response.content
            if response.status_code in RETRY_STATUSES:
                raise RetryableStatus(response)
            raise ArxivApiError(
                f"arXiv API answered HTTP {response.status_code} for {response.request.url}: "
                f"{response.text[:200].strip()}"
            )

        return call_with_retries(url, attempt, self.policy, self.clock, self.api_limiter, self.on_retry)
