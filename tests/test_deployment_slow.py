"""A real Prefect server, prefect.yaml deployed, a process worker, a backfill through the deployment (twice:
no duplicate runs), and a failed task found by `arxiv-digest audit`. Slow (about two minutes); runs in CI."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_arxiv import FakeArxiv
from prefect_processes import BIN, REPO, free_port, isolated_env, run_prefect, start_server, wait_until_healthy

from arxiv_digest.catalog.sample_day import PAPERS, build_pdf, feed_xml

pytestmark = pytest.mark.slow


def _digest(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "arxiv-digest"), *args], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], FakeArxiv, Path]]:
    root = tmp_path_factory.mktemp("deploy")
    port = free_port()
    server_arxiv = FakeArxiv().__enter__()
    server_arxiv.state.default_feed = feed_xml(PAPERS)
    for paper in PAPERS:
        if (paper.sections or paper.image_only) and paper.versioned_id != "2601.99003v1":
            server_arxiv.state.pdfs[paper.versioned_id] = build_pdf(paper)
    env = {
        **isolated_env(root, port),
        "ARXIV_DIGEST_DATA_DIR": str(root / "data"),
        "ARXIV_DIGEST_ARXIV_API_URL": server_arxiv.api_url,
        "ARXIV_DIGEST_ARXIV_PDF_URL": server_arxiv.pdf_url,
        "ARXIV_DIGEST_ARXIV_MIN_INTERVAL_SECONDS": "0",
        "ARXIV_DIGEST_PDF_MIN_INTERVAL_SECONDS": "0",
        "ARXIV_DIGEST_HTTP_MAX_ATTEMPTS": "1",
        # The fake's windows hold 1 (Jan 20) and 4 (Jan 21) papers and Jan 22's is empty. With two runs at once,
        # whether Jan 22 looks like a missing announcement depends on which of the other two claimed its papers
        # first (median of 1 and 4, or of 4 alone); the missing-announcement rule has its own tests.
        "ARXIV_DIGEST_MISSING_ANNOUNCEMENT_MIN_PAPERS": "0",
    }
    logs = root / "logs"
    logs.mkdir()
    files = contextlib.ExitStack()
    server_log = files.enter_context(open(logs / "server.log", "w"))  # noqa: SIM115 - lives as long as the server
    worker_log = files.enter_context(open(logs / "worker.log", "w"))  # noqa: SIM115
    server = start_server(env, port, root, server_log)
    worker = None
    try:
        wait_until_healthy(server, env["PREFECT_API_URL"], logs / "server.log")
        created = run_prefect(env, "work-pool", "create", "arxiv-digest", "--type", "process")
        assert created.returncode == 0, created.stdout + created.stderr
        deployed = run_prefect(env, "--no-prompt", "deploy", "--all")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        worker = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", "arxiv-digest", "--limit", "2"],
            env=env, cwd=REPO, stdout=worker_log, stderr=subprocess.STDOUT,
        )
        yield env, server_arxiv, root
    finally:
        for process in (worker, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        server_arxiv.__exit__(None, None, None)
        files.close()


def test_deployment_has_its_daily_schedule(stack: tuple[dict[str, str], FakeArxiv, Path]) -> None:
    env, _, _ = stack
    listed = run_prefect(env, "deployment", "inspect", "daily-digest/cs-cv-daily")
    assert listed.returncode == 0, listed.stderr
    assert "0 6 * * 1-5" in listed.stdout and "UTC" in listed.stdout
    assert "lag_days" not in listed.stdout, "the digest date comes from the announcement calendar"


def test_backfill_via_deployment_twice_creates_no_duplicates_and_audit_sees_failure(
    stack: tuple[dict[str, str], FakeArxiv, Path],
) -> None:
    env, fake, root = stack
    args = ("backfill", "--start", "2026-01-20", "--end", "2026-01-22", "--via-deployment", "--wait", "400")
    first = _digest(env, *args)
    assert first.returncode == 0, first.stdout + first.stderr + (root / "logs" / "worker.log").read_text()[-3000:]
    # Each run published its day; a day with a PDF that arXiv answered 404 for is partial (its first paper's
    # 2601.99003v1 on Jan 21, and papers the fake serves no PDF for), an empty day complete.
    statuses = dict(re.findall(r"│ (2026-01-2\d) │[^│]*│ (\w+)", first.stdout))
    assert sorted(statuses) == ["2026-01-20", "2026-01-21", "2026-01-22"], first.stdout
    assert statuses["2026-01-21"] == "partial" and statuses["2026-01-22"] == "completed", first.stdout
    assert "digest-cs.CV-2026-01-21; 1 PDF failed" in first.stdout, first.stdout
    second = _digest(env, "backfill", "--start", "2026-01-20", "--end", "2026-01-22", "--via-deployment")
    assert second.returncode == 0, second.stderr
    runs = run_prefect(env, "flow-run", "ls", "--limit", "50", "-o", "json")
    if runs.returncode == 0 and runs.stdout.strip().startswith("["):
        backfill_runs = [r for r in json.loads(runs.stdout) if "backfill" in (r.get("tags") or [])]
        assert len(backfill_runs) == 3, "a repeated backfill must not create runs"
    assert (root / "data" / "out" / "cs.CV" / "2026-01-21.md").is_file()

    audit = _digest(env, "audit", "--since", "1", "--json")
    assert audit.returncode == 0, audit.stderr
    report = json.loads(audit.stdout)
    failed = [r for r in report["runs"] if r["name"] == "download-2601.99003v1"]
    assert failed, report
    assert failed[0]["digest_date"] == "2026-01-21" and "404" in failed[0]["message"]
    assert any(d["date"] == "2026-01-21" for d in report["days_needing_attention"])
    assert len(fake.requests_to("api")) == 3
