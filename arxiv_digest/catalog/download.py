"""Download each paper's PDF once, streamed to data/pdfs/<sha256>.pdf through a temp file."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from arxiv_digest.catalog.client import retry_policy
from arxiv_digest.errors import HttpGiveUp, PdfDownloadError
from arxiv_digest.files import make_public
from arxiv_digest.http_retry import RETRY_STATUSES, Clock, RateLimiter, RetryableStatus, RetryPolicy, call_with_retries
from arxiv_digest.interests.budget import pdf_skip_reason
from arxiv_digest.runtime import Runtime
from arxiv_digest.store import utcnow
from schemas.records import PaperKey, PdfFile, Status

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class DownloadedPdf:
    sha256: str
    path: Path
    bytes: int


class _Truncated(httpx.TransportError):
    """The body ended before its Content-Length: worth another try."""


def _stream_once(http: httpx.Client, url: str, pdf_dir: Path, max_bytes: int) -> DownloadedPdf:
    with http.stream("GET", url) as response:
        if response.status_code in RETRY_STATUSES:
            raise RetryableStatus(response)
        if response.status_code != 200:
            raise PdfDownloadError(f"{url} answered HTTP {response.status_code}; the PDF may not exist yet")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise PdfDownloadError(f"{url} is {int(declared):,} bytes, over the {max_bytes:,}-byte cap (pdf_max_bytes)")
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp_name = tempfile.mkstemp(dir=pdf_dir, prefix=partial_prefix(), suffix=".part")
        try:
            make_public(fd)
            with os.fdopen(fd, "wb") as tmp:
                for chunk in response.iter_bytes(_CHUNK):
                    if len(head) < len(PDF_MAGIC):
                        head += chunk[: len(PDF_MAGIC)]
                        if len(head) >= len(PDF_MAGIC) and not head.startswith(PDF_MAGIC):
                            kind = response.headers.get("Content-Type", "unknown type")
                            raise PdfDownloadError(f"{url} did not return a PDF ({kind}, starts {head[:16]!r})")
                    size += len(chunk)
                    if size > max_bytes:
                        raise PdfDownloadError(f"{url} exceeded the {max_bytes:,}-byte cap (pdf_max_bytes)")
                    digest.update(chunk)
                    tmp.write(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            if not head.startswith(PDF_MAGIC):
                raise PdfDownloadError(f"{url} returned {size} bytes that are not a PDF")
            if declared and declared.isdigit() and size != int(declared):
                raise _Truncated(f"body cut short: {size} of {declared} bytes")
            sha = digest.hexdigest()
            final = pdf_dir / f"{sha}.pdf"
            os.replace(tmp_name, final)
            return DownloadedPdf(sha256=sha, path=final, bytes=size)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)


def partial_prefix(pid: int | None = None) -> str:
    """Temp files carry host and process: workers sharing the PDF folder must not remove each other's."""
    return f".download-{socket.gethostname()}-{os.getpid() if pid is None else pid}-"


_PARTIAL = re.compile(r"^\.download-(?P<host>.+)-(?P<pid>\d+)-[^-]*\.part$")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def remove_stale_partials(pdf_dir: Path) -> int:
    """Temp files of downloads that were killed midway: this process's own (call it only between its
    downloads) and those of dead processes on this host. Other hosts' and live processes' are left alone."""
    removed = 0
    host = socket.gethostname()
    for leftover in pdf_dir.glob(".download-*.part") if pdf_dir.is_dir() else ():
        match = _PARTIAL.match(leftover.name)
        if match is not None:
            pid = int(match.group("pid"))
            if match.group("host") != host or (pid != os.getpid() and _process_alive(pid)):
                continue
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def download_pdf(
    http: httpx.Client,
    url: str,
    pdf_dir: Path,
    *,
    max_bytes: int,
    policy: RetryPolicy,
    clock: Clock | None = None,
    limiter: RateLimiter | None = None,
) -> DownloadedPdf:
    """Fetch one PDF with retries; the file appears under its hash only when complete and checked."""
    pdf_dir.mkdir(parents=True, exist_ok=True)
    return call_with_retries(
        url, lambda: _stream_once(http, url, pdf_dir, max_bytes), policy, clock or Clock(), limiter
    )


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
    url = f"{settings.arxiv_pdf_url.rstrip('/')}/{PaperKey(arxiv_id, version)}"
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
