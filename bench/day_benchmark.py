"""A synthetic day end to end: N papers served by a fake arXiv on 127.0.0.1, through the Prefect flow.

Measures the first run (wall seconds, peak RSS), the same steps without Prefect, paper by paper and in the flow's
batches (its overhead, and how much of it is Prefect's own; all repeated, alternating, medians reported), and a
rerun (downloads, model calls, seconds). Writes bench/results/day.json.

    python bench/day_benchmark.py --papers 200
    python bench/day_benchmark.py --papers 200 --llm   # with the fake OpenAI-compatible model server
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake servers live with the tests

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

DAY = date(2026, 1, 21)


def synthetic_papers(count: int) -> list[Any]:
    from arxiv_digest.catalog.sample_day import PAPERS

    templates = [p for p in PAPERS if p.sections]
    papers = []
    for n in range(count):
        base = templates[n % len(templates)]
        papers.append(replace(
            base,
            arxiv_id=f"2601.{50000 + n}",
            version=1,
            title=f"{base.title} (variant {n})",
            # Inside the 2026-01-21 announcement's window (00:00-19:00 UTC on the 20th, 14:00 US Eastern the
            # cut-off): a later hour belongs to the next announcement, and the day would hold fewer papers.
            published=f"2026-01-20T{n % 19:02d}:{n % 60:02d}:00Z",
            updated=f"2026-01-20T{n % 19:02d}:{n % 60:02d}:00Z",
        ))
    return papers


def serve_day(papers: list[Any]) -> Any:
    from fake_arxiv import FakeArxiv

    from arxiv_digest.catalog.sample_day import build_pdf, feed_xml

    server = FakeArxiv().__enter__()
    server.state.default_feed = feed_xml(tuple(papers))
    pdf_cache: dict[str, bytes] = {}
    for paper in papers:
        key = paper.title.split(" (variant")[0]
        if key not in pdf_cache:
            pdf_cache[key] = build_pdf(paper)
        # Each paper gets distinct bytes (a trailing comment), so each is its own file and extraction.
        server.state.pdfs[paper.versioned_id] = pdf_cache[key] + f"\n% {paper.arxiv_id}\n".encode()
    return server


def settings_for(server: Any, data_dir: Path, llm_url: str = "") -> dict[str, Any]:
    values = {
        "data_dir": str(data_dir),
        "arxiv_api_url": server.api_url,
        "arxiv_pdf_url": server.pdf_url,
        "arxiv_min_interval_seconds": 0,
        "pdf_min_interval_seconds": 0,
        "arxiv_page_size": 100,
    }
    if llm_url:
        values.update(llm_base_url=llm_url, llm_api_key="bench", llm_model="fake-model")
    return values


def warm_up() -> float:
    """Start Prefect's temporary server (if no PREFECT_API_URL) before anything is timed."""
    from prefect import flow

    @flow(name="bench-warm-up")
    def nothing() -> int:
        return 0

    started = time.perf_counter()
    nothing()
    # Both timed runs should find the slow imports done (GX alone takes ~5 s), or the first pays for both.
    import great_expectations  # noqa: F401
    import pymupdf  # noqa: F401
    return time.perf_counter() - started


