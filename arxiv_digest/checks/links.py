"""Links in an answer: every URL it writes, and whether the abstract, the paper or its arXiv pages ground it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from arxiv_digest.checks.findings import ANALYSIS_UNGROUNDED_URL, BLOCKING, WARNING, Finding
from arxiv_digest.checks.text import MARKDOWN_LINK, URL, unescape_markdown
from arxiv_digest.urls import (
    CODE_HOSTS,
    NOTEBOOK_HOSTS,
    PAGES_SUFFIXES,
    TRAILING_URL_JUNK,
    on_code_host,
    repository_root,
    url_key,
)

# A link written without a scheme: a code host's domain with a path, or a forge's Pages site ("github.com/o/r",
# "huggingface.co/o/m", "org.github.io/project"); models write them so as often as full URLs.
_BARE_CODE_LINK = re.compile(
    r"(?<![\w./@:-])(?:(?:" + "|".join(re.escape(host) for host in sorted(CODE_HOSTS | NOTEBOOK_HOSTS))
    + r")/[^\s<>\"'`\]\[（）()，。、；]+|[\w-]+(?:" + "|".join(re.escape(s) for s in PAGES_SUFFIXES)
    + r")(?:/[^\s<>\"'`\]\[（）()，。、；]*)?)",
    re.IGNORECASE)
# A Markdown link's target that names a host without a scheme ("[code](github.com/o/r)", "[page](x.io/p)").
_HOST_LIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)+(?:[/?#]|$)")


def extract_urls(text: str) -> list[str]:
    """Every URL in markdown links and bare text, with a scheme or without one on code hosts, in order of
    appearance, without duplicates."""
    found: list[str] = []
    for match in MARKDOWN_LINK.finditer(text):
        target = match.group(1)
        if target.lower().startswith(("http://", "https://", "www.")) or _HOST_LIKE.match(target):
            found.append(target)
    rest = MARKDOWN_LINK.sub(" ", text)
    found += [match.group(0) for match in URL.finditer(rest)]
    found += [match.group(0) for match in _BARE_CODE_LINK.finditer(URL.sub(" ", rest))]
    return list(dict.fromkeys(url.rstrip(TRAILING_URL_JUNK) for url in found))


def url_grounded(url: str, ground_truth: Iterable[str]) -> bool:
    """True when the URL, or the repository/page it points into, is one of the ground-truth URLs."""
    candidate = url_key(url)
    root = repository_root(candidate)
    for known in ground_truth:
        known_norm = url_key(known)
        if candidate == known_norm or root == repository_root(known_norm):
            return True
        # A deeper page of a known site (project page subpaths), or the site of a known deeper page.
        if candidate.startswith(known_norm + "/") or (
            known_norm.startswith(candidate + "/") and urlsplit(candidate).path not in ("", "/")
        ):
            return True
    return False


def _own_arxiv_urls(paper_id: str) -> set[str]:
    base = re.sub(r"v\d+$", "", paper_id)
    urls = set()
    for kind in ("abs", "pdf", "html"):
        urls |= {f"https://arxiv.org/{kind}/{base}", f"https://arxiv.org/{kind}/{paper_id}"}
    return urls


def check_urls(
    paper_id: str, analysis_text: str, *, abstract: str, paper_urls: set[str] | None
) -> list[Finding]:
    """Every URL in the analysis must come from the abstract, the paper's own links, or its arXiv pages.

    A code link that is in neither is blocking (the seed's dinov3 link in a HUVR analysis). Other links are
    blocking when `paper_urls` (the links found in the PDF) is known, and warnings when only the abstract is,
    because the full text may hold a link the file alone cannot confirm.
    """
    ground = set(extract_urls(unescape_markdown(abstract))) | _own_arxiv_urls(paper_id) | set(paper_urls or ())
    findings = []
    for url in extract_urls(analysis_text):
        if url_grounded(url, ground):
            continue
        severity = BLOCKING if on_code_host(url) or paper_urls is not None else WARNING
        source = "the abstract or the paper's links" if paper_urls is not None else "the abstract"
        findings.append(Finding(paper_id, ANALYSIS_UNGROUNDED_URL, severity,
                                f"{url_key(url)} is not in {source}"))
    return findings
