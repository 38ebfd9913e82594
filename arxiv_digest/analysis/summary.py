"""The executive summary of the day, built from that day's papers and analyses only.

It names papers only by their exact titles and states both dates: the digest date D and the submission
date D-1 of the papers it covers. With a model configured, the model writes it from the analyses and its answer
is validated (no refusal, the right language, only the day's exact titles, only the dates D and D-1) and asked
once more with the failure named; otherwise, or when both answers fail, the extractive summary is used. The
stored summary is keyed by the prompt's hash, which covers the template, the model and every analysis of the
day, so a rerun of an unchanged day makes no call. An empty day gets a one-line summary and no call.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from datetime import date

from arxiv_digest.analysis.analyzer import (
    AttemptRecord,
    ask_validated,
    cut_answer_problems,
    record_failed_calls,
    truncation_limit,
)
from arxiv_digest.analysis.answers import Normalised, normalise_summary
from arxiv_digest.analysis.extractive import key_findings
from arxiv_digest.analysis.key_phrases import Theme, day_themes
from arxiv_digest.analysis.model import ChatModel, Completion, ModelCallFailed, PromptTooLong
from arxiv_digest.analysis.prompting import Message, Prompt, SummaryEntry, build_summary_prompt
from arxiv_digest.catalog.announcements import announcement_evening
from arxiv_digest.checks.findings import BLOCKING, SUMMARY_UNKNOWN_PAPER
from arxiv_digest.checks.summary import check_summary, quoted_names
from arxiv_digest.checks.text import title_key
from arxiv_digest.wording import Wording, wording_for
from schemas.records import Analysis, AnalysisKind, Paper

log = logging.getLogger(__name__)

SUMMARY_VERSION = "summary-extractive-v2"

CATEGORY_NAMES = {
    "cs.CV": "Computer Vision",
    "cs.LG": "Machine Learning",
    "cs.CL": "Computation and Language",
    "cs.AI": "Artificial Intelligence",
    "cs.RO": "Robotics",
    "cs.GR": "Graphics",
    "cs.HC": "Human-Computer Interaction",
    "stat.ML": "Machine Learning (Statistics)",
    "eess.IV": "Image and Video Processing",
}

# "We propose OmniTransfer", "We introduce Sparse Token Routing (STR)": a name with two capitals, or words in
# title case that an acronym in parentheses follows.
_NAMED_METHOD = re.compile(
    r"\b[Ww]e (?:propose|introduce|present)\s+((?:[A-Z][\w-]*\s+){1,5}\([A-Z][\w-]*\)|[A-Z][\w-]*[A-Z][\w-]*)")


def category_name(category: str) -> str:
    return CATEGORY_NAMES.get(category, category)


def named_methods(paper: Paper) -> list[str]:
    return list(dict.fromkeys(_NAMED_METHOD.findall(paper.abstract)))


def read_count(papers: int) -> int:
    """How many papers "read in full" recommends: about a third of the day, at least one, at most five."""
    return min(5, max(1, round(papers / 3))) if papers else 0


def _has_code(paper: Paper) -> bool:
    return "github.com" in paper.abstract or "github.io" in paper.abstract


def _read_score(paper: Paper, analysis: Analysis | None, paper_themes: Sequence[Theme]) -> int:
    # Central first: a theme shared by several papers weighs more than a paper's own topic.
    score = sum(2 if len(theme.paper_ids) >= 2 else 1 for theme in paper_themes)
    if analysis is not None and analysis.kind == "method":
        score += 2
    if _has_code(paper):
        score += 1
    return score + min(2, len(key_findings(paper.abstract)))


def recommended_reads(papers: Sequence[Paper], analyses: dict[str, Analysis],
                      day_themes_: Sequence[Theme]) -> list[tuple[Paper, list[Theme]]]:
    """The papers worth reading in full (see `read_count`), most central to the day first, ties by id."""
    def themes_of(paper: Paper) -> list[Theme]:
        return [t for t in day_themes_ if paper.versioned_id in t.paper_ids]

    ranked = sorted(papers, key=lambda p: (-_read_score(p, analyses.get(p.versioned_id), themes_of(p)),
                                           p.versioned_id))
    return [(paper, themes_of(paper)) for paper in ranked[:read_count(len(papers))]]


def extractive_summary(
    digest_day: date, category: str, papers: Sequence[Paper], analyses: dict[str, Analysis], language: str
) -> str:
    submitted = announcement_evening(digest_day)
    name = category_name(category)
    wording = wording_for(language)
    if not papers:
        return wording.empty_day_summary.format(submitted=submitted.isoformat(), category=category,
                                                day=digest_day.isoformat())
    full_text = sum(1 for p in papers if (a := analyses.get(p.versioned_id)) and a.kind == "method")
    top_themes = day_themes(papers)
    reads = recommended_reads(papers, analyses, top_themes)
    ranked = sorted(papers, key=lambda p: (-_read_score(p, analyses.get(p.versioned_id), [
        t for t in top_themes if p.versioned_id in t.paper_ids]), p.versioned_id))
    lines: list[str] = [
        wording.extractive_summary_label,
        "",
        wording.summary_title.format(day=digest_day.isoformat(), name=name, submitted=submitted.isoformat()),
        "",
        wording.summary_counts.format(total=len(papers), full_text=full_text, abstract_only=len(papers) - full_text),
        "",
        wording.themes_heading,
        "",
    ]
    lines += [wording.theme_line.format(term=theme.phrase, count=len(theme.paper_ids),
                                        papers=wording.list_separator.join(theme.paper_ids))
              for theme in top_themes] or [wording.no_themes]
    lines += ["", wording.highlights_heading, ""]
    for paper in ranked[:4]:
        finding = key_findings(paper.abstract, limit=1)
        lines.append(wording.highlight_line.format(title=paper.title,
                                                   finding=finding[0] if finding else paper.abstract[:200]))
    methods = [(m, p) for p in papers for m in named_methods(p)]
    lines += ["", wording.methods_heading, ""]
    lines += [wording.method_line.format(method=m, title=p.title) for m, p in methods[:5]] or [wording.no_methods]
    lines += ["", wording.reads_heading, ""]
    lines += [wording.read_line.format(
        number=number, title=paper.title,
        reasons=wording.list_separator.join(_read_reasons(paper, analyses.get(paper.versioned_id), paper_themes,
                                                          wording)) or wording.read_reason_default)
        for number, (paper, paper_themes) in enumerate(reads, start=1)]
    return "\n".join(lines).strip() + "\n"


def _read_reasons(paper: Paper, analysis: Analysis | None, paper_themes: Sequence[Theme],
                  wording: Wording) -> list[str]:
    """Why a recommended read is worth reading: its themes, its full-text analysis, its code, its results."""
    reasons = []
    if paper_themes:
        reasons.append(wording.read_reason_themes.format(
            themes=wording.list_separator.join(t.phrase for t in paper_themes[:3])))
    if analysis is not None and analysis.kind == "method":
        reasons.append(wording.read_reason_full_text)
    if _has_code(paper):
        reasons.append(wording.read_reason_code)
    if key_findings(paper.abstract):
        reasons.append(wording.read_reason_results)
    return reasons


def summary_fingerprint(papers: Sequence[Paper], analyses: dict[str, Analysis]) -> str:
    digest = hashlib.sha256(SUMMARY_VERSION.encode())
    for paper in papers:
        analysis = analyses.get(paper.versioned_id)
        digest.update(f"{paper.versioned_id}|{paper.title}|{analysis.prompt_hash if analysis else '-'}".encode())
    return f"{SUMMARY_VERSION}:{digest.hexdigest()[:16]}"


# -- the model's summary -----------------------------------------------------------------------------------

# Summary calls are recorded with the analysis attempts, so `run`'s calls/tokens/cost line counts them.
SUMMARY_ATTEMPT_VERSION = 0
_SECTION_SEVEN = re.compile(r"^#{1,6}\s*7[.、)]?\s*[^\n]*\n(.*)", re.MULTILINE | re.DOTALL)
_LABEL_LINE = re.compile(r"^\*[^*\n].*\*\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
EXCERPT_CHARS = 1200


def summary_attempt_id(digest_day: date, category: str) -> str:
    return f"summary/{category}/{digest_day.isoformat()}"


def analysis_excerpt(analysis: Analysis | None) -> str:
    """What the summary prompt quotes of an analysis: its closing summary part, else its opening."""
    if analysis is None or analysis.kind == AnalysisKind.WITHHELD or not analysis.content.strip():
        return ""
    content = analysis.content
    match = _SECTION_SEVEN.search(content)
    body = match.group(1) if match else content
    lines = [_LIST_MARKER.sub("", line).replace("**", "") for line in body.splitlines()
             if line.strip() and not _LABEL_LINE.match(line.strip()) and not line.lstrip().startswith("#")]
    return re.sub(r"\s+", " ", " ".join(lines))[:EXCERPT_CHARS].strip()


def summary_entries(papers: Sequence[Paper], analyses: dict[str, Analysis]) -> list[SummaryEntry]:
    entries = []
    for paper in papers:
        analysis = analyses.get(paper.versioned_id)
        findings = analysis.key_findings if analysis is not None and analysis.key_findings else tuple(
            key_findings(paper.abstract))
        entries.append(SummaryEntry(paper.versioned_id, paper.title, tuple(findings), analysis_excerpt(analysis)))
    return entries


def day_summary_prompt(digest_day: date, category: str, papers: Sequence[Paper], analyses: dict[str, Analysis], *,
                       language: str, model: str, budget: int) -> Prompt:
    """The prompt of the day's summary for this model, language and input budget."""
    return build_summary_prompt(
        summary_entries(papers, analyses),
        digest_date=digest_day.isoformat(),
        submission_date=announcement_evening(digest_day).isoformat(),
        category=category,
        category_name=category_name(category),
        language=language,
        model=model,
        budget=budget,
    )


