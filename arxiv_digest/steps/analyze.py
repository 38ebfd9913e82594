"""Step 4, analyze: each paper's method analysis (model or extractive), stored once; the model preflight."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from arxiv_digest.analysis.analyzer import Analyzer, ExtractiveAnalyzer, ModelAnalyzer, StoreLedger
from arxiv_digest.analysis.extractive import ACCEPTED, ERROR, EXTRACTIVE_MODEL, REJECTED, gather_input
from arxiv_digest.analysis.model import PERMANENT_KINDS
from arxiv_digest.interests.budget import budgeted_input
from arxiv_digest.runtime import Runtime
from schemas.records import AnalysisKind, PaperKey, Status


def analyzer_for(runtime: Runtime, force: bool = False) -> Analyzer:
    """The model analyzer when llm_base_url is set, else the offline extractive one."""
    settings = runtime.settings
    if not settings.uses_llm:
        return ExtractiveAnalyzer()
    model = runtime.model()
    return ModelAnalyzer(model, input_token_budget=settings.llm_input_token_budget, cost_usd=model.config.cost_usd,
                         paper_time_cap_seconds=settings.llm_paper_time_cap_seconds,
                         error_cooldown_seconds=settings.llm_error_cooldown_seconds, force=force)


def analyze_paper(runtime: Runtime, arxiv_id: str, version: int, digest_day: date, category: str,
                  force: bool = False) -> str:
    """Analyse one paper for the digest (stored answers and rejected ones are not paid for twice); the kind."""
    settings = runtime.settings
    store = runtime.store()
    paper = store.paper(arxiv_id, version)
    if paper is None:
        raise LookupError(f"{PaperKey(arxiv_id, version)} is not in the store; run the fetch step for {digest_day} "
                          "first")
    # Beyond every profile's reading budget the model sees the abstract only (no profile: the full text).
    data = budgeted_input(gather_input(store, paper), store.paper_ranks(digest_day, category, arxiv_id, version),
                          settings.language)
    outcome = analyzer_for(runtime, force=force).analyze(data, settings.language,
                                                          StoreLedger(store, paper, settings.language))
    analysis = outcome.analysis
    model_fell_back = settings.uses_llm and outcome.model == EXTRACTIVE_MODEL
    status = Status.OK if analysis.kind == AnalysisKind.METHOD and not model_fell_back else Status.FALLBACK
    detail = f"{analysis.kind} analysis ({analysis.analyzer})" + (", cached" if outcome.cached else "")
    if outcome.fallback_reason:
        detail += f"; model answer not used: {outcome.fallback_reason}"
    with store.batch():
        if not outcome.cached:
            store.save_analysis(analysis, outcome.model)
        store.set_digest_analysis(digest_day, category, analysis, outcome.model)
        store.record_step(arxiv_id, version, "analyze", status, detail[:2000])
    return analysis.kind


@dataclass(frozen=True)
class PreflightReport:
    """What the model preflight learned: the figures of a run's model calls, and advice when they look wrong."""

    figures: str
    hint: str = ""

    def log_line(self) -> str:
        return self.figures + (f"; note: {self.hint}" if self.hint else "")


def papers_for_the_model(runtime: Runtime, papers: Sequence[tuple[str, int]], digest_day: date, category: str,
                         now: datetime | None = None) -> list[tuple[str, int]]:
    """The papers a run may send to the model: not those whose answers it rejected (the rejection stands) or the
    quality gate turned down (the same answer would be turned down again), nor those whose last call errored
    within the cool-down (they wait)."""
    settings = runtime.settings
    now = now or datetime.now(UTC)
    store = runtime.store()
    last = store.last_model_attempts(list(papers), settings.llm_model, settings.language)
    progress = store.day_progress(digest_day, category)
    waiting = set()
    for key, attempt in last.items():
        gate = found.steps.get("quality") if (found := progress.get(key)) else None
        turned_down = attempt.status == ACCEPTED and gate in (Status.FALLBACK, Status.WITHHELD)
        cooling = attempt.status == ERROR and attempt.error_kind not in PERMANENT_KINDS and (
            now - attempt.created_at).total_seconds() < settings.llm_error_cooldown_seconds
        if attempt.status == REJECTED or turned_down or cooling:
            waiting.add(key)
    return [key for key in papers if key not in waiting]


def model_preflight(runtime: Runtime, papers: Sequence[tuple[str, int]], digest_day: date,
                    category: str) -> PreflightReport | None:
    """Before any paper is sent: one check that the key, URL and model name work, and the window's figures.

    Only when papers may be sent to the model, so a rerun of a finished day (or of one whose papers all wait
    for the cool-down or stand rejected) makes no request at all.
    """
    settings = runtime.settings
    if not settings.uses_llm or not papers or not papers_for_the_model(runtime, papers, digest_day, category):
        return None
    model = runtime.model()
    window = model.preflight()
    budget = model.input_budget(settings.llm_input_token_budget)
    figures = (f"model {model.name} at {settings.llm_base_url}: {window.describe()}; per call: input budget "
               f"{budget} estimated tokens (llm_input_token_budget {settings.llm_input_token_budget}), answer up "
               f"to {settings.llm_max_output_tokens} tokens within the window; {settings.llm_concurrency} "
               f"request(s) at once; {settings.llm_paper_time_cap_seconds:g} s of model time per paper")
    hint = window.slot_hint(settings.llm_concurrency, settings.llm_input_token_budget + settings.llm_max_output_tokens)
    return PreflightReport(figures, hint or "")
