"""The daily digest flow: fetch → rank → revisions → download → extract → segment (and figure) → analyze →
summarize → quality → publish → deliver.

The per-paper steps run per batch of papers (one paper per batch on small days; see
arxiv_digest.operations.batches). Downloads run in day order, one batch after the other (arXiv's politeness
makes them one at a time anyway); each batch goes on to extraction, segmentation, figures and analysis as soon
as its own PDFs are in, so the model works on batch k while batch k+1 downloads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import allow_failure, flow
from prefect.runtime import flow_run as current_flow_run
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner

from arxiv_digest.catalog.selection import check_digest_day, no_announcement_result, resolve_day
from arxiv_digest.delivery.smtp import delivery_result
from arxiv_digest.operations.batches import batch_size, make_batches
from arxiv_digest.operations.runs import flow_run_name
from arxiv_digest.runtime import runtime_for
from arxiv_digest.settings import Settings, load_settings
from schemas.records import RunStatus
from tasks.analyze import analyze_task, preflight_task
from tasks.deliver import deliver_task
from tasks.download import download_task
from tasks.extract import extract_task
from tasks.fetch import announcement_retry_options, fetch_task
from tasks.figure import figure_task
from tasks.plan import plan_task
from tasks.progress import progress_task
from tasks.publish import publish_task
from tasks.quality_gate import quality_task
from tasks.rank import rank_task
from tasks.revisions import revisions_task
from tasks.segment import segment_task
from tasks.summarize import summarize_task


def flow_settings(category: str | None, sample: bool, overrides: dict[str, Any] | None,
                  config_file: str | None = None) -> Settings:
    """The run's settings: the config file (a parameter, since the run may be in a worker), environment, overrides."""
    values = dict(overrides or {})
    if category:
        values["category"] = category
    settings = load_settings(Path(config_file) if config_file else None, **values)
    # The sample day: local files, no waiting between requests, its own data dir (never the real day's).
    return settings.for_sample() if sample else settings


def _mark_run_failed(flow: Any, flow_run: Any, state: Any) -> None:
    params = flow_run.parameters or {}
    settings = flow_settings(params.get("category"), bool(params.get("sample")), params.get("overrides"),
                             params.get("config_file"))
    day = resolve_day(params.get("digest_date"), bool(params.get("sample")), settings.current_time(),
                      settings.holiday_dates)
    settings = settings.for_digest(settings.category, day)
    if not settings.db_path.is_file():
        return  # the run failed before it stored anything
    store = runtime_for(settings).store()
    if store.run(day, settings.category) is not None:
        store.finish_run(day, settings.category, RunStatus.FAILED, {}, {}, error=str(state.message)[:2000])


def _run_name() -> str:
    params = current_flow_run.parameters or {}
    day = params.get("digest_date")
    if not day:
        try:
            settings = flow_settings(params.get("category"), bool(params.get("sample")), params.get("overrides"),
                             params.get("config_file"))
            day = resolve_day(None, bool(params.get("sample")), settings.current_time(), settings.holiday_dates)
        except Exception:  # a name must never fail the run; the run itself reports bad settings
            day = "latest"
    return flow_run_name(params.get("category"), str(day), bool(params.get("sample")))


def _final_state(published: dict[str, Any]) -> Any:
    """A partial day ends Completed but named "Partial", so the UI's run list tells it from a complete one."""
    if published.get("status") == RunStatus.PARTIAL:
        return Completed(name="Partial", message=published.get("shortfall") or None, data=published)
    return published


def task_runner(settings: Settings) -> ThreadPoolTaskRunner:
    """The flow's task threads: `paper_concurrency`, or (0) a thread per task run.

    A Prefect 3 task that waits for its inputs holds its thread while it waits, so a bounded pool fills with
    waiting tasks and the ready ones queue behind them (the day's batches then run in lockstep). What runs at
    once is bounded by the resources instead: one PDF download at a time, `llm_concurrency` model requests,
    `extract_workers` reading processes.
    """
    return ThreadPoolTaskRunner(max_workers=settings.paper_concurrency or None)


