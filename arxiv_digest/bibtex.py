"""A reference manager's BibTeX export (Zotero, Mendeley) read into the papers a reader likes.

What ranking needs of each entry: title, abstract, authors and, when the entry says it, the arXiv id (Zotero
writes `eprint`/`archiveprefix` or an arxiv.org URL; Mendeley `arxivid`, `eprint` or a 10.48550 DOI).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares

from arxiv_digest.errors import DigestError
from arxiv_digest.ids import ARXIV_ID

log = logging.getLogger(__name__)

_ARXIV_IN_TEXT = re.compile(rf"(?:arxiv\.org/(?:abs|pdf)/|arxiv[.:]\s*|10\.48550/arxiv\.)({ARXIV_ID})",
                            re.IGNORECASE)
_BARE_ID = re.compile(rf"^\s*(?:arxiv:)?({ARXIV_ID})(?:v\d+)?\s*$", re.IGNORECASE)
_BRACES = re.compile(r"[{}]")


class BibtexError(DigestError):
    """The BibTeX file cannot be read or holds no usable entry."""


@dataclass(frozen=True)
class LikedPaper:
    key: str  # the citation key, or the arXiv id of a paper liked by id
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    arxiv_id: str = ""  # without version, when known

    @property
    def label(self) -> str:
        """How a ranking reason names it: the arXiv id when known, else the citation key."""
        return self.arxiv_id or self.key


def _clean(text: str) -> str:
    return " ".join(_BRACES.sub("", text).split())


def _arxiv_id(fields: dict[str, str]) -> str:
    for name in ("eprint", "arxivid", "arxiv"):
        if (match := _BARE_ID.match(fields.get(name, ""))):
            return match.group(1)
    for name in ("url", "doi", "journal", "note", "howpublished", "eprint"):
        if (match := _ARXIV_IN_TEXT.search(fields.get(name, ""))):
            return match.group(1)
    return ""


def _author_name(raw: str) -> str:
    """'Last, First' (how exports write names) as 'First Last'."""
    name = _clean(raw)
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}"
    return " ".join(name.split())


def parse_bibtex(text: str, source: str = "BibTeX") -> list[LikedPaper]:
    """The entries with a title; entries the parser could not read are logged and skipped."""
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()]
    )
    for block in library.failed_blocks:
        log.warning("%s: skipped an unreadable entry at line %s", source, getattr(block, "start_line", "?"))
    papers = []
    for entry in library.entries:
        fields = {field.key.lower(): field.value for field in entry.fields}
        title = _clean(str(fields.get("title", "")))
        if not title:
            log.warning("%s: entry %s has no title; skipped", source, entry.key)
            continue
        raw_authors = fields.get("author", [])
        authors = raw_authors if isinstance(raw_authors, list) else [raw_authors]
        plain = {name: str(value) for name, value in fields.items() if isinstance(value, str)}
        papers.append(LikedPaper(
            key=entry.key,
            title=title,
            abstract=_clean(plain.get("abstract", "")),
            authors=tuple(_author_name(a) for a in authors if _clean(a)),
            arxiv_id=_arxiv_id(plain),
        ))
    if not papers:
        failed = f" ({len(library.failed_blocks)} unreadable)" if library.failed_blocks else ""
        raise BibtexError(f"{source} holds no entry with a title{failed}")
    return papers


def read_bibtex_file(path: Path) -> list[LikedPaper]:
    if not path.is_file():
        raise BibtexError(f"{path} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BibtexError(f"{path} cannot be read as UTF-8 text: {exc}") from exc
    return parse_bibtex(text, str(path))


def liked_texts(papers: Sequence[LikedPaper]) -> list[str]:
    return [f"{paper.title}. {paper.abstract}" for paper in papers]
