"""Own-code links on generated PDFs: a URL is rejoined across a line break only on evidence, "own" needs the
paper's words or place, and released datasets and models are own artifacts of their own kind (issue 28)."""

from __future__ import annotations

import hashlib

import pdf_factory

from arxiv_digest.pdf.layout import extract_document
from arxiv_digest.pdf.links import find_links
from schemas.records import Extraction, Link

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

