"""Retrying HTTP calls politely: exponential backoff with jitter, Retry-After, a total time budget."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import httpx

from arxiv_digest.errors import HttpGiveUp, NetworkUnreachable

T = TypeVar("T")
# Statuses where the same request may well succeed later: a timeout (408), too early (425), too many requests
# (429) and every server error, because a CDN's 5xx (Cloudflare's 520-527 too) passes like the origin's does.
RETRY_STATUSES = frozenset({408, 425, 429, *range(500, 600)})


# A host that cannot be reached at all (no DNS answer, nothing listening, no route) is tried this many times, with
# a short pause: a network that is down stays down for longer than a run should wait, and the user is told at once.
UNREACHABLE_ATTEMPTS = 2
UNREACHABLE_PAUSE_SECONDS = 2.0
_UNREACHABLE_CAUSES = (
    (("name or service not known", "temporary failure in name resolution", "nodename nor servname",
      "no address associated", "getaddrinfo failed", "name resolution"), "DNS lookup failed"),
    (("connection refused",), "connection refused"),
    (("network is unreachable", "no route to host", "host is unreachable"), "network unreachable"),
)


def unreachable_cause(exc: BaseException) -> str | None:
    """'DNS lookup failed', 'connection refused', 'network unreachable' for a connect error; else None."""
    if not isinstance(exc, httpx.ConnectError):
        return None
    text = str(exc).lower()
    for needles, cause in _UNREACHABLE_CAUSES:
        if any(needle in text for needle in needles):
            return cause
    return None


class RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


@dataclass
class Clock:
    """Time and sleep as parameters, so tests run in virtual time."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    backoff_base: float = 2.0
    backoff_max: float = 60.0
    total_seconds: float = 900.0
    jitter: Callable[[], float] = field(default=random.random)

    def backoff(self, attempt: int) -> float:
        """Full jitter: a random delay in [base/2, base * 2**(attempt-1)], capped."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + self.jitter() * ceiling / 2


def retry_after_seconds(response: httpx.Response, now: datetime | None = None) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RateLimiter:
    """At least `min_interval` seconds between the starts of consecutive calls, across threads."""

    def __init__(self, min_interval: float, clock: Clock) -> None:
        self.min_interval = min_interval
        self.clock = clock
        self._lock = threading.Lock()
        self._last: float | None = None

    def wait(self) -> None:
        with self._lock:
            if self._last is not None:
                remaining = self._last + self.min_interval - self.clock.now()
                if remaining > 0:
                    self.clock.sleep(remaining)
            self._last = self.clock.now()


def call_with_retries(
    url: str,
    attempt_call: Callable[[], T],
    policy: RetryPolicy,
    clock: Clock,
    limiter: RateLimiter | None = None,
    on_retry: Callable[[int, str, float], None] | None = None,
) -> T:
    """Run `attempt_call` until it succeeds, retrying timeouts, transport errors and retryable statuses.

    `attempt_call` raises RetryableStatus for a status worth retrying; anything else it raises is final.
    """
    started = clock.now()
    last_reason = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        if limiter is not None:
            limiter.wait()
        try:
            return attempt_call()
        except RetryableStatus as exc:
            last_reason = f"HTTP {exc.response.status_code}"
            delay = retry_after_seconds(exc.response)
            if delay is None:
                delay = policy.backoff(attempt)
            else:
                last_reason += f" (Retry-After {delay:.0f}s)"
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            last_reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            delay = policy.backoff(attempt)
            if (cause := unreachable_cause(exc)) is not None:
                if attempt >= min(UNREACHABLE_ATTEMPTS, policy.max_attempts):
                    raise NetworkUnreachable(url, cause, attempt, httpx.URL(url).host) from exc
                delay = UNREACHABLE_PAUSE_SECONDS
        if attempt == policy.max_attempts:
            break
        if clock.now() - started + delay > policy.total_seconds:
            last_reason += f"; waiting {delay:.0f}s more would exceed the {policy.total_seconds:.0f}s budget"
            break
        if on_retry is not None:
            on_retry(attempt, last_reason, delay)
        clock.sleep(delay)
    raise HttpGiveUp(url, last_reason, attempt)
