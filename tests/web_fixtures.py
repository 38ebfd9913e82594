"""A data dir with the sample day built by the real flow, plus a hostile second day, for the web app's tests;
and the app served over real HTTP on 127.0.0.1 for the browser tests."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.runtime import close_stores
from arxiv_digest.store import Store
from schemas.records import Figure, Paper, PdfFile

SECOND_DAY = date(2026, 1, 22)
HOSTILE_ID = "2601.99999"
# A 1x1 PNG: the hostile paper's teaser figure, stored as the figure step stores one.
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
                         "awAAAABJRU5ErkJggg==")
HOSTILE_TITLE = "<script>alert('title')</script> Splatting & <b>bold</b> \"quotes\""


def build_sample_day(root: Path) -> Path:
    """`arxiv-digest run --sample` into root; the sample's own data dir."""
    result = CliRunner().invoke(app, ["run", "--sample", "--data-dir", str(root)])
    close_stores()
    assert result.exit_code == 0, result.output
    return root / "sample-day"


def add_hostile_day(data_dir: Path) -> None:
    """A second stored day whose one paper has markup in every text field (as arXiv could send it)."""
    paper = Paper(arxiv_id=HOSTILE_ID, version=1, title=HOSTILE_TITLE,
                  authors=("<img src=x onerror=alert(1)>", "Ann O'Neil"), categories=("cs.CV",),
                  primary_category="cs.CV", published=datetime(2026, 1, 21, 10, tzinfo=UTC),
                  updated=datetime(2026, 1, 21, 10, tzinfo=UTC),
                  abstract="We splat <script>alert('abstract')</script> gaussians. javascript:alert(1)",
                  comment="<iframe src=//evil>")
    store = Store.open(data_dir / "digest.duckdb")
    try:
        store.record_announcement("cs.CV", SECOND_DAY, (datetime(2026, 1, 21, tzinfo=UTC),
                                                        datetime(2026, 1, 22, tzinfo=UTC)), [(paper, False)])
        store.set_digest_papers(SECOND_DAY, "cs.CV", [paper])
        image_sha = hashlib.sha256(PIXEL).hexdigest()
        image = data_dir / "figures" / f"{image_sha}.png"
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(PIXEL)
        pdf_sha = "f" * 64
        store.upsert_pdf(PdfFile(HOSTILE_ID, 1, "ok", pdf_sha, str(data_dir / "pdfs" / "x.pdf"), 10, 1))
        store.save_figure(Figure(pdf_sha256=pdf_sha, method="figure-crop-1", status="ok", arxiv_id=HOSTILE_ID,
                                 version=1, page=1, number=1, caption="Figure 1: <script>alert('cap')</script>",
                                 file_sha256=image_sha, path=str(image), width=1, height=1, bytes=len(PIXEL)))
        store.start_run(SECOND_DAY, "cs.CV", None)
        store.finish_run(SECOND_DAY, "cs.CV", "completed", {"papers": 1}, {})
    finally:
        store.close()


@contextlib.contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port in a thread, for the block; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
