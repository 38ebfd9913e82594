"""Step 3b as a Prefect task: each paper's sections and code links (step: arxiv_digest.steps.pdf)."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.operations.batches import PaperKey, run_batch
from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.pdf import segment_paper

# -- Prefect task ---------------------------------------------------------------------------------------------


@task(name="segment", task_run_name="segment-{label}", retries=1, retry_delay_seconds=1, cache_policy=NONE)
def segment_task(settings: Settings, label: str, papers: Sequence[PaperKey]) -> dict[str, int]:
    runtime = runtime_for(settings)
    return run_batch("segment", papers, lambda arxiv_id, version: segment_paper(runtime, arxiv_id, version))
