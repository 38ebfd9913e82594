"""Weeks' themes remembered beyond one call (issue 26): in memory, in files a new process reads, invalidated when a
week's papers or the key-phrase code change, rebuilt when a file is corrupt or gone; and the trends page that
never waits for them (a background worker computes what a page lacks, a restarted app computes nothing again)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_trends import FIRST, TOPICS, _paper

from arxiv_digest.search import ThemeCache, trends
from arxiv_digest.search.trends import PhraseCount, week_themes
from arxiv_digest.settings import load_settings
from arxiv_digest.store import Store
from arxiv_digest.store.archive import ListedPaper
from arxiv_digest.web.app import create_app

REPO = Path(__file__).resolve().parents[1]
WEEKS = 4


def _fill(store: Store, weeks: int = WEEKS) -> None:
    n = 0
    for week in range(weeks):
        for weekday in (0, 2, 4):
            day = FIRST + timedelta(weeks=week, days=weekday)
            papers = []
            for i in range(8):
                n += 1
                papers.append(_paper(n, TOPICS[(n * 7 + i) % len(TOPICS)]))
            store.upsert_papers(papers)
            store.set_digest_papers(day, "cs.CV", papers)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "digest.duckdb")
    _fill(store)
    yield store
    store.close()


class Counting:
    """The real `week_themes`, counting its calls: the evidence that a week was computed, not remembered."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, items: Sequence[ListedPaper]) -> tuple[PhraseCount, ...]:
        self.calls += 1
        return week_themes(items)


def test_a_second_call_and_a_new_cache_over_the_files_compute_nothing(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    uncached = trends(store, "cs.CV", weeks=WEEKS)
    counting = Counting()
    cache = ThemeCache(folder=folder, compute=counting)
    first = trends(store, "cs.CV", weeks=WEEKS, theme_cache=cache)
    assert counting.calls == WEEKS and first == uncached
    assert trends(store, "cs.CV", weeks=WEEKS, theme_cache=cache) == uncached and counting.calls == WEEKS
    assert len(list(folder.glob("*.json"))) == WEEKS
    fresh = Counting()  # a restarted app: nothing in memory, the files on disk
    assert trends(store, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder, compute=fresh)) == uncached
    assert fresh.calls == 0


def test_files_written_by_another_process_are_read(store: Store, tmp_path: Path) -> None:
    store.close()
    folder = tmp_path / "themes"
    child = textwrap.dedent(f"""
        from pathlib import Path
        from arxiv_digest.search import ThemeCache, trends
        from arxiv_digest.store import Store
        store = Store.open(Path({str(tmp_path / 'digest.duckdb')!r}), read_only=True)
        trends(store, "cs.CV", weeks={WEEKS}, theme_cache=ThemeCache(folder=Path({str(folder)!r})))
        store.close()
    """)
    subprocess.run([sys.executable, "-c", child], cwd=REPO, check=True, timeout=300)
    reopened = Store.open(tmp_path / "digest.duckdb", read_only=True)
    try:
        counting = Counting()
        found = trends(reopened, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder, compute=counting))
        assert counting.calls == 0 and found == trends(reopened, "cs.CV", weeks=WEEKS)
        assert any(week.themes for week in found.weeks)
    finally:
        reopened.close()


def test_a_week_whose_papers_change_and_a_new_key_phrase_version_are_computed_again(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "themes"
    trends(store, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder))
    last_day = FIRST + timedelta(weeks=WEEKS - 1, days=4)
    added = [_paper(900 + i, "neural radiance lattices") for i in range(4)]
    store.upsert_papers(added)
    store.set_digest_papers(last_day, "cs.CV", [e.paper for e in store.archived_entries("cs.CV", last_day,
                                                                                         last_day)] + added)
    counting = Counting()
    found = trends(store, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder, compute=counting))
    assert counting.calls == 1  # only the last week changed
    assert found == trends(store, "cs.CV", weeks=WEEKS)
    assert any(t.phrase.lower() == "neural radiance lattices" for t in found.weeks[-1].themes)
    # (the package's `trends` is the function; the module is its namesake)
    monkeypatch.setattr(importlib.import_module("arxiv_digest.search.trends"), "THEMES_VERSION", "changed code")
    again = Counting()
    trends(store, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder, compute=again))
    assert again.calls == WEEKS


def test_corrupt_or_deleted_files_are_computed_again_without_error(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    uncached = trends(store, "cs.CV", weeks=WEEKS)
    trends(store, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder))
    files = sorted(folder.glob("*.json"))
    files[0].write_text("{not json", encoding="utf-8")
    files[1].write_bytes(b"\xff\xfe\x00garbage")
    files[2].write_text(json.dumps({"key": "x", "themes": "not a list"}), encoding="utf-8")
    files[3].unlink()
    counting = Counting()
    assert trends(store, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder, compute=counting)) == uncached
    assert counting.calls == WEEKS
    rebuilt = Counting()
    assert trends(store, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder, compute=rebuilt)) == uncached
    assert rebuilt.calls == 0  # the files were written again, readable
    folder_gone = tmp_path / "themes"
    for path in folder_gone.glob("*.json"):
        path.unlink()
    folder_gone.rmdir()
    assert trends(store, "cs.CV", weeks=WEEKS, theme_cache=ThemeCache(folder=folder)) == uncached


def test_the_trends_page_never_waits_and_a_restarted_app_computes_nothing(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "digest.duckdb")
    _fill(store, weeks=12)
    expected = trends(store, "cs.CV", weeks=12)
    store.close()
    settings = load_settings(environ={}, data_dir=str(tmp_path), web_secret="test-secret")
    app = create_app(settings)
    web = app.state.web
    web.trends.inline_papers = 0  # as on a large archive: every missing week goes to the worker
    with TestClient(app) as client:
        first = client.get("/trends")
        assert first.status_code == 200 and "still being computed" in first.text
        assert '<meta http-equiv="refresh"' in first.text and "being computed" in first.text
        assert "Papers per day" in first.text  # the counts do not wait
        assert web.trends.wait_idle(timeout=120)
        done = client.get("/trends")
        assert "still being computed" not in done.text and "http-equiv" not in done.text
        assert all(t.phrase in done.text for week in expected.weeks for t in week.themes)
    assert web.trends.computed >= 12
    assert len(list((tmp_path / "web" / "themes").glob("*.json"))) >= 12
    restarted = create_app(settings)
    with TestClient(restarted) as client:
        page = client.get("/trends")
        assert "still being computed" not in page.text
        assert all(t.phrase in page.text for week in expected.weeks for t in week.themes)
        assert restarted.state.web.trends.wait_idle(timeout=120)
    assert restarted.state.web.trends.computed == 0  # neither the page nor the warm-up computed a week again


def test_a_small_window_is_computed_in_the_request(store: Store, tmp_path: Path) -> None:
    store.close()
    settings = load_settings(environ={}, data_dir=str(tmp_path), web_secret="test-secret")
    with TestClient(create_app(settings)) as client:
        page = client.get("/trends", params={"weeks": str(WEEKS)})
    assert page.status_code == 200 and "still being computed" not in page.text and "<svg" in page.text
