"""Step 6, quality: check the day, repair or withhold what fails, check again (quality.gate repairs)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from arxiv_digest.runtime import Runtime
from arxiv_digest.settings import Settings
from quality.docs_site import clear_site, day_site, pool_dir, prune_sites, share_identical_files
from quality.gate import REPAIR_ROUNDS, gate_counts, repair_round
from quality.suites import input_fingerprint, suite_inputs, validate

log = logging.getLogger(__name__)


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
    language = settings.language
    reused = store.reusable_quality_results(
        digest_day, category, input_fingerprint(store, digest_day, category, language=language))
    if reused is None and docs_dir is not None:
        clear_site(docs_dir)
    results = reused if reused is not None else validate(
        suite_inputs(store, digest_day, category, language=language), docs_dir)
    done = {"repaired": 0, "withheld": 0}
    for _ in range(REPAIR_ROUNDS):
        repaired = repair_round(store, language, digest_day, category, results)
        if repaired is None:
            break
        done = {key: done[key] + repaired[key] for key in done}
        results = validate(suite_inputs(store, digest_day, category, language=language), docs_dir)
        reused = None
    if reused is None:
        # What the results were made from: the rows as they are now, after any repair.
        fingerprint = input_fingerprint(store, digest_day, category, language=language)
        store.replace_quality_results(digest_day, category, results, flow_run_id, fingerprint)
        if docs_dir is not None:
            _store_docs_compactly(settings, category, docs_dir)
    return gate_counts(results, done)
