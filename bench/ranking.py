"""The reader's interests, measured: ranking quality on synthetic days with planted papers, ranking speed, and a
day's model cost with and without the reading budget. Writes bench/results/ranking.json.

    python bench/ranking.py [--papers 200] [--planted 12] [--seeds 5] [--top-n 10]

Quality: `tests/interest_day.py` builds a cs.CV day from templates (ten topics, decoys that use the reader's words
in another sense) and plants papers on the reader's topic that do not quote the profile's phrases verbatim; the
profile is its keywords, one favourite author and a three-paper BibTeX library. Cost: the day's papers (each with
the same full text) analysed in process by a scripted model that answers every prompt validly (no HTTP, the
real store, the real validation); calls are the prompts it was sent, tokens the project's own estimate of them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the synthetic day and the scripted model live with the tests
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from fake_llm import EN_ABSTRACT, EN_METHOD  # noqa: E402
from interest_day import synthetic_day  # noqa: E402
from scripted_model import Asked, ScriptedModel  # noqa: E402
from test_analyze import SECTIONS, add_paper  # noqa: E402

from arxiv_digest.analysis.model import ModelConfig  # noqa: E402
from arxiv_digest.analysis.prompting import estimate_tokens  # noqa: E402
from arxiv_digest.bibtex import LikedPaper  # noqa: E402
from arxiv_digest.interests.ranking import rank_papers  # noqa: E402
from arxiv_digest.runtime import (  # noqa: E402
    Runtime,
    close_stores,
    open_store,
)
from arxiv_digest.settings import Settings  # noqa: E402
from arxiv_digest.steps.analyze import analyze_paper  # noqa: E402
from arxiv_digest.steps.rank import rank_day  # noqa: E402
from schemas.records import Section  # noqa: E402

DAY = date(2026, 1, 21)
CATEGORY = "cs.CV"
# gpt-4o-mini's list price per 1M tokens, to put the token counts in money.
PRICE_IN, PRICE_OUT = 0.15, 0.60


def quality(papers: int, planted: int, seeds: int) -> dict[str, Any]:
    runs = []
    for seed in range(seeds):
        day = synthetic_day(count=papers, planted=planted, seed=seed)
        ranked = [s.arxiv_id for s in rank_papers(day.papers, day.profile)]
        hits = [arxiv_id in day.planted for arxiv_id in ranked]
        runs.append({
            "seed": seed,
            "precision_at_10": sum(hits[:10]) / 10,
            "recall_at_10": sum(hits[:10]) / len(day.planted),
            "recall_at_20": sum(hits[:20]) / len(day.planted),
            "r_precision": sum(hits[:len(day.planted)]) / len(day.planted),
            "worst_planted_rank": max(i + 1 for i, hit in enumerate(hits) if hit),
        })
    keys = [k for k in runs[0] if k != "seed"]
    return {"papers": papers, "planted": planted, "seeds": seeds,
            "mean": {k: round(statistics.mean(r[k] for r in runs), 3) for k in keys}, "runs": runs}


def speed(papers: int, liked: int = 0, repeats: int = 7) -> dict[str, Any]:
    """Seconds to rank a day; `liked` > 0: a library of that many liked papers instead of the profile's three."""
    day = synthetic_day(count=papers, planted=12)
    profile = day.profile
    if liked:
        library = synthetic_day(count=liked, planted=liked // 4, seed=99).papers
        profile = replace(profile, liked=tuple(LikedPaper(p.arxiv_id, p.title, p.abstract, p.authors, p.arxiv_id)
                                               for p in library))
    rank_papers(day.papers, profile)  # warm: imports, numpy
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        rank_papers(day.papers, profile)
        times.append(time.perf_counter() - started)
    return {"papers": papers, "liked_papers": len(profile.liked), "median_seconds": round(statistics.median(times), 4),
            "max_seconds": round(max(times), 4), "target_seconds": 1.0}


def full_text_sections() -> tuple[Section, ...]:
    """The tests' paper sections at the length of a real paper (~9,000 words), so the method prompt fills the
    input budget as it does on a real day."""
    return tuple(replace(section, text=" ".join([section.text] * 12)) for section in SECTIONS)


RERANK_ANSWER = '{"relevance": 7, "significance": 5}'


def answer(asked: Asked) -> str:
    if '"relevance"' in asked.system:
        return RERANK_ANSWER
    return EN_METHOD if asked.kind == "method" else EN_ABSTRACT


def model_cost(papers: int, top_n: int | None, rerank_k: int = 0) -> dict[str, Any]:
    """Analyse a day with the scripted model; `top_n` None: no profile (every paper read in full)."""
    day = synthetic_day(count=papers, planted=12)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), language="en", llm_base_url="http://127.0.0.1:9/v1",
                            llm_model="scripted", llm_stream=False)
        if top_n is not None:
            settings = replace(settings, profiles=(day.profile,), deep_analysis_top_n=top_n, rerank_top_k=rerank_k)
        model = ScriptedModel(ModelConfig.from_settings(settings), then=answer)
        runtime = Runtime(settings, chat_model=model)
        store = open_store(settings.db_path)
        sections = full_text_sections()
        for paper in day.papers:
            add_paper(store, paper, sections)
        started = time.perf_counter()
        rank_day(runtime, DAY, CATEGORY)
        kinds = [analyze_paper(runtime, p.arxiv_id, p.version, DAY, CATEGORY) for p in day.papers]
        seconds = time.perf_counter() - started
        close_stores()
    tokens_in = sum(estimate_tokens(a.system) + estimate_tokens(a.user) for a in model.asked)
    tokens_out = sum(estimate_tokens(answer(a)) for a in model.asked)
    return {
        "profile": day.profile.name if top_n is not None else None,
        "deep_analysis_top_n": top_n,
        "rerank_top_k": rerank_k,
        "calls": len(model.asked),
        "rerank_prompts": sum('"relevance"' in a.system for a in model.asked),
        "method_prompts": sum(a.kind == "method" for a in model.asked),
        "abstract_prompts": sum(a.kind == "abstract" and '"relevance"' not in a.system for a in model.asked),
        "method_analyses": kinds.count("method"),
        "abstract_analyses": kinds.count("abstract"),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "usd_at_gpt_4o_mini_prices": round((tokens_in * PRICE_IN + tokens_out * PRICE_OUT) / 1e6, 4),
        "seconds_in_process": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--planted", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--top-n", type=int, default=10)
    args = parser.parse_args()
    without = model_cost(args.papers, None)
    with_budget = model_cost(args.papers, args.top_n)
    with_rerank = model_cost(args.papers, args.top_n, rerank_k=2 * args.top_n)
    result = {
        "quality": quality(args.papers, args.planted, args.seeds),
        "speed": speed(300),
        "speed_with_3000_liked": speed(300, liked=3000),
        "model_cost": {
            "without_profile": without,
            "with_budget": with_budget,
            "with_budget_and_rerank": with_rerank,
            "saved_input_tokens_share": round(1 - with_budget["input_tokens"] / without["input_tokens"], 3),
        },
    }
    target = ROOT / "bench" / "results" / "ranking.json"
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"quality": result["quality"]["mean"], "speed": [result["speed"], result["speed_with_3000_liked"]],
                      "model_cost": result["model_cost"]}, indent=2))


if __name__ == "__main__":
    main()
