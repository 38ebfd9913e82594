"""Between fetch and the per-paper steps: which papers of the day still need work.

A paper whose every step succeeded, whose PDF is on disk, whose extraction is current and whose analysis for
this day was made by the configured analyzer (or fell back after that model's answers were rejected) needs
nothing, so a rerun of a finished day starts no per-paper
task at all (no download, no model call, no orchestration cost). Anything else goes through the whole chain;
each step is idempotent and reuses what is already stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from arxiv_digest.interests.budget import pdf_skip_reason
from arxiv_digest.store import Store
from schemas.records import PaperProgress, Status

DONE = {
    "download": {Status.OK},
    "extract": {Status.OK, Status.NO_TEXT_LAYER},
    "segment": {Status.OK, Status.SKIPPED},
    "figure": {Status.OK, Status.SKIPPED},  # skipped: no figure found with confidence, or figures are off
    "analyze": {Status.OK, Status.FALLBACK},
}


def paper_is_done(progress: PaperProgress | None, *, analyzer: str, language: str, extractor_version: str,
                  pdf_wanted: bool = True) -> bool:
    """`progress` is one paper's entry of Store.day_progress; `pdf_wanted`: whether its PDF buys anything now
    (a paper outside the reading budget whose figure is not wanted was rightly not downloaded)."""
    if progress is None:
        return False
    steps = progress.steps
    if not pdf_wanted and steps.get("download") == Status.SKIPPED:
        if steps.get("analyze") not in DONE["analyze"]:
            return False
    else:
        if any(steps.get(step) not in good for step, good in DONE.items()):
            return False
        if progress.pdf_status != Status.OK or not progress.pdf_path or not Path(progress.pdf_path).is_file():
            return False
        if progress.extractor != extractor_version:
            return False
    if progress.analysis_language != language:
        return False
    # A model whose answers were rejected has had its say: the fallback stands, and a rerun does not pay for
    # the same refusal again (`run --force` asks once more). An unreachable model is asked again next time.
    return progress.analysis_model == analyzer or analyzer in progress.rejected_by_models


def papers_needing_work(
    store: Store,
    keys: Sequence[tuple[str, int]],
    digest_day: date,
    category: str,
    *,
    analyzer: str,
    language: str,
    extractor_version: str,
    figures_for: str = "budget",
    teaser_figures: bool = True,
) -> list[tuple[str, int]]:
    progress = store.day_progress(digest_day, category)

    def pdf_wanted(key: tuple[str, int]) -> bool:
        # Asked only of papers whose download was skipped: is that still right (the budget may have changed)?
        if (found := progress.get(key)) is None or found.steps.get("download") != Status.SKIPPED:
            return True
        ranks = store.paper_ranks(digest_day, category, *key)
        return not pdf_skip_reason(ranks, figures_for, teaser_figures)

    return [
        key for key in keys
        if not paper_is_done(progress.get(key), analyzer=analyzer, language=language,
                             extractor_version=extractor_version, pdf_wanted=pdf_wanted(key))
    ]
