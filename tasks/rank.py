"""Between fetch and the per-paper steps, as a Prefect task: each interest profile's ranking of the day, which
sets the reading budget (step: arxiv_digest.steps.rank).
"""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.rank import rank_day

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="rank", task_run_name="rank-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def rank_task(settings: Settings, digest_day: date, category: str) -> dict[str, int]:
    return rank_day(runtime_for(settings), digest_day, category)
