"""Step 1 as a Prefect task: the papers of a digest, with retries until the announcement is visible
(step: arxiv_digest.steps.fetch).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.catalog.announcements import Announcement
from arxiv_digest.errors import AnnouncementNotVisible, DigestInputError, NetworkUnreachable, SampleStoreError
from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.fetch import fetch_digest
from tasks.context import current_flow_run_id

# -- Prefect task ----------------------------------------------------------------------------------------


def _retry_unless_final(task: object, task_run: object, state: Any) -> bool:
    # A future date never becomes valid by waiting; an announcement not yet visible waits for the flow's
    # own, longer retry policy (announcement_retry_options) rather than this task's quick retries. An unreachable
    # arXiv was already tried by the client; a store holding the sample day needs the user.
    return not isinstance(state.data, DigestInputError | AnnouncementNotVisible | NetworkUnreachable | SampleStoreError)


def announcement_retry_options(settings: Settings, found: Announcement) -> dict[str, Any]:
    """Task options that retry an announcement not visible yet every few minutes until its deadline.

    The deadline (hours after the announcement) bounds the number of retries, computed once at the start;
    past it the run fails at once (transient HTTP errors are retried inside the client either way).
    """
    deadline = found.announced_at + timedelta(hours=settings.announcement_retry_deadline_hours)
    remaining = (deadline - settings.current_time()).total_seconds()
    retries = math.ceil(remaining / settings.announcement_retry_delay_seconds) if remaining > 0 else 0
    return {"retries": retries, "retry_delay_seconds": settings.announcement_retry_delay_seconds,
            "retry_condition_fn": _retry_unless_input_error}


def _retry_unless_input_error(task: object, task_run: object, state: Any) -> bool:
    return not isinstance(state.data, DigestInputError | SampleStoreError)


@task(name="fetch", task_run_name="fetch-{category}-{digest_day}", retries=2, retry_delay_seconds=10,
      retry_jitter_factor=0.5, cache_policy=NONE, retry_condition_fn=_retry_unless_final)
def fetch_task(settings: Settings, digest_day: date, category: str, refetch: bool = True,
               found: Announcement | None = None) -> list[tuple[str, int]]:
    return fetch_digest(runtime_for(settings), digest_day, category, refetch, current_flow_run_id(), found)
