"""The checks of the day's executive summary: present, not a refusal, the day's papers and dates only."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import date, timedelta

from arxiv_digest.checks.findings import (
    BLOCKING,
    SUMMARY_EMPTY,
    SUMMARY_REFUSAL,
    SUMMARY_REPETITIVE,
    SUMMARY_TRUNCATED,
    SUMMARY_UNKNOWN_PAPER,
    SUMMARY_WRONG_DATE,
    SUMMARY_WRONG_LANGUAGE,
    WARNING,
    Finding,
    Language,
)
from arxiv_digest.checks.language import check_language
from arxiv_digest.checks.loops import LOOP_REPEATS, repeated_block
from arxiv_digest.checks.refusals import is_refusal
from arxiv_digest.checks.structure import summary_quotes_the_papers
from arxiv_digest.checks.text import CJK, LATIN, content_length, title_key
from arxiv_digest.checks.truncation import truncation

_QUOTED = re.compile(r"“([^”\n]{2,300})”|\"([^\"\n]{2,300})\"|《([^》\n]{2,300})》|「([^」\n]{2,300})」")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH_NAMES = "|".join([*_MONTHS, *(m[:3] for m in _MONTHS), "sept"])
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "ymd"),
    (re.compile(rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE), "mdy"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_NAMES})\.?,?\s+(\d{{4}})\b", re.IGNORECASE), "dmy"),
)


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return _MONTHS.get(name) or next(i for m, i in _MONTHS.items() if m.startswith(name[:3]))


def dates_in_text(text: str) -> list[tuple[str, date | None]]:
    """(as written, date) for every full date in the text; the date is None when it does not exist."""
    found = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            a, b, c = match.groups()
            try:
                if order == "ymd":
                    value = date(int(a), int(b), int(c))
                elif order == "mdy":
                    value = date(int(c), _month(a), int(b))
                else:
                    value = date(int(c), _month(b), int(a))
            except ValueError:
                found.append((match.group(0), None))
                continue
            found.append((match.group(0), value))
    return found


# A quoted phrase is taken as a paper reference when it looks like a name: Latin letters and a capital or digit
# ("VideoMaMa", "Copy-Trasform-Paste"). Chinese quoted concepts (“零样本”) and lower-case terms are not names.
_NAME_LIKE = re.compile(r"[A-Z0-9]")
FUZZY_TITLE_RATIO = 0.85


def _matches_a_title(quote: str, titles: Sequence[str], known_texts: Sequence[str]) -> bool:
    key = title_key(quote)
    if not key:
        return True
    for title in titles:
        known = title_key(title)
        if key in known:
            return True
        # A typo in the quote: compare with the title's window of the same length.
        window = known[: len(key)]
        if difflib.SequenceMatcher(None, key, window).ratio() >= FUZZY_TITLE_RATIO:
            return True
        if difflib.SequenceMatcher(None, key, known).ratio() >= FUZZY_TITLE_RATIO:
            return True
    # A method name or phrase from one of the day's abstracts is about that day's paper.
    return any(key in title_key(text) for text in known_texts)


def quoted_names(text: str) -> list[str]:
    names = []
    for match in _QUOTED.finditer(text):
        quote = next(group for group in match.groups() if group is not None).strip().strip("*").strip()
        if LATIN.search(quote) and _NAME_LIKE.search(quote) and not CJK.search(quote):
            names.append(quote)
    return list(dict.fromkeys(names))


def check_summary(
    summary_text: str,
    *,
    digest_date: date,
    paper_titles: Sequence[str],
    language: Language,
    paper_texts: Sequence[str] = (),
) -> list[Finding]:
    """The executive summary: present, not a refusal, names only the day's papers, dates of its announcement.

    The digest of day D is arXiv's announcement of the evening of D-1, so "digest of D" and "announced on D-1"
    are right; any other full date is wrong. `paper_texts` (the day's
    abstracts) lets quoted method names count as references to the day's papers.
    """
    text = summary_text.strip()
    if not text or content_length(text) < 10:
        return [Finding("", SUMMARY_EMPTY, BLOCKING, "the executive summary is empty")]
    findings: list[Finding] = []
    refusal = is_refusal(text)
    if refusal:
        findings.append(Finding("", SUMMARY_REFUSAL, BLOCKING, refusal))
    allowed = {digest_date, digest_date - timedelta(days=1)}
    quoted_material = "\n".join([*paper_titles, *paper_texts])
    for written, value in dates_in_text(text):
        # A date quoted from a paper's own title or abstract is the paper's business, not the summary's claim.
        if value not in allowed and written not in quoted_material:
            findings.append(Finding(
                "", SUMMARY_WRONG_DATE, BLOCKING,
                f"{written!r} is neither the digest date {digest_date} nor its announcement evening "
                f"{digest_date - timedelta(days=1)}"))
    for name in quoted_names(text):
        if not _matches_a_title(name, paper_titles, paper_texts):
            findings.append(Finding("", SUMMARY_UNKNOWN_PAPER, BLOCKING,
                                    f"names {name!r}, which is not a paper of this day"))
    cut = truncation(text)
    if cut and cut[0] == BLOCKING:
        findings.append(Finding("", SUMMARY_TRUNCATED, BLOCKING, cut[1]))
    loop = repeated_block(text)
    if loop:
        findings.append(Finding("", SUMMARY_REPETITIVE, BLOCKING,
                                f"a block is repeated {LOOP_REPEATS} times or more: {loop!r}"))
    if paper_titles and content_length(text) < 80:
        findings.append(Finding("", SUMMARY_EMPTY, WARNING, f"{len(paper_titles)} papers but the summary is "
                                f"only {content_length(text)} characters"))
    if not refusal and not summary_quotes_the_papers(text):
        findings += check_language("", text, language, check=SUMMARY_WRONG_LANGUAGE)
    return findings
