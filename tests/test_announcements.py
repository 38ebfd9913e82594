"""arXiv's announcement calendar: windows for every row of the published schedule, both DST changes, holidays,
and which digest takes which paper."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from arxiv_digest.catalog.announcements import (
    EASTERN,
    announcement,
    announcement_for_submission,
    digest_days_between,
    has_announcement,
    latest_digest_day,
    no_announcement_reason,
)
from arxiv_digest.catalog.selection import (
    awaiting_warning,
    check_digest_day,
    decide_claims,
    expected_papers,
    select_papers,
)
from arxiv_digest.errors import DigestInputError
from arxiv_digest.taxonomy import close_matches, is_category, unknown_category_message
from schemas.records import Paper


def et(text: str) -> datetime:
    """A US Eastern wall-clock time as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=EASTERN).astimezone(UTC)


# The week of 2026-01-19 (EST). Each row of arXiv's table: submitted between -> announced -> digest date.
@pytest.mark.parametrize(
    ("digest", "start", "end", "announced"),
    [
        (date(2026, 1, 21), "2026-01-19 14:00", "2026-01-20 14:00", "2026-01-20 20:00"),  # Mon–Tue -> Tue
        (date(2026, 1, 22), "2026-01-20 14:00", "2026-01-21 14:00", "2026-01-21 20:00"),  # Tue–Wed -> Wed
        (date(2026, 1, 23), "2026-01-21 14:00", "2026-01-22 14:00", "2026-01-22 20:00"),  # Wed–Thu -> Thu
        (date(2026, 1, 26), "2026-01-22 14:00", "2026-01-23 14:00", "2026-01-25 20:00"),  # Thu–Fri -> Sun
        (date(2026, 1, 27), "2026-01-23 14:00", "2026-01-26 14:00", "2026-01-26 20:00"),  # Fri–Mon -> Mon
    ],
)
def test_every_row_of_the_schedule(digest: date, start: str, end: str, announced: str) -> None:
    found = announcement(digest)
    assert found is not None
    assert (found.window_start, found.window_end) == (et(start), et(end))
    assert found.announced_at == et(announced)
    assert found.evening == digest - timedelta(days=1)


def test_the_seed_day_is_tuesdays_announcement() -> None:
    found = announcement(date(2026, 1, 21))
    assert found is not None
    assert found.window_start == datetime(2026, 1, 19, 19, 0, tzinfo=UTC)
    assert found.window_end == datetime(2026, 1, 20, 19, 0, tzinfo=UTC)
    assert found.announced_at == datetime(2026, 1, 21, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("digest", [date(2026, 1, 24), date(2026, 1, 25)])
def test_saturday_and_sunday_digests_do_not_exist(digest: date) -> None:
    assert announcement(digest) is None and not has_announcement(digest)
    assert "does not announce on" in no_announcement_reason(digest)


def test_windows_tile_time_without_gaps_or_overlaps_for_a_year() -> None:
    holidays = {date(2026, 11, 26), date(2026, 12, 24), date(2026, 12, 31)}
    days = digest_days_between(date(2026, 1, 5), date(2026, 12, 31), holidays)
    windows = [window_of_h(day, holidays) for day in days]
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert end == start
    assert len(days) == 259 - 2  # Mon–Fri from Jan 5 to Dec 31, less the digests after two holiday evenings


def window_of_h(digest: date, holidays: set[date]) -> tuple[datetime, datetime]:
    found = announcement(digest, holidays)
    assert found is not None
    return found.window_start, found.window_end


def test_spring_dst_change_keeps_14_00_and_20_00_eastern() -> None:
    # 2026-03-08 02:00 EST -> 03:00 EDT. Monday's digest is Sunday's announcement, made in EDT.
    monday = announcement(date(2026, 3, 9))
    assert monday is not None
    assert monday.announced_at == datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # 20:00 EDT
    assert monday.window_end == datetime(2026, 3, 6, 19, 0, tzinfo=UTC)  # Friday 14:00 EST
    tuesday = announcement(date(2026, 3, 10))
    assert tuesday is not None
    assert tuesday.window_start == datetime(2026, 3, 6, 19, 0, tzinfo=UTC)
    assert tuesday.window_end == datetime(2026, 3, 9, 18, 0, tzinfo=UTC)  # Monday 14:00 EDT
    assert tuesday.window_end - tuesday.window_start == timedelta(hours=71)


def test_autumn_dst_change() -> None:
    # 2026-11-01 02:00 EDT -> 01:00 EST.
    tuesday = announcement(date(2026, 11, 3))
    assert tuesday is not None
    assert tuesday.window_start == datetime(2026, 10, 30, 18, 0, tzinfo=UTC)  # Friday 14:00 EDT
    assert tuesday.window_end == datetime(2026, 11, 2, 19, 0, tzinfo=UTC)  # Monday 14:00 EST
    assert tuesday.window_end - tuesday.window_start == timedelta(hours=73)
    assert tuesday.announced_at == datetime(2026, 11, 3, 1, 0, tzinfo=UTC)


def test_a_holiday_moves_its_window_into_the_next_announcement() -> None:
    thanksgiving = {date(2026, 11, 26)}
    assert announcement(date(2026, 11, 27), thanksgiving) is None
    assert "holiday" in no_announcement_reason(date(2026, 11, 27), thanksgiving)
    sunday = announcement(date(2026, 11, 30), thanksgiving)
    assert sunday is not None
    assert (sunday.window_start, sunday.window_end) == (et("2026-11-25 14:00"), et("2026-11-27 14:00"))
    thursday_paper = et("2026-11-26 09:00")
    assert announcement_for_submission(thursday_paper, thanksgiving).digest_day == date(2026, 11, 30)
    assert announcement_for_submission(thursday_paper).digest_day == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("submitted", "digest"),
    [
        ("2026-01-20 13:59", date(2026, 1, 21)),
        ("2026-01-20 14:00", date(2026, 1, 21)),  # the cutoff itself belongs to the window it closes
        ("2026-01-20 14:01", date(2026, 1, 22)),
        ("2026-01-23 15:00", date(2026, 1, 27)),  # Friday afternoon -> Monday evening -> Tuesday's digest
        ("2026-01-24 12:00", date(2026, 1, 27)),  # Saturday
        ("2026-01-22 16:00", date(2026, 1, 26)),  # Thursday afternoon -> Sunday evening -> Monday's digest
    ],
)
def test_each_submission_has_one_digest(submitted: str, digest: date) -> None:
    assert announcement_for_submission(et(submitted)).digest_day == digest


