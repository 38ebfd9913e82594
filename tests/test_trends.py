"""Trends of a category over weeks (issue 26) on a generated archive in a real DuckDB store, and the SVG charts."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from arxiv_digest.search import svg_bar_chart, svg_line_chart, trend_charts, trends
from arxiv_digest.search.trends import phrase_pattern
from arxiv_digest.store import Store
from schemas.records import Paper

TOPICS = ["point cloud registration", "medical image segmentation", "video object tracking",
          "semantic scene completion", "remote sensing imagery", "human pose estimation"]
PLANTED = "neural radiance lattices"
FIRST = date(2026, 1, 5)  # a Monday


def _paper(n: int, topic: str) -> Paper:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    return Paper(arxiv_id=f"2601.{n:05d}", version=1, title=f"On {topic} with better priors",
                 abstract=f"We study {topic}. Our {topic} method is tested on three datasets.",
                 authors=("A. Author",), categories=("cs.CV",), primary_category="cs.CV", published=moment,
                 updated=moment)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Eight weeks, three digest days a week, 12 papers a day; the planted phrase only in the last two weeks."""
    store = Store.open(tmp_path / "arxiv-digest.duckdb")
    chooser = random.Random(7)
    n = 0
    for week in range(8):
        for weekday in (0, 2, 4):
            day = FIRST + timedelta(weeks=week, days=weekday)
            papers = []
            for i in range(12):
                n += 1
                topic = PLANTED if week >= 6 and i < 4 else chooser.choice(TOPICS)
                papers.append(_paper(n, topic))
            store.upsert_papers(papers)
            store.set_digest_papers(day, "cs.CV", papers)
            store.replace_paper_scores(day, "cs.CV", "lattice", 0, [
                {"arxiv_id": p.arxiv_id, "version": 1, "score": 2.0 if PLANTED in p.title else 0.0,
                 "rank": i + 1, "reason": {}} for i, p in enumerate(papers)])
    yield store
    store.close()


def test_a_planted_rising_phrase_is_found(store: Store) -> None:
    found = trends(store, "cs.CV", weeks=8)
    assert found.papers == 8 * 3 * 12 and len(found.weeks) == 8 and len(found.days) == 24
    top = found.rising[0]
    assert top.phrase.lower() == PLANTED
    assert top.recent_papers == 2 * 3 * 4 and top.earlier_papers == 0
    assert top.weekly == (0, 0, 0, 0, 0, 0, 12, 12)
    assert all(t.phrase.lower() not in {"point cloud registration", "human pose estimation"} for t in found.rising)
    assert any(theme.phrase.lower() == PLANTED for theme in found.weeks[-1].themes)
    assert not any(theme.phrase.lower() == PLANTED for theme in found.weeks[0].themes)
    assert found.days[0].papers == 12 and found.days[0].new == 12
    charts = trend_charts(found)
    assert charts.rising.count("<polyline") >= 1 and PLANTED in charts.rising.lower()
    assert charts.per_day.count("<rect") == 1 + 24 and ET.fromstring(charts.key_phrases) is not None


def test_a_profile_sees_only_its_papers_and_rising_needs_a_minimum(store: Store) -> None:
    mine = trends(store, "cs.CV", profile="lattice", weeks=8)
    assert mine.papers == 24 and {d.day.weekday() for d in mine.days} == {0, 2, 4}
    assert trends(store, "cs.CV", weeks=8, min_count=25).rising == ()
    assert trends(store, "cs.RO", weeks=8).papers == 0
    with pytest.raises(ValueError, match="at least 1"):
        trends(store, "cs.CV", weeks=0)


def test_phrase_pattern_matches_variants() -> None:
    pattern = re.compile(phrase_pattern("vision-language model"))
    assert pattern.search("Vision Language Models are") and pattern.search("a vision-language model")
    assert not pattern.search("vision-language modelling")
    assert re.compile(phrase_pattern("study")).search("two studies")


def test_charts_are_self_contained_escaped_svg() -> None:
    hostile = "<script>alert(1)</script> & \"quotes\""
    for svg in (svg_bar_chart([(hostile, 3), ("b", 0)], title=hostile),
                svg_bar_chart([(hostile, 3), ("b", 1.5)], title="t", horizontal=True),
                svg_line_chart([(hostile, [1, 2, 3]), ("b", [0, 0, 1])], ["w1", "w2", hostile], title="t"),
                svg_line_chart([], [], title="empty"), svg_bar_chart([], title="empty")):
        root = ET.fromstring(svg)  # well-formed XML
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<script" not in svg and "href" not in svg and "http://" not in svg.replace(
            'xmlns="http://www.w3.org/2000/svg"', "")
        assert not any(el.tag.endswith(("script", "foreignObject", "image", "style")) for el in root.iter())
