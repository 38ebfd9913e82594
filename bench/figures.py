"""Benchmark: the teaser figure finder on the corpus papers, against hand-judged truth.

    python bench/figures.py [PDF_DIR] [--crops DIR]   # default: ../shared/corpus/pdfs beside the repo

Writes bench/results/figures.json: per paper the figure found (page, number, box) or none, whether it is right
by bench/truth_figures.json, and the time to find and render it; then the found rate (among the papers whose
truth names a figure on the first pages), the right rate among the found, wrong crops, and the time per paper.
`--crops DIR` also writes every crop as DIR/<id>.<ext> to look at.

Then the figures the rules were not written on: every figure caption on pages 5-14 is located as a teaser would
be (how many get a box), and a judged random sample of them (bench/truth_figures_other.json) is scored the same
way (right: the judged box, IoU >= 0.8).

A found figure is right when its number is one the truth accepts (the first figure or the overview figure) and
its box covers the box judged by hand (intersection over union >= 0.8), so a crop that cuts the figure or
takes in body text counts as wrong.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pymupdf  # noqa: E402

from arxiv_digest.pdf.figures import (  # noqa: E402
    FIGURE_METHOD_VERSION,
    find_captions,
    find_teaser,
    locate_figure,
    render_crop,
    running_heads,
)

TRUTH = ROOT / "bench" / "truth_figures.json"
OTHER_TRUTH = ROOT / "bench" / "truth_figures_other.json"
OTHER_PAGES = (5, 14)
RESULTS = ROOT / "bench" / "results" / "figures.json"
DEFAULT_PDFS = ROOT.parent / "shared" / "corpus" / "pdfs"
RIGHT_IOU = 0.8


def iou(a: list[float], b: list[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def judge(found: dict[str, Any] | None, truth: dict[str, Any]) -> str:
    """right | wrong | missed | correctly-none (the truth names no findable figure and none was found)."""
    expected = truth.get("figures") or []
    if found is None:
        return "missed" if expected else "correctly-none"
    for figure in expected:
        if (figure["page"] == found["page"] and figure["number"] == found["number"]
                and iou(figure["bbox"], found["bbox"]) >= RIGHT_IOU):
            return "right"
    return "wrong"


def measure(pdf: Path, crops: Path | None) -> dict[str, Any]:
    started = time.perf_counter()
    with pymupdf.open(pdf) as doc:
        crop = find_teaser(doc)
        rendered = render_crop(doc, crop) if crop is not None else None
    seconds = time.perf_counter() - started
    if crop is None:
        return {"found": None, "seconds": round(seconds, 3)}
    found = {"page": crop.page + 1, "number": crop.number, "bbox": list(crop.bbox), "caption": crop.caption[:160]}
    if rendered is not None:
        found.update(bytes=len(rendered.data), width=rendered.width, height=rendered.height,
                     format=rendered.extension)
        if crops is not None:
            (crops / f"{pdf.stem}.{rendered.extension}").write_bytes(rendered.data)
    return {"found": found, "seconds": round(seconds, 3)}


def other_figures(pdfs: Path) -> dict[str, Any]:
    """Every captioned figure on pages 5-14, located as a teaser would be; the judged sample scored."""
    located: dict[tuple[str, int, int], list[float] | None] = {}
    for pdf in sorted(pdfs.glob("*.pdf")):
        with pymupdf.open(pdf) as doc:
            heads = running_heads(doc)
            for caption in find_captions(doc, pages=min(doc.page_count, OTHER_PAGES[1])):
                if caption.page + 1 < OTHER_PAGES[0]:
                    continue
                box = locate_figure(doc[caption.page], caption, heads)
                located[(pdf.stem, caption.page + 1, caption.number)] = list(box) if box else None
    judged = json.loads(OTHER_TRUTH.read_text(encoding="utf-8"))["figures"] if OTHER_TRUTH.is_file() else []
    right, wrong = 0, []
    for figure in judged:
        box = located.get((figure["paper"], figure["page"], figure["number"]))
        if figure["verdict"] == "right" and box is not None and iou(figure["bbox"], box) >= RIGHT_IOU:
            right += 1
        else:
            wrong.append(f"{figure['paper']} p{figure['page']} figure {figure['number']}")
    return {"captions": len(located), "located": sum(1 for box in located.values() if box),
            "sample_judged": len(judged), "sample_right": right, "sample_wrong": wrong}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="?", type=Path, default=DEFAULT_PDFS)
    parser.add_argument("--crops", type=Path, help="write each crop here to look at")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not args.pdfs.is_dir():
        print(f"no corpus at {args.pdfs}: pass the folder of corpus PDFs", file=sys.stderr)
        return 2
    if args.crops:
        args.crops.mkdir(parents=True, exist_ok=True)
    truth = json.loads(TRUTH.read_text(encoding="utf-8")) if TRUTH.is_file() else {}
    papers: dict[str, Any] = {}
    for pdf in sorted(args.pdfs.glob("*.pdf")):
        result = measure(pdf, args.crops)
        if pdf.stem in truth:
            result["judged"] = judge(result["found"], truth[pdf.stem])
        papers[pdf.stem] = result
    judged = [p for p in papers.values() if "judged" in p]
    with_figure = [p for p, t in zip(papers, papers.values(), strict=True) if truth.get(p, {}).get("figures")]
    found = [p for p in papers.values() if p["found"] is not None]
    right = [p for p in judged if p["judged"] == "right"]
    summary = {
        "method": FIGURE_METHOD_VERSION,
        "papers": len(papers),
        "judged": len(judged),
        "with_a_figure_on_pages_1_4": len(with_figure),
        "found": len(found),
        "found_rate": round(sum(1 for p in with_figure if papers[p]["found"]) / max(1, len(with_figure)), 3),
        "right": len(right),
        "right_rate_among_found": round(len(right) / max(1, sum(1 for p in judged if p["found"])), 3),
        "wrong": sorted(p for p, r in papers.items() if r.get("judged") == "wrong"),
        "missed": sorted(p for p, r in papers.items() if r.get("judged") == "missed"),
        "seconds_per_paper": round(sum(p["seconds"] for p in papers.values()) / max(1, len(papers)), 3),
        "max_seconds": max((p["seconds"] for p in papers.values()), default=0.0),
        "max_bytes": max((p["found"].get("bytes", 0) for p in found), default=0),
        "other_figures_pages_5_14": other_figures(args.pdfs),
        "python": platform.python_version(),
        "pymupdf": pymupdf.VersionBind,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "papers": papers}, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
