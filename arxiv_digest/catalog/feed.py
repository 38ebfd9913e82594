"""The arXiv API's Atom feed parsed into paper records."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from arxiv_digest.errors import ArxivApiError, FeedParseError
from arxiv_digest.ids import parse_arxiv_id
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
