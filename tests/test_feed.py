"""The Atom parser on real arXiv responses (../shared/corpus/feeds) and on crafted edge cases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from conftest import require_shared

from arxiv_digest.catalog.announcements import announcement
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.catalog.selection import search_query, select_papers
from arxiv_digest.errors import ArxivApiError, FeedParseError
from schemas.records import Paper


def feed(name: str) -> bytes:
    return require_shared("corpus", "feeds", name).read_bytes()


def test_search_response_of_2026_parses_all_fields() -> None:
    page = parse_feed(feed("api_2026_search_all_testing_10_results.xml"))
    assert page.total_results == 214881
    assert page.start_index == 0
    assert len(page.papers) == 10
    first = page.papers[0]
    assert (first.arxiv_id, first.version) == ("2202.12139", 1)
    assert first.title.startswith("Testing Deep Learning Models")
    assert first.authors[:2] == ("Mohit Kumar Ahuja", "Arnaud Gotlieb")
    assert first.categories == ("cs.SE", "cs.LG")
    assert first.primary_category == "cs.SE"
    assert first.published == datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert first.comment and "workshop" in first.comment
    assert first.journal_ref and "ICSTW" in first.journal_ref
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert "\n" not in first.abstract


def test_old_style_id_keeps_its_archive_and_version() -> None:
    (paper,) = parse_feed(feed("api_2026_id_list_old_style_quant-ph_0201082v1.xml")).papers
    assert (paper.arxiv_id, paper.version) == ("quant-ph/0201082", 1)
    assert paper.categories == ("quant-ph", "cs.PL")
    assert paper.abstract.startswith("We show a representation")


def test_empty_result_is_an_empty_page_not_an_error() -> None:
    page = parse_feed(feed("api_2026_empty_result_0808.05394.xml"))
    assert page.total_results == 0
    assert page.papers == ()


def test_error_entry_raises_with_arxivs_message() -> None:
    with pytest.raises(ArxivApiError, match="incorrect id format for abc"):
        parse_feed(feed("api_2026_error_incorrect_id_format_abc.xml"))


def test_legacy_2016_response_with_inline_namespaces_and_old_ids() -> None:
    page = parse_feed(feed("api_2016_search_au_del_maestro.xml"))
    assert page.total_results == 31
    assert len(page.papers) == 10
    assert any("/" in p.arxiv_id for p in page.papers), "old-style ids such as cond-mat/0412498"
    assert all(p.published.tzinfo is not None for p in page.papers)


def test_id_list_response_has_comment_and_primary_category() -> None:
    (paper,) = parse_feed(feed("api_2026_id_list_1605.08386.xml")).papers
    assert paper.arxiv_id == "1605.08386"
    assert paper.primary_category == "math.CO"
    assert paper.comment


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<feed><entry>", "malformed XML"),
        (b"<html><body>Service unavailable</body></html>", "expected an Atom <feed>"),
        (b"", "malformed XML"),
    ],
)
def test_malformed_bodies_are_clear_errors(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(body)


def _paper(arxiv_id: str, published: str, categories: tuple[str, ...] = ("cs.CV",), version: int = 1,
           title: str = "A title", abstract: str = "An abstract.") -> Paper:
    moment = datetime.fromisoformat(published).replace(tzinfo=UTC)
    return Paper(arxiv_id, version, title, ("A",), categories, categories[0], moment, moment, abstract)


def test_search_covers_the_window_and_the_lookback_in_whole_minutes() -> None:
    found = announcement(date(2026, 1, 21))
    assert found is not None
    # Window Mon 14:00 – Tue 14:00 EST (19:00 UTC), 14 days of lookback before it.
    assert search_query("cs.CV", found, 14) == "cat:cs.CV AND submittedDate:[202601051900 TO 202601201900]"
    assert search_query("cs.CV", found, 0) == "cat:cs.CV AND submittedDate:[202601191900 TO 202601201900]"


def test_cross_lists_included_by_default_and_excluded_on_request() -> None:
    papers = [_paper("2601.1", "2026-01-20T10:00:00", ("cs.GR", "cs.CV")), _paper("2601.2", "2026-01-20T11:00:00")]
    assert len(select_papers(papers, "cs.CV")) == 2
    primary = select_papers(papers, "cs.CV", include_cross_lists=False)
    assert [p.arxiv_id for p in primary] == ["2601.2"]


def test_keyword_filters_and_maximum() -> None:
    papers = [
        _paper("2601.1", "2026-01-20T10:00:00", title="Video matting"),
        _paper("2601.2", "2026-01-20T11:00:00", title="A survey of depth", abstract="Depth survey."),
        _paper("2601.3", "2026-01-20T12:00:00", title="Depth completion"),
    ]
    assert [p.arxiv_id for p in select_papers(papers, "cs.CV", keywords_include=["depth"])] == ["2601.3", "2601.2"]
    excluded = select_papers(papers, "cs.CV", keywords_exclude=["SURVEY"])
    assert [p.arxiv_id for p in excluded] == ["2601.3", "2601.1"]
    assert len(select_papers(papers, "cs.CV", max_papers=1)) == 1


def test_duplicate_entries_keep_the_latest_version() -> None:
    papers = [_paper("2601.1", "2026-01-20T10:00:00", version=1), _paper("2601.1", "2026-01-20T10:00:00", version=2)]
    (chosen,) = select_papers(papers, "cs.CV")
    assert chosen.version == 2


def test_a_broken_entry_is_skipped_with_its_reason_not_the_whole_page() -> None:
    body = (
        b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        b"<entry><id>http://arxiv.org/abs/../../etc/passwd</id><title>x</title>"
        b"<published>2026-01-20T00:00:00Z</published></entry>"
        b"<entry><id>http://arxiv.org/abs/2601.00001v1</id><title>Good</title>"
        b"<published>2026-01-20T00:00:00Z</published><summary>s</summary></entry>"
        b"<entry><id>http://arxiv.org/abs/2601.00002v1</id><title></title>"
        b"<published>2026-01-20T00:00:00Z</published></entry></feed>"
    )
    page = parse_feed(body)
    assert [p.arxiv_id for p in page.papers] == ["2601.00001"]
    assert len(page.skipped) == 2
    assert "not an arXiv id" in page.skipped[0] and "no title" in page.skipped[1]
