"""The answer gate on real-style answers: precision and recall of "publish", and the paper-evidence threshold on
real (paper, text) pairs. Writes bench/results/answer_gate.json.

Three answer sets, reported apart because they are not equally honest:
- `tuned`: tests/answer_corpus.py CASES, written while the normaliser and the checks were tuned;
- `held_out`: HELD_OUT, written after the code was final and run once (its first run is recorded below);
- `seed`: the seed digest's real answers (../shared/seed), looked at while tuning.
"Positive" is an answer a reader wants published: precision = good published / all published, recall = good
published / all good.

The paper-evidence check (arxiv_digest.checks.evidence.about_another_paper) is measured on the real model's
Chinese notes of ../shared/corpus/listings/*_AI_enhanced_Chinese.jsonl: each note with its own paper (must pass)
and with a random other paper of the same files (must be caught). Its thresholds were chosen on all six files.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the corpus and its paper live with the tests

from answer_corpus import CASES, HELD_OUT, Case, gate_problems, seed_cases, seed_gate_problems  # noqa: E402

from arxiv_digest.checks.evidence import about_another_paper  # noqa: E402

SHARED = Path(os.environ.get("DIGEST_SHARED_DIR") or ROOT.parent / "shared")
# The held-out set's first run, before the one fix it prompted (summaries were not checked for a cut end):
# 11 of 14 verdicts right; the misses were the cut summary (fixed since: summary_truncated), an English answer
# that opens "As an AI language model, I don't have the ability to read PDFs" and then analyses the right paper
# (its caveat is trimmed as a preamble and the analysis published), and an abstract answer about another paper
# that keeps this paper's figures (41 %, FLOPs), which the evidence score takes as this paper's.
HELD_OUT_FIRST_RUN = {"right": 11, "of": 14, "misses": ["held-zh-summary-cut", "held-en-ai-model-generic",
                                                         "held-zh-abstract-other-paper"]}


def scores(verdicts: Sequence[tuple[str, bool, bool]]) -> dict[str, Any]:
    """(name, expected publish, published) -> precision, recall and the wrong verdicts by name."""
    good = [v for v in verdicts if v[1]]
    published = [v for v in verdicts if v[2]]
    true_positive = sum(1 for v in verdicts if v[1] and v[2])
    return {
        "answers": len(verdicts),
        "good": len(good),
        "bad": len(verdicts) - len(good),
        "precision": round(true_positive / len(published), 4) if published else None,
        "recall": round(true_positive / len(good), 4) if good else None,
        "good_not_published": [v[0] for v in verdicts if v[1] and not v[2]],
        "bad_published": [v[0] for v in verdicts if not v[1] and v[2]],
    }


def judge(cases: Iterable[Case]) -> list[tuple[str, bool, bool]]:
    return [(case.name, case.publish, not gate_problems(case)[1]) for case in cases]


def evidence_on_listings(seed: int = 1) -> dict[str, Any] | None:
    files = sorted((SHARED / "corpus" / "listings").glob("*_AI_enhanced_Chinese.jsonl"))
    if not files:
        return None
    result: dict[str, Any] = {"tuned_on": "all six files (thresholds chosen looking at every pair)"}
    for label, chosen in (("first_three_days", files[:3]), ("last_three_days", files[3:]), ("all", files)):
        rows = []
        for path in chosen:
            for line in path.read_text(encoding="utf-8").splitlines():
                paper = json.loads(line)
                notes = paper.get("AI") or {}
                text = "\n".join(str(notes.get(k, "")) for k in ("tldr", "motivation", "method", "result",
                                                                   "conclusion"))
                if len(text) > 50:
                    rows.append((paper["title"], paper["summary"], text))
        rng = random.Random(seed)
        wrongly_rejected = wrongly_accepted = 0
        for i, (title, abstract, text) in enumerate(rows):
            wrongly_rejected += about_another_paper(text, title, abstract) is not None
            j = rng.randrange(len(rows) - 1)
            j += j >= i
            wrongly_accepted += about_another_paper(rows[j][2], title, abstract) is None
        result[label] = {"pairs": len(rows), "own_paper_rejected": round(wrongly_rejected / len(rows), 4),
                         "other_paper_accepted": round(wrongly_accepted / len(rows), 4)}
    result["note"] = ("the notes are short (about 300 characters) and often translate every name; a 7-part analysis "
                      "keeps more of the paper's names, so these rates bound the check from the hard side")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    result: dict[str, Any] = {
        "tuned": scores(judge(CASES)),
        "held_out": {**scores(judge(HELD_OUT)), "first_run": HELD_OUT_FIRST_RUN},
    }
    seed_file = SHARED / "seed" / "000_830de6816814581d.txt"
    if seed_file.is_file():
        text = seed_file.read_text(encoding="utf-8")
        result["seed"] = scores([(s.case.name, s.case.publish, not seed_gate_problems(s, text)[1])
                                 for s in seed_cases(text)])
    evidence = evidence_on_listings()
    if evidence is not None:
        result["paper_evidence_on_listings"] = evidence
    target = ROOT / "bench" / "results" / "answer_gate.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
