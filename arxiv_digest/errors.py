"""Typed errors: each says what failed, for which paper or URL, and what a user can do about it."""

from __future__ import annotations


class DigestError(Exception):
    """Base of every error this project raises on purpose."""


class SettingsError(DigestError):
    """A setting is unknown or has a bad value."""


class ArxivApiError(DigestError):
    """The arXiv API answered with an error entry, a bad status, or a body that is not an Atom feed."""


class FeedParseError(ArxivApiError):
    """The body is not well-formed Atom."""


class HttpGiveUp(DigestError):
    """A request kept failing until its attempts or time budget ran out."""

    def __init__(self, url: str, reason: str, attempts: int) -> None:
        super().__init__(f"gave up on {url} after {attempts} attempt(s): {reason}")
        self.url = url
        self.reason = reason
        self.attempts = attempts


class NetworkUnreachable(HttpGiveUp):
    """The host could not be reached at all (DNS failure, connection refused, no route): waiting rarely helps."""

    def __init__(self, url: str, reason: str, attempts: int, host: str) -> None:
        DigestError.__init__(self, f"cannot reach {host} ({reason}) after {attempts} attempt(s): check this "
                             "machine's network, DNS or proxy (HTTPS_PROXY), then run the same command again")
        self.url = url
        self.reason = reason
        self.attempts = attempts
        self.host = host


class PdfDownloadError(DigestError):
    """A PDF could not be fetched or is not a PDF."""


class PdfExtractionError(DigestError):
    """A PDF could not be opened or read (encrypted, corrupt, truncated, zero pages)."""


class StoreError(DigestError):
    """The DuckDB store could not be opened or migrated."""


class StoreDamaged(StoreError):
    """The store file's bytes are wrong (a bad block, a truncated file): restore, move aside and rebuild."""


class StoreHeld(StoreError):
    """Another process holds the store file (a run writing its day): read it later."""


class SampleStoreError(StoreError):
    """A real run met a store that holds the offline sample day's invented papers."""


class DigestInputError(DigestError):
    """A request that can never succeed as asked (a future date, say): exit 2, nothing written."""


class AnnouncementNotVisible(DigestError):
    """arXiv made the announcement but its API does not show it yet: retry later, never publish it empty."""


class DeliveryError(DigestError):
    """A digest could not be mailed (connection, TLS, login, a refusal): recorded per recipient and retried."""
