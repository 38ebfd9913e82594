"""What the slow tests that start a real Prefect server and workers as processes share."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(root: Path, port: int) -> dict[str, str]:
    """This process's environment without any Prefect or arxiv-digest setting, for a server on `port`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ARXIV_DIGEST_"))},
        "PREFECT_HOME": str(root / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "COLUMNS": "200",  # Prefect's and our tables are parsed: no wrapping
    }


def run_prefect(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def start_server(env: dict[str, str], port: int, cwd: Path, log: IO[bytes] | IO[str]) -> subprocess.Popen[bytes]:
    """`prefect server start` on 127.0.0.1:`port`, its output into `log`; see wait_until_healthy."""
    return subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)


def wait_until_healthy(server: subprocess.Popen[bytes], api_url: str, log_path: Path, timeout: float = 120) -> None:
    """Until the server answers /health; fails with its log's tail if it exits or stays silent."""
    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""

    deadline = time.monotonic() + timeout
    while True:
        assert server.poll() is None, f"the Prefect server exited:\n{log_tail()}"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"the Prefect server did not answer /api/health within {timeout:.0f} s\n{log_tail()}")
        time.sleep(1)
