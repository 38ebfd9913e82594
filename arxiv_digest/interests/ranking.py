"""The day's papers scored against a profile, offline: keyword phrases, authors, categories, and BM25 similarity
(bm25s) to the papers the reader likes. Each score keeps what earned it, for the one-line reason in the digest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from arxiv_digest.bibtex import LikedPaper
from arxiv_digest.interests.learning import LearnedScore
from arxiv_digest.profiles import InterestProfile
from schemas.records import Paper, PaperKey

TITLE_BOOST = 1.5  # a phrase in the title says more about the paper than one in its abstract
# A liked paper is named in the reason only when the day's paper shares this much of its BM25 weight.
SIMILAR_NAMED = 0.1
SIMILAR_LISTED = 2  # at most this many liked papers named per reason
_WORD = re.compile(r"[a-z0-9]+")
# Common English words and the boilerplate of abstracts: they make every paper look like every other.
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN) | frozenset({
    "paper", "propose", "proposed", "method", "approach", "result", "show", "based", "novel", "use", "using",
    "new", "also", "via", "work", "state", "art", "existing", "present", "demonstrate", "experiment",
    "achieve", "performance", "code", "available", "extensive", "task", "framework", "model",
})


def _stem(word: str) -> str:
    """Plural and singular as one word (splats/splat, models/model); anything stronger would merge meanings."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lowercase, accents dropped, stemmed lightly; the one tokenizer for papers, phrases and liked papers."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [_stem(word) for word in _WORD.findall(plain)]


def _content_words(text: str) -> list[str]:
    return [word for word in words(text) if word not in _STOPWORDS and len(word) > 1]


def _contains(haystack: str, phrase: str) -> bool:
    return bool(phrase) and f" {phrase} " in haystack


def _author_keys(name: str) -> tuple[str, str]:
    """(first initial, last name) of a name, or ("", last) when only a last name is given."""
    parts = words(name.replace("-", " "))
    if not parts:
        return "", ""
    return (parts[0][0] if len(parts) > 1 else ""), parts[-1]


@dataclass(frozen=True)
class PaperScore:
    arxiv_id: str
    version: int
    score: float
    rank: int  # 1 = best of the day for the profile
    keywords: tuple[str, ...] = ()
    similar_to: tuple[str, ...] = ()  # liked papers' labels (arXiv id or citation key)
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    model_relevance: float | None = None  # the model's rerank (0-10), when it rated this paper
    model_significance: float | None = None
    learned_from: tuple[str, ...] = ()  # the reader's liked papers (app feedback) the learned ranking found close
    seen: bool = False  # the reader already gave feedback on it: ranked after every paper they have not met

    @property
    def versioned_id(self) -> str:
        return str(PaperKey(self.arxiv_id, self.version))


def similarity_shares(day_texts: Sequence[str], liked: Sequence[LikedPaper]) -> np.ndarray:
    """Per day paper and liked paper (rows, columns): how similar they are, 0-1.

    One BM25 index (bm25s) holds the day's papers and the liked ones, so a word's IDF says how rare it is among
    them: "scene" or "sparse" weigh little on a cs.CV day, "splatting" a lot. Each day paper's title and abstract
    is a query; its score against a liked paper, divided by its score against itself (the most a paper can
    match), is the share. One query per day paper, so a large library costs little more than a small one.
    """
    shares = np.zeros((len(day_texts), len(liked)))
    day_words = [sorted(set(_content_words(text))) for text in day_texts]
    liked_words = [_content_words(f"{paper.title}. {paper.abstract}") for paper in liked]
    if not any(day_words) or not any(liked_words):
        return shares
    retriever = bm25s.BM25()
    # An empty document would have no tokens to index: a placeholder no query contains keeps the positions.
    retriever.index([words_ or ["\x00"] for words_ in [*day_words, *liked_words]], show_progress=False)
    first_liked = len(day_texts)
    for row, query in enumerate(day_words):
        if not query:
            continue
        scores = retriever.get_scores(query)
        itself = scores[row]
        if itself > 0:
            shares[row] = np.clip(scores[first_liked:] / itself, 0.0, 1.0)
    return shares


