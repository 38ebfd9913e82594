"""Like a paper, see tomorrow's ranking change (issue 26, item 8), in Debian's headless Chromium.

Two real announcements' worth of real cs.CV papers (titles and abstracts from ../shared/corpus/listings) go
through the real pipeline on a fake arXiv on 127.0.0.1, with a profile that asks for segmentation. On day 1 the
reader, in the browser, likes two Gaussian-splatting papers and dislikes a medical segmentation one (the real
buttons: form POSTs with their CSRF token). Day 2 is then built by the real flow, rank step included; reopened in
the browser, its ranking puts the splatting papers above where the static profile puts them, and the reason line
names the liked papers. `DIGEST_WEB_SHOTS=<dir>` also keeps the day-2 screenshot there (docs/web-learned.png).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import require_shared
from fake_arxiv import CatalogPaper, FakeArxiv
from pdf_factory import single_column_paper
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from test_html_browser import chromium, chromium_args
from web_fixtures import serving

from arxiv_digest.catalog.announcements import announcement
from arxiv_digest.catalog.sample_day import SamplePaper
from arxiv_digest.interests.ranking import rank_papers
from arxiv_digest.runtime import close_stores
from arxiv_digest.settings import load_settings
from arxiv_digest.store.reader import ReaderStore, reader_path
from arxiv_digest.web.app import create_app
from schemas.records import Paper

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

DAY_1, DAY_2 = date(2025, 9, 9), date(2025, 9, 10)  # two consecutive announcements (Mon and Tue evening)
PROFILE = "seg"
CONFIG = """
language = "en"
deep_analysis_top_n = 1
[profiles.seg]
keywords = ["segmentation"]
"""
LIKED_TOPIC, DISLIKED_TOPIC = ("gaussian splatting",), ("medical", "segmentation")
AVOID = ("splat", "gaussian", "segment", "medical")

# Day 1: the reader likes both splatting papers and dislikes one medical segmentation paper.
LIKE_ON_DAY_1, DISLIKE_ON_DAY_1 = 2, 1

HARNESS = """<!DOCTYPE html><html><body><iframe id="f" width="1100" height="800"></iframe><script>
const frame = document.getElementById('f'), out = {}, presses = PRESSES;
let i = -1;
frame.onload = () => {
  const doc = frame.contentDocument;
  if (i >= 0) {
    const [paper, action] = presses[i];
    const box = doc.querySelector(`div.feedback[data-paper="${paper}"]`);
    out[paper] = box ? box.querySelector(`button[data-action=${action}]`).getAttribute('aria-pressed') : 'missing';
  }
  i += 1;
  if (i < presses.length) {
    const [paper, action] = presses[i];
    doc.querySelector(`div.feedback[data-paper="${paper}"] button[data-action=${action}]`).click();
    return;
  }
  const pre = document.createElement('pre'); pre.id = 'result'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
};
frame.src = 'DAY';
</script></body></html>"""


def _listing_papers() -> list[dict[str, object]]:
    """Every cs.CV-primary paper of the real listings with a 2509 id (September 2025), once each, by id."""
    listings = require_shared("corpus", "listings")
    seen: dict[str, dict[str, object]] = {}
    for path in sorted(listings.glob("2025-*.jsonl")):
        if "AI_enhanced" in path.name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["categories"][0] == "cs.CV" and row["id"].startswith("2509."):
                seen.setdefault(row["id"], row)
    return [seen[key] for key in sorted(seen)]


def _about(row: dict[str, object], words: tuple[str, ...]) -> bool:
    text = f"{row['title']} {row['summary']}".lower()
    return all(word in text for word in words)


def _pick() -> dict[date, list[dict[str, object]]]:
    """Each day: splatting papers (like the liked), medical segmentation ones (like the disliked), and others."""
    rows = _listing_papers()
    liked = [r for r in rows if _about(r, LIKED_TOPIC) and not _about(r, ("segment",))]
    disliked = [r for r in rows if _about(r, DISLIKED_TOPIC) and not _about(r, ("splat",))]
    others = [r for r in rows if not any(_about(r, (word,)) for word in AVOID)]
    return {DAY_1: liked[:2] + disliked[:2] + others[:4], DAY_2: liked[2:5] + disliked[2:5] + others[4:8]}


def _catalog(days: dict[date, list[dict[str, object]]]) -> list[CatalogPaper]:
    """Each paper submitted inside its day's announcement window, visible from that announcement on."""
    catalog = []
    for day, rows in days.items():
        found = announcement(day)
        assert found is not None, day
        for n, row in enumerate(rows):
            moment = (found.window_start + timedelta(minutes=30 * (n + 1))).astimezone(UTC)
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            paper = SamplePaper(arxiv_id=str(row["id"]), version=1, title=str(row["title"]),
                                authors=tuple(str(a) for a in row["authors"][:4]),  # type: ignore[index]
                                categories=tuple(str(c) for c in row["categories"]),  # type: ignore[attr-defined]
                                published=stamp, updated=stamp, abstract=str(row["summary"]))
            catalog.append(CatalogPaper(paper, found.announced_at + timedelta(minutes=10)))
    return catalog


def _run_day(fake: FakeArxiv, data_dir: Path, config: Path, day: date) -> None:
    from flows.daily import daily_digest

    now = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
    fake.state.clock = now
    try:
        result = daily_digest(digest_date=day.isoformat(), category="cs.CV", config_file=str(config),
                              overrides={"data_dir": str(data_dir), "now": now.isoformat(),
                                         "arxiv_api_url": fake.api_url, "arxiv_pdf_url": fake.pdf_url,
                                         "arxiv_min_interval_seconds": 0, "pdf_min_interval_seconds": 0,
                                         "http_max_attempts": 1, "arxiv_page_size": 20},
                              wait_for_announcement=False)
    finally:
        close_stores()
    assert result["path"].endswith(f"{day.isoformat()}.md"), result


