"""Step 4: per-paper analysis and key findings.

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

import dataclasses
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.llm_client import (
    OVERFLOW,
    PERMANENT_KINDS,
    TIME_CAP,
    ChatModel,
    Completion,
    FailedCall,
    ModelCallFailed,
    PromptTooLong,
    shared_model,
)
from arxiv_digest.model_report import reason_names
from arxiv_digest.prompting import Message, Prompt, build_abstract_prompt, build_method_prompt
from arxiv_digest.settings import Settings
from quality.checks import ANALYSIS_UNGROUNDED_URL, BLOCKING, check_analysis
from schemas.records import Analysis, Link, Paper, Section
from tasks.batches import PaperKey, run_batch

log = logging.getLogger(__name__)

EXTRACTIVE_VERSION = "extractive-v1"
EXTRACTIVE_MODEL = "extractive"

METHOD_HEADINGS = {
    "zh": ("摘要翻译", "方法动机分析", "方法设计详解", "方法对比分析", "实验分析", "实用指南", "总结"),
    "en": ("Abstract", "Motivation", "Method design", "Comparison", "Experiments", "Practical guide", "Summary"),
}
ABSTRACT_HEADINGS = {
    "zh": ("论文的主要贡献", "关键创新或方法论", "对该领域的潜在影响", "可能受益的相关领域或应用",
           "从摘要中可以推断出的局限性"),
    "en": ("Main contribution", "Key innovation or methodology", "Potential impact on the field",
           "Related areas or applications that may benefit", "Limitations that can be inferred from the abstract"),
}
EXTRACTIVE_LABEL = {
    "zh": "*抽取式分析（未使用语言模型）：以下各部分均为论文原句摘录，未经翻译或改写。"
    " Extractive analysis (no language model): every line below is quoted from the paper.*",
    "en": "*Extractive analysis (no language model): every line below is quoted from the paper.*",
}
ABSTRACT_ONLY_LABEL = {
    "zh": "*摘要分析（未能读取全文：{reason}）。*",
    "en": "*Abstract analysis (full text unavailable: {reason}).*",
}
NOTHING_FOUND = {"zh": "（论文中未找到相关句子。）", "en": "(No matching sentence in the paper.)"}

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
        return NOTHING_FOUND[language]
    return "\n".join(f"- {line}" for line in lines)


def usable_sections(sections: Sequence[Section]) -> list[Section]:
    body = [s for s in sections if s.norm not in {"references", "appendix"} and s.text.strip()]
    return body if any(s.norm in {"method", "experiments", "results", "introduction"} for s in body) else []


def extractive_method_analysis(data: AnalysisInput, language: str) -> str:
    headings = METHOD_HEADINGS[language]
    sections = usable_sections(data.sections)
    used: set[str] = set()
    parts: list[str] = [EXTRACTIVE_LABEL[language], ""]
    abstract_note = "（原文摘要，未翻译）" if language == "zh" else "(the abstract as written)"
    parts += ["", f"### 1. {headings[0]}", "", abstract_note, "", f"> {data.paper.abstract}"]
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

    own_code = [link.url for link in data.links if link.is_own and link.is_code]
    code_line = []
    if own_code:
        label = "论文给出的代码/项目链接" if language == "zh" else "Code or project page given by the paper"
        code_line = [f"{label}: " + ", ".join(own_code)]

    for number, (heading, lines) in enumerate(
        zip(headings[1:5], (motivation, design, comparison, experiments), strict=True), start=2
    ):
        parts += ["", f"### {number}. {heading}", "", _bullets(lines, language)]
    practical_text = _bullets(practical, language) if practical else ""
    practical_block = "\n".join(filter(None, [*(f"- {c}" for c in code_line), practical_text]))
    parts += ["", f"### 6. {headings[5]}", "", practical_block or NOTHING_FOUND[language]]
    parts += ["", f"### 7. {headings[6]}", "", _bullets(summary, language)]
    return "\n".join(parts).strip() + "\n"


def extractive_abstract_analysis(data: AnalysisInput, language: str) -> str:
    headings = ABSTRACT_HEADINGS[language]
    sentences = split_sentences(data.paper.abstract)
    used: set[str] = set()
    contribution = _pick(sentences, _FINDING_CUES, 2, used)
    method = _pick(sentences, _CUES["design"], 2, used)
    impact = _pick(sentences, _CUES["experiments"], 2, used)
    limitation = _pick(sentences, _CUES["practical"], 1, used) or _pick(sentences, _CUES["motivation"], 1, used)
    fields_line = (
        f"arXiv 分类：{', '.join(data.paper.categories)}" if language == "zh"
        else f"arXiv categories: {', '.join(data.paper.categories)}"
    )
    reason = data.unavailable_reason or ("no usable text" if language == "en" else "无可用全文")
    body = [ABSTRACT_ONLY_LABEL[language].format(reason=reason), EXTRACTIVE_LABEL[language], ""]
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
        kind="method" if full_text else "abstract",
        analyzer="extractive",
        language=language,
        content=content,
        key_findings=tuple(key_findings(data.paper.abstract)),
        prompt_hash=f"{EXTRACTIVE_VERSION}:{input_fingerprint(data)}",
    )


def gather_input(store: object, paper: Paper) -> AnalysisInput:
    """What the store holds for a paper: its sections and links when the PDF was read, else why not."""
    pdf = store.pdf(paper.arxiv_id, paper.version)  # type: ignore[attr-defined]
    if pdf is None or pdf.status != "ok" or not pdf.sha256:
        reason = f"PDF download failed: {pdf.error}" if pdf is not None and pdf.error else "PDF not downloaded"
        return AnalysisInput(paper=paper, unavailable_reason=reason)
    extraction = store.extraction(pdf.sha256)  # type: ignore[attr-defined]
    if extraction is None or extraction.status != "ok":
        status = extraction.status if extraction is not None else "not extracted"
        detail = f": {extraction.error}" if extraction is not None and extraction.error else ""
        return AnalysisInput(paper=paper, unavailable_reason=f"text extraction {status}{detail}")
    sections = tuple(store.sections(pdf.sha256))  # type: ignore[attr-defined]
    links = tuple(store.links(pdf.sha256))  # type: ignore[attr-defined]
    reason = "" if usable_sections(sections) else "no sections found in the text"
    return AnalysisInput(paper=paper, sections=sections, links=links, unavailable_reason=reason)


# -- analyzers: one interface, an offline and a model implementation --------------------------------------

ACCEPTED, REJECTED, ERROR = "accepted", "rejected", "error"
MODEL_ANALYZER_PREFIX = "llm:"


@dataclass(frozen=True)
class AttemptRecord:
    """One try at an analysis, as analysis_attempts stores it."""

    prompt_hash: str
    model: str
    status: str  # accepted | rejected | error
    reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    cost_usd: float = 0.0
    error_kind: str | None = None  # errors only: transient | permanent | overflow | time_cap
    settings_key: str | None = None
    queue_ms: float = 0.0
    estimated_input_tokens: int = 0
    usage_reported: bool = False
    finish_reason: str | None = None

    @classmethod
    def of_completion(cls, prompt_hash: str, model: str, completion: Completion, problems: str, cost_usd: float,
                      settings_key: str | None) -> AttemptRecord:
        return cls(prompt_hash, model, REJECTED if problems else ACCEPTED, problems or None,
                   completion.input_tokens, completion.output_tokens, completion.latency_ms, cost_usd,
                   settings_key=settings_key, queue_ms=completion.queue_ms,
                   estimated_input_tokens=completion.estimated_input_tokens,
                   usage_reported=completion.usage_reported, finish_reason=completion.finish_reason)


class AnalysisLedger(Protocol):
    """Where analyzers look up finished analyses and write down every try (the store, or a test double)."""

    def cached(self, prompt_hash: str, model: str) -> Analysis | None: ...

    def record(self, attempt: AttemptRecord) -> None: ...

    def history(self, prompt_hash: str, model: str) -> list[dict[str, Any]]: ...


def settled_reason(history: Sequence[dict[str, Any]], settings_key: str | None, now: datetime,
                   cooldown_seconds: float) -> str:
    """Why a prompt is not sent again (empty: send it). Its stored tries decide:

    - an answer was read and rejected: the same prompt gets the same judgement, so it stands;
    - the last try failed permanently (overflow, 400/401/403/404) under the same settings: it would again;
    - the last try errored (down, timed out, time cap) less than the cool-down ago: wait before paying again.
    """
    if not history:
        return ""
    rejected = [h for h in history if h["status"] == REJECTED]
    if rejected:
        return f"rejected before, not asked again: {rejected[-1]['reason']}"
    last = history[-1]
    if last["status"] != ERROR:
        return ""
    if last["error_kind"] in PERMANENT_KINDS and last["settings_key"] == settings_key:
        return f"failed permanently before with these settings, not asked again: {last['reason']}"
    age = (now - last["created_at"]).total_seconds()
    if last["error_kind"] not in PERMANENT_KINDS and age < cooldown_seconds:
        return (f"errored {age / 60:.0f} min ago ({last['reason']}); asked again after llm_error_cooldown_seconds "
                f"({cooldown_seconds:g} s)")
    return ""


def is_rejection(failure: str) -> bool:
    """True when a failure reason is about answers read and rejected, not about calls that failed."""
    return not failure.startswith(("model call failed", "errored", "failed permanently"))




@dataclass(frozen=True)
class AnalysisOutcome:
    analysis: Analysis
    model: str  # the store's model column: the configured model, or 'extractive'
    cached: bool = False
    fallback_reason: str = ""  # why a configured model's answer was not used


class Analyzer(Protocol):
    @property
    def model_name(self) -> str: ...

    def analyze(self, data: AnalysisInput, language: str, ledger: AnalysisLedger) -> AnalysisOutcome: ...


FALLBACK_ANALYZER = "extractive-fallback"
FALLBACK_REJECTED_LABEL = {
    "zh": "*回退：{model} 的回答未通过校验（{reasons}），以下改用抽取式分析。"
          " Fallback after the model's answers were rejected ({reasons}).*",
    "en": "*Fallback after the model's answers were rejected ({reasons}): {model} was asked, its answers failed "
          "validation, and the extractive analysis below is used instead.*",
}
FALLBACK_FAILED_LABEL = {
    "zh": "*回退：{model} 未给出可用回答（{reasons}），以下改用抽取式分析。"
          " Fallback after the model's calls failed ({reasons}).*",
    "en": "*Fallback after the model's calls failed ({reasons}): {model} gave no usable answer, and the "
          "extractive analysis below is used instead.*",
}


def fallback_label(model: str, reason: str, language: str, rejected: bool) -> str:
    """The line that says a configured model was asked and why its answer is not the one shown."""
    names = reason_names(reason) or [_plain_reason(reason)[:80]]
    template = FALLBACK_REJECTED_LABEL if rejected else FALLBACK_FAILED_LABEL
    return template[language].format(model=model, reasons=", ".join(names))


def fallback_analysis(extractive: Analysis, model: str, reason: str, language: str, rejected: bool) -> Analysis:
    """The extractive analysis labelled apart from "no model configured": a model was asked, its answer is not
    shown, and the label says why. Keyed apart too, so the offline analysis of the same paper stays as it is."""
    label = fallback_label(model, reason, language, rejected)
    tag = hashlib.sha256(label.encode()).hexdigest()[:8]
    return dataclasses.replace(extractive, analyzer=FALLBACK_ANALYZER, content=f"{label}\n\n{extractive.content}",
                               prompt_hash=f"{extractive.prompt_hash}+fallback:{model}:{tag}")


class ExtractiveAnalyzer:
    """The offline analyzer: deterministic, no model, every line quoted from the paper."""

    model_name = EXTRACTIVE_MODEL

    def analyze(self, data: AnalysisInput, language: str, ledger: AnalysisLedger,
                fallback_reason: str = "", fallback_model: str = "", rejected: bool = True) -> AnalysisOutcome:
        analysis = extractive_analysis(data, language)
        if fallback_reason and fallback_model:
            analysis = fallback_analysis(analysis, fallback_model, fallback_reason, language, rejected)
        cached = ledger.cached(analysis.prompt_hash, EXTRACTIVE_MODEL)
        if cached is not None:
            return AnalysisOutcome(cached, EXTRACTIVE_MODEL, cached=True, fallback_reason=fallback_reason)
        ledger.record(AttemptRecord(analysis.prompt_hash, EXTRACTIVE_MODEL, ACCEPTED, fallback_reason or None))
        return AnalysisOutcome(analysis, EXTRACTIVE_MODEL, fallback_reason=fallback_reason)


# What must be true of a model's answer before it is stored. Ungrounded-URL warnings count too: a link the paper
# does not contain is invented, whether or not the PDF's own links are known.
def validation_problems(
    text: str,
    *,
    paper: Paper,
    kind: str,
    language: str,
    paper_urls: set[str] | None,
    finish_reason: str | None = None,
    limit: str = "llm_max_output_tokens",
) -> list[str]:
    """Why `text` cannot be stored as the paper's analysis; empty when it is fine."""
    problems = []
    if finish_reason == "length":
        problems.append(f"analysis_truncated: the answer stopped at {limit}")
    elif finish_reason == "repetition":
        problems.append("analysis_repetitive: the answer kept repeating itself and was cut off")
    elif finish_reason == TIME_CAP:
        problems.append("analysis_time_cap: the answer was cut at llm_paper_time_cap_seconds")
    findings = check_analysis(paper.versioned_id, text, abstract=paper.abstract, paper_urls=paper_urls,
                              language=language, kind=kind)  # type: ignore[arg-type]
    problems += [f"{f.check}: {f.detail}" for f in findings
                 if f.severity == BLOCKING or f.check == ANALYSIS_UNGROUNDED_URL]
    return problems


