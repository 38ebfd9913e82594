"""What users do around the daily flow: backfill past dates, audit failures, rerun what failed, serve."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from arxiv_digest.catalog.announcements import has_announcement, latest_digest_day
from arxiv_digest.errors import DigestError, DigestInputError
from arxiv_digest.http_retry import RETRY_STATUSES
from arxiv_digest.ids import ARXIV_ID_OR_STEM
from arxiv_digest.operations.batches import failed_papers
from arxiv_digest.settings import Settings
from schemas.records import RunRecord, RunStatus

MAX_BACKFILL_DAYS = 400
DEPLOYMENT_NAME = "daily-digest/{slug}-daily"
_TASK_NAME = re.compile(r"^(?P<step>[a-z_]+)-(?P<rest>.+)$")
_PAPER_ID = re.compile(rf"^{ARXIV_ID_OR_STEM}v\d+$")


def date_range(start: date, end: date) -> list[date]:
    if end < start:
        raise DigestError(f"--end {end} is before --start {start}")
    days = (end - start).days + 1
    if days > MAX_BACKFILL_DAYS:
        raise DigestError(f"{days} days is more than the {MAX_BACKFILL_DAYS}-day limit of one backfill; split it")
    return [start + timedelta(days=n) for n in range(days)]


def announced_days(days: Sequence[date], now: datetime, holidays: Collection[date] = ()) -> set[date]:
    """The dates of a range that are arXiv announcements; a range reaching past the newest one is an error."""
    newest = latest_digest_day(now, holidays)
    if days and max(days) > newest:
        raise DigestInputError(f"--end {max(days)} is after the newest announcement, the digest of {newest}: "
                               "its announcement has not happened yet")
    return {day for day in days if has_announcement(day, holidays)}


def flow_run_name(category: str | None, day: str, sample: bool = False) -> str:
    """The name of a digest's flow run, as the UI lists it: digest-cs.CV-2026-01-21."""
    return f"digest-{category or 'default'}-{day}" + ("-sample" if sample else "")


def deployment_name(category: str) -> str:
    return DEPLOYMENT_NAME.format(slug=category.lower().replace(".", "-"))


@dataclass
class BackfillRow:
    date: str
    status: str  # completed | skipped | failed | submitted | scheduled | ...
    papers: int | None = None
    seconds: float = 0.0
    coverage: str = ""  # the digest against arXiv's own list of the announcement: '120/120', 'not verified'
    detail: str = ""
    flow_run_id: str = ""


def row_of_result(day: date, result: dict[str, Any], seconds: float) -> BackfillRow:
    """A table row for a flow run that returned: completed or partial (with what fell short), or no digest."""
    if result.get("status") == "no_announcement":
        return BackfillRow(day.isoformat(), "no announcement", seconds=round(seconds, 1),
                           detail=str(result.get("reason", "")))
    status = str(result.get("status") or RunStatus.COMPLETED)
    detail = "; ".join(part for part in (result.get("shortfall") or "", result["path"]) if part)
    return BackfillRow(day.isoformat(), status, papers=result.get("counts", {}).get("papers"),
                       seconds=round(seconds, 1), detail=detail, coverage=str(result.get("coverage") or ""))


def failed_row(day: date, exc: BaseException, seconds: float) -> BackfillRow:
    return BackfillRow(day.isoformat(), RunStatus.FAILED, seconds=round(seconds, 1),
                       detail=f"{type(exc).__name__}: {exc}"[:300])


# -- backfill --------------------------------------------------------------------------------------------


def backfill_local(
    settings: Settings,
    days: Sequence[date],
    *,
    force: bool,
    concurrency: int,
    run_day: Callable[[date], dict[str, Any]],
    is_published: Callable[[date], bool],
    on_done: Callable[[BackfillRow], None] = lambda row: None,
) -> list[BackfillRow]:
    """One flow run per date in this process, at most `concurrency` at once; published days are skipped."""
    rows: dict[date, BackfillRow] = {}
    todo = []
    for day in days:
        if not force and is_published(day):
            rows[day] = BackfillRow(day.isoformat(), "skipped", detail="already published (use --force)")
            on_done(rows[day])
        else:
            todo.append(day)

    def one(day: date) -> BackfillRow:
        started = time.monotonic()
        try:
            result = run_day(day)
        except Exception as exc:  # one bad day must not stop the others; it is reported in the table
            return failed_row(day, exc, time.monotonic() - started)
        return row_of_result(day, result, time.monotonic() - started)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(one, day): day for day in todo}
        for future in as_completed(futures):
            row = future.result()
            rows[futures[future]] = row
            on_done(row)
    return [rows[day] for day in days]


