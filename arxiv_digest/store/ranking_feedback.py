"""Which of the reader's feedback each profile's ranking of a day used (table ranking_feedback, m013), so a rerun
of the day ranks the same: a mixin of Store, on its SQL helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class RankingFeedback:
    feedback_until: datetime | None  # the newest event used; None: the reader had given none
    events: int
    likes: int
    dislikes: int
    learned: bool  # false: too little feedback, the static ranking was used


class RankingFeedbackStore:
    _fetchone: Any
    _run: Any

    def ranking_feedback(self, day: date, category: str, profile: str) -> RankingFeedback | None:
        row = self._fetchone("SELECT feedback_until, events, likes, dislikes, learned FROM ranking_feedback "
                             "WHERE digest_date = ? AND category = ? AND profile = ?", [day, category, profile])
        return RankingFeedback(row[0], row[1], row[2], row[3], row[4]) if row else None

    def save_ranking_feedback(self, day: date, category: str, profile: str, used: RankingFeedback,
                              ranked_at: datetime) -> None:
        self._run([("INSERT OR REPLACE INTO ranking_feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [day, category, profile, used.feedback_until, used.events, used.likes, used.dislikes,
                     used.learned, ranked_at])])
