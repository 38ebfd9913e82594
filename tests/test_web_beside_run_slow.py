"""The app and a pipeline run at the same time, as a scheduled run while the reader has the app open: the run
(another process, the real CLI) succeeds, the app keeps serving from its reading copy and says a run is writing,
and every feedback given during the run is in the reader's file afterwards."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from test_web_app import _csrf
from web_fixtures import build_sample_day

from arxiv_digest.catalog.sample_day import SAMPLE_DAY
from arxiv_digest.settings import load_settings
from arxiv_digest.store.reader import ReaderStore
from arxiv_digest.web.app import create_app

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_a_run_while_the_app_serves_and_records_feedback(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    data_dir = build_sample_day(tmp_path)
    settings = load_settings(environ={}, data_dir=str(data_dir), web_secret="s")
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    day_url = f"/day/cs.CV/{SAMPLE_DAY.isoformat()}"
    notes: list[str] = []
    posted = 0
    with TestClient(create_app(settings)) as client:
        first = client.get(day_url).text
        token, ids = _csrf(first), re.findall(r'<div class="feedback" data-paper="([^"]+)"', first)
        assert ids
        run = subprocess.Popen([sys.executable, "-m", "arxiv_digest.cli", "run", "--sample", "--force",
                                "--data-dir", str(tmp_path)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 300
        while run.poll() is None and time.monotonic() < deadline:
            page = client.get(day_url)
            assert page.status_code == 200, page.text[:300]
            notes.append(page.text.split("class=\"copy-state\">", 1)[1].split("<", 1)[0])
            paper = ids[posted % len(ids)]
            answer = client.post("/feedback", data={"paper": paper, "action": "seen", "profile": "default",
                                                    "csrf": token, "back": day_url}, follow_redirects=False)
            assert answer.status_code == 303
            posted += 1
            time.sleep(0.2)
        output = run.communicate(timeout=60)[0]
        assert run.returncode == 0, output
        # After the run the copy catches up (a held store is tried again every few seconds).
        settle = time.monotonic() + 30
        final = client.get(day_url).text
        while "a run is writing" in final and time.monotonic() < settle:
            time.sleep(0.5)
            final = client.get(day_url).text
    assert any(note.startswith("a run is writing") for note in notes), notes
    assert "a run is writing" not in final
    with ReaderStore.open(data_dir / "reader.duckdb", read_only=True) as reader:
        assert len(reader.feedback("default")) == posted and posted >= 3