def backfill_via_deployment(
    days: Sequence[date],
    category: str,
    *,
    force: bool,
    is_published: Callable[[date], bool],
    stored_run: Callable[[date], RunRecord | None] = lambda day: None,
    name: str | None = None,
    wait_seconds: float = 0.0,
    on_done: Callable[[BackfillRow], None] = lambda row: None,
) -> list[BackfillRow]:
    """Submit one run per date to the deployment, named as the UI names it; published days are skipped.

    The idempotency key makes a repeated backfill a no-op. With `wait_seconds`, each run's row is filled from
    its final state (completed, partial, failed, crashed), its run time, and the day's run record in the store
    (`stored_run`) when this machine can read it.
    """
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    target = name or deployment_name(category)
    rows: dict[date, BackfillRow] = {}
    submitted: dict[str, tuple[date, BackfillRow]] = {}
    for day in days:
        if not force and is_published(day):
            rows[day] = BackfillRow(day.isoformat(), "skipped", detail="already published (use --force)")
            on_done(rows[day])
            continue
        key = f"backfill-{category}-{day.isoformat()}"
        if force:
            key += f"-force-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"
        try:
            flow_run = run_deployment(
                name=target,
                parameters={"digest_date": day.isoformat(), "category": category},
                flow_run_name=flow_run_name(category, day.isoformat()),
                idempotency_key=key,
                scheduled_time=datetime.now(UTC),
                tags=["backfill"],
                timeout=0,
            )
        except ObjectNotFound as exc:
            raise DigestInputError(
                f"--deployment: the Prefect server at {PREFECT_API_URL.value() or '(a temporary one)'} has no "
                f"deployment {target!r}; deploy it (`prefect --no-prompt deploy --all`, see the README) or name "
                "another with --deployment"
            ) from exc
        rows[day] = BackfillRow(day.isoformat(), "submitted", flow_run_id=str(flow_run.id), detail=flow_run.name)
        submitted[str(flow_run.id)] = (day, rows[day])
        on_done(rows[day])
    if wait_seconds > 0 and submitted:
        _wait_for_runs(submitted, wait_seconds, stored_run)
    return [rows[day] for day in days]


def _wait_for_runs(submitted: dict[str, tuple[date, BackfillRow]], wait_seconds: float,
                   stored_run: Callable[[date], RunRecord | None]) -> None:
    from prefect import get_client

    deadline = time.monotonic() + wait_seconds
    pending = dict(submitted)
    with get_client(sync_client=True) as client:
        while pending and time.monotonic() < deadline:
            for run_id, (day, row) in list(pending.items()):
                flow_run = client.read_flow_run(run_id)
                if flow_run.state is None or not flow_run.state.is_final():
                    continue
                del pending[run_id]
                fill_finished_row(row, flow_run.name, flow_run.state.name, flow_run.state.message or "",
                                  run_seconds(flow_run), stored_run(day))
            if pending:
                time.sleep(1.0)
    for _, row in pending.values():
        row.status = "still running"


def run_seconds(flow_run: Any) -> float:
    """A finished run's wall time: start to end, else the time its tasks ran."""
    if flow_run.start_time and flow_run.end_time:
        return (flow_run.end_time - flow_run.start_time).total_seconds()
    total = flow_run.total_run_time
    return total.total_seconds() if isinstance(total, timedelta) else float(total or 0.0)


def fill_finished_row(row: BackfillRow, run_name: str, state_name: str, message: str, seconds: float,
                      stored: RunRecord | None) -> None:
    """A submitted run's row once it ended: the state's name, and the papers and detail the store recorded."""
    row.status = state_name.lower()
    row.seconds = round(seconds, 1)
    parts = [run_name]
    if stored is not None and stored.status in {RunStatus.COMPLETED, RunStatus.PARTIAL, RunStatus.FAILED}:
        row.papers = stored.counts.get("papers")
        if stored.error:
            parts.append(str(stored.error))
    elif message and row.status != RunStatus.COMPLETED:
        parts.append(message)
    row.detail = "; ".join(parts)


# -- audit -----------------------------------------------------------------------------------------------


@dataclass
class AuditRecord:
    kind: str  # flow | task
    name: str
    step: str
    paper_id: str
    digest_date: str
    category: str
    state: str
    message: str
    attempts: int
    time: str
    flow_run_id: str
    store_status: str = ""  # the step's latest status in DuckDB (it may have been repaired since)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_task_run_name(name: str) -> tuple[str, str]:
    """'download-2601.99001v1' -> ('download', '2601.99001v1'); day-level tasks have no paper id."""
    match = _TASK_NAME.match(name)
    if not match:
        return name, ""
    rest = match.group("rest")
    return match.group("step"), rest if _PAPER_ID.match(rest) else ""


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def digest_date_of(params: dict[str, Any], started: datetime | None, holidays: Collection[date] = ()) -> str:
    """The digest a flow run built: its digest_date, or (scheduled runs) the newest announcement at its start."""
    if params.get("digest_date"):
        return str(params["digest_date"])
    if started is None or params.get("sample"):
        return ""
    return latest_digest_day(started, holidays).isoformat()


