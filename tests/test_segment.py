"""Section segmentation and code links: generated PDFs for each rule, the real corpus, the Prefect wrapper."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pdf_factory
import pytest

from arxiv_digest.pdf.layout import extract_document
from arxiv_digest.pdf.links import find_links, is_code_url, named_after_paper, normalize_url
from arxiv_digest.pdf.sections import assign_labels, label_for, segment_sections
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.settings import Settings
from arxiv_digest.steps.pdf import extract_paper, segment_paper
from schemas.records import Extraction, Paper, PdfFile

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS_PDFS = SHARED / "corpus" / "pdfs"
TRUTH = Path(__file__).resolve().parents[1] / "bench" / "truth"


def _extraction(data: bytes) -> Extraction:
    return extract_document(data, sha256=hashlib.sha256(data).hexdigest(), page_cap=300, time_cap_seconds=30)


# -- pure rules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "label"),
    [
        ("1 Introduction", "introduction"),
        ("2. Related Work", "related_work"),
        ("II. RELATED WORK", "related_work"),
        ("3.2 Method Details", "method"),
        ("4 Experiments", "experiments"),
        ("5 Results and Analysis", "results"),
        ("6 Discussion", "discussion"),
        ("7 Limitations and Future Work", "limitations"),
        ("8 Conclusions and Future Work", "conclusion"),
        ("References", "references"),
        ("Appendix A: Proofs", "appendix"),
        ("Abstract", "abstract"),
        ("5 Higher Level Abstractions", "other"),
        ("Acknowledgments", "other"),
    ],
)
def test_label_from_title_words(title: str, label: str) -> None:
    assert label_for(title) == label


def test_labels_from_position_fill_what_titles_do_not_say() -> None:
    titles = ["Abstract", "1 Introduction", "2 Scene Grammar", "2.1 Rules", "3 Experiments", "3.1 CIFAR-10",
              "4 Conclusion", "Acknowledgments", "References", "A Proofs", "A.1 Lemma 1"]
    levels = [1, 1, 1, 2, 1, 2, 1, 1, 1, 1, 2]
    assert assign_labels(titles, levels) == [
        "abstract", "introduction", "method", "method", "experiments", "experiments", "conclusion", "other",
        "references", "appendix", "appendix",
    ]


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("http://github.com/clab/dynet.", "https://github.com/clab/dynet"),
        ("(https://github.com/a/b.git)", "https://github.com/a/b"),
        ("https://www.github.com/a/b/", "https://github.com/a/b"),
        ("http://gitlab.com/x/y;", "https://gitlab.com/x/y"),
        ("http://www.robots.ox.ac.uk/˜vgg/research/very_deep/", "http://www.robots.ox.ac.uk/~vgg/research/very_deep"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("github.com/a/b]", "https://github.com/a/b"),
    ],
)
def test_url_normalization(raw: str, normalized: str) -> None:
    assert normalize_url(raw) == normalized


def test_code_hosts_are_classified() -> None:
    assert is_code_url("https://github.com/microsoft/Swin-Transformer")
    assert is_code_url("https://gitlab.com/a/b") and is_code_url("https://bitbucket.org/a/b")
    assert is_code_url("https://huggingface.co/org/model") and is_code_url("https://someone.github.io/project")
    # A dataset repository is something a paper releases (own only when the paper says so); a hub collection
    # lists models whoever made them, and the hub's listing pages are no repository at all.
    assert is_code_url("https://huggingface.co/datasets/org/data")
    assert not is_code_url("https://huggingface.co/datasets") and not is_code_url("https://huggingface.co/datasets/org")
    assert not is_code_url("https://huggingface.co/collections/org/some-models-65f0")
    assert not is_code_url("https://doi.org/10.1145/3544548.3580847")
    assert not is_code_url("https://github.com")


def test_repository_named_after_the_method_is_recognized() -> None:
    assert named_after_paper("https://github.com/microsoft/Swin-Transformer", "Swin Transformer: Hierarchical ...")
    assert named_after_paper("https://github.com/clab/dynet", "DyNet: The Dynamic Neural Network Toolkit")
    assert named_after_paper(
        "https://github.com/ajbrock/Generative-and-Discriminative-Voxel-Modeling",
        "Generative and Discriminative Voxel Modeling with Convolutional Neural Networks",
    )
    assert not named_after_paper("https://github.com/Lasagne/Lasagne", "Generative and Discriminative Voxel Modeling")
    assert not named_after_paper("https://github.com/rwightman/pytorch-image-models", "Swin Transformer: Windows")


# -- generated PDFs ------------------------------------------------------------------------------------------


def test_sections_from_typography_with_levels_pages_and_text() -> None:
    data = pdf_factory.single_column_paper()
    sections = segment_sections(data, _extraction(data))
    assert [(s.title, s.norm, s.page, s.level) for s in sections] == [
        ("Abstract", "abstract", 1, 1),
        ("1 Introduction", "introduction", 1, 1),
        ("2 Method", "method", 1, 1),
        ("2.1 Grid Construction", "method", 2, 2),
        ("3 Experiments", "experiments", 2, 1),
        ("4 Conclusion", "conclusion", 2, 1),
        ("References", "references", 3, 1),
    ]
    assert [s.ordinal for s in sections] == list(range(1, 8))
    by_title = {s.title: s for s in sections}
    assert by_title["Abstract"].text.startswith("We present GridNet")
    assert "2 Method" not in by_title["1 Introduction"].text  # a section's text stops at the next heading
    assert by_title["References"].text.startswith("[1] A. Author.")
    assert "[caption] Figure 1:" in by_title["2 Method"].text
    assert all("Preprint under review" not in s.text for s in sections)


def test_outline_that_agrees_with_the_text_is_used_and_one_that_disagrees_is_ignored() -> None:
    agreeing = pdf_factory.single_column_paper(with_toc=True)
    titles = [s.title for s in segment_sections(agreeing, _extraction(agreeing))]
    assert titles == ["Abstract", "1 Introduction", "2 Method", "2.1 Grid Construction", "3 Experiments",
                      "4 Conclusion", "References"]
    wrong = pdf_factory.single_column_paper(wrong_toc=True)
    titles = [s.title for s in segment_sections(wrong, _extraction(wrong))]
    assert "Overview of Everything" not in titles and "Unrelated Chapter" not in titles
    assert "3 Experiments" in titles


def test_two_column_sections_keep_their_own_column_text() -> None:
    data = pdf_factory.two_column_page()
    sections = segment_sections(data, _extraction(data))
    assert [s.title for s in sections] == ["1 Introduction", "2 Related Work"]
    assert "right column" not in sections[0].text and "left column sentence 30" in sections[0].text
    assert sections[1].text.startswith("right column sentence 1 ")


def test_links_broken_across_lines_are_rejoined_and_own_is_told_from_others() -> None:
    data = pdf_factory.url_edge_cases_pdf()
    links = {link.url: link for link in find_links(data, _extraction(data), title="VoxNet: Voxels All the Way")}
    assert set(links) == {
        "https://github.com/example/VoxNet",
        "https://github.com/example/Voxels-and-Grids-Toolkit",
        "https://github.com/third/backbone",
        "https://gitlab.com/third/backbones",
        "https://example.github.io/voxnet",
    }
    own = {url for url, link in links.items() if link.is_own and link.is_code}
    assert own == {
        "https://github.com/example/VoxNet",
        "https://github.com/example/Voxels-and-Grids-Toolkit",
        "https://example.github.io/voxnet",
    }
    assert links["https://example.github.io/voxnet"].source == "annotation"
    assert links["https://github.com/example/VoxNet"].source == "text"
    assert "publicly available" in links["https://github.com/example/VoxNet"].evidence
    assert "pretrained backbone" in links["https://github.com/third/backbone"].evidence


def test_link_stated_only_in_the_arxiv_abstract_is_own() -> None:
    data = pdf_factory.two_column_page()
    links = find_links(data, _extraction(data), abstract="Code: https://github.com/me/columns.", title="Columns")
    assert [(x.url, x.is_own, x.is_code, x.source) for x in links] == [
        ("https://github.com/me/columns", True, True, "abstract")
    ]


def test_no_text_layer_gives_no_sections() -> None:
    data = pdf_factory.image_only_pdf()
    extraction = _extraction(data)
    assert segment_sections(data, extraction) == []
    assert find_links(data, extraction) == []


# -- the Prefect task ---------------------------------------------------------------------------------------------


def test_segment_task_saves_sections_and_links_and_reuses_them(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = open_store(settings.db_path)
    data = pdf_factory.single_column_paper()
    sha = hashlib.sha256(data).hexdigest()
    path = tmp_path / f"{sha}.pdf"
    path.write_bytes(data)
    now = datetime.now(UTC)
    store.upsert_papers([Paper("2601.00001", 1, "GridNet: Learning Grids for Dense Prediction", ("A. L.",),
                               ("cs.CV",), "cs.CV", now, now, "We present GridNet.")])
    store.upsert_pdf(PdfFile("2601.00001", 1, "ok", sha, str(path), len(data), None, None, now))

    assert segment_paper(Runtime(settings), "2601.00001", 1) == 0  # not extracted yet
    assert store.step_status("2601.00001", 1, "segment") == "skipped"

    assert extract_paper(Runtime(settings), "2601.00001", 1) == "ok"
    assert segment_paper(Runtime(settings), "2601.00001", 1) == 7
    assert [s.norm for s in store.sections(sha)][:3] == ["abstract", "introduction", "method"]
    own = [link.url for link in store.links(sha) if link.is_own and link.is_code]
    assert own == ["https://github.com/example/GridNet"]
    assert store.step_status("2601.00001", 1, "segment") == "ok"

    path.unlink()  # a rerun reuses what is stored instead of reading the PDF again
    assert segment_paper(Runtime(settings), "2601.00001", 1) == 7


def test_segment_task_skips_a_paper_without_pdf(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert segment_paper(Runtime(settings), "2601.00009", 1) == 0
    assert open_store(settings.db_path).step_status("2601.00009", 1, "segment") == "skipped"


# The real corpus against its truth files: tests/test_corpus_truth.py (both sets, with thresholds).


# -- issue 13: each kind of error on its own generated PDF -------------------------------------------------------


def _sections_of(data: bytes) -> list[tuple[str, int]]:
    return [(s.title, s.level) for s in segment_sections(data, _extraction(data))]


def test_table_rows_figure_labels_items_affiliations_and_contents_are_not_headings() -> None:
    # Every trap is bold and numbered so that it would continue the sequence; only the real headings remain,
    # and none of the traps pushes the numbering on (the real "2 Method" and "3 Experiments" survive).
    assert _sections_of(pdf_factory.layout_traps_pdf()) == [
        ("1 Introduction", 1), ("2 Method", 1), ("2.1 Details", 2), ("3 Experiments", 1), ("4 Conclusion", 1),
        ("References", 1),
    ]


def test_statement_sections_and_appendix_with_colon_are_top_level_and_levels_follow_the_numbering() -> None:
    assert _sections_of(pdf_factory.statements_pdf()) == [
        ("Abstract", 1), ("KEYWORDS", 1), ("1 Introduction", 1), ("1.1 Scope", 2), ("1.1.1 Fine Print", 3),
        ("2 Conclusion", 1), ("Broader Impact", 1), ("Ethics Statement", 1), ("Reproducibility Statement", 1),
        ("References", 1), ("APPENDIX A: ADDITIONAL PROOFS", 1), ("A.1 First Lemma", 2), ("Checklist", 1),
    ]


def test_run_in_keywords_line_is_metadata_not_a_section() -> None:
    plan = pdf_factory.PagePlan()
    plan.text(72, 80, "Abstract", 12, bold=True)
    plan.paragraph(72, 100, list(pdf_factory.FILLER))
    plan.text(72, 150, "Keywords: grids, layout, headings", 10, bold=True)
    plan.text(72, 190, "1 Introduction", 12, bold=True)
    plan.paragraph(72, 210, list(pdf_factory.FILLER))
    assert _sections_of(pdf_factory.build_pdf([plan])) == [("Abstract", 1), ("1 Introduction", 1)]


def test_own_code_footnote_url_subfolder_and_dataset_are_own_cited_repo_and_hub_collection_are_not() -> None:
    data = pdf_factory.own_code_cases_pdf()
    links = {link.url: link for link in find_links(data, _extraction(data))}
    own = sorted(url for url, link in links.items() if link.is_code and link.is_own)
    assert own == [
        "https://github.com/bigorg/research/tree/master/gridflow",  # rejoined over the footnote's two lines
        "https://github.com/example-lab/gridflow-bench",  # "we release our dataset at"
    ]
    assert links["https://github.com/princeton-vl/RAFT"].is_own is False  # "the official implementation of [12]"
    collection = links["https://huggingface.co/collections/someorg/flow-models-66"]
    assert not (collection.is_code and collection.is_own)


def test_url_tail_that_is_a_page_number_is_not_joined() -> None:
    plan = pdf_factory.PagePlan()
    plan.text(72, 80, "1 Introduction", 12, bold=True)
    plan.text(72, 100, "Our code is available at https://github.com/example/gridnet", pdf_factory.BODY)
    plan.text(72, 112, "12", pdf_factory.BODY)
    plan.paragraph(72, 140, list(pdf_factory.FILLER))
    data = pdf_factory.build_pdf([plan])
    urls = [link.url for link in find_links(data, _extraction(data))]
    assert urls == ["https://github.com/example/gridnet"]


def test_bare_github_pages_address_is_found_and_spelled_with_https() -> None:
    plan = pdf_factory.PagePlan()
    plan.text(72, 80, "Abstract", 12, bold=True)
    plan.text(72, 100, "Videos and code are on our project page: gridnet-demo.github.io.", pdf_factory.BODY)
    plan.text(72, 140, "1 Introduction", 12, bold=True)
    plan.paragraph(72, 160, list(pdf_factory.FILLER))
    data = pdf_factory.build_pdf([plan])
    own = [link.url for link in find_links(data, _extraction(data)) if link.is_code and link.is_own]
    assert own == ["https://gridnet-demo.github.io"]


def test_code_we_used_is_own_and_a_url_broken_after_a_dot_keeps_its_sentence() -> None:
    plan = pdf_factory.PagePlan()
    plan.text(72, 80, "1 Introduction", 12, bold=True)
    y = plan.paragraph(72, 100, list(pdf_factory.FILLER))
    y = plan.paragraph(72, y, [
        "The code we used to train and evaluate our models is available at https://github.com/",
        "example/trainer. Our project webpage: https://sites.example.",
        "org/gridnet. We also compare with https://github.com/someone/baseline using its defaults.",
    ])
    plan.paragraph(72, y, list(pdf_factory.FILLER))
    data = pdf_factory.build_pdf([plan])
    links = {link.url: link for link in find_links(data, _extraction(data))}
    assert links["https://github.com/example/trainer"].is_own
    page = links["https://sites.example.org/gridnet"]
    assert "project webpage" in page.evidence and page.is_own and page.is_code
    assert not links["https://github.com/someone/baseline"].is_own


def test_plain_type_subsection_bold_heading_with_math_and_wrapped_appendix_title() -> None:
    # "1.1 Plain Scope" has only space around it and the next number; "3.2 Million Images Were Kept" has the
    # space but not the number, "1.2 Next ..." the number but sits inside a paragraph: neither is a heading.
    assert _sections_of(pdf_factory.plain_type_headings_pdf()) == [
        ("1 Introduction", 1), ("1.1 Plain Scope", 2), ("2 Method", 1), ("2.1 Grids for k-NN Search", 2),
        ("References", 1), ("A. Detailed Information of the Rendering Pipeline and Gradient Calculation", 1),
        ("A.1 Rendering", 2),
    ]


def test_page_with_a_light_column_is_read_column_by_column_in_a_two_column_paper() -> None:
    data = pdf_factory.light_column_pdf()
    assert _sections_of(data)[-3:] == [("References", 1), ("C. Implementation Details", 1), ("D. Dataset Details", 1)]
    last_page = _extraction(data).page_texts[-1].text
    assert last_page.index("C. Implementation Details") < last_page.index("D. Dataset Details")


def test_right_column_starting_left_of_the_middle_keeps_its_headings() -> None:
    # The right column starts at x=296 on a 595-wide page: its lines share baselines with the left column's
    # but are not a table row, and a heading is not glued to the left column's line beside it.
    assert _sections_of(pdf_factory.narrow_gutter_pdf()) == [
        ("1 Introduction", 1), ("2 Related Work", 1), ("2.1 Temporal Action Detection", 2),
    ]


@pytest.mark.parametrize("top_level_only", [True, False])
def test_outline_subsections_and_figure_labels(top_level_only: bool) -> None:
    # A top-level-only outline keeps the printed subsections; an outline entry is matched to the printed
    # heading, not to a small figure label with the same words.
    data = pdf_factory.outlined_pdf(top_level_only=top_level_only)
    assert _sections_of(data) == [
        ("1 Introduction", 1), ("1.1 Scope", 2), ("2 Method", 1), ("2.1 Cache Manager", 2), ("3 Results", 1),
    ]


def test_contents_page_without_dot_leaders_is_not_read_as_headings() -> None:
    assert _sections_of(pdf_factory.contents_without_leaders_pdf()) == [
        ("1 Introduction", 1), ("2 Method", 1), ("3 Experiments", 1), ("4 Results", 1), ("5 Discussion", 1),
        ("6 Conclusion", 1), ("References", 1),
    ]
