"""Step 4 as Prefect tasks: the model preflight and per-paper analysis (step: arxiv_digest.steps.analyze)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from prefect import task
from prefect.cache_policies import NONE
from prefect.logging import get_run_logger

from arxiv_digest.operations.batches import PaperKey, run_batch
from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.analyze import analyze_paper, model_preflight

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="analyze", task_run_name="analyze-{label}", retries=1, retry_delay_seconds=5,
      retry_jitter_factor=0.5, cache_policy=NONE)
def analyze_task(
    settings: Settings, label: str, papers: Sequence[PaperKey], digest_day: date, category: str, force: bool = False
) -> dict[str, str]:
    runtime = runtime_for(settings)
    # A batch's papers wait for the model side by side: up to llm_concurrency requests in flight.
    at_once = settings.llm_concurrency if settings.uses_llm else 1
    return run_batch("analyze", papers, lambda arxiv_id, version: analyze_paper(
        runtime, arxiv_id, version, digest_day, category, force=force), at_once)


@task(name="model-preflight", task_run_name="model-preflight-{category}-{digest_day}", cache_policy=NONE)
def preflight_task(settings: Settings, digest_day: date, category: str, papers: Sequence[PaperKey]) -> str:
    """A wrong key, URL or model name stops the run here, before any paper is sent (core: model_preflight)."""
    report = model_preflight(runtime_for(settings), papers, digest_day, category)
    if report is None:
        return ""
    get_run_logger().info(report.log_line())
    return report.figures
