"""A digest reconciled with arXiv's own list of its announcement (pure).

arXiv's RSS feed lists the newest announcement of a category: what it announced as new, cross-listed and
replaced. A digest's papers come from the API's search by submission window; this module compares the two.
Papers arXiv lists that the search did not place here are taken (on time, through the same claim as every
other paper); papers held here that arXiv's list lacks are flagged with a likely cause, never dropped; a
replacement is never new. When the list cannot be had, the coverage is "not verified" and says why.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta

from arxiv_digest.catalog.announcements import EASTERN, Announcement
from arxiv_digest.wording import wording_for
from schemas.records import (
    ANNOUNCE_CROSS,
    ANNOUNCE_NEW,
    ANNOUNCE_REPLACE,
    ANNOUNCE_REPLACE_CROSS,
    AnnouncementList,
    Coverage,
    Holding,
    Paper,
)

CAUSE_HELD = "held"  # submitted in the window, not announced (moderation hold, reclassified): arXiv lists it later
CAUSE_REPLACED = "replaced"  # arXiv's list has it as a new version of an announced paper
CAUSE_CLOCK = "clock"  # submitted within CLOCK_SLACK of the window's edge: arXiv's cutoff clock and ours differ
CAUSE_WINDOW_RULE = "window rule"  # our rules put it here (a late paper, or a window arXiv did not announce)
CLOCK_SLACK = timedelta(minutes=15)
# The quality check (a GX expectation, quality/suites.py) that each paper arXiv announced is in the digest; its
# failures make a published day `partial` (publish/day.py).
COVERAGE_CHECK = "announced_paper_in_digest"
NOT_RETURNED = "not returned by arXiv's API, even by id"


def counted_types(include_cross_lists: bool) -> tuple[str, ...]:
    """The announce types a digest is expected to hold: new papers, and cross-lists when they are included."""
    return (ANNOUNCE_NEW, ANNOUNCE_CROSS) if include_cross_lists else (ANNOUNCE_NEW,)


def counts_as_held(paper: Paper, category: str, include_cross_lists: bool) -> bool:
    return include_cross_lists or paper.primary_category == category


def past_announcement_reason(found: Announcement, newest: date) -> str:
    """Why a digest other than the newest cannot be checked against arXiv's feed."""
    return (f"a past announcement: arXiv's feed lists only the newest one ({newest}); no other list of what "
            f"the announcement of {found.digest_day} held is kept (OAI-PMH datestamps move with every update)")


def listing_mismatch(listing: AnnouncementList, found: Announcement, read_at: datetime) -> str:
    """Empty when the feed lists this digest's announcement; else why it does not (read too early, ...)."""
    listed = listing.announcement_date
    if listed == found.digest_day:
        return ""
    when = read_at.astimezone(EASTERN).strftime("%Y-%m-%d %H:%M")
    if listed < found.digest_day:
        return (f"arXiv's feed still listed the announcement of {listed} when read at {when} US Eastern "
                "(it is rebuilt around midnight US Eastern, after the 20:00 announcement)")
    return f"arXiv's feed already listed a later announcement ({listed}) when read at {when} US Eastern"


def likely_cause(paper: Paper, late: bool, found: Announcement, listing: AnnouncementList) -> str:
    """Why a paper the digest holds is not in arXiv's list of the announcement."""
    kinds = {item.arxiv_id: item.announce_type for item in listing.items}
    if kinds.get(paper.arxiv_id) in (ANNOUNCE_REPLACE, ANNOUNCE_REPLACE_CROSS):
        return CAUSE_REPLACED
    if late or not listing.items:
        return CAUSE_WINDOW_RULE
    edge = min(abs(paper.published - found.window_start), abs(paper.published - found.window_end))
    if edge <= CLOCK_SLACK:
        return CAUSE_CLOCK
    return CAUSE_HELD


