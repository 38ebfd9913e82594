"""arXiv's announcement calendar: which submissions each digest holds.

Digest D is the announcement arXiv makes at 20:00 US Eastern on the evening before D. Announcements happen
Sunday to Thursday evenings, never on a listed holiday. Each covers the submissions since the previous
announcement's cutoff up to its own: the cutoff is 14:00 US Eastern on the last weekday (Mon–Fri) on or before
the announcement day. So Tuesday 20:00 covers Mon 14:00 – Tue 14:00, Sunday 20:00 covers Thu 14:00 – Fri 14:00,
Monday 20:00 covers Fri 14:00 – Mon 14:00, and after a holiday the next announcement covers both windows.

Everything here is pure: the clock and the holiday list are parameters.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
ANNOUNCEMENT_TIME = time(20, 0)
CUTOFF_TIME = time(14, 0)
# Monday=0 … Sunday=6: arXiv announces on Sunday to Thursday evenings.
ANNOUNCING_WEEKDAYS = frozenset({6, 0, 1, 2, 3})
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# No real announcement is more than a few days from the previous one; a search longer than this means a
# holiday list that blocks everything.
_MAX_GAP_DAYS = 30


class CalendarError(ValueError):
    """A date or holiday list the calendar cannot work with."""


@dataclass(frozen=True)
class Announcement:
    """One announcement: digest `digest_day`, made on the evening of `evening` (US Eastern)."""

    digest_day: date
    evening: date  # the US Eastern date of the 20:00 announcement: digest_day - 1
    announced_at: datetime  # UTC
    window_start: datetime  # UTC, exclusive: the previous announcement's cutoff
    window_end: datetime  # UTC, inclusive: this announcement's cutoff

    def holds(self, submitted: datetime) -> bool:
        """Whether a v1 submitted at this moment (aware) is one of this announcement's new submissions."""
        return self.window_start < submitted.astimezone(UTC) <= self.window_end

    def describe(self) -> str:
        start = self.window_start.astimezone(EASTERN)
        end = self.window_end.astimezone(EASTERN)
        return (f"announced {WEEKDAY_NAMES[self.evening.weekday()]} {self.evening} 20:00 ET; "
                f"submissions {start:%a %Y-%m-%d %H:%M} – {end:%a %Y-%m-%d %H:%M} ET")


def _eastern(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=EASTERN).astimezone(UTC)


def announces_on(evening: date, holidays: Collection[date] = ()) -> bool:
    """Whether arXiv announces on the evening of this US Eastern date."""
    return evening.weekday() in ANNOUNCING_WEEKDAYS and evening not in holidays


def has_announcement(digest_day: date, holidays: Collection[date] = ()) -> bool:
    return announces_on(digest_day - timedelta(days=1), holidays)


def no_announcement_reason(digest_day: date, holidays: Collection[date] = ()) -> str:
    """Why a digest date has no announcement (empty when it has one)."""
    evening = digest_day - timedelta(days=1)
    if evening in holidays:
        return f"{evening} is an arXiv holiday (no announcement that evening)"
    if evening.weekday() not in ANNOUNCING_WEEKDAYS:
        return f"arXiv does not announce on {WEEKDAY_NAMES[evening.weekday()]} evenings ({evening})"
    return ""


def cutoff_for(evening: date) -> datetime:
    """The 14:00 ET cutoff that closes the submissions of an announcement made on `evening`."""
    day = evening
    while day.weekday() >= 5:  # Saturday, Sunday: the cutoff was Friday's
        day -= timedelta(days=1)
    return _eastern(day, CUTOFF_TIME)


def previous_evening(evening: date, holidays: Collection[date] = ()) -> date:
    """The announcing evening before this one."""
    day = evening - timedelta(days=1)
    for _ in range(_MAX_GAP_DAYS):
        if announces_on(day, holidays):
            return day
        day -= timedelta(days=1)
    raise CalendarError(f"no arXiv announcement in the {_MAX_GAP_DAYS} days before {evening}: check the holidays")


def next_evening(evening: date, holidays: Collection[date] = ()) -> date:
    """The first announcing evening after this one."""
    day = evening + timedelta(days=1)
    for _ in range(_MAX_GAP_DAYS):
        if announces_on(day, holidays):
            return day
        day += timedelta(days=1)
    raise CalendarError(f"no arXiv announcement in the {_MAX_GAP_DAYS} days after {evening}: check the holidays")


def announcement(digest_day: date, holidays: Collection[date] = ()) -> Announcement | None:
    """The announcement that is digest `digest_day`, or None on a date without one."""
    evening = digest_day - timedelta(days=1)
    if not announces_on(evening, holidays):
        return None
    return Announcement(
        digest_day=digest_day,
        evening=evening,
        announced_at=_eastern(evening, ANNOUNCEMENT_TIME),
        window_start=cutoff_for(previous_evening(evening, holidays)),
        window_end=cutoff_for(evening),
    )


def announcement_for_submission(submitted: datetime, holidays: Collection[date] = ()) -> Announcement:
    """The announcement whose window holds a v1 submitted at this moment (its on-time digest)."""
    # The first announcement whose cutoff is not before the submission: windows tile time without gaps.
    evening = submitted.astimezone(EASTERN).date()
    for _ in range(_MAX_GAP_DAYS):
        if announces_on(evening, holidays) and cutoff_for(evening) >= submitted.astimezone(UTC):
            found = announcement(evening + timedelta(days=1), holidays)
            assert found is not None and found.holds(submitted)
            return found
        evening += timedelta(days=1)
    raise CalendarError(f"no announcement window holds {submitted.isoformat()}: check the holidays")


def latest_digest_day(now: datetime, holidays: Collection[date] = ()) -> date:
    """The newest digest whose announcement has been made at `now`: what the morning's schedule builds."""
    evening = now.astimezone(EASTERN).date()
    if not (announces_on(evening, holidays) and _eastern(evening, ANNOUNCEMENT_TIME) <= now.astimezone(UTC)):
        evening = previous_evening(evening, holidays)
    return evening + timedelta(days=1)


def digest_days_between(start: date, end: date, holidays: Collection[date] = ()) -> list[date]:
    """The digest dates (those with an announcement) from start to end inclusive."""
    days = []
    day = start
    while day <= end:
        if has_announcement(day, holidays):
            days.append(day)
        day += timedelta(days=1)
    return days


def announcement_evening(digest_day: date) -> date:
    """The US Eastern date whose 20:00 announcement is digest `digest_day`."""
    return digest_day - timedelta(days=1)
