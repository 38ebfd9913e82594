"""The real corpus against its hand-checked truth, scored as `arxiv-digest extract FILE --json` is scored.

Three sets (bench/README.md): the first 14 papers, on which the rules were developed, the second 32, kept
apart while they were written, and the third set's read nine (issue 28; its unread nine are never scored
here, so no failure message can show one of them). Each set must reach its thresholds at level 1 (the
top-level sections) and for the paper's own code links. The thresholds sit just under what
bench/extraction.py measured, so a rule change that loses a heading or adds a false code link fails here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from arxiv_digest.pdf.reading import extract_report

ROOT = Path(__file__).resolve().parents[1]
CORPUS_PDFS = ROOT.parent / "shared" / "corpus" / "pdfs"
TRUTH = ROOT / "bench" / "truth"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_extraction", ROOT / "bench" / "extraction.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def _score(which: str) -> dict[str, Any]:
    if not CORPUS_PDFS.is_dir():
        pytest.skip(f"../shared corpus not present: {CORPUS_PDFS} is missing (it sits beside the repo in CI)")
    bench = _bench()
    papers = [p for p in sorted(TRUTH.glob("*.json")) if bench.paper_set(p.stem) == which]
    papers = [p for p in papers if (CORPUS_PDFS / f"{p.stem}.pdf").exists()]
    if not papers:
        pytest.skip("no truth file of this set matches a corpus PDF")
    top = [0, 0, 0]
    code = [0, 0, 0]
    problems = []
    for truth_path in papers:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        report, status = extract_report(CORPUS_PDFS / f"{truth_path.stem}.pdf")
        assert status == 0, (truth_path.stem, report)
        assert all(isinstance(s["level"], int) and s["level"] >= 1 for s in report["sections"]), truth_path.stem
        want = [s for s in truth["sections"] if int(s.get("level", 1)) == 1]
        got = [s for s in report["sections"] if s["level"] == 1]
        pairs = bench.match_sections(want, got)
        top[0] += len(pairs)
        top[1] += len(got) - len(pairs)
        top[2] += len(want) - len(pairs)
        want_code, got_code = set(truth["code_urls"]), set(report["code_urls"])
        code[0] += len(want_code & got_code)
        code[1] += len(got_code - want_code)
        code[2] += len(want_code - got_code)
        if got_code - want_code:
            problems.append(f"{truth_path.stem}: not its own code {sorted(got_code - want_code)}")
    return {"papers": len(papers), "level1": _prf(*top), "code": _prf(*code), "problems": problems}


def test_first_set_top_level_sections_and_own_code_match_the_truth() -> None:
    score = _score("first")
    precision, recall, f1 = score["level1"]
    assert precision >= 0.99 and recall >= 0.99 and f1 >= 0.99, score
    code_precision, code_recall, _ = score["code"]
    assert code_precision == 1.0 and code_recall >= 0.95, score


def test_second_set_top_level_sections_and_own_code_meet_the_targets() -> None:
    score = _score("second")
    if score["papers"] < 32:
        pytest.skip(f"only {score['papers']} of the 32 truth files of the second set are written yet")
    precision, _, f1 = score["level1"]
    # The targets are 0.95; the bar sits at what the rules reach now (0.99), so a change that loses
    # ground on these papers fails here rather than unnoticed in the benchmark.
    assert precision >= 0.98 and f1 >= 0.98, score
    code_precision, code_recall, _ = score["code"]
    assert code_precision == 1.0 and code_recall >= 0.95, score  # never someone else's repository


def test_third_set_read_nine_top_level_sections_and_own_code_meet_the_targets() -> None:
    score = _score("third_read")
    precision, _, f1 = score["level1"]
    assert precision >= 0.97 and f1 >= 0.97, score
    code_precision, code_recall, _ = score["code"]
    assert code_precision == 1.0 and code_recall >= 0.95, score


def test_third_set_second_nine_top_level_sections_and_own_code_hold_after_tuning_on_them() -> None:
    # Their unseen estimate was measured once, before any rule looked at them (bench/README.md); the rules were
    # then tuned on them, so this bar pins what the tuned rules reach, not an unseen figure.
    score = _score("third_unread")
    precision, recall, f1 = score["level1"]
    assert precision >= 0.99 and recall >= 0.99 and f1 >= 0.99, score
    code_precision, code_recall, _ = score["code"]
    assert code_precision == 1.0 and code_recall == 1.0, score
