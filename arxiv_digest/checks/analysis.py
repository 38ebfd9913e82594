"""The checks of one paper's analysis and of its key findings."""

from __future__ import annotations

import re
from collections.abc import Sequence

from arxiv_digest.checks.evidence import about_another_paper
from arxiv_digest.checks.findings import (
    ANALYSIS_EMPTY,
    ANALYSIS_MISSING_HEADINGS,
    ANALYSIS_OTHER_PAPER,
    ANALYSIS_REFUSAL,
    ANALYSIS_REPETITIVE,
    ANALYSIS_TOO_SHORT,
    ANALYSIS_TRUNCATED,
    ANALYSIS_UNAVAILABLE,
    BLOCKING,
    KEY_FINDING_NOT_IN_ABSTRACT,
    WARNING,
    Finding,
    Language,
)
from arxiv_digest.checks.language import check_language
from arxiv_digest.checks.links import check_urls
from arxiv_digest.checks.loops import LOOP_REPEATS, repeated_block
from arxiv_digest.checks.refusals import is_refusal
from arxiv_digest.checks.structure import (
    UNAVAILABLE_PREFIX,
    WITHHELD_PREFIX,
    infer_kind,
    missing_headings,
    quotes_the_paper,
)
from arxiv_digest.checks.text import content_length, normalize_text
from arxiv_digest.checks.truncation import truncation
from arxiv_digest.wording import wording_for
from schemas.records import AnalysisKind


def check_analysis(
    paper_id: str,
    analysis_text: str,
    *,
    abstract: str,
    paper_urls: set[str] | None = None,
    language: Language,
    kind: AnalysisKind | None = None,
    title: str = "",
    context: str = "",
) -> list[Finding]:
    """All checks of one analysis text (the markdown content, or the digest's notice line).

    With the paper's `title`, a model-written answer must also be about that paper (its names and title words;
    `context` is the text of the sections the model read).

    A withheld notice is valid by design. An empty text or a refusal is reported alone: its missing headings
    and short length are consequences, not further problems. URL grounding always runs, because an invented
    link is wrong whatever else is.
    """
    text = analysis_text.strip()
    notice = _notice_findings(paper_id, text, kind)
    if notice is not None:
        return notice
    urls = check_urls(paper_id, text, abstract=abstract, paper_urls=paper_urls)
    refusal = is_refusal(text)
    if refusal:
        return [Finding(paper_id, ANALYSIS_REFUSAL, BLOCKING, refusal), *urls]
    # An extractive analysis quotes the paper: its length is the abstract's and its language the paper's, so
    # only its structure and links are judged.
    model_written = not quotes_the_paper(text)
    findings = _too_short(paper_id, text, language) if model_written else []
    findings += _cut_or_looping(paper_id, text)
    if model_written:
        findings += check_language(paper_id, text, language)
        other = about_another_paper(text, title, abstract, context) if title else None
        if other:
            findings.append(Finding(paper_id, ANALYSIS_OTHER_PAPER, BLOCKING, other))
    return findings + _structure_findings(paper_id, text, kind, language) + urls


def _notice_findings(paper_id: str, text: str, kind: AnalysisKind | None) -> list[Finding] | None:
    """The findings of an empty text or a notice line (withheld: none), or None for an analysis to check."""
    if not text:
        return [Finding(paper_id, ANALYSIS_EMPTY, BLOCKING, "the analysis is empty")]
    if text.startswith(WITHHELD_PREFIX) or kind == AnalysisKind.WITHHELD:
        return []
    if text.startswith(UNAVAILABLE_PREFIX):
        return [Finding(paper_id, ANALYSIS_UNAVAILABLE, WARNING,
                        text.removeprefix(UNAVAILABLE_PREFIX).strip()[:200] or "the analysis step failed")]
    return None


def _too_short(paper_id: str, text: str, language: Language) -> list[Finding]:
    length = content_length(text)
    minimum = wording_for(language).min_analysis_chars
    if length < minimum:
        return [Finding(paper_id, ANALYSIS_TOO_SHORT, BLOCKING,
                        f"{length} content characters; at least {minimum} expected for {language}")]
    return []


def _cut_or_looping(paper_id: str, text: str) -> list[Finding]:
    findings = []
    cut = truncation(text)
    if cut:
        findings.append(Finding(paper_id, ANALYSIS_TRUNCATED, cut[0], cut[1]))
    loop = repeated_block(text)
    if loop:
        findings.append(Finding(paper_id, ANALYSIS_REPETITIVE, BLOCKING,
                                f"a block is repeated {LOOP_REPEATS} times or more: {loop!r}"))
    return findings


def _structure_findings(paper_id: str, text: str, kind: AnalysisKind | None, language: Language) -> list[Finding]:
    structure = kind or infer_kind(text, language)
    if structure is None:
        return [Finding(paper_id, ANALYSIS_MISSING_HEADINGS, BLOCKING,
                        "neither the 7-part method analysis nor the 5-point abstract analysis")]
    if structure in ("method", "abstract"):
        missing = missing_headings(text, structure, language)
        if missing:
            return [Finding(paper_id, ANALYSIS_MISSING_HEADINGS, BLOCKING,
                            f"{structure} analysis lacks: {', '.join(missing)}")]
    return []


MIN_FINDING_CHARS = 20
_NOTE = re.compile(r"^[(（].*[)）]$", re.DOTALL)


def check_key_findings(paper_id: str, findings: Sequence[str], abstract: str) -> list[Finding]:
    """Each key finding must be a sentence of the abstract (quoted verbatim, whitespace and escaping aside).

    A parenthesised line is our publisher's note for an abstract without a result sentence, not a finding.
    """
    haystack = normalize_text(abstract)
    problems = []
    for finding in findings:
        stripped = finding.strip()
        if not stripped or _NOTE.match(stripped):
            continue
        needle = normalize_text(stripped)
        if len(needle) < MIN_FINDING_CHARS:
            problems.append(Finding(paper_id, KEY_FINDING_NOT_IN_ABSTRACT, BLOCKING,
                                    f"too short to be a sentence of the abstract: {stripped!r}"))
        elif needle not in haystack and needle.rstrip(".") not in haystack:
            problems.append(Finding(paper_id, KEY_FINDING_NOT_IN_ABSTRACT, BLOCKING,
                                    f"not a sentence of the abstract: {stripped[:120]!r}"))
    return problems
