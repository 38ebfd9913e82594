"""`arxiv-digest serve` on a fresh machine (no PREFECT_API_URL): it starts a Prefect server of its own, the
schedule fires and its run is executed, and stopping `serve` stops the server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from prefect_processes import BIN, free_port

pytestmark = pytest.mark.slow


def _started_runs(api_url: str) -> list[dict[str, object]]:
    """Flow runs that a worker (here: `serve` itself) picked up; a cron of every minute also has ~100 scheduled."""
    started = {"flow_runs": {"state": {"type": {"any_": ["RUNNING", "COMPLETED", "FAILED", "CRASHED"]}}}}
    response = httpx.post(f"{api_url}/flow_runs/filter", json={**started, "limit": 20}, timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.mark.timeout(600)
def test_serve_starts_a_server_and_its_schedule_fires_then_both_stop(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ARXIV_DIGEST_"))}
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect-home"), "COLUMNS": "200", "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "GX_ANALYTICS_ENABLED": "false",
        # The server's scheduler looks for due schedules every 60 s by default; the test does not wait that long.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "ARXIV_DIGEST_DATA_DIR": str(tmp_path / "data"),
        # The fired run must not reach the internet: arXiv is a closed port here, so the run fails in seconds.
        "ARXIV_DIGEST_ARXIV_API_URL": f"http://127.0.0.1:{free_port()}/api/query",
    })
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen([str(BIN / "arxiv-digest"), "serve", "--cron", "* * * * *"], env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path)
    api_url = ""
    fired: list[dict[str, object]] = []
    try:
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline and serve.poll() is None:
            time.sleep(3)
            text = (tmp_path / "serve.log").read_text(errors="replace")
            if not api_url and (found := re.search(r"Prefect UI at (http://127\.0\.0\.1:\d+)", text)):
                api_url = found.group(1) + "/api"
            if api_url:
                fired = [run for run in _started_runs(api_url) if run.get("deployment_id")]
                if fired:
                    break
        output = (tmp_path / "serve.log").read_text(errors="replace")
        assert api_url, f"serve named no UI:\n{output[-3000:]}"
        assert "Cannot schedule flows on an ephemeral server" not in output, output[-3000:]
        assert fired, f"no scheduled run was executed:\n{output[-3000:]}"
        assert str(fired[0]["name"]).startswith("digest-cs.CV-"), fired[0]["name"]
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=60)
        log.close()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{api_url}/health", timeout=3)  # the server `serve` started is gone with it
