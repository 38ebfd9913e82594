"""The analyzers (extractive and model) behind one interface, and the model's ask-validate-retry loop with its
attempts ledger (the per-paper analyze step is arxiv_digest.steps.analyze).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from arxiv_digest.analysis.answers import Normalised, normalise_analysis, without_reasoning
from arxiv_digest.analysis.extractive import (
    ACCEPTED,
    ERROR,
    EXTRACTIVE_MODEL,
    MODEL_ANALYZER_PREFIX,
    REJECTED,
    AnalysisInput,
    extractive_analysis,
    key_findings,
    usable_sections,
)
from arxiv_digest.analysis.model import (
    OVERFLOW,
    PERMANENT_KINDS,
    TIME_CAP,
    ChatModel,
    Completion,
    FailedCall,
    ModelCallFailed,
    PromptTooLong,
)
from arxiv_digest.analysis.model_report import reason_names
from arxiv_digest.analysis.prompting import (
    Message,
    Prompt,
    build_abstract_prompt,
    build_method_prompt,
    estimate_tokens,
)
from arxiv_digest.checks.analysis import check_analysis
from arxiv_digest.checks.findings import ANALYSIS_UNGROUNDED_URL, BLOCKING
from arxiv_digest.store.analyses import AnalysisStore
from arxiv_digest.wording import wording_for
from schemas.records import Analysis, AnalysisKind, Paper, StoredAttempt

log = logging.getLogger(__name__)


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
    reasoning_tokens: int = 0  # what the model spent thinking before its answer (never published)
    reasoning_ms: float = 0.0

    @classmethod
    def of_completion(cls, prompt_hash: str, model: str, completion: Completion, problems: str, cost_usd: float,
                      settings_key: str | None, reasoning_chars_in_text: int = 0) -> AttemptRecord:
        reasoning = completion.reasoning_tokens or estimate_tokens("x" * reasoning_chars_in_text)
        return cls(prompt_hash, model, REJECTED if problems else ACCEPTED, problems or None,
                   completion.input_tokens, completion.output_tokens, completion.latency_ms, cost_usd,
                   settings_key=settings_key, queue_ms=completion.queue_ms,
                   estimated_input_tokens=completion.estimated_input_tokens,
                   usage_reported=completion.usage_reported, finish_reason=completion.finish_reason,
                   reasoning_tokens=reasoning, reasoning_ms=completion.reasoning_ms)


class AnalysisLedger(Protocol):
    """Where analyzers look up finished analyses and write down every try (the store, or a test double)."""

    def cached(self, prompt_hash: str, model: str) -> Analysis | None: ...

    def record(self, attempt: AttemptRecord) -> None: ...

    def history(self, prompt_hash: str, model: str) -> list[StoredAttempt]: ...


def settled_reason(history: Sequence[StoredAttempt], settings_key: str | None, now: datetime,
                   cooldown_seconds: float) -> str:
    """Why a prompt is not sent again (empty: send it). Its stored tries decide:

    - an answer was read and rejected: the same prompt gets the same judgement, so it stands;
    - the last try failed permanently (overflow, 400/401/403/404) under the same settings: it would again;
    - the last try errored (down, timed out, time cap) less than the cool-down ago: wait before paying again.
    """
    if not history:
        return ""
    rejected = [h for h in history if h.status == REJECTED]
    if rejected:
        return f"rejected before, not asked again: {rejected[-1].reason}"
    last = history[-1]
    if last.status != ERROR:
        return ""
    if last.error_kind in PERMANENT_KINDS and last.settings_key == settings_key:
        return f"failed permanently before with these settings, not asked again: {last.reason}"
    age = (now - last.created_at).total_seconds()
    if last.error_kind not in PERMANENT_KINDS and age < cooldown_seconds:
        return (f"errored {age / 60:.0f} min ago ({last.reason}); asked again after llm_error_cooldown_seconds "
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


def fallback_label(model: str, reason: str, language: str, rejected: bool) -> str:
    """The line that says a configured model was asked and why its answer is not the one shown: the failure of
    every prompt tried, each named with its prompt ("analysis_refusal (method), analysis_too_short (abstract)"),
    so a reader sees why the full analysis failed too."""
    names = []
    for line in reason.splitlines() or [""]:
        kind, _, failure = line.partition(PROMPT_FAILURE_SEPARATOR)
        if not failure:
            kind, failure = "", line
        found = reason_names(failure) or [_plain_reason(failure)[:80]]
        names += [f"{name} ({kind})" if kind else name for name in found]
    wording = wording_for(language)
    template = wording.fallback_rejected_label if rejected else wording.fallback_failed_label
    return template.format(model=model, reasons=", ".join(names))


PROMPT_FAILURE_SEPARATOR = " prompt: "


def prompts_failures(failures: Sequence[tuple[str, str]]) -> str:
    """Why each prompt's answer was not used, one line per prompt ("method prompt: ..."); one prompt: its reason."""
    if len(failures) == 1:
        return failures[0][1]
    return "\n".join(f"{kind}{PROMPT_FAILURE_SEPARATOR}{failure}" for kind, failure in failures)


