"""Step 7 as a Prefect task: write the day's digest files and the run record (core: arxiv_digest.publish)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.publish.day import artifact_key, artifact_markdown, day_counts, step_seconds_from_prefect
from arxiv_digest.publish.feeds import export_json
from arxiv_digest.publish.html import render_html
from arxiv_digest.publish.listings import _write_day_listings, output_path, write_atomically
from arxiv_digest.publish.markdown import render_markdown
from arxiv_digest.settings import Settings

log = logging.getLogger(__name__)


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="publish", task_run_name="publish-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def publish_task(settings: Settings, digest_day: date, category: str) -> dict[str, Any]:
    from prefect.runtime import flow_run

    from arxiv_digest.store import open_store

    store = open_store(settings.db_path)
    papers = store.digest_papers(digest_day, category)
    analyses = store.digest_analyses(digest_day, category)
    stored_summary = store.summary(digest_day, category, settings.language)
    summary = stored_summary[0] if stored_summary else ""
    failures = {
        f"{s['arxiv_id']}v{s['version']}": f"{s['step']}: {s['detail']}"
        for s in store.paper_steps(digest_day, category)
        if s["status"] == "failed"
    }
    late = store.late_papers(digest_day, category)
    markdown = render_markdown(
        digest_day, category, papers, analyses, summary, settings.language,
        abs_url=settings.arxiv_abs_url.rstrip("/"), pdf_url=settings.arxiv_pdf_url.rstrip("/"), failures=failures,
        late=late,
    )
    path = output_path(settings.out_dir, category, digest_day)
    page = render_html(
        digest_day, category, papers, analyses, summary, settings.language,
        abs_url=settings.arxiv_abs_url.rstrip("/"), pdf_url=settings.arxiv_pdf_url.rstrip("/"), failures=failures,
        late=late,
    )
    outputs = {
        "markdown": (path, markdown),
        "html": (output_path(settings.out_dir, category, digest_day, "html"), page),
        "json": (output_path(settings.out_dir, category, digest_day, "json"),
                 export_json(digest_day, category, papers, analyses, summary, late)),
    }
    for fmt, (target, content) in outputs.items():
        store.record_publication(digest_day, category, fmt, target, write_atomically(target, content), len(papers))
    _write_day_listings(settings, store, category, digest_day, len(papers), summary)
    counts = day_counts(store, digest_day, category, papers, analyses)
    timings = step_seconds_from_prefect(str(flow_run.id) if flow_run.id else None)
    store.finish_run(digest_day, category, "completed", counts, timings)
    if flow_run.id:
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(
            key=artifact_key(category, digest_day),
            markdown=artifact_markdown(digest_day, category, counts, summary, path),
            description=f"{category} digest of {digest_day.isoformat()}",
        )
    log.info("published %s (%d papers)", path, len(papers))
    return {"path": str(path), "counts": counts, "step_seconds": timings}
