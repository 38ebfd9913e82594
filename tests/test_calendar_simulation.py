"""Two weeks of a simulated arXiv, run as the deployment runs it.

The fake arXiv on 127.0.0.1 shows each paper only from its announcement on (20:00 US Eastern, Sunday to
Thursday), holds some papers for one or two announcements (moderation), replaces one paper with a v2, lists
papers of other categories and cross-lists, and once lags behind its own announcement. Every weekday morning
at 06:00 UTC the flow builds the newest announcement, as the scheduled deployment does. Then every cs.CV paper
must be in exactly one digest, on-time papers in their announcement's digest, held papers in the first digest
built after they became visible (marked late), and a backfill of the same days in another order changes
nothing.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_arxiv import CatalogPaper, FakeArxiv
from pdf_factory import single_column_paper

from arxiv_digest.catalog.announcements import EASTERN, announcement, announcement_for_submission, next_evening
from arxiv_digest.catalog.sample_day import SamplePaper
from arxiv_digest.errors import AnnouncementNotVisible
from arxiv_digest.runtime import close_stores
from arxiv_digest.settings import load_settings
from arxiv_digest.store import Store
from tasks.fetch import announcement_retry_options

CATEGORY = "cs.CV"
FIRST_DIGEST, LAST_DIGEST = date(2026, 3, 2), date(2026, 3, 16)  # across the DST change of 2026-03-08
LAGGING_DIGEST = date(2026, 3, 11)  # its announcement reaches the API only at 07:00 UTC, after the 06:00 run
LAGGING_UNTIL = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)
CATEGORY_CYCLE = (("cs.CV",), ("cs.RO", "cs.CV"), ("cs.LG",), ("cs.CV", "eess.IV"), ("cs.CV",), ("cs.CL",))


@dataclass
class Simulated:
    paper: SamplePaper
    home: date  # the digest of its submission window
    shown: date  # the digest of the announcement that first shows it (home, or later when held)

    @property
    def in_category(self) -> bool:
        return CATEGORY in self.paper.categories


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _visible_from(digest: date) -> datetime:
    found = announcement(digest)
    assert found is not None
    return found.announced_at + timedelta(minutes=10)


def build_catalog() -> tuple[list[CatalogPaper], list[Simulated]]:
    """Submissions every 5 h from Thu 2026-02-26 15:00 ET to Fri 2026-03-13 13:00 ET (before its cutoff)."""
    catalog: list[CatalogPaper] = []
    truth: list[Simulated] = []
    moment = datetime(2026, 2, 26, 15, 0, tzinfo=EASTERN)
    end = datetime(2026, 3, 13, 13, 0, tzinfo=EASTERN)
    n = 0
    while moment <= end:
        n += 1
        categories = CATEGORY_CYCLE[n % len(CATEGORY_CYCLE)]
        home = announcement_for_submission(moment).digest_day
        held = 2 if n == 17 else 1 if n % 7 == 0 else 0  # moderation holds for one or two announcements
        shown = home
        for _ in range(held):
            shown = next_evening(shown) + timedelta(days=1)
        paper = SamplePaper(
            arxiv_id=f"2603.{n:05d}", version=1, title=f"Simulated paper {n} on {categories[0]}",
            authors=("A. Author",), categories=categories, published=_iso(moment), updated=_iso(moment),
            abstract=f"We study problem {n}. Our method improves the baseline by {n % 9 + 1} points.",
        )
        visible = LAGGING_UNTIL if shown == LAGGING_DIGEST else _visible_from(shown)
        catalog.append(CatalogPaper(paper, visible))
        truth.append(Simulated(paper, home, shown))
        moment += timedelta(hours=5)
    return catalog, truth


def replace_with_v2(catalog: list[CatalogPaper], arxiv_id: str, at_digest: date) -> None:
    """A v2 of an announced paper: same v1 submission date, a new version from `at_digest`'s announcement."""
    for entry in catalog:
        if entry.paper.arxiv_id == arxiv_id:
            old = entry.paper
            v2 = SamplePaper(**{**old.__dict__, "version": 2, "updated": _iso(_visible_from(at_digest)),
                                "title": old.title + " (revised)"})
            catalog.append(CatalogPaper(v2, _visible_from(at_digest)))
            return
    raise AssertionError(arxiv_id)


