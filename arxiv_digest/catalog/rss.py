"""arXiv's RSS feed of a category, parsed into its list of the newest announcement (pure).

The format is arXiv's (info.arxiv.org/help/rss_specifications.html): RSS 2.0 with the `arxiv:` and `dc:`
namespaces. The channel's pubDate is the announcement date (midnight US Eastern of the morning the announcement
is read, so the digest date); each item names its paper in `guid` (oai:arXiv.org:2601.12345v1) and `link`, and
how it was announced in `arxiv:announce_type` (new, cross, replace, replace-cross; also in the description's
"Announce Type:" line). On weekends and holidays the channel has no items. Feeds are rebuilt daily around
midnight US Eastern, hours after the 20:00 announcement, so a feed read in between still lists the previous one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from arxiv_digest.catalog.announcements import EASTERN
from arxiv_digest.errors import FeedParseError
from arxiv_digest.ids import parse_arxiv_id
from schemas.records import (
    ANNOUNCE_CROSS,
    ANNOUNCE_NEW,
    ANNOUNCE_REPLACE,
    ANNOUNCE_REPLACE_CROSS,
    AnnouncedItem,
    AnnouncementList,
)

ARXIV_NS = "{http://arxiv.org/schemas/atom}"
ANNOUNCE_TYPES = frozenset({ANNOUNCE_NEW, ANNOUNCE_CROSS, ANNOUNCE_REPLACE, ANNOUNCE_REPLACE_CROSS})
_DESCRIPTION_TYPE = re.compile(r"Announce Type:\s*([\w-]+)")


def _rfc822(raw: str, what: str) -> datetime:
    try:
        moment = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError) as exc:
        raise FeedParseError(f"arXiv's feed: {what} {raw!r} is not an RFC 822 date") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _item(item: ET.Element) -> AnnouncedItem:
    raw = (item.findtext("guid") or item.findtext("link") or "").strip().removeprefix("oai:arXiv.org:")
    try:
        arxiv_id = parse_arxiv_id(raw)
    except ValueError as exc:
        raise FeedParseError(f"arXiv's feed: an item without an arXiv id ({raw!r})") from exc
    kind = (item.findtext(f"{ARXIV_NS}announce_type") or "").strip().lower()
    if not kind:
        found = _DESCRIPTION_TYPE.search(item.findtext("description") or "")
        kind = found.group(1).lower() if found else ""
    if kind not in ANNOUNCE_TYPES:
        raise FeedParseError(f"arXiv's feed: item {arxiv_id.versioned} has announce type {kind!r}, not one of "
                             f"{', '.join(sorted(ANNOUNCE_TYPES))}")
    return AnnouncedItem(arxiv_id.base, arxiv_id.version or 1, kind)


def parse_announcement_feed(body: bytes, category: str = "") -> AnnouncementList:
    """The announcement an RSS feed lists: its date (the digest date) and its items, in feed order.

    Raises FeedParseError for anything that is not such a feed (malformed XML, an HTML page, no date).
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise FeedParseError(f"arXiv's feed is not well-formed XML: {exc}") from exc
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FeedParseError(f"arXiv's feed is not RSS 2.0 (root element <{root.tag}>)")
    items = tuple(_item(item) for item in channel.findall("item"))
    dated = channel.findtext("pubDate") or next((i.findtext("pubDate") for i in channel.findall("item")), None)
    if not dated:
        raise FeedParseError("arXiv's feed has no pubDate: the announcement it lists is unknown")
    built = channel.findtext("lastBuildDate")
    title = channel.findtext("title") or ""
    return AnnouncementList(
        category=category or title.split(" ", 1)[0],
        announcement_date=_rfc822(dated, "pubDate").astimezone(EASTERN).date(),
        items=items,
        built_at=_rfc822(built, "lastBuildDate").astimezone(UTC) if built else None,
    )
