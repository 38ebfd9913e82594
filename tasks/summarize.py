"""Step 5 as a Prefect task: the executive summary of the day (step: arxiv_digest.steps.summarize)."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.summarize import summarize_day

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="summarize", task_run_name="summarize-{category}-{digest_day}", retries=1, retry_delay_seconds=5,
      cache_policy=NONE)
def summarize_task(settings: Settings, digest_day: date, category: str) -> int:
    return summarize_day(runtime_for(settings), digest_day, category)
