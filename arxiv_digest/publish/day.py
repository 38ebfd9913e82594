"""What the publish step writes: the day's view of the store, its files per profile, its counts and status."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import schemas.records as records_module
from arxiv_digest.catalog.coverage import COVERAGE_CHECK, coverage_line, coverage_record
from arxiv_digest.files import write_atomically
from arxiv_digest.interests.day import reason_line
from arxiv_digest.interests.ranking import PaperScore, above_min_score
from arxiv_digest.profiles import InterestProfile
from arxiv_digest.publish.feeds import export_json
from arxiv_digest.publish.html import render_html
from arxiv_digest.publish.listings import output_path
from arxiv_digest.publish.markdown import md_inline, render_markdown
from arxiv_digest.publish.view import DigestView, PublishedFigure, PublishOptions, Relevance
from arxiv_digest.store import Store
from arxiv_digest.wording import wording_for
from schemas.records import Analysis, AnalysisKind, Figure, Paper, RunStatus, Status

log = logging.getLogger(__name__)


def _pdf_counts(pdfs: Sequence[Any], steps: Sequence[Mapping[str, str]]) -> dict[str, int]:
    statuses = Counter(pdf.status for pdf in pdfs if pdf is not None)
    return {
        "pdf_ok": statuses[Status.OK],
        "pdf_failed": statuses[Status.FAILED],
        # Not downloaded on purpose: outside the reading budget, and no teaser figure wanted (figures_for).
        "pdf_skipped": sum(1 for s in steps if s.get("download") == Status.SKIPPED),
    }


def _analysis_counts(papers: Sequence[Paper], analyses: dict[str, Analysis]) -> dict[str, int]:
    kinds = Counter(a.kind for a in analyses.values())
    # Who wrote each analysis, apart from its kind: the model, the extractive fallback after a configured
    # model's answers were rejected or its calls failed, or the extractive analyzer with no model at all.
    writers = Counter("llm:" if a.analyzer.startswith("llm:") else a.analyzer for a in analyses.values())
    return {
        "method_analyses": kinds[AnalysisKind.METHOD],
        "abstract_analyses": kinds[AnalysisKind.ABSTRACT],
        "withheld": kinds[AnalysisKind.WITHHELD],
        "missing_analyses": len(papers) - len(analyses),
        "model_answers": writers["llm:"],
        "fallbacks": writers["extractive-fallback"],
        "no_model": writers["extractive"],
    }


def _quality_counts(results: Sequence[Any]) -> dict[str, int]:
    failed = [r for r in results if not r.passed]
    return {
        "quality_blocking_failed": sum(1 for r in failed if r.severity == "blocking"),
        "quality_warnings": sum(1 for r in failed if r.severity == "warning"),
        # Papers arXiv's own list of the announcement names that this digest does not hold (the coverage suite).
        "announced_missing": sum(1 for r in failed if r.check == COVERAGE_CHECK),
    }


def day_counts(store: Store, digest_day: date, category: str, papers: Sequence[Paper],
               analyses: dict[str, Analysis]) -> dict[str, int]:
    """The day's counts for its run record: papers, PDFs, analyses by kind and writer, quality failures."""
    pdfs = [store.pdf(p.arxiv_id, p.version) for p in papers]
    progress = store.day_progress(digest_day, category)
    steps = [found.steps if (found := progress.get(p.key)) else {} for p in papers]
    return {"papers": len(papers), **_pdf_counts(pdfs, steps), **_analysis_counts(papers, analyses),
            **_quality_counts(store.quality_results(digest_day, category))}


# What keeps a published day from being `completed`: each count names papers that did not get their full
# treatment. An abstract analysis of a scanned PDF is not one of them (there was no text to read), nor is the
# extractive analyzer when no model is configured (that is the treatment asked for).
SHORTFALL_COUNTS = (
    ("pdf_failed", "PDF failed"),
    ("fallbacks", "analysis fallback"),
    ("withheld", "withheld"),
    ("missing_analyses", "analysis missing"),
    ("announced_missing", "announced by arXiv, not here"),
)


def shortfall(counts: dict[str, int]) -> dict[str, int]:
    """The non-zero shortfall counts of a day, in SHORTFALL_COUNTS order."""
    return {key: counts[key] for key, _ in SHORTFALL_COUNTS if counts.get(key)}