def _score_paper(paper: Paper, profile: InterestProfile, liked: Sequence[LikedPaper],
                 shares: np.ndarray) -> tuple[float, dict[str, tuple[str, ...]]]:
    title = " " + " ".join(words(paper.title)) + " "
    abstract = " " + " ".join(words(paper.abstract)) + " "
    score = 0.0
    matched: list[str] = []
    for phrase, weight in profile.keywords:
        normal = " ".join(words(phrase))
        if _contains(title, normal):
            score += weight * TITLE_BOOST
            matched.append(phrase)
        elif _contains(abstract, normal):
            score += weight
            matched.append(phrase)
    negative = [phrase for phrase in profile.negative
                if _contains(title, " ".join(words(phrase))) or _contains(abstract, " ".join(words(phrase)))]
    score -= profile.negative_weight * len(negative)
    paper_authors = {_author_keys(name): name for name in paper.authors}
    paper_last_names = {key[1]: name for key, name in paper_authors.items()}
    authors: list[str] = []
    for wanted in profile.authors:
        key = _author_keys(wanted)
        found = paper_authors.get(key) if key[0] else paper_last_names.get(key[1])
        if found is not None and found not in authors:
            authors.append(found)
    score += profile.author_weight * len(authors)
    categories = [category for category, _ in profile.categories if category in paper.categories]
    score += sum(weight for category, weight in profile.categories if category in paper.categories)
    similar: list[str] = []
    if liked:
        score += profile.similarity_weight * float(shares.max())
        # Best first; equal shares by label, so the reason is the same on every run. Only the shares worth
        # naming are sorted: a library of thousands would otherwise be sorted once per paper.
        named = np.flatnonzero(shares >= SIMILAR_NAMED)
        if len(named) > SIMILAR_LISTED:
            cutoff = np.partition(shares[named], -SIMILAR_LISTED)[-SIMILAR_LISTED]
            named = named[shares[named] >= cutoff]  # the best few, and every paper tied with them
        order = sorted(named.tolist(), key=lambda i: (-round(float(shares[i]), 6), liked[i].label))
        similar = [liked[i].label for i in order[:SIMILAR_LISTED]]
    return score, {"keywords": tuple(matched), "negative": tuple(negative), "authors": tuple(authors),
                   "categories": tuple(categories), "similar_to": tuple(similar)}


def rank_papers(papers: Iterable[Paper], profile: InterestProfile, liked: Sequence[LikedPaper] = (),
                learned: Sequence[LearnedScore] | None = None, seen: Collection[str] = ()) -> list[PaperScore]:
    """Every paper scored, best first; equal scores in arXiv id order (the same ranking on every run).

    `liked`: the papers the reader likes beyond the profile's BibTeX entries (those of like_ids, looked up).
    `learned`: per paper (in the order given), the learned ranking's term (interests/learning.py), added to the
    static score; None leaves the static ranking unchanged. `seen`: arXiv ids the reader already gave feedback
    on; they keep their score but rank after every other paper, so they never lead the profile's digest again.
    """
    day = list(papers)
    every_liked = [*profile.liked, *liked]
    shares = similarity_shares([f"{paper.title}. {paper.abstract}" for paper in day], every_liked)
    scored = []
    for row, paper in enumerate(day):
        score, parts = _score_paper(paper, profile, every_liked, shares[row])
        if learned is not None:
            score += learned[row].score
            parts["learned_from"] = learned[row].nearest_liked
        scored.append((round(score, 4), paper, parts, paper.arxiv_id in seen))
    scored.sort(key=lambda item: (item[3], -item[0], item[1].arxiv_id, item[1].version))
    return [PaperScore(paper.arxiv_id, paper.version, score, rank, **parts, seen=was_seen)
            for rank, (score, paper, parts, was_seen) in enumerate(scored, start=1)]


def above_min_score(scores: Sequence[PaperScore], min_score: float | None) -> tuple[list[PaperScore], int]:
    """The papers a profile's digest lists, and how many min_score cut."""
    if min_score is None:
        return list(scores), 0
    kept = [score for score in scores if score.score >= min_score]
    return kept, len(scores) - len(kept)
