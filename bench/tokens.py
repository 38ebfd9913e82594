"""Benchmark: input tokens per paper for the method analysis (budget 12k) versus sending the whole text.

    python bench/tokens.py [PDF_DIR]      # default: ../shared/corpus/pdfs beside the repo

Writes bench/results/tokens.json. Each corpus PDF goes through the pipeline's own steps on a throwaway store:
``extract_paper`` (extract_document), ``segment_paper`` (segment_sections + find_links with the paper's title
and abstract), ``gather_input``, then the model analyzer's ``prompts()`` with default settings (language zh,
``llm_input_token_budget``); its first prompt is exactly what would be sent for the method analysis. Nothing is
sent anywhere. Tokens are the project's own estimate (``prompting.message_tokens``). The whole-text figure
sends every page's extracted text, references and appendix included, through the same builder and template
(one "section" per page, no budget).

The corpus has no arXiv API records for these papers: title, version and category come from MANIFEST.tsv (the
arXiv stamp in its notes), and the abstract is the PDF's own abstract section, standing in for the arXiv one.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from arxiv_digest.analysis.analyzer import ModelAnalyzer  # noqa: E402
from arxiv_digest.analysis.extractive import gather_input  # noqa: E402
from arxiv_digest.analysis.prompting import Prompt, build_method_prompt, estimate_tokens, message_tokens  # noqa: E402
from arxiv_digest.pdf.layout import EXTRACTOR_VERSION  # noqa: E402
from arxiv_digest.pdf.sections import segment_sections  # noqa: E402
from arxiv_digest.runtime import (  # noqa: E402
    Runtime,
    close_stores,
    open_store,
)
from arxiv_digest.settings import Settings  # noqa: E402
from arxiv_digest.steps.analyze import analyzer_for  # noqa: E402
from arxiv_digest.steps.pdf import extract_paper, segment_paper  # noqa: E402
from schemas.records import Paper, PdfFile, Section  # noqa: E402

SHARED = ROOT.parent / "shared"
DEFAULT_PDFS = SHARED / "corpus" / "pdfs"
RESULTS = ROOT / "bench" / "results" / "tokens.json"
_STAMP = re.compile(r"arXiv stamp on page 1: (?P<id>\S+?)v(?P<version>\d+) \[(?P<category>[^\]]+)\]")


def read_manifest(pdf_dir: Path) -> dict[str, dict[str, str]]:
    """MANIFEST.tsv rows by arXiv id (the corpus folder above the PDFs); empty when there is none."""
    path = pdf_dir.parent / "MANIFEST.tsv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["arxiv_id"]: row for row in csv.DictReader(handle, delimiter="\t") if row.get("arxiv_id")}


def paper_record(arxiv_id: str, row: dict[str, str], abstract: str) -> Paper:
    stamp = _STAMP.search(row.get("notes", ""))
    category = stamp.group("category") if stamp else "cs.CV"
    when = datetime(2000, 1, 1, tzinfo=UTC)  # not used by the prompt
    return Paper(
        arxiv_id=arxiv_id,
        version=int(stamp.group("version")) if stamp else 1,
        title=row.get("title") or arxiv_id,
        authors=(),
        categories=(category,),
        primary_category=category,
        published=when,
        updated=when,
        abstract=abstract,
    )


class _NamedModel:
    """Only the model's name enters a prompt; this stands in for the configured client and is never called."""

    def __init__(self, name: str) -> None:
        self.name = name

    def complete(self, messages: object) -> object:
        raise RuntimeError("bench/tokens.py never calls the model")


def whole_text_prompt(paper: Paper, page_texts: Sequence[tuple[int, str]], links: Sequence[Any], *,
                      language: str, model: str) -> Prompt:
    """The same method prompt with every page's text as the body (one section per page, no budget)."""
    pages = [Section(n, f"p. {n}", "method", n, text, 1) for n, text in page_texts]
    return build_method_prompt(paper, pages, links, language=language, model=model, budget=10**9)


def _chars(prompt: Prompt) -> int:
    return sum(len(m["content"]) for m in prompt.messages)


