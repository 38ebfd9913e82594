"""The rank step: each profile's ranking of a digest's papers, stored for the reading budget and publish."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from arxiv_digest.catalog.client import ArxivClient
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.errors import DigestError
from arxiv_digest.interests.bibtex import LikedPaper
from arxiv_digest.interests.learning import LearnedScore, feedback_labels, learned_scores
from arxiv_digest.interests.profile import InterestProfile
from arxiv_digest.interests.ranking import PaperScore, rank_papers
from arxiv_digest.interests.rerank import rerank
from arxiv_digest.runtime import Runtime
from arxiv_digest.store import utcnow
from arxiv_digest.store.ranking_feedback import RankingFeedback
from arxiv_digest.store.reader import ReaderStore, reader_path
from arxiv_digest.wording import wording_for
from schemas.records import Paper

log = logging.getLogger(__name__)
_ID_BATCH = 100  # ids per id_list request


def _liked(arxiv_id: str, title: str, abstract: str, authors: Sequence[str]) -> LikedPaper:
    return LikedPaper(key=arxiv_id, title=title, abstract=abstract, authors=tuple(authors), arxiv_id=arxiv_id)


def fetch_liked(runtime: Runtime, arxiv_ids: Sequence[str]) -> list[LikedPaper]:
    """Titles and abstracts of papers liked by id: from the store, else asked of arXiv once and kept.

    A lookup that fails costs the profile that paper's similarity, never the day: it is logged and skipped.
    """
    store = runtime.store()
    wanted = list(dict.fromkeys(arxiv_ids))
    found = {p.arxiv_id: _liked(p.arxiv_id, p.title, p.abstract, p.authors) for p in store.newest_papers(wanted)}
    found.update({row[0]: _liked(*row) for row in store.liked_papers([i for i in wanted if i not in found])})
    missing = [arxiv_id for arxiv_id in wanted if arxiv_id not in found]
    if missing:
        try:
            with runtime.arxiv_http() as http:
                client = ArxivClient(http, runtime.settings)
                fetched = [paper for start in range(0, len(missing), _ID_BATCH)
                           for paper in parse_feed(client.by_ids(missing[start:start + _ID_BATCH])).papers]
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


def stored_scores(store: Any, digest_day: date, category: str, profile: str) -> list[PaperScore]:
    scores = []
    for row in store.paper_scores(digest_day, category, profile):
        reason = row["reason"]
        parts = {name: tuple(reason.get(name, ())) for name in _REASON_LISTS}
        numbers = {name: reason[name] for name in _REASON_NUMBERS if name in reason}
        scores.append(PaperScore(row["arxiv_id"], row["version"], row["score"], row["rank"], **parts, **numbers,
                                 seen=bool(reason.get("seen", False))))
    return scores


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
                 for paper in fetch_liked(runtime, [*labels.liked, *labels.disliked])}
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
             fetch_liked(runtime, [i for profile in settings.profiles for i in profile.like_ids])}
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

