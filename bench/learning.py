"""The ranking that learns from the reader, measured on real days: precision@10 of each day's ranking over the
41 real announcements in ../shared/corpus/listings/ (the cs.CV digest of each: papers whose primary category is
cs.CV), for simulated readers, learned (static profile + feedback) against the static profile alone. Writes
bench/results/learning.json.

    python bench/learning.py [--listings ../shared/corpus/listings] [--seeds 3] [--shown 20]

Each simulated reader has hidden interests: two topics given as phrases (HIDDEN below, chosen by hand before
any run, not tuned), which decide which papers they find relevant. Their configured profile only approximates
them (PROFILES: a few nearby keywords, as a reader types them once). Every day the reader looks at the top
`--shown` papers of the ranking they were served, likes up to 3 relevant ones and dislikes up to 2 others
(picked at random by the seed; 10% of the votes flipped, as real clicks are noisy); the next day is ranked with
everything they said so far. Precision@10 is the share of the day's top 10 the hidden interests call relevant;
the oracle (every relevant paper first) bounds it on days with fewer than 10 relevant papers.

Tuning: by default nothing is tuned: the shipped blend weight (learning.LEARNED_WEIGHT, set before any run) is
measured as it is. With `--tune` the weight is chosen from WEIGHTS by the learned ranking's mean precision@10 over
days 1-20 only, and days 21-41 are the untuned part. The hidden interests, the profiles, the reader's behaviour
and the minimum feedback (2 likes, 1 dislike) were fixed before the first run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arxiv_digest.interests.learning import LEARNED_WEIGHT, learned_scores  # noqa: E402
from arxiv_digest.interests.ranking import rank_papers  # noqa: E402
from arxiv_digest.profiles import InterestProfile  # noqa: E402
from schemas.records import Paper  # noqa: E402

CATEGORY = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")
TOPICS = {
    "3d": r"gaussian splatting|3dgs|radiance field|\bnerf\b|novel view synthesis",
    "driving": r"autonomous driving|lidar|bird's-eye|\bbev\b|occupancy",
    "medical": r"medical|\bct\b|\bmri\b|patholog|x-ray|lesion|radiolog",
    "remote": r"remote sensing|satellite|aerial|hyperspectral|\bsar\b",
    "video": r"video generation|video diffusion|text-to-video|image-to-video",
    "pose": r"pose estimation|human motion|motion generation|avatar",
    "vlm": r"vision-language model|multimodal large language|\bmllms?\b|\bvlms?\b",
    "forensics": r"anomaly detection|deepfake|forgery|adversarial",
}
# reader: (hidden topics, the profile they configured: nearby words, not the hidden phrases)
HIDDEN = {
    "scenes": (("3d", "driving"), {"3d reconstruction": 2.0, "depth estimation": 1.0, "point cloud": 1.0}),
    "health-earth": (("medical", "remote"), {"segmentation": 1.0, "medical image": 2.0}),
    "motion": (("video", "pose"), {"video": 1.0, "diffusion": 1.0, "human": 1.0}),
    "trust": (("vlm", "forensics"), {"multimodal": 1.0, "robustness": 2.0}),
    "makers": (("3d", "video"), {"rendering": 2.0, "generation": 1.0}),
}
WEIGHTS = (2.0, 4.0, 8.0)
LIKES_PER_DAY, DISLIKES_PER_DAY, FLIP = 3, 2, 0.1
TUNE_DAYS = 20


def load_days(listings: Path) -> list[tuple[str, list[Paper]]]:
    days = []
    for path in sorted(listings.glob("????-??-??.jsonl")):
        moment = datetime.fromisoformat(path.stem).replace(tzinfo=UTC)
        papers, ids = [], set()
        for line in path.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            if not raw["categories"] or raw["categories"][0] != "cs.CV" or raw["id"] in ids:
                continue
            ids.add(raw["id"])
            papers.append(Paper(arxiv_id=raw["id"], version=1, title=" ".join(raw["title"].split()),
                                authors=tuple(raw["authors"]),
                                categories=tuple(c for c in raw["categories"] if CATEGORY.match(c)),
                                primary_category="cs.CV", published=moment, updated=moment,
                                abstract=" ".join(raw["summary"].split()), comment=raw.get("comment")))
        days.append((path.stem, papers))
    return days


def _text(paper: Paper) -> str:
    return f"{paper.title}. {paper.abstract}"


def simulate(days: list[tuple[str, list[Paper]]], reader: str, seed: int, weight: float | None,
             shown: int) -> list[dict[str, float]]:
    """One reader over every day; weight None = the static profile alone (no feedback used)."""
    topics, keywords = HIDDEN[reader]
    hidden = re.compile("|".join(TOPICS[t] for t in topics), re.IGNORECASE)
    profile = InterestProfile(name=reader, keywords=tuple(keywords.items()))
    rng = random.Random(f"{reader}-{seed}")
    liked: dict[str, str] = {}
    disliked: dict[str, str] = {}
    results = []
    for _, papers in days:
        relevant = {p.arxiv_id for p in papers if hidden.search(_text(p))}
        learned = None
        if weight is not None:
            learned = learned_scores([_text(p) for p in papers], list(liked.items()), list(disliked.items()),
                                     weight=weight)
        ranking = [s.arxiv_id for s in rank_papers(papers, profile, learned=learned,
                                                   seen=set(liked) | set(disliked))]
        results.append({"p10": sum(i in relevant for i in ranking[:10]) / 10,
                        "oracle": min(len(relevant), 10) / 10, "relevant": len(relevant)})
        if weight is None:
            continue
        by_id = {p.arxiv_id: p for p in papers}
        top = ranking[:shown]
        good = [i for i in top if i in relevant]
        bad = [i for i in top if i not in relevant]
        votes = [(i, True) for i in rng.sample(good, min(LIKES_PER_DAY, len(good)))]
        votes += [(i, False) for i in rng.sample(bad, min(DISLIKES_PER_DAY, len(bad)))]
        for arxiv_id, likes in votes:
            likes = (not likes) if rng.random() < FLIP else likes
            (liked if likes else disliked)[arxiv_id] = _text(by_id[arxiv_id])
    return results


def _spread(values: list[float]) -> dict[str, float]:
    return {"mean": round(statistics.mean(values), 4),
            "stdev": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0}


def run(listings: Path, seeds: int, shown: int, tune: bool) -> dict[str, Any]:
    days = load_days(listings)
    readers = [(reader, seed) for reader in HIDDEN for seed in range(seeds)]
    static = {reader: simulate(days, reader, 0, None, shown) for reader in HIDDEN}

    def learned_runs(weight: float) -> dict[tuple[str, int], list[dict[str, float]]]:
        return {(reader, seed): simulate(days, reader, seed, weight, shown) for reader, seed in readers}

    def window(runs: dict[Any, list[dict[str, float]]], first: int, last: int) -> list[float]:
        """Per run, its mean precision@10 over days first..last (1-based, inclusive)."""
        return [statistics.mean(day["p10"] for day in series[first - 1:last]) for series in runs.values()]

    started = time.perf_counter()
    by_weight = {weight: learned_runs(weight) for weight in (WEIGHTS if tune else (LEARNED_WEIGHT,))}
    tuning = {str(weight): round(statistics.mean(window(runs, 1, TUNE_DAYS)), 4) for weight, runs in by_weight.items()}
    chosen = max(by_weight, key=lambda weight: (tuning[str(weight)], weight == LEARNED_WEIGHT))
    learned = by_weight[chosen]
    static_runs = {(reader, seed): static[reader] for reader, seed in readers}
    per_day = []
    for index, (day, papers) in enumerate(days):
        learned_day = [series[index]["p10"] for series in learned.values()]
        static_day = [series[index]["p10"] for series in static.values()]
        per_day.append({"day": index + 1, "date": day, "papers": len(papers),
                        "learned_p10": _spread(learned_day), "static_p10": _spread(static_day),
                        "oracle_p10": round(statistics.mean(s[index]["oracle"] for s in static.values()), 4)})
    windows = {name: {"learned": _spread(window(learned, a, b)), "static": _spread(window(static_runs, a, b)),
                      "oracle": round(statistics.mean(window({k: [{"p10": d["oracle"]} for d in v]
                                                              for k, v in static.items()}, a, b)), 4)}
               for name, (a, b) in {"days_1_10": (1, 10), "days_11_20": (11, 20),
                                    "days_21_41_untuned": (21, len(days))}.items()}
    per_reader = {reader: {"learned_days_21_41": _spread([statistics.mean(d["p10"] for d in learned[(reader, s)][20:])
                                                          for s in range(seeds)]),
                           "static_days_21_41": round(statistics.mean(d["p10"] for d in static[reader][20:]), 4)}
                  for reader in HIDDEN}
    return {
        "what": "precision@10 of each day's cs.CV ranking, learned (static profile + the reader's feedback) vs "
                "the static profile alone, simulated readers with hidden interests over the real listings",
        "data": "../shared/corpus/listings: 41 real announcements; papers with primary category cs.CV "
                f"({sum(len(p) for _, p in days)} papers)",
        "readers": {name: {"hidden_topics": {t: TOPICS[t] for t in topics}, "profile_keywords": keywords}
                    for name, (topics, keywords) in HIDDEN.items()},
        "hidden_interests_chosen_by": "the bench's author, by hand, before the first run (not tuned)",
        "seeds_per_reader": seeds, "shown_per_day": shown, "likes_per_day": LIKES_PER_DAY,
        "dislikes_per_day": DISLIKES_PER_DAY, "label_flip_rate": FLIP,
        "tuning": {"tuned_on": f"days 1-{TUNE_DAYS} (learned mean precision@10 per blend weight)" if tune else
                   "nothing: the shipped weight, as set before any run",
                   "mean_p10_days_1_20_by_weight": tuning, "chosen_weight": chosen,
                   "shipped_weight": LEARNED_WEIGHT,
                   "untuned": f"days 21-{len(days)}" if tune else "all days"},
        "windows": windows, "per_reader": per_reader, "per_day": per_day,
        "first_day_learned_beats_static": next((d["day"] for d in per_day
                                                if d["learned_p10"]["mean"] > d["static_p10"]["mean"]), None),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # ../shared beside a clone, or two levels up from a worktree
    found = [base / "shared" / "corpus" / "listings" for base in (ROOT.parent, ROOT.parent.parent)]
    parser.add_argument("--listings", type=Path, default=next((p for p in found if p.is_dir()), found[0]))
    parser.add_argument("--seeds", type=int, default=1, help="runs per reader (the reader's clicks differ)")
    parser.add_argument("--tune", action="store_true", help=f"choose the blend weight from {WEIGHTS} on days 1-20")
    parser.add_argument("--shown", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "learning.json")
    args = parser.parse_args()
    if not args.listings.is_dir():
        sys.exit(f"error: no listings at {args.listings}: give --listings (../shared/corpus/listings)")
    result = run(args.listings, args.seeds, args.shown, args.tune)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, values in result["windows"].items():
        print(f"{name}: learned {values['learned']['mean']:.3f} ± {values['learned']['stdev']:.3f}, "
              f"static {values['static']['mean']:.3f} ± {values['static']['stdev']:.3f}, "
              f"oracle {values['oracle']:.3f}")
    print(f"blend weight {result['tuning']['chosen_weight']} (mean precision@10 days 1-{TUNE_DAYS}: "
          f"{result['tuning']['mean_p10_days_1_20_by_weight']}); written to {args.out}")


if __name__ == "__main__":
    main()