def transient_api_error(exc: BaseException) -> bool:
    """A Prefect API error the same read may not meet again: the connection, a timeout, a 5xx or a 429."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in RETRY_STATUSES
    return isinstance(exc, httpx.TransportError)


def read_failures(since: datetime, limit: int = 200, attempts: int = 3, pause_seconds: float = 2.0
                  ) -> list[AuditRecord]:
    """Failed and crashed flow and task runs from the Prefect API since a moment.

    A server busy finishing other runs may drop a read or answer 5xx: such reads are tried again, a few times.
    """
    attempt = 1
    while True:
        try:
            return _read_failures_once(since, limit)
        except Exception as exc:
            if attempt >= attempts or not transient_api_error(exc):
                raise
        time.sleep(pause_seconds * attempt)
        attempt += 1


def _read_failures_once(since: datetime, limit: int) -> list[AuditRecord]:
    flow_runs, task_runs, parents = _failed_runs(since, limit)
    records = [_flow_record(flow_run) for flow_run in flow_runs]
    for task_run in task_runs:
        records += _task_records(task_run, parents.get(str(task_run.flow_run_id)))
    return records


def _failed_runs(since: datetime, limit: int) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """The daily flow's failed or crashed flow runs and task runs since `since`, and each task run's flow run."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
        TaskRunFilter,
        TaskRunFilterStartTime,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort

    bad = [StateType.FAILED, StateType.CRASHED]
    with get_client(sync_client=True) as client:
        ours = FlowFilter(name=FlowFilterName(any_=["daily-digest"]))
        flow_runs = client.read_flow_runs(
            flow_filter=ours,
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=bad)),
                start_time=FlowRunFilterStartTime(after_=since),
            ),
            sort=FlowRunSort.START_TIME_DESC,
            limit=limit,
        )
        task_runs = client.read_task_runs(
            flow_filter=ours,
            task_run_filter=TaskRunFilter(
                state=TaskRunFilterState(type=TaskRunFilterStateType(any_=bad)),
                start_time=TaskRunFilterStartTime(after_=since),
            ),
            sort=TaskRunSort.EXPECTED_START_TIME_DESC,
            limit=limit,
        )
        parents = {str(fr.id): fr for fr in flow_runs}
        missing = {str(tr.flow_run_id) for tr in task_runs if tr.flow_run_id and str(tr.flow_run_id) not in parents}
        if missing:
            for fr in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(missing)))):
                parents[str(fr.id)] = fr
    return flow_runs, task_runs, parents


def _flow_record(fr: Any) -> AuditRecord:
    params = fr.parameters or {}
    return AuditRecord(
        kind="flow", name=fr.name, step="flow", paper_id="", digest_date=digest_date_of(params, fr.start_time),
        category=str(params.get("category") or ""), state=fr.state.name if fr.state else "",
        message=(fr.state.message or "") if fr.state else "", attempts=fr.run_count,
        time=_when(fr.start_time), flow_run_id=str(fr.id),
    )


def _task_records(tr: Any, parent: Any | None) -> list[AuditRecord]:
    step, paper_id = split_task_run_name(tr.name)
    params = (parent.parameters or {}) if parent else {}
    message = (tr.state.message or "") if tr.state else ""
    # A batch's task run lists each paper that failed in it: one line per paper, like unbatched runs.
    return [AuditRecord(
        kind="task", name=tr.name, step=step, paper_id=paper,
        digest_date=digest_date_of(params, parent.start_time if parent else None),
        category=str(params.get("category") or ""), state=tr.state.name if tr.state else "", message=reason,
        attempts=tr.run_count, time=_when(tr.start_time), flow_run_id=str(tr.flow_run_id or ""),
    ) for paper, reason in failed_papers(message) or [(paper_id, message)]]


def join_store_status(records: Iterable[AuditRecord], step_status: Callable[[str, int, str], str | None]) -> None:
    """Fill each task record's current step status from DuckDB, so repaired failures show as such."""
    for record in records:
        if record.kind == "task" and record.paper_id:
            base, _, version = record.paper_id.rpartition("v")
            record.store_status = step_status(base, int(version), record.step) or "not recorded"