class Simulation:
    def __init__(self, fake: FakeArxiv, data_dir: Path, layout: str) -> None:
        self.fake = fake
        self.data_dir = data_dir
        self.layout = layout

    def overrides(self, now: datetime, **more: Any) -> dict[str, Any]:
        return {
            "data_dir": str(self.data_dir), "store_layout": self.layout, "now": now.isoformat(),
            "arxiv_api_url": self.fake.api_url, "arxiv_pdf_url": self.fake.pdf_url,
            "arxiv_min_interval_seconds": 0, "pdf_min_interval_seconds": 0, "http_max_attempts": 1,
            "arxiv_page_size": 7, **more,
        }

    def run(self, now: datetime, digest_date: date | None = None, category: str = CATEGORY,
            force: bool = False) -> dict[str, Any]:
        from flows.daily import daily_digest

        self.fake.state.clock = now
        try:
            return daily_digest(digest_date=digest_date.isoformat() if digest_date else None, category=category,
                                overrides=self.overrides(now), force=force, wait_for_announcement=False)
        finally:
            close_stores()

    def digests(self, category: str = CATEGORY) -> dict[date, list[tuple[str, bool]]]:
        out = self.data_dir / "out" / category
        found: dict[date, list[tuple[str, bool]]] = {}
        for path in sorted(out.glob("????-??-??.json")):
            payload = json.loads(path.read_text(encoding="utf-8"))
            found[date.fromisoformat(payload["digest_date"])] = [(p["arxiv_id"], p["late"])
                                                                  for p in payload["papers"]]
        return found


@pytest.fixture
def catalog_server() -> Iterator[tuple[FakeArxiv, list[Simulated]]]:
    catalog, truth = build_catalog()
    replace_with_v2(catalog, truth[3].paper.arxiv_id, date(2026, 3, 10))
    # A replacement of a January paper that a sloppy search returns by its new date: never new.
    old = SamplePaper(arxiv_id="2601.00777", version=3, title="An old paper, third version", authors=("B.",),
                      categories=("cs.CV",), published="2026-01-05T15:00:00Z", updated="2026-03-04T12:00:00Z",
                      abstract="An old paper revised.")
    with FakeArxiv() as fake:
        fake.state.catalog = [*catalog, CatalogPaper(old, _visible_from(date(2026, 3, 5)))]
        fake.state.catalog_pdf = single_column_paper()
        yield fake, truth


def mornings() -> list[datetime]:
    """06:00 UTC on Monday to Friday, as prefect.yaml's cron."""
    day, found = FIRST_DIGEST, []
    while day <= LAST_DIGEST:
        if day.weekday() < 5:
            found.append(datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC))
        day += timedelta(days=1)
    return found


@pytest.mark.parametrize("layout", ["single", "per-day"])
def test_two_weeks_every_paper_in_exactly_one_digest(
    prefect_harness: None, catalog_server: tuple[FakeArxiv, list[Simulated]], tmp_path: Path, layout: str
) -> None:
    fake, truth = catalog_server
    sim = Simulation(fake, tmp_path / "data", layout)
    for morning in mornings():
        if morning.date() == LAGGING_DIGEST:
            with pytest.raises(AnnouncementNotVisible, match="has not published the announcement of 2026-03-11"):
                sim.run(morning)
            assert LAGGING_DIGEST not in sim.digests(), "a lagging announcement must not be published empty"
            morning += timedelta(hours=2)
        result = sim.run(morning)
        assert result["path"].endswith(f"{morning.date().isoformat()}.md"), result
    # A Saturday run builds Friday's digest again: nothing moves.
    before = sim.digests()
    sim.run(datetime(2026, 3, 14, 6, 0, tzinfo=UTC))
    assert sim.digests() == before

    digests = sim.digests()
    assert sorted(digests) == [d for d in sorted(digests) if d.weekday() < 5]
    placed: dict[str, list[tuple[date, bool]]] = {}
    for day, entries in digests.items():
        for arxiv_id, late in entries:
            placed.setdefault(arxiv_id, []).append((day, late))
    expected = {s.paper.arxiv_id: s for s in truth if s.in_category and s.shown <= LAST_DIGEST}
    assert any(s.in_category and s.shown > LAST_DIGEST for s in truth), "one paper is still held at the end"
    assert "2601.00777" not in placed, "a replacement of an old paper is never new"
    assert set(placed) == set(expected), "every visible cs.CV paper (cross-lists too) and no other"
    for arxiv_id, where in placed.items():
        assert len(where) == 1, f"{arxiv_id} is in {where}"
        (day, late), sim_paper = where[0], expected[arxiv_id]
        if sim_paper.shown == sim_paper.home:
            assert (day, late) == (sim_paper.home, False), arxiv_id
        else:  # held: the first digest built after it became visible, marked late
            assert (day, late) == (sim_paper.shown, True), (arxiv_id, sim_paper)
    assert sum(late for entries in digests.values() for _, late in entries) >= 3
    on_time = sum(1 for s in expected.values() if s.shown == s.home)
    print(f"\n{layout}: {len(digests)} digests, {len(placed)} papers, {on_time} on time, "
          f"{len(placed) - on_time} late")

    # A backfill of the same days in another order, forced: not one paper moves.
    days = list(digests)
    random.Random(7).shuffle(days)
    for day in days:
        sim.run(datetime(2026, 3, 20, 6, 0, tzinfo=UTC), digest_date=day, force=True)
    assert sim.digests() == digests


