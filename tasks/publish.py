"""Step 7: render the digest in the seed's structure and write it atomically to data/out/<category>/<date>.md."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import html
import json
import logging
import os
import re
import tempfile
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.settings import Settings
from schemas.records import Analysis, Paper
from tasks.summarize import category_name

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_LINK = re.compile(r"\]\(\s*(javascript|data|vbscript|file):", re.IGNORECASE)
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]#|])")
_TOP_HEADING = re.compile(r"^ {0,3}#{1,2}(?=\s)", re.MULTILINE)

WITHHELD_PREFIX = "> Analysis withheld:"
UNAVAILABLE = {
    "zh": "> Analysis unavailable: 该论文的分析步骤失败（{reason}），请运行 `arxiv-digest rerun --failed`。",
    "en": "> Analysis unavailable: the analysis step failed for this paper ({reason}); "
    "run `arxiv-digest rerun --failed`.",
}


def strip_controls(text: str) -> str:
    """Drop control characters and bidirectional overrides that could disguise text."""
    return _CONTROL.sub("", text)


def md_inline(text: str) -> str:
    """Text from arXiv placed inline (titles, authors): markdown and HTML have no effect."""
    flat = " ".join(strip_controls(text).split())
    # Entities, not backslashes, for angle brackets: every renderer shows them as text.
    return _INLINE_SPECIALS.sub(r"\\\1", flat).replace("<", "&lt;").replace(">", "&gt;")


def md_block(text: str) -> str:
    """A block of markdown we or a model wrote: kept as markdown, but no raw HTML and no script links."""
    cleaned = strip_controls(text).replace("<", "&lt;")
    # Level-1/2 headings belong to the digest's own structure (the paper entries): demote them.
    cleaned = _TOP_HEADING.sub("###", cleaned).replace("![", "!\\[")
    return _UNSAFE_LINK.sub("](#blocked:", cleaned).strip()


def md_plain_block(text: str) -> str:
    """A block of text from arXiv (abstracts): one paragraph, no markup."""
    flat = md_inline(text)
    return re.sub(r"^([>+-]|\d+\.)", r"\\\1", flat)


@dataclass(frozen=True)
class EntryAnalysis:
    """What a paper's entry shows under Analysis, whatever the output format."""

    state: str  # analysis | withheld | unavailable
    text: str  # the analysis, the withholding notice, or why none is available
    findings: tuple[str, ...]


def entry_analysis(versioned_id: str, analyses: dict[str, Analysis], failures: dict[str, str]) -> EntryAnalysis:
    analysis = analyses.get(versioned_id)
    if analysis is None:
        return EntryAnalysis("unavailable", failures.get(versioned_id, "no analysis stored"), ())
    if analysis.kind == "withheld":
        return EntryAnalysis("withheld", analysis.notice or "it failed the quality checks", analysis.key_findings)
    return EntryAnalysis("analysis", analysis.content, analysis.key_findings)


def late_note(paper: Paper, late: Collection[str], language: str) -> str:
    """Beside the date of a paper that arrived after its own announcement (held by moderation, API lag)."""
    if paper.arxiv_id not in late:
        return ""
    return "(late: 迟于其提交窗口的公告出现)" if language == "zh" else "(late: announced after its submission window)"


def cross_list_note(paper: Paper, category: str, language: str) -> str:
    if paper.primary_category == category:
        return ""
    return (f"(cross-list: 交叉列出，主类别 {paper.primary_category})" if language == "zh"
            else f"(cross-list from {paper.primary_category})")


def _spaced(note: str) -> str:
    return f" {note}" if note else ""


def anchor(paper: Paper) -> str:
    return paper.versioned_id


