"""Per-paper analysis and key findings.

Two analyzers share one interface (`Analyzer`). Without a model endpoint the offline extractive analyzer fills
the seed's structure with the paper's own sentences, chosen per part from the matching sections and labelled
as quotes, so nothing it publishes can be a refusal or an invented fact. With `llm_base_url` set, the model
analyzer sends the 7-part method prompt built from a token-budgeted selection of the paper's sections (or the
5-point abstract prompt when no full text is usable), validates every answer before storing it (not empty, not
a refusal, the requested language, every required heading, only URLs the paper contains), asks once more with
the failure named, then falls back to the abstract prompt and finally to the extractive analysis. Every try is
stored in analysis_attempts; an accepted analysis is cached under (arXiv id, version, prompt hash, model,
language), so a rerun makes no model call. Key findings are always the abstract's own sentences.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from arxiv_digest.urls import own_artifacts
from arxiv_digest.wording import wording_for
from schemas.records import Analysis, AnalysisKind, Link, Paper, Section, Status

log = logging.getLogger(__name__)

EXTRACTIVE_VERSION = "extractive-v1"
EXTRACTIVE_MODEL = "extractive"

# -- sentence handling ---------------------------------------------------------------------------------

_ABBREVIATIONS = ("et al", "e.g", "i.e", "Fig", "Figs", "Eq", "Eqs", "Sec", "Tab", "vs", "cf", "resp", "approx")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\[(\"“])")
_SPACES = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of running text; abbreviations such as 'et al.' and 'Fig.' do not end a sentence."""
    flat = _SPACES.sub(" ", text).strip()
    if not flat:
        return []
    pieces = _SPLIT.split(flat)
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].rstrip(".").split(" ")[-1] in _ABBREVIATIONS:
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s.strip() for s in sentences if len(s.strip()) > 1]


_FINDING_CUES = re.compile(
    r"\b(we (propose|present|introduce|show|demonstrate|find|identify|release|develop|achieve|outperform)|"
    r"our (method|model|approach|framework|results?)|outperform\w*|state-of-the-art|achiev\w+|improv\w+|"
    r"reduc\w+|surpass\w*|competitive|novel|first|significantly|demonstrat\w+|lower\w*|higher)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(\.\d+)?\s*(%|x|×|points?|dB|pixels?|m\b)")


def key_findings(abstract: str, limit: int = 4) -> list[str]:
    """The abstract's sentences that state contributions or results, in their original order."""
    sentences = split_sentences(abstract)
    scored = []
    for index, sentence in enumerate(sentences):
        score = len(_FINDING_CUES.findall(sentence)) + (2 if _NUMBER.search(sentence) else 0)
        if score:
            scored.append((score, index, sentence))
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]
    return [sentence for _, _, sentence in sorted(best, key=lambda item: item[1])]


# -- extractive analyzer ---------------------------------------------------------------------------------

_CUES = {
    "motivation": re.compile(
        r"\b(however|but|challeng\w*|limit\w*|suffer\w*|costly|expensive|impractical|existing|fail\w*|"
        r"need\w*|require\w*|problem|bottleneck|difficult|scarce|blur\w*|ignore\w*|observation)\b", re.I),
    "design": re.compile(
        r"\b(we (propose|introduce|present|design|use|compute|train|detect|estimate)|consists?|module|"
        r"layer|loss|step|stage|encoder|decoder|predictor|attention|objective|architecture|pipeline|"
        r"guidance|input|output|train\w*|schedul\w*)\b", re.I),
    "comparison": re.compile(
        r"\b(in contrast|unlike|compared (with|to)|whereas|instead|rather than|prior|previous|existing|"
        r"baseline|outperform\w*|than)\b", re.I),
    "experiments": re.compile(
        r"(\d+(\.\d+)?\s*(%|points?|pixels?|x|×|m\b|seconds?)|\b(dataset|benchmark|ablation|evaluate\w*|"
        r"accuracy|score|rmse|metric|latency|outperform\w*)\b)", re.I),
    "practical": re.compile(
        r"\b(code|github|release\w*|available|implementation|hyper-?parameter|gpu|train\w* for|batch|"
        r"learning rate|limitation\w*|assum\w+|fails?|slower|overhead|outlier\w*)\b", re.I),
}

