"""Find the papers of a digest.

Digest D is arXiv's announcement on the evening before D (arxiv_digest.announcements): the new submissions of
its window, plus late papers (of earlier windows, visible only now, that no digest of the category holds yet).
Which digest holds each paper is recorded once, in the ledger, when the digest is first fetched. A date
without an announcement has no digest; an announcement with no papers yet, for a category that normally has
some, is not visible yet: the run fails and retries rather than publish it empty.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from arxiv_digest.catalog.announcements import (
    EASTERN,
    Announcement,
    announcement,
    announcement_for_submission,
    latest_digest_day,
    no_announcement_reason,
    previous_evening,
)
from arxiv_digest.catalog.client import ArxivClient, submitted_between_query
from arxiv_digest.catalog.coverage import (
    listing_mismatch,
    past_announcement_reason,
)
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.catalog.rss import parse_announcement_feed
from arxiv_digest.catalog.sample_day import SAMPLE_DAY
from arxiv_digest.errors import (
    AnnouncementNotVisible,
    ArxivApiError,
    DigestInputError,
    HttpGiveUp,
)
from schemas.records import AnnouncementList, Coverage, Holding, Paper

log = logging.getLogger(__name__)


def resolve_day(digest_date: str | date | None, sample: bool, now: datetime, holidays: Collection[date] = ()) -> date:
    """An explicit date wins; else the sample day; else the newest digest announced at `now` (the schedule's)."""
    if isinstance(digest_date, date):
        return digest_date
    if digest_date:
        return date.fromisoformat(digest_date)
    if sample:
        return SAMPLE_DAY
    return latest_digest_day(now, holidays)


def check_digest_day(digest_day: date, now: datetime, holidays: Collection[date] = ()) -> Announcement | None:
    """The digest's announcement; None on a date without one. A future announcement is an input error."""
    found = announcement(digest_day, holidays)
    moment = found.announced_at if found else datetime.combine(digest_day, time(1), tzinfo=UTC)
    if moment > now:
        when = moment.astimezone(EASTERN)
        raise DigestInputError(
            f"the digest of {digest_day} is arXiv's announcement of {when:%a %Y-%m-%d %H:%M} US Eastern, which "
            f"has not happened yet (now {now.astimezone(EASTERN):%Y-%m-%d %H:%M} US Eastern): nothing to build"
        )
    return found


def no_announcement_result(digest_day: date, holidays: Collection[date] = ()) -> dict[str, Any]:
    """What a run of a date without an announcement returns: nothing built, nothing written, a success."""
    return {"status": "no_announcement", "path": "", "counts": {"papers": 0},
            "reason": no_announcement_reason(digest_day, holidays)}


def search_query(category: str, found: Announcement, lookback_days: int) -> str:
    """The one search for a digest: its window, and `lookback_days` before it for late papers."""
    return submitted_between_query(category, found.window_start - timedelta(days=lookback_days), found.window_end)


def category_papers(papers: Iterable[Paper], category: str) -> list[Paper]:
    """The papers listed in a category (primary or cross-list), each at its newest version."""
    latest: dict[str, Paper] = {}
    for paper in papers:
        if category not in paper.categories:
            continue
        known = latest.get(paper.arxiv_id)
        if known is None or paper.version > known.version:
            latest[paper.arxiv_id] = paper
    return list(latest.values())


@dataclass(frozen=True)
class Claims:
    """What a digest takes of the papers visible at its first fetch."""

    on_time: tuple[Paper, ...]
    late: tuple[Paper, ...]
    held_elsewhere: int = 0  # already in another digest of the category
    # Earlier-window papers whose own digest has not been built yet: (versioned id, that digest's date).
    awaiting: tuple[tuple[str, date], ...] = ()

    @property
    def awaiting_own_digest(self) -> int:
        return len(self.awaiting)


def awaiting_warning(awaiting: Sequence[tuple[str, date]], sample: bool = False, shown: int = 5) -> str:
    """Which earlier-window papers wait, and the command that builds their digests."""
    days = sorted({day for _, day in awaiting})
    names = ", ".join(f"{vid} (digest {day})" for vid, day in awaiting[:shown])
    more = f" and {len(awaiting) - shown} more" if len(awaiting) > shown else ""
    build = " or ".join(f"`arxiv-digest run{' --sample' if sample else ''} --date {day}`" for day in days[:3])
    return (f"{len(awaiting)} paper(s) of earlier windows are left to their own digest, not built yet: {names}{more}; "
            f"{build} builds it")


def decide_claims(
    papers: Iterable[Paper],
    found: Announcement,
    *,
    holders: dict[str, date],
    fetched: Collection[date],
    holidays: Collection[date] = (),
    announced: Collection[str] = (),
) -> Claims:
    """Which visible papers a digest takes on its first fetch.

    Its window's papers are on time, and so is every paper arXiv's own list of the announcement names as new
    (`announced`): arXiv announced it here, whatever our window rule says. A paper of an earlier window is
    late only when that window's digest was already built without it (held by moderation, API lag): a digest
    not built yet takes its own papers when it is built, so building days out of order changes nothing. A
    paper some digest holds is never taken.
    """
    on_time: list[Paper] = []
    late: list[Paper] = []
    held = 0
    awaiting: list[tuple[str, date]] = []
    for paper in papers:
        holder = holders.get(paper.arxiv_id)
        if holder is not None:
            held += holder != found.digest_day
            continue
        if found.holds(paper.published) or paper.arxiv_id in announced:
            on_time.append(paper)
        elif paper.published <= found.window_start:
            own = announcement_for_submission(paper.published, holidays).digest_day
            if own in fetched:
                late.append(paper)
            else:
                awaiting.append((paper.versioned_id, own))
    return Claims(tuple(on_time), tuple(late), held, tuple(awaiting))


def expected_papers(
    papers: Sequence[Paper], found: Announcement, lookback_days: int, holidays: Collection[date] = (),
    history: Sequence[int] = (),
) -> float:
    """How many papers a window of this category normally has: the median of the last five windows.

    Counted from the search's own lookback (what arXiv shows now for the earlier windows), else from the
    store's record of earlier digests.
    """
    horizon = found.window_start - timedelta(days=lookback_days)
    counts: list[int] = []
    evening = found.evening
    while len(counts) < 5 and lookback_days > 0:
        evening = previous_evening(evening, holidays)
        earlier = announcement(evening + timedelta(days=1), holidays)
        if earlier is None or earlier.window_start < horizon:
            break
        counts.append(sum(1 for paper in papers if earlier.holds(paper.published)))
    return median_count(counts or history)


def median_count(counts: Sequence[int]) -> float:
    return float(statistics.median(counts)) if counts else 0.0


@dataclass(frozen=True)
class PaperFilters:
    """The reader's filters of a digest's papers."""

    include_cross_lists: bool = True
    keywords_include: Sequence[str] = ()
    keywords_exclude: Sequence[str] = ()
    max_papers: int = 0

    def as_options(self) -> dict[str, Any]:
        """select_papers' keyword arguments."""
        return {"include_cross_lists": self.include_cross_lists, "keywords_include": self.keywords_include,
                "keywords_exclude": self.keywords_exclude, "max_papers": self.max_papers}


def select_papers(
    papers: Iterable[Paper],
    category: str,
    *,
    late: Collection[str] = (),
    include_cross_lists: bool = True,
    keywords_include: Sequence[str] = (),
    keywords_exclude: Sequence[str] = (),
    max_papers: int = 0,
) -> list[Paper]:
    """The papers of the digest after the reader's filters: on-time newest first, then the late ones."""
    include = [k.lower() for k in keywords_include]
    exclude = [k.lower() for k in keywords_exclude]
    chosen: list[Paper] = []
    for paper in category_papers(papers, category):
        if not include_cross_lists and paper.primary_category != category:
            continue
        haystack = f"{paper.title} {paper.abstract}".lower()
        if include and not any(k in haystack for k in include):
            continue
        if any(k in haystack for k in exclude):
            continue
        chosen.append(paper)
    chosen.sort(key=lambda p: (p.published, p.arxiv_id), reverse=True)
    chosen.sort(key=lambda p: p.arxiv_id in late)
    return chosen[:max_papers] if max_papers else chosen


class PagedQuery:
    """Pages through a search with start/max_results until totalResults is reached."""

    def __init__(self, client: object, page_size: int, max_pages: int = 100) -> None:
        self.client = client
        self.page_size = page_size
        self.max_pages = max_pages
        self.warnings: list[str] = []

    def run(self, query: str) -> list[Paper]:
        papers: list[Paper] = []
        start = 0
        total: int | None = None
        empty_retries = 0
        for _ in range(self.max_pages):
            page = parse_feed(self.client.query(query, start, self.page_size))  # type: ignore[attr-defined]
            total = page.total_results
            if not page.papers and not page.skipped:
                if start < total and empty_retries < 1:
                    # The API sometimes returns an empty page mid-result; one more try usually fills it.
                    empty_retries += 1
                    continue
                if start < total:
                    self.warnings.append(f"arXiv returned an empty page at start={start} of {total}; stopped")
                break
            empty_retries = 0
            papers.extend(page.papers)
            self.warnings.extend(f"skipped a feed entry: {reason}" for reason in page.skipped)
            start += len(page.papers) + len(page.skipped)
            if start >= total:
                break
        else:
            self.warnings.append(f"stopped after {self.max_pages} pages; results may be incomplete")
        return papers


@dataclass(frozen=True)
class DayQuery:
    """What arXiv returned for a digest's search and what the digest would keep of it."""

    found: tuple[Paper, ...]  # every paper of the category in the window and its lookback, newest version
    on_time: tuple[Paper, ...]  # those submitted in the window
    chosen: tuple[Paper, ...]  # the window's papers after the reader's filters
    warnings: tuple[str, ...]
    announcement: Announcement
    expected: float = 0.0  # papers a window of this category normally has


def search_day(client: ArxivClient, found: Announcement, category: str, filters: PaperFilters, *, page_size: int,
               lookback_days: int, holidays: Collection[date] = ()) -> DayQuery:
    """Page through the API for the digest's window and lookback."""
    pager = PagedQuery(client, page_size)
    results = pager.run(search_query(category, found, lookback_days))
    listed = category_papers(results, category)
    on_time = [paper for paper in listed if found.holds(paper.published)]
    chosen = select_papers(on_time, category, **filters.as_options())
    expected = expected_papers(listed, found, lookback_days, holidays)
    return DayQuery(tuple(listed), tuple(on_time), tuple(chosen), tuple(pager.warnings), found, expected)


def not_visible_error(found: Announcement, category: str, expected: float) -> AnnouncementNotVisible:
    return AnnouncementNotVisible(
        f"arXiv has not published the announcement of {found.digest_day} yet: 0 {category} papers in its "
        f"window, where recent windows had about {expected:g} ({found.describe()}); retry later"
    )


@dataclass(frozen=True)
class ListingRead:
    """arXiv's feed as read for a digest: the list, or why it cannot verify this announcement."""

    listing: AnnouncementList | None
    read_at: datetime | None
    reason: str  # empty when the list is this announcement's


def read_listing(client: ArxivClient, found: Announcement, category: str, newest: date,
                 now: datetime) -> ListingRead:
    """arXiv's list of the announcement, read once, when its feed can list it (`newest` is the announcement the
    feed lists now); else why not (nothing invented)."""
    if found.digest_day != newest:
        return ListingRead(None, None, past_announcement_reason(found, newest))
    try:
        listing = parse_announcement_feed(client.announcement_feed(category), category)
    except (ArxivApiError, HttpGiveUp) as exc:
        return ListingRead(None, now, f"arXiv's feed could not be read: {exc}")
    return ListingRead(listing, now, listing_mismatch(listing, found, now))


def papers_by_id(client: ArxivClient, arxiv_ids: Sequence[str], page: int = 100) -> tuple[list[Paper], list[str]]:
    """The newest versions of these papers (the API's id_list), and warnings for ids it did not return."""
    papers: list[Paper] = []
    for first in range(0, len(arxiv_ids), page):
        papers.extend(parse_feed(client.by_ids(list(arxiv_ids[first:first + page]))).papers)
    returned = {paper.arxiv_id for paper in papers}
    absent = [arxiv_id for arxiv_id in arxiv_ids if arxiv_id not in returned]
    return papers, ([f"arXiv lists {', '.join(absent)} in the announcement, but its API did not return them"]
                    if absent else [])


@dataclass(frozen=True)
class DigestClaim:
    """What a digest holds, the warnings of its first fetch, and its coverage record."""

    holdings: list[Holding]
    warnings: list[str]
    coverage: Coverage


def not_announced_error(found: Announcement, category: str) -> AnnouncementNotVisible:
    return AnnouncementNotVisible(
        f"arXiv's feed lists no {category} paper for {found.digest_day} and its API none in the window "
        f"({found.describe()}): arXiv made no announcement that evening (a holiday missing from `holidays`?) "
        "or has not published it yet; retry later"
    )
