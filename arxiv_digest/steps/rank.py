"""Step 2a, rank: each profile's ranking of a digest's papers, stored for the reading budget and publish."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from arxiv_digest.bibtex import LikedPaper
from arxiv_digest.catalog.client import ArxivClient
from arxiv_digest.interests.day import fetch_liked, papers_by_ids, score_record
from arxiv_digest.interests.ranking import rank_papers
from arxiv_digest.interests.rerank import rerank
from arxiv_digest.runtime import Runtime
from schemas.records import Paper

log = logging.getLogger(__name__)


def liked_papers(runtime: Runtime, arxiv_ids: Sequence[str]) -> list[LikedPaper]:
    """The liked papers of the profiles, from the store or asked of arXiv once."""

    def ask_arxiv(missing: list[str]) -> list[Paper]:
        with runtime.arxiv_http() as http:
            return papers_by_ids(ArxivClient(http, runtime.settings), missing)

    return fetch_liked(runtime.store(), arxiv_ids, ask_arxiv)


def rank_day(runtime: Runtime, digest_day: date, category: str) -> dict[str, int]:
    """Rank the digest's papers for every profile; per profile, how many papers it reads in full."""
    settings = runtime.settings
    store = runtime.store()
    store.drop_paper_scores(digest_day, category, {profile.name for profile in settings.profiles})
    if not settings.profiles:
        return {}
    papers = store.digest_papers(digest_day, category)
    liked = {paper.arxiv_id: paper for paper in
             liked_papers(runtime, [i for profile in settings.profiles for i in profile.like_ids])}
    full_text: dict[str, int] = {}
    by_id = {paper.versioned_id: paper for paper in papers}
    for profile in settings.profiles:
        profile_liked = [liked[i] for i in profile.like_ids if i in liked]
        scores = rank_papers(papers, profile, profile_liked)
        top_k = profile.top_k(settings.rerank_top_k)
        if top_k and settings.uses_llm:
            scores = rerank(runtime.model(), store, profile, profile_liked, scores, by_id, top_k, settings.language)
        top_n = profile.top_n(settings.deep_analysis_top_n)
        store.replace_paper_scores(digest_day, category, profile.name, top_n, [score_record(s) for s in scores])
        full_text[profile.name] = len(scores) if top_n == 0 else min(top_n, len(scores))
        log.info("profile %s: ranked %d papers; the top %d read in full", profile.name, len(scores),
                 full_text[profile.name])
    return full_text
