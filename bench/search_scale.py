"""Search and trends at archive scale (issue 26): an archive of >= 100,000 digest entries built from the real
listings, the index's build time and size, search latency over real queries, and trends over the whole archive.
Writes bench/results/search_scale.json.

    python bench/search_scale.py [--replicas 10] [--queries 200] [--keep DIR] [--trends-only]

The archive: `../shared/corpus/listings/` holds 41 real announcements (11,209 papers). The last 4 days are held
out: their titles give the queries (2- and 3-word phrases, never looked at while writing the search). The other
37 days are stored `--replicas` times, replica r under distinct ids (the id's year shifted by r) and distinct days
(shifted back r x 9 weeks, same weekday), so every text appears once per replica: the term statistics are the
real ones, repeated. Each paper is in the digest of each of cs.CV, cs.CL, cs.AI it lists, as arXiv lists it (a
cross-list where that is not its primary category): 10,264 entries a replica. One profile, "vision", is scored
by a simple keyword count (for the profile filter's latency only; not the project's ranking). The store is filled
by its bulk load (`Store.bulk_add_entries`): row-by-row upserts take about 30 ms each here. No PDFs: the code
and figure flags are all false, so those filters are measured as filters that exclude everything.
The archive lives in a temp dir (deleted unless --keep) and is never committed.

Trends (`measure_trends`): the web app's trends page over the archive, in process through Starlette's test client,
cold (no weeks' themes stored yet), once its background worker has computed the default windows, and after a
restart (a new app over the same data dir: themes read from `<data_dir>/web/themes/`); the whole archive of cs.CV
through `trends()` cold and from the stored files; a profile's 12 weeks likewise. `--trends-only` skips the index
and the search (their figures stay as the last full run wrote them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from starlette.testclient import TestClient  # noqa: E402

from arxiv_digest.search import SearchIndex, SearchQuery, ThemeCache, trends  # noqa: E402
from arxiv_digest.settings import load_settings  # noqa: E402
from arxiv_digest.store import Store  # noqa: E402
from arxiv_digest.store.archive import ArchivedEntry  # noqa: E402
from arxiv_digest.web.app import create_app  # noqa: E402
from schemas.records import Paper  # noqa: E402

# ../shared beside the repository (a worktree one level deeper finds it one level up).
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "corpus").is_dir()), ROOT.parent / "shared")
LISTINGS = SHARED / "corpus" / "listings"
CATEGORIES = ("cs.CV", "cs.CL", "cs.AI")
HELD_OUT_DAYS = 4
PROFILE_WORDS = ("segmentation", "diffusion", "gaussian", "3d", "video", "detection", "depth", "point cloud")
STOP = {"a", "an", "the", "of", "for", "and", "in", "on", "with", "to", "via", "from", "by", "at", "is", "as",
        "towards", "toward", "using", "through", "into", "its", "their", "be", "are", "or", "your", "you", "we"}


def listing_days() -> list[tuple[date, list[dict[str, Any]]]]:
    days = []
    for path in sorted(LISTINGS.glob("????-??-??.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        days.append((date.fromisoformat(path.stem), rows))
    return days


def _replica_id(arxiv_id: str, replica: int) -> str:
    head, _, tail = arxiv_id.partition(".")
    return f"{int(head) + replica * 100:04d}.{tail}"


def _paper(row: dict[str, Any], replica: int, day: date) -> Paper:
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=1)
    categories = tuple(c for c in row["categories"] if "." in c and " " not in c) or ("cs.AI",)
    return Paper(arxiv_id=_replica_id(row["id"], replica), version=1, title=" ".join(row["title"].split()),
                 authors=tuple(row["authors"]), categories=categories, primary_category=categories[0],
                 published=moment, updated=moment, abstract=" ".join(row["summary"].split()),
                 comment=row.get("comment"))


def _score(paper: Paper) -> float:
    text = f"{paper.title} {paper.abstract}".lower()
    return float(sum(text.count(word) for word in PROFILE_WORDS))


def build_archive(store: Store, days: list[tuple[date, list[dict[str, Any]]]], replicas: int) -> int:
    """The archive through the store's bulk load (one set-wise insert per replica)."""
    total = 0
    for replica in range(replicas):
        entries: list[ArchivedEntry] = []
        for listed, rows in days:
            day = listed - timedelta(weeks=9 * replica)
            seen: set[tuple[str, str]] = set()
            for row in rows:
                paper = _paper(row, replica, day)
                for category in paper.categories:
                    if category in CATEGORIES and (category, paper.arxiv_id) not in seen:
                        seen.add((category, paper.arxiv_id))
                        entries.append(ArchivedEntry(
                            day=day, category=category, paper=paper, late=False, analysis="", section_titles=(),
                            has_code=False, has_figure=False, profile_scores=(("vision", _score(paper)),)))
        store.bulk_add_entries(entries)
        total += len(entries)
        print(f"replica {replica + 1}/{replicas}: {total:,} entries", flush=True)
    return total


