"""What a task knows about the Prefect run it is in, for the run records the core keeps."""

from __future__ import annotations

from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.runtime import flow_run


def current_flow_run_id() -> str | None:
    """The id of the flow run this task belongs to; None outside a flow run (a task called directly)."""
    return str(flow_run.id) if flow_run.id else None


def step_seconds(flow_run_id: str | None) -> dict[str, float]:
    """Seconds spent per step in this flow run, summed over its task runs, as Prefect recorded them."""
    if not flow_run_id:
        return {}
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    seconds: dict[str, float] = {}
    for run in runs:
        step = run.name.split("-", 1)[0]
        seconds[step] = round(seconds.get(step, 0.0) + run.total_run_time.total_seconds(), 3)
    return seconds
