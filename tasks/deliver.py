"""Step 8 as a Prefect task: mail the published digest (step: arxiv_digest.steps.deliver).

A mail server's fault never fails this task (it is recorded per recipient and retried by the next run); a
retry here is for the unexpected, such as a store write conflict. Every socket call has smtp_timeout_seconds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.deliver import deliver_day

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="deliver", task_run_name="deliver-{category}-{digest_day}", retries=1, retry_delay_seconds=10,
      cache_policy=NONE)
def deliver_task(settings: Settings, digest_day: date, category: str) -> dict[str, Any]:
    return deliver_day(runtime_for(settings), digest_day, category).as_result()
