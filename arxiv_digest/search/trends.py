"""Trends of a category (or of a profile's papers in it) over weeks: each week's themes, the papers per day, the
key phrases of the whole window and the rising topics (phrases whose share of papers grew most in the last weeks
against the weeks before, with a minimum count).

Themes and phrases come from `analysis/key_phrases.py` (the same offline key phrases the digest's summary names);
how many papers carry a phrase each week is counted with one vectorised regular expression per phrase (polars),
so a year of papers takes seconds, not minutes.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import polars as pl

from arxiv_digest.analysis.key_phrases import day_themes
from arxiv_digest.search.charts import svg_bar_chart, svg_line_chart
from arxiv_digest.store.archive import ArchivedEntry

WEEK_THEMES = 8
KEY_PHRASES = 20
RISING_CANDIDATES_PER_WEEK = 20
RISING_SHOWN = 10


class TrendSource(Protocol):
    def archived_entries(self, category: str | None = None, since: date | None = None,
                         until: date | None = None) -> list[ArchivedEntry]: ...

    def archive_days(self, category: str) -> list[date]: ...


@dataclass(frozen=True)
class PhraseCount:
    phrase: str
    papers: int


@dataclass(frozen=True)
class WeekThemes:
    week: date  # the Monday the week starts on
    papers: int
    themes: tuple[PhraseCount, ...]


@dataclass(frozen=True)
class DayCount:
    day: date
    papers: int
    new: int
    cross: int
    late: int


@dataclass(frozen=True)
class RisingTopic:
    phrase: str
    recent_papers: int  # papers with the phrase in the recent weeks
    earlier_papers: int  # ... in the weeks before
    recent_share: float  # of all papers of those weeks
    earlier_share: float
    growth: float  # the share's ratio, recent against earlier (add-one smoothed)
    weekly: tuple[int, ...]  # papers with the phrase per week of the window


@dataclass(frozen=True)
class Trends:
    category: str
    profile: str | None
    first_week: date | None
    last_day: date | None
    papers: int
    recent_weeks: int
    weeks: tuple[WeekThemes, ...]
    days: tuple[DayCount, ...]
    key_phrases: tuple[PhraseCount, ...]
    rising: tuple[RisingTopic, ...]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trends(store: TrendSource, category: str, profile: str | None = None, weeks: int = 12, *,
           recent_weeks: int = 2, min_count: int = 5, until: date | None = None,
           theme_cache: ThemeCache | None = None) -> Trends:
    """The trends of the `weeks` weeks up to the category's newest stored day (or `until`); with `profile`,
    only the papers that profile matched (score above 0). Raises ValueError on a window that makes no sense.

    `theme_cache` keeps each week's themes across calls (a long-lived caller such as the web app holds one);
    without it every week's themes are computed afresh."""
    if weeks < 1 or recent_weeks < 1 or min_count < 1:
        raise ValueError("weeks, recent_weeks and min_count must be at least 1")
    days = store.archive_days(category)
    end = until or (days[-1] if days else None)
    if end is None:
        return Trends(category, profile, None, None, 0, recent_weeks, (), (), (), ())
    first_week = week_of(end) - timedelta(weeks=weeks - 1)
    entries = _matched(store.archived_entries(category, since=first_week, until=end), profile)
    week_starts = [first_week + timedelta(weeks=i) for i in range(weeks)]
    by_week: dict[date, list[ArchivedEntry]] = {week: [] for week in week_starts}
    for entry in entries:
        by_week[week_of(entry.day)].append(entry)
    cache = theme_cache if theme_cache is not None else ThemeCache()
    themes = {week: cache.week_themes(items) for week, items in by_week.items()}
    week_rows = tuple(WeekThemes(week, len(by_week[week]), found[:WEEK_THEMES]) for week, found in themes.items())
    candidates = [item.phrase for week in week_starts[-recent_weeks:] for item in themes[week]]
    return Trends(category=category, profile=profile, first_week=first_week, last_day=end, papers=len(entries),
                  recent_weeks=recent_weeks, weeks=week_rows, days=_day_counts(entries),
                  key_phrases=_window_key_phrases(themes.values()),
                  rising=rising_topics(by_week, candidates, recent_weeks=recent_weeks, min_count=min_count))


def _matched(entries: Sequence[ArchivedEntry], profile: str | None) -> list[ArchivedEntry]:
    """The entries a profile matched (score above 0); all of them without a profile."""
    if profile is None:
        return list(entries)
    return [e for e in entries if any(name == profile and score > 0 for name, score in e.profile_scores)]


def _window_key_phrases(weekly: Iterable[tuple[PhraseCount, ...]]) -> tuple[PhraseCount, ...]:
    """The window's key phrases: the weekly themes summed (one pass over the window would cost weeks of work)."""
    weekly = list(weekly)
    totals: Counter[str] = Counter()
    for found in weekly:
        for item in found:
            totals[item.phrase.lower()] += item.papers
    shown = {item.phrase.lower(): item.phrase for found in weekly for item in found}
    return tuple(PhraseCount(shown[key], count) for key, count in
                 sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:KEY_PHRASES])


