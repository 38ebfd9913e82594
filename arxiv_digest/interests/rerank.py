"""The optional model rerank of a profile's top K papers: the model rates relevance to the reader and
significance (0-10 each, as JSON), the answers are validated (a score, not prose), cached by prompt hash like the
analyses, and the K papers are reordered by the model's rating (equal ratings keep the offline order).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from arxiv_digest.analysis.analyzer import AttemptRecord, ask_validated, record_attempt, record_failed_calls
from arxiv_digest.analysis.model import Completion, ModelCallFailed
from arxiv_digest.analysis.prompting import Message, Prompt, build_rerank_prompt
from arxiv_digest.bibtex import LikedPaper
from arxiv_digest.interests.ranking import PaperScore
from arxiv_digest.profiles import InterestProfile
from arxiv_digest.store import Store
from schemas.records import Paper

log = logging.getLogger(__name__)

RELEVANCE_SHARE = 0.7  # the model's rating: mostly "is it for this reader", partly "does it matter"
MAX_RERANK_TOKENS = 60  # the answer is a small JSON object
BRIEF_LIKED_TITLES = 12
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def parse_rerank_answer(text: str) -> tuple[float, float]:
    """(relevance, significance) from the model's answer; ValueError saying what is wrong with anything else."""
    cleaned = _FENCE.sub("", text.strip()).strip()
    try:
        data = json.loads(cleaned)
    except json.JSONDecodeError:
        raise ValueError('not a JSON object such as {"relevance": 7, "significance": 5}') from None
    if not isinstance(data, dict):
        raise ValueError('not a JSON object such as {"relevance": 7, "significance": 5}')
    scores = []
    for name in ("relevance", "significance"):
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} is missing or not a number")
        if not 0 <= value <= 10:
            raise ValueError(f"{name} {value} is outside 0-10")
        scores.append(float(value))
    return scores[0], scores[1]


def interests_brief(profile: InterestProfile, liked: Sequence[LikedPaper]) -> str:
    """The reader's interests as the model sees them: phrases, authors, categories, titles of liked papers."""
    lines = []
    if profile.keywords:
        lines.append("Topics: " + "; ".join(phrase for phrase, weight in profile.keywords if weight > 0))
    if profile.negative:
        lines.append("Not interested in: " + "; ".join(profile.negative))
    if profile.authors:
        lines.append("Favourite authors: " + "; ".join(profile.authors))
    if profile.categories:
        lines.append("Categories: " + "; ".join(category for category, _ in profile.categories))
    titles = [paper.title for paper in [*profile.liked, *liked]][:BRIEF_LIKED_TITLES]
    lines += ["Papers the reader liked:", *(f"- {title}" for title in titles)] if titles else []
    return "\n".join(lines)


def model_rating(relevance: float, significance: float) -> float:
    return RELEVANCE_SHARE * relevance + (1 - RELEVANCE_SHARE) * significance


def reorder_top(scores: Sequence[PaperScore], ratings: Mapping[str, tuple[float, float]], k: int) -> list[PaperScore]:
    """The top `k` by the model's rating (those it did not rate after those it did, in offline order), then the
    rest as they were; ranks renumbered."""
    head, tail = list(scores[:k]), list(scores[k:])

    def order(score: PaperScore) -> tuple[int, float, int]:
        rated = ratings.get(score.versioned_id)
        return (0, -model_rating(*rated), score.rank) if rated else (1, 0.0, score.rank)

    rated_head = [
        dataclasses.replace(s, model_relevance=ratings[s.versioned_id][0],
                            model_significance=ratings[s.versioned_id][1]) if s.versioned_id in ratings else s
        for s in sorted(head, key=order)
    ]
    return [dataclasses.replace(s, rank=rank) for rank, s in enumerate([*rated_head, *tail], start=1)]


def rate_paper(model: Any, store: Store, paper: Paper, interests: str, language: str) -> tuple[float, float] | None:
    """The model's (relevance, significance) of one paper: stored, else asked (twice at most); None if invalid.

    ModelCallFailed (no answer at all) propagates: the caller stops asking a model that cannot answer.
    """
    prompt = build_rerank_prompt(paper, interests, language=language, model=model.name)
    cached = store.rerank_score(paper.arxiv_id, paper.version, prompt.prompt_hash, model.name)
    if cached is not None:
        return cached.relevance, cached.significance

    def record(attempt: AttemptRecord) -> None:
        record_attempt(store, paper.arxiv_id, paper.version, language, attempt)

    def complete(asked: Prompt, messages: Sequence[Message], first: bool) -> tuple[Completion, Prompt]:
        try:
            return model.complete(messages, max_tokens=MAX_RERANK_TOKENS), asked
        except ModelCallFailed as exc:
            record_failed_calls(record, asked.prompt_hash, model.name, exc.failed_calls)
            raise

    def validate(text: str, completion: Completion, asked: Prompt) -> list[str]:
        try:
            parse_rerank_answer(text)
        except ValueError as exc:
            return [f"rerank_not_a_score: {exc}"]
        return []

    answer, failure = ask_validated(prompt, model.name, complete=complete, validate=validate, record=record,
                                    cost_usd=model.config.cost_usd)
    if answer is None:
        log.warning("%s: the model's rerank answers were rejected (%s); the offline score stands",
                    paper.versioned_id, failure)
        return None
    relevance, significance = parse_rerank_answer(answer)
    store.save_rerank_score(paper.arxiv_id, paper.version, prompt.prompt_hash, model.name, relevance, significance)
    return relevance, significance


def rerank(model: Any, store: Store, profile: InterestProfile, liked: Sequence[LikedPaper],
           scores: Sequence[PaperScore], papers: Mapping[str, Paper], k: int, language: str) -> list[PaperScore]:
    """The profile's ranking with its top `k` reordered by the model; a model that fails leaves the rest as is."""
    interests = interests_brief(profile, liked)
    ratings: dict[str, tuple[float, float]] = {}
    for score in scores[:k]:
        try:
            rated = rate_paper(model, store, papers[score.versioned_id], interests, language)
        except ModelCallFailed as exc:
            log.warning("profile %s: model rerank stopped (%s); the offline order stands", profile.name, exc)
            break
        if rated is not None:
            ratings[score.versioned_id] = rated
    return reorder_top(scores, ratings, k)
