"""The ranking that learns from the reader's feedback (issue 26): labels from the feedback log, the learned term
blended into the static ranking, the reason naming the nearest liked papers, seen papers ranked last, and too
little feedback leaving the static ranking unchanged. Generated cs.CV days (tests/interest_day.py)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from interest_day import TOPICS, synthetic_day

from arxiv_digest.interests.day import reason_line, score_record
from arxiv_digest.interests.learning import feedback_labels, learned_scores
from arxiv_digest.interests.ranking import rank_papers
from arxiv_digest.profiles import InterestProfile
from arxiv_digest.store.reader import Feedback, FeedbackAction
from schemas.records import Paper

VIDEO_WORDS = TOPICS["video"][0]
PROFILE = InterestProfile(name="detect", keywords=(("object detection", 1.0), ("detection", 1.0)))


def _event(arxiv_id: str, action: str, minute: int = 0) -> Feedback:
    return Feedback("detect", arxiv_id, 1, FeedbackAction(action), datetime(2026, 1, 1, 9, minute))


def _is_video(paper: Paper) -> bool:
    return any(phrase in f"{paper.title} {paper.abstract}" for phrase in VIDEO_WORDS)


def _day(seed: int, prefix: str) -> list[Paper]:
    return [dataclasses.replace(paper, arxiv_id=f"{prefix}.{paper.arxiv_id.split('.')[1]}")
            for paper in synthetic_day(count=200, seed=seed).papers]


def _text(paper: Paper) -> str:
    return f"{paper.title}. {paper.abstract}"


def test_labels_follow_each_papers_latest_vote() -> None:
    labels = feedback_labels([
        _event("a", "like"), _event("b", "like"), _event("b", "clear", 1), _event("c", "like"),
        _event("c", "dislike", 2), _event("d", "save"), _event("e", "seen"),
    ])
    assert labels.liked == ("a", "d") and labels.disliked == ("c",)
    assert labels.seen == frozenset("abcde")
    assert labels.learns  # two likes and one dislike is the least it learns from
    assert not feedback_labels([_event("a", "like"), _event("c", "dislike")]).learns
    assert not feedback_labels([_event("a", "like"), _event("d", "like")]).learns


def test_a_reader_who_likes_video_papers_gets_video_papers_first_tomorrow() -> None:
    """The profile asks for detection; the reader likes video papers and dislikes detection ones. The next day's
    top ten turns from detection to video, each with the liked papers it resembles in its reason."""
    yesterday, today = _day(1, "2512"), _day(2, "2601")
    liked = [p for p in yesterday if _is_video(p)][:3]
    disliked = [p for p in yesterday if "detection" in p.title.lower()][:3]
    learned = learned_scores([_text(p) for p in today], [(p.arxiv_id, _text(p)) for p in liked],
                             [(p.arxiv_id, _text(p)) for p in disliked])
    assert learned is not None
    by_id = {p.arxiv_id: p for p in today}
    static = rank_papers(today, PROFILE)
    blended = rank_papers(today, PROFILE, learned=learned)
    static_hits = sum(_is_video(by_id[s.arxiv_id]) for s in static[:10])
    learned_hits = sum(_is_video(by_id[s.arxiv_id]) for s in blended[:10])
    assert static_hits <= 1 and learned_hits >= 8, (static_hits, learned_hits)
    top = blended[0]
    assert top.learned_from and set(top.learned_from) <= {p.arxiv_id for p in liked}
    assert f"you liked {', '.join(top.learned_from)}" in reason_line(top, "en")
    assert score_record(top)["reason"]["learned_from"] == list(top.learned_from)


def test_too_little_feedback_leaves_the_static_ranking_unchanged() -> None:
    today = _day(2, "2601")
    one_like = learned_scores([_text(p) for p in today], [("x", _text(today[3]))], [("y", _text(today[0]))])
    no_dislike = learned_scores([_text(p) for p in today], [("x", _text(today[3])), ("z", _text(today[13]))], [])
    assert one_like is None and no_dislike is None
    assert rank_papers(today, PROFILE, learned=None) == rank_papers(today, PROFILE)


def test_seen_papers_rank_after_every_unseen_paper_and_say_so() -> None:
    today = _day(2, "2601")
    static = rank_papers(today, PROFILE)
    best, second = static[0].arxiv_id, static[1].arxiv_id
    ranked = rank_papers(today, PROFILE, seen={best, second})
    assert [s.arxiv_id for s in ranked[-2:]] == [best, second]
    assert ranked[0].arxiv_id == static[2].arxiv_id and ranked[0].rank == 1
    assert ranked[-1].seen and reason_line(ranked[-1], "en").startswith("seen before")
    assert score_record(ranked[-1])["reason"]["seen"] is True
