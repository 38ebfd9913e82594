"""The HTML page of a digest: the markdown rendered to safe HTML with one embedded stylesheet."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from arxiv_digest.analysis.summary import category_name
from arxiv_digest.publish.markdown import (
    REVISED_HEADING,
    _spaced,
    anchor,
    cross_list_note,
    entry_analysis,
    late_note,
    revised_parts,
    strip_controls,
    toc_score,
)
from arxiv_digest.publish.view import DigestView, PublishedFigure
from arxiv_digest.wording import wording_for

log = logging.getLogger(__name__)


# Latin text first in the system's UI face; then, for the Chinese it lacks, the CJK faces that ship with macOS,
# Windows and the common Linux distributions (Debian/Ubuntu's fonts-noto-cjk, Fedora's google-noto-sans-cjk,
# Arch's noto-fonts-cjk, WenQuanYi, Android's Droid fallback). A browser falls back per character, so a page
# renders Chinese whenever any one of these is installed.
LATIN_FONTS = ("system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial")
CJK_FONTS = (
    "PingFang SC", "Hiragino Sans GB", "Heiti SC",  # macOS
    "Microsoft YaHei", "DengXian", "SimHei",  # Windows
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Droid Sans Fallback",  # Linux
)


def font_stack() -> str:
    """The CSS font-family of the page: Latin faces, then the CJK faces, then the generic family."""
    return ",".join(f'"{name}"' if " " in name else name for name in (*LATIN_FONTS, *CJK_FONTS)) + ",sans-serif"


HTML_STYLE = """
body{font-family:FONT_STACK;max-width:56rem;margin:2rem auto;
padding:0 1rem;line-height:1.6;color:#1b1b1b}
nav.toc li{margin:.2rem 0} article{border-top:1px solid #ddd;padding-top:1rem;margin-top:2rem}
.meta{color:#555;font-size:.95rem} .notice{background:#fff4e5;border-left:4px solid #f0a020;padding:.5rem 1rem}
blockquote{border-left:3px solid #ccc;margin-left:0;padding-left:1rem;color:#333} code{background:#f5f5f5}
figure.teaser{margin:1rem 0} figure.teaser figcaption{font-size:.9rem;color:#444;margin-top:.4rem}
figure.teaser img{display:block;box-sizing:border-box;max-width:100%;height:auto;max-height:32rem;object-fit:contain;
border:1px solid #e5e5e5}
""".replace("FONT_STACK", font_stack())


# A bare http(s) URL in a text (an abstract's "Code is available at https://..."), without the punctuation that
# ends the sentence around it. Only http(s): nothing else becomes a link.
BARE_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]")


def linked_text(text: str) -> str:
    """Plain text as HTML: escaped, each bare http(s) URL a link (escaped in its href too)."""
    parts: list[str] = []
    position = 0
    for match in BARE_URL.finditer(text):
        url = html.escape(match.group(0))
        parts += [html.escape(text[position:match.start()]), f'<a href="{url}">{url}</a>']
        position = match.end()
    return "".join([*parts, html.escape(text[position:])])


def _link_bare_urls(state: Any) -> None:
    """markdown-it core rule: bare http(s) URLs in text (outside links and code) become links."""
    from markdown_it.token import Token

    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        inside_link = 0
        for token in block.children:
            inside_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "text" or inside_link or not BARE_URL.search(token.content):
                children.append(token)
                continue
            position = 0
            for match in BARE_URL.finditer(token.content):
                if match.start() > position:
                    children.append(Token("text", "", 0, content=token.content[position:match.start()]))
                children += [Token("link_open", "a", 1, attrs={"href": match.group(0)}),
                             Token("text", "", 0, content=match.group(0)), Token("link_close", "a", -1)]
                position = match.end()
            if position < len(token.content):
                children.append(Token("text", "", 0, content=token.content[position:]))
        block.children = children


def _markdown_to_html(text: str) -> str:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in a model's or arXiv's text is shown as text; markdown-it also refuses
    # javascript:, vbscript:, file: and most data: links.
    # Images are off: a digest never embeds remote pictures (they would load, and track, on opening).
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
    renderer.core.ruler.push("link_bare_urls", _link_bare_urls)
    return renderer.render(strip_controls(text))


def _html_page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title><style>{HTML_STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def _relevance_html(view: DigestView, versioned_id: str) -> str:
    relevance = view.relevance.get(versioned_id)
    if relevance is None:
        return ""
    return f"<br><b>Relevance:</b> {relevance.shown_score} — {html.escape(strip_controls(relevance.reason))}"


def teaser_html(figure: PublishedFigure, language: str) -> str:
    """The paper's teaser figure, lazy-loaded, with where it comes from and the paper's own caption."""
    esc = html.escape
    caption = " ".join(strip_controls(figure.caption).split())
    source = wording_for(language).figure_source.format(number=figure.number, page=figure.page)
    size = f" width=\"{figure.width}\" height=\"{figure.height}\"" if figure.width and figure.height else ""
    return (
        f"<figure class=\"teaser\"><img src=\"{esc(figure.src)}\" alt=\"{esc(caption[:300])}\" loading=\"lazy\""
        f" decoding=\"async\"{size}><figcaption><span class=\"meta\">{esc(source)}</span> {esc(caption)}</figcaption>"
        "</figure>"
    )


def _revised_html(view: DigestView) -> list[str]:
    """After the papers: each new version of a liked or saved paper, linked to that version; arXiv's comment is
    untrusted text, escaped."""
    if not view.revised:
        return []
    esc = html.escape
    items = []
    for paper in view.revised:
        parts = [esc(" ".join(strip_controls(part).split())) for part in revised_parts(paper, view.language) if part]
        items.append(f"<li><a href=\"{esc(view.abs_url)}/{esc(paper.versioned_id)}\">"
                     f"{esc(strip_controls(paper.title))}</a> — {' — '.join(parts)}</li>")
    return [f"<section id=\"revised\" class=\"revised\"><h2>{REVISED_HEADING}</h2>"
            f"<p class=\"meta\">{esc(wording_for(view.language).revised_lead)}</p><ul>{''.join(items)}</ul></section>"]


def render_html(view: DigestView) -> str:
    """The day's digest as one HTML page; every table-of-contents link points at an element id on the page."""
    digest_day, category, papers, analyses = view.digest_day, view.category, view.papers, view.analyses
    summary, language, abs_url, pdf_url = view.summary, view.language, view.abs_url, view.pdf_url
    failures, late = view.failures, view.late
    esc = html.escape
    title = f"Arxiv {category_name(category)} Papers - {digest_day.isoformat()}"
    parts = [
        f"<p class=\"meta\">Time: {digest_day.strftime('%Y%m%d')} · <a href=\"index.html\">all days</a></p>",
        f"<h1>{esc(title)}</h1>",
        *([f"<p class=\"notice sample\"><strong>{esc(wording_for(language).sample_notice)}</strong></p>"]
          if view.sample else []),
        "<section id=\"summary\"><h2>Executive Summary</h2>",
        _markdown_to_html(summary),
        "</section>",
        "<nav class=\"toc\" id=\"toc\"><h2>Table of Contents</h2><ol>",
    ]
    parts += [f"<li><a href=\"#{esc(anchor(p))}\">{esc(strip_controls(p.title))}</a>{esc(toc_score(view, p))}</li>"
              for p in papers]
    parts.append("</ol>" + ("" if papers else "<p>No papers for this day.</p>")
                 + (f"<p>{esc(view.cut_note)}</p>" if view.cut_note else "") + "</nav>")
    for paper in papers:
        vid = paper.versioned_id
        parts += [
            f"<article id=\"{esc(anchor(paper))}\">",
            f"<h2><a href=\"{esc(abs_url)}/{esc(vid)}\">{esc(strip_controls(paper.title))}</a></h2>",
            f"<p class=\"meta\"><b>Authors:</b> {esc(strip_controls(', '.join(paper.authors)))}<br>"
            f"<b>Published:</b> {paper.published.date().isoformat()}{_spaced(esc(late_note(paper, late, language)))}"
            f"<br><b>Categories:</b> {esc(', '.join(paper.categories))}"
            f"{_spaced(esc(cross_list_note(paper, category, language)))}{_relevance_html(view, vid)}</p>",
        ]
        if (figure := view.figures.get(vid)) is not None:
            parts.append(teaser_html(figure, language))
        parts += [
            "<h3>Abstract</h3>",
            f"<p>{linked_text(' '.join(strip_controls(paper.abstract).split()))}</p>",
            "<h3>Analysis</h3>",
        ]
        entry = entry_analysis(vid, analyses, failures)
        if entry.state == "analysis":
            parts.append(_markdown_to_html(entry.text))
        else:
            parts.append(f"<p class=\"notice\">Analysis {entry.state}: {esc(entry.text)}</p>")
        parts.append("<h3>Key Findings</h3><ul>")
        parts += [f"<li>{esc(strip_controls(f))}</li>" for f in entry.findings]
        parts.append("</ul>")
        parts.append(
            f"<p><a href=\"{esc(pdf_url)}/{esc(vid)}\">PDF</a> · <a href=\"{esc(abs_url)}/{esc(vid)}\">arXiv</a>"
            " · <a href=\"#toc\">back to contents</a></p>" + view.actions_html.get(vid, "") + "</article>"
        )
    parts += _revised_html(view)
    if view.coverage_line:
        parts.append(f"<footer class=\"coverage\"><p>{esc(view.coverage_line)}</p></footer>")
    return _html_page(title, "\n".join(parts))
