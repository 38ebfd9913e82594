"""The day's progress in the Prefect UI: a progress artifact and a log line every half minute or so
(core: arxiv_digest.operations.progress, which counts the papers through each step)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from prefect import task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NONE
from prefect.logging import get_run_logger

from arxiv_digest.operations.batches import PaperKey
from arxiv_digest.operations.progress import ProgressSnapshot, add_listener, remove_listener, track_day
from arxiv_digest.settings import Settings
from tasks.context import current_flow_run_id


def progress_key(category: str, digest_day: date) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return "progress-" + "".join(c if c.isalnum() else "-" for c in f"{category.lower()}-{digest_day.isoformat()}")


def report_to_prefect(day: str, artifact_id: Any, logger: Any,
                      update: Callable[..., Any] = update_progress_artifact) -> None:
    """Listen for the day's snapshots: update the artifact's bar and description, log the line in the run."""

    def listener(snapshot: ProgressSnapshot) -> None:
        if snapshot.day != day:
            return
        if snapshot.analysed >= snapshot.total:
            remove_listener(listener)
        if artifact_id is not None:
            update(artifact_id, round(100 * snapshot.fraction, 1), description=snapshot.line())
        logger.info(snapshot.line())

    add_listener(listener)


def start_progress(settings: Settings, digest_day: date, category: str, papers: Sequence[PaperKey]) -> int:
    """Count the day's papers through their steps and report them to the UI (nothing to do: nothing to count)."""
    if not papers:
        return 0
    day = f"{category} {digest_day.isoformat()}"
    track_day(day, papers, settings.progress_every_seconds)
    artifact = None
    if current_flow_run_id():
        artifact = create_progress_artifact(0.0, key=progress_key(category, digest_day),
                                            description=f"{day}: {len(papers)} papers to do")
    report_to_prefect(day, artifact, get_run_logger())
    return len(papers)


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="progress", task_run_name="progress-{category}-{digest_day}", cache_policy=NONE)
def progress_task(settings: Settings, digest_day: date, category: str, papers: Sequence[PaperKey]) -> int:
    """Start counting the day's papers (before its per-paper steps) and reporting them to the UI."""
    return start_progress(settings, digest_day, category, papers)