def reconcile(
    found: Announcement,
    category: str,
    listing: AnnouncementList,
    holdings: Sequence[Holding],
    *,
    read_at: datetime,
    added: Collection[str] = (),
    elsewhere: Mapping[str, date] | None = None,
    include_cross_lists: bool = True,
) -> Coverage:
    """The coverage record of a digest whose announcement arXiv's feed lists.

    `holdings`: what the digest holds; `added`: papers taken because arXiv's list has them and
    the search did not place them here; `elsewhere`: announced papers another digest already held.
    """
    announced = listing.ids(*counted_types(include_cross_lists))
    held = [h for h in holdings if counts_as_held(h.paper, category, include_cross_lists)]
    held_ids = {h.paper.arxiv_id for h in held}
    listed = set(announced)
    other = elsewhere or {}
    missing = tuple(
        (arxiv_id, f"in the digest of {other[arxiv_id]}" if arxiv_id in other else NOT_RETURNED)
        for arxiv_id in announced if arxiv_id not in held_ids
    )
    flagged = tuple((h.paper.arxiv_id, likely_cause(h.paper, h.late, found, listing))
                    for h in held if h.paper.arxiv_id not in listed)
    return Coverage(
        category=category, digest_date=found.digest_day, verified=True, read_at=read_at, announced=announced,
        held=tuple(sorted(held_ids)), added=tuple(sorted(set(added) & held_ids)), missing=missing, flagged=flagged,
    )


def not_verified(found: Announcement, category: str, holdings: Sequence[Holding], reason: str,
                 read_at: datetime | None = None, include_cross_lists: bool = True) -> Coverage:
    """The coverage record when arXiv's list of the announcement cannot be had: our count, and why."""
    held = sorted(h.paper.arxiv_id for h in holdings if counts_as_held(h.paper, category, include_cross_lists))
    return Coverage(category=category, digest_date=found.digest_day, verified=False, reason=reason,
                    read_at=read_at, held=tuple(held))


def coverage_line(coverage: Coverage, language: str, shown: int | None = None, include_cross_lists: bool = True) -> str:
    """The digest's one footer line: arXiv's count and how many are here, or why that is not verified."""
    wording = wording_for(language)
    filtered = wording.coverage_filtered.format(shown=shown) if shown is not None and shown < len(coverage.held) \
        else ""
    if not coverage.verified:
        return wording.coverage_not_verified.format(reason=coverage.reason, held=len(coverage.held),
                                                    category=coverage.category) + filtered
    cross = wording.coverage_cross if include_cross_lists else ""
    if coverage.missing:
        line = wording.coverage_some.format(
            announced=len(coverage.announced), category=coverage.category, cross=cross, matched=coverage.matched,
            missing_count=len(coverage.missing), missing=", ".join(f"{i} ({where})" for i, where in coverage.missing))
    else:
        line = wording.coverage_all.format(announced=len(coverage.announced), category=coverage.category,
                                           cross=cross)
    if coverage.flagged:
        line += wording.coverage_flagged.format(
            count=len(coverage.flagged), flagged=", ".join(f"{i} ({cause})" for i, cause in coverage.flagged))
    return line + filtered


def describe_coverage(coverage: Coverage) -> str:
    return coverage_line(coverage, "en")


def coverage_cell(coverage: Coverage | None) -> str:
    """A table cell: '120/120', '118/120, 2 missing', '+3 flagged', or 'not verified'."""
    if coverage is None:
        return "-"
    if not coverage.verified:
        return "not verified"
    cell = f"{coverage.matched}/{len(coverage.announced)}"
    if coverage.missing:
        cell += f", {len(coverage.missing)} missing"
    if coverage.added:
        cell += f", {len(coverage.added)} added"
    if coverage.flagged:
        cell += f", {len(coverage.flagged)} flagged"
    return cell


def coverage_record(coverage: Coverage) -> dict[str, object]:
    """The coverage record as data (the JSON digest, `status --json`)."""
    return {
        "verified": coverage.verified, "reason": coverage.reason,
        "read_at": coverage.read_at.isoformat() if coverage.read_at else None,
        "arxiv_count": len(coverage.announced), "ours": len(coverage.held), "matched": coverage.matched,
        "added": list(coverage.added), "missing": [{"arxiv_id": i, "where": w} for i, w in coverage.missing],
        "flagged": [{"arxiv_id": i, "cause": c} for i, c in coverage.flagged], "announced": list(coverage.announced),
    }
