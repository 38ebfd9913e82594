"""What a reader asks the search: the query record, its parsing from a page's parameters, and the user's text
made safe for the engine (pure).

A reader types words and "quoted phrases"; nothing else of the engine's syntax (fields, ranges, boosts,
boolean operators) is passed on, so no input can raise a syntax error or reach a field the page does not offer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

KINDS = ("new", "cross", "late")
MAX_QUERY_CHARS = 1000
MAX_TERMS = 32  # words and phrases; a pasted abstract is cut here (and the page says what was searched)
MAX_PER_PAGE = 100
MAX_PAGE = 500

_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits only: the engine's parser takes them all


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    category: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    profile: str | None = None
    min_score: float | None = None  # with `profile`: its score at least this (default: any match, above 0)
    has_code: bool | None = None
    has_figure: bool | None = None
    kind: str | None = None  # "new" | "cross" | "late"
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class SearchTerms:
    """The user's text as the engine will read it: words and phrases, lower case, nothing else."""

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    cut: bool  # more terms than MAX_TERMS were given; the rest were left out

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    def engine_query(self, require_all: bool) -> str:
        """Engine syntax built only from word characters: `+word +"two words"` (or without `+`: any of them)."""
        sign = "+" if require_all else ""
        parts = [f"{sign}{word}" for word in self.words]
        parts += [f'{sign}"{" ".join(phrase)}"' if len(phrase) > 1 else f"{sign}{phrase[0]}" for phrase in self.phrases]
        return " ".join(parts)

    def described(self) -> str:
        """What was searched, for the page: `"gaussian splatting" nerf`."""
        shown = [f'"{" ".join(p)}"' if len(p) > 1 else p[0] for p in self.phrases] + list(self.words)
        return " ".join(shown) + (" (the rest of the text was left out)" if self.cut else "")


def search_terms(text: str) -> SearchTerms:
    """Words and quoted phrases of a reader's text; unbalanced quotes, `field:` prefixes, operators and
    punctuation become plain word separators ("vision-language" is the phrase "vision language")."""
    phrases: list[tuple[str, ...]] = []
    words: list[str] = []
    rest = text
    if text.count('"') >= 2:
        for match in _PHRASE.finditer(text):
            inner = tuple(w.lower() for w in _WORD.findall(match.group(1)))
            if inner:
                phrases.append(inner)
        rest = _PHRASE.sub(" ", text)
    for token in rest.split():
        parts = tuple(w.lower() for w in _WORD.findall(token))
        if len(parts) > 1 and re.fullmatch(r"[\w'’-]+", token):
            phrases.append(parts)  # a hyphenated or apostrophe'd word is read as its parts in a row ("don t")
        else:
            words.extend(parts)
    phrases = list(dict.fromkeys(phrases))
    words = list(dict.fromkeys(words))
    total = len(words) + len(phrases)
    phrases = phrases[:MAX_TERMS]
    words = words[:max(0, MAX_TERMS - len(phrases))]
    return SearchTerms(tuple(words), tuple(phrases), cut=total > MAX_TERMS)


def parse_search_query(params: Mapping[str, str]) -> SearchQuery:
    """A query from a page's parameters (q, category, from, to, profile, min_score, code, figure, kind, page,
    per_page); empty values mean "any". Raises ValueError with a one-line reason on bad input."""
    known = {"q", "category", "from", "to", "profile", "min_score", "code", "figure", "kind", "page", "per_page"}
    values = {key: str(value).strip() for key, value in params.items() if key in known and str(value).strip()}
    text = values.get("q", "")
    if len(text) > MAX_QUERY_CHARS:
        raise ValueError(f"the search text is {len(text)} characters long; at most {MAX_QUERY_CHARS} are searched")
    category = values.get("category")
    if category is not None and not re.fullmatch(r"[A-Za-z-]+(\.[A-Za-z-]+)?", category):
        raise ValueError(f"{category[:40]!r} is not an arXiv category (like cs.CV)")
    profile = values.get("profile")
    if profile is not None and not re.fullmatch(r"[\w.-]{1,64}", profile):
        raise ValueError(f"{profile[:40]!r} is not a profile name")
    date_from, date_to = _date(values, "from"), _date(values, "to")
    if date_from and date_to and date_from > date_to:
        raise ValueError(f"the range starts ({date_from}) after it ends ({date_to})")
    min_score = _number(values, "min_score")
    kind = values.get("kind")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind[:40]!r}")
    page = _whole(values, "page", 1)
    per_page = _whole(values, "per_page", 20)
    if not 1 <= page <= MAX_PAGE:
        raise ValueError(f"page must be between 1 and {MAX_PAGE}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    return SearchQuery(text=text, category=category, date_from=date_from, date_to=date_to, profile=profile,
                       min_score=min_score, has_code=_flag(values, "code"), has_figure=_flag(values, "figure"),
                       kind=kind, page=page, per_page=per_page)


def _date(values: Mapping[str, str], key: str) -> date | None:
    if key not in values:
        return None
    try:
        return date.fromisoformat(values[key])
    except ValueError:
        raise ValueError(f"{key} {values[key][:40]!r} is not a date (YYYY-MM-DD)") from None


def _number(values: Mapping[str, str], key: str) -> float | None:
    if key not in values:
        return None
    try:
        number = float(values[key])
    except ValueError:
        raise ValueError(f"{key} {values[key][:40]!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{key} {values[key][:40]!r} is not a number")
    return number


def _whole(values: Mapping[str, str], key: str, default: int) -> int:
    number = _number(values, key)
    if number is None:
        return default
    if number != int(number):
        raise ValueError(f"{key} {values[key][:40]!r} is not a whole number")
    return int(number)


def _flag(values: Mapping[str, str], key: str) -> bool | None:
    if key not in values:
        return None
    value = values[key].lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{key} must be yes or no, not {values[key][:40]!r}")
