"""Step 7, publish: write the day's digest files and listings, and close its run record with the counts."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from arxiv_digest.catalog.coverage import coverage_cell
from arxiv_digest.interests.day import stored_scores
from arxiv_digest.publish.day import (
    FIGURES_FOLDER,
    PublishedDay,
    copy_figures,
    day_counts,
    day_status,
    describe_shortfall,
    digest_view,
    profile_view,
    stored_figures,
    with_feedback_links,
    write_digest,
)
from arxiv_digest.publish.listings import output_path, write_day_listings
from arxiv_digest.publish.view import PublishOptions
from arxiv_digest.runtime import Runtime
from arxiv_digest.settings import Settings
from arxiv_digest.web.signing import digest_links_html, load_secret, profile_names

log = logging.getLogger(__name__)


def publish_options(settings: Settings) -> PublishOptions:
    """What publishing needs of the settings."""
    return PublishOptions(out_dir=settings.out_dir, language=settings.language, abs_url=settings.arxiv_abs_url,
                          pdf_url=settings.arxiv_pdf_url, wants_figures=settings.wants_figures,
                          markdown_figures=settings.markdown_figures, sample=settings.sample_day,
                          include_cross_lists=settings.include_cross_lists)


def feedback_links(settings: Settings, paper_ids: list[str], profile: str) -> dict[str, str] | None:
    """With web_base_url set, each paper's signed like/dislike/save/seen links to the web app (for the profile's
    digest, or the first profile's for the day's), valid web_link_days; the email shows the same page."""
    if not settings.web_base_url:
        return None
    key = load_secret(settings.web_secret, settings.data_dir)
    owner = profile or profile_names([p.name for p in settings.profiles])[0]
    return digest_links_html(settings.web_base_url, key, paper_ids, owner, datetime.now(UTC), settings.web_link_days)


def publish_day(runtime: Runtime, digest_day: date, category: str,
                step_seconds: dict[str, float] | None = None) -> PublishedDay:
    """Render the day (Markdown, HTML, JSON), record each file, update the listings, finish the run record."""
    settings = runtime.settings
    store = runtime.store()
    options = publish_options(settings)
    view = digest_view(store, options, digest_day, category)
    copy_figures(stored_figures(store, options, digest_day, category),
                 output_path(settings.out_dir, category, digest_day).parent / FIGURES_FOLDER)
    ids = [paper.versioned_id for paper in view.papers]
    path = write_digest(store, with_feedback_links(view, feedback_links(settings, ids, "")), settings.out_dir)
    count = len(view.papers)
    profile_paths = {
        profile.name: write_digest(store, with_feedback_links(
            profile_view(view, profile, stored_scores(store, digest_day, category, profile.name)),
            feedback_links(settings, ids, profile.name)), settings.out_dir, profile.name)
        for profile in settings.profiles
    }
    write_day_listings(options, store, category, digest_day, count, view.summary)
    counts = day_counts(store, digest_day, category, view.papers, view.analyses)
    timings = step_seconds or {}
    status = day_status(counts)
    # A partial day's shortfall is its run's detail, where `status` shows the error of a failed one.
    store.finish_run(digest_day, category, status, counts, timings, error=describe_shortfall(counts) or None)
    log.info("published %s (%d papers, %s)", path, count, status)
    return PublishedDay(path, counts, timings, view.summary, profile_paths,
                        coverage_cell(store.coverage(digest_day, category)))
