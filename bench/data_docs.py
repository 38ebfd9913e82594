"""What Great Expectations Data Docs cost on disk over a backfill.

Builds the offline sample day once (`arxiv-digest run --sample` into a temporary data dir), then validates its
suites as the quality gate does, once per digest of a backfill (`--days`, default 14), each day's frames grown to
`--papers` papers (copies of the sample's rows under new ids), writing each day's Data Docs site, sharing identical
files and pruning old sites exactly as the gate does. Writes bench/results/data_docs.json: bytes on disk after
each day (hard links counted once, as `du` counts them), what each day added, and what the same sites would take
without sharing.

    python bench/data_docs.py [--days 14] [--papers 200] [--keep-days 90]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arxiv_digest.catalog.announcements import has_announcement  # noqa: E402
from arxiv_digest.store import Store  # noqa: E402
from quality.docs_site import day_site, docs_root, pool_dir, prune_sites, share_identical_files, site_bytes  # noqa: E402
from quality.suites import SuiteInputs, suite_inputs, validate  # noqa: E402

SAMPLE_DAY = date(2026, 1, 21)
CATEGORY = "cs.CV"


def grown(frame: pd.DataFrame, papers: int) -> pd.DataFrame:
    """`frame` with its rows repeated under new arXiv ids until it holds `papers` distinct papers."""
    if frame.empty or "arxiv_id" not in frame.columns:
        return frame
    ids = list(dict.fromkeys(frame["arxiv_id"]))
    copies = []
    for n in range(papers):
        rows = frame[frame["arxiv_id"] == ids[n % len(ids)]].copy()
        rows["arxiv_id"] = f"2601.{90000 + n:05d}"
        copies.append(rows)
    return pd.concat(copies, ignore_index=True)


def grown_inputs(inputs: SuiteInputs, papers: int) -> SuiteInputs:
    suites = [(name, grown(frame, papers), rules) for name, frame, rules in inputs.suites]
    return SuiteInputs(inputs.language, suites, grown(inputs.code_links, papers))


def backfill_dates(count: int, last: date) -> list[date]:
    days: list[date] = []
    day = last
    while len(days) < count:
        if has_announcement(day):
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--keep-days", type=int, default=90)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "data_docs.json")
    args = parser.parse_args()
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    with tempfile.TemporaryDirectory(prefix="data-docs-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        subprocess.run([sys.executable, "-m", "arxiv_digest.cli", "run", "--sample", "--data-dir", str(data_dir)],
                       check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        store = Store.open(data_dir / "digest.duckdb")
        try:
            inputs = grown_inputs(suite_inputs(store, SAMPLE_DAY, CATEGORY, language="zh"), args.papers)
        finally:
            store.close()
        root = docs_root(data_dir)
        for site in (root / CATEGORY).iterdir():  # the sample run's own site: start from nothing
            subprocess.run(["rm", "-rf", str(site)], check=True)
        subprocess.run(["rm", "-rf", str(pool_dir(data_dir))], check=True)
        per_day, unshared_total, previous = [], 0, 0
        for day in backfill_dates(args.days, SAMPLE_DAY):
            site = day_site(data_dir, CATEGORY, day)
            started = time.monotonic()
            validate(inputs, site)
            unshared = site_bytes(site)
            unshared_total += unshared
            share_identical_files(site, pool_dir(data_dir))
            prune_sites(data_dir, CATEGORY, args.keep_days)
            total = site_bytes(root)
            per_day.append({"date": day.isoformat(), "site_bytes_unshared": unshared,
                            "added_bytes": total - previous, "total_bytes": total,
                            "seconds": round(time.monotonic() - started, 2)})
            previous = total
    later = [d["added_bytes"] for d in per_day[1:]]
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "days": args.days,
        "papers_per_day": args.papers,
        "first_day_bytes": per_day[0]["added_bytes"],
        "max_added_bytes_after_first_day": max(later) if later else 0,
        "mean_added_bytes_after_first_day": round(sum(later) / len(later)) if later else 0,
        "total_bytes": per_day[-1]["total_bytes"],
        "total_bytes_without_sharing": unshared_total,
        "per_day": per_day,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "per_day"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