_HEADING_START = re.compile(r"^\s{0,3}(#{1,6}\s|\*\*\s*1[.、)]|1[.、)]\s*\*\*)", re.MULTILINE)
MAX_PREAMBLE_CHARS = 400


def strip_preamble(text: str) -> str:
    """The answer from its first heading on: drops "好的，我将……" style openings the seed is full of.

    Only a short opening without headings is dropped; anything longer is left for validation to judge.
    """
    text = text.strip()
    match = _HEADING_START.search(text)
    if match and 0 < match.start() <= MAX_PREAMBLE_CHARS:
        return text[match.start():].lstrip()
    return text


_URL_IN_REASON = re.compile(r"https?://\S+")


def _plain_reason(reason: str) -> str:
    """A failure reason fit for a label: no URLs (a label must not add links the paper lacks), one line."""
    return _URL_IN_REASON.sub("<URL>", reason).replace("\n", " ")[:200]


MODEL_METHOD_LABEL = {
    "zh": "*方法分析由 {model} 根据论文全文节选撰写（{note}）。*",
    "en": "*Method analysis written by {model} from full-text excerpts ({note}).*",
}
MODEL_ABSTRACT_LABEL = {
    "zh": "*由 {model} 根据标题与摘要撰写。*",
    "en": "*Written by {model} from the title and abstract.*",
}
METHOD_REJECTED_REASON = {
    "zh": "全文分析未通过校验：{reason}",
    "en": "the full-text analysis failed validation: {reason}",
}


