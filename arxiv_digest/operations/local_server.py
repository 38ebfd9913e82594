"""A Prefect server for `arxiv-digest serve` on one machine: Prefect's temporary in-process server cannot keep a
schedule ("Cannot schedule flows on an ephemeral server"), so `serve` starts a real one when no API is named, and
stops it when it stops."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from arxiv_digest.errors import DigestError

PREFERRED_PORT = 4200  # Prefect's own default: its UI looks there first
SERVER_START_SECONDS = 240.0  # it migrates its database on first start; 2 busy cores can take minutes


class PrefectServerError(DigestError):
    """The Prefect server `serve` needs could not be reached or started."""


@dataclass(frozen=True)
class LocalServer:
    api_url: str
    ui_url: str
    log_path: Path


def api_answers(api_url: str, timeout: float = 3.0) -> bool:
    """Whether a Prefect API answers its health check at `api_url` (…/api)."""
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    return False


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _any_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _prefect_command() -> list[str]:
    beside = Path(sys.executable).parent / "prefect"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("prefect")
    if found is None:
        raise PrefectServerError("the `prefect` command is not installed beside this Python: reinstall the project "
                                 "(pip install -e .) or start a server yourself and set PREFECT_API_URL")
    return [found]


@contextlib.contextmanager
def local_prefect_server(start_seconds: float = SERVER_START_SECONDS) -> Iterator[LocalServer]:
    """`prefect server start` on 127.0.0.1 (port 4200, or a free one), until it answers; stopped on exit.

    Its output goes to a log file, named in the error when it does not come up.
    """
    port = PREFERRED_PORT if _port_is_free(PREFERRED_PORT) else _any_free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_UI_API_URL": api_url, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    log = tempfile.NamedTemporaryFile(prefix="arxiv-digest-prefect-server-", suffix=".log", delete=False)  # noqa: SIM115
    log_path = Path(log.name)
    # Its own session: the terminal's Ctrl-C reaches `serve`, which then stops the server in order.
    server = subprocess.Popen([*_prefect_command(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    try:
        deadline = time.monotonic() + start_seconds
        while not api_answers(api_url, timeout=2.0):
            if server.poll() is not None:
                raise PrefectServerError(f"`prefect server start` exited with code {server.returncode}; its output "
                                         f"is in {log_path}")
            if time.monotonic() > deadline:
                raise PrefectServerError(f"the Prefect server did not answer on {api_url} within {start_seconds:.0f}s "
                                         f"(its output is in {log_path}); start it yourself with `prefect server "
                                         "start` and set PREFECT_API_URL")
            time.sleep(1.0)
        yield LocalServer(api_url, f"http://127.0.0.1:{port}", log_path)
    finally:
        stop_process(server)


def stop_process(process: subprocess.Popen[bytes], grace_seconds: float = 20.0) -> None:
    """Terminate, then kill after `grace_seconds`; the server's own children (its services) go with it."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(timeout=grace_seconds)
