"""Text primitives every check shares: Markdown unescaping, comparable forms of prose, headings and parts.

Pure functions over strings; the checks, the digest parser, the analyzer and the summary all read text this way.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Letters of the two scripts a digest's language is judged by.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`\]\[（）()，。、；]+(?:\([^\s()]*\)[^\s<>\"'`\]\[（）()，。、；]*)*",
                  re.IGNORECASE)
MARKDOWN_LINK = re.compile(r"\[(?:\\.|[^\]\\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SPACES = re.compile(r"\s+")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
# Lines that act as headings: markdown headings, whole-line bold text, numbered bold items.
HEADING_LINE = re.compile(
    r"^\s{0,3}(?:#{1,6}\s+.+|\*\*[^*\n].*?\*\*\s*[:：]?\s*$|__[^_\n].*?__\s*$|\d+[.、)]\s*\*\*.+?\*\*.*$)"
)


def unescape_markdown(text: str) -> str:
    """Undo the escaping our publisher applies to arXiv text (backslashes, HTML entities)."""
    return html.unescape(_MD_ESCAPE.sub(r"\1", text))


def normalize_text(text: str) -> str:
    """Comparable form of prose: NFKC, unescaped, one space, straight quotes and dashes, lower case."""
    text = unicodedata.normalize("NFKC", unescape_markdown(text))
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "‐": "-"}))
    return SPACES.sub(" ", text).strip().lower()


def title_key(text: str) -> str:
    """What two spellings of one title share: lower case, letters, digits and CJK only, single spaces."""
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", " ", normalize_text(text)).strip()


def content_length(text: str) -> int:
    """Characters that carry content: no whitespace, no markdown markers."""
    return len(re.sub(r"[\s#*_>`|\-]", "", text))


def heading_lines(text: str) -> list[str]:
    """Lines that act as headings: markdown headings, whole-line bold text, numbered bold items."""
    return [line.strip() for line in text.splitlines() if HEADING_LINE.match(line)]


def part_bodies(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each heading of the text, in order (text before the first heading is left out)."""
    parts: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if HEADING_LINE.match(line):
            parts.append((line.strip(), []))
        elif parts:
            parts[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in parts]
