"""Step 1, fetch: the papers of a digest, claimed in the ledger on its first fetch and stored with the run record."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from arxiv_digest.catalog.announcements import Announcement, announcement, latest_digest_day, no_announcement_reason
from arxiv_digest.catalog.client import ArxivClient
from arxiv_digest.catalog.coverage import counted_types, describe_coverage, not_verified, reconcile
from arxiv_digest.catalog.sample_day import SAMPLE_DAY, SAMPLE_MARK, sample_records_message
from arxiv_digest.catalog.selection import (
    DayQuery,
    DigestClaim,
    ListingRead,
    PaperFilters,
    awaiting_warning,
    decide_claims,
    median_count,
    not_announced_error,
    not_visible_error,
    papers_by_id,
    read_listing,
    search_day,
    select_papers,
)
from arxiv_digest.errors import DigestInputError, SampleStoreError
from arxiv_digest.runtime import Runtime
from arxiv_digest.settings import Settings
from arxiv_digest.store import Store
from schemas.records import PUBLISHED_RUN_STATUSES, Coverage, Paper

log = logging.getLogger(__name__)


def paper_filters(settings: Settings) -> PaperFilters:
    """The reader's filters of the digest's papers, as the settings give them."""
    return PaperFilters(include_cross_lists=settings.include_cross_lists, keywords_include=settings.keywords_include,
                        keywords_exclude=settings.keywords_exclude, max_papers=settings.max_papers)


def query_day(runtime: Runtime, found: Announcement, category: str, client: ArxivClient | None = None) -> DayQuery:
    """Page through the API for the digest's window and lookback (used by `fetch` too)."""
    settings = runtime.settings
    if client is None:
        with runtime.arxiv_http() as http:
            return query_day(runtime, found, category, ArxivClient(http, settings))
    return search_day(client, found, category, paper_filters(settings), page_size=settings.arxiv_page_size,
                      lookback_days=settings.late_lookback_days, holidays=settings.holiday_dates)


def newest_digest_day(settings: Settings) -> date:
    """The announcement arXiv's feed lists now (the sample day's own feed lists the sample day)."""
    return SAMPLE_DAY if settings.sample_day else latest_digest_day(settings.current_time(), settings.holiday_dates)


def _listing(client: ArxivClient, found: Announcement, category: str, settings: Settings) -> ListingRead:
    if not settings.verify_coverage:
        return ListingRead(None, None, "coverage checks are off (verify_coverage = false)")
    return read_listing(client, found, category, newest_digest_day(settings), settings.current_time())


def _claimed(ledger: Store, found: Announcement, category: str, include_cross: bool,
             warnings: list[str]) -> DigestClaim:
    """The claim an earlier fetch of this digest recorded: its list is fixed."""
    holdings = ledger.digest_holdings(category, found.digest_day)
    return DigestClaim(holdings, warnings, ledger.coverage(found.digest_day, category) or not_verified(
        found, category, holdings, "claimed before coverage was recorded", None, include_cross))


@dataclass(frozen=True)
class _Asked:
    """What arXiv says of a digest: its search, its feed's list, the papers both name, their warnings."""

    query: DayQuery
    read: ListingRead
    announced: Collection[str]
    papers: list[Paper]
    warnings: list[str]

    @property
    def verified(self) -> bool:
        return self.read.listing is not None and not self.read.reason


def _ask_arxiv(runtime: Runtime, found: Announcement, category: str) -> _Asked:
    """The search, then arXiv's feed (its own list of the newest announcement), then by id what the search missed."""
    settings = runtime.settings
    with runtime.arxiv_http() as http:
        client = ArxivClient(http, settings)
        query = query_day(runtime, found, category, client)
        read = _listing(client, found, category, settings)
        announced = (read.listing.ids(*counted_types(settings.include_cross_lists))
                     if read.listing and not read.reason else ())
        searched = {paper.arxiv_id for paper in query.found}
        extra, id_warnings = papers_by_id(client, [i for i in announced if i not in searched])
    return _Asked(query, read, announced, [*query.found, *extra], [*query.warnings, *id_warnings])


def _check_visible(ledger: Store, asked: _Asked, found: Announcement, category: str, settings: Settings) -> None:
    """An announcement with no paper, for a category that normally has some, is not visible yet."""
    if asked.query.on_time or asked.announced:
        return
    if asked.verified and asked.read.listing is not None and not asked.read.listing.items:
        raise not_announced_error(found, category)
    # What arXiv shows now for the windows before, or what earlier digests of this store held.
    expected = max(asked.query.expected, median_count(ledger.recent_on_time_counts(category, found.digest_day)))
    if settings.missing_announcement_min_papers and expected >= settings.missing_announcement_min_papers:
        raise not_visible_error(found, category, expected)