def model_analysis_content(text: str, prompt: Prompt, model: str, language: str, unavailable_reason: str) -> str:
    """The stored analysis: our label first (who wrote it, from what), then the model's validated text."""
    if prompt.kind == "method":
        label = MODEL_METHOD_LABEL[language].format(model=model, note=prompt.note)
    else:
        label = ABSTRACT_ONLY_LABEL[language].format(reason=_plain_reason(unavailable_reason)) + "\n" + \
            MODEL_ABSTRACT_LABEL[language].format(model=model)
    return f"{label}\n\n{text.strip()}\n"


class ModelAnalyzer:
    """Analysis by a chat model, validated, with fallbacks.

    Full text: the 7-part method prompt, and once more with the failure named. Then (or when there is no full
    text) the 5-point abstract prompt, twice at most. Then the extractive analysis. A model that cannot be
    reached at all goes straight to the extractive analysis: asking it a second prompt would fail the same way.
    A prompt too long for the model's context window is shrunk to fit and tried once. A prompt whose answers
    were rejected before, or that failed permanently with the same settings, is not sent again (unless
    `force`); one that errored is sent again only after the cool-down. All calls for one paper stop at its
    time cap.
    """

    def __init__(self, model: ChatModel, *, input_token_budget: int,
                 cost_usd: Callable[[int, int], float] = lambda _in, _out: 0.0,
                 paper_time_cap_seconds: float = 600.0, error_cooldown_seconds: float = 21600.0,
                 force: bool = False, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.model = model
        self.configured_budget = input_token_budget
        self.cost_usd = cost_usd
        self.paper_time_cap_seconds = paper_time_cap_seconds
        self.error_cooldown_seconds = error_cooldown_seconds
        self.force = force
        self.now = now

    @property
    def model_name(self) -> str:
        return self.model.name

    @property
    def input_token_budget(self) -> int:
        """The configured budget, shrunk to what the model's context window leaves beside the answer."""
        fit = getattr(self.model, "input_budget", None)
        return fit(self.configured_budget) if fit is not None else self.configured_budget

    def _settings_key(self) -> str | None:
        key = getattr(self.model, "settings_key", None)
        return key(self.input_token_budget) if key is not None else None

    def prompts(self, data: AnalysisInput, language: str) -> list[Prompt]:
        """The prompts to try in order; a full-text paper's abstract prompt is keyed apart (see below)."""
        name = self.model.name
        abstract = build_abstract_prompt(data.paper, language=language, model=name)
        if not usable_sections(data.sections):
            return [abstract]
        method = build_method_prompt(data.paper, data.sections, data.links, language=language, model=name,
                                     budget=self.input_token_budget)
        # The abstract analysis that replaces a rejected method analysis is its own cache entry: were it shared
        # with the no-PDF case, a paper whose PDF arrives later would keep its old abstract-only analysis.
        after_method = dataclasses.replace(abstract, prompt_hash=f"{abstract.prompt_hash}+after:{method.prompt_hash}")
        return [method, after_method]

    def analyze(self, data: AnalysisInput, language: str, ledger: AnalysisLedger) -> AnalysisOutcome:
        name = self.model.name
        prompts = self.prompts(data, language)
        for prompt in prompts:
            cached = ledger.cached(prompt.prompt_hash, name)
            if cached is not None:
                return AnalysisOutcome(cached, name, cached=True)

        paper_urls = {link.url for link in data.links} if usable_sections(data.sections) else None
        unavailable = data.unavailable_reason
        earlier_failure = ""
        failure = ""
        rejected = False
        settings_key = self._settings_key()
        deadline = time.monotonic() + self.paper_time_cap_seconds
        for prompt in prompts:
            settled = "" if self.force else settled_reason(ledger.history(prompt.prompt_hash, name), settings_key,
                                                            self.now(), self.error_cooldown_seconds)
            if settled:
                answer, failure = None, settled
                rejected = rejected or settled.startswith("rejected")
                if settled.startswith("errored"):
                    break  # the last run found the endpoint failing: the next prompt waits for the cool-down too
            else:
                rebuild = None
                if prompt.kind == "method":
                    def rebuild(budget: int, method: Prompt = prompt) -> Prompt:
                        shrunk = build_method_prompt(data.paper, data.sections, data.links, language=language,
                                                     model=name, budget=budget)
                        # Same cache key: the shrunk prompt is the same question asked within the window.
                        return dataclasses.replace(shrunk, prompt_hash=method.prompt_hash)
                try:
                    answer, failure = self._ask(prompt, data.paper, language, paper_urls, ledger, deadline,
                                                settings_key, rebuild)
                    rejected = rejected or answer is None
                except ModelCallFailed as exc:
                    answer, failure = None, f"model call failed: {exc.reason}"
                    if not exc.request_rejected or exc.kind == TIME_CAP:
                        break  # the endpoint is down, refuses us, or the paper's time is up
            if answer is not None:
                analysis = Analysis(
                    arxiv_id=data.paper.arxiv_id,
                    version=data.paper.version,
                    kind=prompt.kind,
                    analyzer=f"{MODEL_ANALYZER_PREFIX}{name}",
                    language=language,
                    content=model_analysis_content(answer, prompt, name, language, unavailable),
                    key_findings=tuple(key_findings(data.paper.abstract)),
                    prompt_hash=prompt.prompt_hash,
                )
                return AnalysisOutcome(analysis, name, fallback_reason=earlier_failure)
            earlier_failure = failure
            if prompt.kind == "method":
                unavailable = METHOD_REJECTED_REASON[language].format(reason=failure)
        log.warning("%s: %s; using the extractive analysis", data.paper.versioned_id, failure)
        return ExtractiveAnalyzer().analyze(data, language, ledger, fallback_reason=failure, fallback_model=name,
                                            rejected=rejected)

    def _complete(self, prompt: Prompt, messages: Sequence[Message], ledger: AnalysisLedger, deadline: float,
                  settings_key: str | None, rebuild: Callable[[int], Prompt] | None) -> tuple[Completion, Prompt]:
        """One completion; a prompt too long for the window is shrunk to fit and sent once more."""
        name = self.model.name
        try:
            completion = self.model.complete(messages, deadline=deadline)
            _record_failed_calls(ledger, prompt.prompt_hash, name, completion.failed_calls, settings_key)
            return completion, prompt
        except ModelCallFailed as exc:
            _record_failed_calls(ledger, prompt.prompt_hash, name, exc.failed_calls, settings_key)
            if exc.kind != OVERFLOW or rebuild is None:
                raise
            sent, context = exc.overflow or (0, 0)
        except PromptTooLong as exc:
            if rebuild is None:
                raise ModelCallFailed(name, str(exc), (), request_rejected=True, kind=OVERFLOW) from None
            sent, context = exc.prompt_tokens, exc.context_tokens
        # Aim the prompt at half the window (the other half is the answer's), scaled by how far over the server
        # said we were, with a 10 % margin. When it did not say, or the prompt fit and the answer overflowed
        # (a shared cache filling up), halve the prompt.
        now = prompt.input_tokens
        overflowed = sent and context and sent > context
        smaller = int(now * (context // 2) / sent * 0.9) if overflowed else now // 2
        shrunk = rebuild(max(256, smaller))
        log.info("%s: prompt shrunk to %d estimated tokens to fit the context window", prompt.prompt_hash,
                 shrunk.input_tokens)
        try:
            completion = self.model.complete(shrunk.messages, deadline=deadline)
        except PromptTooLong as exc:
            raise ModelCallFailed(name, f"{exc} (after shrinking once)", (), request_rejected=True,
                                  kind=OVERFLOW) from None
        except ModelCallFailed as exc:
            _record_failed_calls(ledger, prompt.prompt_hash, name, exc.failed_calls, settings_key)
            raise
        _record_failed_calls(ledger, prompt.prompt_hash, name, completion.failed_calls, settings_key)
        return completion, shrunk

    def _ask(self, prompt: Prompt, paper: Paper, language: str, paper_urls: set[str] | None,
             ledger: AnalysisLedger, deadline: float = float("inf"), settings_key: str | None = None,
             rebuild: Callable[[int], Prompt] | None = None) -> tuple[str | None, str]:
        """(validated answer or None, why the last answer failed), asking again with the first failure named.

        Raises ModelCallFailed when the model gives no answer at all; every try is in the ledger either way.
        """
        name = self.model.name
        failure = ""
        for round_number in (1, 2):
            messages = prompt.messages if round_number == 1 else prompt.with_retry_note(failure).messages
            completion, prompt = self._complete(prompt, messages, ledger, deadline, settings_key,
                                                rebuild if round_number == 1 else None)
            text = strip_preamble(completion.text)
            problems = validation_problems(text, paper=paper, kind=prompt.kind, language=language,
                                           paper_urls=paper_urls, finish_reason=completion.finish_reason,
                                           limit=truncation_limit(completion))
            failure = "; ".join(problems)
            ledger.record(AttemptRecord.of_completion(
                prompt.prompt_hash, name, completion, failure,
                self.cost_usd(completion.input_tokens, completion.output_tokens), settings_key))
            if not problems:
                return text, ""
            if completion.finish_reason == TIME_CAP:
                break  # no time left for the second round
        return None, failure


def truncation_limit(completion: Completion) -> str:
    """What cut an answer that stopped at "length": our max_tokens (and what set it) or the server's window."""
    if completion.max_tokens and completion.output_tokens < completion.max_tokens * 0.9:
        return (f"the server's context window (it stopped after {completion.output_tokens} of the "
                f"{completion.max_tokens} tokens allowed)")
    return f"{completion.limit}: max_tokens {completion.max_tokens}" if completion.max_tokens else completion.limit


def _record_failed_calls(ledger: AnalysisLedger, prompt_hash: str, model: str, calls: Iterable[FailedCall],
                         settings_key: str | None = None) -> None:
    for call in calls:
        ledger.record(AttemptRecord(prompt_hash, model, ERROR, call.reason, latency_ms=call.latency_ms,
                                    error_kind=call.kind, settings_key=settings_key, queue_ms=call.queue_ms))


def analyzer_for(settings: Settings, http_client: Any = None, force: bool = False) -> Analyzer:
    """The model analyzer when llm_base_url is set, else the offline extractive one."""
    if not settings.uses_llm:
        return ExtractiveAnalyzer()
    model = shared_model(settings, http_client)
    return ModelAnalyzer(model, input_token_budget=settings.llm_input_token_budget, cost_usd=model.config.cost_usd,
                         paper_time_cap_seconds=settings.llm_paper_time_cap_seconds,
                         error_cooldown_seconds=settings.llm_error_cooldown_seconds, force=force)


class StoreLedger:
    """The AnalysisLedger of one paper in the DuckDB store."""

    def __init__(self, store: Any, paper: Paper, language: str) -> None:
        self.store = store
        self.paper = paper
        self.language = language

    def cached(self, prompt_hash: str, model: str) -> Analysis | None:
        return self.store.cached_analysis(self.paper.arxiv_id, self.paper.version, prompt_hash, model, self.language)

    def record(self, attempt: AttemptRecord) -> None:
        record_attempt(self.store, self.paper.arxiv_id, self.paper.version, self.language, attempt)

    def history(self, prompt_hash: str, model: str) -> list[dict[str, Any]]:
        return self.store.analysis_attempt_history(self.paper.arxiv_id, self.paper.version, prompt_hash, model,
                                                   self.language)


def record_attempt(store: Any, arxiv_id: str, version: int, language: str, attempt: AttemptRecord) -> None:
    """One try into analysis_attempts (papers, and the day's summary under its own id)."""
    store.record_analysis_attempt(
        arxiv_id, version, attempt.prompt_hash, attempt.model, language, attempt.status, attempt.reason,
        attempt.input_tokens, attempt.output_tokens, attempt.latency_ms, attempt.cost_usd,
        error_kind=attempt.error_kind, settings_key=attempt.settings_key, queue_ms=attempt.queue_ms,
        estimated_input_tokens=attempt.estimated_input_tokens, usage_reported=attempt.usage_reported,
        finish_reason=attempt.finish_reason,
    )


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="analyze", task_run_name="analyze-{label}", retries=1, retry_delay_seconds=5,
      retry_jitter_factor=0.5, cache_policy=NONE)
def analyze_task(
    settings: Settings, label: str, papers: Sequence[PaperKey], digest_day: date, category: str, force: bool = False
) -> dict[str, str]:
    return run_batch("analyze", papers, lambda arxiv_id, version: analyze_paper(
        settings, arxiv_id, version, digest_day, category, force=force))


@task(name="model-preflight", task_run_name="model-preflight-{category}-{digest_day}", cache_policy=NONE)
def preflight_task(settings: Settings, digest_day: date, category: str, papers: Sequence[PaperKey]) -> str:
    """Before any paper is sent: one check that the key, URL and model name work, and the window's figures.

    Only when papers need the model, so a rerun of a finished day makes no request at all.
    """
    from prefect.logging import get_run_logger

    if not settings.uses_llm or not papers:
        return ""
    model = shared_model(settings)
    window = model.preflight()
    budget = model.input_budget(settings.llm_input_token_budget)
    figures = (f"model {model.name} at {settings.llm_base_url}: {window.describe()}; per call: input budget "
               f"{budget} estimated tokens (llm_input_token_budget {settings.llm_input_token_budget}), answer up "
               f"to {settings.llm_max_output_tokens} tokens within the window; {settings.llm_concurrency} "
               f"request(s) at once; {settings.llm_paper_time_cap_seconds:g} s of model time per paper")
    hint = window.slot_hint(settings.llm_concurrency, settings.llm_input_token_budget + settings.llm_max_output_tokens)
    get_run_logger().info(figures + (f"; note: {hint}" if hint else ""))
    return figures


def analyze_paper(settings: Settings, arxiv_id: str, version: int, digest_day: date, category: str,
                  force: bool = False) -> str:
    """Analyse one paper for the digest (stored answers and rejected ones are not paid for twice); the kind."""
    from arxiv_digest.store import open_store

    store = open_store(settings.db_path)
    paper = store.paper(arxiv_id, version)
    if paper is None:
        raise LookupError(f"{arxiv_id}v{version} is not in the store; run the fetch step for {digest_day} first")
    data = gather_input(store, paper)
    outcome = analyzer_for(settings, force=force).analyze(data, settings.language,
                                                          StoreLedger(store, paper, settings.language))
    analysis = outcome.analysis
    model_fell_back = settings.uses_llm and outcome.model == EXTRACTIVE_MODEL
    status = "ok" if analysis.kind == "method" and not model_fell_back else "fallback"
    detail = f"{analysis.kind} analysis ({analysis.analyzer})" + (", cached" if outcome.cached else "")
    if outcome.fallback_reason:
        detail += f"; model answer not used: {outcome.fallback_reason}"
    with store.batch():
        if not outcome.cached:
            store.save_analysis(analysis, outcome.model)
        store.set_digest_analysis(digest_day, category, analysis, outcome.model)
        store.record_step(arxiv_id, version, "analyze", status, detail[:2000])
    return analysis.kind
