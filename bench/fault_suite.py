"""The fault suite end to end: every scripted fault scenario, its outcome counted.

Runs the scenarios of tests/fault_scenarios.py (the same functions tests/test_faults.py asserts on) against the
fake arXiv and the fake OpenAI-compatible model on 127.0.0.1, through the real Prefect flow, and writes
bench/results/faults.json. Every count is measured: injected faults from the fake servers' logs, lost papers,
leaked refusals and links and partial files from the published markdown/HTML/JSON and data/, duplicate rows by
primary key against an uninterrupted run, repeated model calls from the fake model's request log.

    python bench/fault_suite.py
    python bench/fault_suite.py --only model_faults,oversized_pdfs --keep

Exits 1 when a count that must be zero is not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake servers and the scenarios live with the tests

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")  # the injected failures would fill the screen

MUST_BE_ZERO = ("papers_lost", "duplicate_rows", "repeated_model_calls", "refusals_published",
                "invented_links_published", "partial_files_published", "outputs_changed")


def scenarios(api_url: str) -> dict[str, Callable[[Path], Any]]:
    import fault_scenarios as fs

    pdf = fs.many_page_pdf(3000)
    return {
        "model_faults": fs.model_faults,
        "sigkill_during_analysis": lambda work: fs.sigkill_during_analysis(work, prefect_api_url=api_url),
        "sigkill_during_download": fs.sigkill_during_download,
        "two_runs_at_once": fs.two_runs_at_once,
        "oversized_pdfs": fs.oversized_pdfs,
        "thousand_pages_page_cap": lambda work: fs.thousand_pages(work, pdf, variant="page_cap"),
        "thousand_pages_time_cap": lambda work: fs.thousand_pages(work, pdf, variant="time_cap"),
        "unreadable_pdfs": fs.unreadable_pdfs,
        "hostile_metadata": fs.hostile_metadata,
    }


def compact(result: Any) -> dict[str, Any]:
    """A scenario's counts, and the few details worth keeping (no file contents)."""
    hidden = {"outputs", "papers", "data_dir", "stderr"}
    details = {key: value for key, value in result.details.items() if key not in hidden}
    papers = {
        pid: {"pdf": paper["pdf_status"], "extraction": paper["extraction_status"], "pages_read": paper["page_texts"],
              "analysis": f"{paper['analysis_kind']} ({paper['analyzer']})",
              "analyze_step": paper["steps"].get("analyze", ("", ""))[0]}
        for pid, paper in result.details.get("papers", {}).items()
    }
    return {**result.counts(), "details": details, "papers": papers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "faults.json")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--keep", action="store_true", help="keep the scenarios' data directories")
    args = parser.parse_args()

    import fault_scenarios as fs
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    started = time.monotonic()
    results = []
    workroot = Path(tempfile.mkdtemp(prefix="fault-suite-"))
    # One temporary Prefect server for the in-process flows and the killed run; the other subprocesses start their
    # own, as `arxiv-digest run` does on a machine without a server.
    with prefect_test_harness(server_startup_timeout=120):
        chosen = scenarios(PREFECT_API_URL.value())
        names = [n for n in args.only.split(",") if n] or list(chosen)
        unknown = sorted(set(names) - set(chosen))
        if unknown:
            parser.error(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(chosen)}")
        for name in names:
            work = workroot / name
            work.mkdir()
            print(f"{name} ...", file=sys.stderr, flush=True)
            result = chosen[name](work)
            results.append(result)
            print(f"  {json.dumps(result.counts())}", file=sys.stderr, flush=True)
    totals = fs.totals(results)
    report = {
        "command": "python bench/fault_suite.py" + (f" --only {args.only}" if args.only else ""),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "seconds": round(time.monotonic() - started, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **totals,
        "must_be_zero": list(MUST_BE_ZERO),
        "scenarios": {r.name: compact(r) for r in results},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    if not args.keep:
        import shutil

        shutil.rmtree(workroot, ignore_errors=True)
    headline = {k: v for k, v in report.items() if k not in {"scenarios", "measured_in"}}
    print(json.dumps(headline, indent=2, ensure_ascii=False))
    failing = [name for name in MUST_BE_ZERO if report[name]]
    if failing:
        print(f"non-zero: {', '.join(failing)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
