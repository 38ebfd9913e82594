"""The HTML digest in headless Chromium (Debian's package; .ci/run installs it): a screenshot, and every
table-of-contents link scrolls to the paper it names."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.analysis.extractive import AnalysisInput, extractive_analysis
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.publish.html import CJK_FONTS, render_html
from arxiv_digest.publish.view import DigestView

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]

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


# -- Chinese glyphs, not tofu ---------------------------------------------------------------------------------------

# Each character is drawn alone on a canvas in the digest page's own computed font-family; the harness returns a
# fingerprint of the pixels per character. With a CJK face the characters differ; without one each is the same
# missing-glyph box ("tofu"), or nothing at all.
GLYPH_HARNESS = """<!DOCTYPE html><html><body>
<iframe id="f" src="digest.html" width="800" height="400"></iframe>
<script>
const frame = document.getElementById('f');
frame.onload = () => {
  const family = frame.contentWindow.getComputedStyle(frame.contentDocument.body).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = 96; canvas.height = 96;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const out = {family, glyphs: {}};
  for (const ch of CHARS) {
    ctx.clearRect(0, 0, 96, 96);
    ctx.font = '64px ' + family;
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'top';
    ctx.fillText(ch, 8, 8);
    const alpha = ctx.getImageData(0, 0, 96, 96).data.filter((_, i) => i % 4 === 3);
    let ink = 0, hash = 0;
    for (let i = 0; i < alpha.length; i++) {
      if (alpha[i] > 127) { ink++; hash = (hash * 31 + i) % 1000000007; }
    }
    out.glyphs[ch] = {ink, hash, width: ctx.measureText(ch).width};
  }
  const pre = document.createElement('pre');
  pre.id = 'result';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
};
</script></body></html>"""
CHINESE = "中文摘要论方法实验结果"


def glyphs_drawn(browser: str, base: str, profile: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    dom = subprocess.run(
        [browser, *chromium_args(profile), "--virtual-time-budget=10000", "--dump-dom", f"{base}/glyphs.html"],
        capture_output=True, text=True, timeout=120, check=True, env=env,
    ).stdout
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
    assert match, f"the glyph harness produced no result; DOM starts {dom[:300]!r}"
    return json.loads(html.unescape(match.group(1)))


def distinct_chinese_glyphs(result: dict[str, Any]) -> int:
    inked = {(g["ink"], g["hash"]) for ch, g in result["glyphs"].items() if ch in CHINESE and g["ink"] > 50}
    return len(inked)


@pytest.fixture
def glyph_page(served: tuple[str, Path, list[str]]) -> tuple[str, Path]:
    base, tmp, _ = served
    (tmp / "site" / "glyphs.html").write_text(
        GLYPH_HARNESS.replace("CHARS", json.dumps(CHINESE)), encoding="utf-8")
    return base, tmp


def test_chinese_renders_as_glyphs_with_the_pages_font_stack(glyph_page: tuple[str, Path]) -> None:
    browser = chromium()
    base, tmp = glyph_page
    # Debian's fonts-noto-cjk (.ci/run installs it) provides a face the stack names.
    installed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert any(name in installed for name in CJK_FONTS), (
        f"no CJK face of the page's stack is installed (fc-list :lang=zh: {installed.strip()!r}); "
        "install Debian's fonts-noto-cjk")
    result = glyphs_drawn(browser, base, tmp / "profile-cjk")
    assert "Noto Sans CJK SC" in result["family"] and "Microsoft YaHei" in result["family"], result["family"]
    # Eleven different characters, eleven different inked shapes of a CJK glyph's width.
    assert distinct_chinese_glyphs(result) == len(CHINESE), result["glyphs"]
    assert all(55 <= g["width"] <= 70 for g in result["glyphs"].values()), result["glyphs"]


def test_without_a_cjk_font_the_same_check_sees_tofu(glyph_page: tuple[str, Path]) -> None:
    # The check above can fail: Chromium given only DejaVu (no CJK face) draws every character as one box.
    browser = chromium()
    base, tmp = glyph_page
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("Debian's fonts-dejavu-core is not installed")
    config = tmp / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{dejavu}</dir><cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>", encoding="utf-8")
    result = glyphs_drawn(browser, base, tmp / "profile-tofu", env={**os.environ, "FONTCONFIG_FILE": str(config)})
    assert distinct_chinese_glyphs(result) <= 1, result["glyphs"]


def test_the_readme_screenshot_script_shoots_a_page_under_the_size_cap(served: tuple[str, Path, list[str]]) -> None:
    chromium()
    _, tmp, _ = served
    out = tmp / "shot.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "digest_screenshot.py"), "--html", str(tmp / "site" / "digest.html"),
         "--out", str(out), "--max-kb", "120"],
        capture_output=True, text=True, timeout=180, check=True)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", done.stdout
    assert 20_000 < out.stat().st_size <= 120 * 1024, done.stdout
    # The picture the README shows is one such shot, and stays small.
    picture = ROOT / "docs" / "digest.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size < 300 * 1024
    assert "](docs/digest.png)" in (ROOT / "README.md").read_text(encoding="utf-8")
