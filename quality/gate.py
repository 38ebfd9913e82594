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

from arxiv_digest.analysis.analyzer import fallback_analysis
from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL, extractive_analysis, gather_input
from arxiv_digest.analysis.summary import extractive_summary
from arxiv_digest.store import Store
from arxiv_digest.wording import wording_for
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


def repair_summary(store: Store, language: str, digest_day: date, category: str,
                   failures: Sequence[QualityResult]) -> None:
    """A failing model summary is replaced by the extractive one; a failing extractive one by facts only."""
    stored = store.summary(digest_day, category, language)
    reason = "; ".join(sorted({f.check for f in failures}))
    papers = store.digest_papers(digest_day, category)
    if stored is not None and stored.model not in (EXTRACTIVE_MODEL, WITHHELD_MODEL):
        content = extractive_summary(digest_day, category, papers, store.digest_analyses(digest_day, category),
                                     language)
        store.save_summary(digest_day, category, language, f"repaired:{stored.fingerprint}", EXTRACTIVE_MODEL,
                           "extractive", content)
    else:
        content = safe_summary(digest_day, category, len(papers), language, reason)
        store.save_summary(digest_day, category, language, f"withheld:{reason}", WITHHELD_MODEL,
                           "quality-gate", content)
    log.warning("executive summary of %s %s replaced: %s", category, digest_day, reason)


# Rounds of repair and re-check: a repaired analysis is checked again, and what still fails is withheld.
REPAIR_ROUNDS = 3


def repair_paper(store: Store, language: str, digest_day: date, category: str, paper: Paper,
                 current: Analysis, failures: Sequence[QualityResult]) -> str:
    """A failing model analysis falls back to the extractive one; a failing extractive one is withheld."""
    if not current.analyzer.startswith("extractive"):  # extractive or its labelled fallback
        # The model's answer passed our validation but not the day's quality checks: say so.
        fallback = fallback_analysis(extractive_analysis(gather_input(store, paper), language),
                                     current.analyzer.removeprefix("llm:"),
                                     "; ".join(f"{f.check}: quality check" for f in failures),
                                     language, rejected=True)
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


def repair_round(store: Store, language: str, digest_day: date, category: str,
                 results: Sequence[QualityResult]) -> dict[str, int] | None:
    """Repair or withhold what blocks: the counts of what was done, None when nothing blocks."""
    failing = blocking_by_paper(results)
    day_failures = blocking_day_level(results)
    if not failing and not day_failures:
        return None
    done = {"repaired": 0, "withheld": 0}
    if day_failures:
        repair_summary(store, language, digest_day, category, day_failures)
        done["repaired"] += 1
    analyses = store.digest_analyses(digest_day, category)
    for paper in store.digest_papers(digest_day, category):
        failures = failing.get(paper.arxiv_id)
        current = analyses.get(paper.versioned_id)
        if failures and current is not None and current.kind != AnalysisKind.WITHHELD:
            done[repair_paper(store, language, digest_day, category, paper, current, failures)] += 1
    return done


def gate_counts(results: Sequence[QualityResult], done: dict[str, int]) -> dict[str, int]:
    """The gate's result: checks run, failures by severity, what was repaired and withheld."""
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
