"""What was delivered: the published files of each digest and every email sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from arxiv_digest.store.core import StoreCore, utcnow
from schemas.records import EmailDelivery, Publication, PublishedDay


class DeliveryStore(StoreCore):
    """Published files and email deliveries."""

    def record_publication(
        self, day: date, category: str, fmt: str, path: Path, sha256: str, papers: int, inputs: str | None = None
    ) -> None:
        """One published file; `inputs`: a digest of what it was rendered from (None: not known)."""
        self._run(
            [
                (
                    "INSERT INTO publications (digest_date, category, format, path, sha256, papers, published_at, "
                    "inputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (digest_date, category, format) DO UPDATE SET path = excluded.path, "
                    "sha256 = excluded.sha256, papers = excluded.papers, published_at = excluded.published_at, "
                    "inputs = excluded.inputs",
                    [day, category, fmt, str(path), sha256, papers, utcnow(), inputs],
                )
            ]
        )

    def published_days(self, category: str) -> list[PublishedDay]:
        rows = self._fetchall(
            "SELECT digest_date, papers FROM publications WHERE category = ? AND format = 'markdown' "
            "ORDER BY digest_date",
            [category],
        )
        return [PublishedDay(r[0], r[1]) for r in rows]

    def publication(self, day: date, category: str, fmt: str = "markdown") -> Publication | None:
        row = self._fetchone(
            "SELECT path, sha256, papers, published_at, inputs FROM publications WHERE digest_date = ? AND "
            "category = ? AND format = ?",
            [day, category, fmt],
        )
        return Publication(*row) if row else None

    def email_deliveries(self, day: date, category: str) -> dict[str, EmailDelivery]:
        """Recipient -> its delivery of this digest."""
        found = self._deliveries("WHERE digest_date = ? AND category = ?", [day, category])
        return {delivery.recipient: delivery for delivery in found}

    def _deliveries(self, where: str, params: Sequence[Any]) -> list[EmailDelivery]:
        rows = self._fetchall(
            "SELECT digest_date, category, recipient, status, attempts, last_error, message_id, sent_at, updated_at "
            f"FROM email_deliveries {where}", params)
        return [EmailDelivery(*row) for row in rows]

    def record_email_attempt(
        self, day: date, category: str, recipient: str, status: str, *, error: str | None = None,
        message_id: str | None = None, message_bytes: int | None = None,
    ) -> None:
        """A new attempt: 'sending' just before the message is handed over, 'failed' when it never was."""
        self._run(
            [
                (
                    "INSERT INTO email_deliveries VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, NULL) "
                    "ON CONFLICT (digest_date, category, recipient) DO UPDATE SET status = excluded.status, "
                    "attempts = email_deliveries.attempts + 1, last_error = excluded.last_error, "
                    "message_id = coalesce(excluded.message_id, email_deliveries.message_id), "
                    "message_bytes = coalesce(excluded.message_bytes, email_deliveries.message_bytes), "
                    "updated_at = excluded.updated_at",
                    [day, category, recipient, status, error, message_id, message_bytes, utcnow()],
                )
            ]
        )

    def record_email_outcome(self, day: date, category: str, recipient: str, status: str,
                             error: str | None = None) -> None:
        """How the attempt in progress ended: 'sent' (the server accepted it), 'failed' or still 'sending'."""
        sent_at = utcnow() if status == "sent" else None
        self._run(
            [
                (
                    "UPDATE email_deliveries SET status = ?, last_error = ?, updated_at = ?, "
                    "sent_at = coalesce(?, sent_at) WHERE digest_date = ? AND category = ? AND recipient = ?",
                    [status, error, utcnow(), sent_at, day, category, recipient],
                )
            ]
        )

    def deliveries_needing_attention(self, day: date | None = None) -> list[EmailDelivery]:
        """Deliveries that failed (retried by the next run) or whose outcome is unknown ('sending')."""
        return self._deliveries("WHERE status IN ('failed', 'sending') AND (? IS NULL OR digest_date = ?) "
                                "ORDER BY digest_date, category, recipient", [day, day])

    def delivery_counts(self) -> dict[tuple[date, str], dict[str, int]]:
        """(date, category) -> {status: recipients}."""
        rows = self._fetchall(
            "SELECT digest_date, category, status, count(*) FROM email_deliveries GROUP BY ALL ORDER BY ALL"
        )
        counts: dict[tuple[date, str], dict[str, int]] = {}
        for day, category, status, n in rows:
            counts.setdefault((day, category), {})[status] = n
        return counts
