"""Each digest reconciled with arXiv's own list of its announcement (issue 27), against the fake arXiv on
127.0.0.1 serving its RSS feed beside the API: the search lagging or dropping a paper, the feed read before its
midnight rebuild, cross-lists and replacements, a holiday, a past day, an unreachable feed, and two workers
claiming the same day at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_arxiv import CatalogPaper, FakeArxiv
from pdf_factory import single_column_paper

from arxiv_digest.catalog.announcements import EASTERN, announcement
from arxiv_digest.catalog.sample_day import SamplePaper
from arxiv_digest.errors import AnnouncementNotVisible
from arxiv_digest.runtime import Runtime, close_stores
from arxiv_digest.settings import load_settings
from arxiv_digest.steps.fetch import fetch_digest

DIGEST = date(2026, 3, 4)  # Tue 03-03 20:00 EST; window Mon 03-02 14:00 to Tue 03-03 14:00 EST
MORNING = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)  # 01:00 EST: the feed was rebuilt at midnight


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _paper(n: int, submitted: datetime, categories: tuple[str, ...] = ("cs.CV",), version: int = 1) -> SamplePaper:
    return SamplePaper(arxiv_id=f"2603.{n:05d}", version=version, title=f"Paper {n}", authors=("A. Author",),
                       categories=categories, published=_iso(submitted), updated=_iso(submitted),
                       abstract=f"We study problem {n}.")


def _announced(digest: date) -> datetime:
    found = announcement(digest)
    assert found is not None
    return found.announced_at


def _in_window(hours: float, digest: date = DIGEST) -> datetime:
    found = announcement(digest)
    assert found is not None
    return found.window_start + timedelta(hours=hours)


def _day(papers: list[SamplePaper], digest: date = DIGEST, **changes: Any) -> list[CatalogPaper]:
    return [CatalogPaper(p, _announced(digest) + timedelta(minutes=10), announced_on=digest, **changes)
            for p in papers]


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.state.catalog_rss = True
        yield server


def _runtime(fake: FakeArxiv, data_dir: Path, now: datetime, **more: Any) -> Runtime:
    fake.state.clock = now
    settings = load_settings(environ={}, data_dir=str(data_dir), now=now.isoformat(), arxiv_api_url=fake.api_url,
                             arxiv_pdf_url=fake.pdf_url, arxiv_min_interval_seconds=0, http_max_attempts=1,
                             missing_announcement_min_papers=3, **more)
    return Runtime(settings)


def _fetch(runtime: Runtime, digest: date = DIGEST) -> tuple[set[str], Any]:
    try:
        fetch_digest(runtime, digest, "cs.CV")
        store = runtime.store()
        return {h.paper.arxiv_id for h in store.digest_holdings("cs.CV", digest)}, store.coverage(digest, "cs.CV")
    finally:
        close_stores()


def test_a_paper_the_search_does_not_return_yet_is_fetched_by_id_and_placed_on_time(
        fake: FakeArxiv, tmp_path: Path) -> None:
    normal = [_paper(1, _in_window(2)), _paper(2, _in_window(5)), _paper(3, _in_window(9), ("cs.RO", "cs.CV"))]
    lagging = _paper(4, _in_window(12))
    dropped = _paper(5, _in_window(15))
    fake.state.catalog = [
        *_day(normal),
        # The search shows it only at 09:00 UTC, hours after the feed lists it; a lookup by id finds it now.
        CatalogPaper(lagging, datetime(2026, 3, 4, 9, 0, tzinfo=UTC), announced_on=DIGEST,
                     by_id_from=_announced(DIGEST)),
        *_day([dropped], search_hidden=True),  # the search index misses it for good
    ]
    held, coverage = _fetch(_runtime(fake, tmp_path, MORNING))
    assert held == {"2603.00001", "2603.00002", "2603.00003", "2603.00004", "2603.00005"}
    assert coverage.verified and coverage.matched == 5 and not coverage.missing and not coverage.flagged
    assert coverage.added == ("2603.00004", "2603.00005")
    store = _runtime(fake, tmp_path, MORNING).store()
    assert store.late_papers(DIGEST, "cs.CV") == set(), "announced today: on time, not late"
    assert [r.announcement_date for r in store.feed_reads("cs.CV")] == [DIGEST]
    id_lookups = [r for r in fake.requests_to("api") if "id_list" in r.query]
    assert [r.query["id_list"] for r in id_lookups] == [["2603.00004,2603.00005"]]
    rss = fake.requests_to("rss")
    assert len(rss) == 1 and rss[0].headers["User-Agent"].startswith("arxiv-digest/")
    close_stores()


def test_without_the_feed_the_lagging_and_dropped_papers_would_be_lost(fake: FakeArxiv, tmp_path: Path) -> None:
    """The same day with coverage checks off: the search alone misses them (the test above can fail)."""
    fake.state.catalog = [*_day([_paper(1, _in_window(2)), _paper(2, _in_window(5)), _paper(3, _in_window(7))]),
                          *_day([_paper(5, _in_window(15))], search_hidden=True)]
    held, coverage = _fetch(_runtime(fake, tmp_path, MORNING, verify_coverage=False))
    assert held == {"2603.00001", "2603.00002", "2603.00003"}
    assert not coverage.verified and "verify_coverage = false" in coverage.reason
    assert fake.requests_to("rss") == []


def test_a_whole_announcement_the_search_lags_behind_is_built_from_the_feed(fake: FakeArxiv, tmp_path: Path) -> None:
    papers = [_paper(n, _in_window(n)) for n in range(1, 5)]
    earlier = [_paper(n, _in_window(n, date(2026, 3, 3))) for n in range(10, 15)]  # recent windows had papers
    fake.state.catalog = [*_day(earlier, date(2026, 3, 3)),
                          *[CatalogPaper(p, datetime(2026, 3, 4, 11, 0, tzinfo=UTC), announced_on=DIGEST,
                                         by_id_from=_announced(DIGEST)) for p in papers]]
    held, coverage = _fetch(_runtime(fake, tmp_path, MORNING))
    assert held == {p.arxiv_id for p in papers}
    assert coverage.added == tuple(sorted(held))


def test_a_feed_read_before_its_midnight_rebuild_leaves_the_day_not_verified(fake: FakeArxiv, tmp_path: Path) -> None:
    fake.state.catalog = [*_day([_paper(1, _in_window(2)), _paper(2, _in_window(5))]),
                          *_day([_paper(9, _in_window(3, date(2026, 3, 3)))], date(2026, 3, 3))]
    evening = datetime(2026, 3, 3, 21, 30, tzinfo=EASTERN)  # after the 20:00 announcement, before midnight
    held, coverage = _fetch(_runtime(fake, tmp_path, evening))
    assert held == {"2603.00001", "2603.00002"}
    assert not coverage.verified and coverage.announced == ()
    assert "still listed the announcement of 2026-03-03" in coverage.reason
    # The read is recorded, with the announcement it listed.
    reads = _runtime(fake, tmp_path, evening).store().feed_reads("cs.CV")
    assert [(r.announcement_date, r.items) for r in reads] == [(date(2026, 3, 3), [["2603.00009", 1, "new"]])]
    close_stores()


def test_cross_lists_count_when_included_and_a_replacement_is_never_new(fake: FakeArxiv, tmp_path: Path) -> None:
    old_v1 = _paper(20, datetime(2026, 2, 10, 15, 0, tzinfo=UTC))
    old_v2 = _paper(20, datetime(2026, 2, 10, 15, 0, tzinfo=UTC), version=2)
    fake.state.catalog = [
        *_day([_paper(1, _in_window(2)), _paper(2, _in_window(4), ("cs.RO", "cs.CV"))]),
        CatalogPaper(old_v1, _announced(date(2026, 2, 11)), announced_on=date(2026, 2, 11)),
        CatalogPaper(old_v2, _announced(DIGEST), announced_on=DIGEST, announce_type="replace"),
        *_day([_paper(3, _in_window(6))]),
    ]
    held, coverage = _fetch(_runtime(fake, tmp_path / "a", MORNING))
    assert held == {"2603.00001", "2603.00002", "2603.00003"}  # the replaced paper is not taken
    assert coverage.announced == ("2603.00001", "2603.00002", "2603.00003") and not coverage.flagged
    held, coverage = _fetch(_runtime(fake, tmp_path / "b", MORNING, include_cross_lists=False))
    assert coverage.announced == ("2603.00001", "2603.00003") and coverage.matched == 2
    assert coverage.held == ("2603.00001", "2603.00003")  # the cross-list is held, not counted


def test_a_paper_in_our_window_that_arxiv_did_not_announce_is_flagged_and_kept(fake: FakeArxiv, tmp_path: Path) -> None:
    at_cutoff = _paper(3, _in_window(24) - timedelta(minutes=4))
    fake.state.catalog = [*_day([_paper(1, _in_window(2))]),
                          CatalogPaper(_paper(2, _in_window(6)), _announced(DIGEST) + timedelta(minutes=10)),
                          CatalogPaper(at_cutoff, _announced(DIGEST) + timedelta(minutes=10))]
    held, coverage = _fetch(_runtime(fake, tmp_path, MORNING))
    assert held == {"2603.00001", "2603.00002", "2603.00003"}, "never dropped"
    assert dict(coverage.flagged) == {"2603.00002": "held", "2603.00003": "clock"}
    assert coverage.matched == 1 and not coverage.missing


def test_a_holiday_missing_from_the_settings_is_told_by_its_empty_feed(fake: FakeArxiv, tmp_path: Path) -> None:
    # arXiv made no announcement on Tue 03-03: its feed of 03-04 is empty, the papers come on Wed 03-04.
    earlier = [_paper(n, _in_window(n, date(2026, 3, 3))) for n in range(10, 15)]
    papers = [_paper(n, _in_window(n)) for n in range(1, 4)]
    fake.state.catalog = [*_day(earlier, date(2026, 3, 3)), *_day(papers, date(2026, 3, 5))]
    with pytest.raises(AnnouncementNotVisible, match=r"arXiv's feed lists no cs\.CV paper for 2026-03-04"):
        _fetch(_runtime(fake, tmp_path / "missing", MORNING))
    # With the holiday configured there is no digest of 03-04; the next one holds both windows, verified.
    thursday = datetime(2026, 3, 5, 6, 0, tzinfo=UTC)
    held, coverage = _fetch(_runtime(fake, tmp_path / "listed", thursday, holidays=["2026-03-03"]),
                            date(2026, 3, 5))
    assert held == {p.arxiv_id for p in papers} and coverage.verified and coverage.matched == 3


def test_a_past_day_or_an_unreachable_feed_is_not_verified_and_nothing_is_invented(
        fake: FakeArxiv, tmp_path: Path) -> None:
    fake.state.catalog = _day([_paper(1, _in_window(2)), _paper(2, _in_window(5))])
    later = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
    held, coverage = _fetch(_runtime(fake, tmp_path / "past", later))
    assert held == {"2603.00001", "2603.00002"} and not coverage.verified
    assert coverage.reason.startswith("a past announcement: arXiv's feed lists only the newest one (2026-03-10)")
    assert fake.requests_to("rss") == [], "a feed that cannot list the day is not read"
    fake.fault("rss", ("status", 503, {}))
    held, coverage = _fetch(_runtime(fake, tmp_path / "down", MORNING))
    assert held == {"2603.00001", "2603.00002"} and not coverage.verified
    assert "arXiv's feed could not be read" in coverage.reason and "503" in coverage.reason
    assert coverage.announced == () and coverage.held == ("2603.00001", "2603.00002")


@pytest.mark.parametrize("layout", ["single", "per-day"])
def test_two_workers_reconciling_at_once_never_put_a_paper_in_two_digests(
        fake: FakeArxiv, tmp_path: Path, layout: str) -> None:
    # 2603.00009 was submitted in Tuesday's window (digest 03-03) but held; arXiv announces it on 03-04. Workers
    # build 03-03 and 03-04 at once, twice each: every paper in exactly one digest, whoever claims first.
    tuesday = [_paper(n, _in_window(n, date(2026, 3, 3))) for n in range(10, 14)]
    held_over = _paper(9, _in_window(20, date(2026, 3, 3)))
    fake.state.catalog = [*_day(tuesday, date(2026, 3, 3)), *_day([_paper(1, _in_window(2)), held_over]),
                          *_day([_paper(2, _in_window(6))])]
    runtime = _runtime(fake, tmp_path, MORNING, store_layout=layout)
    errors: list[BaseException] = []

    def build(day: date) -> None:
        try:
            fetch_digest(runtime, day, "cs.CV")
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=build, args=(day,)) for day in (DIGEST, date(2026, 3, 3)) * 2]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors, errors
    try:
        with runtime.ledger() as ledger:
            wednesday = {h.paper.arxiv_id for h in ledger.digest_holdings("cs.CV", DIGEST)}
            before = {h.paper.arxiv_id for h in ledger.digest_holdings("cs.CV", date(2026, 3, 3))}
            coverage = ledger.coverage(DIGEST, "cs.CV")
    finally:
        close_stores()
    assert not wednesday & before
    assert wednesday | before == {"2603.00001", "2603.00002", "2603.00009", *(p.arxiv_id for p in tuesday)}
    assert coverage is not None and coverage.verified
    if "2603.00009" in before:  # Tuesday's digest claimed it first: the coverage says where it is
        assert coverage.missing == (("2603.00009", "in the digest of 2026-03-03"),)
    else:
        assert "2603.00009" in coverage.added


def test_a_day_missing_an_announced_paper_is_partial_and_says_so_everywhere(
        prefect_harness: None, fake: FakeArxiv, tmp_path: Path) -> None:
    """The whole flow: the GX coverage expectation makes the day partial; footer, JSON, status and the run
    result carry the coverage record."""
    import json

    from typer.testing import CliRunner

    from arxiv_digest.cli import app
    from flows.daily import daily_digest

    fake.state.catalog = [
        *_day([_paper(1, _in_window(2)), _paper(2, _in_window(5), ("cs.RO", "cs.CV"))]),
        # Listed by arXiv, but its API returns it neither by search nor by id (yet).
        CatalogPaper(_paper(3, _in_window(8)), datetime(2026, 3, 9, tzinfo=UTC), announced_on=DIGEST),
    ]
    fake.state.catalog_pdf = single_column_paper()
    fake.state.clock = MORNING
    overrides = {"data_dir": str(tmp_path), "now": MORNING.isoformat(), "arxiv_api_url": fake.api_url,
                 "arxiv_pdf_url": fake.pdf_url, "arxiv_min_interval_seconds": 0, "pdf_min_interval_seconds": 0,
                 "http_max_attempts": 1, "language": "en", "quality_docs": False}
    try:
        result = daily_digest(category="cs.CV", overrides=overrides, wait_for_announcement=False)
    finally:
        close_stores()
    assert result["status"] == "partial" and result["shortfall"] == "1 announced by arXiv, not here"
    assert result["coverage"] == "2/3, 1 missing"
    markdown = Path(result["path"]).read_text(encoding="utf-8")
    assert markdown.rstrip().endswith(
        "arXiv announced 3 new cs.CV papers (cross-lists included); 2 are here, 1 are not: "
        "2603.00003 (not returned by arXiv's API, even by id)")
    payload = json.loads(Path(result["path"]).with_suffix(".json").read_text(encoding="utf-8"))
    assert payload["coverage"]["arxiv_count"] == 3 and payload["coverage"]["matched"] == 2
    assert payload["coverage"]["missing"] == [{"arxiv_id": "2603.00003",
                                               "where": "not returned by arXiv's API, even by id"}]
    shown = CliRunner().invoke(app, ["status", "--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "2/3, 1 missing" in shown.output
    assert "2026-03-04 cs.CV: arXiv announced 3 new cs.CV papers" in shown.output


def test_two_weeks_where_the_search_misses_papers_the_feed_lists(fake: FakeArxiv, tmp_path: Path) -> None:
    """A simulated arXiv whose search lags on some announced papers and drops others, holds some for later
    announcements (listed there as new) and replaces some; the feed lists every announcement. Each weekday
    morning builds the newest digest; three digests are skipped and backfilled afterwards. Every announced paper
    is in the digest whose feed listed it, once; each verified coverage line is true; the backfilled days are
    not verified."""
    import random

    from arxiv_digest.catalog.announcements import announcement_for_submission, next_evening

    rng = random.Random(27)
    first, last = date(2026, 3, 2), date(2026, 3, 13)
    catalog: list[CatalogPaper] = []
    listed_on: dict[str, date] = {}
    moment = datetime(2026, 2, 26, 15, 0, tzinfo=EASTERN)
    n = 0
    while moment < datetime(2026, 3, 12, 13, 0, tzinfo=EASTERN):
        n += 1
        categories = rng.choice([("cs.CV",), ("cs.CV",), ("cs.RO", "cs.CV"), ("cs.LG",)])
        paper = _paper(n, moment, categories)
        shown = announcement_for_submission(moment).digest_day
        for _ in range(1 if rng.random() < 0.1 else 0):  # held by moderation for one announcement
            shown = next_evening(shown) + timedelta(days=1)
        luck = rng.random()
        catalog.append(CatalogPaper(
            paper, _announced(shown) + timedelta(hours=12 if luck < 0.15 else 0, minutes=10), announced_on=shown,
            search_hidden=0.15 <= luck < 0.25, by_id_from=_announced(shown)))
        if "cs.CV" in categories and first <= shown:
            listed_on[paper.arxiv_id] = shown
        if rng.random() < 0.08:  # a v2 two announcements later: a replacement, never new
            later = next_evening(next_evening(shown)) + timedelta(days=1)
            catalog.append(CatalogPaper(_paper(n, moment, categories, version=2), _announced(later),
                                        announced_on=later, announce_type="replace"))
        moment += timedelta(hours=rng.uniform(1, 5))
    fake.state.catalog = catalog
    skipped = {date(2026, 3, 5), date(2026, 3, 10), date(2026, 3, 11)}
    mornings = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    digests = [d for d in mornings if d.weekday() < 5]
    for day in digests:
        if day not in skipped:
            _fetch(_runtime(fake, tmp_path, datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)), day)
    for day in sorted(skipped, reverse=True):  # backfilled later, newest first
        _fetch(_runtime(fake, tmp_path, datetime(2026, 3, 13, 6, 0, tzinfo=UTC)), day)
    runtime = _runtime(fake, tmp_path, datetime(2026, 3, 13, 6, 0, tzinfo=UTC))
    store = runtime.store()
    placed: dict[str, list[date]] = {}
    added = 0
    for day in digests:
        for paper in (h.paper for h in store.digest_holdings("cs.CV", day)):
            placed.setdefault(paper.arxiv_id, []).append(day)
        coverage = store.coverage(day, "cs.CV")
        assert coverage is not None
        if day in skipped:
            assert not coverage.verified and coverage.reason.startswith("a past announcement"), day
            continue
        announced_here = sorted(i for i, d in listed_on.items() if d == day)
        held_here = {h.paper.arxiv_id for h in store.digest_holdings("cs.CV", day)}
        assert coverage.verified and list(coverage.announced) == announced_here, day
        added += len(coverage.added)
        assert coverage.matched == len(announced_here) and not coverage.missing, (day, coverage)
        assert set(announced_here) <= held_here
        line = coverage_line_of(coverage)
        assert line.startswith(f"arXiv announced {len(announced_here)} new cs.CV papers")
        assert f"all {len(announced_here)} are here" in line
    close_stores()
    assert all(len(days) == 1 for days in placed.values()), {i: d for i, d in placed.items() if len(d) > 1}
    for arxiv_id, day in listed_on.items():
        if day <= last and day not in skipped:
            assert placed.get(arxiv_id) == [day], (arxiv_id, day, placed.get(arxiv_id))
    lost = {i for i, d in listed_on.items() if d <= last} - set(placed)
    hidden = {c.paper.arxiv_id: listed_on.get(c.paper.arxiv_id) for c in catalog if c.search_hidden}
    # Only a paper the search never returns, of a day built after its feed was gone, can be lost; that day's
    # coverage says "not verified".
    assert all(hidden.get(i) in skipped for i in lost), {i: (listed_on[i], i in hidden) for i in lost}
    assert added >= 5, "the search lagged on or dropped papers that only the feed brought in"


def coverage_line_of(coverage: Any) -> str:
    from arxiv_digest.catalog.coverage import describe_coverage

    return describe_coverage(coverage)