def _claim(ledger: Store, asked: _Asked, found: Announcement, category: str, settings: Settings) -> DigestClaim:
    """Claim the papers no digest holds yet and record the coverage, in the ledger's one transaction."""
    day = found.digest_day
    since = (found.window_start - timedelta(days=settings.late_lookback_days + 7)).date()
    holders = ledger.holders(category, [paper.arxiv_id for paper in asked.papers])
    claims = decide_claims(asked.papers, found, holders=holders, fetched=ledger.fetched_digests(category, since),
                           holidays=settings.holiday_dates, announced=set(asked.announced))
    ledger.record_announcement(category, day, (found.window_start, found.window_end),
                               [(p, False) for p in claims.on_time] + [(p, True) for p in claims.late])
    warnings = list(asked.warnings)
    if claims.awaiting:
        warnings.append(awaiting_warning(claims.awaiting, settings.sample_day))
    holdings = ledger.digest_holdings(category, day)
    coverage: Coverage
    if asked.verified and asked.read.listing is not None:
        searched_on_time = {paper.arxiv_id for paper in asked.query.on_time}
        coverage = reconcile(
            found, category, asked.read.listing, holdings, read_at=asked.read.read_at or settings.current_time(),
            added={p.arxiv_id for p in claims.on_time if p.arxiv_id not in searched_on_time},
            elsewhere={i: d for i, d in holders.items() if d != day}, include_cross_lists=settings.include_cross_lists)
    else:
        coverage = not_verified(found, category, holdings, asked.read.reason, asked.read.read_at,
                                settings.include_cross_lists)
    ledger.save_coverage(coverage)
    return DigestClaim(holdings, warnings, coverage)


def claim_digest(runtime: Runtime, found: Announcement, category: str) -> DigestClaim:
    """The papers this digest holds (with their late flag), claiming them on its first fetch.

    Once a digest has been fetched its list is fixed: a rerun, `--force` or a backfill reads it back and asks
    arXiv nothing. arXiv is asked outside the ledger's lock (it is slow). The claim and the coverage record are
    one short transaction, so two workers never both claim a paper.
    """
    settings = runtime.settings
    include_cross = settings.include_cross_lists
    with runtime.ledger() as ledger:
        if ledger.announcement_fetched(category, found.digest_day):
            return _claimed(ledger, found, category, include_cross, [])
    asked = _ask_arxiv(runtime, found, category)
    with runtime.ledger() as ledger:
        if asked.read.read_at is not None:
            ledger.record_feed_read(category, asked.read.read_at, asked.read.listing,
                                    None if asked.read.listing else asked.read.reason)
        _check_visible(ledger, asked, found, category, settings)
        if ledger.announcement_fetched(category, found.digest_day):  # another run claimed it meanwhile
            return _claimed(ledger, found, category, include_cross, asked.warnings)
        return _claim(ledger, asked, found, category, settings)


def _stored_keys(store: Store, digest_day: date, category: str, refetch: bool) -> list[tuple[str, int]] | None:
    """The day's stored paper keys when a rerun of failures may reuse them; None when arXiv must be asked."""
    earlier = store.run(digest_day, category)
    known = store.digest_papers(digest_day, category)
    if refetch or not (known or (earlier is not None and earlier.status in PUBLISHED_RUN_STATUSES)):
        return None
    log.info("reusing the %d stored paper(s) of %s", len(known), digest_day)
    return [(p.arxiv_id, p.version) for p in known]


def fetch_digest(runtime: Runtime, digest_day: date, category: str, refetch: bool = True,
                 flow_run_id: str | None = None, found: Announcement | None = None) -> list[tuple[str, int]]:
    """Step 1: the papers of a digest, stored with the day's run record; the (id, version) keys to process.

    A rerun of failures (`refetch=False`) works on the papers already chosen for the day, without asking arXiv
    again; that list is known when it holds papers or when an earlier run got past this step (an empty day).
    `found` is the day's announcement when the flow has looked it up already.
    """
    settings = runtime.settings
    store = runtime.store()
    if settings.sample_day:
        store.mark(SAMPLE_MARK, "true")  # a real run of this store is refused from now on
    elif polluted := sample_records_message(store, settings.data_dir):
        raise SampleStoreError(polluted)  # never publish the invented papers as a real day
    reused = _stored_keys(store, digest_day, category, refetch)
    store.start_run(digest_day, category, flow_run_id)
    if reused is not None:
        return reused
    found = found or announcement(digest_day, settings.holiday_dates)
    if found is None:
        raise DigestInputError(f"{digest_day} has no arXiv announcement: "
                               f"{no_announcement_reason(digest_day, settings.holiday_dates)}")
    claim = claim_digest(runtime, found, category)
    for warning in claim.warnings:
        log.warning(warning)
    store.save_coverage(claim.coverage)
    log.info("%s coverage: %s", found.digest_day, describe_coverage(claim.coverage))
    late = {held.paper.arxiv_id for held in claim.holdings if held.late}
    chosen = select_papers([held.paper for held in claim.holdings], category, late=late,
                           **paper_filters(settings).as_options())
    store.upsert_papers(chosen)
    store.set_digest_papers(digest_day, category, chosen, late)
    log.info("%s: the digest holds %d paper(s) (%d late), %d after filters", found.describe(), len(claim.holdings),
             len(late), len(chosen))
    return [(p.arxiv_id, p.version) for p in chosen]