def _tiktoken_counts(prompts: dict[str, Prompt]) -> dict[str, Any] | None:
    """cl100k/o200k counts of the message texts when tiktoken is importable (it is not a dependency)."""
    try:
        import tiktoken  # type: ignore[import-not-found]
    except ImportError:
        return None
    counts: dict[str, Any] = {}
    for encoding_name in ("cl100k_base", "o200k_base"):
        try:
            encoding = tiktoken.get_encoding(encoding_name)
        except Exception as exc:  # the encoding file is downloaded on first use
            counts[encoding_name] = f"unavailable: {exc}"
            continue
        for label, prompt in prompts.items():
            # Same framing allowance as message_tokens: 4 per message plus 2.
            tokens = sum(len(encoding.encode(m["content"], disallowed_special=())) + 4 for m in prompt.messages) + 2
            counts[f"{label}_{encoding_name}"] = tokens
    return counts


def measure_paper(settings: Settings, pdf: Path, row: dict[str, str]) -> dict[str, Any]:
    arxiv_id = pdf.stem
    data = pdf.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    store = open_store(settings.db_path)
    stamp = _STAMP.search(row.get("notes", ""))
    version = int(stamp.group("version")) if stamp else 1
    store.upsert_pdf(PdfFile(arxiv_id, version, "ok", sha, str(pdf), len(data)))
    started = time.perf_counter()
    status = extract_paper(Runtime(settings), arxiv_id, version)  # extract_document, as the extract step runs it
    extraction = store.extraction(sha)
    if status != "ok" or extraction is None:
        return {"arxiv_id": arxiv_id, "skipped": f"extraction {status}"}
    # The arXiv abstract is not in the corpus: the PDF's own abstract section stands in for it.
    abstract = next((s.text for s in segment_sections(data, extraction) if s.norm == "abstract"), "")
    paper = paper_record(arxiv_id, row, abstract)
    store.upsert_papers([paper])
    segment_paper(Runtime(settings), arxiv_id, version)  # segment_sections + find_links(abstract, title), stored
    pipeline_seconds = time.perf_counter() - started

    inputs = gather_input(store, paper)  # what the analyze step reads back from the store
    analyzer = analyzer_for(settings)
    assert isinstance(analyzer, ModelAnalyzer)
    prompts = analyzer.prompts(inputs, settings.language)
    sent = prompts[0]
    whole = whole_text_prompt(paper, [(p.page, p.text) for p in extraction.page_texts], inputs.links,
                              language=settings.language, model=analyzer.model_name)
    assert sent.input_tokens == message_tokens(sent.messages)
    result: dict[str, Any] = {
        "arxiv_id": arxiv_id,
        "version": version,
        "pages": extraction.pages,
        "sections": len(inputs.sections),
        "section_labels": sorted({s.norm for s in inputs.sections}),
        "links": len(inputs.links),
        "abstract_tokens": estimate_tokens(paper.abstract),
        "prompt_kind": sent.kind,
        "note": sent.note,
        "tokens_sent": sent.input_tokens,
        "tokens_whole_text": whole.input_tokens,
        "ratio": round(sent.input_tokens / whole.input_tokens, 4),
        "chars_sent": _chars(sent),
        "chars_whole_text": _chars(whole),
        "chars_per_token_sent": round(_chars(sent) / sent.input_tokens, 2),
        "within_budget": sent.input_tokens <= settings.llm_input_token_budget,
        "whole_text_within_budget": whole.input_tokens <= settings.llm_input_token_budget,
        "pipeline_seconds": round(pipeline_seconds, 3),
    }
    counts = _tiktoken_counts({"sent": sent, "whole_text": whole})
    if counts is not None:
        result["tiktoken"] = counts
    return result


