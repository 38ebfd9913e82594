"""Each family of heading recognisers (pdf/sections.py) on a generated PDF: the kind it accepts and a look-alike
it refuses. The arabic-numbered, front/back-matter, statement, appendix-title, appendix-numbered and plain-type
families are pinned in test_segment.py; these are the ones no other generated PDF reaches."""

from __future__ import annotations

import hashlib

import pdf_factory
from pdf_factory import FILLER, PagePlan, build_pdf, mixed_run

from arxiv_digest.pdf.layout import extract_document
from arxiv_digest.pdf.sections import segment_sections
from schemas.records import Section


def _sections(data: bytes) -> list[Section]:
    extraction = extract_document(data, sha256=hashlib.sha256(data).hexdigest(), page_cap=50, time_cap_seconds=30)
    return segment_sections(data, extraction)


def _headings(data: bytes) -> list[tuple[str, int]]:
    return [(s.title, s.level) for s in _sections(data)]


def _body(plan: PagePlan, y: float, rows: int = 3) -> float:
    return plan.paragraph(72, y, [FILLER[i % len(FILLER)] for i in range(rows)])


def test_roman_sections_and_their_lettered_subsections_in_sequence_only() -> None:
    plan = PagePlan()
    plan.text(150, 60, "Roman Numbered Sections", 16, bold=True)
    y = 100
    for text, size in (("I. INTRODUCTION", 12), ("A. Problem Setting", 11), ("II. METHOD", 12),
                       ("V. OUT OF SEQUENCE", 12), ("III. RESULTS", 12)):
        plan.text(72, y, text, size, bold=True)
        y = _body(plan, y + 20) + 12
    assert _headings(build_pdf([plan])) == [
        ("I. INTRODUCTION", 1), ("A. Problem Setting", 2), ("II. METHOD", 1), ("III. RESULTS", 1),
    ]


def test_run_in_abstract_opens_its_paragraph_and_a_plain_one_is_prose() -> None:
    plan = PagePlan()
    plan.text(150, 60, "Run-in Headings", 16, bold=True)
    mixed_run(plan, 72, 100, [("Abstract. ", True), ("We present grids for dense prediction.", False)],
              pdf_factory.BODY)
    y = _body(plan, 112)
    plan.text(72, y + 10, "1 Introduction", 12, bold=True)
    y = _body(plan, y + 30)
    plan.text(72, y + 10, "Acknowledgments: we thank the reviewers for their time.", pdf_factory.BODY)
    y = _body(plan, y + 22)
    sections = _sections(build_pdf([plan]))
    assert [(s.title, s.level) for s in sections] == [("Abstract", 1), ("1 Introduction", 1)]
    assert sections[0].text.startswith("We present grids")  # the run-in name is not part of its text


def test_letter_sections_are_appendices_only_in_the_back_matter() -> None:
    plan = PagePlan()
    plan.text(150, 60, "Letter Sections", 16, bold=True)
    plan.text(72, 100, "1 Introduction", 12, bold=True)
    y = _body(plan, 120)
    # In a type no numbered heading has: after the references the letter alone makes them appendices.
    plan.text(72, y + 10, "B Proofs", 14, bold=True)  # before the references: not a heading
    y = _body(plan, y + 30)
    plan.text(72, y + 10, "References", 12, bold=True)
    y = plan.paragraph(72, y + 30, ["[1] A. Author. A paper. 2020."])
    plan.text(72, y + 10, "C More Proofs", 14, bold=True)
    _body(plan, y + 30)
    assert _headings(build_pdf([plan])) == [("1 Introduction", 1), ("References", 1), ("C More Proofs", 1)]


def test_unnumbered_sections_after_the_references_take_the_level_of_their_type() -> None:
    p1 = PagePlan()
    p1.text(150, 60, "Supplementary Sections", 16, bold=True)
    p1.text(72, 100, "1 Introduction", 12, bold=True)
    y = _body(p1, 120)
    p1.text(72, y + 10, "1.1 Scope", 11, bold=True)
    y = _body(p1, y + 30)
    p1.text(72, y + 10, "References", 12, bold=True)
    p1.paragraph(72, y + 30, ["[1] A. Author. A paper. 2020."])
    p2 = PagePlan()
    y = 70
    for text, size in (("Additional Results", 12), ("Extra Tables", 11), ("The grids were kept as they were.", 12),
                       ("Set In Another Type", 14)):
        p2.text(72, y, text, size, bold=True)
        y = _body(p2, y + 24) + 12
    assert _headings(build_pdf([p1, p2])) == [
        ("1 Introduction", 1), ("1.1 Scope", 2), ("References", 1), ("Additional Results", 1), ("Extra Tables", 2),
    ]
