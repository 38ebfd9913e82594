"""Step 7: render the digest in the seed's structure and write it atomically to data/out/<category>/<date>.md."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from arxiv_digest.settings import Settings
from schemas.records import Analysis, Paper
from tasks.summarize import category_name

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_LINK = re.compile(r"\]\(\s*(javascript|data|vbscript|file):", re.IGNORECASE)
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>#|])")

WITHHELD_PREFIX = "> Analysis withheld:"
UNAVAILABLE = {
    "zh": "> Analysis unavailable: 该论文的分析步骤失败（{reason}），请运行 `arxiv-digest rerun --failed`。",
    "en": "> Analysis unavailable: the analysis step failed for this paper ({reason}); "
    "run `arxiv-digest rerun --failed`.",
}


def strip_controls(text: str) -> str:
    """Drop control characters and bidirectional overrides that could disguise text."""
    return _CONTROL.sub("", text)


def md_inline(text: str) -> str:
    """Text from arXiv placed inline (titles, authors): markdown and HTML have no effect."""
    flat = " ".join(strip_controls(text).split())
    return _INLINE_SPECIALS.sub(r"\\\1", flat)


def md_block(text: str) -> str:
    """A block of markdown we or a model wrote: kept as markdown, but no raw HTML and no script links."""
    cleaned = strip_controls(text).replace("<", "&lt;")
    return _UNSAFE_LINK.sub("](#blocked:", cleaned).strip()


def md_plain_block(text: str) -> str:
    """A block of text from arXiv (abstracts): one paragraph, no markup."""
    flat = " ".join(strip_controls(text).split())
    flat = flat.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"^([#>*+-]|\d+\.)", r"\\\1", flat)


def anchor(paper: Paper) -> str:
    return paper.versioned_id


def render_markdown(
    digest_day: date,
    category: str,
    papers: Sequence[Paper],
    analyses: dict[str, Analysis],
    summary: str,
    language: str,
    abs_url: str = "https://arxiv.org/abs",
    pdf_url: str = "https://arxiv.org/pdf",
    failures: dict[str, str] | None = None,
) -> str:
    failures = failures or {}
    out: list[str] = [
        f"Time: {digest_day.strftime('%Y%m%d')}",
        "",
        f"# Arxiv {category_name(category)} Papers - {digest_day.isoformat()}",
        "",
        "## Executive Summary",
        "",
        md_block(summary),
        "",
        "---",
        "",
        "## Table of Contents",
        "",
    ]
    if papers:
        out += [f"{i}. [{md_inline(p.title)}](#{anchor(p)})" for i, p in enumerate(papers, start=1)]
    else:
        out.append("No papers for this day." if language == "en" else "本期没有论文。")
    out += ["", "---", "", "## Papers", ""]
    for paper in papers:
        vid = paper.versioned_id
        analysis = analyses.get(vid)
        out += [
            f"<a id='{anchor(paper)}'></a>",
            f"## [{md_inline(paper.title)}]({abs_url}/{vid})",
            "",
            f"**Authors:** {md_inline(', '.join(paper.authors))}",
            "",
            f"**Published:** {paper.published.date().isoformat()}",
            "",
            f"**Categories:** {md_inline(', '.join(paper.categories))}",
            "",
            "**Abstract:**",
            "",
            md_plain_block(paper.abstract),
            "",
            "**Analysis:**",
            "",
        ]
        if analysis is None:
            reason = failures.get(vid, "no analysis stored")
            out.append(UNAVAILABLE[language].format(reason=md_inline(reason)))
            findings: Sequence[str] = ()
        elif analysis.kind == "withheld":
            out.append(f"{WITHHELD_PREFIX} {md_inline(analysis.notice or 'it failed the quality checks')}")
            findings = analysis.key_findings
        else:
            out.append(md_block(analysis.content))
            findings = analysis.key_findings
        out += ["", "**Key Findings:**", ""]
        out += [f"- {md_plain_block(f)}" for f in findings] or ["- " + ("（摘要中没有可摘录的结论句。）"
                                                                  if language == "zh" else
                                                                  "(No result sentence in the abstract.)")]
        out += [
            "",
            "**Links:**",
            "",
            f"- [PDF]({pdf_url}/{vid})",
            f"- [arXiv]({abs_url}/{vid})",
            "",
            "---",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def write_atomically(path: Path, content: str | bytes) -> str:
    """Write through a temp file in the same directory and rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return hashlib.sha256(data).hexdigest()