def render_markdown(
    digest_day: date,
    category: str,
    papers: Sequence[Paper],
    analyses: dict[str, Analysis],
    summary: str,
    language: str,
    abs_url: str = "https://arxiv.org/abs",
    pdf_url: str = "https://arxiv.org/pdf",
    failures: dict[str, str] | None = None,
    late: Collection[str] = (),
) -> str:
    failures = failures or {}
    out: list[str] = [
        f"Time: {digest_day.strftime('%Y%m%d')}",
        "",
        f"# Arxiv {category_name(category)} Papers - {digest_day.isoformat()}",
        "",
        "## Executive Summary",
        "",
        md_block(summary),
        "",
        "---",
        "",
        "## Table of Contents",
        "",
    ]
    if papers:
        out += [f"{i}. [{md_inline(p.title)}](#{anchor(p)})" for i, p in enumerate(papers, start=1)]
    else:
        out.append("No papers for this day." if language == "en" else "本期没有论文。")
    out += ["", "---", "", "## Papers", ""]
    for paper in papers:
        vid = paper.versioned_id
        out += [
            f"<a id='{anchor(paper)}'></a>",
            f"## [{md_inline(paper.title)}]({abs_url}/{vid})",
            "",
            f"**Authors:** {md_inline(', '.join(paper.authors))}",
            "",
            f"**Published:** {paper.published.date().isoformat()}"
            f"{_spaced(md_inline(late_note(paper, late, language)))}",
            "",
            f"**Categories:** {md_inline(', '.join(paper.categories))}"
            f"{_spaced(md_inline(cross_list_note(paper, category, language)))}",
            "",
            "**Abstract:**",
            "",
            md_plain_block(paper.abstract),
            "",
            "**Analysis:**",
            "",
        ]
        entry = entry_analysis(vid, analyses, failures)
        if entry.state == "unavailable":
            out.append(UNAVAILABLE[language].format(reason=md_inline(entry.text)))
        elif entry.state == "withheld":
            out.append(f"{WITHHELD_PREFIX} {md_inline(entry.text)}")
        else:
            out.append(md_block(entry.text))
        out += ["", "**Key Findings:**", ""]
        out += [f"- {md_plain_block(f)}" for f in entry.findings] or ["- " + ("（摘要中没有可摘录的结论句。）"
                                                                  if language == "zh" else
                                                                  "(No result sentence in the abstract.)")]
        out += [
            "",
            "**Links:**",
            "",
            f"- [PDF]({pdf_url}/{vid})",
            f"- [arXiv]({abs_url}/{vid})",
            "",
            "---",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def write_atomically(path: Path, content: str | bytes) -> str:
    """Write through a temp file in the same directory and rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return hashlib.sha256(data).hexdigest()


def output_path(out_dir: Path, category: str, digest_day: date, suffix: str = "md") -> Path:
    safe_category = re.sub(r"[^A-Za-z0-9.-]", "_", category)
    return out_dir / safe_category / f"{digest_day.isoformat()}.{suffix}"


def step_seconds_from_prefect(flow_run_id: str | None) -> dict[str, float]:
    """Seconds spent per step in this flow run, summed over its task runs, as Prefect recorded them."""
    if not flow_run_id:
        return {}
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    seconds: dict[str, float] = {}
    for run in runs:
        step = run.name.split("-", 1)[0]
        seconds[step] = round(seconds.get(step, 0.0) + run.total_run_time.total_seconds(), 3)
    return seconds


def day_counts(store: Any, digest_day: date, category: str, papers: Sequence[Paper],
               analyses: dict[str, Analysis]) -> dict[str, int]:
    pdfs = [store.pdf(p.arxiv_id, p.version) for p in papers]
    quality = store.quality_results(digest_day, category)
    analyzers = [a.analyzer for a in analyses.values()]
    return {
        "papers": len(papers),
        "pdf_ok": sum(1 for pdf in pdfs if pdf is not None and pdf.status == "ok"),
        "pdf_failed": sum(1 for pdf in pdfs if pdf is not None and pdf.status == "failed"),
        "method_analyses": sum(1 for a in analyses.values() if a.kind == "method"),
        "abstract_analyses": sum(1 for a in analyses.values() if a.kind == "abstract"),
        "withheld": sum(1 for a in analyses.values() if a.kind == "withheld"),
        "missing_analyses": len(papers) - len(analyses),
        # Who wrote each analysis, apart from its kind: the model, the extractive fallback after a configured
        # model's answers were rejected or its calls failed, or the extractive analyzer with no model at all.
        "model_answers": sum(1 for a in analyzers if a.startswith("llm:")),
        "fallbacks": sum(1 for a in analyzers if a == "extractive-fallback"),
        "no_model": sum(1 for a in analyzers if a == "extractive"),
        "quality_blocking_failed": sum(1 for r in quality if not r.passed and r.severity == "blocking"),
        "quality_warnings": sum(1 for r in quality if not r.passed and r.severity == "warning"),
    }


HTML_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;max-width:56rem;margin:2rem auto;
padding:0 1rem;line-height:1.6;color:#1b1b1b}
nav.toc li{margin:.2rem 0} article{border-top:1px solid #ddd;padding-top:1rem;margin-top:2rem}
.meta{color:#555;font-size:.95rem} .notice{background:#fff4e5;border-left:4px solid #f0a020;padding:.5rem 1rem}
blockquote{border-left:3px solid #ccc;margin-left:0;padding-left:1rem;color:#333} code{background:#f5f5f5}
"""


def _markdown_to_html(text: str) -> str:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in a model's or arXiv's text is shown as text; markdown-it also refuses
    # javascript:, vbscript:, file: and most data: links.
    # Images are off: a digest never embeds remote pictures (they would load, and track, on opening).
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("image").render(strip_controls(text))


def _html_page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title><style>{HTML_STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def render_html(
    digest_day: date,
    category: str,
    papers: Sequence[Paper],
    analyses: dict[str, Analysis],
    summary: str,
    language: str,
    abs_url: str = "https://arxiv.org/abs",
    pdf_url: str = "https://arxiv.org/pdf",
    failures: dict[str, str] | None = None,
    late: Collection[str] = (),
) -> str:
    """The day's digest as one HTML page; every table-of-contents link points at an element id on the page."""
    failures = failures or {}
    esc = html.escape
    title = f"Arxiv {category_name(category)} Papers - {digest_day.isoformat()}"
    parts = [
        f"<p class=\"meta\">Time: {digest_day.strftime('%Y%m%d')} · <a href=\"index.html\">all days</a></p>",
        f"<h1>{esc(title)}</h1>",
        "<section id=\"summary\"><h2>Executive Summary</h2>",
        _markdown_to_html(summary),
        "</section>",
        "<nav class=\"toc\" id=\"toc\"><h2>Table of Contents</h2><ol>",
    ]
    parts += [f"<li><a href=\"#{esc(anchor(p))}\">{esc(strip_controls(p.title))}</a></li>" for p in papers]
    parts.append("</ol>" + ("" if papers else "<p>No papers for this day.</p>") + "</nav>")
    for paper in papers:
        vid = paper.versioned_id
        parts += [
            f"<article id=\"{esc(anchor(paper))}\">",
            f"<h2><a href=\"{esc(abs_url)}/{esc(vid)}\">{esc(strip_controls(paper.title))}</a></h2>",
            f"<p class=\"meta\"><b>Authors:</b> {esc(strip_controls(', '.join(paper.authors)))}<br>"
            f"<b>Published:</b> {paper.published.date().isoformat()}{_spaced(esc(late_note(paper, late, language)))}"
            f"<br><b>Categories:</b> {esc(', '.join(paper.categories))}"
            f"{_spaced(esc(cross_list_note(paper, category, language)))}</p>",
            "<h3>Abstract</h3>",
            f"<p>{esc(' '.join(strip_controls(paper.abstract).split()))}</p>",
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
            " · <a href=\"#toc\">back to contents</a></p></article>"
        )
    return _html_page(title, "\n".join(parts))


def render_index(category: str, days: Sequence[tuple[date, int]]) -> str:
    """The list of published days, newest first, each linking to its page."""
    items = "".join(
        f"<li><a href=\"{d.isoformat()}.html\">{d.isoformat()}</a> ({n} papers)</li>"
        for d, n in sorted(days, reverse=True)
    )
    title = f"Arxiv {category_name(category)} digests"
    return _html_page(title, f"<h1>{html.escape(title)}</h1><ul>{items or '<li>No digest yet.</li>'}</ul>")


def render_atom(category: str, entries: Sequence[tuple[date, int, str]], updated: datetime,
                site_id: str = "urn:arxiv-digest") -> str:
    """An Atom feed of digests: one entry per day, its content the day's executive summary."""
    esc = html.escape
    title = f"Arxiv {category_name(category)} digests"
    items = []
    for day, count, summary in sorted(entries, reverse=True):
        items.append(
            "<entry>"
            f"<id>{esc(site_id)}:{esc(category)}:{day.isoformat()}</id>"
            f"<title>{esc(category)} digest {day.isoformat()} ({count} papers)</title>"
            f"<updated>{day.isoformat()}T00:00:00Z</updated>"
            f"<link rel=\"alternate\" type=\"text/html\" href=\"{day.isoformat()}.html\"/>"
            f"<content type=\"html\">{esc(_markdown_to_html(summary))}</content>"
            "</entry>"
        )
    return (
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        f"<id>{esc(site_id)}:{esc(category)}</id><title>{esc(title)}</title>"
        f"<updated>{updated.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"
        "<author><name>arxiv-digest</name></author>"
        f"<link rel=\"self\" href=\"feed.atom\"/>{''.join(items)}</feed>\n"
    )


def export_json(
    digest_day: date, category: str, papers: Sequence[Paper], analyses: dict[str, Analysis], summary: str,
    late: Collection[str] = (),
) -> str:
    """The day as data, for other tools."""
    records = []
    for paper in papers:
        analysis = analyses.get(paper.versioned_id)
        records.append(
            {
                "id": paper.versioned_id,
                "arxiv_id": paper.arxiv_id,
                "version": paper.version,
                "title": paper.title,
                "authors": list(paper.authors),
                "categories": list(paper.categories),
                "primary_category": paper.primary_category,
                "published": paper.published.isoformat(),
                "cross_list": paper.primary_category != category,
                "late": paper.arxiv_id in late,
                "abstract": paper.abstract,
                "analysis": None if analysis is None else {
                    "kind": analysis.kind,
                    "analyzer": analysis.analyzer,
                    "language": analysis.language,
                    "content": analysis.content if analysis.kind != "withheld" else "",
                    "notice": analysis.notice,
                },
                "key_findings": list(analysis.key_findings) if analysis else [],
            }
        )
    payload = {"digest_date": digest_day.isoformat(), "category": category, "summary": summary, "papers": records}
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def artifact_key(category: str, digest_day: date) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]", "-", f"digest-{category.lower()}-{digest_day.isoformat()}")


def artifact_markdown(digest_day: date, category: str, counts: dict[str, int], summary: str, path: Path) -> str:
    rows = "\n".join(f"| {key.replace('_', ' ')} | {value} |" for key, value in counts.items())
    return (
        f"# {category} digest {digest_day.isoformat()}\n\nWritten to `{path}`.\n\n| count | value |\n|---|---|\n"
        f"{rows}\n\n## Executive Summary\n\n{summary}"
    )


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="publish", task_run_name="publish-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def publish_task(settings: Settings, digest_day: date, category: str) -> dict[str, Any]:
    from prefect.runtime import flow_run

    from arxiv_digest.store import open_store

    store = open_store(settings.db_path)
    papers = store.digest_papers(digest_day, category)
    analyses = store.digest_analyses(digest_day, category)
    stored_summary = store.summary(digest_day, category, settings.language)
    summary = stored_summary[0] if stored_summary else ""
    failures = {
        f"{s['arxiv_id']}v{s['version']}": f"{s['step']}: {s['detail']}"
        for s in store.paper_steps(digest_day, category)
        if s["status"] == "failed"
    }
    late = store.late_papers(digest_day, category)
    markdown = render_markdown(
        digest_day, category, papers, analyses, summary, settings.language,
        abs_url=settings.arxiv_abs_url.rstrip("/"), pdf_url=settings.arxiv_pdf_url.rstrip("/"), failures=failures,
        late=late,
    )
    path = output_path(settings.out_dir, category, digest_day)
    page = render_html(
        digest_day, category, papers, analyses, summary, settings.language,
        abs_url=settings.arxiv_abs_url.rstrip("/"), pdf_url=settings.arxiv_pdf_url.rstrip("/"), failures=failures,
        late=late,
    )
    outputs = {
        "markdown": (path, markdown),
        "html": (output_path(settings.out_dir, category, digest_day, "html"), page),
        "json": (output_path(settings.out_dir, category, digest_day, "json"),
                 export_json(digest_day, category, papers, analyses, summary, late)),
    }
    for fmt, (target, content) in outputs.items():
        store.record_publication(digest_day, category, fmt, target, write_atomically(target, content), len(papers))
    _write_day_listings(settings, store, category, digest_day, len(papers), summary)
    counts = day_counts(store, digest_day, category, papers, analyses)
    timings = step_seconds_from_prefect(str(flow_run.id) if flow_run.id else None)
    store.finish_run(digest_day, category, "completed", counts, timings)
    if flow_run.id:
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(
            key=artifact_key(category, digest_day),
            markdown=artifact_markdown(digest_day, category, counts, summary, path),
            description=f"{category} digest of {digest_day.isoformat()}",
        )
    log.info("published %s (%d papers)", path, len(papers))
    return {"path": str(path), "counts": counts, "step_seconds": timings}


MANIFEST = "days.json"


@contextlib.contextmanager
def listing_lock(folder: Path) -> Iterator[None]:
    """Runs of different days (several workers) publish at once; their listings must not lose each other."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".listing.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(folder: Path) -> dict[str, dict[str, Any]] | None:
    """Every published day of the category: {"YYYY-MM-DD": {"papers": n, "summary": text}}; None if absent."""
    try:
        loaded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s (%s); rebuilding it from the store", folder / MANIFEST, exc)
        return None
    days = loaded.get("days") if isinstance(loaded, dict) else None
    return days if isinstance(days, dict) else None


def record_day(
    manifest: dict[str, dict[str, Any]], digest_day: date, papers: int, summary: str
) -> list[tuple[date, int, str]]:
    """Add or replace one day; returns every day, oldest first."""
    manifest[digest_day.isoformat()] = {"papers": papers, "summary": summary}
    return sorted((date.fromisoformat(day), int(entry.get("papers", 0)), str(entry.get("summary", "")))
                  for day, entry in manifest.items())


def _write_day_listings(
    settings: Settings, store: Any, category: str, digest_day: date, papers: int, summary: str
) -> None:
    """The index page and the Atom feed over every published day of the category.

    The days come from a manifest beside the pages rather than from the store: under the per-day layout
    the other days live in other files, possibly held by other workers.
    """
    folder = settings.out_dir / category
    with listing_lock(folder):
        manifest = read_manifest(folder)
        if manifest is None:  # first publication here (or an older data dir): start from what the store knows
            manifest = {}
            for day, count in store.published_days(category):
                stored = store.summary(day, category, settings.language)
                manifest[day.isoformat()] = {"papers": count, "summary": stored[0] if stored else ""}
        days = record_day(manifest, digest_day, papers, summary)
        write_atomically(folder / MANIFEST, json.dumps({"category": category, "days": manifest},
                                                       ensure_ascii=False, indent=1, sort_keys=True))
        write_atomically(folder / "index.html", render_index(category, [(d, n) for d, n, _ in days]))
        write_atomically(folder / "feed.atom", render_atom(category, days[-60:], datetime.now(UTC)))
