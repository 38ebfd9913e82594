"""Between fetch and the per-paper steps: which papers of the day still need work.

A paper whose every step succeeded, whose PDF is on disk, whose extraction is current and whose analysis for
this day was made by the configured analyzer needs nothing, so a rerun of a finished day starts no per-paper
task at all (no download, no model call, no orchestration cost). Anything else goes through the whole chain;
each step is idempotent and reuses what is already stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.settings import Settings

DONE = {
    "download": {"ok"},
    "extract": {"ok", "no_text_layer"},
    "segment": {"ok", "skipped"},
    "analyze": {"ok", "fallback"},
}


def current_analyzer(settings: Settings) -> str:
    return settings.llm_model if settings.uses_llm else "extractive"


def paper_is_done(
    store: Any,
    arxiv_id: str,
    version: int,
    *,
    chosen_model: str | None,
    chosen_language: str | None,
    analyzer: str,
    language: str,
    extractor_version: str,
) -> bool:
    for step, good in DONE.items():
        if store.step_status(arxiv_id, version, step) not in good:
            return False
    pdf = store.pdf(arxiv_id, version)
    if pdf is None or pdf.status != "ok" or not pdf.path or not Path(pdf.path).is_file():
        return False
    if store.extractor_of(pdf.sha256) != extractor_version:
        return False
    return chosen_model == analyzer and chosen_language == language


def papers_needing_work(
    store: Any,
    keys: Sequence[tuple[str, int]],
    digest_day: date,
    category: str,
    *,
    analyzer: str,
    language: str,
    extractor_version: str,
) -> list[tuple[str, int]]:
    chosen = store.digest_analysis_models(digest_day, category)
    todo = []
    for arxiv_id, version in keys:
        model, chosen_language = chosen.get((arxiv_id, version), (None, None))
        if not paper_is_done(store, arxiv_id, version, chosen_model=model, chosen_language=chosen_language,
                             analyzer=analyzer, language=language, extractor_version=extractor_version):
            todo.append((arxiv_id, version))
    return todo


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="plan", task_run_name="plan-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def plan_task(
    settings: Settings, digest_day: date, category: str, keys: list[tuple[str, int]], force: bool = False
) -> list[tuple[str, int]]:
    from arxiv_digest.store import open_store
    from tasks.extract import EXTRACTOR_VERSION

    if force:
        return list(keys)
    return papers_needing_work(
        open_store(settings.db_path), keys, digest_day, category,
        analyzer=current_analyzer(settings), language=settings.language, extractor_version=EXTRACTOR_VERSION,
    )
