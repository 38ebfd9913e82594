"""Read commands over per-day stores: every day is read, and a day whose file a run holds is reported, not
waited for."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.store import Store

runner = CliRunner()


def _day_store(root: Path, category: str, day: date, status: str) -> Path:
    path = root / "days" / f"{day.isoformat()}.duckdb"
    store = Store.open(path)
    try:
        store.start_run(day, category, None)
        store.finish_run(day, category, status, {"papers": 3}, {}, error="boom" if status == "failed" else None)
    finally:
        store.close()
    return path


def test_status_reads_every_day_and_reports_a_busy_one_without_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_STORE_LAYOUT", "per-day")
    monkeypatch.setenv("ARXIV_DIGEST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    _day_store(tmp_path, "cs.CV", date(2026, 1, 20), "completed")
    _day_store(tmp_path, "cs.RO", date(2026, 1, 20), "failed")
    busy = _day_store(tmp_path, "cs.CV", date(2026, 1, 21), "completed")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(60)", str(busy)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = runner.invoke(app, ["status"])
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 0, result.output
    assert took < 30, f"status waited {took:.0f} s for a day in progress"
    assert "skipped 2026-01-21: a run is using its store right now" in result.output
    assert "cs.RO" in result.output and "failed" in result.output and "boom" in result.output
    assert result.output.count("2026-01-20") == 2


def test_rerun_finds_failed_days_in_every_day_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_STORE_LAYOUT", "per-day")
    monkeypatch.setenv("ARXIV_DIGEST_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1 and "no store at" in result.output and "days" in result.output
    _day_store(tmp_path, "cs.CV", date(2026, 1, 20), "completed")
    result = runner.invoke(app, ["rerun", "--failed"])
    assert result.exit_code == 0 and "nothing to rerun" in result.output
