"""Trends of a category (or of a profile's papers in it) over weeks: each week's themes, the papers per day, the
key phrases of the whole window and the rising topics (phrases whose share of papers grew most in the last weeks
against the weeks before, with a minimum count).

Themes and phrases come from `analysis/key_phrases.py` (the same offline key phrases the digest's summary names);
how many papers carry a phrase each week is counted with one vectorised regular expression per phrase (polars),
so a year of papers takes seconds, not minutes.

A week's themes take a second or two; a past week's do not change, so `ThemeCache` remembers them in memory and,
given a folder, in one small JSON file per week and scope (derived data: a missing, stale or unreadable file is
computed again). The file is valid for the week's exact papers and texts and for this version of the key-phrase
code (`THEMES_VERSION`, a hash of `key_phrases.py` and its stop list), so any change to either recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Protocol

import polars as pl

from arxiv_digest.analysis import key_phrases
from arxiv_digest.analysis.key_phrases import day_themes
from arxiv_digest.search.charts import svg_bar_chart, svg_line_chart
from arxiv_digest.store.archive import ListedPaper

THEMES_DIR = "themes"  # the web app's files of weeks' themes, under <data_dir>/web/
WEEK_THEMES = 8
KEY_PHRASES = 20
RISING_CANDIDATES_PER_WEEK = 20
RISING_SHOWN = 10


def _themes_version() -> str:
    """Changes whenever the key phrases could: their code, their stop list, how many a week keeps."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(Path(key_phrases.__file__).read_bytes())
    digest.update("\n".join(sorted(key_phrases.STOP_WORDS)).encode())
    digest.update(str(RISING_CANDIDATES_PER_WEEK).encode())
    return digest.hexdigest()[:16]


THEMES_VERSION = _themes_version()


class TrendSource(Protocol):
    def listed_papers(self, category: str, since: date, until: date,
                      profile: str | None = None) -> list[ListedPaper]: ...

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
    # Weeks whose themes were not computed yet (`trends(..., compute=False)`): shown without themes, and the
    # rising topics wait for the recent weeks among them.
    pending: tuple[date, ...] = ()


@dataclass(frozen=True)
class TrendWindow:
    """The papers of a trends window, by week (every week of the window, empty ones too, oldest first)."""

    category: str
    profile: str | None
    first_week: date
    last_day: date
    by_week: dict[date, list[ListedPaper]] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        """Whose papers: the category, or a profile's papers in it (names a week's themes file)."""
        return self.category if self.profile is None else f"{self.category} profile {self.profile}"

    @property
    def entries(self) -> list[ListedPaper]:
        return [entry for items in self.by_week.values() for entry in items]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trends(store: TrendSource, category: str, profile: str | None = None, weeks: int = 12, *,
           recent_weeks: int = 2, min_count: int = 5, until: date | None = None,
           theme_cache: ThemeCache | None = None, compute: bool = True) -> Trends:
    """The trends of the `weeks` weeks up to the category's newest stored day (or `until`); with `profile`,
    only the papers that profile matched (score above 0). Raises ValueError on a window that makes no sense.

    `theme_cache` keeps each week's themes across calls (a long-lived caller such as the web app holds one);
    without it every week's themes are computed afresh. With `compute=False` only remembered themes are used
    and the other weeks are listed in `Trends.pending` (for a caller that computes them elsewhere)."""
    if recent_weeks < 1 or min_count < 1:
        raise ValueError("weeks, recent_weeks and min_count must be at least 1")
    window = trend_window(store, category, profile, weeks, until=until)
    if window is None:
        return Trends(category, profile, None, None, 0, recent_weeks, (), (), (), ())
    return window_trends(window, recent_weeks=recent_weeks, min_count=min_count, theme_cache=theme_cache,
                         compute=compute)


def trend_window(store: TrendSource, category: str, profile: str | None = None, weeks: int = 12, *,
                 until: date | None = None) -> TrendWindow | None:
    """The papers of the `weeks` weeks up to the category's newest stored day (or `until`), by week; None when
    the category has no stored day. Reads the store only (fast): no themes yet."""
    if weeks < 1:
        raise ValueError("weeks, recent_weeks and min_count must be at least 1")
    days = store.archive_days(category)
    end = until or (days[-1] if days else None)
    if end is None:
        return None
    first_week = week_of(end) - timedelta(weeks=weeks - 1)
    by_week: dict[date, list[ListedPaper]] = {first_week + timedelta(weeks=i): [] for i in range(weeks)}
    for entry in store.listed_papers(category, first_week, end, profile):
        by_week[week_of(entry.day)].append(entry)
    return TrendWindow(category, profile, first_week, end, by_week)


def window_trends(window: TrendWindow, *, recent_weeks: int = 2, min_count: int = 5,
                  theme_cache: ThemeCache | None = None, compute: bool = True) -> Trends:
    """The trends of a window's papers (see `trends`)."""
    cache = theme_cache if theme_cache is not None else ThemeCache()
    by_week = window.by_week
    known = {week: cache.week_themes(items, window.scope, week) if compute else cache.known(items, window.scope,
                                                                                            week)
             for week, items in by_week.items()}
    themes = {week: found or () for week, found in known.items()}
    pending = tuple(week for week, found in known.items() if found is None)
    week_rows = tuple(WeekThemes(week, len(by_week[week]), found[:WEEK_THEMES]) for week, found in themes.items())
    recent = list(by_week)[-recent_weeks:]
    candidates = [item.phrase for week in recent for item in themes[week]]
    entries = window.entries
    rising = () if set(recent) & set(pending) else rising_topics(by_week, candidates, recent_weeks=recent_weeks,
                                                                min_count=min_count)
    return Trends(category=window.category, profile=window.profile, first_week=window.first_week,
                  last_day=window.last_day, papers=len(entries), recent_weeks=recent_weeks, weeks=week_rows,
                  days=_day_counts(entries), key_phrases=_window_key_phrases(themes.values()), rising=rising,
                  pending=pending)


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


