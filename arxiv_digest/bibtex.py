"""A reference manager's BibTeX export (Zotero, Mendeley) read into the papers a reader likes, and the reader's
library written as BibTeX (`arxiv-digest library export`).

What ranking needs of each entry: title, abstract, authors and, when the entry says it, the arXiv id (Zotero
writes `eprint`/`archiveprefix` or an arxiv.org URL; Mendeley `arxivid`, `eprint` or a 10.48550 DOI).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser import middlewares

from arxiv_digest.errors import DigestError
from arxiv_digest.ids import ARXIV_ID
from schemas.records import Paper

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


# LaTeX's special characters as text. Braces become commands, not \{ \}: BibTeX counts every brace, escaped or
# not, so a title with one "{" would otherwise swallow the rest of the file.
_LATEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&",
          "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}"}
_KEY_WORD = re.compile(r"[a-z0-9]+")


def bibtex_text(text: str) -> str:
    """Untrusted text as a BibTeX field's content: one line, every LaTeX special character escaped."""
    return "".join(_LATEX.get(char, char) for char in " ".join(text.split()))


def _key_part(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(_KEY_WORD.findall(plain))


def _citation_key(paper: Paper, taken: set[str]) -> str:
    """kerbl2023gaussian: first author's last name, year, first long title word; a letter added when taken."""
    last = _key_part(paper.authors[0].split()[-1]) if paper.authors and paper.authors[0].split() else ""
    word = next((w for w in (_key_part(w) for w in paper.title.split()) if len(w) > 3), "")
    base = f"{last or 'arxiv'}{paper.published.year}{word}"
    key, suffix = base, ord("a")
    while key in taken:
        key, suffix = f"{base}{chr(suffix)}", suffix + 1
    taken.add(key)
    return key


def library_bibtex(papers: Sequence[Paper]) -> str:
    """The papers as BibTeX @misc entries with arXiv's eprint fields (eprint, archivePrefix, primaryClass), in
    the order given; every field escaped, so any title or author list gives a file BibTeX and biber read."""
    taken: set[str] = set()
    entries = []
    for paper in papers:
        fields = [("title", bibtex_text(paper.title)),
                  ("author", " and ".join(bibtex_text(name) for name in paper.authors)),
                  ("year", str(paper.published.year)),
                  ("eprint", paper.arxiv_id), ("archivePrefix", "arXiv"),
                  ("primaryClass", bibtex_text(paper.primary_category)),
                  ("url", f"https://arxiv.org/abs/{paper.versioned_id}"),
                  ("doi", bibtex_text(paper.doi or "")),
                  ("journal", bibtex_text(paper.journal_ref or "")),
                  ("note", bibtex_text(f"{paper.versioned_id}" + (f"; {paper.comment}" if paper.comment else ""))),
                  ("abstract", bibtex_text(paper.abstract))]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@misc{{{_citation_key(paper, taken)},\n{body}\n}}\n")
    return "\n".join(entries)
