"""A day's publication record: counts per paper outcome, step timings from Prefect, the run artifact."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from schemas.records import Analysis, Paper

log = logging.getLogger(__name__)


def step_seconds_from_prefect(flow_run_id: str | None) -> dict[str, float]:
    """Seconds spent per step in this flow run, summed over its task runs, as Prefect recorded them."""
    if not flow_run_id:
        return {}
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    seconds: dict[str, float] = {}
    for run in runs:
        step = run.name.split("-", 1)[0]
        seconds[step] = round(seconds.get(step, 0.0) + run.total_run_time.total_seconds(), 3)
    return seconds


def day_counts(store: Any, digest_day: date, category: str, papers: Sequence[Paper],
               analyses: dict[str, Analysis]) -> dict[str, int]:
    pdfs = [store.pdf(p.arxiv_id, p.version) for p in papers]
    quality = store.quality_results(digest_day, category)
    analyzers = [a.analyzer for a in analyses.values()]
    return {
        "papers": len(papers),
        "pdf_ok": sum(1 for pdf in pdfs if pdf is not None and pdf.status == "ok"),
        "pdf_failed": sum(1 for pdf in pdfs if pdf is not None and pdf.status == "failed"),
        "method_analyses": sum(1 for a in analyses.values() if a.kind == "method"),
        "abstract_analyses": sum(1 for a in analyses.values() if a.kind == "abstract"),
        "withheld": sum(1 for a in analyses.values() if a.kind == "withheld"),
        "missing_analyses": len(papers) - len(analyses),
        # Who wrote each analysis, apart from its kind: the model, the extractive fallback after a configured
        # model's answers were rejected or its calls failed, or the extractive analyzer with no model at all.
        "model_answers": sum(1 for a in analyzers if a.startswith("llm:")),
        "fallbacks": sum(1 for a in analyzers if a == "extractive-fallback"),
        "no_model": sum(1 for a in analyzers if a == "extractive"),
        "quality_blocking_failed": sum(1 for r in quality if not r.passed and r.severity == "blocking"),
        "quality_warnings": sum(1 for r in quality if not r.passed and r.severity == "warning"),
    }


def artifact_key(category: str, digest_day: date) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]", "-", f"digest-{category.lower()}-{digest_day.isoformat()}")


def artifact_markdown(digest_day: date, category: str, counts: dict[str, int], summary: str, path: Path) -> str:
    rows = "\n".join(f"| {key.replace('_', ' ')} | {value} |" for key, value in counts.items())
    return (
        f"# {category} digest {digest_day.isoformat()}\n\nWritten to `{path}`.\n\n| count | value |\n|---|---|\n"
        f"{rows}\n\n## Executive Summary\n\n{summary}"
    )
