"""Step 6 as a Prefect task: the quality gate between analysis and publish (core: quality.gate)."""

from __future__ import annotations

import logging
from datetime import date

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.settings import Settings
from quality.gate import WITHHELD_MODEL, _repair_summary, blocking_by_paper, blocking_day_level, withheld

log = logging.getLogger(__name__)


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="quality", task_run_name="quality-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def quality_task(settings: Settings, digest_day: date, category: str) -> dict[str, int]:
    from prefect.runtime import flow_run

    from arxiv_digest.analysis.analyzer import fallback_analysis
    from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL, extractive_analysis, gather_input
    from arxiv_digest.store import open_store
    from quality.suites import suite_inputs, validate

    store = open_store(settings.db_path)
    docs_dir = settings.data_dir / "quality_docs" / category / digest_day.isoformat()
    inputs = suite_inputs(store, digest_day, category, language=settings.language)
    fingerprint = inputs.fingerprint()
    reused = store.reusable_quality_results(digest_day, category, fingerprint)
    results = reused if reused is not None else validate(inputs, docs_dir)
    repaired = withheld_count = 0
    for _ in range(3):
        failing = blocking_by_paper(results)
        day_failures = blocking_day_level(results)
        if not failing and not day_failures:
            break
        if day_failures:
            _repair_summary(store, settings, digest_day, category, day_failures)
            repaired += 1
        analyses = store.digest_analyses(digest_day, category)
        for paper in store.digest_papers(digest_day, category):
            failures = failing.get(paper.arxiv_id)
            current = analyses.get(paper.versioned_id)
            if not failures or current is None or current.kind == "withheld":
                continue
            if not current.analyzer.startswith("extractive"):  # extractive or its labelled fallback
                # The model's answer passed our validation but not the day's quality checks: say so.
                fallback = fallback_analysis(extractive_analysis(gather_input(store, paper), settings.language),
                                             current.analyzer.removeprefix("llm:"),
                                             "; ".join(f"{f.check}: quality check" for f in failures),
                                             settings.language, rejected=True)
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
        inputs = suite_inputs(store, digest_day, category, language=settings.language)
        fingerprint = inputs.fingerprint()
        results = validate(inputs, docs_dir)
        reused = None
    if reused is None:
        store.replace_quality_results(digest_day, category, results, str(flow_run.id) if flow_run.id else None,
                                      fingerprint)
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
