"""Rendering: the seed's structure, escaping of hostile metadata, atomic writes, HTML anchors, Atom."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from arxiv_digest.files import write_atomically
from arxiv_digest.publish.day import artifact_key, artifact_markdown, day_status, describe_shortfall
from arxiv_digest.publish.feeds import export_json, render_atom, render_index
from arxiv_digest.publish.html import render_html
from arxiv_digest.publish.listings import output_path
from arxiv_digest.publish.markdown import md_inline, render_markdown
from arxiv_digest.publish.view import DigestView
from arxiv_digest.wording import wording_for
from schemas.records import Analysis, Paper, PublishedDay

DAY = date(2026, 1, 21)


def paper(
    n: int,
    title: str = "A Title",
    abstract: str = "We propose X. It improves Y by 3%.",
    authors: tuple[str, ...] = ("Ann", "Bo"),
) -> Paper:
    moment = datetime(2026, 1, 20, 12, tzinfo=UTC)
    return Paper(f"2601.0000{n}", 1, title, authors, ("cs.CV",), "cs.CV", moment, moment, abstract)


def analysis(
    p: Paper, kind: str = "method", content: str = "### 1. 摘要翻译\n\n内容", notice: str | None = None
) -> Analysis:
    return Analysis(p.arxiv_id, p.version, kind, "extractive", "zh", content, ("We propose X.",), notice=notice)


def test_markdown_follows_the_seed_structure() -> None:
    papers = [paper(1), paper(2, title="Second")]
    text = render_markdown(
        DigestView(DAY, "cs.CV", papers, {p.versioned_id: analysis(p) for p in papers}, "摘要", "zh")
    )
    lines = text.splitlines()
    assert lines[0] == "Time: 20260121"
    assert lines[2] == "# Arxiv Computer Vision Papers - 2026-01-21"
    assert text.index("## Executive Summary") < text.index("## Table of Contents") < text.index("## Papers")
    assert "1. [A Title](#2601.00001v1)" in text and "2. [Second](#2601.00002v1)" in text
    assert "<a id='2601.00002v1'></a>\n## [Second](https://arxiv.org/abs/2601.00002v1)" in text
    assert "- [PDF](https://arxiv.org/pdf/2601.00001v1)" in text
    assert "- We propose X." in text


def test_withheld_and_missing_analyses_show_a_notice_not_text() -> None:
    p1, p2 = paper(1), paper(2)
    analyses = {
        p1.versioned_id: analysis(
            p1, kind="withheld", content="请提供您希望我分析的论文内容", notice="it failed the quality checks: refusal"
        )
    }
    text = render_markdown(
        DigestView(DAY, "cs.CV", [p1, p2], analyses, "s", "zh", failures={p2.versioned_id: "analyze: boom"})
    )
    assert "> Analysis withheld: it failed the quality checks: refusal" in text
    assert "请提供" not in text
    assert "> Analysis unavailable:" in text and "analyze: boom" in text


HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "Title\u202e with RTL override",
    "Ctrl\x07chars\x00",
    "# Heading injection\n## [Fake](http://evil)",
    "**bold** _it_ `code` | pipe",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_titles_abstracts_and_authors_are_inert(hostile: str) -> None:
    p = paper(1, title=hostile, abstract=hostile, authors=(hostile,))
    a = analysis(p, content=f"分析 {hostile} [x](javascript:alert(2)) <img src=x onerror=alert(3)>")
    text = render_markdown(DigestView(DAY, "cs.CV", [p], {p.versioned_id: a}, hostile, "zh"))
    assert "<script" not in text and "<img" not in text
    assert not re.search(r"(?<!\\)\]\(\s*javascript:", text), "a live javascript: link"
    assert "\u202e" not in text and "\x07" not in text and "\x00" not in text
    assert text.count("<a id='") == 1 and text.count("\n## [") == 1, "the structure holds"
    page = render_html(DigestView(DAY, "cs.CV", [p], {p.versioned_id: a}, hostile, "zh"))
    assert "<script" not in page and "<img" not in page
    assert 'href="javascript' not in page.lower()


def test_inline_escaping_keeps_text_readable() -> None:
    assert md_inline("A [b] <c>") == r"A \[b\] &lt;c&gt;"


def test_html_toc_links_land_on_article_ids() -> None:
    papers = [paper(1), paper(2)]
    page = render_html(DigestView(DAY, "cs.CV", papers, {}, "summary", "zh"))
    for p in papers:
        assert f'href="#{p.versioned_id}"' in page
        assert f'<article id="{p.versioned_id}">' in page
    assert "Analysis unavailable" in page


def test_atom_feed_is_well_formed_and_lists_days() -> None:
    entries_in = [(DAY, 3, "**摘要** <b>"), (date(2026, 1, 20), 0, "")]
    feed = render_atom("cs.CV", entries_in, datetime(2026, 1, 22, tzinfo=UTC))
    root = ET.fromstring(feed.encode())
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    titles = [e.find("{http://www.w3.org/2005/Atom}title").text for e in entries]
    assert titles[0].startswith("cs.CV digest 2026-01-21")
    assert len(entries) == 2


def test_index_lists_days_newest_first() -> None:
    page = render_index("cs.CV", [(date(2026, 1, 20), 2), (DAY, 5)])
    assert page.index("2026-01-21.html") < page.index("2026-01-20.html")


def test_json_export_round_trips() -> None:
    p = paper(1)
    data = json.loads(export_json(DigestView(DAY, "cs.CV", [p], {p.versioned_id: analysis(p)}, "s", "zh")))
    assert data["digest_date"] == "2026-01-21" and data["papers"][0]["analysis"]["kind"] == "method"


def test_atomic_write_replaces_cleanly_and_leaves_no_temp(tmp_path: Path) -> None:
    target = output_path(tmp_path, "cs.CV", DAY)
    write_atomically(target, "one")
    write_atomically(target, "two")
    assert target.read_text() == "two"
    assert [f.name for f in target.parent.iterdir()] == ["2026-01-21.md"]


def test_output_paths_never_leave_the_out_dir(tmp_path: Path) -> None:
    path = output_path(tmp_path, "../../etc", DAY)
    assert tmp_path in path.resolve().parents


def test_a_day_is_completed_only_when_every_paper_got_its_full_treatment() -> None:
    whole = {"papers": 4, "pdf_failed": 0, "fallbacks": 0, "withheld": 0, "missing_analyses": 0,
             "abstract_analyses": 1, "no_model": 4}  # a scanned PDF's abstract analysis, no model configured
    assert day_status(whole) == "completed" and describe_shortfall(whole) == ""
    short = {**whole, "pdf_failed": 1, "fallbacks": 2, "withheld": 1}
    assert day_status(short) == "partial"
    assert describe_shortfall(short) == "1 PDF failed, 2 analysis fallback, 1 withheld"
    assert day_status({**whole, "missing_analyses": 1}) == "partial"
    page = artifact_markdown(DAY, "cs.CV", short, "summary", Path("/out/2026-01-21.md"))
    assert "Status: **partial**: 1 PDF failed, 2 analysis fallback, 1 withheld." in page
    assert "Status: **completed**." in artifact_markdown(DAY, "cs.CV", whole, "s", Path("/out/x.md"))


def test_artifact_keys_are_valid() -> None:
    assert artifact_key("cs.CV", DAY) == "digest-cs-cv-2026-01-21"


def test_listings_written_at_once_by_several_publishers_lose_no_day(tmp_path: Path) -> None:
    """Workers publishing different days share the index and feed; the manifest lock keeps every day."""
    import threading

    from arxiv_digest.publish.listings import read_manifest, write_day_listings
    from arxiv_digest.settings import load_settings
    from arxiv_digest.steps.publish import publish_options

    class EmptyStore:  # under the per-day layout, a run's store knows only its own day
        def published_days(self, category: str) -> list[PublishedDay]:
            return []

        def summary(self, day: date, category: str, language: str) -> None:
            return None

    settings = load_settings(environ={}, data_dir=str(tmp_path))
    days = [date(2026, 1, d) for d in range(1, 25)]
    barrier = threading.Barrier(len(days))

    def publish(day: date) -> None:
        barrier.wait()
        write_day_listings(publish_options(settings), EmptyStore(), "cs.CV", day, day.day, f"summary {day}")

    threads = [threading.Thread(target=publish, args=(d,)) for d in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    folder = tmp_path / "out" / "cs.CV"
    manifest = read_manifest(folder)
    assert manifest is not None and sorted(manifest) == [d.isoformat() for d in days]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert all(d.isoformat() in index for d in days)
    assert (folder / "feed.atom").read_text(encoding="utf-8").count("<entry>") == len(days)
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_late_papers_and_cross_lists_are_labelled_in_markdown_html_and_json() -> None:
    on_time, held = paper(1), paper(2, title="Held")
    cross = Paper(
        "2601.00003",
        1,
        "Cross",
        ("Cy",),
        ("cs.RO", "cs.CV"),
        "cs.RO",
        on_time.published,
        on_time.published,
        "We propose Z.",
    )
    papers = [on_time, cross, held]
    analyses = {p.versioned_id: analysis(p) for p in papers}
    late = {"2601.00002"}
    text = render_markdown(DigestView(DAY, "cs.CV", papers, analyses, "s", "en", late=late))
    assert "**Published:** 2026-01-20 (late: announced after its submission window)" in text
    assert "**Categories:** cs.RO, cs.CV (cross-list from cs.RO)" in text
    assert text.count("(late:") == 1 and text.count("(cross-list") == 1
    page = render_html(DigestView(DAY, "cs.CV", papers, analyses, "s", "zh", late=late))
    assert "(late: 迟于其提交窗口的公告出现)" in page and "(cross-list: 交叉列出，主类别 cs.RO)" in page
    data = json.loads(export_json(DigestView(DAY, "cs.CV", papers, analyses, "s", "zh", late=late)))
    assert [(p["late"], p["cross_list"]) for p in data["papers"]] == [(False, False), (False, True), (True, False)]


def test_urls_in_abstracts_and_analyses_are_links_in_the_html_only_http_and_escaped() -> None:
    p = paper(1, abstract='Code is available at https://github.com/lab/tool. See also javascript:alert(1) and '
                          'http://x.example/a?b=1&c=2"><script>alert(2)</script>.')
    a = analysis(p, content="论文给出的代码链接: https://github.com/lab/tool ，以及 `https://in.code/x`")
    page = render_html(DigestView(DAY, "cs.CV", [p], {p.versioned_id: a}, "s", "zh"))
    assert page.count('<a href="https://github.com/lab/tool">https://github.com/lab/tool</a>') == 2
    assert '<a href="http://x.example/a?b=1&amp;c=2">' in page, "the quote ends the URL; & is escaped"
    assert "<script>" not in page and 'href="javascript' not in page.lower()
    assert "<code>https://in.code/x</code>" in page, "code stays code"


def test_the_sample_day_says_its_papers_are_invented_in_every_format() -> None:
    p = paper(1)
    view = DigestView(DAY, "cs.CV", [p], {p.versioned_id: analysis(p)}, "s", "en", sample=True)
    notice = wording_for("en").sample_notice
    assert notice in render_markdown(view) and notice in html.unescape(render_html(view))
    assert json.loads(export_json(view))["sample"] is True
    real = DigestView(DAY, "cs.CV", [p], {p.versioned_id: analysis(p)}, "s", "en")
    assert notice not in render_markdown(real) and json.loads(export_json(real))["sample"] is False
    assert "(offline sample)" in render_index("cs.CV", [(DAY, 1)], label="offline sample")
    assert "[offline sample]" in render_atom("cs.CV", [(DAY, 1, "s")], datetime(2026, 1, 21, tzinfo=UTC),
                                            label="offline sample")