def unknown_quoted_names(text: str, papers: Sequence[Paper]) -> list[str]:
    """Quoted names that are neither a title of the day (or a part of one) nor a term from its abstracts.

    Stricter than the quality suite's fuzzy match on purpose: a model must copy titles, not paraphrase them.
    """
    titles = [title_key(p.title) for p in papers]
    abstracts = [title_key(p.abstract) for p in papers]
    unknown = []
    for name in quoted_names(text):
        key = title_key(name)
        if key and not any(key in title for title in titles) and not any(key in abstract for abstract in abstracts):
            unknown.append(name)
    return unknown


def summary_problems(text: str, digest_day: date, papers: Sequence[Paper], language: str,
                     finish_reason: str | None = None, limit: str = "llm_max_output_tokens") -> list[str]:
    """Why a model's summary cannot be stored: refusal, wrong language, unknown papers, wrong dates, empty."""
    problems = cut_answer_problems("summary", finish_reason, limit)
    findings = check_summary(text, digest_date=digest_day, paper_titles=[p.title for p in papers],
                             language=language, paper_texts=[p.abstract for p in papers])  # type: ignore[arg-type]
    problems += [f"{f.check}: {f.detail}" for f in findings if f.severity == BLOCKING]
    problems += [f"{SUMMARY_UNKNOWN_PAPER}: quotes {name!r}, which is not the exact title of a paper of this day"
                 for name in unknown_quoted_names(text, papers)]
    return list(dict.fromkeys(problems))