def fallback_analysis(extractive: Analysis, model: str, reason: str, language: str, rejected: bool) -> Analysis:
    """The extractive analysis labelled apart from "no model configured": a model was asked, its answer is not
    shown, and the label (a field of its own, never part of the text the checks read) says why. Keyed apart
    too, so the offline analysis of the same paper stays as it is."""
    label = fallback_label(model, reason, language, rejected)
    tag = hashlib.sha256(label.encode()).hexdigest()[:8]
    return dataclasses.replace(extractive, analyzer=FALLBACK_ANALYZER, label=label,
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
def cut_answer_problems(what: str, finish_reason: str | None, limit: str) -> list[str]:
    """An answer that did not end by itself (the output cap, a loop we cut, the time cap) is never stored."""
    if finish_reason == "length":
        return [f"{what}_truncated: the answer stopped at {limit}"]
    if finish_reason == "repetition":
        return [f"{what}_repetitive: the answer kept repeating itself and was cut off"]
    if finish_reason == TIME_CAP:
        return [f"{what}_time_cap: the answer was cut at llm_paper_time_cap_seconds"]
    return []


def validation_problems(
    text: str,
    *,
    paper: Paper,
    kind: str,
    language: str,
    paper_urls: set[str] | None,
    finish_reason: str | None = None,
    limit: str = "llm_max_output_tokens",
    context: str = "",
) -> list[str]:
    """Why `text` (the model's normalised answer alone) cannot be stored as the paper's analysis; empty when it
    is fine. `context`: the text of the sections the model read, for the check that it is about this paper."""
    problems = cut_answer_problems("analysis", finish_reason, limit)
    findings = check_analysis(paper.versioned_id, text, abstract=paper.abstract, paper_urls=paper_urls,
                              language=language, kind=kind, title=paper.title,  # type: ignore[arg-type]
                              context=context)
    problems += [f"{f.check}: {f.detail}" for f in findings
                 if f.severity == BLOCKING or f.check == ANALYSIS_UNGROUNDED_URL]
    return problems


_URL_IN_REASON = re.compile(r"https?://\S+")


def _plain_reason(reason: str) -> str:
    """A failure reason fit for a label: no URLs (a label must not add links the paper lacks), one line."""
    return _URL_IN_REASON.sub("<URL>", reason).replace("\n", " ")[:200]


def model_analysis_label(prompt: Prompt, model: str, language: str, unavailable_reason: str) -> str:
    """Our line above a model's analysis: who wrote it, from what, and (abstract only) why not from the full
    text. Stored apart from the model's text, so no check ever reads it as the model's words."""
    wording = wording_for(language)
    if prompt.kind == "method":
        return wording.model_method_label.format(model=model, note=prompt.note)
    return wording.abstract_only_label.format(reason=_plain_reason(unavailable_reason)) + "\n" + \
        wording.model_abstract_label.format(model=model)


def method_failure_reason(failure: str, language: str) -> str:
    """Why the full-text analysis was not used, by the names of its failures (never the refused sentence)."""
    names = reason_names(failure) or [_plain_reason(failure)[:80]]
    return wording_for(language).method_rejected_reason.format(reason=", ".join(names))


@dataclass(frozen=True)
class _Call:
    """What every model call of one paper shares: its deadline, the settings key, its URLs and its text."""

    deadline: float
    settings_key: str | None
    paper_urls: set[str] | None
    context: str


@dataclass(frozen=True)
class _Tried:
    """One prompt tried: the answer (None when not usable), why not, whether the model's answer was rejected."""

    answer: str | None
    failure: str
    rejected: bool
    stop: bool = False


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
        context = "\n".join(section.text for section in usable_sections(data.sections))
        unavailable = data.unavailable_reason
        earlier_failure = ""
        failure = ""
        failures: list[tuple[str, str]] = []
        rejected = False
        settings_key = self._settings_key()
        deadline = time.monotonic() + self.paper_time_cap_seconds
        for prompt in prompts:
            tried = self._try(prompt, data, language, ledger, _Call(deadline, settings_key, paper_urls, context))
            failure = tried.failure
            rejected = rejected or tried.rejected
            if tried.stop:
                break
            if tried.answer is not None:
                analysis = Analysis(
                    arxiv_id=data.paper.arxiv_id,
                    version=data.paper.version,
                    kind=AnalysisKind(prompt.kind),
                    analyzer=f"{MODEL_ANALYZER_PREFIX}{name}",
                    language=language,
                    content=tried.answer.strip() + "\n",
                    key_findings=tuple(key_findings(data.paper.abstract)),
                    prompt_hash=prompt.prompt_hash,
                    label=model_analysis_label(prompt, name, language, unavailable),
                )
                return AnalysisOutcome(analysis, name, fallback_reason=earlier_failure)
            earlier_failure = failure
            failures.append((prompt.kind, failure))
            if prompt.kind == "method":
                unavailable = method_failure_reason(failure, language)
        if failure and (prompt.kind, failure) not in failures:  # the loop stopped early on this prompt
            failures.append((prompt.kind, failure))
        reason = prompts_failures(failures) if failures else failure
        log.warning("%s: %s; using the extractive analysis", data.paper.versioned_id, reason.replace("\n", "; "))
        return ExtractiveAnalyzer().analyze(data, language, ledger, fallback_reason=reason, fallback_model=name,
                                            rejected=rejected)

    def _try(self, prompt: Prompt, data: AnalysisInput, language: str, ledger: AnalysisLedger,
             call: _Call) -> _Tried:
        """One prompt's answer, or why not; `stop` when the next prompt must not be tried either."""
        name = self.model.name
        settled = "" if self.force else settled_reason(ledger.history(prompt.prompt_hash, name), call.settings_key,
                                                        self.now(), self.error_cooldown_seconds)
        if settled:
            # An errored last run found the endpoint failing: the next prompt waits for the cool-down too.
            return _Tried(None, settled, settled.startswith("rejected"), stop=settled.startswith("errored"))
        rebuild = None
        if prompt.kind == "method":
            def rebuild(budget: int, method: Prompt = prompt) -> Prompt:
                shrunk = build_method_prompt(data.paper, data.sections, data.links, language=language,
                                             model=name, budget=budget)
                # Same cache key: the shrunk prompt is the same question asked within the window.
                return dataclasses.replace(shrunk, prompt_hash=method.prompt_hash)
        try:
            answer, failure = self._ask(prompt, data.paper, language, call.paper_urls, ledger, call.deadline,
                                        call.settings_key, rebuild, call.context)
        except ModelCallFailed as exc:
            # The endpoint is down, refuses us, or the paper's time is up: no further prompt.
            return _Tried(None, f"model call failed: {exc.reason}", False,
                          stop=not exc.request_rejected or exc.kind == TIME_CAP)
        return _Tried(answer, failure, answer is None)

    def _complete(self, prompt: Prompt, messages: Sequence[Message], ledger: AnalysisLedger, deadline: float,
                  settings_key: str | None, rebuild: Callable[[int], Prompt] | None) -> tuple[Completion, Prompt]:
        """One completion; a prompt too long for the window is shrunk to fit and sent once more."""
        name = self.model.name
        try:
            completion = self.model.complete(messages, deadline=deadline)
            record_failed_calls(ledger.record, prompt.prompt_hash, name, completion.failed_calls, settings_key)
            return completion, prompt
        except ModelCallFailed as exc:
            record_failed_calls(ledger.record, prompt.prompt_hash, name, exc.failed_calls, settings_key)
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
            record_failed_calls(ledger.record, prompt.prompt_hash, name, exc.failed_calls, settings_key)
            raise
        record_failed_calls(ledger.record, prompt.prompt_hash, name, completion.failed_calls, settings_key)
        return completion, shrunk

    def _ask(self, prompt: Prompt, paper: Paper, language: str, paper_urls: set[str] | None,
             ledger: AnalysisLedger, deadline: float = float("inf"), settings_key: str | None = None,
             rebuild: Callable[[int], Prompt] | None = None, context: str = "") -> tuple[str | None, str]:
        """(validated answer or None, why the last answer failed), asking again with the first failure named.

        Raises ModelCallFailed when the model gives no answer at all; every try is in the ledger either way.
        """
        def complete(asked: Prompt, messages: Sequence[Message], first: bool) -> tuple[Completion, Prompt]:
            return self._complete(asked, messages, ledger, deadline, settings_key, rebuild if first else None)

        def validate(text: str, completion: Completion, asked: Prompt) -> list[str]:
            return validation_problems(text, paper=paper, kind=asked.kind, language=language, paper_urls=paper_urls,
                                       finish_reason=completion.finish_reason, limit=truncation_limit(completion),
                                       context=context)

        def normalise(raw: str, asked: Prompt) -> Normalised:
            return normalise_analysis(raw, asked.kind, language)

        return ask_validated(prompt, self.model.name, complete=complete, validate=validate, record=ledger.record,
                             cost_usd=self.cost_usd, settings_key=settings_key, normalise=normalise)


def ask_validated(
    prompt: Prompt,
    model_name: str,
    *,
    complete: Callable[[Prompt, Sequence[Message], bool], tuple[Completion, Prompt]],
    validate: Callable[[str, Completion, Prompt], list[str]],
    record: Callable[[AttemptRecord], None],
    cost_usd: Callable[[int, int], float],
    settings_key: str | None = None,
    normalise: Callable[[str, Prompt], Normalised] = lambda raw, _prompt: without_reasoning(raw),
) -> tuple[str | None, str]:
    """Ask, normalise, validate, record, and ask once more with the failure named: (the normalised answer or
    None, the last failure).

    The one loop behind paper analyses and the day's summary. `complete(prompt, messages, first_round)` makes
    the call (and may send a shrunk prompt, which it returns); what it raises (no answer at all) propagates.
    `normalise` takes the reasoning, the wrapping and the small talk out and sets the headings in one style:
    what is validated is what will be published (by default only the reasoning goes).
    """
    failure = ""
    for round_number in (1, 2):
        messages = prompt.messages if round_number == 1 else prompt.with_retry_note(failure).messages
        completion, prompt = complete(prompt, messages, round_number == 1)
        normalised = normalise(completion.text, prompt)
        text = normalised.text
        problems = validate(text, completion, prompt) if text.strip() else [
            "answer_empty: nothing is left once the model's reasoning is taken out"]
        failure = "; ".join(problems)
        record(AttemptRecord.of_completion(prompt.prompt_hash, model_name, completion, failure,
                                           cost_usd(completion.input_tokens, completion.output_tokens), settings_key,
                                           normalised.reasoning_chars))
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


def record_failed_calls(record: Callable[[AttemptRecord], None], prompt_hash: str, model: str,
                        calls: Iterable[FailedCall], settings_key: str | None = None) -> None:
    """One error attempt per call that gave no answer (they cost time, and count towards the cool-down)."""
    for call in calls:
        record(AttemptRecord(prompt_hash, model, ERROR, call.reason, latency_ms=call.latency_ms,
                             error_kind=call.kind, settings_key=settings_key, queue_ms=call.queue_ms))


class StoreLedger:
    """The AnalysisLedger of one paper in the DuckDB store."""

    def __init__(self, store: AnalysisStore, paper: Paper, language: str) -> None:
        self.store = store
        self.paper = paper
        self.language = language

    def cached(self, prompt_hash: str, model: str) -> Analysis | None:
        return self.store.cached_analysis(self.paper.arxiv_id, self.paper.version, prompt_hash, model, self.language)

    def record(self, attempt: AttemptRecord) -> None:
        record_attempt(self.store, self.paper.arxiv_id, self.paper.version, self.language, attempt)

    def history(self, prompt_hash: str, model: str) -> list[StoredAttempt]:
        return self.store.analysis_attempt_history(self.paper.arxiv_id, self.paper.version, prompt_hash, model,
                                                   self.language)


def record_attempt(store: AnalysisStore, arxiv_id: str, version: int, language: str, attempt: AttemptRecord) -> None:
    """One try into analysis_attempts (papers, and the day's summary under its own id)."""
    store.record_analysis_attempt(
        arxiv_id, version, attempt.prompt_hash, attempt.model, language, attempt.status, attempt.reason,
        attempt.input_tokens, attempt.output_tokens, attempt.latency_ms, attempt.cost_usd,
        error_kind=attempt.error_kind, settings_key=attempt.settings_key, queue_ms=attempt.queue_ms,
        estimated_input_tokens=attempt.estimated_input_tokens, usage_reported=attempt.usage_reported,
        finish_reason=attempt.finish_reason, reasoning_tokens=attempt.reasoning_tokens,
        reasoning_ms=attempt.reasoning_ms,
    )
