"""Section labels from the heading and its place, on generated PDFs (issue 28; rules in bench/README.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pdf_factory

from arxiv_digest.pdf.layout import extract_document
from arxiv_digest.pdf.sections import segment_sections


def _labels(headings: Sequence[tuple[str, int]], *, outline: bool = False) -> dict[str, str]:
    """A paper of the given (title, level) headings, each followed by body text, three headings a page; with
    ``outline``, the PDF's bookmarks list the headings too (as LaTeX's hyperref writes them, without References)."""
    pages = []
    toc = []
    plan = pdf_factory.PagePlan()
    plan.text(120, 60, "Grids All the Way Down", 16, bold=True)
    y = 110.0
    for number, (title, level) in enumerate(headings):
        if number and number % 3 == 0:
            pages.append(plan)
            plan, y = pdf_factory.PagePlan(), 80.0
        plan.text(72, y, title, 12 if level == 1 else 11, bold=True)
        if title != "References":
            toc.append((level, title, len(pages) + 1))
        y = plan.paragraph(72, y + 20, list(pdf_factory.FILLER)) + 14
    pages.append(plan)
    data = pdf_factory.build_pdf(pages, toc if outline else ())
    extraction = extract_document(data, sha256=hashlib.sha256(data).hexdigest(), page_cap=300, time_cap_seconds=30)
    return {section.title: section.norm for section in segment_sections(data, extraction)}


def test_lettered_sections_after_numbered_ones_are_the_appendix_whatever_their_titles_say() -> None:
    # The appendix comes before the references; the outline gives its lettered sections.
    labels = _labels([
        ("1 Introduction", 1), ("2 Method", 1), ("3 Experiments", 1), ("4 Conclusion", 1),
        ("A Additional Experimental Results", 1), ("B The rank-loss problem", 1), ("References", 1),
    ], outline=True)
    assert labels["A Additional Experimental Results"] == "appendix"
    assert labels["B The rank-loss problem"] == "appendix"
    assert labels["3 Experiments"] == "experiments"


def test_a_section_that_concludes_is_the_conclusion_whatever_else_it_names() -> None:
    labels = _labels([
        ("1 Introduction", 1), ("2 Method", 1), ("3 Limitations and Future Work", 1),
        ("4 Discussion and Conclusion", 1), ("5 Conclusion and Limitations", 1), ("References", 1),
    ])
    assert labels["3 Limitations and Future Work"] == "limitations"
    assert labels["4 Discussion and Conclusion"] == "conclusion"
    assert labels["5 Conclusion and Limitations"] == "conclusion"


def test_numbered_task_sections_with_set_ups_and_results_are_experiments() -> None:
    labels = _labels([
        ("1 Introduction", 1), ("2 Model", 1), ("3 Question Answering", 1), ("3.1 Setup", 2),
        ("3.2 Results", 2), ("4 Machine Translation", 1), ("4.1 Experimental Setup", 2), ("4.2 Results", 2),
        ("5 Conclusion", 1),
    ])
    assert labels["3 Question Answering"] == "experiments"
    assert labels["4 Machine Translation"] == "experiments"
    assert labels["2 Model"] == "method"


def test_what_a_title_is_about_decides_over_its_first_keyword() -> None:
    labels = _labels([
        ("1 The Era of Grids", 1), ("1.1 Comparison to prior literature", 2), ("2 Grid Networks", 1),
        ("3 Theoretical Results", 1), ("4 Experiments", 1), ("4.1 Flare Removal Comparison", 2),
        ("5 Advantages and disadvantages", 1), ("6 Conclusions", 1),
    ])
    assert labels["1 The Era of Grids"] == "introduction"  # the first section, when none is named so
    assert labels["1.1 Comparison to prior literature"] == "related_work"
    assert labels["2 Grid Networks"] == "method"
    assert labels["3 Theoretical Results"] == "method"  # proofs about the method
    assert labels["4.1 Flare Removal Comparison"] == "results"
    assert labels["5 Advantages and disadvantages"] == "discussion"
