"""Own-code links on generated PDFs: a URL is rejoined across a line break only on evidence, "own" needs the
paper's words or place, and released datasets and models are own artifacts of their own kind (issue 28)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pdf_factory
from typer.testing import CliRunner

from arxiv_digest.analysis.extractive import AnalysisInput, extractive_analysis
from arxiv_digest.cli import app
from arxiv_digest.pdf.layout import extract_document
from arxiv_digest.pdf.links import find_links
from arxiv_digest.urls import own_artifacts
from schemas.records import Extraction, Link, Paper, Section

BODY = pdf_factory.BODY


def _extraction(data: bytes) -> Extraction:
    return extract_document(data, sha256=hashlib.sha256(data).hexdigest(), page_cap=300, time_cap_seconds=30)


def _links(plan: pdf_factory.PagePlan, **kwargs: str) -> dict[str, Link]:
    data = pdf_factory.build_pdf([plan])
    return {link.url: link for link in find_links(data, _extraction(data), **kwargs)}


def _paper(*lines: tuple[float, str]) -> pdf_factory.PagePlan:
    """A title, an abstract heading and the given body lines (y, text), then an introduction."""
    plan = pdf_factory.PagePlan()
    plan.text(120, 60, "Large Language Models as Optimizers", 16, bold=True)
    plan.text(72, 100, "Abstract", 12, bold=True)
    for y, text in lines:
        plan.text(72, y, text, BODY)
    plan.text(72, 400, "1 Introduction", 12, bold=True)
    plan.paragraph(72, 420, list(pdf_factory.FILLER))
    return plan


# -- rejoining a URL broken across lines -----------------------------------------------------------------------


def test_a_full_stop_ends_a_url_before_a_plots_tick_labels() -> None:
    # The abstract's last line ends the sentence with the URL; a figure's tick labels follow on the page.
    plan = _paper((120, "We optimize prompts with language models. Code at https://github.com/google-deepmind/opro."),
                  (140, "100.0"), (152, "0 50 100 150 200"))
    assert list(_links(plan)) == ["https://github.com/google-deepmind/opro"]


def test_a_number_column_does_not_continue_a_url_that_ends_with_a_slash() -> None:
    plan = _paper((120, "We evaluate on the data at http://www.rovit.ua.es/dataset/vidrilo/"), (132, "10"),
                  (160, "Our models are evaluated at https://example.org/results/"), (172, "0.75"))
    assert set(_links(plan)) == {"http://www.rovit.ua.es/dataset/vidrilo", "https://example.org/results"}


def test_a_closing_bracket_ends_a_url() -> None:
    plan = _paper((120, "The code is public (https://github.com/example/gridnet)"), (132, "appendix"))
    assert list(_links(plan)) == ["https://github.com/example/gridnet"]


def test_a_link_annotation_wins_over_the_texts_rejoining() -> None:
    plan = _paper((120, "Our code is available at https://github.com/example/gridnet"), (132, "demo"))
    plan.links.append(((300, 118, 520, 130), "https://github.com/example/gridnet"))
    assert list(_links(plan)) == ["https://github.com/example/gridnet"]


def test_a_link_annotation_is_evidence_for_a_break_inside_the_url() -> None:
    # Without the annotation a lone number is a page number; with it, the number is the URL's tail, and the
    # text's sentence stays the evidence.
    plan = _paper((120, "Our code is available at https://github.com/example/gridnet"), (132, "2"))
    plan.links.append(((72, 118, 520, 134), "https://github.com/example/gridnet2"))
    links = _links(plan)
    assert list(links) == ["https://github.com/example/gridnet2"]
    assert links["https://github.com/example/gridnet2"].source == "text"


def test_a_sub_folder_of_the_own_repository_split_over_three_lines_is_found_whole() -> None:
    plan = _paper(
        (120, "We release our evaluation code at https://github.com/facebookresearch/"),
        (132, "spiritlm/tree/main/spiritlm/"),
        (144, "eval. It scores every task."),
    )
    links = _links(plan)
    assert list(links) == ["https://github.com/facebookresearch/spiritlm/tree/main/spiritlm/eval"]
    assert links["https://github.com/facebookresearch/spiritlm/tree/main/spiritlm/eval"].is_own



# -- whose link it is, and what kind -----------------------------------------------------------------------


def _two_pages(title: str, intro: list[str], related: list[str], appendix: list[str] = ()) -> pdf_factory.PagePlan:
    p1 = pdf_factory.PagePlan()
    p1.text(100, 60, title, 16, bold=True)
    p1.text(72, 100, "Abstract", 12, bold=True)
    y = p1.paragraph(72, 120, list(pdf_factory.FILLER))
    p1.text(72, y + 10, "1 Introduction", 12, bold=True)
    y = p1.paragraph(72, y + 30, [*intro, *pdf_factory.FILLER])
    p1.text(72, y + 10, "2 Related Work", 12, bold=True)
    y = p1.paragraph(72, y + 30, [*related, *pdf_factory.FILLER])
    p1.text(72, y + 10, "3 Method", 12, bold=True)
    y = p1.paragraph(72, y + 30, list(pdf_factory.FILLER))
    p1.text(72, y + 10, "References", 12, bold=True)
    y = p1.paragraph(72, y + 30, ["[1] A. Author. Paraphrasing. In Proceedings, 2018."])
    if appendix:
        p1.text(72, y + 10, "A Data Access", 12, bold=True)
        p1.paragraph(72, y + 30, list(appendix))
    return p1


def test_a_repository_cited_in_related_work_is_someone_elses_even_when_named_like_the_title() -> None:
    plan = _two_pages(
        "Paraphrase Generation for Robust Question Answering",
        ["Transformers (https://github.com/huggingface/transformers) are popular for this task."],
        ["Paraphrase generators such as https://github.com/arvind385801/paraphraseGen rewrite the questions."],
    )
    links = _links(plan)
    assert set(links) == {"https://github.com/huggingface/transformers", "https://github.com/arvind385801/paraphraseGen"}
    # Neither the host nor page 1 nor a name like the title's makes a link the paper's own.
    assert not any(link.is_own for link in links.values())


def test_related_work_that_says_we_release_keeps_the_link_own() -> None:
    plan = _two_pages(
        "Paraphrase Generation for Robust Question Answering", [],
        ["Unlike earlier generators, we release our code at https://github.com/example/robust-qa-para for reuse."],
    )
    assert _links(plan)["https://github.com/example/robust-qa-para"].is_own


def test_a_dataset_papers_own_repository_stated_only_in_its_appendix_is_own_code() -> None:
    plan = _two_pages("Indoor Scenes: A Benchmark", [], [],
                      appendix=["The full dataset can be downloaded from https://github.com/example-lab/indoor-release",
                                "with its annotation tools."])
    data = pdf_factory.build_pdf([plan])
    links = find_links(data, _extraction(data))
    assert own_artifacts(links) == [("https://github.com/example-lab/indoor-release", "code")]


def test_the_trained_models_found_in_the_own_repository_make_it_own_code_and_named_models_do_not() -> None:
    # "The trained models can be found at": the paper's own models, in a forge repository (so code); models
    # named after someone else's network are not the paper's.
    plan = _two_pages("Multi-Scale Context Aggregation", [], [],
                      appendix=["The trained models can be found at https://github.com/example/dilation.",
                                "The VGG models can be found at https://github.com/example-other/vgg-weights."])
    data = pdf_factory.build_pdf([plan])
    assert own_artifacts(find_links(data, _extraction(data))) == [("https://github.com/example/dilation", "code")]


def test_released_models_and_datasets_are_own_artifacts_of_their_own_kind_not_code() -> None:
    plan = _paper(
        (120, "We release our checkpoints at https://huggingface.co/collections/example/gridflow-66 and"),
        (132, "our code at https://github.com/example/gridflow. We release our dataset at"),
        (144, "https://huggingface.co/datasets/example/gridbench and we have made the rendered images"),
        (156, "available at https://example.org/gridflow/images.zip for research."),
    )
    data = pdf_factory.build_pdf([plan])
    links = find_links(data, _extraction(data))
    assert sorted(own_artifacts(links)) == [
        ("https://example.org/gridflow/images.zip", "dataset"),
        ("https://github.com/example/gridflow", "code"),
        ("https://huggingface.co/collections/example/gridflow-66", "model"),
        ("https://huggingface.co/datasets/example/gridbench", "dataset"),
    ]
    code = [link.url for link in links if link.is_code and link.is_own]
    assert code == ["https://github.com/example/gridflow"]


def test_the_digests_analysis_names_released_data_and_models_by_kind_apart_from_the_code() -> None:
    # The links as the store keeps them (URL, flags, evidence) are all the rendering needs.
    paper = Paper("2601.00001", 1, "GridFlow", ("A. Author",), ("cs.CV",), "cs.CV", datetime(2026, 1, 1, tzinfo=UTC),
                  datetime(2026, 1, 1, tzinfo=UTC), "We study grids. " * 5)
    sections = (Section(0, "1 Introduction", "introduction", 1, "We propose grids for flow estimation today. " * 5),
                Section(1, "2 Method", "method", 2, "Our method builds a grid of features from the images. " * 5))
    links = (
        Link("https://github.com/example/gridflow", True, True, "text", 1, "Our code is at"),
        Link("https://huggingface.co/collections/example/gridflow-66", False, True, "text", 1,
             "We release our checkpoints at"),
        Link("https://example.org/gridflow/images.zip", False, True, "text", 2,
             "we have made the rendered images available at"),
        Link("https://github.com/other/baseline", True, False, "text", 2, "We use the baseline from"),
    )
    content = extractive_analysis(AnalysisInput(paper, sections, links), "en").content
    assert "- Code or project page given by the paper: https://github.com/example/gridflow\n" in content
    assert ("- Data or models released by the paper: https://huggingface.co/collections/example/gridflow-66 (model),"
            " https://example.org/gridflow/images.zip (dataset)") in content
    assert "other/baseline" not in content
    zh = extractive_analysis(AnalysisInput(paper, sections, links), "zh").content
    assert "论文发布的数据/模型: https://huggingface.co/collections/example/gridflow-66 (模型)" in zh


def test_in_the_title_block_a_repository_is_own_and_an_authors_home_page_is_not() -> None:
    plan = pdf_factory.PagePlan()
    plan.text(120, 60, "Large Language Models as Optimizers", 16, bold=True)
    plan.text(150, 84, "Ada Lovelace  https://ada-lovelace.github.io", 10)
    plan.text(150, 98, "https://github.com/example/llm-opt", 10)
    plan.text(72, 130, "Abstract", 12, bold=True)
    plan.paragraph(72, 150, list(pdf_factory.FILLER))
    plan.text(72, 400, "1 Introduction", 12, bold=True)
    plan.paragraph(72, 420, list(pdf_factory.FILLER))
    own = {url for url, link in _links(plan).items() if link.is_own}
    assert own == {"https://github.com/example/llm-opt"}


def test_extract_lists_the_papers_own_links_with_their_kind(tmp_path: Path) -> None:
    plan = _paper((120, "We release our checkpoints at https://huggingface.co/example/gridflow-base and"),
                  (132, "our code at https://github.com/example/gridflow for research."))
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(pdf_factory.build_pdf([plan]))
    result = CliRunner().invoke(app, ["extract", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "  model: https://huggingface.co/example/gridflow-base\n" in result.output
    assert "  code: https://github.com/example/gridflow\n" in result.output
    as_json = json.loads(CliRunner().invoke(app, ["extract", str(pdf), "--json"]).output)
    assert as_json["code_urls"] == ["https://github.com/example/gridflow"]
    assert {"url": "https://huggingface.co/example/gridflow-base", "kind": "model"} in as_json["own_artifacts"]
