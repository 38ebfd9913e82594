"""Step 7: write the day's digest files and listings, and close its run record with the counts."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from arxiv_digest.publish.feeds import export_json
from arxiv_digest.publish.html import render_html
from arxiv_digest.publish.listings import output_path, write_atomically, write_day_listings
from arxiv_digest.publish.markdown import render_markdown
from arxiv_digest.publish.view import DigestView, PublishedFigure
from arxiv_digest.runtime import Runtime
from arxiv_digest.settings import Settings
from schemas.records import Analysis, Figure, Paper, RunStatus, Status

log = logging.getLogger(__name__)


def day_counts(store: Any, digest_day: date, category: str, papers: Sequence[Paper],
               analyses: dict[str, Analysis]) -> dict[str, int]:
    pdfs = [store.pdf(p.arxiv_id, p.version) for p in papers]
    quality = store.quality_results(digest_day, category)
    analyzers = [a.analyzer for a in analyses.values()]
    return {
        "papers": len(papers),
        "pdf_ok": sum(1 for pdf in pdfs if pdf is not None and pdf.status == Status.OK),
        "pdf_failed": sum(1 for pdf in pdfs if pdf is not None and pdf.status == Status.FAILED),
        "method_analyses": sum(1 for a in analyses.values() if a.kind == "method"),
        "abstract_analyses": sum(1 for a in analyses.values() if a.kind == "abstract"),
        "withheld": sum(1 for a in analyses.values() if a.kind == Status.WITHHELD),
        "missing_analyses": len(papers) - len(analyses),
        # Who wrote each analysis, apart from its kind: the model, the extractive fallback after a configured
        # model's answers were rejected or its calls failed, or the extractive analyzer with no model at all.
        "model_answers": sum(1 for a in analyzers if a.startswith("llm:")),
        "fallbacks": sum(1 for a in analyzers if a == "extractive-fallback"),
        "no_model": sum(1 for a in analyzers if a == "extractive"),
        "quality_blocking_failed": sum(1 for r in quality if not r.passed and r.severity == "blocking"),
        "quality_warnings": sum(1 for r in quality if not r.passed and r.severity == "warning"),
    }


def artifact_key(category: str, digest_day: date) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]", "-", f"digest-{category.lower()}-{digest_day.isoformat()}")


def artifact_markdown(digest_day: date, category: str, counts: dict[str, int], summary: str, path: Path) -> str:
    rows = "\n".join(f"| {key.replace('_', ' ')} | {value} |" for key, value in counts.items())
    return (
        f"# {category} digest {digest_day.isoformat()}\n\nWritten to `{path}`.\n\n| count | value |\n|---|---|\n"
        f"{rows}\n\n## Executive Summary\n\n{summary}"
    )


FIGURES_FOLDER = "figures"  # beside the day's files: out/<category>/figures/<sha256>.<ext>


def stored_figures(store: Any, settings: Settings, digest_day: date, category: str) -> dict[str, Figure]:
    """The day's teaser figures whose image files are there, by versioned id (none when figures are off)."""
    if not settings.teaser_figures:
        return {}
    found = store.digest_figures(digest_day, category)
    return {vid: f for vid, f in found.items() if f.path and Path(f.path).is_file()}


def published_figure(figure: Figure) -> PublishedFigure:
    return PublishedFigure(src=f"{FIGURES_FOLDER}/{Path(figure.path or '').name}", caption=figure.caption,
                           number=figure.number or 0, page=figure.page or 0, width=figure.width or 0,
                           height=figure.height or 0)


def copy_figures(figures: dict[str, Figure], folder: Path) -> int:
    """Put each figure's image beside the digest (same name: its content hash); returns how many were written."""
    written = 0
    for figure in figures.values():
        source = Path(figure.path or "")
        target = folder / source.name
        if target.is_file() and target.stat().st_size == source.stat().st_size:
            continue  # same name, same size: the same content (the name is its hash)
        write_atomically(target, source.read_bytes())
        written += 1
    return written


def digest_view(store: Any, settings: Settings, digest_day: date, category: str) -> DigestView:
    """The digest as stored: papers, analyses, summary, which steps failed per paper, which papers are late."""
    stored_summary = store.summary(digest_day, category, settings.language)
    failures = {
        f"{s['arxiv_id']}v{s['version']}": f"{s['step']}: {s['detail']}"
        for s in store.paper_steps(digest_day, category)
        if s["status"] == Status.FAILED
    }
    return DigestView(
        digest_day=digest_day,
        category=category,
        papers=store.digest_papers(digest_day, category),
        analyses=store.digest_analyses(digest_day, category),
        summary=stored_summary.content if stored_summary else "",
        language=settings.language,
        abs_url=settings.arxiv_abs_url.rstrip("/"),
        pdf_url=settings.arxiv_pdf_url.rstrip("/"),
        failures=failures,
        late=store.late_papers(digest_day, category),
        figures={vid: published_figure(f) for vid, f in stored_figures(store, settings, digest_day, category).items()},
        markdown_figures=settings.markdown_figures,
    )


@dataclass(frozen=True)
class PublishedDay:
    path: Path  # the Markdown digest
    counts: dict[str, int]
    step_seconds: dict[str, float]
    summary: str

    def as_result(self) -> dict[str, Any]:
        return {"path": str(self.path), "counts": self.counts, "step_seconds": self.step_seconds}


def publish_day(runtime: Runtime, digest_day: date, category: str,
                step_seconds: dict[str, float] | None = None) -> PublishedDay:
    """Render the day (Markdown, HTML, JSON), record each file, update the listings, finish the run record."""
    settings = runtime.settings
    store = runtime.store()
    view = digest_view(store, settings, digest_day, category)
    path = output_path(settings.out_dir, category, digest_day)
    copy_figures(stored_figures(store, settings, digest_day, category), path.parent / FIGURES_FOLDER)
    outputs = {
        "markdown": (path, render_markdown(view)),
        "html": (output_path(settings.out_dir, category, digest_day, "html"), render_html(view)),
        "json": (output_path(settings.out_dir, category, digest_day, "json"), export_json(view)),
    }
    count = len(view.papers)
    for fmt, (target, content) in outputs.items():
        store.record_publication(digest_day, category, fmt, target, write_atomically(target, content), count)
    write_day_listings(settings, store, category, digest_day, count, view.summary)
    counts = day_counts(store, digest_day, category, view.papers, view.analyses)
    timings = step_seconds or {}
    store.finish_run(digest_day, category, RunStatus.COMPLETED, counts, timings)
    log.info("published %s (%d papers)", path, count)
    return PublishedDay(path, counts, timings, view.summary)