def held_out_queries(days: list[tuple[date, list[dict[str, Any]]]], count: int) -> list[str]:
    chooser = random.Random(26)
    titles = [" ".join(row["title"].split()) for _, rows in days for row in rows]
    chooser.shuffle(titles)
    queries: list[str] = []
    for title in titles:
        words = [w.strip(":,.()?!'\"").lower() for w in title.split()]
        words = [w for w in words if w and w not in STOP and any(ch.isalpha() for ch in w)]
        size = chooser.choice((2, 3))
        if len(words) >= size:
            start = chooser.randrange(len(words) - size + 1)
            phrase = " ".join(words[start:start + size])
            queries.append(f'"{phrase}"' if chooser.random() < 0.25 else phrase)
        if len(queries) == count:
            break
    return queries


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2),
            "mean": round(statistics.fmean(ordered), 2), "n": len(ordered)}


def measure(index: SearchIndex, queries: list[str], newest: date) -> dict[str, Any]:
    conditions: dict[str, dict[str, Any]] = {
        "text only": {},
        "text + category cs.CV": {"category": "cs.CV"},
        "text + last 8 weeks": {"date_from": newest - timedelta(weeks=8)},
        "text + profile vision, min score 2": {"profile": "vision", "min_score": 2.0},
        "text + cross-lists": {"kind": "cross"},
        "text + all filters (cs.CV, 8 weeks, profile, new)": {
            "category": "cs.CV", "date_from": newest - timedelta(weeks=8), "profile": "vision", "min_score": 1.0,
            "kind": "new"},
        "text + has code (excludes everything here)": {"has_code": True},
    }
    results: dict[str, Any] = {}
    for name, filters in conditions.items():
        samples, totals = [], []
        for query in queries:
            started = time.perf_counter()
            found = index.search(SearchQuery(text=query, **filters))
            samples.append((time.perf_counter() - started) * 1000)
            totals.append(found.total)
        results[name] = {"latency_ms": _percentiles(samples), "median_matches": statistics.median(totals),
                         "queries_with_no_match": sum(1 for t in totals if t == 0)}
        print(f"{name}: p95 {results[name]['latency_ms']['p95']} ms", flush=True)
    samples = []
    for page in range(1, 21):
        started = time.perf_counter()
        index.search(SearchQuery(category="cs.CV", page=page))
        samples.append((time.perf_counter() - started) * 1000)
    results["no text, cs.CV newest first, pages 1-20"] = {"latency_ms": _percentiles(samples)}
    return results


def _timed_get(client: TestClient, url: str) -> tuple[float, str]:
    started = time.perf_counter()
    response = client.get(url)
    response.raise_for_status()
    return round(time.perf_counter() - started, 2), response.text


def _page_state(text: str) -> str:
    return "themes still being computed" if "still being computed" in text else "complete"


def measure_page(workdir: Path, whole_weeks: int) -> dict[str, Any]:
    """The trends page in the app: cold, after the worker's warm-up, after a restart."""
    settings = load_settings(environ={}, data_dir=str(workdir), web_secret="bench")
    result: dict[str, Any] = {}
    started = time.perf_counter()
    app = create_app(settings)
    with TestClient(app) as client:
        result["app_start_with_store_copy_seconds"] = round(time.perf_counter() - started, 1)
        seconds, text = _timed_get(client, "/trends")
        result["default_page_cold"] = {"seconds": seconds, "shows": _page_state(text)}
        print(f"trends page cold: {seconds} s ({_page_state(text)})", flush=True)
        started = time.perf_counter()
        app.state.web.trends.wait_idle(timeout=3600)
        result["worker_default_windows_seconds"] = round(time.perf_counter() - started, 1)
        result["worker_weeks_computed"] = app.state.web.trends.computed
        seconds, text = _timed_get(client, "/trends")
        result["default_page_after_worker"] = {"seconds": seconds, "shows": _page_state(text)}
    app = create_app(settings)
    with TestClient(app) as client:
        seconds, text = _timed_get(client, "/trends")
        result["default_page_after_restart"] = {"seconds": seconds, "shows": _page_state(text)}
        seconds, text = _timed_get(client, f"/trends?weeks={whole_weeks}")
        result["whole_archive_page_cold"] = {"seconds": seconds, "shows": _page_state(text)}
        app.state.web.trends.stop()  # the remaining weeks would take minutes; the page did not wait for them
        result["weeks_computed_after_restart_for_the_default_page"] = app.state.web.trends.computed
    print(f"trends page: {json.dumps(result)}", flush=True)
    return result


