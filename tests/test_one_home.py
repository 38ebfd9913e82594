"""Each idea has one home (issue 17): a second definition of one of these names is a copy about to drift."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from arxiv_digest.analysis import summary
from quality import checks

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("arxiv_digest", "quality", "tasks", "flows", "schemas")


def _definitions(names: set[str]) -> dict[str, list[str]]:
    """Module-level functions, classes and constants named ``names``, as name -> [file, ...]."""
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    defined = {node.name}
                elif isinstance(node, ast.Assign):
                    defined = {t.id for t in node.targets if isinstance(t, ast.Name)}
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    defined = {node.target.id}
                else:
                    continue
                for name in defined & names:
                    found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("name", "home"),
    [
        ("title_key", "quality/checks.py"),
    ],
)
def test_one_definition(name: str, home: str) -> None:
    """The public name is defined once, in its home, and no private copy (``_name``) exists anywhere."""
    assert _definitions({name, "_" + name}) == {name: [home]}


def test_the_summary_step_and_the_quality_suite_key_titles_alike() -> None:
    assert summary.title_key is checks.title_key
    assert checks.title_key("DINOv3: Self-Supervised  Learning!") == "dinov3 self supervised learning"
