"""Step 1 as a Prefect task: the papers of a digest, with retries until the announcement is visible
(core: arxiv_digest.catalog.selection).
"""

from __future__ import annotations

import logging
import math
from datetime import date, timedelta
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.catalog.announcements import (
    Announcement,
    announcement,
    no_announcement_reason,
)
from arxiv_digest.catalog.selection import claim_digest, select_papers
from arxiv_digest.errors import AnnouncementNotVisible, DigestInputError
from arxiv_digest.settings import Settings

log = logging.getLogger(__name__)


# -- Prefect task ----------------------------------------------------------------------------------------


def _retry_unless_final(task: object, task_run: object, state: Any) -> bool:
    # A future date never becomes valid by waiting; an announcement not yet visible waits for the flow's
    # own, longer retry policy (announcement_retry_options) rather than this task's quick retries.
    return not isinstance(state.data, DigestInputError | AnnouncementNotVisible)


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
    return not isinstance(state.data, DigestInputError)


@task(name="fetch", task_run_name="fetch-{category}-{digest_day}", retries=2, retry_delay_seconds=10,
      retry_jitter_factor=0.5, cache_policy=NONE, retry_condition_fn=_retry_unless_final)
def fetch_task(
    settings: Settings, digest_day: date, category: str, sample: bool = False, refetch: bool = True
) -> list[tuple[str, int]]:
    from prefect.runtime import flow_run

    from arxiv_digest.store import open_store

    store = open_store(settings.db_path)
    earlier = store.run(digest_day, category)
    known = store.digest_papers(digest_day, category)
    store.start_run(digest_day, category, str(flow_run.id) if flow_run.id else None)
    # A rerun of failures works on the papers already chosen for the day, without asking arXiv again; that
    # list is known when it holds papers or when an earlier run got past this step (an empty day).
    if not refetch and (known or (earlier is not None and earlier["status"] == "completed")):
        log.info("reusing the %d stored paper(s) of %s", len(known), digest_day)
        return [(p.arxiv_id, p.version) for p in known]
    found = announcement(digest_day, settings.holiday_dates)
    if found is None:
        raise DigestInputError(f"{digest_day} has no arXiv announcement: "
                               f"{no_announcement_reason(digest_day, settings.holiday_dates)}")
    holdings, warnings = claim_digest(settings, found, category, sample)
    for warning in warnings:
        log.warning(warning)
    late = {paper.arxiv_id for paper, is_late in holdings if is_late}
    chosen = select_papers(
        [paper for paper, _ in holdings],
        category,
        late=late,
        include_cross_lists=settings.include_cross_lists,
        keywords_include=settings.keywords_include,
        keywords_exclude=settings.keywords_exclude,
        max_papers=settings.max_papers,
    )
    store.upsert_papers(chosen)
    store.set_digest_papers(digest_day, category, chosen, late)
    log.info("%s: the digest holds %d paper(s) (%d late), %d after filters", found.describe(), len(holdings),
             len(late), len(chosen))
    return [(p.arxiv_id, p.version) for p in chosen]
