"""Step 4 as Prefect tasks: the model preflight and per-paper analysis (core: arxiv_digest.analysis)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.analysis.analyzer import analyze_paper
from arxiv_digest.analysis.model import (
    shared_model,
)
from arxiv_digest.operations.batches import PaperKey, run_batch
from arxiv_digest.settings import Settings

log = logging.getLogger(__name__)


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
