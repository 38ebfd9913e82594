"""The console of `run` as a person sees it (issue 14, item 7): in a real process, on an 80-column terminal,
Prefect's and Great Expectations' INFO lines stay out unless --verbose, and the run ends with the table, the
status line and the digest's path."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent / "arxiv-digest"
INFO_LINE = re.compile(r"\|\s*INFO\s*\|")


def _run(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "PREFECT_HOME": str(data_dir.parent / "prefect-home")}
    for name in ("PREFECT_API_URL", "PREFECT_LOGGING_LEVEL", "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"):
        env.pop(name, None)  # a temporary server of its own; the CLI, not conftest, chooses the log level
    return subprocess.run([str(BIN), "run", "--sample", "--data-dir", str(data_dir), *extra], env=env,
                          capture_output=True, text=True, timeout=280)


def test_run_prints_the_table_and_the_path_not_the_libraries_info_lines(tmp_path: Path) -> None:
    quiet = _run(tmp_path / "data")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    console = quiet.stdout + quiet.stderr
    assert not INFO_LINE.search(console), console
    assert "Created temporary directory" not in console and "telemetry" not in console.lower(), console
    assert quiet.stdout.strip().splitlines()[-1].endswith("out/cs.CV/2026-01-21.md"), quiet.stdout
    assert "│ papers" in quiet.stderr and re.search(r"completed in \d+\.\ds", quiet.stderr), quiet.stderr

    verbose = _run(tmp_path / "data", "--verbose")
    assert verbose.returncode == 0, verbose.stdout + verbose.stderr
    assert INFO_LINE.search(verbose.stdout + verbose.stderr), "--verbose shows Prefect's INFO lines"


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening, closed: connections to it are refused
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_arxiv_is_one_line_saying_what_to_do_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "80", "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "ARXIV_DIGEST_ARXIV_API_URL": f"http://127.0.0.1:{_closed_port()}/api/query"}
    for name in ("PREFECT_API_URL", "PREFECT_LOGGING_LEVEL", "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"):
        env.pop(name, None)
    command = [str(BIN), "run", "--date", "2026-01-21", "--data-dir", str(tmp_path / "data")]
    failed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=280)
    console = failed.stdout + failed.stderr
    assert failed.returncode == 1, console
    assert "Traceback" not in console and "Finished in state Failed" not in console, console
    last = " ".join(failed.stderr.strip().splitlines()[-1:])
    assert last.startswith("error: cannot reach 127.0.0.1 (connection refused) after 2 attempt(s)"), console
    assert "fetch-cs.CV" not in console, "one try of the fetch task, and no engine lines about it"

    verbose = subprocess.run([*command, "--verbose"], env=env, capture_output=True, text=True, timeout=280)
    assert "Traceback" in verbose.stdout + verbose.stderr, "--verbose keeps the full record"