def run_flow(overrides: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    from flows.daily import daily_digest

    started = time.perf_counter()
    result = daily_digest(digest_date=DAY.isoformat(), category="cs.CV", overrides=overrides)
    return time.perf_counter() - started, result


def run_without_prefect(overrides: dict[str, Any], workers: int = 4, batched: bool = False) -> float:
    """The same steps called as plain functions on plain threads, in the flow's thread-pool shape.

    Paper by paper (each paper's five steps in turn), or `batched`: the flow's own batches, each batch's five steps
    in turn. Set beside the flow the batched run isolates what Prefect itself costs; set beside the paper-by-paper
    run, what batching costs.
    """
    from arxiv_digest.operations.batches import PaperBatch, batch_size, make_batches
    from arxiv_digest.settings import load_settings
    from tasks.analyze import analyze_task
    from tasks.download import download_task
    from tasks.extract import extract_task
    from tasks.fetch import fetch_task
    from tasks.figure import figure_task
    from tasks.publish import publish_task
    from tasks.quality_gate import quality_task
    from tasks.segment import segment_task
    from tasks.summarize import summarize_task

    settings = load_settings(**overrides)
    started = time.perf_counter()
    keys = fetch_task.fn(settings, DAY, "cs.CV")

    def steps_of(batch: PaperBatch) -> None:
        label, papers = batch.label, batch.papers
        for step in (lambda: download_task.fn(settings, label, papers),
                     lambda: extract_task.fn(settings, label, papers),
                     lambda: segment_task.fn(settings, label, papers),
                     lambda: figure_task.fn(settings, label, papers),
                     lambda: analyze_task.fn(settings, label, papers, DAY, "cs.CV")):
            try:
                step()
            except Exception as exc:  # the flow also carries on past a paper's failure
                print(f"  {label}: {type(exc).__name__}: {exc}", file=sys.stderr)

    size = batch_size(len(keys), settings.paper_batch_size) if batched else 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(steps_of, make_batches(keys, size)))
    summarize_task.fn(settings, DAY, "cs.CV")
    quality_task.fn(settings, DAY, "cs.CV")
    publish_task.fn(settings, DAY, "cs.CV")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--llm", action="store_true", help="use the fake OpenAI-compatible server")
    parser.add_argument("--repeat", type=int, default=3,
                        help="first runs with and without Prefect, alternated; medians are reported")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "day.json")
    args = parser.parse_args()

    from arxiv_digest.operations.batches import batch_size, make_batches
    from arxiv_digest.runtime import close_stores
    from arxiv_digest.store import Store

    papers = synthetic_papers(args.papers)
    server = serve_day(papers)
    llm_server = None
    llm_url = ""
    if args.llm:
        from fake_llm import FakeLLM  # provided with the LLM tests

        llm_server = FakeLLM().__enter__()
        llm_url = llm_server.base_url
    batches = len(make_batches([(p.arxiv_id, 1) for p in papers], batch_size(len(papers))))
    results: dict[str, Any] = {
        "papers": args.papers, "llm": bool(args.llm), "cores": os.cpu_count(), "repeat": args.repeat,
        "batches_per_step": batches, "task_runs": 4 * batches + 5,
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            results["prefect_start_seconds"] = round(warm_up(), 2)
            with_prefect: list[float] = []
            plain: list[float] = []
            plain_batches: list[float] = []
            first: dict[str, Any] = {}
            for n in range(args.repeat):
                # Alternate the order, so that none always meets a warmer or a busier machine.
                order = ("prefect", "plain", "plain_batches")
                for mode in order if n % 2 == 0 else order[::-1]:
                    data = tmp_path / f"{mode}-{n}"
                    if mode != "prefect":
                        seconds = run_without_prefect(settings_for(server, data, llm_url),
                                                      batched=mode == "plain_batches")
                        (plain if mode == "plain" else plain_batches).append(seconds)
                        close_stores()
                        continue
                    pdf_before = len(server.requests_to("pdf"))
                    calls_before = len(llm_server.requests) if llm_server else 0
                    seconds, outcome = run_flow(settings_for(server, data, llm_url))
                    with_prefect.append(seconds)
                    if outcome["counts"]["papers"] != args.papers:  # the figures would be of a smaller day
                        raise SystemExit(f"the digest holds {outcome['counts']['papers']} papers, not "
                                         f"{args.papers}: the synthetic papers' times fall outside its window")
                    if n == 0:
                        first = {
                            "data": data,
                            "pdf_requests": len(server.requests_to("pdf")) - pdf_before,
                            "model_calls": (len(llm_server.requests) - calls_before) if llm_server else 0,
                            "counts": outcome["counts"],
                            "step_seconds": outcome.get("step_seconds", {}),
                        }
            results["first_run"] = {
                "seconds": round(statistics.median(with_prefect), 2),
                "all_seconds": [round(x, 2) for x in with_prefect],
                **{k: v for k, v in first.items() if k != "data"},
            }
            results["without_prefect_seconds"] = round(statistics.median(plain), 2)
            results["without_prefect_all_seconds"] = [round(x, 2) for x in plain]
            results["without_prefect_same_batches_seconds"] = round(statistics.median(plain_batches), 2)
            results["without_prefect_same_batches_all_seconds"] = [round(x, 2) for x in plain_batches]
            median_with = statistics.median(with_prefect)
            results["prefect_overhead_fraction"] = round(
                max(0.0, median_with - statistics.median(plain)) / median_with, 3)
            # The part of that overhead that is Prefect's own work, the batch shape being the same on both sides.
            results["prefect_own_fraction"] = round(
                max(0.0, median_with - statistics.median(plain_batches)) / median_with, 3)

            overrides = settings_for(server, first["data"], llm_url)
            pdf_before = len(server.requests_to("pdf"))
            calls_before = len(llm_server.requests) if llm_server else 0
            rerun_seconds, rerun = run_flow(overrides)
            results["rerun"] = {
                "seconds": round(rerun_seconds, 2),
                "step_seconds": rerun.get("step_seconds", {}),
                "downloads": len(server.requests_to("pdf")) - pdf_before,
                "model_calls": (len(llm_server.requests) - calls_before) if llm_server else 0,
            }
            close_stores()
            store = Store.open(first["data"] / "digest.duckdb")
            results["rows_after_rerun"] = store.table_counts()
            store.close()
    finally:
        server.__exit__(None, None, None)
        if llm_server is not None:
            llm_server.__exit__(None, None, None)
    results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["targets"] = {"first_run_seconds_lt": 60, "prefect_overhead_le": 0.10, "peak_rss_mib_lt": 1536,
                          "rerun_seconds_lt": 5, "rerun_downloads": 0, "rerun_model_calls": 0}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
