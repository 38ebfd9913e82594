"""The web app's day page latency and memory, measured over real HTTP against `arxiv-digest web` in its own process.

    python bench/web_app.py [--data-dir DIR] [--requests 100]

Without --data-dir it builds an archive from the real listings in ../shared/corpus/listings (every cs.CV paper of
each of the first --days announcements, stored as that day's digest with its real metadata, no analyses: the page
then shows the abstract and "analysis missing" per paper), starts the app on it (a subprocess, as a reader runs
it), requests the largest day's page --requests times and reads the app's resident memory from /proc.
Writes bench/results/web_app.json. Nothing here was tuned on these numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arxiv_digest.store import Store  # noqa: E402
from schemas.records import Paper  # noqa: E402

# ../shared beside the repository; DIGEST_SHARED_DIR points elsewhere (a git worktree sits one level deeper).
LISTINGS = Path(os.environ.get("DIGEST_SHARED_DIR") or ROOT.parent / "shared") / "corpus" / "listings"


def listing_papers(path: Path) -> list[Paper]:
    papers = {}
    moment = datetime.fromisoformat(path.stem).replace(tzinfo=UTC) - timedelta(days=1)
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["categories"][0] != "cs.CV" or row["id"] in papers:
            continue
        papers[row["id"]] = Paper(arxiv_id=row["id"], version=1, title=row["title"], authors=tuple(row["authors"]),
                                  categories=tuple(row["categories"]), primary_category="cs.CV", published=moment,
                                  updated=moment, abstract=row["summary"], comment=row.get("comment") or None)
    return list(papers.values())


def build_archive(data_dir: Path, days: int) -> tuple[date, int]:
    store = Store.open(data_dir / "digest.duckdb")
    largest = (date.min, 0)
    try:
        for path in sorted(p for p in LISTINGS.glob("????-??-??.jsonl"))[:days]:
            day, papers = date.fromisoformat(path.stem), listing_papers(path)
            window = (datetime.combine(day, datetime.min.time(), UTC) - timedelta(days=1),
                      datetime.combine(day, datetime.min.time(), UTC))
            store.record_announcement("cs.CV", day, window, [(p, False) for p in papers])
            store.set_digest_papers(day, "cs.CV", papers)
            store.start_run(day, "cs.CV", None)
            store.finish_run(day, "cs.CV", "completed", {"papers": len(papers)}, {})
            largest = max(largest, (day, len(papers)), key=lambda pair: pair[1])
    finally:
        store.close()
    return largest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    if args.data_dir is None and not LISTINGS.is_dir():
        raise SystemExit(f"{LISTINGS} is not there: set DIGEST_SHARED_DIR to the folder holding corpus/listings")
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir or Path(scratch)
        day, count = build_archive(data_dir, args.days) if args.data_dir is None else (None, 0)
        port = _free_port()
        app = subprocess.Popen([sys.executable, "-m", "arxiv_digest.cli", "web", "--data-dir", str(data_dir),
                                "--port", str(port)], env={**os.environ, "ARXIV_DIGEST_WEB_SECRET": "bench"})
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(600):
                    try:
                        client.get("/status")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                idle_rss = rss_mb(app.pid)
                url = f"/day/cs.CV/{day.isoformat()}" if day else client.get("/", follow_redirects=False
                                                                            ).headers["location"]
                client.get(url).raise_for_status()  # the first request makes the reading copy
                times = []
                for _ in range(args.requests):
                    start = time.perf_counter()
                    answer = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                    answer.raise_for_status()
                size = len(answer.content)
                times.sort()
                result = {
                    "data": f"{args.days} real cs.CV listing days from ../shared/corpus/listings" if day else
                    str(args.data_dir), "day_page": url, "papers_on_page": count or None, "page_bytes": size,
                    "requests": args.requests, "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "max_ms": round(times[-1], 1),
                    "target_p95_ms": 300, "rss_mb_idle": round(idle_rss, 1), "rss_mb_after": round(rss_mb(app.pid), 1),
                    "cpus": os.cpu_count(), "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
        finally:
            app.terminate()
            app.wait(timeout=30)
    out = ROOT / "bench" / "results" / "web_app.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
