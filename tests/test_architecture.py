"""The layout's rules, read from the source: the package never imports tasks/ or flows/, no import cycles at
module level, no project import hidden in a function body (the CLI's lazy imports are for its start-up time),
and tasks/ holds thin Prefect wrappers only."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT = ("arxiv_digest", "quality", "schemas", "tasks", "flows")
# The command line imports each command's modules when it runs: `--help` answers in 0.3 s, not 3 s.
LAZY_ALLOWED = {"arxiv_digest.cli"}
TASK_BODY_MAX_STATEMENTS = 6


def _modules() -> dict[str, ast.Module]:
    found = {}
    for top in PROJECT:
        for path in sorted((REPO / top).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def _imported(node: ast.Import | ast.ImportFrom, known: set[str]) -> Iterator[str]:
    names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    if isinstance(node, ast.ImportFrom) and node.module:
        # `from package import module` imports the module.
        names += [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known]
    for name in names:
        if name.split(".")[0] in PROJECT:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                yield name


def _module_level_imports(tree: ast.Module, known: set[str]) -> set[str]:
    edges: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            edges.update(_imported(node, known))
        elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks do not run
            continue
    return edges


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _module_level_imports(tree, known) - {name} for name, tree in modules.items()}


def test_the_package_never_imports_tasks_or_flows() -> None:
    wrong = {(m, d) for m, deps in _graph().items() if m.split(".")[0] in {"arxiv_digest", "quality", "schemas"}
             for d in deps if d.split(".")[0] in {"tasks", "flows"}}
    assert not wrong, wrong


def test_no_import_cycles_at_module_level() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep):], dep] if dep in path else [node, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


def test_no_project_import_hides_in_a_function_body() -> None:
    modules = _modules()
    known = set(modules)
    hidden = []
    for name, tree in modules.items():
        if name in LAZY_ALLOWED:
            continue
        for func in ast.walk(tree):
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(func):
                    if isinstance(node, ast.Import | ast.ImportFrom) and any(_imported(node, known)):
                        hidden.append(f"{name}.{func.name}")
    assert not hidden, hidden


def test_tasks_are_thin_wrappers() -> None:
    heavy = []
    for name, tree in _modules().items():
        if not name.startswith("tasks."):
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "id", "") == "task" for d in node.decorator_list
            ):
                body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
                if len(body) > TASK_BODY_MAX_STATEMENTS:
                    heavy.append(f"{name}.{node.name}: {len(body)} statements")
    assert not heavy, heavy


DOMAIN_FOLDERS = ("catalog", "pdf", "analysis", "interests", "publish", "delivery", "operations")


def test_settings_import_nothing_from_the_domain_folders() -> None:
    """Settings sit above the domain: what they parse (categories, profiles, BibTeX) lives below it."""
    graph = _graph()
    seen: set[str] = set()
    todo = ["arxiv_digest.settings"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    upward = sorted(name for name in seen if name.split(".")[:2][-1] in DOMAIN_FOLDERS)
    assert not upward, upward


def _every_import(tree: ast.Module, known: set[str]) -> set[str]:
    """Project modules a module imports anywhere: at module level, under `if TYPE_CHECKING:`, in a function body."""
    return {name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
            for name in _imported(node, known)}


def _full_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _every_import(tree, known) - {name} for name, tree in modules.items()}


def test_the_package_never_imports_quality() -> None:
    # quality/ (the Great Expectations suites, the gate's wiring, the Data Docs) stands on the package, never under
    # it: the checks the analyzer, the summary and the renderers use live in arxiv_digest/checks/.
    wrong = sorted((m, d) for m, deps in _full_graph().items() if m.split(".")[0] == "arxiv_digest"
                   for d in deps if d.split(".")[0] == "quality")
    assert not wrong, wrong


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted: every import circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            group = [stack.pop()]
            while group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                circles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return circles


def test_no_import_circle_even_through_type_checking_or_lazy_imports() -> None:
    # A circle hidden behind `if TYPE_CHECKING:` or a function-body import is still two modules that each need
    # the other: neither can be understood, tested or moved alone.
    assert not _circles(_full_graph())