def output_path(out_dir: Path, category: str, digest_day: date, suffix: str = "md") -> Path:
    safe_category = re.sub(r"[^A-Za-z0-9.-]", "_", category)
    return out_dir / safe_category / f"{digest_day.isoformat()}.{suffix}"


def step_seconds_from_prefect(flow_run_id: str | None) -> dict[str, float]:
    """Seconds spent per step in this flow run, summed over its task runs, as Prefect recorded them."""
    if not flow_run_id:
        return {}
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    seconds: dict[str, float] = {}
    for run in runs:
        step = run.name.split("-", 1)[0]
        seconds[step] = round(seconds.get(step, 0.0) + run.total_run_time.total_seconds(), 3)
    return seconds


def day_counts(store: Any, digest_day: date, category: str, papers: Sequence[Paper],
               analyses: dict[str, Analysis]) -> dict[str, int]:
    pdfs = [store.pdf(p.arxiv_id, p.version) for p in papers]
    quality = store.quality_results(digest_day, category)
    return {
        "papers": len(papers),
        "pdf_ok": sum(1 for pdf in pdfs if pdf is not None and pdf.status == "ok"),
        "pdf_failed": sum(1 for pdf in pdfs if pdf is not None and pdf.status == "failed"),
        "method_analyses": sum(1 for a in analyses.values() if a.kind == "method"),
        "abstract_analyses": sum(1 for a in analyses.values() if a.kind == "abstract"),
        "withheld": sum(1 for a in analyses.values() if a.kind == "withheld"),
        "missing_analyses": len(papers) - len(analyses),
        "quality_blocking_failed": sum(1 for r in quality if not r.passed and r.severity == "blocking"),
        "quality_warnings": sum(1 for r in quality if not r.passed and r.severity == "warning"),
    }


# -- Prefect task ----------------------------------------------------------------------------------------


@task(name="publish", task_run_name="publish-{category}-{digest_day}", retries=1, retry_delay_seconds=2,
      cache_policy=NONE)
def publish_task(settings: Settings, digest_day: date, category: str) -> dict[str, Any]:
    from prefect.runtime import flow_run

    from arxiv_digest.store import open_store

    store = open_store(settings.db_path)
    papers = store.digest_papers(digest_day, category)
    analyses = store.digest_analyses(digest_day, category)
    stored_summary = store.summary(digest_day, category, settings.language)
    summary = stored_summary[0] if stored_summary else ""
    failures = {
        f"{s['arxiv_id']}v{s['version']}": f"{s['step']}: {s['detail']}"
        for s in store.paper_steps(digest_day, category)
        if s["status"] == "failed"
    }
    markdown = render_markdown(
        digest_day, category, papers, analyses, summary, settings.language,
        abs_url=settings.arxiv_abs_url.rstrip("/"), pdf_url=settings.arxiv_pdf_url.rstrip("/"), failures=failures,
    )
    path = output_path(settings.out_dir, category, digest_day)
    sha = write_atomically(path, markdown)
    store.record_publication(digest_day, category, "markdown", path, sha, len(papers))
    counts = day_counts(store, digest_day, category, papers, analyses)
    timings = step_seconds_from_prefect(str(flow_run.id) if flow_run.id else None)
    store.finish_run(digest_day, category, "completed", counts, timings)
    log.info("published %s (%d papers)", path, len(papers))
    return {"path": str(path), "counts": counts, "step_seconds": timings}
