"""Exactly-once over a long random calendar, without Prefect: the fetch step's own claim logic and store.

    python bench/calendar_simulation.py [--weeks 12] [--seed 1] [--per-day 40]

Papers are submitted at random times (weekends and nights included) across both DST changes and holidays;
arXiv shows each at its announcement, some held by moderation for 1-3 announcements, some cross-listed,
some replaced later by a v2. Each announcing morning (06:00 UTC) a digest is built from what is visible, as
the scheduled deployment builds it; afterwards every day is built again in a random order (a forced backfill).
It writes bench/results/calendar.json: papers, digests, on time in the right digest, late, lost, duplicates,
replacements listed as new, and the seconds the claims took.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arxiv_digest.catalog.announcements import (  # noqa: E402
    announcement,
    announcement_for_submission,
    digest_days_between,
    next_evening,
)
from arxiv_digest.catalog.selection import category_papers, decide_claims  # noqa: E402
from arxiv_digest.store import Store  # noqa: E402
from schemas.records import Paper  # noqa: E402

CATEGORY = "cs.CV"
HOLIDAYS = frozenset({date(2026, 5, 25), date(2026, 7, 2), date(2026, 9, 7), date(2026, 11, 26),
                      date(2026, 12, 24), date(2026, 12, 31)})


@dataclass
class Submission:
    paper: Paper
    visible_from: datetime
    home: date
    shown: date
    replaced_at: datetime | None = None


def build(weeks: int, per_day: int, rng: random.Random, start: date) -> list[Submission]:
    subs: list[Submission] = []
    first = datetime(start.year, start.month, start.day, tzinfo=UTC) - timedelta(days=4)
    total = int(weeks * 7 * per_day)
    for n in range(total):
        moment = first + timedelta(seconds=rng.uniform(0, weeks * 7 * 86400))
        categories = rng.choice([("cs.CV",), ("cs.CV",), ("cs.RO", "cs.CV"), ("cs.LG",), ("cs.CV", "eess.IV")])
        home = announcement_for_submission(moment, HOLIDAYS).digest_day
        shown = home
        for _ in range(rng.choice([0] * 17 + [1, 1, 2, 3])):
            shown = next_evening(shown, HOLIDAYS) + timedelta(days=1)
        found = announcement(shown, HOLIDAYS)
        assert found is not None
        visible = found.announced_at + timedelta(minutes=rng.uniform(5, 240))
        paper = Paper(f"26{n // 100000:02d}.{n % 100000:05d}", 1, f"Paper {n}", ("A",), categories, categories[0],
                      moment, moment, "abstract")
        replaced = visible + timedelta(days=rng.uniform(1, 20)) if rng.random() < 0.1 else None
        subs.append(Submission(paper, visible, home, shown, replaced))
    return subs


def visible_at(subs: list[Submission], now: datetime, start: datetime, end: datetime) -> list[Paper]:
    out = []
    for sub in subs:
        if sub.visible_from > now or not start <= sub.paper.published <= end:
            continue
        paper = sub.paper
        if sub.replaced_at and sub.replaced_at <= now:
            paper = Paper(paper.arxiv_id, 2, paper.title, paper.authors, paper.categories, paper.primary_category,
                          paper.published, sub.replaced_at, paper.abstract)
        out.append(paper)
    return out


def build_digest(store: Store, subs: list[Submission], day: date, now: datetime, lookback_days: int) -> None:
    found = announcement(day, HOLIDAYS)
    assert found is not None
    if store.announcement_fetched(CATEGORY, day):
        return
    listed = category_papers(visible_at(subs, now, found.window_start - timedelta(days=lookback_days),
                                        found.window_end), CATEGORY)
    claims = decide_claims(listed, found, holders=store.holders(CATEGORY, [p.arxiv_id for p in listed]),
                           fetched=store.fetched_digests(CATEGORY, day - timedelta(days=lookback_days + 7)),
                           holidays=HOLIDAYS)
    store.record_announcement(CATEGORY, day, (found.window_start, found.window_end),
                              [(p, False) for p in claims.on_time] + [(p, True) for p in claims.late])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", default="2026-02-23", help="first digest date (default spans the March DST)")
    parser.add_argument("--lookback-days", type=int, default=14)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "calendar.json")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = date.fromisoformat(args.start)
    subs = build(args.weeks, args.per_day, rng, start)
    days = digest_days_between(start, start + timedelta(weeks=args.weeks), HOLIDAYS)
    store = Store.open(None)
    started = time.perf_counter()
    for day in days:
        morning = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
        build_digest(store, subs, day, morning, args.lookback_days)
    claim_seconds = time.perf_counter() - started
    first_pass = {day: [(h.paper.arxiv_id, h.late) for h in store.digest_holdings(CATEGORY, day)] for day in days}
    shuffled = list(days)
    rng.shuffle(shuffled)
    later = datetime.combine(days[-1] + timedelta(days=30), datetime.min.time(), tzinfo=UTC)
    for day in shuffled:
        build_digest(store, subs, day, later, args.lookback_days)
    second_pass = {day: [(h.paper.arxiv_id, h.late) for h in store.digest_holdings(CATEGORY, day)] for day in days}

    placed: dict[str, list[tuple[date, bool]]] = {}
    for day, entries in first_pass.items():
        for arxiv_id, late in entries:
            placed.setdefault(arxiv_id, []).append((day, late))
    last = days[-1]
    by_id = {s.paper.arxiv_id: s for s in subs}
    eligible = [s for s in subs if CATEGORY in s.paper.categories and days[0] <= s.home and s.shown <= last]
    on_time = [s for s in eligible if s.shown == s.home]
    result = {
        "weeks": args.weeks, "seed": args.seed, "digests": len(days), "holidays": sorted(map(str, HOLIDAYS)),
        "papers_submitted": len(subs), "cs_cv_papers_visible_in_period": len(eligible),
        "on_time": len(on_time),
        "on_time_in_their_announcement": sum(1 for s in on_time if placed.get(s.paper.arxiv_id) == [(s.home, False)]),
        "held": len(eligible) - len(on_time),
        "held_in_first_digest_after_visible_marked_late": sum(
            1 for s in eligible if s.shown != s.home and placed.get(s.paper.arxiv_id) == [(s.shown, True)]),
        "lost": sum(1 for s in eligible if s.paper.arxiv_id not in placed),
        "in_two_digests": sum(1 for where in placed.values() if len(where) > 1),
        "not_in_category_but_listed": sum(1 for a in placed if CATEGORY not in by_id[a].paper.categories),
        "replacements": sum(1 for s in eligible if s.replaced_at),
        "replacements_listed_twice": sum(1 for s in eligible if s.replaced_at and
                                         len(placed.get(s.paper.arxiv_id, [])) > 1),
        "out_of_order_rebuild_changed_digests": sum(1 for d in days if first_pass[d] != second_pass[d]),
        "claim_seconds_all_digests": round(claim_seconds, 3),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    ok = (result["lost"] == result["in_two_digests"] == result["not_in_category_but_listed"] == 0
          and result["on_time_in_their_announcement"] == result["on_time"]
          and result["held_in_first_digest_after_visible_marked_late"] == result["held"]
          and result["out_of_order_rebuild_changed_digests"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
