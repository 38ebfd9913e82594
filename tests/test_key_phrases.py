"""The offline themes: key phrases a researcher would write, on the seed's day and on a real feed's day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from arxiv_digest.analysis.key_phrases import KNOWN_SINGLE_TERMS, Theme, acronym_key, day_themes, singular
from arxiv_digest.analysis.summary import extractive_summary, read_count, recommended_reads, summary_problems
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.checks.digest_format import parse_digest
from schemas.records import Paper

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "000_830de6816814581d.txt"
TESTING_FEED = SHARED / "corpus" / "feeds" / "api_2026_search_all_testing_10_results.xml"
SAMPLE_FEED = Path(__file__).resolve().parents[1] / "data" / "sample" / "feed.xml"
MOMENT = datetime(2026, 1, 20, 12, tzinfo=UTC)
DAY = date(2026, 1, 21)
# What the word-count themes used to name on real days, and boilerplate no researcher calls a topic.
NOT_TOPICS = {"whose", "jointly", "through", "day", "points", "propose", "proposed", "novel", "new", "existing",
              "state-of-the-art", "end-to-end", "real-world", "high-quality", "large-scale", "results", "method",
              "framework", "approach", "experiments", "performance", "paper", "code"}


def paper(n: int, abstract: str, title: str = "A paper") -> Paper:
    return Paper(f"2601.{n:05d}", 1, title, ("A. Author",), ("cs.CV",), "cs.CV", MOMENT, MOMENT, abstract)


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not present: the ../shared folder (seed, corpus) sits beside the repo in CI")
    return path


@pytest.fixture(scope="module")
def seed_day() -> list[Paper]:
    parsed = parse_digest(need(SEED).read_text(encoding="utf-8"))
    return [Paper(p.arxiv_id or "", p.version or 1, p.title or "", tuple(p.authors or ()), ("cs.CV",), "cs.CV",
                  MOMENT, MOMENT, p.abstract or "") for p in parsed.papers]


@pytest.fixture(scope="module")
def testing_day() -> list[Paper]:
    return parse_feed(need(TESTING_FEED).read_bytes()).papers


def assert_topics(themes: list[Theme], papers: list[Paper]) -> None:
    assert 3 <= len(themes) <= 6, themes
    ids = {p.versioned_id for p in papers}
    for theme in themes:
        words = re.split(r"[\s-]+", theme.phrase.lower())
        # Multi-word, or a single word that names a topic (a known technique or an acronym).
        assert len(words) >= 2 or words[0] in KNOWN_SINGLE_TERMS or acronym_key(theme.phrase), theme
        assert not set(words) & NOT_TOPICS and theme.phrase.lower() not in NOT_TOPICS, theme
        assert theme.paper_ids and set(theme.paper_ids) <= ids, theme
    phrases = [t.phrase for t in themes]
    assert len(set(phrases)) == len(phrases)
    # Most papers first.
    assert [len(t.paper_ids) for t in themes] == sorted((len(t.paper_ids) for t in themes), reverse=True)


def test_seed_day_themes_are_topics_with_their_papers(seed_day: list[Paper]) -> None:
    themes = day_themes(seed_day)
    assert_topics(themes, seed_day)
    by_phrase = {t.phrase: t.paper_ids for t in themes}
    # "Large Vision-Language Models (LVLMs)", "vision--language model", "VLMs": one theme, in lower case.
    assert {"2601.13705v1", "2601.14251v1", "2601.14188v1"} <= set(by_phrase["vision-language models"])
    assert by_phrase["diffusion models"] == ("2601.14255v1", "2601.14207v1")
    assert by_phrase["video matting"] == ("2601.14255v1",)
    assert themes[0].phrase == "vision-language models"


def test_real_feed_day_themes_are_topics(testing_day: list[Paper]) -> None:
    themes = day_themes(testing_day)
    assert_topics(themes, testing_day)
    phrases = [t.phrase for t in themes]
    assert phrases[:2] == ["test cases", "automated testing"]
    assert "software testing" in phrases
    # "graphical user interface (GUI)" in one abstract and "GUI Testing" in another are one topic.
    assert ("graphical user interface", ("1202.4527v1", "1812.11470v1")) in [(t.phrase, t.paper_ids) for t in themes]


def test_a_day_without_shared_topics_names_each_papers_topic_not_its_method() -> None:
    papers = parse_feed(SAMPLE_FEED.read_bytes()).papers
    themes = day_themes(papers)
    # "We propose Sparse Token Routing (STR)" is a method of one paper, listed under the methods heading.
    assert [(t.phrase, t.paper_ids) for t in themes] == [
        ("depth completion", ("2601.99002v2",)),
        ("handwritten engineering drawings", ("2601.99004v1",)),
        ("video object segmentation", ("2601.99001v1",)),
    ]


def test_variants_merge_hyphen_space_plural_and_acronym() -> None:
    papers = [
        paper(1, "We probe vision-language models on puzzles."),
        paper(2, "A vision language model reads charts; the model is small."),
        paper(3, "Current VLMs fail at counting."),
        paper(4, "Gaussian splatting renders scenes. We speed up Gaussian splatting."),
        paper(5, "Relighting with Gaussian splats and Gaussian splatting priors."),
    ]
    themes = day_themes(papers)
    assert themes[0] == Theme("vision-language models", ("2601.00001v1", "2601.00002v1", "2601.00003v1"))
    assert Theme("Gaussian splatting", ("2601.00004v1", "2601.00005v1")) in themes


def test_an_acronym_defined_in_one_abstract_counts_for_another() -> None:
    papers = [paper(1, "Instance-level recognition (ILR) separates people. ILR needs care."),
              paper(2, "Our ILR benchmark is hard for instance-level recognition models.")]
    assert day_themes(papers)[0] == Theme("instance-level recognition", ("2601.00001v1", "2601.00002v1"))


def test_boilerplate_and_modifiers_are_never_themes() -> None:
    papers = [paper(n, "We propose a novel state-of-the-art end-to-end framework that jointly improves "
                       "existing methods through extensive experiments on real-world data, whose results "
                       f"show strong points. Code is available at https://github.com/x/y{n}.") for n in (1, 2, 3)]
    assert day_themes(papers) == []


def test_singular_of_head_words() -> None:
    assert [singular(w) for w in ("models", "boxes", "studies", "analysis", "dynamics", "gaussians", "mattes")] == [
        "model", "box", "study", "analysis", "dynamics", "gaussian", "matte"]


@pytest.mark.parametrize(("papers", "reads"), [(0, 0), (1, 1), (3, 1), (4, 1), (5, 2), (10, 3), (15, 5), (40, 5)])
def test_about_a_third_of_the_day_is_recommended_in_full(papers: int, reads: int) -> None:
    assert read_count(papers) == reads


def test_seed_day_reads_are_the_central_papers_with_reasons(seed_day: list[Paper]) -> None:
    themes = day_themes(seed_day)
    reads = recommended_reads(seed_day, {}, themes)
    assert len(reads) == 3
    # Each pick is behind a theme that several papers share.
    for _, paper_themes in reads:
        assert any(len(t.paper_ids) >= 2 for t in paper_themes)
    summary = extractive_summary(DAY, "cs.CV", seed_day, {}, "en")
    section = summary.split("**Recommended full reads:**")[1]
    assert len(re.findall(r"^\d\.\s", section, re.MULTILINE)) == 3
    assert "central to the day's themes (vision-language models" in section
    assert "**vision-language models** (" in summary
    for language in ("en", "zh"):
        text = extractive_summary(DAY, "cs.CV", seed_day, {}, language)
        assert summary_problems(text, DAY, seed_day, language) == []


def test_a_three_paper_day_recommends_one_paper(seed_day: list[Paper]) -> None:
    three = seed_day[3:6]
    summary = extractive_summary(DAY, "cs.CV", three, {}, "en")
    section = summary.split("**Recommended full reads:**")[1]
    assert len(re.findall(r"^\d\.\s", section, re.MULTILINE)) == 1
    themes = day_themes(three)
    assert_topics(themes, three)


def test_a_day_without_key_phrases_says_so_under_the_themes_heading() -> None:
    papers = [paper(1, "We propose a novel method that jointly improves existing results through experiments.")]
    summary = extractive_summary(DAY, "cs.CV", papers, {}, "en")
    themes_section = summary.split("**Main themes and trends:**")[1].split("**Highlights:**")[0]
    assert themes_section.strip() == "*   No key phrase stands out in today's abstracts."