def test_a_paper_in_two_categories_is_fetched_and_analysed_once(
    prefect_harness: None, catalog_server: tuple[FakeArxiv, list[Simulated]], tmp_path: Path
) -> None:
    fake, truth = catalog_server
    sim = Simulation(fake, tmp_path / "data", "per-day")
    shared = [s for s in truth if s.shown == s.home and {"cs.CV", "cs.RO"} <= set(s.paper.categories)]
    assert shared, "the catalog has cross-listed papers"
    day = shared[0].home
    both = [s.paper.versioned_id for s in shared if s.home == day]
    now = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
    sim.run(now)
    sim.run(now, category="cs.RO")
    cv = {arxiv_id for arxiv_id, _ in sim.digests()[day]}
    ro = {arxiv_id for arxiv_id, _ in sim.digests("cs.RO")[day]}
    assert {v.split("v")[0] for v in both} <= cv & ro
    for versioned in both:
        assert fake.pdf_requests_for(versioned) == 1
    store = Store.open(tmp_path / "data" / "days" / f"{day.isoformat()}.duckdb")
    try:
        counts = store.table_counts()
        assert counts["analyses"] == len(cv | ro), "one analysis per paper, whichever digests list it"
    finally:
        store.close()


def test_the_scheduled_run_retries_until_the_announcement_shows_up(
    prefect_harness: None, catalog_server: tuple[FakeArxiv, list[Simulated]], tmp_path: Path
) -> None:
    from flows.daily import daily_digest

    fake, truth = catalog_server
    digest = date(2026, 3, 5)
    morning = datetime(2026, 3, 5, 6, 0, tzinfo=UTC)
    sim = Simulation(fake, tmp_path / "data", "single")
    fake.state.clock = morning - timedelta(hours=12)  # the API still shows only older announcements

    def reveal() -> None:
        deadline = time.monotonic() + 60
        while not fake.requests_to("api") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the first attempt has its answer; the retry comes a second later
        fake.state.clock = morning

    revealer = threading.Thread(target=reveal, daemon=True)
    revealer.start()
    overrides = sim.overrides(morning, announcement_retry_delay_seconds=1, missing_announcement_min_papers=1,
                              arxiv_page_size=200)
    result = daily_digest(category=CATEGORY, overrides=overrides)
    revealer.join()
    close_stores()
    assert result["path"].endswith("2026-03-05.md")
    assert len(fake.requests_to("api")) >= 2, "the first fetch saw no announcement and was retried"
    on_time = {s.paper.arxiv_id for s in truth if s.home == digest == s.shown and s.in_category}
    assert on_time and on_time <= {arxiv_id for arxiv_id, _ in sim.digests()[digest]}


def test_retries_are_bounded_by_the_deadline() -> None:
    found = announcement(date(2026, 3, 5))
    assert found is not None
    settings = load_settings(environ={}, now=(found.announced_at + timedelta(hours=19)).isoformat())
    assert announcement_retry_options(settings, found)["retries"] == 2  # one hour left, every 30 minutes
    late = load_settings(environ={}, now=(found.announced_at + timedelta(hours=30)).isoformat())
    assert announcement_retry_options(late, found)["retries"] == 0  # past the deadline: fail now
    early = load_settings(environ={}, now=(found.announced_at + timedelta(hours=5)).isoformat())
    assert announcement_retry_options(early, found)["retries"] == 30