def describe_shortfall(counts: dict[str, int]) -> str:
    """'1 PDF failed, 2 analysis fallback'; empty for a complete day."""
    labels = dict(SHORTFALL_COUNTS)
    return ", ".join(f"{n} {labels[key]}" for key, n in shortfall(counts).items())


def day_status(counts: dict[str, int]) -> RunStatus:
    """A published day is `completed` only when every paper got its full treatment, else `partial`."""
    return RunStatus.PARTIAL if shortfall(counts) else RunStatus.COMPLETED


def artifact_key(category: str, digest_day: date) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]", "-", f"digest-{category.lower()}-{digest_day.isoformat()}")


def artifact_markdown(digest_day: date, category: str, counts: dict[str, int], summary: str, path: Path) -> str:
    rows = "\n".join(f"| {key.replace('_', ' ')} | {value} |" for key, value in counts.items())
    missing = describe_shortfall(counts)
    status = f"**{day_status(counts)}**" + (f": {missing}" if missing else "")
    return (
        f"# {category} digest {digest_day.isoformat()}\n\nStatus: {status}.\n\nWritten to `{path}`.\n\n"
        f"| count | value |\n|---|---|\n{rows}\n\n## Executive Summary\n\n{summary}"
    )


FIGURES_FOLDER = "figures"  # beside the day's files: out/<category>/figures/<sha256>.<ext>


def stored_figures(store: Store, options: PublishOptions, digest_day: date, category: str) -> dict[str, Figure]:
    """The day's teaser figures whose image files are there, by versioned id (none when figures are off)."""
    if not options.wants_figures:
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


def digest_view(store: Store, options: PublishOptions, digest_day: date, category: str) -> DigestView:
    """The digest as stored: papers, analyses, summary, which steps failed per paper, which papers are late."""
    stored_summary = store.summary(digest_day, category, options.language)
    failures = {
        str(s.key): f"{s.step}: {s.detail}"
        for s in store.paper_steps(digest_day, category)
        if s.status == Status.FAILED
    }
    papers = store.digest_papers(digest_day, category)
    coverage = store.coverage(digest_day, category)
    return DigestView(
        digest_day=digest_day,
        category=category,
        papers=papers,
        analyses=store.digest_analyses(digest_day, category),
        summary=stored_summary.labelled() if stored_summary else "",
        language=options.language,
        abs_url=options.abs_url.rstrip("/"),
        pdf_url=options.pdf_url.rstrip("/"),
        failures=failures,
        late=store.late_papers(digest_day, category),
        figures={vid: published_figure(f) for vid, f in stored_figures(store, options, digest_day, category).items()},
        markdown_figures=options.markdown_figures,
        sample=options.sample,
        coverage_line=coverage_line(coverage, options.language, len(papers), options.include_cross_lists)
        if coverage else "",
        coverage=coverage_record(coverage) if coverage else None,
        revised=store.listed_revisions(category, digest_day),
    )


TOP_IN_SUMMARY = 5  # papers a profile's executive summary names first


def profile_summary(profile: str, ranked: Sequence[tuple[Paper, Relevance]], day_summary: str, language: str,
                    total: int) -> str:
    """A profile's executive summary: its best papers with their reasons first, then the day's own summary."""
    wording = wording_for(language)
    lines = [wording.profile_summary_lead.format(profile=profile, count=total, top=TOP_IN_SUMMARY), ""]
    lines += [wording.profile_top_line.format(rank=relevance.rank, title=md_inline(paper.title),
                                              score=relevance.shown_score, reason=md_inline(relevance.reason))
              for paper, relevance in ranked[:TOP_IN_SUMMARY]]
    if day_summary.strip():
        lines += ["", wording.profile_day_summary_heading, "", day_summary]
    return "\n".join(lines)


