"""Step 5, summarize: the day's executive summary, by the model when one is configured, else extractive."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime

from arxiv_digest.analysis.analyzer import AttemptRecord, fallback_label, is_rejection, record_attempt, settled_reason
from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL, MODEL_ANALYZER_PREFIX
from arxiv_digest.analysis.model import ConfiguredModel
from arxiv_digest.analysis.prompting import Prompt
from arxiv_digest.analysis.summary import (
    SUMMARY_ATTEMPT_VERSION,
    day_summary_prompt,
    extractive_summary,
    model_summary,
    summary_attempt_id,
    summary_fingerprint,
)
from arxiv_digest.runtime import Runtime
from arxiv_digest.settings import Settings
from arxiv_digest.store import Store
from arxiv_digest.wording import wording_for
from schemas.records import Analysis, Paper

log = logging.getLogger(__name__)


def summary_prompt(settings: Settings, digest_day: date, category: str, papers: Sequence[Paper],
                   analyses: dict[str, Analysis], budget: int | None = None) -> Prompt:
    """The summary prompt of the configured model and language (the configured budget unless `budget`)."""
    return day_summary_prompt(digest_day, category, papers, analyses, language=settings.language,
                              model=settings.llm_model,
                              budget=settings.llm_input_token_budget if budget is None else budget)


def _ask_model(store: Store, model: ConfiguredModel, settings: Settings, prompt: Prompt, budget: int,
               digest_day: date, category: str, papers: Sequence[Paper]) -> tuple[str | None, str]:
    """The model's summary (None and why not when it is settled as failed, or both answers fail)."""
    attempt_id = summary_attempt_id(digest_day, category)
    history = store.analysis_attempt_history(attempt_id, SUMMARY_ATTEMPT_VERSION, prompt.prompt_hash,
                                             settings.llm_model, settings.language)
    settings_key = model.settings_key(budget)
    failure = settled_reason(history, settings_key, datetime.now(UTC), settings.llm_error_cooldown_seconds)
    if failure:
        return None, failure

    def record(attempt: AttemptRecord) -> None:
        record_attempt(store, attempt_id, SUMMARY_ATTEMPT_VERSION, settings.language, attempt)

    return model_summary(
        model, prompt, digest_day=digest_day, papers=papers, language=settings.language, record=record,
        cost_usd=model.config.cost_usd, deadline=time.monotonic() + settings.llm_paper_time_cap_seconds,
        settings_key=settings_key)


def _model_step(runtime: Runtime, store: Store, digest_day: date, category: str, papers: Sequence[Paper],
                analyses: dict[str, Analysis]) -> int | str:
    """The model's part: the stored or new summary's length, else the fallback label of the extractive one."""
    settings = runtime.settings
    stored = store.summary(digest_day, category, settings.language)
    # A stored summary of the same prompt needs nothing from the server, not even its window: the prompt of
    # the configured budget is the one asked whenever the window did not shrink it (the usual case).
    if stored is not None and stored.model == settings.llm_model and stored.fingerprint == summary_prompt(
            settings, digest_day, category, papers, analyses).prompt_hash:
        return len(stored.content)
    model = runtime.model()
    budget = model.input_budget(settings.llm_input_token_budget)
    prompt = summary_prompt(settings, digest_day, category, papers, analyses, budget)
    if stored is not None and stored.fingerprint == prompt.prompt_hash and stored.model == settings.llm_model:
        return len(stored.content)
    content, failure = _ask_model(store, model, settings, prompt, budget, digest_day, category, papers)
    if content is not None:
        label = wording_for(settings.language).model_summary_label.format(model=settings.llm_model)
        store.save_summary(digest_day, category, settings.language, prompt.prompt_hash, settings.llm_model,
                           f"{MODEL_ANALYZER_PREFIX}{settings.llm_model}", content, label=label)
        return len(content)
    log.warning("executive summary of %s %s: %s; using the extractive summary", category, digest_day, failure)
    return fallback_label(settings.llm_model, failure, settings.language, is_rejection(failure))


def summarize_day(runtime: Runtime, digest_day: date, category: str) -> int:
    """Step 5: the day's executive summary, by the model when one is configured, else extractive; its length.

    As for papers: a stored summary of the same prompt is not asked again, a rejected one neither, an errored one
    only after the cool-down (`run --force` does not change a summary's prompt: a changed analysis does).
    """
    settings = runtime.settings
    store = runtime.store()
    papers = store.digest_papers(digest_day, category)
    analyses = store.digest_analyses(digest_day, category)
    fallback = ""
    if settings.uses_llm and papers:
        done = _model_step(runtime, store, digest_day, category, papers, analyses)
        if isinstance(done, int):
            return done
        fallback = done
    stored = store.summary(digest_day, category, settings.language)
    fingerprint = summary_fingerprint(papers, analyses)
    if fallback:
        fingerprint += "+fallback:" + hashlib.sha256(fallback.encode()).hexdigest()[:8]
    if stored is not None and stored.fingerprint == fingerprint:
        return len(stored.content)
    content = extractive_summary(digest_day, category, papers, analyses, settings.language)
    store.save_summary(digest_day, category, settings.language, fingerprint, EXTRACTIVE_MODEL,
                       "extractive-fallback" if fallback else "extractive", content, label=fallback)
    return len(content)
