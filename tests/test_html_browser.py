"""The HTML digest in headless Chromium (Debian's package; .ci/run installs it): a screenshot, and every
table-of-contents link scrolls to the paper it names."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from arxiv_digest.analysis.extractive import AnalysisInput, extractive_analysis
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.publish.html import render_html
from arxiv_digest.publish.view import DigestView

pytestmark = pytest.mark.slow

HARNESS = """<!DOCTYPE html><html><body>
<iframe id="f" src="digest.html" width="1200" height="700"></iframe>
<script>
const frame = document.getElementById('f');
frame.onload = () => {
  const doc = frame.contentDocument, win = frame.contentWindow, out = [];
  for (const link of doc.querySelectorAll('nav.toc a')) {
    const id = decodeURIComponent(link.getAttribute('href').slice(1));
    link.click();
    const target = doc.getElementById(id);
    const top = target ? target.getBoundingClientRect().top : null;
    const atBottom = win.scrollY + win.innerHeight >= doc.documentElement.scrollHeight - 2;
    out.push({id, text: link.textContent.trim(), heading: target ? target.querySelector('h2').textContent.trim() : null,
              landed: target !== null && (Math.abs(top) < 3 || atBottom), hash: win.location.hash});
  }
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
};
</script></body></html>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (Debian package 'chromium'; .ci/run installs it)")


def chromium_args(user_dir: Path) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={user_dir}"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    site = tmp_path / "site"
    site.mkdir()
    papers = list(parse_feed((Path(__file__).parents[1] / "data" / "sample" / "feed.xml").read_bytes()).papers)
    analyses = {p.versioned_id: extractive_analysis(AnalysisInput(paper=p, unavailable_reason="test"), "zh")
                for p in papers}
    page = render_html(DigestView(date(2026, 1, 21), "cs.CV", papers, analyses, "**执行摘要** 测试", "zh"))
    (site / "digest.html").write_text(page, encoding="utf-8")
    (site / "harness.html").write_text(HARNESS, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path, [p.versioned_id for p in papers]
    finally:
        server.shutdown()
        server.server_close()


def test_every_toc_link_lands_on_its_paper_and_the_page_renders(served: tuple[str, Path, list[str]]) -> None:
    browser = chromium()
    base, tmp, ids = served
    dom = subprocess.run(
        [browser, *chromium_args(tmp / "profile1"), "--virtual-time-budget=10000", "--dump-dom",
         f"{base}/harness.html"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
    assert match, f"the harness produced no result; DOM starts {dom[:300]!r}"
    results = json.loads(match.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert [r["id"] for r in results] == ids and len(ids) == 5
    for result in results:
        assert result["landed"], f"ToC link to {result['id']} did not scroll to it: {result}"
        assert result["heading"] == result["text"], result

    shot = tmp / "digest.png"
    subprocess.run(
        [browser, *chromium_args(tmp / "profile2"), "--window-size=1200,1600", "--hide-scrollbars",
         f"--screenshot={shot}", f"{base}/digest.html"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, "a real, non-blank screenshot"
