"""The announcement ledger (which digest holds each paper), arXiv's own announcement lists, and coverage."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from arxiv_digest.store.core import _naive, _paper, paper_columns_of, utcnow
from arxiv_digest.store.papers import PaperStore
from schemas.records import AnnouncementList, Coverage, FeedRead, Holding, Paper


class HoldingStore(PaperStore):
    """Which digest holds each paper, arXiv's lists, and each digest's coverage."""

    def announcement_fetched(self, category: str, day: date) -> bool:
        row = self._fetchone(
            "SELECT 1 FROM announcement_fetches WHERE category = ? AND digest_date = ?", [category, day]
        )
        return row is not None

    def fetched_digests(self, category: str, since: date) -> set[date]:
        rows = self._fetchall(
            "SELECT digest_date FROM announcement_fetches WHERE category = ? AND digest_date >= ?", [category, since]
        )
        return {row[0] for row in rows}

    def recent_on_time_counts(self, category: str, before: date, limit: int = 5) -> list[int]:
        """On-time paper counts of the latest fetched digests before a date (newest first)."""
        rows = self._fetchall(
            "SELECT on_time FROM announcement_fetches WHERE category = ? AND digest_date < ? "
            "ORDER BY digest_date DESC LIMIT ?",
            [category, before, limit],
        )
        return [int(row[0]) for row in rows]

    def holders(self, category: str, arxiv_ids: Collection[str]) -> dict[str, date]:
        """Which digest of the category holds each of these papers (those held by none are absent)."""
        if not arxiv_ids:
            return {}
        rows = self._fetchall(
            "SELECT arxiv_id, digest_date FROM digest_holdings WHERE category = ? AND list_contains(?, arxiv_id)",
            [category, sorted(arxiv_ids)],
        )
        return {row[0]: row[1] for row in rows}

    def record_announcement(
        self,
        category: str,
        day: date,
        window: tuple[datetime, datetime],
        claims: Sequence[tuple[Paper, bool]],
    ) -> None:
        """Claim papers for a digest and mark it fetched, in one transaction.

        A paper already held keeps its digest (the insert does nothing): whoever recorded it first holds it.
        The papers' metadata is kept here too, so the ledger alone can rebuild a digest's list.
        """
        now = utcnow()
        statements: list[tuple[str, Sequence[Any]]] = [
            ("INSERT INTO digest_holdings VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (category, arxiv_id) DO NOTHING",
             [category, paper.arxiv_id, day, paper.version, _naive(paper.published), late, now])
            for paper, late in claims
        ]
        statements.append((
            "INSERT INTO announcement_fetches VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (category, digest_date) "
            "DO NOTHING",
            [category, day, _naive(window[0]), _naive(window[1]), sum(1 for _, late in claims if not late),
             sum(1 for _, late in claims if late), now],
        ))
        with self.batch():
            self.upsert_papers([paper for paper, _ in claims])
            self._run(statements)

    def digest_holdings(self, category: str, day: date) -> list[Holding]:
        """The papers a digest holds, with their late flag, oldest submission first."""
        rows = self._fetchall(
            f"SELECT {paper_columns_of('p')}, h.late FROM digest_holdings h JOIN papers p USING (arxiv_id, version) "
            "WHERE h.category = ? AND h.digest_date = ? ORDER BY h.submitted, h.arxiv_id",
            [category, day],
        )
        return [Holding(paper=_paper(row[:12]), late=bool(row[12])) for row in rows]

    def record_feed_read(self, category: str, read_at: datetime, listing: AnnouncementList | None,
                         error: str | None = None) -> None:
        items = [[i.arxiv_id, i.version, i.announce_type] for i in listing.items] if listing else []
        self._run([(
            "INSERT INTO announcement_feeds VALUES (?, ?, ?, ?, ?) ON CONFLICT (category, read_at) DO NOTHING",
            [category, _naive(read_at), listing.announcement_date if listing else None, json.dumps(items), error],
        )])

    def feed_reads(self, category: str) -> list[FeedRead]:
        rows = self._fetchall(
            "SELECT read_at, announcement_date, items, error FROM announcement_feeds WHERE category = ? "
            "ORDER BY read_at", [category])
        return [FeedRead(read_at=r[0], announcement_date=r[1], items=json.loads(r[2]), error=r[3]) for r in rows]

    def save_coverage(self, coverage: Coverage) -> None:
        """The digest's coverage record; the first one recorded stays (a digest's list is fixed once claimed)."""
        self._run([(
            "INSERT INTO digest_coverage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (category, digest_date) DO NOTHING",
            [coverage.category, coverage.digest_date, coverage.verified, coverage.reason,
             _naive(coverage.read_at) if coverage.read_at else None, json.dumps(list(coverage.announced)),
             json.dumps(list(coverage.held)), json.dumps(list(coverage.added)),
             json.dumps([list(m) for m in coverage.missing]), json.dumps([list(f) for f in coverage.flagged]),
             utcnow()],
        )])

    def coverage(self, day: date, category: str) -> Coverage | None:
        found = self._coverages("WHERE category = ? AND digest_date = ?", [category, day])
        return found[0] if found else None

    def coverages(self) -> dict[tuple[date, str], Coverage]:
        """Every digest's coverage record, by (date, category)."""
        return {(c.digest_date, c.category): c for c in self._coverages("", [])}

    def _coverages(self, where: str, params: Sequence[Any]) -> list[Coverage]:
        rows = self._fetchall(
            "SELECT category, digest_date, verified, reason, read_at, announced, held, added, missing, flagged "
            f"FROM digest_coverage {where}", params)
        return [Coverage(
            category=row[0], digest_date=row[1], verified=bool(row[2]), reason=row[3],
            read_at=row[4].replace(tzinfo=UTC) if row[4] else None, announced=tuple(json.loads(row[5])),
            held=tuple(json.loads(row[6])), added=tuple(json.loads(row[7])),
            missing=tuple((a, b) for a, b in json.loads(row[8])), flagged=tuple((a, b) for a, b in json.loads(row[9])),
        ) for row in rows]
