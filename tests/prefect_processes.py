"""What the slow tests that start a real Prefect server and workers as processes share."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

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
