"""A published day's teaser figure in headless Chromium: the image loads from the digest's own folder, fits its
entry, and its caption shows. Set KEEP_SCREENSHOTS_IN to keep the screenshot (the README's picture)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pymupdf
import pytest
from test_html_browser import chromium, chromium_args

from arxiv_digest.analysis.extractive import AnalysisInput, extractive_analysis
from arxiv_digest.pdf.writer import new_page, write_line
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.settings import Settings
from arxiv_digest.steps.figure import figure_paper
from arxiv_digest.steps.publish import publish_day
from schemas.records import Paper, PdfFile

pytestmark = pytest.mark.slow

DAY = date(2026, 1, 21)
NOW = datetime(2026, 1, 20, tzinfo=UTC)

HARNESS = """<!DOCTYPE html><html><body>
<iframe id="f" src="DIGEST" width="900" height="700"></iframe>
<script>
const frame = document.getElementById('f');
frame.onload = () => {
  const doc = frame.contentDocument, out = [];
  const images = [...doc.querySelectorAll('figure.teaser img')];
  images.forEach(img => img.scrollIntoView());
  setTimeout(() => {
    for (const img of images) {
      const article = img.closest('article');
      out.push({src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
                natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
                room: article.getBoundingClientRect().width,
                caption: img.closest('figure').querySelector('figcaption').textContent});
    }
    const pre = document.createElement('pre');
    pre.id = 'result';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }, 1500);
};
</script></body></html>"""


def _paper_pdf() -> bytes:
    """One page: a title, a wide vector figure of a four-stage pipeline with its caption, body text."""
    doc = pymupdf.open()
    page = new_page(doc)
    write_line(page, 72, 80, "StageNet: Four Stages Are Enough", 16)
    colours = [(0.85, 0.9, 1.0), (0.9, 1.0, 0.88), (1.0, 0.93, 0.85), (0.95, 0.88, 1.0)]
    for i, colour in enumerate(colours):
        cell = pymupdf.Rect(80 + i * 118, 130, 178 + i * 118, 230)
        page.draw_rect(cell, color=(0.2, 0.2, 0.4), fill=colour, width=1.2)
        write_line(page, cell.x0 + 12, 185, ["Encoder", "Fuser", "Decoder", "Refiner"][i], 10)
        if i:
            page.draw_line((cell.x0 - 20, 180), (cell.x0 - 2, 180), color=(0, 0, 0), width=1.5)
            page.draw_polyline([(cell.x0 - 7, 176), (cell.x0 - 2, 180), (cell.x0 - 7, 184)], color=(0, 0, 0))
    write_line(page, 72, 262, "Figure 1: Overview of StageNet. Four stages turn an image into a refined map.", 9)
    for row in range(12):
        write_line(page, 72, 300 + 12.5 * row, "Body text of the paper runs across the page as a paragraph "
                         "does, line after line, in a one-column layout.", 9.5)
    data = doc.tobytes()
    doc.close()
    return data


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    settings = Settings(data_dir=tmp_path / "data", extract_workers=1)
    store = open_store(settings.db_path)
    data = _paper_pdf()
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(data)
    paper = Paper("2601.00001", 1, "StageNet: Four Stages Are Enough", ("A. Author", "B. Author"), ("cs.CV",),
                  "cs.CV", NOW, NOW, "We show that four stages are enough for dense prediction.")
    store.upsert_papers([paper])
    store.set_digest_papers(DAY, "cs.CV", [paper])
    store.upsert_pdf(PdfFile("2601.00001", 1, "ok", "a" * 64, str(pdf), len(data), None, None, NOW))
    analysis = extractive_analysis(AnalysisInput(paper=paper, unavailable_reason="test"), "zh")
    store.save_analysis(analysis, "extractive")
    store.set_digest_analysis(DAY, "cs.CV", analysis, "extractive")
    assert figure_paper(Runtime(settings), "2601.00001", 1) == "ok"
    path = publish_day(Runtime(settings), DAY, "cs.CV").path
    site = path.parent
    (site / "harness.html").write_text(HARNESS.replace("DIGEST", path.with_suffix(".html").name), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", path.with_suffix(".html")
    finally:
        server.shutdown()
        server.server_close()


def test_the_teaser_figure_loads_fits_its_entry_and_shows_its_caption(published: tuple[str, Path],
                                                                        tmp_path: Path) -> None:
    browser = chromium()
    base, page = published
    dom = subprocess.run(
        [browser, *chromium_args(tmp_path / "profile1"), "--virtual-time-budget=10000", "--dump-dom",
         f"{base}/harness.html"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
    assert match, f"the harness produced no result; DOM starts {dom[:300]!r}"
    results = json.loads(match.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert len(results) == 1
    figure = results[0]
    assert figure["src"].startswith("figures/") and figure["loaded"], figure
    assert 0 < figure["shown"] <= figure["room"] + 1, figure  # never wider than its entry
    assert "Figure 1: Overview of StageNet." in figure["caption"]

    shot = tmp_path / "digest.png"
    subprocess.run(
        [browser, *chromium_args(tmp_path / "profile2"), "--window-size=1000,1250", "--hide-scrollbars",
         "--virtual-time-budget=5000", f"--screenshot={shot}", f"{base}/{page.name}"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, "a real, non-blank screenshot"
    if keep := os.environ.get("KEEP_SCREENSHOTS_IN"):
        shutil.copy(shot, Path(keep) / "teaser-figure.png")