@pytest.fixture
def two_days(tmp_path: Path) -> Iterator[tuple[FakeArxiv, Path, Path, dict[date, list[dict[str, object]]]]]:
    days = _pick()
    config = tmp_path / "arxiv-digest.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with FakeArxiv() as fake:
        fake.state.catalog = _catalog(days)
        fake.state.catalog_pdf = single_column_paper()
        yield fake, tmp_path / "data", config, days


def _app(data_dir: Path, config: Path, harness: str) -> Starlette:
    app = create_app(load_settings(config_file=config, environ={}, data_dir=str(data_dir), web_secret="s"))
    app.router.routes.append(Route("/harness", lambda request: HTMLResponse(harness)))
    return app


def _day_order(dom: str) -> list[tuple[str, str]]:
    """(arXiv id, relevance line) of each paper on a day page, in page order."""
    found = []
    for article in re.findall(r"<article .*?</article>", dom, re.DOTALL):
        paper = re.search(r'data-paper="(\d{4}\.\d{5})v\d+"', article)
        reason = re.search(r"<b>Relevance:</b>([^<]*)", article)
        assert paper and reason, article[:300]
        found.append((paper.group(1), reason.group(1).strip()))
    return found


def test_a_like_in_the_browser_changes_tomorrows_ranking_and_its_reason(
        two_days: tuple[FakeArxiv, Path, Path, dict[date, list[dict[str, object]]]], tmp_path: Path) -> None:
    fake, data_dir, config, days = two_days
    _run_day(fake, data_dir, config, DAY_1)
    liked = [f"{r['id']}v1" for r in days[DAY_1][:LIKE_ON_DAY_1]]
    disliked = [f"{r['id']}v1" for r in days[DAY_1][LIKE_ON_DAY_1:LIKE_ON_DAY_1 + DISLIKE_ON_DAY_1]]
    presses = [[vid, "like"] for vid in liked] + [[vid, "dislike"] for vid in disliked]
    harness = HARNESS.replace("PRESSES", json.dumps(presses)).replace(
        "DAY", f"/day/cs.CV/{DAY_1.isoformat()}?profile={PROFILE}")
    browser = chromium()
    with serving(_app(data_dir, config, harness)) as base:
        dom = subprocess.run([browser, *chromium_args(tmp_path / "profile"), "--virtual-time-budget=30000",
                              "--dump-dom", f"{base}/harness"], capture_output=True, text=True, timeout=180,
                             check=True).stdout
        match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
        assert match, f"the harness produced no result; DOM starts {dom[:300]!r}"
        assert json.loads(match.group(1)) == {vid: "true" for vid in liked + disliked}
        with ReaderStore.open(reader_path(data_dir), read_only=True) as reader:
            assert sorted((f.arxiv_id, str(f.action)) for f in reader.feedback(PROFILE)) == sorted(
                [(v[:-2], "like") for v in liked] + [(v[:-2], "dislike") for v in disliked])

        _run_day(fake, data_dir, config, DAY_2)  # the real rank step reads the reader's file
        day_2 = f"{base}/day/cs.CV/{DAY_2.isoformat()}?profile={PROFILE}"
        dom = subprocess.run([browser, *chromium_args(tmp_path / "profile"), "--dump-dom", day_2],
                             capture_output=True, text=True, timeout=120, check=True).stdout
        shot = tmp_path / "web-learned.png"
        subprocess.run([browser, *chromium_args(tmp_path / "profile"), "--hide-scrollbars", "--window-size=1100,900",
                        f"--screenshot={shot}", day_2], capture_output=True, timeout=120, check=True)

    shown = _day_order(dom)
    splatting = {str(r["id"]) for r in days[DAY_2][:3]}
    assert {paper for paper, _ in shown} == {str(r["id"]) for r in days[DAY_2]}
    papers = [_as_paper(r) for r in days[DAY_2]]
    profile = next(p for p in load_settings(config_file=config, environ={}).profiles if p.name == PROFILE)
    static = [s.arxiv_id for s in rank_papers(papers, profile)]
    learned = [paper for paper, _ in shown]
    assert learned != static
    # In the direction of the likes: every splatting paper ranks higher than the static profile puts it, and
    # the top of the day is one of them; the reasons name liked papers (those close enough to one: TF-IDF cosine
    # >= 0.08), and only liked ones.
    for paper in splatting:
        assert learned.index(paper) < static.index(paper), (paper, learned, static)
    assert static[0] not in splatting and learned[0] in splatting, (learned, static)
    named = {paper: re.findall(r"\d{4}\.\d{5}", found.group(1))
             for paper, reason in shown if (found := re.search(r"you liked ([\d., ]+)", reason))}
    assert named and set(named) <= splatting, shown
    assert {i for ids in named.values() for i in ids} <= {v[:-2] for v in liked}, shown
    assert shot.is_file() and shot.stat().st_size > 10_000
    if os.environ.get("DIGEST_WEB_SHOTS"):
        shutil.copyfile(shot, Path(os.environ["DIGEST_WEB_SHOTS"]) / shot.name)


def _as_paper(row: dict[str, object]) -> Paper:
    moment = datetime(2025, 9, 9, tzinfo=UTC)
    return Paper(arxiv_id=str(row["id"]), version=1, title=str(row["title"]),
                 authors=tuple(str(a) for a in row["authors"]),  # type: ignore[attr-defined]
                 categories=tuple(str(c) for c in row["categories"]),  # type: ignore[attr-defined]
                 primary_category=str(row["categories"][0]),  # type: ignore[index]
                 published=moment, updated=moment, abstract=str(row["summary"]))