def profile_view(view: DigestView, profile: InterestProfile, scores: Sequence[PaperScore]) -> DigestView:
    """The day as one profile sees it: papers in score order with their reasons, those below min_score cut
    (and counted), the summary led by the best papers (then the day's summary, unless papers were cut). A paper
    the ranking does not know (it joined the day after the rank step) goes last rather than missing."""
    language = view.language
    kept, cut = above_min_score(scores, profile.min_score)
    by_id = {paper.versioned_id: paper for paper in view.papers}
    relevance = {s.versioned_id: Relevance(s.rank, s.score, reason_line(s, language))
                 for s in kept if s.versioned_id in by_id}
    ranked_ids = {s.versioned_id for s in scores}
    papers = [by_id[vid] for vid in relevance] + [p for p in view.papers if p.versioned_id not in ranked_ids]
    cut_note = wording_for(language).min_score_cut.format(cut=cut, min_score=f"{profile.min_score:g}") if cut else ""
    # The day's own summary names papers that min_score may have cut, which would then be named but not listed.
    summary = profile_summary(profile.name, [(by_id[vid], r) for vid, r in relevance.items()],
                              "" if cut else view.summary, language, len(view.papers))
    revised = [paper for paper in view.revised if any(hold.profile == profile.name for hold in paper.held_by)]
    return dataclasses.replace(view, papers=papers, summary=summary, profile=profile.name, relevance=relevance,
                               cut_note=cut_note, revised=revised)


def with_feedback_links(view: DigestView, links: dict[str, str] | None) -> DigestView:
    """The view with each paper's signed feedback links (escaped HTML by versioned id), when there are any."""
    return dataclasses.replace(view, actions_html=links) if links else view


@functools.cache
def _code_digest() -> str:
    """Every source file of the package and its records: a file rendered by other code is rendered again."""
    digest = hashlib.sha256()
    for root in (Path(__file__).parents[1], Path(records_module.__file__).parent):
        for source in sorted(root.rglob("*.py")):
            digest.update(source.relative_to(root).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def view_inputs(view: DigestView) -> str:
    """A digest of everything the renderers read (the view, in a canonical order) and of the code that renders."""
    content = json.dumps(dataclasses.asdict(view), sort_keys=True, default=_canonical, ensure_ascii=False)
    return hashlib.sha256(f"{_code_digest()}\n{content}".encode()).hexdigest()


def _unchanged(store: Store, view: DigestView, fmt: str, target: Path, inputs: str) -> bool:
    """The file this format would write is on disk as published from the same inputs: rendering it again would
    write the same bytes (the renderers are pure), so a rerun leaves it."""
    found = store.publication(view.digest_day, view.category, fmt)
    if found is None or found.inputs != inputs or found.path != str(target) or not target.is_file():
        return False
    return hashlib.sha256(target.read_bytes()).hexdigest() == found.sha256


def write_digest(store: Store, view: DigestView, out_dir: Path, profile: str = "") -> Path:
    """The view as Markdown, HTML and JSON (a profile's beside the day's: <date>.<profile>.md), each recorded;
    a file already published from the same view by the same code is left as it is."""
    stem = f"{profile}." if profile else ""
    renderers = {"markdown": ("md", render_markdown), "html": ("html", render_html), "json": ("json", export_json)}
    inputs = view_inputs(view)
    for fmt, (suffix, render) in renderers.items():
        target = output_path(out_dir, view.category, view.digest_day, stem + suffix)
        key = f"{fmt}:{profile}" if profile else fmt
        if _unchanged(store, view, key, target, inputs):
            continue
        store.record_publication(view.digest_day, view.category, key, target, write_atomically(target, render(view)),
                                 len(view.papers), inputs)
    return output_path(out_dir, view.category, view.digest_day, stem + "md")


@dataclass(frozen=True)
class PublishedDay:
    path: Path  # the Markdown digest
    counts: dict[str, int]
    step_seconds: dict[str, float]
    summary: str
    profile_paths: dict[str, Path] = dataclasses.field(default_factory=dict)  # each profile's Markdown digest
    coverage: str = ""  # the coverage cell: '120/120', '118/120, 2 missing', 'not verified'

    @property
    def status(self) -> RunStatus:
        return day_status(self.counts)

    def as_result(self) -> dict[str, Any]:
        result: dict[str, Any] = {"path": str(self.path), "counts": self.counts, "step_seconds": self.step_seconds,
                                  "status": str(self.status), "shortfall": describe_shortfall(self.counts),
                                  "coverage": self.coverage}
        if self.profile_paths:
            result["profiles"] = {name: str(path) for name, path in self.profile_paths.items()}
        return result