class ThemeCache:
    """Weeks' themes remembered by the week's exact papers and texts (a past week does not change, and its themes
    take seconds); the oldest is dropped past `size`. Held by whoever calls `trends` repeatedly."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._found: dict[str, tuple[PhraseCount, ...]] = {}
        self._lock = threading.Lock()

    def week_themes(self, items: Sequence[ArchivedEntry]) -> tuple[PhraseCount, ...]:
        """A week's themes (up to RISING_CANDIDATES_PER_WEEK)."""
        digest = hashlib.sha1(usedforsecurity=False)
        for entry in items:
            digest.update(f"{entry.paper.versioned_id}\0{entry.paper.title}\0{entry.paper.abstract}\0".encode())
        key = digest.hexdigest()
        with self._lock:
            found = self._found.get(key)
        if found is None:
            found = week_themes(items)
            with self._lock:
                if len(self._found) >= self.size:
                    self._found.pop(next(iter(self._found)))
                self._found[key] = found
        return found


def week_themes(items: Sequence[ArchivedEntry]) -> tuple[PhraseCount, ...]:
    """A week's themes (up to RISING_CANDIDATES_PER_WEEK): its key phrases and how many papers name each."""
    return tuple(PhraseCount(t.phrase, len(t.paper_ids))
                 for t in day_themes([e.paper for e in items], limit=RISING_CANDIDATES_PER_WEEK))


def _day_counts(entries: Sequence[ArchivedEntry]) -> tuple[DayCount, ...]:
    kinds: dict[date, Counter[str]] = {}
    for entry in entries:
        kinds.setdefault(entry.day, Counter())[entry.kind] += 1
    return tuple(DayCount(day, sum(c.values()), c["new"], c["cross"], c["late"]) for day, c in sorted(kinds.items()))


def rising_topics(by_week: dict[date, list[ArchivedEntry]], candidates: Sequence[str], *, recent_weeks: int = 2,
                  min_count: int = 5) -> tuple[RisingTopic, ...]:
    """The candidate phrases whose share of papers grew most in the recent weeks against the weeks before
    (`by_week` in order of weeks)."""
    weeks = list(by_week)
    if len(weeks) <= recent_weeks:
        return ()
    recent = [e for week in weeks[-recent_weeks:] for e in by_week[week]]
    earlier_total = sum(len(by_week[week]) for week in weeks[:-recent_weeks])
    if not recent or not earlier_total:
        return ()
    texts = pl.Series([f"{e.paper.title} {e.paper.abstract}" for week in weeks for e in by_week[week]])
    week_index = pl.Series([i for i, week in enumerate(weeks) for _ in by_week[week]])
    recent_total = len(recent)
    found = []
    for phrase in {c.lower(): c for c in candidates}.values():
        hits = texts.str.contains(phrase_pattern(phrase))
        counts = Counter(week_index.filter(hits).to_list())
        weekly = tuple(counts.get(i, 0) for i in range(len(weeks)))
        recent_count = sum(weekly[-recent_weeks:])
        earlier_count = sum(weekly[:-recent_weeks])
        if recent_count < min_count:
            continue
        growth = ((recent_count + 1) / (recent_total + 1)) / ((earlier_count + 1) / (earlier_total + 1))
        if growth <= 1.0:
            continue
        found.append(RisingTopic(phrase, recent_count, earlier_count, round(recent_count / recent_total, 4),
                                 round(earlier_count / earlier_total, 4), round(growth, 3), weekly))
    found.sort(key=lambda t: (-t.growth, -t.recent_papers, t.phrase))
    return tuple(found[:RISING_SHOWN])


def phrase_pattern(phrase: str) -> str:
    """A case-blind pattern for a phrase and its variants: hyphen or space between words, the plural of the
    last word ("vision-language model" matches "Vision Language Models")."""
    words = [re.escape(w) for w in re.split(r"[\s-]+", phrase.strip()) if w]
    if not words:
        return r"(?!)"
    last = words[-1]
    if last.endswith("y") and len(last) > 3:
        last = last[:-1] + "(?:y|ies)"
    else:
        last += "(?:s|es)?"
    return r"(?i)\b" + r"[\s-]+".join([*words[:-1], last]) + r"\b"


@dataclass(frozen=True)
class TrendCharts:
    """The trends drawn, each a self-contained SVG string (escaped; inline it as it is)."""

    per_day: str
    key_phrases: str
    rising: str


def trend_charts(found: Trends) -> TrendCharts:
    who = found.category + (f", profile {found.profile}" if found.profile else "")
    per_day = svg_bar_chart([(d.day.isoformat(), d.papers) for d in found.days], title=f"Papers per day ({who})")
    phrases = svg_bar_chart([(p.phrase, p.papers) for p in found.key_phrases], horizontal=True,
                            title=f"Key phrases: papers ({who})")
    rising = svg_line_chart([(t.phrase, t.weekly) for t in found.rising[:6]],
                            [w.week.strftime("%m-%d") for w in found.weeks],
                            title=f"Rising topics: papers per week ({who})")
    return TrendCharts(per_day=per_day, key_phrases=phrases, rising=rising)
