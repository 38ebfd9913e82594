"""Step 1: find the papers of a digest day.

Date semantics: the digest for date D lists the papers whose first version (v1) was submitted on D-1 (UTC),
as the seed does (digest 2026-01-21 lists papers published 2026-01-20). A day with no such papers (weekends,
holidays) gives an empty digest, which is a success.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.errors import ArxivApiError, FeedParseError
from arxiv_digest.ids import parse_arxiv_id
from arxiv_digest.settings import Settings
from schemas.records import Paper

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FeedPage:
    total_results: int
    start_index: int
    papers: tuple[Paper, ...]
    skipped: tuple[str, ...] = ()  # entries that are not papers we can use, with the reason


# -- pure functions --------------------------------------------------------------------------------------


def _text(element: ET.Element | None) -> str:
    return _SPACES.sub(" ", element.text or "").strip() if element is not None else ""


def _timestamp(raw: str, field_name: str, entry_id: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise FeedParseError(f"entry {entry_id}: {field_name} {raw!r} is not an ISO timestamp") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _int(root: ET.Element, tag: str, default: int) -> int:
    node = root.find(f"{OPENSEARCH}{tag}")
    try:
        return int(_text(node)) if node is not None else default
    except ValueError as exc:
        raise FeedParseError(f"opensearch:{tag} is not a number: {_text(node)!r}") from exc


def parse_entry(entry: ET.Element) -> Paper:
    raw_id = _text(entry.find(f"{ATOM}id"))
    try:
        arxiv_id = parse_arxiv_id(raw_id)
    except ValueError as exc:
        raise FeedParseError(f"entry id {raw_id!r} is not an arXiv id") from exc
    categories: list[str] = []
    for node in entry.findall(f"{ATOM}category"):
        term = (node.get("term") or "").strip()
        if term and term not in categories:
            categories.append(term)
    primary_node = entry.find(f"{ARXIV}primary_category")
    primary = (primary_node.get("term") or "").strip() if primary_node is not None else ""
    primary = primary or (categories[0] if categories else "")
    if primary and primary not in categories:
        categories.insert(0, primary)
    published_raw = _text(entry.find(f"{ATOM}published"))
    updated_raw = _text(entry.find(f"{ATOM}updated")) or published_raw
    if not published_raw:
        raise FeedParseError(f"entry {raw_id} has no published date")
    title = _text(entry.find(f"{ATOM}title"))
    if not title:
        raise FeedParseError(f"entry {raw_id} has no title")
    return Paper(
        arxiv_id=arxiv_id.base,
        version=arxiv_id.version or 1,
        title=title,
        authors=tuple(_text(a.find(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")),
        categories=tuple(categories),
        primary_category=primary,
        published=_timestamp(published_raw, "published", raw_id),
        updated=_timestamp(updated_raw, "updated", raw_id),
        abstract=_text(entry.find(f"{ATOM}summary")),
        comment=_text(entry.find(f"{ARXIV}comment")) or None,
        journal_ref=_text(entry.find(f"{ARXIV}journal_ref")) or None,
        doi=_text(entry.find(f"{ARXIV}doi")) or None,
    )


def parse_feed(xml_bytes: bytes) -> FeedPage:
    """Parse one Atom page of the arXiv API. Error entries raise ArxivApiError; bad XML, FeedParseError."""
    try:
        root = ET.fromstring(xml_bytes)
    except ET.ParseError as exc:
        preview = xml_bytes[:80].decode("utf-8", "replace").replace("\n", " ")
        raise FeedParseError(f"the arXiv API answered with malformed XML ({exc}); body starts {preview!r}") from exc
    if root.tag != f"{ATOM}feed":
        raise FeedParseError(f"expected an Atom <feed>, got <{root.tag}>")
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        entry_id = _text(entry.find(f"{ATOM}id"))
        if "/api/errors" in entry_id or _text(entry.find(f"{ATOM}title")) == "Error":
            message = _text(entry.find(f"{ATOM}summary")) or entry_id
            raise ArxivApiError(f"the arXiv API reported an error: {message}")
    papers: list[Paper] = []
    skipped: list[str] = []
    for entry in entries:
        # One broken entry (a bad id, no title) must not cost the day its other papers.
        try:
            papers.append(parse_entry(entry))
        except FeedParseError as exc:
            skipped.append(str(exc))
    return FeedPage(
        total_results=_int(root, "totalResults", len(entries)),
        start_index=_int(root, "startIndex", 0),
        papers=tuple(papers),
        skipped=tuple(skipped),
    )


def submission_day(digest_day: date) -> date:
    return digest_day - timedelta(days=1)


def resolve_day(digest_date: str | date | None, sample: bool, lag_days: int = 0) -> date:
    """An explicit date wins; else the sample day, else today (UTC) minus `lag_days`."""
    if isinstance(digest_date, date):
        return digest_date
    if digest_date:
        return date.fromisoformat(digest_date)
    if sample:
        from arxiv_digest.sample_day import SAMPLE_DAY

        return SAMPLE_DAY
    return datetime.now(UTC).date() - timedelta(days=lag_days)


def search_query(category: str, digest_day: date) -> str:
    day = submission_day(digest_day).strftime("%Y%m%d")
    return f"cat:{category} AND submittedDate:[{day}0000 TO {day}2359]"


def select_papers(
    papers: Iterable[Paper],
    digest_day: date,
    category: str,
    *,
    include_cross_lists: bool = True,
    keywords_include: Sequence[str] = (),
    keywords_exclude: Sequence[str] = (),
    max_papers: int = 0,
) -> list[Paper]:
    """The papers of the digest: first submitted on D-1 UTC, in the category, filtered, newest first."""
    wanted_day = submission_day(digest_day)
    include = [k.lower() for k in keywords_include]
    exclude = [k.lower() for k in keywords_exclude]
    latest: dict[str, Paper] = {}
    for paper in papers:
        if paper.published.astimezone(UTC).date() != wanted_day:
            continue
        if category not in paper.categories:
            continue
        if not include_cross_lists and paper.primary_category != category:
            continue
        haystack = f"{paper.title} {paper.abstract}".lower()
        if include and not any(k in haystack for k in include):
            continue
        if any(k in haystack for k in exclude):
            continue
        known = latest.get(paper.arxiv_id)
        if known is None or paper.version > known.version:
            latest[paper.arxiv_id] = paper
    chosen = sorted(latest.values(), key=lambda p: (p.published, p.arxiv_id), reverse=True)
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
    """What arXiv returned for a day and what the digest keeps of it."""

    found: tuple[Paper, ...]
    chosen: tuple[Paper, ...]
    warnings: tuple[str, ...]


def query_day(settings: Settings, digest_day: date, category: str, sample: bool = False) -> DayQuery:
    """Page through the API for the day's submissions and apply the digest's filters (used by `fetch` too)."""
    from arxiv_digest.arxiv_api import ArxivClient, make_http_client
    from arxiv_digest.sample_day import sample_transport

    with make_http_client(settings, sample_transport() if sample else None) as http:
        pager = PagedQuery(ArxivClient(http, settings), settings.arxiv_page_size)
        found = pager.run(search_query(category, digest_day))
    chosen = select_papers(
        found,
        digest_day,
        category,
        include_cross_lists=settings.include_cross_lists,
        keywords_include=settings.keywords_include,
        keywords_exclude=settings.keywords_exclude,
        max_papers=settings.max_papers,
    )
    return DayQuery(tuple(found), tuple(chosen), tuple(pager.warnings))


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="fetch", task_run_name="fetch-{category}-{digest_day}", retries=2, retry_delay_seconds=10,
      retry_jitter_factor=0.5, cache_policy=NONE)
def fetch_task(
    settings: Settings, digest_day: date, category: str, sample: bool = False, refetch: bool = True
) -> list[tuple[str, int]]:
    from prefect.runtime import flow_run

    from arxiv_digest.store import open_store

    store = open_store(settings.db_path)
    earlier = store.run(digest_day, category)
    known = store.digest_papers(digest_day, category)
    store.start_run(digest_day, category, str(flow_run.id) if flow_run.id else None)
    # A rerun of failures works on the papers already chosen for the day, without asking arXiv again; that
    # list is known when it holds papers or when an earlier run got past this step (an empty day).
    if not refetch and (known or (earlier is not None and earlier["status"] == "completed")):
        log.info("reusing the %d stored paper(s) of %s", len(known), digest_day)
        return [(p.arxiv_id, p.version) for p in known]
    day = query_day(settings, digest_day, category, sample)
    for warning in day.warnings:
        log.warning(warning)
    store.upsert_papers(day.chosen)
    store.set_digest_papers(digest_day, category, day.chosen)
    log.info("%d result(s) from arXiv, %d paper(s) in the digest of %s", len(day.found), len(day.chosen), digest_day)
    return [(p.arxiv_id, p.version) for p in day.chosen]
