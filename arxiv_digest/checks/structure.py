"""The shape of an analysis: method or abstract structure, its required headings, and our own labels."""
from __future__ import annotations

import re
from collections.abc import Sequence

from arxiv_digest.checks.findings import Language
from arxiv_digest.checks.text import heading_lines
from arxiv_digest.wording import LANGUAGES, wording_for
from schemas.records import AnalysisKind

# How the digest marks an analysis the gate withheld or the step could not write; the publisher writes these.
WITHHELD_PREFIX = "> Analysis withheld:"
UNAVAILABLE_PREFIX = "> Analysis unavailable:"
# Labels our own analyzers put on the first lines; the analysis quotes the paper verbatim, so its language is
# the paper's and that is intended.
# Any language's label counts: a digest's language is judged separately.
_EXTRACTIVE_LABEL = re.compile("|".join(re.escape(w.extractive_analysis_marker) for w in LANGUAGES.values()))
_ABSTRACT_ONLY_LABEL = re.compile(
    r"^\*?(?:" + "|".join(re.escape(w.abstract_only_marker) for w in LANGUAGES.values()) + ")", re.MULTILINE)
# Our extractive summary quotes titles and abstract sentences verbatim, so its language is partly the papers'.
_EXTRACTIVE_SUMMARY_LABEL = re.compile("|".join(re.escape(w.extractive_summary_marker) for w in LANGUAGES.values()))


def quotes_the_paper(text: str) -> bool:
    """True for our extractive analyses, which quote the paper verbatim: their language is the paper's."""
    return bool(_EXTRACTIVE_LABEL.search(text))


def summary_quotes_the_papers(text: str) -> bool:
    """True for our extractive summary, which quotes titles and abstract sentences verbatim."""
    return bool(_EXTRACTIVE_SUMMARY_LABEL.search(text))


def _present_parts(text: str, parts: Sequence[tuple[str, str]]) -> list[str]:
    headings = "\n".join(heading_lines(text))
    return [name for name, pattern in parts if re.search(pattern, headings, re.IGNORECASE)]


def infer_kind(text: str, language: Language) -> AnalysisKind | None:
    """method, abstract or withheld from the text's shape; None when it has neither structure."""
    stripped = text.strip()
    if stripped.startswith(WITHHELD_PREFIX):
        return "withheld"
    wording = wording_for(language)
    method = len(_present_parts(text, wording.method_heading_patterns))
    abstract = len(_present_parts(text, wording.abstract_heading_patterns))
    if _ABSTRACT_ONLY_LABEL.search(text) or (abstract >= 3 and abstract > method):
        return "abstract"
    if method >= 3:
        return "method"
    return None


def missing_headings(text: str, kind: AnalysisKind, language: Language) -> list[str]:
    wording = wording_for(language)
    parts = wording.method_heading_patterns if kind == "method" else wording.abstract_heading_patterns
    present = set(_present_parts(text, parts))
    return [name for name, _ in parts if name not in present]
