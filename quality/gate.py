"""The quality gate between analysis and publish.

Blocking failures never reach the digest: a model-written analysis that fails is replaced by the extractive
one and checked again; one that still fails is withheld with a plain notice naming the reason.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from arxiv_digest.analysis.analyzer import fallback_analysis
from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL, extractive_analysis, gather_input
from arxiv_digest.analysis.summary import extractive_summary
from arxiv_digest.runtime import Runtime
from arxiv_digest.settings import Settings
from arxiv_digest.store import Store
from arxiv_digest.wording import wording_for
from quality.docs_site import clear_site, day_site, pool_dir, prune_sites, share_identical_files
from quality.suites import suite_inputs, validate
from schemas.records import Analysis, AnalysisKind, Paper, QualityResult, Status

log = logging.getLogger(__name__)

WITHHELD_MODEL = "withheld"


def blocking_by_paper(results: Sequence[QualityResult]) -> dict[str, list[QualityResult]]:
    """Failed blocking results of paper-level checks, keyed by arXiv id (without version)."""
    grouped: dict[str, list[QualityResult]] = defaultdict(list)
    for result in results:
        if not result.passed and result.severity == "blocking" and result.arxiv_id:
            grouped[result.arxiv_id].append(result)
    return dict(grouped)


def blocking_day_level(results: Sequence[QualityResult]) -> list[QualityResult]:
    """Failed blocking checks of the day as a whole (the executive summary, the table of contents)."""
    return [r for r in results if not r.passed and r.severity == "blocking" and not r.arxiv_id]


def safe_summary(digest_day: date, category: str, paper_count: int, language: str, reason: str) -> str:
    """The last resort when no summary passes: facts only, no claim that could be wrong."""
    return wording_for(language).safe_summary.format(day=digest_day.isoformat(), category=category,
                                                     count=paper_count, reason=reason)


def withheld(analysis: Analysis, failures: Sequence[QualityResult]) -> Analysis:
    reasons = "; ".join(sorted({f"{f.check} ({f.observed})" if f.observed else f.check for f in failures}))
    return replace(
        analysis,
        kind=AnalysisKind.WITHHELD,
        analyzer="quality-gate",
        content="",
        notice=f"it failed the quality checks: {reasons}",
        prompt_hash=f"withheld:{analysis.prompt_hash}",
    )


def _repair_summary(store: Store, settings: Settings, digest_day: date, category: str,
                    failures: Sequence[QualityResult]) -> None:
    """A failing model summary is replaced by the extractive one; a failing extractive one by facts only."""
    stored = store.summary(digest_day, category, settings.language)
    reason = "; ".join(sorted({f.check for f in failures}))
    papers = store.digest_papers(digest_day, category)
    if stored is not None and stored.model not in (EXTRACTIVE_MODEL, WITHHELD_MODEL):
        content = extractive_summary(digest_day, category, papers, store.digest_analyses(digest_day, category),
                                     settings.language)
        store.save_summary(digest_day, category, settings.language, f"repaired:{stored.fingerprint}", EXTRACTIVE_MODEL,
                           "extractive", content)
    else:
        content = safe_summary(digest_day, category, len(papers), settings.language, reason)
        store.save_summary(digest_day, category, settings.language, f"withheld:{reason}", WITHHELD_MODEL,
                           "quality-gate", content)
    log.warning("executive summary of %s %s replaced: %s", category, digest_day, reason)


# Rounds of repair and re-check: a repaired analysis is checked again, and what still fails is withheld.
REPAIR_ROUNDS = 3


def _repair_paper(store: Store, settings: Settings, digest_day: date, category: str, paper: Paper,
                  current: Analysis, failures: Sequence[QualityResult]) -> str:
    """A failing model analysis falls back to the extractive one; a failing extractive one is withheld."""
    if not current.analyzer.startswith("extractive"):  # extractive or its labelled fallback
        # The model's answer passed our validation but not the day's quality checks: say so.
        fallback = fallback_analysis(extractive_analysis(gather_input(store, paper), settings.language),
                                     current.analyzer.removeprefix("llm:"),
                                     "; ".join(f"{f.check}: quality check" for f in failures),
                                     settings.language, rejected=True)
        store.save_analysis(fallback, EXTRACTIVE_MODEL)
        store.set_digest_analysis(digest_day, category, fallback, EXTRACTIVE_MODEL)
        checks = "; ".join(f.check for f in failures)
        store.record_step(paper.arxiv_id, paper.version, "quality", Status.FALLBACK, checks)
        return "repaired"
    notice = withheld(current, failures)
    store.save_analysis(notice, WITHHELD_MODEL)
    store.set_digest_analysis(digest_day, category, notice, WITHHELD_MODEL)
    store.record_step(paper.arxiv_id, paper.version, "quality", Status.WITHHELD, notice.notice)
    return "withheld"


def _store_docs_compactly(settings: Settings, category: str, site: Path) -> None:
    shared = share_identical_files(site, pool_dir(settings.data_dir))
    removed = prune_sites(settings.data_dir, category, settings.quality_docs_keep_days)
    log.info("Data Docs at %s (%d files shared, %d kB saved); %d old site(s) removed", site / "index.html",
             shared.files, shared.bytes_saved // 1024, len(removed))


def run_quality_gate(runtime: Runtime, digest_day: date, category: str,
                     flow_run_id: str | None = None) -> dict[str, int]:
    """Step 6: check the day, repair or withhold what fails, check again; the counts of what happened.

    Results of unchanged inputs (the same fingerprint) are reused, so a rerun of a finished day runs no suite.
    """
    settings = runtime.settings
    store = runtime.store()
    docs_dir = day_site(settings.data_dir, category, digest_day) if settings.quality_docs else None
    inputs = suite_inputs(store, digest_day, category, language=settings.language)
    fingerprint = inputs.fingerprint()
    reused = store.reusable_quality_results(digest_day, category, fingerprint)
    if reused is None and docs_dir is not None:
        clear_site(docs_dir)
    results = reused if reused is not None else validate(inputs, docs_dir)
    done = {"repaired": 0, "withheld": 0}
    for _ in range(REPAIR_ROUNDS):
        failing = blocking_by_paper(results)
        day_failures = blocking_day_level(results)
        if not failing and not day_failures:
            break
        if day_failures:
            _repair_summary(store, settings, digest_day, category, day_failures)
            done["repaired"] += 1
        analyses = store.digest_analyses(digest_day, category)
        for paper in store.digest_papers(digest_day, category):
            failures = failing.get(paper.arxiv_id)
            current = analyses.get(paper.versioned_id)
            if failures and current is not None and current.kind != AnalysisKind.WITHHELD:
                done[_repair_paper(store, settings, digest_day, category, paper, current, failures)] += 1
        inputs = suite_inputs(store, digest_day, category, language=settings.language)
        fingerprint = inputs.fingerprint()
        results = validate(inputs, docs_dir)
        reused = None
    if reused is None:
        store.replace_quality_results(digest_day, category, results, flow_run_id, fingerprint)
        if docs_dir is not None:
            _store_docs_compactly(settings, category, docs_dir)
    failed = [r for r in results if not r.passed]
    for result in failed:
        log.warning("quality %s %s %s: %s", result.severity, result.check, result.arxiv_id or "(day)",
                    result.observed)
    return {
        "checks": len(results),
        "failed_blocking": sum(1 for r in failed if r.severity == "blocking"),
        "failed_warning": sum(1 for r in failed if r.severity == "warning"),
        "repaired": done["repaired"],
        "withheld": done["withheld"],
    }
