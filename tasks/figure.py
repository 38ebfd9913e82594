"""Step 3c as a Prefect task: each paper's teaser figure (step: arxiv_digest.steps.figure)."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.operations.batches import PaperKey, run_batch
from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.figure import figure_paper

# -- Prefect task ---------------------------------------------------------------------------------------------


@task(name="figure", task_run_name="figure-{label}", retries=1, retry_delay_seconds=1, cache_policy=NONE)
def figure_task(settings: Settings, label: str, papers: Sequence[PaperKey]) -> dict[str, str]:
    runtime = runtime_for(settings)
    return run_batch("figure", papers, lambda arxiv_id, version: figure_paper(runtime, arxiv_id, version),
                     settings.extract_workers)  # one paper per reading process at once