_PART_SECTIONS = {
    "motivation": ("introduction", "abstract"),
    "design": ("method",),
    "comparison": ("related_work", "introduction", "experiments", "results", "discussion"),
    "experiments": ("experiments", "results"),
    "practical": ("limitations", "discussion", "experiments", "method", "conclusion"),
    "summary": ("conclusion",),
}


@dataclass(frozen=True)
class AnalysisInput:
    paper: Paper
    sections: tuple[Section, ...] = ()
    links: tuple[Link, ...] = ()
    unavailable_reason: str = ""  # why the full text could not be used


def _pick(sentences: Iterable[str], cue: re.Pattern[str] | None, limit: int, used: set[str]) -> list[str]:
    candidates = [s for s in sentences if s not in used and 30 <= len(s) <= 600]
    if cue is not None:
        ranked = sorted(
            enumerate(candidates), key=lambda item: (-len(cue.findall(item[1])), item[0])
        )
        ranked = [item for item in ranked if cue.search(item[1])]
    else:
        ranked = list(enumerate(candidates))
    chosen = sorted(ranked[:limit], key=lambda item: item[0])
    picked = [sentence for _, sentence in chosen]
    used.update(picked)
    return picked


def _sentences_of(sections: Sequence[Section], norms: Sequence[str]) -> list[str]:
    out: list[str] = []
    for norm in norms:
        for section in sections:
            if section.norm == norm:
                out.extend(split_sentences(section.text))
    return out


def _bullets(lines: Sequence[str], language: str) -> str:
    if not lines:
        return wording_for(language).nothing_found
    return "\n".join(f"- {line}" for line in lines)


def usable_sections(sections: Sequence[Section]) -> list[Section]:
    body = [s for s in sections if s.norm not in {"references", "appendix"} and s.text.strip()]
    return body if any(s.norm in {"method", "experiments", "results", "introduction"} for s in body) else []


def extractive_method_analysis(data: AnalysisInput, language: str) -> str:
    wording = wording_for(language)
    headings = wording.method_headings
    sections = usable_sections(data.sections)
    used: set[str] = set()
    parts: list[str] = [wording.extractive_label, ""]
    parts += ["", f"### 1. {headings[0]}", "", wording.abstract_as_written, "", f"> {data.paper.abstract}"]
    used.update(split_sentences(data.paper.abstract))

    motivation = _pick(_sentences_of(sections, _PART_SECTIONS["motivation"]), _CUES["motivation"], 4, used)
    design = _pick(_sentences_of(sections, _PART_SECTIONS["design"]), _CUES["design"], 6, used)
    if not design:
        design = _pick(_sentences_of(sections, ("introduction", "other")), _CUES["design"], 4, used)
    comparison = _pick(_sentences_of(sections, _PART_SECTIONS["comparison"]), _CUES["comparison"], 3, used)
    experiments = _pick(_sentences_of(sections, _PART_SECTIONS["experiments"]), _CUES["experiments"], 5, used)
    practical = _pick(_sentences_of(sections, _PART_SECTIONS["practical"]), _CUES["practical"], 4, used)
    summary = _pick(_sentences_of(sections, _PART_SECTIONS["summary"]), None, 2, used)
    if not summary:
        summary = key_findings(data.paper.abstract, limit=2)

    artifacts = own_artifacts(data.links)
    own_code = [url for url, kind in artifacts if kind == "code"]
    kind_names = dict(wording.artifact_kind_names)
    released = [f"{url} ({kind_names.get(kind, kind)})" for url, kind in artifacts if kind != "code"]
    code_line = []
    if own_code:
        code_line = [f"{wording.own_code_label}: " + ", ".join(own_code)]
    if released:
        code_line.append(f"{wording.own_artifact_label}: " + ", ".join(released))

    for number, (heading, lines) in enumerate(
        zip(headings[1:5], (motivation, design, comparison, experiments), strict=True), start=2
    ):
        parts += ["", f"### {number}. {heading}", "", _bullets(lines, language)]
    practical_text = _bullets(practical, language) if practical else ""
    practical_block = "\n".join(filter(None, [*(f"- {c}" for c in code_line), practical_text]))
    parts += ["", f"### 6. {headings[5]}", "", practical_block or wording.nothing_found]
    parts += ["", f"### 7. {headings[6]}", "", _bullets(summary, language)]
    return "\n".join(parts).strip() + "\n"


