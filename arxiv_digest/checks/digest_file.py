"""`arxiv-digest check FILE.md`: audit a digest file, ours or anyone's in the same format.

The file alone grounds an analysis's links in its abstract. With the store, a paper whose PDF we read is held
to the links found in that PDF too, which turns unverifiable links into definite findings.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arxiv_digest.checks.digest import check_digest
from arxiv_digest.checks.digest_format import DigestFormatError, ParsedDigest, parse_digest
from arxiv_digest.checks.findings import Finding
from arxiv_digest.checks.links import extract_urls
from schemas.records import Status

if TYPE_CHECKING:
    from arxiv_digest.store import Store

_SEVERITY_ORDER = {"blocking": 0, "warning": 1}


def stored_paper_urls(parsed: ParsedDigest, store: Store) -> dict[str, set[str]]:
    """Versioned id -> links the store found in the paper's PDF (plus its stored abstract's own URLs).

    Papers without a stored, read PDF are left out: for them the file's abstract stays the only ground truth.
    """
    found: dict[str, set[str]] = {}
    for paper in parsed.papers:
        if not paper.arxiv_id or not paper.version:
            continue
        pdf = store.pdf(paper.arxiv_id, paper.version)
        if pdf is None or pdf.status != Status.OK or not pdf.sha256:
            continue
        urls = {link.url for link in store.links(pdf.sha256)}
        stored = store.paper(paper.arxiv_id, paper.version)
        if stored is not None:
            urls |= set(extract_urls(stored.abstract))
        found[paper.paper_id] = urls
    return found


def check_digest_text(text: str, *, name: str = "<text>", store: Store | None = None) -> dict[str, Any]:
    parsed = parse_digest(text)
    paper_urls = stored_paper_urls(parsed, store) if store is not None else None
    findings = sorted(
        check_digest(parsed, paper_urls=paper_urls),
        key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.paper_id, f.check),
    )
    return {"file": name, "papers": len(parsed.papers), "findings": [f.as_dict() for f in findings]}


def check_digest_file(path: Path, store: Store | None = None) -> dict[str, Any]:
    """{"file", "papers", "findings": [{"paper_id", "check", "severity", "detail"}]}.

    Raises DigestFormatError (a DigestError) when the file is not a digest, and OSError when it cannot be read.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DigestFormatError(f"{path} is not UTF-8 text: {exc}") from exc
    return check_digest_text(text, name=str(path), store=store)


def has_blocking(report: dict[str, Any]) -> bool:
    return any(f["severity"] == "blocking" for f in report["findings"])


def render_findings_table(report: dict[str, Any], width: int = 120) -> str:
    """Plain-text report: one line per finding, details wrapped under it."""
    findings = report["findings"]
    blocking = sum(1 for f in findings if f["severity"] == "blocking")
    lines = [
        f"{report['file']}: {report['papers']} papers, {len(findings)} findings "
        f"({blocking} blocking, {len(findings) - blocking} warning)"
    ]
    if not findings:
        lines.append("no problems found")
        return "\n".join(lines)
    paper_width = max(len("paper"), *(len(f["paper_id"] or "(day)") for f in findings))
    check_width = max(len("check"), *(len(f["check"]) for f in findings))
    header = f"{'severity':<9} {'paper':<{paper_width}} {'check':<{check_width}} detail"
    lines += [header, "-" * min(width, len(header) + 40)]
    indent = " " * (9 + paper_width + check_width + 3)
    detail_width = max(40, width - len(indent))
    for f in findings:
        wrapped = textwrap.wrap(f["detail"], detail_width) or [""]
        lines.append(f"{f['severity']:<9} {f['paper_id'] or '(day)':<{paper_width}} {f['check']:<{check_width}} "
                     f"{wrapped[0]}")
        lines += [indent + more for more in wrapped[1:]]
    return "\n".join(lines)


__all__ = [
    "DigestFormatError",
    "Finding",
    "check_digest_file",
    "check_digest_text",
    "has_blocking",
    "render_findings_table",
    "stored_paper_urls",
]
