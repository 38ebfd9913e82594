"""What the model calls of a run came to: one line for the end of `run`, and the figures behind it (bench, tests).

Pure functions over the rows of analysis_attempts (Store.model_calls) and the day's counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from arxiv_digest.analysis.model import is_context_overflow
from schemas.records import ModelCall

# Check names ("analysis_truncated: ..."), HTTP statuses and the transport failures a reason can name.
_REASON_NAME = re.compile(r"\b([a-z]+(?:_[a-z]+)+):|\b(HTTP \d{3})\b|\b(timed out|connection failed|time cap|"
                          r"not a chat completion|content is empty|no choices|not valid JSON)\b")


def reason_names(reason: str) -> list[str]:
    """The short names in a stored reason, in order ("analysis_truncated", "HTTP 500", "timed out")."""
    names = ["".join(groups) for groups in _REASON_NAME.findall(reason or "")]
    if is_context_overflow(reason or ""):
        names.insert(0, "context overflow")
    # Setting names inside a reason ("stopped at llm_max_output_tokens: ...") say what cut it, not what failed.
    return list(dict.fromkeys(name for name in names if not name.startswith("llm_")))


def model_report(calls: Sequence[ModelCall], counts: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Calls, their outcomes (rejections by reason, errors by kind), time, tokens, and the token estimate's
    ratio to the server's own count (above 1: the estimate errs high, as the budget needs)."""
    return {**_outcomes(calls, counts or {}), **_time_and_tokens(calls), **_estimate_check(calls)}


def _outcomes(calls: Sequence[ModelCall], counts: Mapping[str, Any]) -> dict[str, Any]:
    rejections: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for call in calls:
        if call.status == "rejected":
            rejections.update(reason_names(call.reason or "") or ["other"])
        elif call.status == "error":
            errors.update([call.error_kind or "transient"])
    return {
        "calls": len(calls),
        "accepted": sum(1 for c in calls if c.status == "accepted"),
        "rejected": sum(1 for c in calls if c.status == "rejected"),
        "rejections_by_reason": dict(rejections.most_common()),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors.most_common()),
        "fallbacks": int(counts.get("fallbacks", 0)),
        "model_answers": int(counts.get("model_answers", 0)),
    }


def _seconds(calls: Sequence[ModelCall], key: str) -> float:
    return round(sum(float(getattr(c, key) or 0) for c in calls) / 1000, 1)


def _tokens(calls: Sequence[ModelCall], key: str) -> int:
    return sum(int(getattr(c, key) or 0) for c in calls)


def _time_and_tokens(calls: Sequence[ModelCall]) -> dict[str, Any]:
    return {
        "model_seconds": _seconds(calls, "latency_ms"),
        "queue_seconds": _seconds(calls, "queue_ms"),
        "input_tokens": _tokens(calls, "input_tokens"),
        "output_tokens": _tokens(calls, "output_tokens"),
        # Reasoning the model did before answering (never published): part of the output tokens it bills.
        "reasoning_tokens": _tokens(calls, "reasoning_tokens"),
        "reasoning_seconds": _seconds(calls, "reasoning_ms"),
        "cost_usd": sum(float(c.cost_usd or 0) for c in calls),
    }


def _estimate_check(calls: Sequence[ModelCall]) -> dict[str, Any]:
    """The token estimate against the server's own count, on the calls whose usage the server reported."""
    counted = [c for c in calls if c.status != "error" and c.usage_reported and c.estimated_input_tokens]
    server_in = sum(c.input_tokens for c in counted)
    estimated_in = sum(c.estimated_input_tokens for c in counted)
    return {
        "estimate_vs_server": round(estimated_in / server_in, 3) if server_in else None,
        "estimate_checked_calls": len(counted),
    }


def report_line(report: Mapping[str, Any]) -> str:
    """`model calls: 16 (accepted 2; rejected 12: analysis_truncated 10, ...; errors 2: overflow 2), ...`."""
    parts = [f"accepted {report['accepted']}"]
    if report["rejected"]:
        reasons = ", ".join(f"{name} {n}" for name, n in report["rejections_by_reason"].items())
        parts.append(f"rejected {report['rejected']}: {reasons}")
    if report["errors"]:
        kinds = ", ".join(f"{kind} {n}" for kind, n in report["errors_by_kind"].items())
        parts.append(f"errors {report['errors']}: {kinds}")
    line = (f"model calls: {report['calls']} ({'; '.join(parts)}), model answers used: {report['model_answers']}, "
            f"fallbacks: {report['fallbacks']}, model time {report['model_seconds']:.1f}s "
            f"(+{report['queue_seconds']:.1f}s queued), tokens: {report['input_tokens']} in / "
            f"{report['output_tokens']} out")
    if report.get("reasoning_tokens"):
        line += (f" (of which reasoning {report['reasoning_tokens']}"
                 + (f", {report['reasoning_seconds']:.1f}s" if report.get("reasoning_seconds") else "") + ")")
    if report["estimate_vs_server"] is not None:
        line += f" (our estimate {report['estimate_vs_server']:.2f}x the server's count)"
    return line + f", estimated cost: ${report['cost_usd']:.4f}"
