"""The ranking that learns from the reader (issue 26): a per-profile linear classifier over TF-IDF features of
title and abstract, trained on the papers the reader liked and disliked, as arxiv-sanity does. Pure: it takes
the feedback and the papers' texts as plain values; the rank step reads them (interests/day.py).

The learned score is blended into the static ranking (keywords, authors, categories, BM25 similarity to liked
papers; interests/ranking.py), never substituted for it: with too little feedback (fewer than MIN_LIKES likes or
MIN_DISLIKES dislikes) a classifier is noise, so the static ranking is used unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from arxiv_digest.store.reader import Feedback, paper_states

MIN_LIKES = 2  # a classifier needs both classes, and one liked paper is a keyword, not an interest
MIN_DISLIKES = 1
# How much the learned score can move a paper. The classifier's margins are tiny with a handful of examples, so
# they are standardised over the day (z-scores, clipped at +-2 and halved: -1 .. 1) and multiplied by this. The
# static scores of a matching paper are a few points (a keyword 1-1.5, an author 3, a liked paper's similarity up
# to 4), so the day's most likeable paper gains about what a close liked paper gives.
LEARNED_WEIGHT = 4.0
REGULARIZATION = 1.0  # LogisticRegression's C
NEAREST_NAMED = 0.08  # a liked paper is named in the reason from this TF-IDF cosine similarity on
NEAREST_LISTED = 2


@dataclass(frozen=True)
class FeedbackLabels:
    """The papers the reader's feedback labels, by arXiv id (without version), in the order first labelled."""
    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()
    seen: frozenset[str] = frozenset()  # every paper the reader gave any feedback on

    @property
    def learns(self) -> bool:
        return len(self.liked) >= MIN_LIKES and len(self.disliked) >= MIN_DISLIKES


def feedback_labels(events: Sequence[Feedback]) -> FeedbackLabels:
    """Each paper's latest vote: liked or disliked (a cleared vote is neither). Saved papers count as liked:
    keeping a paper says more than a like."""
    states = paper_states(list(events))
    liked = tuple(i for i, state in states.items() if (state.liked or state.saved) and not state.disliked)
    disliked = tuple(i for i, state in states.items() if state.disliked)
    return FeedbackLabels(liked=liked, disliked=disliked, seen=frozenset(states))


@dataclass(frozen=True)
class LearnedScore:
    score: float  # the blend term: weight * the classifier's standardised margin (-1 .. 1)
    nearest_liked: tuple[str, ...]  # liked papers (arXiv ids) closest to this one, best first, when it scores > 0


def learned_scores(day_texts: Sequence[str], liked: Sequence[tuple[str, str]],
                   disliked: Sequence[tuple[str, str]], weight: float = LEARNED_WEIGHT) -> list[LearnedScore] | None:
    """Per day paper, the classifier's blend term and the liked papers it is nearest to; None when the
    feedback is too thin to learn from. `liked`/`disliked`: (arXiv id, title + abstract)."""
    if len(liked) < MIN_LIKES or len(disliked) < MIN_DISLIKES or not day_texts:
        return None
    train = [text for _, text in liked] + [text for _, text in disliked]
    # Fit on the day's papers too: the IDF then says what is rare among the papers being ranked.
    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                 max_df=0.5, max_features=50_000, dtype=np.float64)
    try:
        matrix = vectorizer.fit_transform([*train, *day_texts])
    except ValueError:  # every text empty or stop words only: nothing to learn from
        return None
    x_train, x_day = matrix[:len(train)], matrix[len(train):]
    labels = np.array([1] * len(liked) + [0] * len(disliked))
    classifier = LogisticRegression(C=REGULARIZATION, class_weight="balanced", max_iter=1000)
    classifier.fit(x_train, labels)
    margin = classifier.decision_function(x_day)
    spread = float(margin.std())
    standard = np.clip((margin - margin.mean()) / spread, -2.0, 2.0) / 2.0 if spread > 0 else np.zeros(len(margin))
    similarity = (x_day @ x_train[:len(liked)].T).toarray()  # rows are L2-normalised: cosine similarity
    liked_ids = [arxiv_id for arxiv_id, _ in liked]
    results = []
    for row, value in enumerate(standard):
        term = round(weight * float(value), 4)
        nearest: tuple[str, ...] = ()
        if term > 0:
            order = sorted((i for i in range(len(liked_ids)) if similarity[row, i] >= NEAREST_NAMED),
                           key=lambda i: (-round(float(similarity[row, i]), 6), liked_ids[i]))
            nearest = tuple(liked_ids[i] for i in order[:NEAREST_LISTED])
        results.append(LearnedScore(term, nearest))
    return results
