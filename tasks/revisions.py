"""After fetch, as a Prefect task: the new versions of the reader's liked and saved papers that the digest lists
in its "Revised" section (step: arxiv_digest.steps.revisions). A lookup that fails never fails the task."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.revisions import list_revisions

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="revisions", task_run_name="revisions-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def revisions_task(settings: Settings, digest_day: date, category: str) -> int:
    return len(list_revisions(runtime_for(settings), digest_day, category))
