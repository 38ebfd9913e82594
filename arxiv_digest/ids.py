"""One parser for arXiv identifiers, new style (2601.14256v1) and old style (cs/0112017v2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.records import PaperKey

# The id patterns as regex source, without anchors or groups, for the modules that find ids in longer text.
NEW_STYLE_ID = r"\d{4}\.\d{4,5}"
_OLD_ARCHIVE = r"[a-z][a-z-]*(?:\.[A-Z]{2})?"
OLD_STYLE_ID = rf"{_OLD_ARCHIVE}/\d{{7}}"
ARXIV_ID = rf"(?:{NEW_STYLE_ID}|{OLD_STYLE_ID})"
# An id or its file stem (old style with "_" for "/"), as task run names and file names spell it.
ARXIV_ID_OR_STEM = rf"(?:{NEW_STYLE_ID}|{_OLD_ARCHIVE}[/_]\d{{7}})"

_NEW = re.compile(rf"^(?P<id>{NEW_STYLE_ID})(?:v(?P<v>\d+))?$")
_OLD = re.compile(rf"^(?P<id>{OLD_STYLE_ID})(?:v(?P<v>\d+))?$")
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:export\.)?arxiv\.org/(?:abs|pdf|api)/", re.IGNORECASE)


@dataclass(frozen=True)
class ArxivId:
    base: str
    version: int | None

    @property
    def versioned(self) -> str:
        return str(PaperKey(self.base, self.version)) if self.version else self.base

    @property
    def file_stem(self) -> str:
        """A name safe to use in a path: old-style ids contain a slash."""
        return self.versioned.replace("/", "_")


def parse_arxiv_id(raw: str) -> ArxivId:
    """Accept a bare id, a versioned id, or an abs/pdf URL; raise ValueError for anything else."""
    text = _URL_PREFIX.sub("", raw.strip())
    text = text.removesuffix(".pdf")
    for pattern in (_NEW, _OLD):
        match = pattern.match(text)
        if match:
            version = int(match.group("v")) if match.group("v") else None
            if version == 0:
                break
            return ArxivId(match.group("id"), version)
    raise ValueError(f"not an arXiv identifier: {raw!r}")
