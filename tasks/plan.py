"""Between fetch and the per-paper steps, as a Prefect task: which papers still need work
(core: arxiv_digest.operations.plan).
"""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.operations.plan import current_analyzer, papers_needing_work
from arxiv_digest.settings import Settings

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="plan", task_run_name="plan-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def plan_task(
    settings: Settings, digest_day: date, category: str, keys: list[tuple[str, int]], force: bool = False
) -> list[tuple[str, int]]:
    from arxiv_digest.pdf.layout import EXTRACTOR_VERSION
    from arxiv_digest.store import open_store

    if force:
        return list(keys)
    return papers_needing_work(
        open_store(settings.db_path), keys, digest_day, category,
        analyzer=current_analyzer(settings), language=settings.language, extractor_version=EXTRACTOR_VERSION,
    )