def extractive_abstract_analysis(data: AnalysisInput, language: str) -> str:
    wording = wording_for(language)
    headings = wording.abstract_headings
    sentences = split_sentences(data.paper.abstract)
    used: set[str] = set()
    contribution = _pick(sentences, _FINDING_CUES, 2, used)
    method = _pick(sentences, _CUES["design"], 2, used)
    impact = _pick(sentences, _CUES["experiments"], 2, used)
    limitation = _pick(sentences, _CUES["practical"], 1, used) or _pick(sentences, _CUES["motivation"], 1, used)
    fields_line = wording.categories_line.format(categories=", ".join(data.paper.categories))
    reason = data.unavailable_reason or wording.no_usable_text
    body = [wording.abstract_only_label.format(reason=reason), wording.extractive_label, ""]
    for number, (heading, lines) in enumerate(
        zip(headings, (contribution, method, impact, [], limitation), strict=True), start=1
    ):
        body += [f"**{number}. {heading}**", ""]
        if number == 4:
            body.append(f"- {fields_line}")
        else:
            body.append(_bullets(lines, language))
        body.append("")
    return "\n".join(body).strip() + "\n"


def input_fingerprint(data: AnalysisInput) -> str:
    digest = hashlib.sha256()
    digest.update(data.paper.abstract.encode())
    for section in usable_sections(data.sections):
        digest.update(f"{section.norm}|{section.title}|{section.text}".encode())
    for link in data.links:
        digest.update(f"{link.url}|{link.is_own}|{link.is_code}".encode())
    digest.update(data.unavailable_reason.encode())
    return digest.hexdigest()[:16]


def extractive_analysis(data: AnalysisInput, language: str) -> Analysis:
    full_text = bool(usable_sections(data.sections))
    content = (
        extractive_method_analysis(data, language) if full_text else extractive_abstract_analysis(data, language)
    )
    return Analysis(
        arxiv_id=data.paper.arxiv_id,
        version=data.paper.version,
        kind=AnalysisKind.METHOD if full_text else AnalysisKind.ABSTRACT,
        analyzer="extractive",
        language=language,
        content=content,
        key_findings=tuple(key_findings(data.paper.abstract)),
        prompt_hash=f"{EXTRACTIVE_VERSION}:{input_fingerprint(data)}",
    )


# Readers see words, not the store's status codes.
_EXTRACTION_STATUS_WORDS = {
    Status.NO_TEXT_LAYER: "the PDF has no text layer (scanned or image-only pages)",
    Status.FAILED: "text extraction failed",
    Status.SKIPPED: "the text was not extracted",
}


def gather_input(store: object, paper: Paper) -> AnalysisInput:
    """What the store holds for a paper: its sections and links when the PDF was read, else why not."""
    pdf = store.pdf(paper.arxiv_id, paper.version)  # type: ignore[attr-defined]
    if pdf is None or pdf.status != Status.OK or not pdf.sha256:
        reason = f"PDF download failed: {pdf.error}" if pdf is not None and pdf.error else "PDF not downloaded"
        return AnalysisInput(paper=paper, unavailable_reason=reason)
    extraction = store.extraction(pdf.sha256)  # type: ignore[attr-defined]
    if extraction is None or extraction.status != Status.OK:
        what = _EXTRACTION_STATUS_WORDS.get(extraction.status, f"text extraction {extraction.status}") \
            if extraction is not None else "the text was not extracted"
        detail = f": {extraction.error}" if extraction is not None and extraction.error else ""
        return AnalysisInput(paper=paper, unavailable_reason=f"{what}{detail}")
    sections = tuple(store.sections(pdf.sha256))  # type: ignore[attr-defined]
    links = tuple(store.links(pdf.sha256))  # type: ignore[attr-defined]
    reason = "" if usable_sections(sections) else "no sections found in the text"
    return AnalysisInput(paper=paper, sections=sections, links=links, unavailable_reason=reason)


# -- analyzers: one interface, an offline and a model implementation --------------------------------------

ACCEPTED, REJECTED, ERROR = "accepted", "rejected", "error"
MODEL_ANALYZER_PREFIX = "llm:"
