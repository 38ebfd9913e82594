"""Between fetch and the per-paper steps, as a Prefect task: which papers still need work
(step: arxiv_digest.steps.plan).
"""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.plan import plan_day

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="plan", task_run_name="plan-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def plan_task(
    settings: Settings, digest_day: date, category: str, keys: list[tuple[str, int]], force: bool = False
) -> list[tuple[str, int]]:
    return plan_day(runtime_for(settings), keys, digest_day, category, force)
