"""Step 2a, rank: each profile's ranking of a digest's papers, stored for the reading budget and publish."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from arxiv_digest.bibtex import LikedPaper
from arxiv_digest.catalog.client import ArxivClient
from arxiv_digest.interests.day import fetch_liked, papers_by_ids, score_record
from arxiv_digest.interests.learning import LearnedScore, feedback_labels, learned_scores
from arxiv_digest.interests.ranking import rank_papers
from arxiv_digest.interests.rerank import rerank
from arxiv_digest.profiles import InterestProfile
from arxiv_digest.runtime import Runtime
from arxiv_digest.store.core import utcnow
from arxiv_digest.store.ranking_feedback import RankingFeedback
from arxiv_digest.store.reader import ReaderStore, reader_path
from schemas.records import Paper

log = logging.getLogger(__name__)


def liked_papers(runtime: Runtime, arxiv_ids: Sequence[str]) -> list[LikedPaper]:
    """The liked papers of the profiles, from the store or asked of arXiv once."""

    def ask_arxiv(missing: list[str]) -> list[Paper]:
        with runtime.arxiv_http() as http:
            return papers_by_ids(ArxivClient(http, runtime.settings), missing)

    return fetch_liked(runtime.store(), arxiv_ids, ask_arxiv)


def _learned(runtime: Runtime, digest_day: date, category: str, profile: InterestProfile,
             papers: Sequence[Paper]) -> tuple[list[LearnedScore] | None, frozenset[str]]:
    """The learned ranking's terms for the day's papers and the papers the reader has already met, from the
    profile's feedback in the reader's file; a rerun of the day uses only the feedback its first ranking used."""
    store = runtime.store()
    used = store.ranking_feedback(digest_day, category, profile.name)
    with ReaderStore.open(reader_path(runtime.settings.data_dir), read_only=True) as reader:
        if used is None:
            events = reader.feedback(profile.name)
        else:
            events = reader.feedback(profile.name, until=used.feedback_until) if used.feedback_until else []
    labels = feedback_labels(events)
    learned = None
    if labels.learns:
        texts = {paper.arxiv_id: f"{paper.title}. {paper.abstract}"
                 for paper in liked_papers(runtime, [*labels.liked, *labels.disliked])}
        learned = learned_scores([f"{paper.title}. {paper.abstract}" for paper in papers],
                                 [(i, texts[i]) for i in labels.liked if i in texts],
                                 [(i, texts[i]) for i in labels.disliked if i in texts])
    if used is None:
        store.save_ranking_feedback(digest_day, category, profile.name, RankingFeedback(
            feedback_until=max((event.at for event in events), default=None), events=len(events),
            likes=len(labels.liked), dislikes=len(labels.disliked), learned=learned is not None), utcnow())
    if learned is not None:
        log.info("profile %s: ranking learned from %d liked and %d disliked papers", profile.name,
                 len(labels.liked), len(labels.disliked))
    return learned, labels.seen


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
        learned, seen = _learned(runtime, digest_day, category, profile, papers)
        scores = rank_papers(papers, profile, profile_liked, learned, seen)
        top_k = profile.top_k(settings.rerank_top_k)
        if top_k and settings.uses_llm:
            scores = rerank(runtime.model(), store, profile, profile_liked, scores, by_id, top_k, settings.language)
        top_n = profile.top_n(settings.deep_analysis_top_n)
        store.replace_paper_scores(digest_day, category, profile.name, top_n, [score_record(s) for s in scores])
        full_text[profile.name] = len(scores) if top_n == 0 else min(top_n, len(scores))
        log.info("profile %s: ranked %d papers; the top %d read in full", profile.name, len(scores),
                 full_text[profile.name])
    return full_text