def _quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (statistics.quantiles, inclusive method)."""
    if len(values) == 1:
        return float(values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[round(q * 100) - 1], 1)


def summarize(papers: Sequence[dict[str, Any]], budget: int, seconds: float) -> dict[str, Any]:
    done = [p for p in papers if "tokens_sent" in p]
    sent = [p["tokens_sent"] for p in done]
    whole = [p["tokens_whole_text"] for p in done]
    return {
        "papers": len(done),
        "skipped": len(papers) - len(done),
        "budget": budget,
        "max_tokens_sent": max(sent),
        "median_tokens_sent": statistics.median(sent),
        "p95_tokens_sent": _quantile(sent, 0.95),
        "min_tokens_sent": min(sent),
        "papers_over_budget": sum(not p["within_budget"] for p in done),
        "papers_whole_text_within_budget": sum(p["whole_text_within_budget"] for p in done),
        "median_tokens_whole_text": statistics.median(whole),
        "max_tokens_whole_text": max(whole),
        "median_ratio_sent_to_whole": round(statistics.median(p["ratio"] for p in done), 4),
        "median_reduction": round(1 - statistics.median(p["ratio"] for p in done), 4),
        "total_tokens_sent": sum(sent),
        "total_tokens_whole_text": sum(whole),
        "total_reduction": round(1 - sum(sent) / sum(whole), 4),
        "total_chars_sent": sum(p["chars_sent"] for p in done),
        "total_chars_whole_text": sum(p["chars_whole_text"] for p in done),
        "seconds": round(seconds, 2),
    }


def run_benchmark(pdf_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    manifest = read_manifest(pdf_dir)
    pdfs = sorted(pdf_dir.glob("*.pdf"))
    with tempfile.TemporaryDirectory(prefix="tokens-bench-") as tmp:
        # Default settings, with a model endpoint named so that the model analyzer (not the extractive one) is
        # chosen; its client is never called.
        settings = Settings(data_dir=Path(tmp), llm_base_url="http://127.0.0.1:9/v1")
        try:
            papers = [measure_paper(settings, pdf, manifest.get(pdf.stem, {})) for pdf in pdfs]
        finally:
            close_stores()
    seconds = time.perf_counter() - started
    have_tiktoken = any("tiktoken" in p for p in papers)
    return {
        "extractor": EXTRACTOR_VERSION,
        "language": settings.language,
        "model": settings.llm_model,
        "estimator": "arxiv_digest.prompting.message_tokens (estimate_tokens per message + 4, + 2)",
        "tiktoken": "see per-paper 'tiktoken'" if have_tiktoken else "not installed in the venv: no cross-check",
        "abstract_source": "the PDF's own abstract section (no arXiv API record in the corpus)",
        "whole_text": "every page's extracted text, one section per page, same template, no budget",
        "summary": summarize(papers, settings.llm_input_token_budget, seconds),
        "per_paper": papers,
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"{'paper':<11} {'pages':>5} {'sect':>4} {'sent':>6} {'whole':>7} {'ratio':>6}  note")
    for p in result["per_paper"]:
        if "tokens_sent" not in p:
            print(f"{p['arxiv_id']:<11} skipped: {p['skipped']}")
            continue
        print(f"{p['arxiv_id']:<11} {p['pages']:>5} {p['sections']:>4} {p['tokens_sent']:>6} "
              f"{p['tokens_whole_text']:>7} {p['ratio']:>6.2f}  {p['note'][-40:]}")
    s = result["summary"]
    print(f"\n{s['papers']} papers: tokens sent max {s['max_tokens_sent']}, median {s['median_tokens_sent']}, "
          f"p95 {s['p95_tokens_sent']} (budget {s['budget']}); over budget: {s['papers_over_budget']}")
    print(f"whole text median {s['median_tokens_whole_text']}; reduction median {s['median_reduction']:.0%}, "
          f"total {s['total_reduction']:.0%}; {s['seconds']} s; tiktoken: {result['tiktoken']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("pdf_dir", nargs="?", type=Path, default=DEFAULT_PDFS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not args.pdf_dir.is_dir() or not any(args.pdf_dir.glob("*.pdf")):
        print(f"no corpus PDFs at {args.pdf_dir} (expected {SHARED}/corpus/pdfs beside the repository); "
              "pass the folder as the first argument", file=sys.stderr)
        return 2
    result = run_benchmark(args.pdf_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
