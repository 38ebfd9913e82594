"""The reader's interests: profiles in the config, the BibTeX reader, the offline ranking, the reading budget,
and the profile digests. Real store, real BibTeX export format, arXiv faked at the HTTP boundary only."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fake_llm import EN_ABSTRACT, EN_METHOD
from interest_day import FAVOURITE, liked_library, reader_profile, synthetic_day
from scripted_model import ScriptedModel, unreachable
from test_analyze import CATEGORY, DAY, MODEL, add_paper, make_paper
from typer.testing import CliRunner

from arxiv_digest.analysis.extractive import AnalysisInput
from arxiv_digest.analysis.model import ModelConfig
from arxiv_digest.bibtex import BibtexError, LikedPaper, parse_bibtex, read_bibtex_file
from arxiv_digest.catalog.sample_day import PAPERS, feed_xml
from arxiv_digest.checks.digest_format import parse_digest
from arxiv_digest.cli import app
from arxiv_digest.errors import SettingsError
from arxiv_digest.interests.budget import budgeted_input, pdf_skip_reason, reads_in_full
from arxiv_digest.interests.day import reason_line, stored_scores
from arxiv_digest.interests.ranking import PaperScore, above_min_score, rank_papers
from arxiv_digest.interests.rerank import parse_rerank_answer, reorder_top
from arxiv_digest.profiles import InterestProfile
from arxiv_digest.publish.day import digest_view, profile_view
from arxiv_digest.publish.feeds import export_json
from arxiv_digest.publish.html import render_html
from arxiv_digest.publish.markdown import render_markdown
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.settings import Settings, load_settings
from arxiv_digest.steps.analyze import analyze_paper
from arxiv_digest.steps.publish import publish_options
from arxiv_digest.steps.rank import rank_day
from schemas.records import Paper, ProfileRank

FIXTURE = Path(__file__).with_name("fixtures") / "zotero_library.bib"


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "arxiv-digest.toml"
    path.write_text(text, encoding="utf-8")
    return path


def paper(arxiv_id: str, title: str, abstract: str = "We study images.", authors: tuple[str, ...] = ("A Author",),
          categories: tuple[str, ...] = ("cs.CV",)) -> Paper:
    moment = datetime(2026, 1, 20, 12, tzinfo=UTC)
    return Paper(arxiv_id, 1, title, authors, categories, categories[0], moment, moment, abstract)


# -- profiles in the config ------------------------------------------------------------------------------


def test_profiles_are_read_from_the_config_with_weights_ids_and_a_bibtex_export(tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / "library.bib")
    config = write_config(tmp_path, """
