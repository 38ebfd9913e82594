"""Which new versions of the reader's liked and saved papers a digest lists (its "Revised" section); pure.

arXiv announces a replacement with the new submissions of the same window, so a version belongs to the digest
whose window holds its submission (the API's `updated`), as a v1 does. A version whose own digest was built
before arXiv's API showed it is listed by the next digest built, as a late paper is; one whose own digest has not
been built yet waits for it. The store's claim keeps each version in one digest of a category.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from arxiv_digest.catalog.announcements import Announcement, announcement_for_submission
from arxiv_digest.store.reader import Feedback, paper_states
from schemas.records import Paper, ReaderHold, RevisedPaper


def reader_holds(events_by_profile: Mapping[str, Sequence[Feedback]]) -> dict[str, tuple[ReaderHold, ...]]:
    """Per arXiv id, the profiles whose library (saved) or likes hold it, with the newest version the reader met."""
    held: dict[str, list[ReaderHold]] = {}
    for profile, events in events_by_profile.items():
        met: dict[str, int] = {}
        for event in events:
            met[event.arxiv_id] = max(met.get(event.arxiv_id, 0), event.version)
        for arxiv_id, state in paper_states(list(events)).items():
            if state.saved or state.liked:
                kind = "library" if state.saved else "likes"
                held.setdefault(arxiv_id, []).append(ReaderHold(profile, kind, met[arxiv_id]))
    return {arxiv_id: tuple(holds) for arxiv_id, holds in sorted(held.items())}


@dataclass(frozen=True)
class RevisionContext:
    """What deciding a digest's revisions needs besides arXiv's answer."""

    found: Announcement
    held_here: Collection[str]  # arXiv ids this digest holds as new papers: never listed as revised too
    fetched: Collection[date]  # digests of the category built already (their lists are fixed)
    holidays: Collection[date] = ()
    lookback_days: int = 14


def _belongs_here(paper: Paper, context: RevisionContext) -> bool:
    own = announcement_for_submission(paper.updated, context.holidays).digest_day
    day = context.found.digest_day
    if own == day:
        return True
    # Built before the API showed this version: the first digest built after it lists it, within the lookback.
    return own < day and own in context.fetched and own >= day - timedelta(days=context.lookback_days)


def digest_revisions(newest: Sequence[Paper], holds: Mapping[str, tuple[ReaderHold, ...]],
                     context: RevisionContext) -> list[RevisedPaper]:
    """The revisions this digest lists: the newest versions (v2 on) of held papers that the reader has not met in
    that version, that belong to this digest, and that the digest does not hold as new papers."""
    revised = []
    for paper in newest:
        held_by = holds.get(paper.arxiv_id, ())
        if (paper.version < 2 or not held_by or paper.arxiv_id in context.held_here
                or all(hold.version >= paper.version for hold in held_by) or not _belongs_here(paper, context)):
            continue
        revised.append(RevisedPaper(arxiv_id=paper.arxiv_id, version=paper.version, title=paper.title,
                                    updated=paper.updated, comment=paper.comment, journal_ref=paper.journal_ref,
                                    held_by=held_by))
    return revised
