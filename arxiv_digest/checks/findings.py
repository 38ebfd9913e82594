"""What a check reports: a Finding, its severity, and the stable names of every check.

Check names are stable identifiers: the CLI prints them, tests pin them, quality_results stores them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["blocking", "warning"]
Language = str  # a key of arxiv_digest.wording.LANGUAGES

BLOCKING: Severity = "blocking"
WARNING: Severity = "warning"

# -- one paper's analysis --
ANALYSIS_EMPTY = "analysis_empty"
ANALYSIS_TOO_SHORT = "analysis_too_short"
ANALYSIS_TRUNCATED = "analysis_truncated"
ANALYSIS_REFUSAL = "analysis_refusal"
ANALYSIS_WRONG_LANGUAGE = "analysis_wrong_language"
ANALYSIS_MISSING_HEADINGS = "analysis_missing_headings"
ANALYSIS_UNGROUNDED_URL = "analysis_ungrounded_url"
ANALYSIS_UNAVAILABLE = "analysis_unavailable"
KEY_FINDING_NOT_IN_ABSTRACT = "key_finding_not_in_abstract"
ANALYSIS_OTHER_PAPER = "analysis_other_paper"
ANALYSIS_REPETITIVE = "analysis_repetitive"
# -- the day's summary --
SUMMARY_EMPTY = "summary_empty"
SUMMARY_REFUSAL = "summary_refusal"
SUMMARY_UNKNOWN_PAPER = "summary_unknown_paper"
SUMMARY_WRONG_DATE = "summary_wrong_date"
SUMMARY_WRONG_LANGUAGE = "summary_wrong_language"
SUMMARY_REPETITIVE = "summary_repetitive"
SUMMARY_TRUNCATED = "summary_truncated"
# -- the whole digest --
DIGEST_NOT_DATED = "digest_not_dated"
DIGEST_DATE_MISMATCH = "digest_date_mismatch"
TOC_ANCHOR_UNRESOLVED = "toc_anchor_unresolved"
TOC_MISSING_PAPER = "toc_missing_paper"
TOC_TITLE_MISMATCH = "toc_title_mismatch"
DUPLICATE_PAPER = "duplicate_paper"
PAPER_ID_MISMATCH = "paper_id_mismatch"
PUBLISHED_OUTSIDE_WINDOW = "published_outside_window"
PAPER_SECTION_MISSING = "paper_section_missing"
PAPER_LINK_WRONG = "paper_link_wrong"
REVISED_ENTRY_MALFORMED = "revised_entry_malformed"
REVISED_LISTED_AS_NEW = "revised_listed_as_new"


@dataclass(frozen=True)
class Finding:
    """One problem: `paper_id` is the versioned arXiv id, or "" for a day-level problem."""

    paper_id: str
    check: str
    severity: Severity
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
