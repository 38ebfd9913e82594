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
from typing import Any

from arxiv_digest.settings import Settings
from schemas.records import Analysis, QualityResult

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
    if language == "zh":
        return (f"{digest_day.isoformat()} 的 {category} 摘要共收录 {paper_count} 篇论文。"
                f"自动生成的执行摘要未通过质量检查（{reason}），已被撤下；请直接阅读下方各论文条目。\n")
    return (f"The {category} digest of {digest_day.isoformat()} lists {paper_count} papers. The generated "
            f"executive summary failed the quality checks ({reason}) and was withheld; read the entries below.\n")


def withheld(analysis: Analysis, failures: Sequence[QualityResult]) -> Analysis:
    reasons = "; ".join(sorted({f"{f.check} ({f.observed})" if f.observed else f.check for f in failures}))
    return replace(
        analysis,
        kind="withheld",
        analyzer="quality-gate",
        content="",
        notice=f"it failed the quality checks: {reasons}",
        prompt_hash=f"withheld:{analysis.prompt_hash}",
    )


def _repair_summary(store: Any, settings: Settings, digest_day: date, category: str,
                    failures: Sequence[QualityResult]) -> None:
    """A failing model summary is replaced by the extractive one; a failing extractive one by facts only."""
    from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL
    from arxiv_digest.analysis.summary import extractive_summary

    stored = store.summary(digest_day, category, settings.language)
    reason = "; ".join(sorted({f.check for f in failures}))
    papers = store.digest_papers(digest_day, category)
    if stored is not None and stored[2] != EXTRACTIVE_MODEL and stored[2] != WITHHELD_MODEL:
        content = extractive_summary(digest_day, category, papers, store.digest_analyses(digest_day, category),
                                     settings.language)
        store.save_summary(digest_day, category, settings.language, f"repaired:{stored[1]}", EXTRACTIVE_MODEL,
                           "extractive", content)
    else:
        content = safe_summary(digest_day, category, len(papers), settings.language, reason)
        store.save_summary(digest_day, category, settings.language, f"withheld:{reason}", WITHHELD_MODEL,
                           "quality-gate", content)
    log.warning("executive summary of %s %s replaced: %s", category, digest_day, reason)
