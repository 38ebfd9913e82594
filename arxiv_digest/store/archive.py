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

import pyarrow as pa

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
        return entry_kind(self.late, self.paper, self.category)


@dataclass(frozen=True)
class ListedPaper:
    """One paper as one digest listed it, and no more: what trends need (`ArchiveStore.listed_papers`)."""

    day: date
    category: str
    paper: Paper
    late: bool

    @property
    def kind(self) -> str:
        return entry_kind(self.late, self.paper, self.category)


def entry_kind(late: bool, paper: Paper, category: str) -> str:
    if late:
        return "late"
    return "new" if paper.primary_category == category else "cross"


_PAPER_COLUMNS = """dp.digest_date, dp.category, p.arxiv_id, p.version, p.title, p.authors, p.categories,
       p.primary_category, p.published, p.updated, p.abstract, p.comment, p.journal_ref, p.doi,
       coalesce(dp.late, false)"""

_LISTED_SQL = f"""
SELECT {_PAPER_COLUMNS}
FROM digest_papers dp JOIN papers p USING (arxiv_id, version)
WHERE dp.category = ? AND dp.digest_date >= ? AND dp.digest_date <= ?
"""
# The profile's papers: those it scored above 0 on that day.
_SCORED_BY_PROFILE_SQL = """ AND EXISTS (SELECT 1 FROM paper_scores s WHERE s.digest_date = dp.digest_date
    AND s.category = dp.category AND s.arxiv_id = dp.arxiv_id AND s.version = dp.version AND s.profile = ?
    AND s.score > 0)"""

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
SELECT """ + _PAPER_COLUMNS + """,
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
    """Reads every stored digest entry for search and trends; loads a whole archive at once (benchmarks)."""

    _fetchall: Callable[..., list[tuple[Any, ...]]]
    _con: Any

    def bulk_add_entries(self, entries: Sequence[ArchivedEntry]) -> None:
        """Add papers, their digest memberships and profile scores in three set-wise inserts (what a
        row-by-row upsert does in minutes for 100,000 entries). Only for new keys: existing rows are kept
        as they are. Analyses, sections, code links and figures are not loaded."""
        papers = {(e.paper.arxiv_id, e.paper.version): e.paper for e in entries}
        paper_rows = pa.table({
            "arxiv_id": [p.arxiv_id for p in papers.values()], "version": [p.version for p in papers.values()],
            "title": [p.title for p in papers.values()], "authors": [list(p.authors) for p in papers.values()],
            "categories": [list(p.categories) for p in papers.values()],
            "primary_category": [p.primary_category for p in papers.values()],
            "published": [p.published.replace(tzinfo=None) for p in papers.values()],
            "updated": [p.updated.replace(tzinfo=None) for p in papers.values()],
            "abstract": [p.abstract for p in papers.values()], "comment": [p.comment for p in papers.values()]})
        positions: dict[tuple[date, str], int] = {}
        member_rows: dict[str, list[Any]] = {k: [] for k in ("day", "category", "arxiv_id", "version", "position",
                                                              "late")}
        score_rows: dict[str, list[Any]] = {k: [] for k in ("day", "category", "profile", "arxiv_id", "version",
                                                             "score")}
        for entry in entries:
            position = positions.get((entry.day, entry.category), 0)
            positions[(entry.day, entry.category)] = position + 1
            for key, value in zip(member_rows, (entry.day, entry.category, entry.paper.arxiv_id,
                                                entry.paper.version, position, entry.late), strict=True):
                member_rows[key].append(value)
            for profile, score in entry.profile_scores:
                for key, value in zip(score_rows, (entry.day, entry.category, profile, entry.paper.arxiv_id,
                                                   entry.paper.version, score), strict=True):
                    score_rows[key].append(value)
        cur = self._con.cursor()
        try:
            cur.register("incoming_papers", paper_rows)
            cur.register("incoming_members", pa.table(member_rows))
            cur.register("incoming_scores", pa.table(score_rows))
            cur.execute("BEGIN TRANSACTION")
            cur.execute("INSERT INTO papers SELECT arxiv_id, version, title, authors, categories, primary_category, "
                        "published, updated, abstract, comment, NULL, NULL, now()::TIMESTAMP FROM incoming_papers "
                        "ON CONFLICT DO NOTHING")
            cur.execute("INSERT INTO digest_papers (digest_date, category, arxiv_id, version, position, late) "
                        "SELECT day, category, arxiv_id, version, position, late FROM incoming_members "
                        "ON CONFLICT DO NOTHING")
            cur.execute("INSERT INTO paper_scores SELECT day, category, profile, arxiv_id, version, score, "
                        "row_number() OVER (PARTITION BY day, category, profile ORDER BY score DESC, arxiv_id), "
                        "0, '{}' FROM incoming_scores ON CONFLICT DO NOTHING")
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

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

    def listed_papers(self, category: str, since: date, until: date,
                      profile: str | None = None) -> list[ListedPaper]:
        """The papers a category's digests listed from `since` to `until`, oldest day first, in digest order;
        with `profile`, only those it scored above 0. Reads the papers only (trends of a year load quickly)."""
        sql = _LISTED_SQL + (_SCORED_BY_PROFILE_SQL if profile is not None else "")
        sql += " ORDER BY dp.digest_date, dp.category, dp.position"
        params: list[Any] = [category, since, until] + ([profile] if profile is not None else [])
        return [ListedPaper(day=row[0], category=row[1], paper=_paper(row), late=bool(row[14]))
                for row in self._fetchall(sql, params)]

    def archive_categories(self) -> list[str]:
        """The categories with a stored digest entry, in name order."""
        return [row[0] for row in self._fetchall("SELECT DISTINCT category FROM digest_papers ORDER BY 1", [])]

    def archive_days(self, category: str) -> list[date]:
        """The days with a stored digest of this category, oldest first."""
        rows = self._fetchall("SELECT DISTINCT digest_date FROM digest_papers WHERE category = ? ORDER BY 1",
                              [category])
        return [row[0] for row in rows]


def _paper(row: Sequence[Any]) -> Paper:
    """The paper of a row that starts with `_PAPER_COLUMNS`."""
    return Paper(arxiv_id=row[2], version=row[3], title=row[4], authors=tuple(row[5]), categories=tuple(row[6]),
                 primary_category=row[7], published=row[8].replace(tzinfo=UTC), updated=row[9].replace(tzinfo=UTC),
                 abstract=row[10], comment=row[11], journal_ref=row[12], doi=row[13])


def _entry(row: Sequence[Any]) -> ArchivedEntry:
    return ArchivedEntry(day=row[0], category=row[1], paper=_paper(row), late=bool(row[14]), analysis=row[15],
                         section_titles=tuple(row[16]), has_code=bool(row[17]), has_figure=bool(row[18]),
                         profile_scores=tuple(zip(row[19], (float(s) for s in row[20]), strict=True)))