deep_analysis_top_n = 10
[profiles.splats]
keywords = { "gaussian splatting" = 3.0, "view synthesis" = 1.5 }
negative = ["survey"]
authors = ["Bernhard Kerbl"]
categories = { "cs.GR" = 0.5 }
like_ids = ["2403.07420", "https://arxiv.org/abs/2308.04079v2", "2403.07420v1"]
like_bibtex = "library.bib"
min_score = 1
[profiles.video]
keywords = ["video object segmentation", "tracking"]
deep_analysis_top_n = 3
""")
    settings = load_settings(config, environ={})

    splats, video = settings.profiles
    assert settings.deep_analysis_top_n == 10
    assert splats.keywords == (("gaussian splatting", 3.0), ("view synthesis", 1.5))
    assert splats.like_ids == ("2403.07420", "2308.04079")  # normalised, duplicates dropped
    assert splats.like_bibtex == str(tmp_path / "library.bib")  # relative to the config file
    assert len(splats.liked) == 5 and splats.min_score == 1.0 and splats.categories == (("cs.GR", 0.5),)
    assert splats.top_n(settings.deep_analysis_top_n) == 10
    assert video.keywords == (("video object segmentation", 1.0), ("tracking", 1.0))
    assert video.top_n(settings.deep_analysis_top_n) == 3 and video.min_score is None


def test_profiles_may_sit_beside_an_arxiv_digest_table(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[arxiv_digest]\nlanguage = "en"\n[profiles.a]\nauthors = ["Ben Mildenhall"]\n')
    settings = load_settings(config, environ={})
    assert settings.language == "en" and settings.profiles[0].authors == ("Ben Mildenhall",)


def test_without_profiles_nothing_changes() -> None:
    settings = load_settings(None, environ={})
    assert settings.profiles == () and settings.deep_analysis_top_n == 0


@pytest.mark.parametrize(("table", "expected"), [
    ('[profiles.a]\nkeywords = ["nerf"]\nkeyword = ["typo"]', "profile 'a' .*unknown field\\(s\\) keyword;"),
    ('[profiles.a]\nkeywords = { nerf = "high" }', "profile 'a' .*keywords.'nerf' must be a number"),
    ('[profiles.a]\nkeywords = { nerf = 0 }', "profile 'a' .*keywords has a weight of 0"),
    ('[profiles.a]\nkeywords = [""]', "profile 'a' .*keywords has an empty entry"),
    ('[profiles.a]\nlike_ids = ["2403.07"]', "profile 'a' .*like_ids: '2403.07' is not an arXiv id"),
    ('[profiles.a]\nlike_bibtex = "missing.bib"', "profile 'a' .*like_bibtex: .*missing.bib does not exist"),
    ('[profiles.a]\nnegative = ["survey"]', "profile 'a' .*says nothing to rank by"),
    ('[profiles.a]\nauthors = "X Y"\ndeep_analysis_top_n = -1', "profile 'a' .*deep_analysis_top_n must be"),
    ('[profiles.a]\nauthors = ["X Y"]\nauthor_weight = -2', "profile 'a' .*author_weight must be >= 0"),
    ('[profiles.a]\nauthors = [3]', "profile 'a' .*authors must be a list of strings"),
    ('[profiles."My Profile"]\nauthors = ["X Y"]', "profile 'My Profile' .*a name is 1-40 lowercase"),
    ('profiles = ["a"]', "setting 'profiles' .*\\[profiles.<name>\\] in the config file"),
    ('deep_analysis_top_n = -3', "deep_analysis_top_n must be >= 0"),
    ('[profiles.a]\nauthors = ["X Y"]\nrerank_top_k = 2.5', "profile 'a' .*rerank_top_k must be an integer >= 0"),
])
def test_a_bad_profile_is_one_error_naming_the_profile_and_the_field(tmp_path: Path, table: str,
                                                                      expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        load_settings(write_config(tmp_path, table), environ={})


def test_a_bibtex_file_without_a_usable_entry_is_a_bad_profile(tmp_path: Path) -> None:
    (tmp_path / "empty.bib").write_text("@misc{x, author = {Nobody, A.}}\n", encoding="utf-8")
    config = write_config(tmp_path, '[profiles.a]\nlike_bibtex = "empty.bib"\n')
    with pytest.raises(SettingsError, match=r"profile 'a' .*like_bibtex: .*empty\.bib holds no entry with a title"):
        load_settings(config, environ={})


def test_profiles_cannot_come_from_the_environment() -> None:
    with pytest.raises(SettingsError, match=r"profiles are declared as \[profiles\.<name>\] tables"):
        load_settings(None, environ={"ARXIV_DIGEST_PROFILES": "a"})


def test_the_cli_rejects_a_bad_profile_with_exit_2_before_any_run(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[profiles.splats]\nkeywords = { "gaussian splatting" = "3" }\n')
    result = CliRunner().invoke(app, ["run", "--sample", "--config", str(config), "--data-dir",
                                      str(tmp_path / "data")])
    assert result.exit_code == 2, result.output
    assert "profile 'splats'" in result.output and "keywords.'gaussian splatting' must be a number" in result.output
    assert not (tmp_path / "data").exists()  # nothing fetched, nothing written


# -- the BibTeX reader -------------------------------------------------------------------------------------


def test_a_zotero_and_mendeley_export_gives_titles_abstracts_authors_and_arxiv_ids() -> None:
    liked = {paper.key: paper for paper in read_bibtex_file(FIXTURE)}

    assert set(liked) == {"kerbl_3d_2023", "mildenhall_nerf_2021", "muller_instant_2022", "Barron2022",
                          "hartley_multiple_2004"}  # the entry without a title is skipped
    kerbl = liked["kerbl_3d_2023"]
    assert kerbl.title == "3D Gaussian Splatting for Real-Time Radiance Field Rendering"  # braces gone
    assert kerbl.arxiv_id == "2308.04079"  # from Zotero's url/doi/note
    assert kerbl.authors[2] == "Thomas Leimkühler"  # "Last, First" and LaTeX accents decoded
    assert kerbl.abstract.startswith("Radiance Field methods")
    assert liked["muller_instant_2022"].arxiv_id == "2201.05989"  # eprint
    assert liked["Barron2022"].arxiv_id == "2111.12077"  # Mendeley's arxivId
    assert liked["mildenhall_nerf_2021"].arxiv_id == "" and liked["mildenhall_nerf_2021"].label == \
        "mildenhall_nerf_2021"  # a journal DOI is not an arXiv id
    assert liked["hartley_multiple_2004"].authors == ("Richard Hartley", "Andrew Zisserman")


def test_an_unreadable_bibtex_text_is_an_error_not_an_empty_library() -> None:
    with pytest.raises(BibtexError, match="holds no entry with a title"):
        parse_bibtex("this is not bibtex at all {", "notes.txt")


# -- the ranking -------------------------------------------------------------------------------------------


def test_the_planted_papers_of_a_synthetic_day_rank_first_with_their_reasons() -> None:
    day = synthetic_day(count=200, planted=12)
    scores = rank_papers(day.papers, day.profile)

    top10 = [s.arxiv_id for s in scores[:10]]
    assert sum(arxiv_id in day.planted for arxiv_id in top10) >= 9
    assert sum(s.arxiv_id in day.planted for s in scores[:20]) == 12
    favourite = next(s for s in scores if s.authors)
    assert favourite.authors == (FAVOURITE,) and favourite.rank == 1
    assert all(s.similar_to or s.keywords for s in scores[:10])  # every top paper says why


def test_ranking_300_papers_takes_under_a_second() -> None:
    day = synthetic_day(count=300, planted=12)
    started = time.perf_counter()
    rank_papers(day.papers, day.profile)
    assert time.perf_counter() - started < 1.0


def test_equal_scores_are_ordered_by_arxiv_id_whatever_the_input_order() -> None:
    profile = InterestProfile("a", keywords=(("optical flow", 1.0),))
    papers = [paper(f"2601.0{n:04d}", "Optical flow estimation, again") for n in (7, 3, 5, 1)]
    papers.append(paper("2601.09999", "Unrelated stereo matching"))
    expected = ["2601.00001", "2601.00003", "2601.00005", "2601.00007", "2601.09999"]
    for seed in range(5):
        shuffled = papers[:]
        random.Random(seed).shuffle(shuffled)
        ranked = rank_papers(shuffled, profile)
        assert [s.arxiv_id for s in ranked] == expected
        assert [s.rank for s in ranked] == [1, 2, 3, 4, 5]


def test_the_reason_names_phrases_authors_categories_similar_papers_and_negatives() -> None:
    profile = InterestProfile(
        "a", keywords=(("gaussian splatting", 2.0), ("SLAM", 1.0)), negative=("survey",),
        authors=("B. Kerbl", "Drettakis"), categories=(("cs.GR", 0.5),),
        liked=(LikedPaper("k", "Gaussian splats for radiance fields", "Anisotropic Gaussians rendered by splatting.",
                          arxiv_id="2308.04079"),),
    )
    target = paper("2601.00001", "A Survey of Gaussian Splatting", "Anisotropic Gaussians for radiance fields.",
                   authors=("Bernhard Kerbl", "George Drettakis", "Someone Else"), categories=("cs.CV", "cs.GR"))
    other = paper("2601.00002", "Medical image registration", "Deformable registration of CT scans.")
    first, second = rank_papers([other, target], profile)

    assert first.arxiv_id == "2601.00001"
    assert first.keywords == ("gaussian splatting",) and first.negative == ("survey",)
    assert first.authors == ("Bernhard Kerbl", "George Drettakis") and first.categories == ("cs.GR",)
    assert first.similar_to == ("2308.04079",)
    assert reason_line(first, "en") == ("matches: gaussian splatting; similar to 2308.04079; author: Bernhard "
                                        "Kerbl, George Drettakis; category: cs.GR; against: survey")
    assert reason_line(second, "en") == "no match with the profile"
    assert second.score == 0.0
    assert "匹配：gaussian splatting" in reason_line(first, "zh")


def test_a_phrase_in_the_title_outweighs_the_same_phrase_in_the_abstract_and_plurals_match() -> None:
    profile = InterestProfile("a", keywords=(("point cloud", 1.0),))
    in_title = paper("2601.00002", "Point Clouds in the Wild")
    in_abstract = paper("2601.00001", "A benchmark", "We register point clouds.")
    ranked = rank_papers([in_abstract, in_title], profile)
    assert [s.arxiv_id for s in ranked] == ["2601.00002", "2601.00001"]
    assert ranked[0].score > ranked[1].score > 0


def test_min_score_cuts_and_counts() -> None:
    scores = [PaperScore("1", 1, 3.0, 1), PaperScore("2", 1, 0.5, 2), PaperScore("3", 1, -1.0, 3)]
    assert above_min_score(scores, None) == (scores, 0)
    assert above_min_score(scores, 0.5) == (scores[:2], 1)


# -- the reading budget ------------------------------------------------------------------------------------


def test_reads_in_full_within_any_profile_s_budget() -> None:
    assert reads_in_full({})  # no profile: every paper, as before
    assert reads_in_full({"a": ProfileRank(3, 3)}) and not reads_in_full({"a": ProfileRank(4, 3)})
    assert reads_in_full({"a": ProfileRank(40, 3), "b": ProfileRank(2, 5)})  # one profile wants it read
    assert reads_in_full({"a": ProfileRank(150, 0)})  # 0 means all


def test_beyond_the_budget_the_analyzer_gets_the_abstract_and_the_reason() -> None:
    data = AnalysisInput(paper=make_paper(), sections=(), unavailable_reason="")
    assert budgeted_input(data, {"a": ProfileRank(1, 2)}, "en") is data
    cut = budgeted_input(data, {"a": ProfileRank(7, 2), "b": ProfileRank(9, 5)}, "en")
    assert cut.sections == () and cut.paper == data.paper
    assert cut.unavailable_reason == ("outside the reading budget: ranked 9 for profile b, which reads its top 5 "
                                      "in full")


def _two_paper_day(tmp_path: Path, **settings: object) -> tuple[Settings, object, Paper, Paper]:
    profile = InterestProfile("vos", keywords=(("video object segmentation", 2.0),))
    config = Settings(data_dir=tmp_path, profiles=(profile,), deep_analysis_top_n=1, **settings)  # type: ignore[arg-type]
    store = open_store(config.db_path)
    wanted = make_paper()  # "Sparse Token Routing for Efficient Video Object Segmentation"
    other = make_paper("2601.99005", title="Rig-Free Calibration of Camera Networks")
    add_paper(store, other)
    add_paper(store, wanted)
    return config, store, wanted, other


def test_the_top_n_get_the_method_analysis_and_the_rest_the_abstract_one(tmp_path: Path) -> None:
    settings, store, wanted, other = _two_paper_day(tmp_path, language="en")
    runtime = Runtime(settings)
    assert rank_day(runtime, DAY, CATEGORY) == {"vos": 1}

    assert analyze_paper(runtime, wanted.arxiv_id, 1, DAY, CATEGORY) == "method"
    assert analyze_paper(runtime, other.arxiv_id, 1, DAY, CATEGORY) == "abstract"
    analysis = store.digest_analyses(DAY, CATEGORY)[other.versioned_id]  # type: ignore[attr-defined]
    assert "outside the reading budget: ranked 2 for profile vos, which reads its top 1 in full" in analysis.labelled()


def test_the_model_is_sent_one_full_text_and_one_abstract_and_nothing_on_a_rerun(tmp_path: Path) -> None:
    settings, _, wanted, other = _two_paper_day(tmp_path, language="en", llm_base_url="http://127.0.0.1:9/v1",
                                                    llm_model=MODEL)
    model = ScriptedModel(ModelConfig.from_settings(settings), [EN_METHOD, EN_ABSTRACT])
    runtime = Runtime(settings, chat_model=model)
    rank_day(runtime, DAY, CATEGORY)
    for _ in range(2):
        analyze_paper(runtime, wanted.arxiv_id, 1, DAY, CATEGORY)
        analyze_paper(runtime, other.arxiv_id, 1, DAY, CATEGORY)
    assert [asked.kind for asked in model.asked] == ["method", "abstract"]


def test_a_profile_removed_from_the_config_no_longer_limits_the_budget(tmp_path: Path) -> None:
    settings, store, _, other = _two_paper_day(tmp_path)
    rank_day(Runtime(settings), DAY, CATEGORY)
    assert store.paper_ranks(DAY, CATEGORY, other.arxiv_id, 1) == {  # type: ignore[attr-defined]
        "vos": ProfileRank(rank=2, top_n=1)}
    rank_day(Runtime(dataclasses.replace(settings, profiles=())), DAY, CATEGORY)
    assert store.paper_ranks(DAY, CATEGORY, other.arxiv_id, 1) == {}  # type: ignore[attr-defined]


def test_papers_liked_by_id_are_looked_up_on_arxiv_once(tmp_path: Path) -> None:
    requests: list[httpx.Request] = []
    liked = dataclasses.replace(PAPERS[1], arxiv_id="2501.00042", version=3)

    def arxiv(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=feed_xml((liked,)), headers={"Content-Type": "application/atom+xml"})

    profile = InterestProfile("depth", like_ids=("2501.00042", "2501.00043"))
    settings = Settings(data_dir=tmp_path, profiles=(profile,), arxiv_min_interval_seconds=0)
    store = open_store(settings.db_path)
    add_paper(store, make_paper("2601.99002", title=PAPERS[1].title, abstract=PAPERS[1].abstract))
    add_paper(store, make_paper())
    runtime = Runtime(settings, arxiv_transport=httpx.MockTransport(arxiv))

    rank_day(runtime, DAY, CATEGORY)
    rank_day(runtime, DAY, CATEGORY)

    assert len(requests) == 2  # the id nobody knows is asked again; the one found is kept
    assert requests[0].url.params["id_list"] == "2501.00042,2501.00043"
    assert requests[1].url.params["id_list"] == "2501.00043"
    best = stored_scores(store, DAY, CATEGORY, "depth")[0]
    assert best.arxiv_id == "2601.99002" and best.similar_to == ("2501.00042",)


# -- the profile's digest ----------------------------------------------------------------------------------


def test_a_profile_digest_lists_papers_by_score_with_reasons_and_counts_the_cut(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, language="en")
    store = open_store(settings.db_path)
    day = synthetic_day(count=30, planted=4)
    store.upsert_papers(day.papers)
    store.set_digest_papers(DAY, CATEGORY, day.papers)
    profile = dataclasses.replace(reader_profile(tuple(liked_library())), min_score=0.3)
    scores = rank_papers(day.papers, profile)
    view = profile_view(digest_view(store, publish_options(settings), DAY, CATEGORY), profile, scores)
    kept, cut = above_min_score(scores, 0.3)

    assert [p.arxiv_id for p in view.papers] == [s.arxiv_id for s in kept] and cut > 0
    markdown = render_markdown(view)
    parsed = parse_digest(markdown)
    assert [entry.score for entry in parsed.toc] == [round(s.score, 2) for s in kept]
    assert [p.arxiv_id for p in parsed.papers] == [s.arxiv_id for s in kept]
    assert parsed.papers[0].relevance == f"{kept[0].score:.2f} — {reason_line(kept[0], 'en')}"
    assert f"{cut} paper(s) scored below min_score 0.3 and are not listed." in markdown.replace("\\_", "_")
    assert parsed.summary is not None and "Profile **splats**" in parsed.summary
    assert "### The whole day" not in parsed.summary  # it names papers min_score cut
    top_title = next(p.title for p in day.papers if p.arxiv_id == kept[0].arxiv_id)
    assert f"1. {top_title} (score {kept[0].score:.2f})" in parsed.summary
    assert "<b>Relevance:</b>" in render_html(view)
    exported = json.loads(export_json(view))
    assert exported["profile"] == "splats" and exported["papers"][0]["relevance"]["rank"] == 1


def test_a_paper_the_ranking_does_not_know_is_listed_last_not_dropped(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, language="en")
    store = open_store(settings.db_path)
    papers = [paper("2601.00001", "Optical flow"), paper("2601.00002", "Stereo"), paper("2601.00003", "Late one")]
    store.upsert_papers(papers)
    store.set_digest_papers(DAY, CATEGORY, papers)
    profile = InterestProfile("a", keywords=(("stereo", 1.0),))
    day_view = dataclasses.replace(digest_view(store, publish_options(settings), DAY, CATEGORY),
                                   summary="The day in short.")
    view = profile_view(day_view, profile, rank_papers(papers[:2], profile))
    assert [p.arxiv_id for p in view.papers] == ["2601.00002", "2601.00001", "2601.00003"]
    assert view.summary.endswith("### The whole day\n\nThe day in short.")  # nothing cut: the day's follows
    assert "2601.00003v1" not in view.relevance


# -- the optional model rerank -----------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "expected"), [
    ('{"relevance": 8, "significance": 6.5}', (8.0, 6.5)),
    ('```json\n{"relevance": 0, "significance": 10}\n```', (0.0, 10.0)),
])
def test_a_rerank_answer_is_two_scores(answer: str, expected: tuple[float, float]) -> None:
    assert parse_rerank_answer(answer) == expected


@pytest.mark.parametrize(("answer", "problem"), [
    ("This paper is highly relevant, I would give it 9.", "not a JSON object"),
    ('[8, 6]', "not a JSON object"),
    ('{"relevance": 8}', "significance is missing or not a number"),
    ('{"relevance": "high", "significance": 3}', "relevance is missing or not a number"),
    ('{"relevance": true, "significance": 3}', "relevance is missing or not a number"),
    ('{"relevance": 11, "significance": 3}', "relevance 11 is outside 0-10"),
])
def test_anything_but_two_scores_is_rejected_with_the_reason(answer: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_rerank_answer(answer)


def test_the_rerank_reorders_only_the_rated_top_k() -> None:
    scores = [PaperScore(f"2601.0000{n}", 1, 10.0 - n, n) for n in range(1, 6)]
    ratings = {"2601.00002v1": (9.0, 5.0), "2601.00003v1": (9.0, 5.0), "2601.00001v1": (2.0, 9.0)}
    reordered = reorder_top(scores, ratings, 4)
    # 2 and 3 rate the same: offline order between them; 4 was not rated: after the rated ones; 5 beyond k.
    assert [s.arxiv_id[-1] for s in reordered] == ["2", "3", "1", "4", "5"]
    assert [s.rank for s in reordered] == [1, 2, 3, 4, 5]
    assert reordered[0].model_relevance == 9.0 and reordered[3].model_relevance is None
    assert reason_line(reordered[0], "en") == "model: relevance 9/10, significance 5/10"


def _rerank_day(tmp_path: Path, script: list[str | Exception]) -> tuple[Runtime, ScriptedModel, object]:
    profile = InterestProfile("vos", keywords=(("video object segmentation", 2.0), ("calibration", 1.0)))
    settings = Settings(data_dir=tmp_path, language="en", llm_base_url="http://127.0.0.1:9/v1", llm_model=MODEL,
                        profiles=(profile,), rerank_top_k=2)
    store = open_store(settings.db_path)
    # All three share the video segmentation abstract; the calibration title puts 2601.99005 first offline.
    add_paper(store, make_paper("2601.99005", title="Rig-Free Calibration of Camera Networks"))
    add_paper(store, make_paper())
    add_paper(store, make_paper("2601.99006", title="Handwritten drawings"))
    model = ScriptedModel(ModelConfig.from_settings(settings), script)
    return Runtime(settings, chat_model=model), model, store


def test_the_model_rerank_is_validated_cached_and_counted(tmp_path: Path) -> None:
    runtime, model, store = _rerank_day(tmp_path, [
        '{"relevance": 3, "significance": 4}',  # 2601.99005, first offline
        "I think it is quite relevant.",  # 2601.99001: prose, rejected
        '{"relevance": 9, "significance": 8}',  # 2601.99001, asked again with the failure named
    ])
    since = datetime.now(UTC)
    rank_day(runtime, DAY, CATEGORY)
    ranked = stored_scores(store, DAY, CATEGORY, "vos")

    assert [s.arxiv_id for s in ranked] == ["2601.99001", "2601.99005", "2601.99006"]
    assert "model: relevance 9/10, significance 8/10" in reason_line(ranked[0], "en")
    assert ranked[2].model_relevance is None  # beyond k: not asked
    assert "rerank_not_a_score" in model.asked[2].user  # the retry names the failure
    calls = store.model_calls(since)  # type: ignore[attr-defined]
    assert [c.status for c in calls] == ["accepted", "rejected", "accepted"]

    rank_day(runtime, DAY, CATEGORY)  # a rerun asks nothing: the scores are stored by prompt hash
    assert len(model.asked) == 3
    assert [s.arxiv_id for s in stored_scores(store, DAY, CATEGORY, "vos")] == [s.arxiv_id for s in ranked]


def test_an_unreachable_model_leaves_the_offline_order(tmp_path: Path) -> None:
    runtime, model, store = _rerank_day(tmp_path, [unreachable(MODEL)])
    rank_day(runtime, DAY, CATEGORY)
    assert len(model.asked) == 1  # not asked again for the second paper
    assert [s.arxiv_id for s in stored_scores(store, DAY, CATEGORY, "vos")] == ["2601.99005", "2601.99001",
                                                                                "2601.99006"]


def test_a_pdf_is_skipped_only_outside_every_budget_and_when_no_figure_is_wanted() -> None:
    inside, outside = {"splats": ProfileRank(3, 10)}, {"splats": ProfileRank(37, 10), "video": ProfileRank(12, 5)}
    assert pdf_skip_reason({}, "budget") == ""  # no profile: every paper is read in full
    assert pdf_skip_reason(inside, "none") == ""
    assert pdf_skip_reason(outside, "all") == ""  # its teaser figure is wanted
    assert pdf_skip_reason(outside, "all", teaser_figures=False) != ""
    assert pdf_skip_reason(outside, "budget") == ("outside the reading budget (ranked 12 for profile video, which "
                                                  "reads its top 5) and figures_for = 'budget'")
    with pytest.raises(SettingsError, match="figures_for 'some' must be one of all, budget, none"):
        load_settings(environ={}, figures_for="some")
