"""Refusals: an answer that asks for the paper, declines, or only says it cannot reach the paper."""

from __future__ import annotations

import re

from arxiv_digest.checks.text import SPACES, content_length, heading_lines, part_bodies
from arxiv_digest.wording import LANGUAGES

# A request for the paper, "I'm sorry, but I can't" and "as an AI model" are refusals wherever they stand: an
# analysis never needs them. A statement of inability ("我无法访问全文", "I would need the full text") can also be
# an honest caveat at the top of a real abstract analysis, so it counts only when no analysis body follows.
# The phrases are in the wording tables; every language's are checked, whatever the digest's language.
_REFUSAL_PATTERNS: tuple[tuple[str, re.Pattern[str], bool], ...] = tuple(
    (reason, re.compile(regex), anywhere)
    for wording in LANGUAGES.values() for reason, regex, anywhere in wording.refusal_patterns
)
# A text with this much content under at least three headings is an analysis that may carry a caveat, not a
# bare refusal (the seed's refusals are 60-120 characters with no heading).
REFUSAL_BODY_CHARS = 300
REFUSAL_BODY_HEADINGS = 3


def is_refusal(text: str) -> str | None:
    """Why `text` is a refusal or a request for the paper instead of an analysis, or None.

    The reason quotes the sentence, e.g. 'asks for the paper: "请提供您希望我分析的论文内容。"'. A statement
    that the paper cannot be reached is a caveat in a real analysis, but a refusal when there is no analysis
    body, or when a part says nothing else (a 7-part answer whose parts each say "我无法访问该论文的全文").
    """
    flat = SPACES.sub(" ", text)
    has_body = content_length(text) > REFUSAL_BODY_CHARS and len(heading_lines(text)) >= REFUSAL_BODY_HEADINGS
    for reason, pattern, anywhere in _REFUSAL_PATTERNS:
        if not anywhere and has_body:
            continue
        match = pattern.search(flat)
        if match:
            return f'{reason}: "{_sentence_around(flat, match.start(), match.end())}"'
    return hollow_part(text) if has_body else None


# A part whose body is no more than this once its "cannot access" sentence is gone says nothing about the paper.
HOLLOW_PART_CHARS = 60


def hollow_part(text: str) -> str | None:
    """Why an answer with headings is hollow: a part that only says the paper is unavailable, or such
    statements in two parts or more (the model pretends to answer what it could not read)."""
    caveats = [pattern for _, pattern, anywhere in _REFUSAL_PATTERNS if not anywhere]
    saying = []
    for heading, body in part_bodies(text):
        flat = SPACES.sub(" ", body)
        for pattern in caveats:
            match = pattern.search(flat)
            if match:
                sentence = _sentence_around(flat, match.start(), match.end(), limit=10_000)
                saying.append((heading, sentence, content_length(flat.replace(sentence, "")) < HOLLOW_PART_CHARS))
                break
    for heading, sentence, empty in saying:
        if empty or len(saying) >= 2:
            shown = sentence if len(sentence) <= 120 else sentence[:119] + "…"
            return f'says it cannot access the paper in part {heading[:40]!r}: "{shown}"'
    return None


def _sentence_around(text: str, start: int, end: int, limit: int = 120) -> str:
    """The sentence holding text[start:end], so a reader sees the refusal in its own words."""
    stops = "。！？!?\n"
    begin = max((text.rfind(stop, 0, start) for stop in stops), default=-1) + 1
    # An English period ends a sentence only before a space ("e.g." and URLs keep going).
    period = text.rfind(". ", 0, start)
    begin = max(begin, period + 2 if period >= 0 else 0)
    ends = [i for i in (text.find(stop, end) for stop in stops) if i >= 0]
    period_end = text.find(". ", end)
    if period_end >= 0:
        ends.append(period_end)
    finish = min(ends) + 1 if ends else len(text)
    sentence = text[begin:finish].strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"
