"""The reader's interests: each profile's ranking of a day, the liked papers, the model's rerank scores."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

from arxiv_digest.store.core import StoreCore, utcnow
from schemas.records import Paper, ProfileRank, RerankScore, StoredLikedPaper, StoredScore


class RankingStore(StoreCore):
    """Rankings per profile, liked papers, rerank scores."""

    def replace_paper_scores(self, day: date, category: str, profile: str, top_n: int,
                             scores: Sequence[dict[str, Any]]) -> None:
        """A profile's ranking of the day, replacing the last one (dicts: arxiv_id, version, score, rank, reason)."""
        statements: list[tuple[str, Sequence[Any]]] = [(
            "DELETE FROM paper_scores WHERE digest_date = ? AND category = ? AND profile = ?",
            [day, category, profile],
        )]
        statements += [
            ("INSERT INTO paper_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [day, category, profile, s["arxiv_id"], s["version"], s["score"], s["rank"], top_n,
              json.dumps(s["reason"], sort_keys=True)])
            for s in scores
        ]
        self._run(statements)

    def drop_paper_scores(self, day: date, category: str, keep_profiles: Collection[str]) -> None:
        """Forget the rankings of profiles no longer configured (their budget must not hold any more)."""
        rows = self._fetchall("SELECT DISTINCT profile FROM paper_scores WHERE digest_date = ? AND category = ?",
                              [day, category])
        gone = [row[0] for row in rows if row[0] not in keep_profiles]
        if gone:
            self._run([("DELETE FROM paper_scores WHERE digest_date = ? AND category = ? AND profile = ?",
                        [day, category, name]) for name in gone])

    def paper_scores(self, day: date, category: str, profile: str) -> list[StoredScore]:
        rows = self._fetchall(
            "SELECT arxiv_id, version, score, rank, reason FROM paper_scores "
            "WHERE digest_date = ? AND category = ? AND profile = ? ORDER BY rank",
            [day, category, profile],
        )
        return [StoredScore(arxiv_id=r[0], version=r[1], score=r[2], rank=r[3], reason=json.loads(r[4])) for r in rows]

    def paper_ranks(self, day: date, category: str, arxiv_id: str, version: int) -> dict[str, ProfileRank]:
        """Per profile that ranked the day: this paper's rank and the profile's reading budget."""
        rows = self._fetchall(
            "SELECT profile, rank, top_n FROM paper_scores "
            "WHERE digest_date = ? AND category = ? AND arxiv_id = ? AND version = ?",
            [day, category, arxiv_id, version],
        )
        return {row[0]: ProfileRank(rank=row[1], top_n=row[2]) for row in rows}

    def liked_papers(self, arxiv_ids: Collection[str]) -> list[StoredLikedPaper]:
        """The liked papers looked up before."""
        if not arxiv_ids:
            return []
        rows = self._fetchall(
            "SELECT arxiv_id, title, abstract, authors FROM liked_papers WHERE arxiv_id IN (SELECT unnest(?)) "
            "ORDER BY arxiv_id", [list(arxiv_ids)],
        )
        return [StoredLikedPaper(arxiv_id=r[0], title=r[1], abstract=r[2], authors=tuple(r[3])) for r in rows]

    def save_liked_papers(self, papers: Iterable[Paper]) -> None:
        now = utcnow()
        statements = [
            ("INSERT INTO liked_papers VALUES (?, ?, ?, ?, ?) ON CONFLICT (arxiv_id) DO UPDATE SET "
             "title = excluded.title, abstract = excluded.abstract, authors = excluded.authors, "
             "fetched_at = excluded.fetched_at",
             [p.arxiv_id, p.title, p.abstract, list(p.authors), now])
            for p in papers
        ]
        if statements:
            self._run(statements)

    def rerank_score(self, arxiv_id: str, version: int, prompt_hash: str, model: str) -> RerankScore | None:
        row = self._fetchone(
            "SELECT relevance, significance FROM rerank_scores WHERE arxiv_id = ? AND version = ? "
            "AND prompt_hash = ? AND model = ?", [arxiv_id, version, prompt_hash, model],
        )
        return RerankScore(relevance=row[0], significance=row[1]) if row else None

    def save_rerank_score(self, arxiv_id: str, version: int, prompt_hash: str, model: str, relevance: float,
                          significance: float) -> None:
        self._run([(
            "INSERT INTO rerank_scores VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arxiv_id, version, prompt_hash, "
            "model) DO UPDATE SET relevance = excluded.relevance, significance = excluded.significance",
            [arxiv_id, version, prompt_hash, model, relevance, significance, utcnow()],
        )])
