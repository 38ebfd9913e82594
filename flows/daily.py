"""The daily digest flow: fetch → download → extract → segment → analyze → summarize → quality → publish."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from prefect import allow_failure, flow
from prefect.task_runners import ThreadPoolTaskRunner
from tasks.extract import extract_task
from tasks.segment import segment_task

from arxiv_digest.settings import Settings, load_settings
from tasks.analyze import analyze_task
from tasks.download import download_task
from tasks.fetch import fetch_task
from tasks.publish import publish_task
from tasks.quality_gate import quality_task
from tasks.summarize import summarize_task


def resolve_day(digest_date: str | date | None, sample: bool) -> date:
    if isinstance(digest_date, date):
        return digest_date
    if digest_date:
        return date.fromisoformat(digest_date)
    if sample:
        from arxiv_digest.sample_day import SAMPLE_DAY

        return SAMPLE_DAY
    return datetime.now(UTC).date()


def flow_settings(category: str | None, sample: bool, overrides: dict[str, Any] | None) -> Settings:
    values = dict(overrides or {})
    if category:
        values["category"] = category
    if sample:
        # The sample day is served from local files: no reason to wait between requests.
        values.update(arxiv_min_interval_seconds=0, pdf_min_interval_seconds=0)
    return load_settings(**values)


def _mark_run_failed(flow: Any, flow_run: Any, state: Any) -> None:
    from arxiv_digest.store import open_store

    params = flow_run.parameters or {}
    settings = flow_settings(params.get("category"), bool(params.get("sample")), params.get("overrides"))
    day = resolve_day(params.get("digest_date"), bool(params.get("sample")))
    store = open_store(settings.db_path)
    if store.run(day, settings.category) is not None:
        store.finish_run(day, settings.category, "failed", {}, {}, error=str(state.message)[:2000])


@flow(
    name="daily-digest",
    flow_run_name="digest-{category}-{digest_date}",
    task_runner=ThreadPoolTaskRunner(max_workers=4),
    on_failure=[_mark_run_failed],
    on_crashed=[_mark_run_failed],
)
def daily_digest(
    digest_date: str | None = None,
    category: str | None = None,
    sample: bool = False,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build and publish the digest of one day. `digest_date` defaults to today (UTC)."""
    settings = flow_settings(category, sample, overrides)
    day = resolve_day(digest_date, sample)
    cat = settings.category

    papers = fetch_task(settings, day, cat, sample)
    analyzed = []
    for arxiv_id, version in papers:
        pid = f"{arxiv_id}v{version}"
        downloaded = download_task.submit(settings, pid, arxiv_id, version, sample)
        extracted = extract_task.submit(settings, pid, arxiv_id, version, wait_for=[allow_failure(downloaded)])
        segmented = segment_task.submit(settings, pid, arxiv_id, version, wait_for=[allow_failure(extracted)])
        analyzed.append(
            analyze_task.submit(settings, pid, arxiv_id, version, day, cat, wait_for=[allow_failure(segmented)])
        )
    summary = summarize_task.submit(settings, day, cat, wait_for=[allow_failure(a) for a in analyzed])
    checked = quality_task.submit(settings, day, cat, wait_for=[summary])
    return publish_task.submit(settings, day, cat, wait_for=[checked]).result()
