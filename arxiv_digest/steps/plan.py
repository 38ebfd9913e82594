"""Step 1b, plan: which papers of the day the per-paper steps must run for (arxiv_digest.operations.plan decides)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from arxiv_digest.operations.plan import papers_needing_work
from arxiv_digest.pdf.layout import EXTRACTOR_VERSION
from arxiv_digest.runtime import Runtime
from arxiv_digest.settings import Settings


def current_analyzer(settings: Settings) -> str:
    return settings.llm_model if settings.uses_llm else "extractive"


def plan_day(runtime: Runtime, keys: Sequence[tuple[str, int]], digest_day: date, category: str,
             force: bool = False) -> list[tuple[str, int]]:
    """The papers of the day the per-paper steps must run for (all of them when `force`)."""
    if force:
        return list(keys)
    settings = runtime.settings
    return papers_needing_work(runtime.store(), keys, digest_day, category, analyzer=current_analyzer(settings),
                               language=settings.language, extractor_version=EXTRACTOR_VERSION,
                               figures_for=settings.figures_for, teaser_figures=settings.teaser_figures)