def test_latest_digest_is_the_newest_announcement_made() -> None:
    assert latest_digest_day(et("2026-01-20 19:59")) == date(2026, 1, 20)
    assert latest_digest_day(et("2026-01-20 20:00")) == date(2026, 1, 21)
    assert latest_digest_day(datetime(2026, 1, 21, 6, 0, tzinfo=UTC)) == date(2026, 1, 21)  # the 06:00 UTC run
    assert latest_digest_day(et("2026-01-24 12:00")) == date(2026, 1, 23)  # Saturday: Thursday's
    assert latest_digest_day(datetime(2026, 1, 26, 6, 0, tzinfo=UTC)) == date(2026, 1, 26)  # Monday morning


def test_a_future_announcement_is_an_input_error() -> None:
    with pytest.raises(DigestInputError, match="has not happened yet"):
        check_digest_day(date(2026, 1, 22), et("2026-01-21 19:00"))
    assert check_digest_day(date(2026, 1, 22), et("2026-01-21 20:00")) is not None
    assert check_digest_day(date(2026, 1, 24), et("2026-02-01 00:00")) is None
    with pytest.raises(DigestInputError):
        check_digest_day(date(2026, 1, 31), et("2026-01-24 12:00"))  # a future Saturday


def paper(arxiv_id: str, submitted: str, categories: tuple[str, ...] = ("cs.CV",), version: int = 1) -> Paper:
    moment = et(submitted)
    return Paper(arxiv_id, version, f"Title {arxiv_id}", ("A",), categories, categories[0], moment, moment, "x")


def test_claims_on_time_late_held_and_waiting() -> None:
    wednesday = announcement(date(2026, 1, 22))
    assert wednesday is not None
    papers = [
        paper("2601.00001", "2026-01-21 10:00"),  # on time
        paper("2601.00002", "2026-01-20 10:00"),  # Tuesday's window: its digest (21st) was built without it
        paper("2601.00003", "2026-01-16 10:00"),  # the 19th's window: not built yet -> waits for its own
        paper("2601.00004", "2026-01-20 11:00"),  # held by the digest of the 21st already
        paper("2601.00005", "2026-01-21 16:00"),  # after the window: a later digest's
    ]
    claims = decide_claims(papers, wednesday, holders={"2601.00004": date(2026, 1, 21)},
                           fetched={date(2026, 1, 21)})
    assert [p.arxiv_id for p in claims.on_time] == ["2601.00001"]
    assert [p.arxiv_id for p in claims.late] == ["2601.00002"]
    assert (claims.held_elsewhere, claims.awaiting_own_digest) == (1, 1)
    assert claims.awaiting == (("2601.00003v1", date(2026, 1, 19)),)
    warning = awaiting_warning(claims.awaiting)
    assert "2601.00003v1 (digest 2026-01-19)" in warning and "`arxiv-digest run --date 2026-01-19`" in warning
    again = decide_claims(papers, wednesday, holders={"2601.00001": date(2026, 1, 22)}, fetched=set())
    assert again.on_time == () and again.held_elsewhere == 0, "a digest's own paper is not someone else's"


def test_expected_papers_is_the_median_of_recent_windows() -> None:
    wednesday = announcement(date(2026, 1, 22))
    assert wednesday is not None
    earlier = [paper(f"2601.1{n:04d}", "2026-01-20 10:00") for n in range(30)]
    earlier += [paper(f"2601.2{n:04d}", "2026-01-16 10:00") for n in range(25)]
    earlier += [paper(f"2601.3{n:04d}", "2026-01-15 10:00") for n in range(20)]
    assert expected_papers(earlier, wednesday, 14) == 20  # windows of the 21st..15th: 30, 0, 25, 20, 0
    assert expected_papers([], wednesday, 14) == 0
    assert expected_papers([], wednesday, 0, history=[150, 140, 160]) == 150


def test_late_papers_come_after_the_on_time_ones() -> None:
    papers = [paper("2601.00001", "2026-01-20 10:00"), paper("2601.00002", "2026-01-21 10:00"),
              paper("2601.00003", "2026-01-21 09:00")]
    chosen = select_papers(papers, "cs.CV", late={"2601.00001"})
    assert [p.arxiv_id for p in chosen] == ["2601.00002", "2601.00003", "2601.00001"]


def test_taxonomy_rejects_unknown_categories_and_suggests_close_ones() -> None:
    assert is_category("cs.CV") and is_category("hep-th") and is_category("cond-mat.mes-hall")
    assert not is_category("cs.cv") and not is_category("cs.XX")
    assert close_matches("cs.cv") == ["cs.CV"]
    assert close_matches("cs.VC")[0] == "cs.CV"
    assert "did you mean cs.CV" in unknown_category_message("cs.VC")
