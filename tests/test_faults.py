"""Process-level faults: a run killed with SIGKILL mid-download, and two runs of the same day at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_arxiv import FakeArxiv

from arxiv_digest.sample_day import PAPERS, build_pdf, feed_xml
from arxiv_digest.store import Store

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]


def _env(tmp: Path, name: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ARXIV_DIGEST_"))}
    env.update(
        PREFECT_HOME=str(tmp / f"prefect-{name}"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
        ARXIV_DIGEST_DATA_DIR=str(tmp / "data"),
        **extra,
    )
    return env


def _counts(data: Path) -> dict[str, int]:
    store = Store.open(data / "digest.duckdb", wait_seconds=60)
    try:
        return store.table_counts()
    finally:
        store.close()


def test_sigkill_during_downloads_then_rerun_loses_nothing(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        server.state.default_feed = feed_xml(PAPERS)
        for paper in PAPERS:
            if paper.sections or paper.image_only:
                server.state.pdfs[paper.versioned_id] = build_pdf(paper)
        server.fault("pdf", ("none",), ("hang", 60.0))  # the 2nd PDF request never answers
        env = _env(tmp_path, "a", ARXIV_DIGEST_ARXIV_API_URL=server.api_url,
                   ARXIV_DIGEST_ARXIV_PDF_URL=server.pdf_url, ARXIV_DIGEST_ARXIV_MIN_INTERVAL_SECONDS="0",
                   ARXIV_DIGEST_PDF_MIN_INTERVAL_SECONDS="0")
        victim = subprocess.Popen([str(BIN / "arxiv-digest"), "run", "--date", "2026-01-21"], env=env, cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(server.requests_to("pdf")) < 2 and time.monotonic() < deadline:
            assert victim.poll() is None, "the run ended before it reached the hanging download"
            time.sleep(0.2)
        assert len(server.requests_to("pdf")) >= 2
        time.sleep(0.5)  # the hanging body is being waited for: kill in the middle of it
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        digest = tmp_path / "data" / "out" / "cs.CV" / "2026-01-21.md"
        assert not digest.exists(), "nothing is published by a killed run"

        server.state.faults.clear()
        again = subprocess.run([str(BIN / "arxiv-digest"), "run", "--date", "2026-01-21"], env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
    text = digest.read_text(encoding="utf-8")
    assert text.count("<a id='") == 4
    assert "Analysis unavailable" not in text
    counts = _counts(tmp_path / "data")
    assert counts["papers"] == 4 and counts["pdf_files"] == 4 and counts["digest_papers"] == 4
    pdf_dir = tmp_path / "data" / "pdfs"
    assert sorted(p.suffix for p in pdf_dir.iterdir()) == [".pdf"] * 4, "no partial file survives"


def test_two_runs_of_the_same_day_at_once_take_turns(tmp_path: Path) -> None:
    runs = [
        subprocess.Popen([str(BIN / "arxiv-digest"), "run", "--sample"], env=_env(tmp_path, name), cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("one", "two")
    ]
    results = [run.communicate(timeout=600) for run in runs]
    for run, (_, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err[-3000:]
    counts = _counts(tmp_path / "data")
    assert counts["papers"] == 4 and counts["pdf_files"] == 4 and counts["analyses"] == 4
    store = Store.open(tmp_path / "data" / "digest.duckdb")
    try:
        from arxiv_digest.sample_day import SAMPLE_DAY

        run = store.run(SAMPLE_DAY, "cs.CV")
        assert run is not None and run["status"] == "completed" and run["attempts"] == 2
        assert store._fetchone("SELECT max(attempts) FROM pdf_files")[0] == 1, "the second run downloaded nothing"
    finally:
        store.close()
