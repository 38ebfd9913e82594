"""Heading kinds the third set's second nine showed (issue 28, after their unseen score was frozen), each on a
generated PDF: unnumbered sections found by the type of the paper's References heading, a centred heading
wrapped onto a centred second line, the next appendix letter under a running header's rule, a supplement's
title page, and a name in body-size capitals after the references."""

from __future__ import annotations

from pdf_factory import PagePlan, _width, build_pdf
from test_heading_recognisers import _body, _headings  # one way to read a generated PDF's headings


def _introduction_and_references(title: str) -> PagePlan:
    """Page 1 of a short paper: its title, "1. Introduction" with a paragraph, and the references."""
    p1 = PagePlan()
    p1.text(130, 60, title, 14.3, bold=True)
    p1.text(72, 100, "1. Introduction", 12, bold=True)
    y = _body(p1, 118)
    p1.text(72, y + 10, "References", 12, bold=True)
    p1.paragraph(72, y + 28, ["Mnih, V. Human-level control through deep reinforcement learning. 2015."])
    return p1


def test_an_unnumbered_papers_sections_are_set_in_the_type_of_its_references_heading() -> None:
    # AAAI style: no numbers; 12 pt bold sections, 10.9 pt bold subsections, a bold body-size table header.
    plan = PagePlan()
    plan.text(130, 60, "Deep Learning with Unnumbered Headings", 14.3, bold=True)
    plan.text(270, 100, "Abstract", 10, bold=True)
    y = _body(plan, 116)
    for text, size in (("Background", 12), ("Deep Q Networks", 10.9), ("Double DQN", 12),
                       ("Results on overoptimism", 10.9), ("Discussion", 12)):
        plan.text(72, y + 10, text, size, bold=True)
        y = _body(plan, y + 28)
    plan.text(72, y + 10, "Game", 10, bold=True)  # a table's header cell: body size, not a heading
    plan.text(200, y + 10, "Random Human DQN", 10, bold=True)
    y = _body(plan, y + 28)
    plan.text(72, y + 10, "References", 12, bold=True)
    plan.paragraph(72, y + 28, ["Mnih, V. Human-level control through deep reinforcement learning. 2015."])
    assert _headings(build_pdf([plan])) == [
        ("Abstract", 1), ("Background", 1), ("Deep Q Networks", 2), ("Double DQN", 1),
        ("Results on overoptimism", 2), ("Discussion", 1), ("References", 1),
    ]


def test_a_numbered_paper_is_not_read_for_unnumbered_sections() -> None:
    plan = PagePlan()
    plan.text(130, 60, "Numbered Headings Only", 14.3, bold=True)
    plan.text(72, 100, "1 Introduction", 12, bold=True)
    y = _body(plan, 118)
    plan.text(72, y + 10, "Remark on Grids", 12, bold=True)  # a bold display line in a numbered paper
    y = _body(plan, y + 28)
    plan.text(72, y + 10, "References", 12, bold=True)
    plan.paragraph(72, y + 28, ["A. Author. A paper. 2020."])
    assert _headings(build_pdf([plan])) == [("1 Introduction", 1), ("References", 1)]


def test_a_centred_heading_wrapped_onto_a_centred_second_line_is_one_heading() -> None:
    plan = PagePlan()
    plan.text(130, 60, "Wrapped Centred Headings", 14.3, bold=True)
    plan.text(270, 100, "Abstract", 10, bold=True)
    y = _body(plan, 116)
    plan.text(72, y + 10, "Background", 12, bold=True)
    y = _body(plan, y + 28)
    plan.text(72, y + 10, "References", 12, bold=True)
    y = plan.paragraph(72, y + 28, ["Mnih, V. Human-level control through deep reinforcement learning. 2015."])
    first, second = "Experimental Details for the Atari 2600", "Domain"
    centre = 180 + _width(first, 12, True) / 2
    plan.text(180, y + 20, first, 12, bold=True)
    plan.text(centre - _width(second, 12, True) / 2, y + 34, second, 12, bold=True)
    _body(plan, y + 52)
    assert _headings(build_pdf([plan]))[-1] == ("Experimental Details for the Atari 2600 Domain", 1)


def test_the_next_appendix_letter_under_a_running_headers_rule_and_over_an_algorithm_is_a_section() -> None:
    p1 = _introduction_and_references("Letter Appendix Near Rules")
    p2 = PagePlan()
    p2.text(72, 40, "Letter Appendix Near Rules", 9)  # the running title over its rule
    p2.rule(72, 46, 520)
    p2.text(72, 68, "A. Double DQN Algorithm", 12, bold=True)
    p2.rule(72, 80, 520)  # the algorithm's box starts right below
    p2.text(72, 92, "Algorithm 1: Double DQN Algorithm.", 10)
    p2.paragraph(80, 106, ["input : D - empty replay buffer", "for episode e do"], size=9)
    p2.rule(72, 140, 520)
    _body(p2, 170)
    assert _headings(build_pdf([p1, p2])) == [
        ("1. Introduction", 1), ("References", 1), ("A. Double DQN Algorithm", 1),
    ]