def measure_trends(workdir: Path, newest: date) -> dict[str, Any]:
    """Trends through the web app, then `trends()` directly (cold, then from the stored files)."""
    result: dict[str, Any] = {}
    store = Store.open(workdir / "digest.duckdb", read_only=True)
    days_stored = store.archive_days("cs.CV")
    weeks = (newest - days_stored[0]).days // 7 + 1
    store.close()
    result["page"] = measure_page(workdir, weeks)
    store = Store.open(workdir / "digest.duckdb", read_only=True)
    try:
        folder = workdir / "bench-themes"  # not the app's: cold
        started = time.perf_counter()
        whole = trends(store, "cs.CV", weeks=weeks, theme_cache=ThemeCache(folder=folder))
        result["whole_archive_cold"] = {
            "seconds": round(time.perf_counter() - started, 1), "weeks": weeks, "papers": whole.papers,
            "rising": [t.phrase for t in whole.rising[:5]], "key_phrases": [p.phrase for p in whole.key_phrases[:5]]}
        print(f"whole archive cold: {result['whole_archive_cold']['seconds']} s", flush=True)
        started = time.perf_counter()
        again = trends(store, "cs.CV", weeks=weeks, theme_cache=ThemeCache(folder=folder))
        result["whole_archive_after_restart_seconds"] = round(time.perf_counter() - started, 1)
        result["whole_archive_after_restart_identical"] = again == whole
        started = time.perf_counter()
        trends(store, "cs.CV", profile="vision", weeks=12, theme_cache=ThemeCache(folder=folder))
        result["profile_12_weeks_cold_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        trends(store, "cs.CV", profile="vision", weeks=12, theme_cache=ThemeCache(folder=folder))
        result["profile_12_weeks_after_restart_seconds"] = round(time.perf_counter() - started, 1)
    finally:
        store.close()
    return result


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=10)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build the archive here and keep it")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "search_scale.json")
    parser.add_argument("--trends-only", action="store_true", help="skip the index and search measurements")
    args = parser.parse_args()
    if not LISTINGS.is_dir():
        sys.exit(f"error: {LISTINGS} is missing (the real listings); this benchmark needs ../shared")
    days = listing_days()
    archived, held_out = days[:-HELD_OUT_DAYS], days[-HELD_OUT_DAYS:]
    queries = held_out_queries(held_out, args.queries)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="search-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"date": date.today().isoformat(), "replicas": args.replicas,
                              "listing_days_archived": len(archived), "listing_days_held_out": len(held_out),
                              "queries": len(queries), "query_examples": queries[:10]}
    if args.trends_only and args.out.is_file():
        previous = json.loads(args.out.read_text(encoding="utf-8"))
        report = {**previous, **report, "search_measured": previous.get("search_measured", previous.get("date"))}
    load_before = os.getloadavg()
    store = Store.open(workdir / "digest.duckdb")  # the name the web app looks for in its data dir
    try:
        started = time.perf_counter()
        report["entries"] = build_archive(store, archived, args.replicas)
        report["store_build_seconds"] = round(time.perf_counter() - started, 1)
        store.close()
        newest = max(day for day, _ in archived)
        report["trends"] = measure_trends(workdir, newest)
        report["trends"]["peak_rss_mib_so_far"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        store = Store.open(workdir / "digest.duckdb", read_only=True)
        if args.trends_only:
            _finish(report, args.out, load_before)
            return
        index = SearchIndex.open(workdir / "search-index")
        started = time.perf_counter()
        added = index.refresh(store)
        report["index_build_seconds"] = round(time.perf_counter() - started, 1)
        report["index_documents"] = added
        report["index_bytes"] = _size(workdir / "search-index")
        started = time.perf_counter()
        report["unchanged_refresh"] = {"documents_written": index.refresh(store),
                                       "seconds": round(time.perf_counter() - started, 1)}
        print(f"index: {added:,} documents in {report['index_build_seconds']} s, "
              f"{report['index_bytes'] / 1e6:.0f} MB", flush=True)
        for _ in range(3):  # warm the page cache as a running app would be
            index.search(SearchQuery(text=queries[0]))
        report["search"] = measure(index, queries, newest)
        report["search_measured"] = report["date"]
        _finish(report, args.out, load_before)
    finally:
        store.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _finish(report: dict[str, Any], out: Path, load_before: tuple[float, float, float]) -> None:
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    # The machine is shared: the load average before and at the end says how contended the figures are.
    report["load_average"] = {"before_1_5_15_min": [round(x, 1) for x in load_before],
                              "after_1_5_15_min": [round(x, 1) for x in os.getloadavg()]}
    for stale in ("trends_cs_cv_whole_archive", "trends_cs_cv_12_weeks", "trends_profile_12_weeks_seconds"):
        report.pop(stale, None)  # the previous layout of the trends figures, before "trends"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "search"}, indent=2))


if __name__ == "__main__":
    main()
