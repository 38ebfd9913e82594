"""Whether an answer looks cut off: an open code block or bold, a heading or a lead-in with no body, a
sentence that stops mid-way."""

from __future__ import annotations

import re
from collections.abc import Sequence

from arxiv_digest.checks.findings import BLOCKING, WARNING, Severity
from arxiv_digest.checks.text import HEADING_LINE

_TERMINAL = tuple(".!?。！？…)）]】」』”\"'`*|:：>~")
_DANGLING = (*",，、;；(（[【「『-–—/&+=", " and", " or", " the", " of", "的", "和", "与", "及")


def truncation(text: str) -> tuple[Severity, str] | None:
    """How the text looks cut off, if it does: (severity, why)."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    fences = sum(1 for line in lines if line.lstrip().startswith(("```", "~~~")))
    if fences % 2:
        return BLOCKING, "a code block is opened and never closed"
    # Horizontal rules and blank lines at the end are layout, not content.
    while lines and (not lines[-1].strip() or re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", lines[-1])):
        lines.pop()
    if not lines:
        return None
    last = lines[-1].strip()
    bold_heading = (
        last.startswith("**") and last.endswith(("**", "**:", "**：")) and HEADING_LINE.match(last) is not None
        # "**总之，该方法前景广阔。**" is an emphasised closing sentence, not a heading.
        and not last.rstrip(":：").removesuffix("**").endswith(tuple(".!?。！？"))
    )
    if re.match(r"^#{1,6}\s", last) or bold_heading:
        return BLOCKING, f"it ends with a heading that has no body: {last[:60]!r}"
    if last.count("**") % 2:
        return BLOCKING, f"the last line opens bold text and never closes it: {last[-60:]!r}"
    if last.endswith(_DANGLING):
        return BLOCKING, f"it ends mid-sentence: {last[-60:]!r}"
    if last.endswith(("：", ":")) and not HEADING_LINE.match(last):
        return BLOCKING, f"it ends with a lead-in to nothing: {last[-60:]!r}"
    list_item = re.match(r"^\s*([-*+]|\d+[.)])\s", last) is not None
    # A bulleted noun phrase ("*   **核心思想**：INR 超网络") is a style; a bulleted sentence of several clauses
    # that stops without punctuation was cut.
    unfinished_item = list_item and re.search(r"[，,；;、]", re.sub(r"^.*?\*\*[:：]?", "", last))
    if (not last.endswith(_TERMINAL) and "|" not in last and (not list_item or unfinished_item)
            and _ends_its_lines(lines[:-1])):
        # The answer ends its other lines with punctuation, this one not: it was cut, whatever the server said.
        return BLOCKING, f"it stops mid-sentence: {last[-60:]!r}"
    if not last.endswith(_TERMINAL) and not re.match(r"^\s*([-*+]|\d+[.)])\s", last) and "|" not in last:
        return WARNING, f"the last sentence has no closing punctuation: {last[-60:]!r}"
    return None


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
