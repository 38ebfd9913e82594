"""One parser for arXiv identifiers, new style (2601.14256v1) and old style (cs/0112017v2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEW = re.compile(r"^(?P<id>\d{4}\.\d{4,5})(?:v(?P<v>\d+))?$")
_OLD = re.compile(r"^(?P<id>[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?$")
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:export\.)?arxiv\.org/(?:abs|pdf|api)/", re.IGNORECASE)


@dataclass(frozen=True)
class ArxivId:
    base: str
    version: int | None

    @property
    def versioned(self) -> str:
        return f"{self.base}v{self.version}" if self.version else self.base

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
