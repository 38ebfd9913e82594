"""Step 2 as a Prefect task: download each paper's PDF once (step: arxiv_digest.steps.download)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.errors import HttpGiveUp, NetworkUnreachable
from arxiv_digest.operations.batches import BatchFailed, PaperKey, run_batch
from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings
from arxiv_digest.steps.download import download_paper

log = logging.getLogger(__name__)


def _worth_retrying(task: object, task_run: object, state: Any) -> bool:
    """Retry the task after transient trouble (arXiv unreachable), not after a final answer (404, not a PDF).

    A retried batch downloads only what is still missing: finished papers answer "cached" at once.
    """
    try:
        state.result(raise_on_failure=True)
    except NetworkUnreachable:  # the client already tried; the next run or `rerun --failed` tries again
        return False
    except HttpGiveUp:
        return True
    except BatchFailed as failed:
        return any(isinstance(exc, HttpGiveUp) and not isinstance(exc, NetworkUnreachable)
                   for exc in failed.failures.values())
    except Exception:  # any other failure is final for this paper: it is recorded, not retried
        return False
    return False


@task(name="download", task_run_name="download-{label}", retries=1, retry_delay_seconds=5,
      retry_jitter_factor=0.5, retry_condition_fn=_worth_retrying, cache_policy=NONE)
def download_task(settings: Settings, label: str, papers: Sequence[PaperKey], digest_day: date | None = None,
                  category: str = "") -> dict[str, str]:
    runtime = runtime_for(settings)
    return run_batch("download", papers, lambda arxiv_id, version: download_paper(runtime, arxiv_id, version,
                                                                                   digest_day, category))
