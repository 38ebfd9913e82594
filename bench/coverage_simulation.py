"""Coverage over a long random calendar: every digest reconciled with arXiv's list of its announcement.

    python bench/coverage_simulation.py [--weeks 12] [--seed 1] [--per-day 40] [--search-misses 0.05]

The calendar of bench/calendar_simulation.py (random submission times across DST changes and holidays,
moderation holds, cross-lists, replacements), with an API search that misses a share of the announced papers
on the morning of their announcement (the export API's lag and index gaps), while arXiv's feed lists every
announcement (held papers as new where they are finally announced, replacements as replace). Each announcing
morning the digest is built twice, in two stores: from the search alone, and reconciled with the feed (papers
the feed lists and the search missed fetched by id, claimed through the same claim); a later morning's search
shows what an earlier one missed. It writes
bench/results/coverage.json: per digest arXiv's count, matched, added, missing and flagged (with the causes),
and the totals of both ways: papers lost, papers in two digests, digests whose coverage line is true.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from calendar_simulation import CATEGORY, HOLIDAYS, ROOT, Submission, build, visible_at

from arxiv_digest.catalog.announcements import announcement, digest_days_between
from arxiv_digest.catalog.coverage import describe_coverage, reconcile
from arxiv_digest.catalog.selection import category_papers, decide_claims
from arxiv_digest.store import Store
from schemas.records import AnnouncedItem, AnnouncementList, Coverage


def feed_of(subs: list[Submission], day: date) -> AnnouncementList:
    """arXiv's list of the announcement read on `day`: new and cross papers first shown there, replacements."""
    items = []
    for sub in subs:
        if CATEGORY not in sub.paper.categories:
            continue
        kind = "new" if sub.paper.primary_category == CATEGORY else "cross"
        if sub.shown == day:
            items.append(AnnouncedItem(sub.paper.arxiv_id, 1, kind))
        elif sub.replaced_at is not None:
            found = announcement(day, HOLIDAYS)
            assert found is not None
            previous = found.announced_at - timedelta(days=1)
            if previous < sub.replaced_at <= found.announced_at:
                items.append(AnnouncedItem(sub.paper.arxiv_id, 2, "replace" if kind == "new" else "replace-cross"))
    return AnnouncementList(CATEGORY, day, tuple(items))


def build_digest(store: Store, subs: list[Submission], day: date, now: datetime, lookback_days: int,
                 missed: set[str], reconciled: bool) -> Coverage | None:
    shown = {s.paper.arxiv_id: s.shown for s in subs}
    found = announcement(day, HOLIDAYS)
    assert found is not None
    everything = visible_at(subs, now, found.window_start - timedelta(days=lookback_days), found.window_end)
    # The search misses these papers on the morning of their own announcement (it shows them later); a lookup
    # by id finds them.
    searched = category_papers([p for p in everything if not (p.arxiv_id in missed and shown.get(p.arxiv_id) == day)],
                               CATEGORY)
    listing = feed_of(subs, day) if reconciled else None
    announced = set(listing.ids("new", "cross")) if listing else set()
    known = {p.arxiv_id for p in searched}
    by_id = [p for p in visible_at(subs, now, datetime(2000, 1, 1, tzinfo=UTC), found.window_end)
             if p.arxiv_id in announced - known]
    papers = searched + category_papers(by_id, CATEGORY)
    holders = store.holders(CATEGORY, [p.arxiv_id for p in papers])
    claims = decide_claims(papers, found, holders=holders,
                           fetched=store.fetched_digests(CATEGORY, day - timedelta(days=lookback_days + 7)),
                           holidays=HOLIDAYS, announced=announced)
    store.record_announcement(CATEGORY, day, (found.window_start, found.window_end),
                              [(p, False) for p in claims.on_time] + [(p, True) for p in claims.late])
    if listing is None:
        return None
    on_time_by_search = {p.arxiv_id for p in searched if found.holds(p.published)}
    return reconcile(found, CATEGORY, listing, store.digest_holdings(CATEGORY, day), read_at=now,
                     added={p.arxiv_id for p in claims.on_time if p.arxiv_id not in on_time_by_search},
                     elsewhere={i: d for i, d in holders.items() if d != day})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-misses", type=float, default=0.05)
    parser.add_argument("--start", default="2026-02-23")
    parser.add_argument("--lookback-days", type=int, default=14)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "coverage.json")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = date.fromisoformat(args.start)
    subs = build(args.weeks, args.per_day, rng, start)
    missed = {s.paper.arxiv_id for s in subs if rng.random() < args.search_misses}
    days = digest_days_between(start, start + timedelta(weeks=args.weeks), HOLIDAYS)
    stores = {"search_only": Store.open(None), "reconciled": Store.open(None)}
    coverages: dict[date, Coverage] = {}
    for day in days:
        morning = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
        for way, store in stores.items():
            coverage = build_digest(store, subs, day, morning, args.lookback_days, missed, way == "reconciled")
            if coverage is not None:
                coverages[day] = coverage
    announced_on = {s.paper.arxiv_id: s.shown for s in subs
                    if CATEGORY in s.paper.categories and days[0] <= s.shown <= days[-1]}
    result: dict[str, object] = {
        "weeks": args.weeks, "seed": args.seed, "digests": len(days), "search_misses": args.search_misses,
        "announced_papers": len(announced_on), "missed_by_search_on_their_morning": len(missed & set(announced_on)),
    }
    for way, store in stores.items():
        placed: dict[str, list[date]] = {}
        for day in days:
            for held in store.digest_holdings(CATEGORY, day):
                placed.setdefault(held.paper.arxiv_id, []).append(day)
        result[way] = {
            "in_the_digest_that_announced_them": sum(1 for i, d in announced_on.items() if placed.get(i) == [d]),
            "in_a_later_digest": sum(1 for i, d in announced_on.items() if placed.get(i, [d])[0] > d),
            "lost": sum(1 for i in announced_on if i not in placed),
            "in_two_digests": sum(1 for where in placed.values() if len(where) > 1),
        }
    causes = Counter(cause for c in coverages.values() for _, cause in c.flagged)
    result["reconciled_coverage"] = {
        "digests_all_announced_here": sum(1 for c in coverages.values() if not c.missing),
        "digests_with_missing": sum(1 for c in coverages.values() if c.missing),
        "added_by_reconciliation": sum(len(c.added) for c in coverages.values()),
        "flagged_by_cause": dict(sorted(causes.items())),
        "example_lines": [describe_coverage(coverages[d]) for d in days[:3]],
    }
    result["per_digest"] = [{"date": d.isoformat(), "arxiv": len(c.announced), "ours": len(c.held),
                             "matched": c.matched, "added": len(c.added), "missing": len(c.missing),
                             "flagged": len(c.flagged)} for d, c in sorted(coverages.items())]
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "per_digest"}, indent=2))
    reconciled = result["reconciled"]
    assert isinstance(reconciled, dict)
    return 0 if reconciled["lost"] == reconciled["in_two_digests"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