ThemesFunction = Callable[[Sequence[ListedPaper]], tuple[PhraseCount, ...]]


class ThemeCache:
    """Weeks' themes remembered by the week's exact papers and texts (a past week does not change, and its themes
    take seconds); in memory (the oldest dropped past `size`) and, with `folder`, on disk for the next process.
    Held by whoever calls `trends` repeatedly. `compute` is how a week's themes are found (`week_themes`)."""

    def __init__(self, size: int = 1024, folder: Path | None = None, compute: ThemesFunction | None = None) -> None:
        self.size = size
        self.folder = folder
        self._compute = compute or week_themes
        # (scope, week, themes_key): a hit means the week's file was read or written by this process.
        self._found: dict[tuple[str, date | None, str], tuple[PhraseCount, ...]] = {}
        self._lock = threading.Lock()

    def week_themes(self, items: Sequence[ListedPaper], scope: str = "", week: date | None = None,
                    compute: ThemesFunction | None = None) -> tuple[PhraseCount, ...]:
        """A week's themes (up to RISING_CANDIDATES_PER_WEEK); `scope` and `week` name its file; `compute`, when
        given, finds them instead of the cache's own function (the web app's worker: in another process)."""
        found = self.known(items, scope, week)
        if found is None:
            key = themes_key(items)
            found = (compute or self._compute)(items)
            self._remember((scope, week, key), found)
            if self.folder is not None and week is not None:
                _write_week_file(self._path(scope, week), scope, week, key, found)
        return found

    def known(self, items: Sequence[ListedPaper], scope: str = "", week: date | None = None,
              ) -> tuple[PhraseCount, ...] | None:
        """The week's themes if remembered (memory, then the week's file), without computing them."""
        key = themes_key(items)
        with self._lock:
            found = self._found.get((scope, week, key))
        if found is None and self.folder is not None and week is not None:
            found = _read_week_file(self._path(scope, week), key)
            if found is not None:
                self._remember((scope, week, key), found)
        return found

    def remember_failure(self, items: Sequence[ListedPaper], scope: str = "", week: date | None = None) -> None:
        """No themes for this week, in memory only (a week whose computation failed is not waited for again;
        a restart tries it again)."""
        self._remember((scope, week, themes_key(items)), ())

    def _remember(self, key: tuple[str, date | None, str], found: tuple[PhraseCount, ...]) -> None:
        with self._lock:
            if key not in self._found and len(self._found) >= self.size:
                self._found.pop(next(iter(self._found)))
            self._found[key] = found

    def _path(self, scope: str, week: date) -> Path:
        assert self.folder is not None
        name = hashlib.sha1(scope.encode(), usedforsecurity=False).hexdigest()[:12]
        return self.folder / f"{week.isoformat()}-{name}.json"


def themes_key(items: Sequence[ListedPaper]) -> str:
    """What a week's themes depend on: its papers' ids and texts in order, and the key-phrase code's version."""
    digest = hashlib.sha1(THEMES_VERSION.encode(), usedforsecurity=False)
    for entry in items:
        digest.update(f"{entry.paper.versioned_id}\0{entry.paper.title}\0{entry.paper.abstract}\0".encode())
    return digest.hexdigest()


def _read_week_file(path: Path, key: str) -> tuple[PhraseCount, ...] | None:
    """The themes a week's file holds for `key`; None when it is missing, for other papers or unreadable (it is
    derived data: the caller computes it again)."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") != key:
            return None
        return tuple(PhraseCount(str(phrase), int(papers)) for phrase, papers in stored["themes"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _write_week_file(path: Path, scope: str, week: date, key: str, found: tuple[PhraseCount, ...]) -> None:
    """Write atomically (a reader in another process sees the old file or the new one); a failure to write only
    costs the next process the computation, so it is not an error."""
    body = json.dumps({"scope": scope, "week": week.isoformat(), "key": key, "version": THEMES_VERSION,
                       "themes": [[t.phrase, t.papers] for t in found]}, ensure_ascii=False)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(body, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def week_themes(items: Sequence[ListedPaper]) -> tuple[PhraseCount, ...]:
    """A week's themes (up to RISING_CANDIDATES_PER_WEEK): its key phrases and how many papers name each."""
    return tuple(PhraseCount(t.phrase, len(t.paper_ids))
                 for t in day_themes([e.paper for e in items], limit=RISING_CANDIDATES_PER_WEEK))


def _day_counts(entries: Sequence[ListedPaper]) -> tuple[DayCount, ...]:
    kinds: dict[date, Counter[str]] = {}
    for entry in entries:
        kinds.setdefault(entry.day, Counter())[entry.kind] += 1
    return tuple(DayCount(day, sum(c.values()), c["new"], c["cross"], c["late"]) for day, c in sorted(kinds.items()))


def rising_topics(by_week: dict[date, list[ListedPaper]], candidates: Sequence[str], *, recent_weeks: int = 2,
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
