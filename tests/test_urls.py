"""One home for URLs: the spelling the extractor stores and the key the quality check compares agree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import arxiv_digest.checks as checks
from arxiv_digest.checks.links import url_grounded
from arxiv_digest.pdf import links
from arxiv_digest.urls import (
    CODE_HOSTS,
    HUB_HOSTS,
    REPOSITORY_HOSTS,
    is_code_url,
    normalize_url,
    on_code_host,
    repository_root,
    url_key,
)

ROOT = Path(__file__).resolve().parents[1]

URLS = [
    "https://github.com/clab/dynet",
    "http://www.github.com/Clab/DyNet.git/",
    "github.com/a/b]",
    "https://github.com/features",
    "https://github.com",
    "https://gitlab.com/x/y;",
    "https://bitbucket.org/a/b",
    "https://codeberg.org/a/b",
    "https://gitee.com/a/b",
    "https://sourceforge.net/projects/foo",
    "https://huggingface.co/org/model",
    "https://huggingface.co/datasets/org/data",
    "https://huggingface.co/papers/2601.00001",
    "https://huggingface.co/collections/org/some-models-65f0",
    "https://someone.github.io/project",
    "http://lab.gitlab.io/page#demo",
    "https://colab.research.google.com/drive/abc",
    "http://www.robots.ox.ac.uk/˜vgg/research/very_deep/",
    "https://sites.google.com/view/repnet",
    "https://doi.org/10.1145/3544548.3580847",
    "https://example.org/page?id=3#section-2",
    "https://en.wikipedia.org/wiki/Foo_(bar)",
    "https://github.com/tiktok/huvr).",
    "https://github.com/tiktok/huvr。",
]


@pytest.mark.parametrize("url", URLS)
def test_every_code_link_of_the_extractor_is_on_a_code_host_for_the_quality_check(url: str) -> None:
    spelled = normalize_url(url)
    if is_code_url(spelled):
        assert on_code_host(url) and on_code_host(spelled)


@pytest.mark.parametrize("url", URLS)
def test_a_stored_link_and_the_same_link_written_by_a_model_compare_equal(url: str) -> None:
    spelled = normalize_url(url)
    assert normalize_url(spelled) == spelled
    assert url_key(spelled) == url_key(url)
    assert url_grounded(url, [spelled]) and url_grounded(spelled, [url])


def test_fragments_are_dropped_and_queries_kept_in_both_forms() -> None:
    assert normalize_url("https://example.org/page?id=3#section-2") == "https://example.org/page?id=3"
    assert url_key("https://example.org/page?id=3#section-2") == "https://example.org/page?id=3"
    assert url_grounded("https://example.org/page#top", ["https://example.org/page"])
    assert not url_grounded("https://example.org/page?id=4", ["https://example.org/page?id=3"])


def test_code_hosts_are_the_forges_and_the_hubs() -> None:
    assert CODE_HOSTS == REPOSITORY_HOSTS | HUB_HOSTS
    assert "huggingface.co" in HUB_HOSTS and "sourceforge.net" in REPOSITORY_HOSTS
    assert on_code_host("https://huggingface.co/papers/2601.00001")  # no repository, still invented code
    assert not is_code_url("https://huggingface.co/papers/2601.00001")
    assert not on_code_host("https://doi.org/10.1/x")


def test_repository_root_is_owner_and_name() -> None:
    assert repository_root("http://GitHub.com/TikTok/huvr/tree/main/configs") == "https://github.com/tiktok/huvr"
    assert repository_root("https://example.org/a/b/c") == "https://example.org/a/b/c"


def _module_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def test_no_second_copy_of_the_url_helpers() -> None:
    url_ideas = {"normalize_url", "url_key", "is_code_url", "on_code_host", "repository_root", "_repository_root",
                 "CODE_HOSTS", "_CODE_HOSTS", "REPOSITORY_HOSTS", "HUB_HOSTS", "_NOT_REPOS", "TRAILING_URL_JUNK",
                 "_TRAILING_URL_JUNK"}
    assert links.__file__ is not None and checks.__file__ is not None
    for path in (Path(links.__file__), *sorted(Path(checks.__file__).parent.glob("*.py"))):
        assert not _module_level_names(path) & url_ideas, path.name


def test_two_datasets_of_one_owner_are_two_repositories() -> None:
    assert repository_root("https://huggingface.co/datasets/Org/Data/tree/main") == "https://huggingface.co/datasets/org/data"
    assert not url_grounded("https://huggingface.co/datasets/org/other", ["https://huggingface.co/datasets/org/data"])
    assert url_grounded("https://huggingface.co/datasets/org/data/blob/main/x.json", ["https://huggingface.co/datasets/org/data"])
