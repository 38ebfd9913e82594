"""Small functions (issue 25): no function of the project above cyclomatic complexity 20 or 60 lines.

Measured with radon's `cc_visit` (lines: from the `def` to the function's last line, docstring included; nested
functions and methods of nested classes are functions of their own). A function may stay bigger only when a
comment on the lines right above it (above its decorators) says why, starting with `# long because:`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Class, Function

REPO = Path(__file__).resolve().parents[1]
PROJECT = ("arxiv_digest", "quality", "flows", "tasks", "schemas")
MAX_COMPLEXITY = 20
MAX_LINES = 60
REASON_MARKER = "# long because:"



def _functions(blocks: list[Function | Class], owner: str = "") -> Iterator[Function]:
    for block in blocks:
        if isinstance(block, Class):
            yield from _functions([*block.methods, *block.inner_classes], f"{owner}{block.name}.")
        else:
            yield block._replace(name=f"{owner}{block.name}")
            yield from _functions(block.closures, f"{owner}{block.name}.")


def _explained(lines: list[str], def_line: int) -> bool:
    """True when the comment block right above the def (and its decorators) gives a reason to be big."""
    index = def_line - 2
    while index >= 0 and lines[index].lstrip().startswith("@"):
        index -= 1
    while index >= 0 and lines[index].lstrip().startswith("#"):
        if lines[index].lstrip().startswith(REASON_MARKER):
            return True
        index -= 1
    return False


def _too_big() -> dict[str, str]:
    found = {}
    for top in PROJECT:
        for path in sorted((REPO / top).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            top_level = [b for b in cc_visit(source) if isinstance(b, Class) or not b.is_method]
            for function in _functions(top_level):
                length = function.endline - function.lineno + 1
                if function.complexity <= MAX_COMPLEXITY and length <= MAX_LINES:
                    continue
                if not _explained(lines, function.lineno):
                    name = f"{path.relative_to(REPO).as_posix()}:{function.name}"
                    found[name] = f"complexity {function.complexity}, {length} lines"
    return found


def test_no_function_above_complexity_20_or_60_lines_without_a_reason() -> None:
    too_big = _too_big()
    assert not too_big, "split these, or say above the def why one must stay big:\n" + "\n".join(
        f"  {name}: {size}" for name, size in sorted(too_big.items()))

