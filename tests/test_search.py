"""Search over the stored archive (issue 26): a real tantivy index in a temp dir over a real DuckDB store filled
through the store's own methods with generated papers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from arxiv_digest.search import SearchIndex, SearchQuery, parse_search_query
from arxiv_digest.search.query import MAX_QUERY_CHARS, search_terms
from arxiv_digest.store import Store
from arxiv_digest.store.archive import ArchivedEntry
from schemas.records import Analysis, Figure, Link, Paper, PdfFile, Section

DAY1, DAY2 = date(2026, 1, 20), date(2026, 1, 27)


def _paper(arxiv_id: str, title: str, abstract: str, primary: str = "cs.CV",
           authors: tuple[str, ...] = ("Ada Lovelace",)) -> Paper:
    moment = datetime(2026, 1, 15, tzinfo=UTC)
    return Paper(arxiv_id=arxiv_id, version=1, title=title, authors=authors, categories=(primary, "cs.CV"),
                 primary_category=primary, published=moment, updated=moment, abstract=abstract)


def fill(store: Store) -> None:
    """Five papers over two days: titles, abstracts, an analysis, sections, code, a figure, scores, late, cross."""
    title_match = _paper("2601.00001", "Gaussian Splatting for Dynamic Scenes",
                         "We reconstruct scenes from video with a point representation.")
    abstract_match = _paper("2601.00002", "Fast Scene Reconstruction",
                            "A method that improves gaussian splatting speed by pruning primitives.")
    hostile = _paper("2601.00003", "Robust <script>alert('x')</script> Depth Estimation",
                     "Depth from a single image with <b>bold</b> claims & ampersands.", primary="cs.LG",
                     authors=("Grace Hopper", "Alan Turing"))
    late = _paper("2601.00004", "Language Models for Captioning", "We caption images with language models.")
    sectioned = _paper("2601.00005", "A Study of Tokenizers", "Tokenizers compared on many tasks.")
    store.upsert_papers([title_match, abstract_match, hostile, late, sectioned])
    store.set_digest_papers(DAY1, "cs.CV", [title_match, abstract_match, hostile])
    store.set_digest_papers(DAY2, "cs.CV", [late, sectioned], late={"2601.00004"})
    store.upsert_pdf(PdfFile("2601.00001", 1, "ok", sha256="a" * 64, path="pdfs/a.pdf", bytes=10, pages=8))
    store.upsert_pdf(PdfFile("2601.00005", 1, "ok", sha256="e" * 64, path="pdfs/e.pdf", bytes=10, pages=8))
    store.save_links("a" * 64, [Link("https://github.com/ada/splat", True, True, "text", 1),
                                Link("https://github.com/other/lib", True, False, "text", 2)])
    store.save_links("e" * 64, [Link("https://github.com/other/tok", True, False, "text", 2)])
    store.save_figure(Figure(pdf_sha256="a" * 64, method="figure-crop-1", status="ok", arxiv_id="2601.00001",
                             version=1, page=1, number=1, caption="Overview", file_sha256="f" * 64,
                             path="figures/f.jpg", width=10, height=10, bytes=100))
    store.save_sections("e" * 64, [Section(1, "Introduction", "introduction", 1, "..."),
                                   Section(2, "Byte-Level Vocabulary Pruning", "method", 2, "...")])
    analysis = Analysis("2601.00002", 1, "abstract", "extractive", "en",
                        "The pruning rule keeps the densest primitives.", ("Twice as fast",), prompt_hash="h")
    store.save_analysis(analysis, "none")
    store.set_digest_analysis(DAY1, "cs.CV", analysis, "none")
    store.replace_paper_scores(DAY1, "cs.CV", "vision", 2, [
        {"arxiv_id": "2601.00001", "version": 1, "score": 3.5, "rank": 1, "reason": {}},
        {"arxiv_id": "2601.00002", "version": 1, "score": 0.8, "rank": 2, "reason": {}},
        {"arxiv_id": "2601.00003", "version": 1, "score": 0.0, "rank": 3, "reason": {}}])


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Store, SearchIndex]:
    store = Store.open(tmp_path / "arxiv-digest.duckdb")
    fill(store)
    index = SearchIndex.open(tmp_path / "search-index")
    assert index.refresh(store) == 5
    yield store, index
    store.close()


def _ids(index: SearchIndex, **fields: object) -> list[str]:
    return [hit.arxiv_id for hit in index.search(SearchQuery(**fields)).hits]  # type: ignore[arg-type]


def test_a_title_match_outranks_an_abstract_only_match(archive: tuple[Store, SearchIndex]) -> None:
    _, index = archive
    assert _ids(index, text="gaussian splatting") == ["2601.00001", "2601.00002"]
    assert _ids(index, text='"gaussian splatting"') == ["2601.00001", "2601.00002"]


def test_analyses_authors_and_section_titles_are_searched(archive: tuple[Store, SearchIndex]) -> None:
    _, index = archive
    assert _ids(index, text="densest") == ["2601.00002"]
    assert _ids(index, text="hopper") == ["2601.00003"]
    hits = index.search(SearchQuery(text="vocabulary")).hits
    assert [h.arxiv_id for h in hits] == ["2601.00005"]
    assert "<mark>Vocabulary</mark>" in hits[0].snippet_html


def test_every_filter(archive: tuple[Store, SearchIndex]) -> None:
    _, index = archive
    assert sorted(_ids(index)) == ["2601.00001", "2601.00002", "2601.00003", "2601.00004", "2601.00005"]
    assert _ids(index)[:2] == ["2601.00004", "2601.00005"] or _ids(index)[:2] == ["2601.00005", "2601.00004"]
    assert sorted(_ids(index, date_from=DAY2)) == ["2601.00004", "2601.00005"]
    assert sorted(_ids(index, date_to=DAY1)) == ["2601.00001", "2601.00002", "2601.00003"]
    assert _ids(index, category="cs.RO") == []
    assert _ids(index, has_code=True) == ["2601.00001"]  # another project's code link does not count
    assert "2601.00005" in _ids(index, has_code=False)
    assert _ids(index, has_figure=True) == ["2601.00001"]
    assert _ids(index, kind="late") == ["2601.00004"]
    assert _ids(index, kind="cross") == ["2601.00003"]
    assert sorted(_ids(index, kind="new")) == ["2601.00001", "2601.00002", "2601.00005"]
    assert sorted(_ids(index, profile="vision")) == ["2601.00001", "2601.00002"]  # score 0: not the profile's
    assert _ids(index, profile="vision", min_score=1.0) == ["2601.00001"]
    assert _ids(index, profile="nobody") == []
    assert _ids(index, text="splatting", has_figure=False) == ["2601.00002"]
    results = index.search(SearchQuery(per_page=2, page=2))
    assert results.total == 5 and len(results.hits) == 2


def test_highlights_are_escaped_and_mark_is_the_only_markup(archive: tuple[Store, SearchIndex]) -> None:
    _, index = archive
    hit = index.search(SearchQuery(text="depth")).hits[0]
    assert hit.title_html == ("Robust &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>Depth</mark> "
                              "Estimation")
    assert "&lt;b&gt;bold&lt;/b&gt;" in hit.snippet_html and "&amp; ampersands" in hit.snippet_html
    for text in ("script", "alert", "bold", "depth"):
        for hit in index.search(SearchQuery(text=text)).hits:
            for fragment in (hit.title_html, hit.snippet_html):
                assert set(re.findall(r"</?[a-z]+", fragment)) <= {"<mark", "</mark"}, fragment


def test_an_unchanged_archive_writes_nothing_and_a_change_is_picked_up(archive: tuple[Store, SearchIndex],
                                                                       tmp_path: Path) -> None:
    store, index = archive
    path = tmp_path / "search-index"
    before = {p.name: p.stat().st_mtime_ns for p in path.iterdir()}
    assert index.refresh(store) == 0
    reopened = SearchIndex.open(path)
    assert reopened.refresh(store) == 0
    assert {p.name: p.stat().st_mtime_ns for p in path.iterdir()} == before
    store.upsert_papers([_paper("2601.00005", "A Study of Tokenizers and Quasars", "Tokenizers compared.")])
    assert reopened.refresh(store) == 1
    assert _ids(reopened, text="quasars") == ["2601.00005"]
    store.set_digest_papers(DAY2, "cs.CV", [])
    assert reopened.refresh(store) == 0 and reopened.documents == 3
    assert _ids(reopened, text="quasars") == []


@pytest.mark.parametrize("text", ['"unbalanced quote', 'title:splatting', 'key:*', 'day:[0 TO 99999999]',
                                  "(((", "AND OR NOT", "+-!^~*?\\/", "splatting~2^5", "'", "<script>",
                                  "x" * 10_000, "don't let", "l'image d’été", "it's (not) [a] {test}",
                                  "gaussian " * 2_000, "名字 splatting", "\x00\x01"])
def test_hostile_text_gives_results_never_a_crash(archive: tuple[Store, SearchIndex], text: str) -> None:
    _, index = archive
    results = index.search(SearchQuery(text=text))
    assert results.total >= 0
    if "splatting" in text:
        assert results.hits and results.hits[0].arxiv_id == "2601.00001"
    if len(text) > MAX_QUERY_CHARS:
        with pytest.raises(ValueError, match="characters long"):
            parse_search_query({"q": text})


def test_the_search_says_what_it_searched() -> None:
    terms = search_terms('title:"Gaussian Splatting" vision-language AND "open')
    assert terms.described() == '"gaussian splatting" "vision language" title and open'
    assert search_terms("don't stop").described() == '"don t" stop'
    assert search_terms("gaussian " * 100).described() == "gaussian"


@pytest.mark.parametrize(("params", "reason"), [
    ({"from": "2026-13-01"}, "is not a date"), ({"from": "2026-02-01", "to": "2026-01-01"}, "starts"),
    ({"kind": "old"}, "kind must be"), ({"page": "0"}, "page must be"), ({"per_page": "1e9"}, "per_page must"),
    ({"min_score": "nan"}, "not a number"), ({"code": "maybe"}, "yes or no"), ({"category": "cs:CV"}, "category"),
    ({"profile": "../x"}, "profile name"), ({"page": "1.5"}, "whole number")])
def test_bad_parameters_are_one_line_value_errors(params: dict[str, str], reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as error:
        parse_search_query(params)
    assert "\n" not in str(error.value)


def test_parameters_parse_into_a_query() -> None:
    query = parse_search_query({"q": " splatting ", "category": "cs.CV", "from": "2026-01-01", "to": "",
                                "profile": "vision", "min_score": "1.5", "code": "yes", "figure": "0",
                                "kind": "late", "page": "2", "per_page": "50", "unknown": "x"})
    assert query == SearchQuery(text="splatting", category="cs.CV", date_from=date(2026, 1, 1), profile="vision",
                                min_score=1.5, has_code=True, has_figure=False, kind="late", page=2, per_page=50)


def test_the_bulk_load_stores_what_search_reads(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "bulk.duckdb")
    papers = [_paper(f"2601.1000{i}", f"Paper {i} on quasars", "An abstract.") for i in range(3)]
    entries = [ArchivedEntry(day=DAY1, category="cs.CV", paper=p, late=i == 2, analysis="", section_titles=(),
                             has_code=False, has_figure=False, profile_scores=(("vision", float(i)),))
               for i, p in enumerate(papers)]
    store.bulk_add_entries(entries)
    store.bulk_add_entries(entries)  # new keys only: a second load changes nothing
    assert store.archived_entries() == entries
    assert store.digest_papers(DAY1, "cs.CV") == papers
    assert [s.rank for s in store.paper_scores(DAY1, "cs.CV", "vision")] == [1, 2, 3]
    index = SearchIndex.open(tmp_path / "index")
    assert index.refresh(store) == 3
    assert _ids(index, text="quasars", profile="vision", min_score=1.5) == ["2601.10002"]
    assert _ids(index, kind="late") == ["2601.10002"]
    store.close()
