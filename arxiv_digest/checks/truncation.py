"""Whether an answer looks cut off: an open code block or bold, a heading or a lead-in with no body, a
sentence that stops mid-way."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from arxiv_digest.checks.findings import BLOCKING, WARNING, Severity
from arxiv_digest.checks.text import HEADING_LINE

_TERMINAL = tuple(".!?。！？…)）]】」』”\"'`*|:：>~")
_DANGLING = (*",，、;；(（[【「『-–—/&+=", " and", " or", " the", " of", "的", "和", "与", "及")


Cut = tuple[Severity, str]
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s")


def truncation(text: str) -> Cut | None:
    """How the text looks cut off, if it does: (severity, why)."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    if sum(1 for line in lines if line.lstrip().startswith(("```", "~~~"))) % 2:
        return BLOCKING, "a code block is opened and never closed"
    # Horizontal rules and blank lines at the end are layout, not content.
    while lines and (not lines[-1].strip() or re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", lines[-1])):
        lines.pop()
    if not lines:
        return None
    last = lines[-1].strip()
    return next((cut for sign in _CUT_SIGNS if (cut := sign(last, lines[:-1]))), None)


def _bold_heading(last: str) -> bool:
    return (
        last.startswith("**") and last.endswith(("**", "**:", "**：")) and HEADING_LINE.match(last) is not None
        # "**总之，该方法前景广阔。**" is an emphasised closing sentence, not a heading.
        and not last.rstrip(":：").removesuffix("**").endswith(tuple(".!?。！？"))
    )


def _ends_with_a_heading(last: str, _earlier: Sequence[str]) -> Cut | None:
    if re.match(r"^#{1,6}\s", last) or _bold_heading(last):
        return BLOCKING, f"it ends with a heading that has no body: {last[:60]!r}"
    return None


def _open_bold(last: str, _earlier: Sequence[str]) -> Cut | None:
    if last.count("**") % 2:
        return BLOCKING, f"the last line opens bold text and never closes it: {last[-60:]!r}"
    return None


def _dangling_word(last: str, _earlier: Sequence[str]) -> Cut | None:
    if last.endswith(_DANGLING):
        return BLOCKING, f"it ends mid-sentence: {last[-60:]!r}"
    return None


def _lead_in_to_nothing(last: str, _earlier: Sequence[str]) -> Cut | None:
    if last.endswith(("：", ":")) and not HEADING_LINE.match(last):
        return BLOCKING, f"it ends with a lead-in to nothing: {last[-60:]!r}"
    return None


def _stops_unlike_its_other_lines(last: str, earlier: Sequence[str]) -> Cut | None:
    list_item = _LIST_ITEM.match(last) is not None
    # A bulleted noun phrase ("*   **核心思想**：INR 超网络") is a style; a bulleted sentence of several clauses
    # that stops without punctuation was cut.
    unfinished_item = list_item and re.search(r"[，,；;、]", re.sub(r"^.*?\*\*[:：]?", "", last))
    if (not last.endswith(_TERMINAL) and "|" not in last and (not list_item or unfinished_item)
            and _ends_its_lines(earlier)):
        # The answer ends its other lines with punctuation, this one not: it was cut, whatever the server said.
        return BLOCKING, f"it stops mid-sentence: {last[-60:]!r}"
    return None


def _unpunctuated(last: str, _earlier: Sequence[str]) -> Cut | None:
    if not last.endswith(_TERMINAL) and not _LIST_ITEM.match(last) and "|" not in last:
        return WARNING, f"the last sentence has no closing punctuation: {last[-60:]!r}"
    return None


# The signs of a cut answer on its last line (and the lines before it), in the order they are reported.
_CUT_SIGNS: tuple[Callable[[str, Sequence[str]], Cut | None], ...] = (
    _ends_with_a_heading, _open_bold, _dangling_word, _lead_in_to_nothing, _stops_unlike_its_other_lines,
    _unpunctuated,
)


# Share of an answer's own body lines that end with closing punctuation from which an unpunctuated last line is
# taken as cut off: a model that ends its points with "。" ends its last one so too.
PUNCTUATED_SHARE = 0.8
MIN_BODY_LINES = 5


def _ends_its_lines(lines: Sequence[str]) -> bool:
    body = [line.strip() for line in lines if len(line.strip()) >= 15 and not HEADING_LINE.match(line)
            and "|" not in line and not line.strip().startswith(("```", "~~~", ">"))]
    if len(body) < MIN_BODY_LINES:
        return False
    return sum(line.endswith(_TERMINAL) for line in body) / len(body) >= PUNCTUATED_SHARE
