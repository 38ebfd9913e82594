"""Step 3 as a Prefect task: each paper's PDF to page text (step: arxiv_digest.steps.pdf)."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.operations.batches import PaperKey, run_batch
from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.pdf import extract_paper

# -- Prefect task ---------------------------------------------------------------------------------------------


@task(name="extract", task_run_name="extract-{label}", retries=1, retry_delay_seconds=1, cache_policy=NONE)
def extract_task(settings: Settings, label: str, papers: Sequence[PaperKey]) -> dict[str, str]:
    runtime = runtime_for(settings)
    return run_batch("extract", papers, lambda arxiv_id, version: extract_paper(runtime, arxiv_id, version),
                     settings.extract_workers)  # one paper per reading process at once
