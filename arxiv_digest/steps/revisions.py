"""Step 1b, revisions: new versions of the papers the reader liked or saved, for the digest's "Revised" section.

Asked of arXiv's API by id (one request per 100 ids, the catalog client's politeness) once per digest: the claim
and the lookup are recorded in the ledger, so a rerun reads them back and asks nothing. A failed lookup never
fails the day: the digest goes without the section (one warning) and the next run asks again.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from arxiv_digest.catalog.announcements import announcement
from arxiv_digest.catalog.client import ArxivClient
from arxiv_digest.catalog.revisions import RevisionContext, digest_revisions, reader_holds
from arxiv_digest.errors import ArxivApiError, HttpGiveUp
from arxiv_digest.interests.day import papers_by_ids
from arxiv_digest.runtime import Runtime
from arxiv_digest.store.reader import ReaderStore, reader_path
from schemas.records import Paper, ReaderHold, RevisedPaper

log = logging.getLogger(__name__)


def _holds(runtime: Runtime) -> dict[str, tuple[ReaderHold, ...]]:
    """The liked and saved papers of every profile in the reader's file (read-only; no file: none)."""
    with ReaderStore.open(reader_path(runtime.settings.data_dir), read_only=True) as reader:
        return reader_holds({profile: reader.feedback(profile) for profile in reader.profiles()})


def _newest_versions(runtime: Runtime, arxiv_ids: list[str]) -> list[Paper] | None:
    """arXiv's newest version of each paper; None (and one warning) when arXiv cannot be asked now."""
    try:
        with runtime.arxiv_http() as http:
            return papers_by_ids(ArxivClient(http, runtime.settings), arxiv_ids)
    except (ArxivApiError, HttpGiveUp) as exc:
        log.warning("revisions of liked and saved papers not looked up (the next run tries again): %s", exc)
        return None


def list_revisions(runtime: Runtime, digest_day: date, category: str) -> list[RevisedPaper]:
    """The revisions this digest lists (asked of arXiv on the day's first successful lookup), stored for publish."""
    settings = runtime.settings
    store = runtime.store()
    with runtime.ledger() as ledger:
        if ledger.revisions_looked_up(category, digest_day):
            listed = ledger.listed_revisions(category, digest_day)
            store.list_revisions(category, digest_day, listed, len(listed))  # the day's copy (per-day layout)
            return listed
    found = announcement(digest_day, settings.holiday_dates)
    holds = _holds(runtime) if found is not None else {}
    newest = _newest_versions(runtime, list(holds)) if holds else []
    if found is None or newest is None:
        return []
    since = found.digest_day - timedelta(days=settings.late_lookback_days + 7)
    with runtime.ledger() as ledger:
        context = RevisionContext(
            found=found, fetched=ledger.fetched_digests(category, since), holidays=settings.holiday_dates,
            held_here={i for i, day in ledger.holders(category, list(holds)).items() if day == digest_day},
            lookback_days=settings.late_lookback_days)
        ledger.list_revisions(category, digest_day, digest_revisions(newest, holds, context), len(holds))
        listed = ledger.listed_revisions(category, digest_day)
    store.list_revisions(category, digest_day, listed, len(holds))
    if listed:
        log.info("%s: %d revised paper(s) of the reader's likes and library: %s", digest_day, len(listed),
                 ", ".join(paper.versioned_id for paper in listed))
    return listed
