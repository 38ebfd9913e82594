"""Step 6: the quality gate between analysis and publish.

Blocking failures never reach the digest: a model-written analysis that fails is replaced by the extractive
one and checked again; one that still fails is withheld with a plain notice naming the reason.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from prefect import task
from prefect.cache_policies import NONE

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


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="quality", task_run_name="quality-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def quality_task(settings: Settings, digest_day: date, category: str) -> dict[str, int]:
    from prefect.runtime import flow_run
    from quality.suites import run_quality_suites

    from arxiv_digest.store import open_store
    from tasks.analyze import EXTRACTIVE_MODEL, extractive_analysis, gather_input

    store = open_store(settings.db_path)
    docs_dir = settings.data_dir / "quality_docs" / category / digest_day.isoformat()
    results = run_quality_suites(store, digest_day, category, language=settings.language, data_docs_dir=docs_dir)
    repaired = withheld_count = 0
    for _ in range(2):
        failing = blocking_by_paper(results)
        if not failing:
            break
        analyses = store.digest_analyses(digest_day, category)
        for paper in store.digest_papers(digest_day, category):
            failures = failing.get(paper.arxiv_id)
            current = analyses.get(paper.versioned_id)
            if not failures or current is None or current.kind == "withheld":
                continue
            if current.analyzer != "extractive":
                fallback = extractive_analysis(gather_input(store, paper), settings.language)
                store.save_analysis(fallback, EXTRACTIVE_MODEL)
                store.set_digest_analysis(digest_day, category, fallback, EXTRACTIVE_MODEL)
                store.record_step(paper.arxiv_id, paper.version, "quality", "fallback",
                                  "; ".join(f.check for f in failures))
                repaired += 1
            else:
                notice = withheld(current, failures)
                store.save_analysis(notice, WITHHELD_MODEL)
                store.set_digest_analysis(digest_day, category, notice, WITHHELD_MODEL)
                store.record_step(paper.arxiv_id, paper.version, "quality", "withheld", notice.notice)
                withheld_count += 1
        results = run_quality_suites(store, digest_day, category, language=settings.language,
                                     data_docs_dir=docs_dir)
    store.replace_quality_results(digest_day, category, results, str(flow_run.id) if flow_run.id else None)
    failed = [r for r in results if not r.passed]
    for result in failed:
        log.warning("quality %s %s %s: %s", result.severity, result.check, result.arxiv_id or "(day)",
                    result.observed)
    return {
        "checks": len(results),
        "failed_blocking": sum(1 for r in failed if r.severity == "blocking"),
        "failed_warning": sum(1 for r in failed if r.severity == "warning"),
        "repaired": repaired,
        "withheld": withheld_count,
    }
