"""Step 6 as a Prefect task: the quality gate between analysis and publish (step: arxiv_digest.steps.quality)."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.quality import run_quality_gate
from tasks.context import current_flow_run_id

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="quality", task_run_name="quality-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def quality_task(settings: Settings, digest_day: date, category: str) -> dict[str, int]:
    return run_quality_gate(runtime_for(settings), digest_day, category, current_flow_run_id())
