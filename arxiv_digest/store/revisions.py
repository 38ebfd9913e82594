"""New versions of the reader's liked and saved papers that digests list (tables listed_revisions and
revision_lookups, m014): a mixin of Store, on its SQL helpers.

Under the per-day layout the ledger holds the claims (a version is listed by one digest of a category) and each
day's file a copy of its own, which publish reads; under `single` both are this one store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date
from typing import Any

from arxiv_digest.store.core import _naive, utcnow
from schemas.records import ReaderHold, RevisedPaper


def _revised(row: tuple[Any, ...]) -> RevisedPaper:
    holds = tuple(ReaderHold(profile, kind, int(version)) for profile, kind, version in json.loads(row[6]))
    return RevisedPaper(arxiv_id=row[0], version=row[1], title=row[2], updated=row[3].replace(tzinfo=UTC),
                        comment=row[4], journal_ref=row[5], held_by=holds)


class RevisionStore:
    _fetchone: Any
    _fetchall: Any
    _run: Any

    def revisions_looked_up(self, category: str, day: date) -> bool:
        """Whether this digest's revisions were asked of arXiv already (a rerun then asks nothing)."""
        return self._fetchone("SELECT 1 FROM revision_lookups WHERE category = ? AND digest_date = ?",
                              [category, day]) is not None

    def list_revisions(self, category: str, day: date, revised: Sequence[RevisedPaper], asked: int) -> None:
        """Claim these versions for the digest and mark its lookup done, in one transaction. A version some
        digest of the category lists already stays there (the insert does nothing)."""
        now = utcnow()
        statements: list[tuple[str, Sequence[Any]]] = [
            ("INSERT INTO listed_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
             "ON CONFLICT (category, arxiv_id, version) DO NOTHING",
             [category, paper.arxiv_id, paper.version, day, paper.title, _naive(paper.updated), paper.comment,
              paper.journal_ref, json.dumps([[h.profile, h.kind, h.version] for h in paper.held_by]), now])
            for paper in revised
        ]
        statements.append(("INSERT INTO revision_lookups VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (category, digest_date) DO NOTHING", [category, day, asked, now]))
        self._run(statements)

    def listed_revisions(self, category: str, day: date) -> list[RevisedPaper]:
        """The revisions a digest lists, newest submission first."""
        rows = self._fetchall(
            "SELECT arxiv_id, version, title, updated, comment, journal_ref, held_by FROM listed_revisions "
            "WHERE category = ? AND digest_date = ? ORDER BY updated DESC, arxiv_id", [category, day])
        return [_revised(row) for row in rows]
