"""Step 7 as a Prefect task: write the day's digest files and the run record (step: arxiv_digest.steps.publish)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from arxiv_digest.publish.day import artifact_key, artifact_markdown
from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.publish import publish_day
from tasks.context import current_flow_run_id, step_seconds

# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="publish", task_run_name="publish-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def publish_task(settings: Settings, digest_day: date, category: str) -> dict[str, Any]:
    flow_run_id = current_flow_run_id()
    published = publish_day(runtime_for(settings), digest_day, category, step_seconds(flow_run_id))
    if flow_run_id:
        create_markdown_artifact(
            key=artifact_key(category, digest_day),
            markdown=artifact_markdown(digest_day, category, published.counts, published.summary, published.path),
            description=f"{category} digest of {digest_day.isoformat()}",
        )
    return published.as_result()
