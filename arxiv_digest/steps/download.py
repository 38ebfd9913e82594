"""Step 2, download: each paper's PDF once, into the store (arxiv_digest.catalog.download does the transfer)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from arxiv_digest.catalog.client import retry_policy
from arxiv_digest.catalog.download import download_pdf, remove_stale_partials
from arxiv_digest.errors import HttpGiveUp, PdfDownloadError
from arxiv_digest.interests.budget import pdf_skip_reason
from arxiv_digest.runtime import Runtime
from arxiv_digest.store import utcnow
from schemas.records import PdfFile, Status

log = logging.getLogger(__name__)

SKIPPED = "skipped"


def download_paper(runtime: Runtime, arxiv_id: str, version: int, digest_day: date | None = None,
                   category: str = "") -> str:
    """One paper's PDF into the store: "downloaded", "cached", "skipped" (a digest's paper whose PDF buys nothing:
    outside the reading budget, no figure wanted), or an exception after recording why."""
    settings = runtime.settings
    store = runtime.store()
    known = store.pdf(arxiv_id, version)
    if known and known.status == Status.OK and known.path and Path(known.path).is_file():
        store.record_step(arxiv_id, version, "download", Status.OK, "already on disk")
        return "cached"
    if digest_day is not None:
        ranks = store.paper_ranks(digest_day, category, arxiv_id, version)
        skip = pdf_skip_reason(ranks, settings.figures_for, settings.teaser_figures)
        if skip:
            store.record_step(arxiv_id, version, "download", Status.SKIPPED, skip)
            return SKIPPED
    url = f"{settings.arxiv_pdf_url.rstrip('/')}/{arxiv_id}v{version}"
    try:
        with runtime.pdf_download_turn() as limiter, runtime.arxiv_http() as http:
            # One download at a time in this process: its own partial files, and those of dead processes,
            # are from a run that was killed.
            if remove_stale_partials(settings.pdf_dir):
                log.warning("removed partial downloads left by an interrupted run")
            got = download_pdf(
                http, url, settings.pdf_dir, max_bytes=settings.pdf_max_bytes,
                policy=retry_policy(settings), limiter=limiter,
            )
    except (PdfDownloadError, HttpGiveUp) as exc:
        with store.batch():
            store.upsert_pdf(PdfFile(arxiv_id=arxiv_id, version=version, status=Status.FAILED, error=str(exc)))
            store.record_step(arxiv_id, version, "download", Status.FAILED, str(exc))
        raise
    with store.batch():
        store.upsert_pdf(
            PdfFile(
                arxiv_id=arxiv_id,
                version=version,
                status=Status.OK,
                sha256=got.sha256,
                path=str(got.path),
                bytes=got.bytes,
                fetched_at=utcnow(),
            )
        )
        store.record_step(arxiv_id, version, "download", Status.OK, f"{got.bytes} bytes")
    return "downloaded"
