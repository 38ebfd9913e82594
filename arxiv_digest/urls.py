"""URLs: the one spelling, the one comparison key, which hosts hold code, and what kind of artifact a link is.

The PDF's links (pdf/links.py) and the quality check that an analysis only names links from the paper
(arxiv_digest/checks/links.py) both go through here, so a link the extractor stored and the same link written by a model
compare equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import urlsplit

# Forges where a repository lives at /<owner>/<name> (sourceforge: /projects/<name>, the same two segments).
REPOSITORY_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com",
                              "sourceforge.net"})
# Model and dataset hubs: a repository at /<owner>/<name> or /datasets/<owner>/<name>, beside listing pages
# (papers, collections) that are no repository.
HUB_HOSTS = frozenset({"huggingface.co"})
# Every host whose links are about code: a repository, a model or a dataset. Owner and repository names are
# case-insensitive on all of them.
CODE_HOSTS = REPOSITORY_HOSTS | HUB_HOSTS
# Project pages served by the forges.
PAGES_SUFFIXES = (".github.io", ".gitlab.io")
# Notebooks that run a paper's code.
NOTEBOOK_HOSTS = frozenset({"colab.research.google.com"})

# What ends a sentence or a markdown construct around a URL, never the URL itself (CJK punctuation included:
# the analyses are often Chinese). A closing bracket is kept when the URL opened it.
TRAILING_URL_JUNK = ".,;:!?)]}>'\"*_`，。、；：！？）】」』”’"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower().removeprefix("www.")


def normalize_url(raw: str) -> str:
    """The one spelling of a URL, as the digest stores and prints it.

    No surrounding punctuation or brackets, a scheme, https and no www on code hosts and forge pages, no .git
    and no final /. The fragment is dropped everywhere: it is a place in the page, not another page. The query
    is kept: it can name another resource.
    """
    url = raw.strip().replace("˜", "~").replace("∼", "~").lstrip("([<{\"'")
    while url and url[-1] in TRAILING_URL_JUNK:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    if not _SCHEME.match(url):
        url = "https://" + url
    parts = urlsplit(url)
    host = parts.netloc.lower()
    scheme = parts.scheme.lower()
    bare_host = host.removeprefix("www.")
    if bare_host in CODE_HOSTS:
        scheme, host = "https", bare_host
    elif bare_host.endswith(PAGES_SUFFIXES):
        scheme = "https"  # Pages sites answer on https; "http://x.github.io" is the same site
    # A clone URL (".git") names the same repository as its page, on any forge, self-hosted ones too.
    path = parts.path.rstrip("/").removesuffix(".git").rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{path}{query}"


def url_key(url: str) -> str:
    """The form two URLs are compared in: the spelling, then https, no www, lower-case paths on code hosts."""
    parts = urlsplit(normalize_url(url))
    host = (parts.hostname or "").removeprefix("www.")
    path = parts.path.lower() if host in CODE_HOSTS else parts.path
    query = f"?{parts.query}" if parts.query else ""
    return f"https://{host}{path}{query}"


def on_code_host(url: str) -> bool:
    """Does the link point at a code host, a forge's project page or a notebook, whatever the path?

    Broader than ``is_code_url`` on purpose: an invented link onto github.com is blocking even where it is no
    repository, and every link ``is_code_url`` accepts is on such a host.
    """
    host = _host(normalize_url(url))
    return host in CODE_HOSTS or host in NOTEBOOK_HOSTS or host.endswith(PAGES_SUFFIXES)


_NOT_REPOS = {"features", "about", "pricing", "topics", "collections", "marketplace", "sponsors", "orgs", "site"}
_HUB_NOT_REPOS = {"papers", "docs", "blog", "collections", "spaces", "organizations"}


def is_code_url(url: str) -> bool:
    """A repository, model or project page: code hosts with an owner path, Hugging Face models, *.github.io."""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in REPOSITORY_HOSTS:
        return bool(segments) and segments[0].lower() not in _NOT_REPOS
    if host in HUB_HOSTS:
        # A dataset repository (datasets/<owner>/<name>) holds what a paper releases; a collection only lists
        # models, whoever made them, and the others are not repositories at all.
        if segments[:1] == ["datasets"]:
            return len(segments) >= 3
        return len(segments) >= 2 and segments[0] not in _HUB_NOT_REPOS
    if host.endswith(PAGES_SUFFIXES):
        return True
    return host in NOTEBOOK_HOSTS


# What a paper can release, beside its code: the kinds an own link is labelled with.
ARTIFACT_KINDS = ("code", "dataset", "model")
_DATA_WORDS = re.compile(r"\b(?:datasets?|data|corpus|corpora|benchmarks?|images|annotations|recordings)\b", re.I)
_MODEL_WORDS = re.compile(r"\b(?:weights|checkpoints?|pre-?trained models?|trained models?|model zoo)\b", re.I)
# A sentence that hands something over ("we have made the images available", "can be downloaded from").
_HANDED_OVER = re.compile(r"\b(?:release[sd]?|releasing|available|made|provide[sd]?|download(?:ed)?|share[sd]?|"
                          r"publish(?:ed)?|hosted)\b", re.I)


def artifact_kind(url: str, evidence: str = "") -> str:
    """What a link hands over: code (a repository, project page or notebook), a dataset or a model; "" if none.

    A hub says it by its path (datasets/..., a Space, a model repository or a collection of models); a
    repository on a forge is code whatever it holds; any other page is a dataset or a model only when its
    sentence hands one over, so an author's page that mentions data is neither.
    """
    host = _host(url)
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if host in HUB_HOSTS:
        if segments[:1] == ["datasets"]:
            return "dataset" if len(segments) >= 2 else ""
        if segments[:1] == ["spaces"]:
            return "code" if len(segments) >= 3 else ""  # a demo app runs the paper's code
        if segments[:1] == ["collections"] or (len(segments) >= 2 and segments[0] not in _HUB_NOT_REPOS):
            return "model"
        return ""
    if is_code_url(url):
        return "code"
    if not _HANDED_OVER.search(evidence):
        return ""
    if _MODEL_WORDS.search(evidence):
        return "model"
    return "dataset" if _DATA_WORDS.search(evidence) else ""


class _LinkLike(Protocol):
    url: str
    is_code: bool
    is_own: bool
    evidence: str


def own_artifacts(links: Iterable[_LinkLike]) -> list[tuple[str, str]]:
    """The paper's own links with their kind: code (and project pages), datasets, models, in the links' order.

    Derived from what the links table keeps (URL, flags, evidence), so the digest and the CLI agree.
    """
    found = []
    for link in links:
        if not link.is_own:
            continue
        kind = "code" if link.is_code else artifact_kind(link.url, link.evidence)
        if kind:
            found.append((link.url, kind))
    return found


def repository_segments(url: str) -> list[str]:
    """The path segments that name the repository on a code host ([] elsewhere): owner and name."""
    parts = urlsplit(url)
    if _host(url) not in CODE_HOSTS:
        return []
    segments = [s for s in parts.path.split("/") if s]
    if _host(url) in HUB_HOSTS and segments[:1] == ["datasets"]:
        return segments[:3]
    return segments[:2]


def repository_root(url: str) -> str:
    """github.com/owner/repo/tree/main/x -> github.com/owner/repo, as a comparison key; other URLs: their key."""
    key = url_key(url)
    segments = repository_segments(key)
    if not segments:
        return key
    return f"https://{urlsplit(key).hostname}/" + "/".join(segments)