def _with_supplement(first_line: tuple[str, float, bool], second_line: tuple[str, float, bool]) -> bytes:
    p1 = _introduction_and_references("Asynchronous Methods")
    p2 = PagePlan()
    (text, size, bold), (text2, size2, bold2) = first_line, second_line
    p2.text(72, 80, text, size, bold=bold)
    p2.text(72, 110, text2, size2, bold=bold2)
    _body(p2, 140)
    return build_pdf([p1, p2])


def test_a_supplements_title_page_is_not_a_section_but_a_large_appendices_heading_is() -> None:
    naming = _with_supplement(("Supplementary Material for Asynchronous Methods", 17.2, False),
                              ("2. Optimization Details", 12, True))
    over_date = _with_supplement(("Appendix", 17.2, False), ("July 17, 2015", 12, False))
    part = _with_supplement(("Appendices", 20.7, True), ("A. Extended related work", 12, True))
    assert _headings(naming) == [("1. Introduction", 1), ("References", 1), ("2. Optimization Details", 1)]
    assert _headings(over_date) == [("1. Introduction", 1), ("References", 1)]
    assert _headings(part)[-2:] == [("Appendices", 1), ("A. Extended related work", 1)]


def _small_capitals(plan: PagePlan, x: float, y: float, text: str, capitals: float, small: float) -> None:
    """ "1 INTRODUCTION" as ICLR prints it: each word's first letter at ``capitals``, the rest at ``small``."""
    for word in text.split():
        head, rest = word[0], word[1:]
        plan.text(x, y, head, capitals)
        x += _width(head, capitals, False)
        if rest:
            plan.text(x, y, rest, small)
            x += _width(rest, small, False)
        x += _width(" ", capitals, False)


def test_a_name_in_body_size_capitals_after_the_references_is_not_a_small_capitals_section() -> None:
    plan = PagePlan()
    plan.text(130, 60, "STOPPING GRID VIOLENCE", 13.8)
    _small_capitals(plan, 72, 100, "1 INTRODUCTION", 12, 9.6)
    y = _body(plan, 118)
    _small_capitals(plan, 72, y + 10, "2 METHOD", 12, 9.6)
    y = _body(plan, y + 28)
    _small_capitals(plan, 72, y + 10, "REFERENCES", 12, 9.6)
    y = plan.paragraph(72, y + 28, ["Schwarzenegger, Arnold. The education of a bodybuilder. 2012."])
    plan.text(72, y + 14, "JOAO", 10)  # an author's name over a biography, in body-size capitals
    _body(plan, y + 30)
    titles = [title for title, _ in _headings(build_pdf([plan]))]
    assert titles == ["1 INTRODUCTION", "2 METHOD", "REFERENCES"]


def test_an_outline_subsection_printed_in_small_capitals_below_body_size_is_found() -> None:
    # ICLR prints "3.1 A MOTIVATING EXAMPLE" with 10 pt capitals and 8 pt small capitals: the line's type is
    # smaller than the body, yet it is the heading the outline names, not a figure label or a footnote.
    plan = PagePlan()
    plan.text(130, 60, "PRIORITIZED GRID REPLAY", 13.8)
    y = 100
    for text, capitals, small in (("1 INTRODUCTION", 12, 9.6), ("2 BACKGROUND", 12, 9.6),
                                  ("3 PRIORITIZED REPLAY", 12, 9.6), ("3.1 A MOTIVATING EXAMPLE", 10, 8),
                                  ("3.2 PRIORITIZING WITH TD-ERROR", 10, 8)):
        _small_capitals(plan, 72, y, text, capitals, small)
        y = _body(plan, y + 18) + 12
    toc = [(1, "1 Introduction", 1), (1, "2 Background", 1), (1, "3 Prioritized Replay", 1),
           (2, "3.1 A Motivating Example", 1), (2, "3.2 Prioritizing with TD-error", 1)]
    assert [level for _, level in _headings(build_pdf([plan], toc=toc))] == [1, 1, 1, 2, 2]


def test_a_reports_front_matter_sections_in_the_type_of_its_acknowledgements_are_found() -> None:
    # A guide printed as a report: bold 9 pt centred front-matter headings before the outline's first entry.
    p1 = PagePlan()
    p1.text(150, 80, "A Guide to Grid Arithmetic", 17.2)
    y = 140
    for name in ("Acknowledgements", "Feedback", "Source code and animations"):
        p1.text(297 - _width(name, 9, True) / 2, y, name, 9, bold=True)
        y = _body(p1, y + 18) + 14
    p2 = PagePlan()
    y = 80
    for text in ("1 Introduction", "2 Grid arithmetic", "3 Pooling arithmetic"):
        p2.text(72, y, text, 14, bold=True)
        y = _body(p2, y + 20) + 12
    toc = [(1, "1 Introduction", 2), (1, "2 Grid arithmetic", 2), (1, "3 Pooling arithmetic", 2)]
    assert [title for title, _ in _headings(build_pdf([p1, p2], toc=toc))] == [
        "Acknowledgements", "Feedback", "Source code and animations",
        "1 Introduction", "2 Grid arithmetic", "3 Pooling arithmetic",
    ]
