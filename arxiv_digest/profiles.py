"""Interest profiles as the config file declares them (`[profiles.<name>]` tables), parsed and validated.

A bad profile is one SettingsError naming the profile and the field, raised while settings load: before any
network call. It sits below the domain folders (beside ids.py) because settings parse it; interests/ ranks by it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arxiv_digest.bibtex import BibtexError, LikedPaper, read_bibtex_file
from arxiv_digest.errors import SettingsError
from arxiv_digest.ids import parse_arxiv_id

PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")  # it names a file: out/<cat>/<date>.<name>.md
DEFAULT_KEYWORD_WEIGHT = 1.0
DEFAULT_NEGATIVE_WEIGHT = 3.0
DEFAULT_AUTHOR_WEIGHT = 3.0
DEFAULT_SIMILARITY_WEIGHT = 4.0


@dataclass(frozen=True)
class InterestProfile:
    name: str
    keywords: tuple[tuple[str, float], ...] = ()  # phrase, weight
    negative: tuple[str, ...] = ()
    negative_weight: float = DEFAULT_NEGATIVE_WEIGHT
    authors: tuple[str, ...] = ()
    author_weight: float = DEFAULT_AUTHOR_WEIGHT
    categories: tuple[tuple[str, float], ...] = ()  # category, weight
    like_ids: tuple[str, ...] = ()  # arXiv ids without version
    like_bibtex: str = ""  # the file the liked papers below were read from
    liked: tuple[LikedPaper, ...] = ()  # from like_bibtex
    similarity_weight: float = DEFAULT_SIMILARITY_WEIGHT
    deep_analysis_top_n: int | None = None  # None: the top-level deep_analysis_top_n
    rerank_top_k: int | None = None  # None: the top-level rerank_top_k
    min_score: float | None = None  # None: no paper is cut

    def top_n(self, default: int) -> int:
        """How many of this profile's best papers get the full-text analysis; 0 means all."""
        return default if self.deep_analysis_top_n is None else self.deep_analysis_top_n

    def top_k(self, default: int) -> int:
        """How many of this profile's best papers the model reranks; 0 means none."""
        return default if self.rerank_top_k is None else self.rerank_top_k


class _Problem(Exception):
    pass


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Problem(f"{what} must be a number, got {value!r}")
    return float(value)


def _texts(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise _Problem(f"{what} must be a list of strings, got {value!r}")
    items = tuple(" ".join(item.split()) for item in value)
    if any(not item for item in items):
        raise _Problem(f"{what} has an empty entry")
    return items


def _weighted(value: Any, what: str, default: float) -> tuple[tuple[str, float], ...]:
    """A list of phrases (each of the default weight) or a table of phrase = weight."""
    if isinstance(value, Mapping):
        pairs = [(" ".join(str(key).split()), _number(weight, f"{what}.{key!r}")) for key, weight in value.items()]
        if any(not phrase for phrase, _ in pairs):
            raise _Problem(f"{what} has an empty entry")
        if any(weight == 0 for _, weight in pairs):
            raise _Problem(f"{what} has a weight of 0 (leave the entry out instead)")
        return tuple(pairs)
    return tuple((phrase, default) for phrase in _texts(value, what))


def _like_ids(value: Any) -> tuple[str, ...]:
    ids = []
    for raw in _texts(value, "like_ids"):
        try:
            ids.append(parse_arxiv_id(raw).base)
        except ValueError:
            raise _Problem(f"like_ids: {raw!r} is not an arXiv id such as 2403.07420") from None
    return tuple(dict.fromkeys(ids))


def _weight(name: str) -> Callable[[Any, Path], dict[str, Any]]:
    def read(value: Any, base_dir: Path) -> dict[str, Any]:
        weight = _number(value, name)
        if weight < 0:
            raise _Problem(f"{name} must be >= 0")
        return {name: weight}
    return read


def _count(name: str) -> Callable[[Any, Path], dict[str, Any]]:
    def read(value: Any, base_dir: Path) -> dict[str, Any]:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _Problem(f"{name} must be an integer >= 0, got {value!r}")
        return {name: value}
    return read


def _liked(value: Any, base_dir: Path) -> dict[str, Any]:
    if not isinstance(value, str) or not value.strip():
        raise _Problem("like_bibtex must be the path of a BibTeX file")
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base_dir / path
    try:
        liked = tuple(read_bibtex_file(path))
    except BibtexError as exc:
        raise _Problem(f"like_bibtex: {exc}") from None
    return {"liked": liked, "like_bibtex": str(path)}


# Each field a profile table may have, and how it is read into InterestProfile's fields (in this order).
_READERS: dict[str, Callable[[Any, Path], dict[str, Any]]] = {
    "keywords": lambda value, _: {"keywords": _weighted(value, "keywords", DEFAULT_KEYWORD_WEIGHT)},
    "negative": lambda value, _: {"negative": _texts(value, "negative")},
    "authors": lambda value, _: {"authors": _texts(value, "authors")},
    "categories": lambda value, _: {"categories": _weighted(value, "categories", 1.0)},
    "like_ids": lambda value, _: {"like_ids": _like_ids(value)},
    "negative_weight": _weight("negative_weight"),
    "author_weight": _weight("author_weight"),
    "similarity_weight": _weight("similarity_weight"),
    "min_score": lambda value, _: {"min_score": _number(value, "min_score")},
    "deep_analysis_top_n": _count("deep_analysis_top_n"),
    "rerank_top_k": _count("rerank_top_k"),
    "like_bibtex": _liked,
}
_FIELDS = frozenset(_READERS)


def _profile(name: str, table: Any, base_dir: Path) -> InterestProfile:
    if not isinstance(table, Mapping):
        raise _Problem("must be a table ([profiles.<name>] with keywords, authors, like_ids, ...)")
    unknown = sorted(set(table) - _FIELDS)
    if unknown:
        raise _Problem(f"unknown field(s) {', '.join(unknown)}; known fields: {', '.join(sorted(_FIELDS))}")
    values: dict[str, Any] = {"name": name}
    for field_name, read in _READERS.items():
        if field_name in table:
            values.update(read(table[field_name], base_dir))
    profile = InterestProfile(**values)
    if not (profile.keywords or profile.authors or profile.categories or profile.like_ids or profile.liked):
        raise _Problem("says nothing to rank by: give keywords, authors, categories, like_ids or like_bibtex")
    return profile


def parse_profiles(value: Any, origin: str, base_dir: Path = Path(".")) -> tuple[InterestProfile, ...]:
    """The `profiles` table of the config file; relative BibTeX paths are read from `base_dir`."""
    if not isinstance(value, Mapping):
        raise SettingsError(f"bad value for setting 'profiles' ({origin}): profiles are TOML tables, "
                            "[profiles.<name>] in the config file")
    if not value:
        raise SettingsError(f"bad value for setting 'profiles' ({origin}): no profile is declared")
    profiles = []
    for name, table in value.items():
        if not PROFILE_NAME.match(str(name)):
            raise SettingsError(f"profile {name!r} ({origin}): a name is 1-40 lowercase letters, digits, '-' "
                                "or '_' (it becomes part of the digest's file name)")
        try:
            profiles.append(_profile(str(name), table, base_dir))
        except _Problem as exc:
            raise SettingsError(f"profile '{name}' ({origin}): {exc}") from None
    return tuple(profiles)
