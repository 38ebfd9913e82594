"""Read commands over per-day stores: every day is read, and a day whose file a run holds is reported, not
waited for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.errors import StoreError
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


def _single_store(root: Path, status: str = "completed") -> Path:
    path = root / "digest.duckdb"
    store = Store.open(path)
    try:
        store.start_run(date(2026, 1, 21), "cs.CV", None)
        store.finish_run(date(2026, 1, 21), "cs.CV", status, {"papers": 3}, {})
    finally:
        store.close()
    return path


def _damage_every_block(path: Path) -> None:
    """Scribble inside every 256 kB block after DuckDB's 12 kB of headers: each block's checksum then fails."""
    with path.open("r+b") as handle:
        size = path.stat().st_size
        for offset in range(12288 + 100, size, 262144):
            handle.seek(offset)
            handle.write(b"\xff" * 64)


@pytest.mark.parametrize("damage", ["bad blocks", "not a database"])
def test_a_damaged_store_is_one_line_with_the_path_and_the_way_back_never_a_traceback(
        tmp_path: Path, damage: str) -> None:
    path = _single_store(tmp_path)
    if damage == "bad blocks":
        _damage_every_block(path)
    else:
        path.write_bytes(b"this is not a DuckDB file" * 500)
    for command in (["status"], ["rerun", "--failed"], ["run", "--date", "2026-01-21"]):
        started = time.monotonic()
        result = subprocess.run([str(Path(sys.executable).parent / "arxiv-digest"), *command, "--data-dir",
                                 str(tmp_path)], capture_output=True, text=True, timeout=120,
                                env={"PATH": "/usr/bin:/bin", "COLUMNS": "80", "HOME": str(tmp_path)})
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        assert result.returncode == 1, (command, lines)
        assert len(lines) == 1 and "Traceback" not in lines[0], (command, lines)
        assert lines[0].startswith(f"error: the store {path} is damaged"), (command, lines)
        assert "restore it from a backup" in lines[0] and "arxiv-digest backfill" in lines[0], lines
        assert "completed" not in lines[0], "status reports nothing it could not read"
        assert time.monotonic() - started < 30, "no waiting: nothing fixes a damaged file but the user"


def test_read_only_commands_open_the_store_read_only_and_create_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "digest.duckdb"
    with pytest.raises(StoreError):
        Store.open(missing, read_only=True)
    assert not (tmp_path / "nowhere").exists(), "a read-only open creates no directory and no file"
    path = _single_store(tmp_path)
    reader = Store.open(path, read_only=True)
    try:
        assert reader.read_only and reader.run(date(2026, 1, 21), "cs.CV").status == "completed"
        with pytest.raises(duckdb.Error):
            reader.start_run(date(2026, 1, 22), "cs.CV", None)
    finally:
        reader.close()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to run the commands as another user")
def test_status_and_check_read_a_data_dir_this_user_cannot_write() -> None:
    # As root every file is writable; as `nobody` the root-owned data dir (mode 755) is read-only. pytest's own
    # temporary dirs are private (700), so this one is made by hand and opened to others.
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        root.chmod(0o755)
        _read_as_nobody(root)


def _read_as_nobody(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _single_store(data)
    digest = data / "out" / "cs.CV" / "2026-01-21.md"
    digest.parent.mkdir(parents=True)
    digest.write_text("Time: 20260121\n\n# Arxiv Computer Vision Papers - 2026-01-21\n\n## Executive Summary\n\n"
                      "x\n\n## Table of Contents\n\n## Papers\n", encoding="utf-8")
    for folder in (tmp_path, *tmp_path.parents):
        if not folder.stat().st_mode & 0o001:
            pytest.skip(f"{folder} is not searchable by other users")
    before = sorted(p.name for p in data.rglob("*"))
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 str(Path(sys.executable).parent / "arxiv-digest")]
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": "/tmp"}
    status = subprocess.run([*as_nobody, "status", "--data-dir", str(data)], capture_output=True, text=True,
                            env=env, timeout=120)
    assert status.returncode == 0 and "completed" in status.stdout, status.stdout + status.stderr
    check = subprocess.run([*as_nobody, "check", str(digest), "--data-dir", str(data)], capture_output=True,
                           text=True, env=env, timeout=120)
    assert "Permission denied" not in check.stdout + check.stderr and "Traceback" not in check.stderr, check.stderr
    assert sorted(p.name for p in data.rglob("*")) == before, "nothing created"


def test_check_finds_a_published_digests_day_from_the_json_beside_it_profile_digests_too(tmp_path: Path) -> None:
    """A profile's digest is <date>.<profile>.md: its name is no date, and its category folder may be escaped."""
    from arxiv_digest.cli import _published_digest
    from arxiv_digest.publish.feeds import export_json
    from arxiv_digest.publish.view import DigestView

    view = DigestView(date(2026, 1, 21), "cs.CV", [], {}, "", "en", profile="me")
    folder = tmp_path / "out" / "cs.CV"
    folder.mkdir(parents=True)
    (folder / "2026-01-21.me.json").write_text(export_json(view), encoding="utf-8")
    assert _published_digest(folder / "2026-01-21.me.md") == ("cs.CV", date(2026, 1, 21))
    assert _published_digest(tmp_path / "someone-elses-digest.md") is None