def model_summary(
    model: ChatModel,
    prompt: Prompt,
    *,
    digest_day: date,
    papers: Sequence[Paper],
    language: str,
    record: Callable[[AttemptRecord], None],
    cost_usd: Callable[[int, int], float],
    deadline: float | None = None,
    settings_key: str | None = None,
) -> tuple[str | None, str]:
    """(validated summary or None, the last failure): two tries, the second naming the first one's failure."""
    def complete(asked: Prompt, messages: Sequence[Message], first: bool) -> tuple[Completion, Prompt]:
        try:
            completion = model.complete(messages, deadline=deadline)
        except ModelCallFailed as exc:
            record_failed_calls(record, asked.prompt_hash, model.name, exc.failed_calls, settings_key)
            raise
        record_failed_calls(record, asked.prompt_hash, model.name, completion.failed_calls, settings_key)
        return completion, asked

    def validate(text: str, completion: Completion, asked: Prompt) -> list[str]:
        return summary_problems(text, digest_day, papers, language, completion.finish_reason,
                                truncation_limit(completion))

    def normalise(raw: str, asked: Prompt) -> Normalised:
        return normalise_summary(raw)

    try:
        text, failure = ask_validated(prompt, model.name, complete=complete, validate=validate, record=record,
                                      cost_usd=cost_usd, settings_key=settings_key, normalise=normalise)
    except ModelCallFailed as exc:
        return None, f"model call failed: {exc.reason}"
    except PromptTooLong as exc:
        # Nothing was sent; the extractive summary needs no window.
        return None, f"model call failed: {exc}"
    if text is None:
        return None, failure
    return f"{text.strip()}\n", ""