@flow(
    name="daily-digest",
    flow_run_name=_run_name,
    task_runner=ThreadPoolTaskRunner(),  # a thread per task run: see task_runner
    on_failure=[_mark_run_failed],
    on_crashed=[_mark_run_failed],
)
def daily_digest(
    digest_date: str | None = None,
    category: str | None = None,
    sample: bool = False,
    overrides: dict[str, Any] | None = None,
    refetch: bool = True,
    force: bool = False,
    wait_for_announcement: bool = True,
    config_file: str | None = None,
) -> Any:
    """Build and publish the digest of one arXiv announcement; returns the publish result (path, counts, status).

    `digest_date` defaults to the newest digest announced by now (what the morning schedule builds). A date
    without an announcement (Saturday, Sunday, a holiday) builds nothing and completes. An announcement the
    API does not show yet fails the fetch, which retries until a deadline when `wait_for_announcement`.
    `refetch=False` reuses the day's stored paper list (used by `rerun --failed`). Papers whose steps all
    succeeded are not processed again unless `force`. A day published without every paper's full treatment
    ends in a Completed state named "Partial" (its result is the same dict).
    """
    settings = flow_settings(category, sample, overrides, config_file)
    day = resolve_day(digest_date, sample, settings.current_time(), settings.holiday_dates)
    settings = settings.for_digest(settings.category, day)
    cat = settings.category
    found = check_digest_day(day, settings.current_time(), settings.holiday_dates)
    if found is None:
        return no_announcement_result(day, settings.holiday_dates)

    fetch = fetch_task.with_options(**announcement_retry_options(settings, found)) if wait_for_announcement \
        else fetch_task
    papers = fetch(settings, day, cat, refetch, found)  # the announcement is looked up once, here
    rank_task(settings, day, cat)  # the interest profiles' rankings set the reading budget of analyze
    revisions_task(settings, day, cat)  # new versions of liked and saved papers: the "Revised" section
    todo = plan_task(settings, day, cat, papers, force)
    preflight_task(settings, day, cat, todo)  # a wrong model name or key stops the run here, not per paper
    progress_task(settings, day, cat, todo)  # papers downloaded / read / analysed, in the UI and on the console
    analyzed, figures = [], []
    downloaded = None
    size = batch_size(len(todo), settings.paper_batch_size, settings.pdf_min_interval_seconds)
    for batch in make_batches(todo, size, taper=settings.pdf_min_interval_seconds > 0):
        label, keys = batch.label, batch.papers
        # In day order: batch k+1 downloads while batch k is read and analysed.
        downloaded = download_task.submit(settings, label, keys, day, cat,
                                          wait_for=[allow_failure(downloaded)] if downloaded else None)
        extracted = extract_task.submit(settings, label, keys, wait_for=[allow_failure(downloaded)])
        segmented = segment_task.submit(settings, label, keys, wait_for=[allow_failure(extracted)])
        figures.append(figure_task.submit(settings, label, keys, wait_for=[allow_failure(segmented)]))
        analyzed.append(analyze_task.submit(settings, label, keys, day, cat, force,
                                            wait_for=[allow_failure(segmented)]))
    summary = summarize_task.submit(settings, day, cat,
                                    wait_for=[allow_failure(a) for a in analyzed + figures])
    checked = quality_task.submit(settings, day, cat, wait_for=[summary])
    published = publish_task.submit(settings, day, cat, wait_for=[checked])
    result = published.result()  # the digest is published and recorded before any mail goes out
    if settings.email_enabled:
        delivered = deliver_task.submit(settings, day, cat, wait_for=[published])
        result = {**result, "email": delivery_result(delivered.result(raise_on_failure=False))}
    return _final_state(result)
