"""Step 5 as a Prefect task: the executive summary of the day (core: arxiv_digest.analysis.summary)."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, date, datetime

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.analysis.analyzer import (
    AttemptRecord,
    fallback_label,
    is_rejection,
    record_attempt,
    settled_reason,
)
from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL, MODEL_ANALYZER_PREFIX
from arxiv_digest.analysis.model import shared_model
from arxiv_digest.analysis.summary import (
    SUMMARY_ATTEMPT_VERSION,
    extractive_summary,
    model_summary,
    summary_attempt_id,
    summary_fingerprint,
    summary_prompt,
)
from arxiv_digest.settings import Settings

log = logging.getLogger(__name__)


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="summarize", task_run_name="summarize-{category}-{digest_day}", retries=1, retry_delay_seconds=5,
      cache_policy=NONE)
def summarize_task(settings: Settings, digest_day: date, category: str) -> int:
    from arxiv_digest.store import open_store

    store = open_store(settings.db_path)
    papers = store.digest_papers(digest_day, category)
    analyses = store.digest_analyses(digest_day, category)
    stored = store.summary(digest_day, category, settings.language)
    fallback = ""
    if settings.uses_llm and papers:
        model = shared_model(settings)
        budget = model.input_budget(settings.llm_input_token_budget)
        prompt = summary_prompt(settings, digest_day, category, papers, analyses, budget)
        if stored is not None and stored[1] == prompt.prompt_hash and stored[2] == settings.llm_model:
            return len(stored[0])
        attempt_id = summary_attempt_id(digest_day, category)
        history = store.analysis_attempt_history(attempt_id, SUMMARY_ATTEMPT_VERSION, prompt.prompt_hash,
                                                 settings.llm_model, settings.language)
        settings_key = model.settings_key(budget)
        # As for papers: a rejected summary of this very prompt is not asked again, an errored one only after
        # the cool-down (`run --force` does not change a summary's prompt: a changed analysis does).
        failure = settled_reason(history, settings_key, datetime.now(UTC), settings.llm_error_cooldown_seconds)
        content = None
        if not failure:
            def record(attempt: AttemptRecord) -> None:
                record_attempt(store, attempt_id, SUMMARY_ATTEMPT_VERSION, settings.language, attempt)

            content, failure = model_summary(
                model, prompt, digest_day=digest_day, papers=papers, language=settings.language, record=record,
                cost_usd=model.config.cost_usd, deadline=time.monotonic() + settings.llm_paper_time_cap_seconds,
                settings_key=settings_key)
        if content is not None:
            store.save_summary(digest_day, category, settings.language, prompt.prompt_hash, settings.llm_model,
                               f"{MODEL_ANALYZER_PREFIX}{settings.llm_model}", content)
            return len(content)
        log.warning("executive summary of %s %s: %s; using the extractive summary", category, digest_day, failure)
        fallback = fallback_label(settings.llm_model, failure, settings.language, is_rejection(failure))
    fingerprint = summary_fingerprint(papers, analyses)
    if fallback:
        fingerprint += "+fallback:" + hashlib.sha256(fallback.encode()).hexdigest()[:8]
    if stored is not None and stored[1] == fingerprint:
        return len(stored[0])
    content = extractive_summary(digest_day, category, papers, analyses, settings.language)
    if fallback:
        content = f"{fallback}\n\n{content}"
    store.save_summary(digest_day, category, settings.language, fingerprint, EXTRACTIVE_MODEL,
                       "extractive-fallback" if fallback else "extractive", content)
    return len(content)
