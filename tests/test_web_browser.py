"""The web app in Debian's headless Chromium: open a day, search, filter, like a paper (a real form POST), then
the trends page; the harness page runs in the app's own origin and drives the pages in an iframe."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.responses import HTMLResponse
from starlette.routing import Route
from test_html_browser import chromium, chromium_args
from web_fixtures import build_sample_day, serving

from arxiv_digest.catalog.sample_day import PAPERS, SAMPLE_DAY
from arxiv_digest.settings import load_settings
from arxiv_digest.store.reader import ReaderStore
from arxiv_digest.web.app import create_app

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

HARNESS = """<!DOCTYPE html><html><body><iframe id="f" width="1100" height="800"></iframe><script>
const frame = document.getElementById('f'), out = {}, word = WORD, day = 'DAY';
const open = url => () => { frame.src = url; };
const steps = [
  ['day', open(day), doc => ({articles: doc.querySelectorAll('article').length, nav: !!doc.querySelector('nav.app'),
                             likes: doc.querySelectorAll('button[data-action=like]').length})],
  ['search', open('/search?q=' + encodeURIComponent(word)),
   doc => ({hits: doc.querySelectorAll('ol.results li').length, marked: doc.querySelectorAll('mark').length})],
  ['filter', doc => { doc.querySelector('select[name=category]').value = 'cs.CV';
                      doc.querySelector('form.search').submit(); },
   doc => ({hits: doc.querySelectorAll('ol.results li').length, url: doc.location.search})],
  ['again', open(day), doc => ({})],
  ['liked', doc => { doc.querySelector('button[data-action=like]').click(); },
   doc => ({pressed: doc.querySelector('button[data-action=like]').getAttribute('aria-pressed'),
            url: doc.location.pathname})],
  ['trends', open('/trends'),
   doc => ({heading: doc.querySelector('h1').textContent, svg: doc.querySelectorAll('svg').length})],
];
let i = 0;
frame.onload = () => {
  const doc = frame.contentDocument;
  out[steps[i][0]] = steps[i][2](doc);
  i += 1;
  if (i < steps.length) { steps[i][1](doc); return; }
  const pre = document.createElement('pre'); pre.id = 'result'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
};
steps[0][1](null);
</script></body></html>"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data_dir = build_sample_day(tmp_path)
    app = create_app(load_settings(environ={}, data_dir=str(data_dir), web_secret="s"))
    word = PAPERS[0].title.split()[0]
    page = HARNESS.replace("WORD", json.dumps(word)).replace("DAY", f"/day/cs.CV/{SAMPLE_DAY.isoformat()}")
    app.router.routes.append(Route("/harness", lambda request: HTMLResponse(page)))
    with serving(app) as base:
        yield base, data_dir


def test_a_reader_opens_a_day_searches_filters_likes_and_opens_trends(served: tuple[str, Path],
                                                                      tmp_path: Path) -> None:
    browser = chromium()
    base, data_dir = served
    dom = subprocess.run([browser, *chromium_args(tmp_path / "profile"), "--virtual-time-budget=30000",
                          "--dump-dom", f"{base}/harness"], capture_output=True, text=True, timeout=180,
                         check=True).stdout
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
    assert match, f"the harness produced no result; DOM starts {dom[:300]!r}"
    out = json.loads(match.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert out["day"]["nav"] and out["day"]["articles"] == out["day"]["likes"] > 0, out
    assert out["search"]["hits"] >= 1 and out["search"]["marked"] >= 1, out
    assert out["filter"]["hits"] >= 1 and "category=cs.CV" in out["filter"]["url"], out
    assert out["liked"]["pressed"] == "true", out
    assert out["trends"]["heading"] == "Trends" and out["trends"]["svg"] >= 3, out
    with ReaderStore.open(data_dir / "reader.duckdb", read_only=True) as reader:
        assert [f.action for f in reader.feedback("default")] == ["like"]
