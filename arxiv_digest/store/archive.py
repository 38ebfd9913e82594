"""What the search index and the trends read from the store: every digest entry with its text and flags.

A mixin of `Store` (its SQL helpers come from there). One row per digest entry (day, category, paper): the
paper's metadata, the analysis the digest chose, the titles of its PDF's sections, whether its PDF links its own
code, whether a teaser figure was found, whether the entry is late or a cross-list, and each profile's score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from schemas.records import Paper


@dataclass(frozen=True)
class ArchivedEntry:
    """One paper as one digest listed it, with everything search and trends need."""

    day: date
    category: str
    paper: Paper
    late: bool
    analysis: str  # the chosen analysis and its key findings ("" before the analyze step)
    section_titles: tuple[str, ...]
    has_code: bool  # the PDF links its own code
    has_figure: bool
    profile_scores: tuple[tuple[str, float], ...]  # (profile, score), by profile name

    @property
    def key(self) -> str:
        return f"{self.category}/{self.day.isoformat()}/{self.paper.arxiv_id}"

    @property
    def kind(self) -> str:
        """"late" (arrived after its own announcement), "cross" (another primary category), or "new"."""
        if self.late:
            return "late"
        return "new" if self.paper.primary_category == self.category else "cross"


_ENTRIES_SQL = """
WITH chosen AS (
    SELECT d.digest_date, d.category, d.arxiv_id,
           a.content || CASE WHEN len(a.key_findings) > 0
                             THEN chr(10) || array_to_string(a.key_findings, chr(10)) ELSE '' END AS text
    FROM digest_analyses d JOIN analyses a USING (arxiv_id, version, prompt_hash, model, language)
), heads AS (
    SELECT sha256, list(title ORDER BY ordinal) AS titles FROM sections GROUP BY sha256
), code AS (
    SELECT sha256, bool_or(is_code AND is_own) AS own_code FROM links GROUP BY sha256
), scored AS (
    SELECT digest_date, category, arxiv_id, version,
           list(profile ORDER BY profile) AS profiles, list(score ORDER BY profile) AS scores
    FROM paper_scores GROUP BY digest_date, category, arxiv_id, version
)
SELECT dp.digest_date, dp.category, p.arxiv_id, p.version, p.title, p.authors, p.categories, p.primary_category,
       p.published, p.updated, p.abstract, p.comment, p.journal_ref, p.doi, coalesce(dp.late, false),
       coalesce(chosen.text, ''), coalesce(heads.titles, []), coalesce(code.own_code, false),
       coalesce(f.status = 'ok', false), coalesce(scored.profiles, []), coalesce(scored.scores, [])
FROM digest_papers dp
JOIN papers p USING (arxiv_id, version)
LEFT JOIN pdf_files pf ON pf.arxiv_id = dp.arxiv_id AND pf.version = dp.version AND pf.status = 'ok'
LEFT JOIN heads ON heads.sha256 = pf.sha256
LEFT JOIN code ON code.sha256 = pf.sha256
LEFT JOIN figures f ON f.pdf_sha256 = pf.sha256
LEFT JOIN chosen ON chosen.digest_date = dp.digest_date AND chosen.category = dp.category
                AND chosen.arxiv_id = dp.arxiv_id
LEFT JOIN scored ON scored.digest_date = dp.digest_date AND scored.category = dp.category
                AND scored.arxiv_id = dp.arxiv_id AND scored.version = dp.version
"""


class ArchiveStore:
    """Reads every stored digest entry for search and trends (never writes)."""

    _fetchall: Callable[..., list[tuple[Any, ...]]]

    def archived_entries(self, category: str | None = None, since: date | None = None,
                         until: date | None = None) -> list[ArchivedEntry]:
        """The stored digest entries, oldest day first (optionally one category, a range of days)."""
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (("dp.category = ?", category), ("dp.digest_date >= ?", since),
                              ("dp.digest_date <= ?", until)):
            if value is not None:
                where.append(clause)
                params.append(value)
        sql = _ENTRIES_SQL + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY dp.digest_date, dp.category, dp.position"
        return [_entry(row) for row in self._fetchall(sql, params)]

    def archive_days(self, category: str) -> list[date]:
        """The days with a stored digest of this category, oldest first."""
        rows = self._fetchall("SELECT DISTINCT digest_date FROM digest_papers WHERE category = ? ORDER BY 1",
                              [category])
        return [row[0] for row in rows]


def _entry(row: Sequence[Any]) -> ArchivedEntry:
    paper = Paper(arxiv_id=row[2], version=row[3], title=row[4], authors=tuple(row[5]), categories=tuple(row[6]),
                  primary_category=row[7], published=row[8].replace(tzinfo=UTC), updated=row[9].replace(tzinfo=UTC),
                  abstract=row[10], comment=row[11], journal_ref=row[12], doi=row[13])
    return ArchivedEntry(day=row[0], category=row[1], paper=paper, late=bool(row[14]), analysis=row[15],
                         section_titles=tuple(row[16]), has_code=bool(row[17]), has_figure=bool(row[18]),
                         profile_scores=tuple(zip(row[19], (float(s) for s in row[20]), strict=True)))
