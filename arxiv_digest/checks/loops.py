"""Loops: a block an answer says three times in a row."""

from __future__ import annotations

import re

# A block said three times in a row is a loop, wherever it stands and whatever its period: a line or paragraph
# repeated verbatim, or a phrase looping inside one line. Short repeats (table rules, "—" cells) stay below
# the minimum span.
LOOP_REPEATS = 3
MIN_LOOP_CHARS = 120
_LOOP_IN_LINE = re.compile(r"(.{20,600}?)\1{2,}", re.DOTALL)


def repeated_block(text: str) -> str | None:
    """The start of a block the text repeats three times in a row (at least MIN_LOOP_CHARS in all), or None."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    n = len(lines)
    for period in range(1, n // LOOP_REPEATS + 1):
        for start in range(0, n - LOOP_REPEATS * period + 1):
            block = lines[start:start + period]
            if sum(len(line) for line in block) * LOOP_REPEATS < MIN_LOOP_CHARS:
                continue
            if all(lines[start + k * period:start + (k + 1) * period] == block for k in range(1, LOOP_REPEATS)):
                return " / ".join(block)[:80]
    for line in lines:
        if len(line) >= MIN_LOOP_CHARS:
            match = _LOOP_IN_LINE.search(line)
            if match and len(match.group(0)) >= MIN_LOOP_CHARS:
                return match.group(1)[:80]
    return None
