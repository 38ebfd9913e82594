"""What the rank step stores and reads back: liked papers looked up once, each profile's scores as records."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from arxiv_digest.bibtex import LikedPaper
from arxiv_digest.catalog.client import ArxivClient
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.errors import DigestError
from arxiv_digest.interests.ranking import PaperScore
from arxiv_digest.store.rankings import RankingStore
from arxiv_digest.wording import wording_for
from schemas.records import Paper

log = logging.getLogger(__name__)
_ID_BATCH = 100  # ids per id_list request


def papers_by_ids(client: ArxivClient, arxiv_ids: Sequence[str]) -> list[Paper]:
    """The newest versions of these papers, asked of arXiv in batches of ids."""
    return [paper for start in range(0, len(arxiv_ids), _ID_BATCH)
            for paper in parse_feed(client.by_ids(list(arxiv_ids[start:start + _ID_BATCH]))).papers]


def _liked(arxiv_id: str, title: str, abstract: str, authors: Sequence[str]) -> LikedPaper:
    return LikedPaper(key=arxiv_id, title=title, abstract=abstract, authors=tuple(authors), arxiv_id=arxiv_id)


def fetch_liked(store: RankingStore, arxiv_ids: Sequence[str],
                ask_arxiv: Callable[[list[str]], list[Paper]]) -> list[LikedPaper]:
    """Titles and abstracts of papers liked by id: from the store, else asked of arXiv once (`ask_arxiv`) and kept.

    A lookup that fails costs the profile that paper's similarity, never the day: it is logged and skipped.
    """
    wanted = list(dict.fromkeys(arxiv_ids))
    found = {p.arxiv_id: _liked(p.arxiv_id, p.title, p.abstract, p.authors) for p in store.newest_papers(wanted)}
    found.update({p.arxiv_id: _liked(p.arxiv_id, p.title, p.abstract, p.authors)
                  for p in store.liked_papers([i for i in wanted if i not in found])})
    missing = [arxiv_id for arxiv_id in wanted if arxiv_id not in found]
    if missing:
        try:
            fetched = ask_arxiv(missing)
        except DigestError as exc:
            log.warning("could not look up liked papers %s: %s", ", ".join(missing), exc)
            fetched = []
        store.save_liked_papers(fetched)
        found.update({p.arxiv_id: _liked(p.arxiv_id, p.title, p.abstract, p.authors) for p in fetched})
        unknown = [arxiv_id for arxiv_id in missing if arxiv_id not in found]
        if unknown:
            log.warning("liked papers not found on arXiv (ignored): %s", ", ".join(unknown))
    return [found[arxiv_id] for arxiv_id in wanted if arxiv_id in found]


_REASON_LISTS = ("keywords", "similar_to", "authors", "categories", "negative", "learned_from")
_REASON_NUMBERS = ("model_relevance", "model_significance")


def score_record(score: PaperScore) -> dict[str, Any]:
    reason: dict[str, Any] = {name: list(getattr(score, name)) for name in _REASON_LISTS}
    reason.update({name: getattr(score, name) for name in _REASON_NUMBERS if getattr(score, name) is not None})
    if score.seen:
        reason["seen"] = True
    return {"arxiv_id": score.arxiv_id, "version": score.version, "score": score.score, "rank": score.rank,
            "reason": reason}


def stored_scores(store: RankingStore, digest_day: date, category: str, profile: str) -> list[PaperScore]:
    scores = []
    for row in store.paper_scores(digest_day, category, profile):
        reason = row.reason
        parts = {name: tuple(reason.get(name, ())) for name in _REASON_LISTS}
        numbers = {name: reason[name] for name in _REASON_NUMBERS if name in reason}
        scores.append(PaperScore(row.arxiv_id, row.version, row.score, row.rank, **parts, **numbers,
                                 seen=bool(reason.get("seen", False))))
    return scores


def reason_line(score: PaperScore, language: str) -> str:
    """"matches: gaussian splatting; similar to 2403.07420; author: ..." in the digest's language."""
    wording = wording_for(language)
    separator = wording.list_separator
    parts = [
        template.format(items=separator.join(items))
        for template, items in (
            (wording.reason_keywords, score.keywords),
            (wording.reason_similar, score.similar_to),
            (wording.reason_learned, score.learned_from),
            (wording.reason_authors, score.authors),
            (wording.reason_categories, score.categories),
            (wording.reason_negative, score.negative),
        )
        if items
    ]
    if score.model_relevance is not None and score.model_significance is not None:
        parts.append(wording.reason_model.format(relevance=f"{score.model_relevance:g}",
                                                 significance=f"{score.model_significance:g}"))
    if score.seen:
        parts.insert(0, wording.reason_seen)
    return wording.reason_separator.join(parts) or wording.reason_nothing

