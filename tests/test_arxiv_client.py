"""The arXiv client against a fake arXiv over real HTTP on 127.0.0.1."""

from __future__ import annotations

import itertools
import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fake_arxiv import FakeArxiv

from arxiv_digest.catalog.client import ArxivClient, make_http_client
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.catalog.sample_day import PAPERS, feed_xml
from arxiv_digest.catalog.selection import PagedQuery
from arxiv_digest.errors import ArxivApiError, HttpGiveUp, NetworkUnreachable
from arxiv_digest.http_retry import Clock, RateLimiter, RetryPolicy, retry_after_seconds
from arxiv_digest.settings import Settings


class VirtualClock(Clock):
    """Time that only moves when someone sleeps: tests of waiting take no real time."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []
        super().__init__(now=lambda: self.t, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def settings_for(server: FakeArxiv, **changes: object) -> Settings:
    base = Settings(
        arxiv_api_url=server.api_url,
        arxiv_pdf_url=server.pdf_url,
        arxiv_min_interval_seconds=0,
        pdf_min_interval_seconds=0,
        http_backoff_base_seconds=0.05,
        http_backoff_max_seconds=0.2,
        http_read_timeout_seconds=2,
        http_connect_timeout_seconds=2,
    )
    return base.replace(**changes) if changes else base


def test_user_agent_names_the_tool_and_one_connection_is_used() -> None:
    with FakeArxiv() as server:
        server.state.default_feed = feed_xml(PAPERS[:2])
        settings = settings_for(server, contact_email="ops@example.org")
        with make_http_client(settings) as http:
            client = ArxivClient(http, settings)
            client.query("cat:cs.CV", 0, 10)
            client.query("cat:cs.CV", 10, 10)
            assert http._transport._pool._max_connections == 1  # type: ignore[attr-defined]
        (first, second) = server.requests_to("api")
    assert first.headers["User-Agent"].startswith("arxiv-digest/")
    assert "mailto:ops@example.org" in first.headers["User-Agent"]
    assert first.query["sortBy"] == ["submittedDate"]
    assert second.query["start"] == ["10"]


def test_at_least_the_minimum_interval_between_api_calls_in_real_time() -> None:
    with FakeArxiv() as server:
        server.state.default_feed = feed_xml(())
        settings = settings_for(server, arxiv_min_interval_seconds=0.4)
        with make_http_client(settings) as http:
            client = ArxivClient(http, settings)
            for start in range(3):
                client.query("cat:cs.CV", start, 1)
        times = [r.at for r in server.requests_to("api")]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 2
    # Seen from the server, a gap shrinks by however late the previous request was handled (a busy CI
    # machine); without the limiter the gaps are milliseconds.
    assert min(gaps) >= 0.3


def test_default_interval_is_three_seconds_between_calls() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(Settings().arxiv_min_interval_seconds, clock)
    limiter.wait()
    limiter.wait()
    clock.t += 1.0
    limiter.wait()
    assert clock.sleeps == [3.0, 2.0]


def test_429_with_retry_after_is_honoured_then_succeeds() -> None:
    with FakeArxiv() as server:
        server.state.default_feed = feed_xml(PAPERS[:1])
        server.fault("api", ("status", 429, {"Retry-After": "1"}))
        settings = settings_for(server)
        with make_http_client(settings) as http:
            body = ArxivClient(http, settings).query("cat:cs.CV", 0, 5)
        first, second = server.requests_to("api")
    assert len(parse_feed(body).papers) == 1
    assert second.at - first.at >= 0.95


def test_503_burst_is_retried_with_backoff() -> None:
    with FakeArxiv() as server:
        server.state.default_feed = feed_xml(PAPERS[:1])
        server.fault("api", ("status", 503), ("status", 502), ("status", 500))
        settings = settings_for(server)
        with make_http_client(settings) as http:
            ArxivClient(http, settings).query("cat:cs.CV", 0, 5)
        assert len(server.requests_to("api")) == 4


def test_a_hanging_server_times_out_and_is_retried() -> None:
    with FakeArxiv() as server:
        server.state.default_feed = feed_xml(PAPERS[:1])
        server.fault("api", ("hang", 3.0))
        settings = settings_for(server, http_read_timeout_seconds=0.5)
        started = time.monotonic()
        with make_http_client(settings) as http:
            body = ArxivClient(http, settings).query("cat:cs.CV", 0, 5)
        assert time.monotonic() - started < 2.5
    assert parse_feed(body).papers


def test_gives_up_after_max_attempts_with_the_reason() -> None:
    with FakeArxiv() as server:
        server.fault("api", *[("status", 503)] * 5)
        settings = settings_for(server, http_max_attempts=3)
        with make_http_client(settings) as http, pytest.raises(HttpGiveUp, match=r"after 3 attempt\(s\): HTTP 503"):
            ArxivClient(http, settings).query("cat:cs.CV", 0, 5)
        assert len(server.requests_to("api")) == 3


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening, closed: a connection to it is refused
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_named_as_such_and_tried_twice_not_five_times() -> None:
    clock = VirtualClock()
    settings = Settings(arxiv_api_url=f"http://127.0.0.1:{_closed_port()}/api/query", arxiv_min_interval_seconds=0)
    with make_http_client(settings) as http, pytest.raises(NetworkUnreachable) as failed:
        ArxivClient(http, settings, clock=clock).query("cat:cs.CV", 0, 5)
    assert failed.value.attempts == 2 and clock.sleeps == [2.0], "one short pause, no 5 attempts with backoff"
    message = str(failed.value)
    assert message.startswith("cannot reach 127.0.0.1 (connection refused) after 2 attempt(s)") and "network" in message
    assert isinstance(failed.value, HttpGiveUp), "still a give-up: the download step records it per paper"


def test_a_dns_failure_is_named_as_such() -> None:
    clock = VirtualClock()
    settings = Settings(arxiv_api_url="http://no-such-host.invalid/api/query", arxiv_min_interval_seconds=0)
    with make_http_client(settings) as http, pytest.raises(NetworkUnreachable, match=r"\(DNS lookup failed\)"):
        ArxivClient(http, settings, clock=clock).query("cat:cs.CV", 0, 5)


def test_total_time_budget_bounds_the_retries() -> None:
    with FakeArxiv() as server:
        server.fault("api", ("status", 429, {"Retry-After": "30"}))
        settings = settings_for(server, arxiv_max_total_seconds=5)
        started = time.monotonic()
        with make_http_client(settings) as http, pytest.raises(HttpGiveUp, match="budget"):
            ArxivClient(http, settings).query("cat:cs.CV", 0, 5)
        assert time.monotonic() - started < 2


def test_http_400_error_feed_becomes_arxivs_message() -> None:
    error_feed = (
        b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>"
        b"<id>https://arxiv.org/api/errors#bad_query</id><title>Error</title>"
        b"<summary>malformed query</summary></entry></feed>"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=error_feed)

    settings = Settings()
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        body = ArxivClient(http, settings, clock=VirtualClock()).query("cat:", 0, 5)
    with pytest.raises(ArxivApiError, match="malformed query"):
        parse_feed(body)


def test_other_client_errors_are_final_not_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(403, text="forbidden")

    with httpx.Client(transport=httpx.MockTransport(handler)) as http, pytest.raises(ArxivApiError, match="HTTP 403"):
        ArxivClient(http, Settings(), clock=VirtualClock()).query("cat:cs.CV", 0, 5)
    assert len(calls) == 1


def test_paging_follows_start_until_total_results() -> None:
    papers = PAPERS[:3]
    query = "cat:cs.CV AND submittedDate:[202601200000 TO 202601202359]"
    with FakeArxiv() as server:
        server.state.feeds[query] = {
            0: feed_xml(papers[:2], total=3, start=0),
            2: feed_xml(papers[2:], total=3, start=2),
        }
        settings = settings_for(server)
        with make_http_client(settings) as http:
            found = PagedQuery(ArxivClient(http, settings), page_size=2).run(query)
        starts = [r.query["start"][0] for r in server.requests_to("api")]
    assert [p.arxiv_id for p in found] == [p.arxiv_id for p in papers]
    assert starts == ["0", "2"]


def test_an_empty_page_mid_result_is_retried_once_then_reported() -> None:
    query = "q"
    with FakeArxiv() as server:
        server.state.feeds[query] = {0: feed_xml(PAPERS[:1], total=5, start=0), 1: feed_xml((), total=5, start=1)}
        settings = settings_for(server)
        with make_http_client(settings) as http:
            pager = PagedQuery(ArxivClient(http, settings), page_size=1)
            found = pager.run(query)
    assert len(found) == 1
    assert pager.warnings and "empty page at start=1 of 5" in pager.warnings[0]


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = (now + timedelta(seconds=42)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"})) == 7
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": later}), now=now) == 42
    assert retry_after_seconds(httpx.Response(429)) is None


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(backoff_base=2, backoff_max=10, jitter=lambda: 1.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [2, 4, 8, 10, 10]
    low = RetryPolicy(backoff_base=2, backoff_max=10, jitter=lambda: 0.0)
    assert [low.backoff(n) for n in (1, 2, 3)] == [1, 2, 4]
