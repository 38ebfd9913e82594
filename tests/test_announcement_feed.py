"""arXiv's RSS feed parsed into its list of the announcement, and a digest reconciled with it (issue 27)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from arxiv_digest.catalog.announcements import announcement
from arxiv_digest.catalog.coverage import (
    CAUSE_CLOCK,
    CAUSE_HELD,
    CAUSE_REPLACED,
    CAUSE_WINDOW_RULE,
    coverage_line,
    listing_mismatch,
    reconcile,
)
from arxiv_digest.catalog.rss import parse_announcement_feed
from arxiv_digest.catalog.sample_day import SAMPLE_DAY, SamplePaper, rss_xml, sample_announcement
from arxiv_digest.errors import FeedParseError
from schemas.records import AnnouncedItem, Holding, Paper

FIXTURES = Path(__file__).parent / "fixtures" / "rss"


def test_a_normal_day_lists_new_cross_and_replacements_with_their_versions() -> None:
    listing = parse_announcement_feed((FIXTURES / "cs.CV_2026-01-21.xml").read_bytes())
    assert listing.category == "cs.CV"
    assert listing.announcement_date == date(2026, 1, 21)  # pubDate 00:00 -0500: the morning of the digest
    assert listing.built_at == datetime(2026, 1, 21, 5, 0, 11, tzinfo=UTC)
    assert listing.items == (
        AnnouncedItem("2601.99001", 1, "new"),
        AnnouncedItem("2601.99002", 2, "new"),  # no arxiv:announce_type: read from the description
        AnnouncedItem("2601.99003", 1, "cross"),
        AnnouncedItem("2601.98999", 2, "replace"),
        AnnouncedItem("2512.01234", 3, "replace-cross"),
    )
    assert listing.ids("new", "cross") == ("2601.99001", "2601.99002", "2601.99003")


def test_an_empty_channel_is_a_day_without_announcement() -> None:
    listing = parse_announcement_feed((FIXTURES / "cs.CV_2026-12-31_holiday.xml").read_bytes())
    assert listing.announcement_date == date(2026, 12, 31)
    assert listing.items == ()


def test_a_feed_read_before_the_midnight_rebuild_lists_the_previous_announcement() -> None:
    listing = parse_announcement_feed((FIXTURES / "cs.CV_2026-01-20.xml").read_bytes())
    found = announcement(date(2026, 1, 21))
    assert found is not None
    read_at = datetime(2026, 1, 21, 2, 30, tzinfo=UTC)  # 21:30 US Eastern, after the 20:00 announcement
    assert listing.announcement_date == date(2026, 1, 20)
    reason = listing_mismatch(listing, found, read_at)
    assert "still listed the announcement of 2026-01-20" in reason and "2026-01-20 21:30 US Eastern" in reason
    assert listing_mismatch(parse_announcement_feed((FIXTURES / "cs.CV_2026-01-21.xml").read_bytes()), found,
                            read_at) == ""


@pytest.mark.parametrize("body", [
    (FIXTURES / "malformed_truncated.xml").read_bytes(),
    b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
    b"<rss version='2.0'><channel><title>cs.CV updates</title></channel></rss>",  # no date at all
    b"<rss version='2.0'><channel><pubDate>Wed, 21 Jan 2026 00:00:00 -0500</pubDate>"
    b"<item><guid>oai:arXiv.org:2601.99001v1</guid><arxiv:announce_type xmlns:arxiv='http://arxiv.org/schemas/atom'>"
    b"withdrawn</arxiv:announce_type></item></channel></rss>",
])
def test_anything_else_is_a_one_line_parse_error(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="arXiv's feed"):
        parse_announcement_feed(body)


def test_the_sample_feed_round_trips_through_the_parser() -> None:
    listing = parse_announcement_feed(rss_xml("cs.CV", SAMPLE_DAY, sample_announcement("cs.CV")))
    assert listing.announcement_date == SAMPLE_DAY
    assert listing.ids("new") == ("2601.99001", "2601.99002", "2601.99004")
    assert listing.ids("cross") == ("2601.99003",)
    assert listing.ids("replace") == ("2601.98999",)  # the earlier paper's v2 is a replacement, never new


def _paper(arxiv_id: str, published: datetime, primary: str = "cs.CV") -> Paper:
    return Paper(arxiv_id, 1, "T", ("A",), (primary, "cs.CV") if primary != "cs.CV" else ("cs.CV",), primary,
                 published, published, "abstract")


def test_reconcile_counts_matches_additions_and_flags_each_extra_paper_with_its_cause() -> None:
    found = announcement(date(2026, 1, 21))
    assert found is not None
    middle = found.window_start + timedelta(hours=6)
    listing = parse_announcement_feed(rss_xml("cs.CV", found.digest_day, [
        (_sample("2601.00001"), "new"), (_sample("2601.00002"), "new"), (_sample("2601.00003"), "cross"),
        (_sample("2601.00009"), "new"), (_sample("2601.00005", 2), "replace")]))
    holdings = [
        Holding(_paper("2601.00001", middle), False),
        Holding(_paper("2601.00002", middle), False),
        Holding(_paper("2601.00003", middle, primary="cs.RO"), False),
        Holding(_paper("2601.00004", middle), False),  # in the window, not announced: held by moderation
        Holding(_paper("2601.00005", middle), False),  # arXiv lists it as a replacement
        Holding(_paper("2601.00006", found.window_end - timedelta(minutes=3)), False),  # at the cutoff
        Holding(_paper("2512.00007", found.window_start - timedelta(days=3)), True),  # a late paper
    ]
    coverage = reconcile(found, "cs.CV", listing, holdings, read_at=found.announced_at + timedelta(hours=5),
                         added={"2601.00002"}, elsewhere={"2601.00009": date(2026, 1, 20)})
    assert coverage.verified and coverage.announced == ("2601.00001", "2601.00002", "2601.00003", "2601.00009")
    assert coverage.matched == 3 and len(coverage.held) == 7 and coverage.added == ("2601.00002",)
    assert coverage.missing == (("2601.00009", "in the digest of 2026-01-20"),)
    assert dict(coverage.flagged) == {"2601.00004": CAUSE_HELD, "2601.00005": CAUSE_REPLACED,
                                      "2601.00006": CAUSE_CLOCK, "2512.00007": CAUSE_WINDOW_RULE}
    line = coverage_line(coverage, "en")
    assert line.startswith("arXiv announced 4 new cs.CV papers (cross-lists included); 3 are here, 1 are not: "
                           "2601.00009 (in the digest of 2026-01-20); 4 more here")
    without_cross = reconcile(found, "cs.CV", listing, holdings[:2], read_at=found.announced_at,
                              include_cross_lists=False)
    assert without_cross.announced == ("2601.00001", "2601.00002", "2601.00009")
    announced_all = [*holdings[:3], Holding(_paper("2601.00009", middle), False)]
    assert coverage_line(reconcile(found, "cs.CV", listing, announced_all, read_at=found.announced_at), "zh") == \
        "arXiv 本次公告 cs.CV 新论文 4 篇（含交叉列出），全部 4 篇均在本期"


def _sample(arxiv_id: str, version: int = 1) -> SamplePaper:
    return SamplePaper(arxiv_id=arxiv_id, version=version, title="T", authors=("A",), categories=("cs.CV",),
                           published="2026-01-20T10:00:00Z", updated="2026-01-20T10:00:00Z", abstract="abstract")
