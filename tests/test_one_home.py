"""Each idea has one home (issue 17): a second definition of one of these names is a copy about to drift."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import re
import sys
import tomllib
from pathlib import Path

import pytest

from arxiv_digest import cli, http_retry, ids
from arxiv_digest.analysis import model, summary
from arxiv_digest.catalog import sample_day
from arxiv_digest.checks import structure, text
from arxiv_digest.publish import markdown
from arxiv_digest.wording import LANGUAGES

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
        ("title_key", "arxiv_digest/checks/text.py"),
        ("WITHHELD_PREFIX", "arxiv_digest/checks/structure.py"),
    ],
)
def test_one_definition(name: str, home: str) -> None:
    """The public name is defined once, in its home, and no private copy (``_name``) exists anywhere."""
    assert _definitions({name, "_" + name}) == {name: [home]}


def test_the_summary_step_and_the_quality_suite_key_titles_alike() -> None:
    assert summary.title_key is text.title_key
    assert text.title_key("DINOv3: Self-Supervised  Learning!") == "dinov3 self supervised learning"


def _int_literals(value: int) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value == value and type(node.value) is int:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_one_set_of_retryable_statuses() -> None:
    # 429 is in every such set; written anywhere but http_retry.py it is a second list of retryable statuses.
    assert _int_literals(429) == [f"arxiv_digest/http_retry.py:{_line_of('RETRY_STATUSES =')}"]
    assert {408, 425, 429, 500, 502, 503, 504, 520} <= http_retry.RETRY_STATUSES
    assert not {400, 401, 403, 404, 409, 413, 422} & http_retry.RETRY_STATUSES
    assert http_retry.RETRY_STATUSES | {409} == model.RETRYABLE_STATUSES


def _line_of(text: str) -> int:
    lines = (ROOT / "arxiv_digest" / "http_retry.py").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(text))


def test_the_publisher_writes_the_notices_the_quality_suite_reads() -> None:
    assert markdown.WITHHELD_PREFIX is structure.WITHHELD_PREFIX
    for wording in LANGUAGES.values():
        assert wording.analysis_unavailable.startswith(structure.UNAVAILABLE_PREFIX)


def _string_literals_with(needle: str) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and needle in node.value:
                    found.append(str(path.relative_to(ROOT)))
    return found


def test_one_arxiv_id_pattern() -> None:
    # The new-style id's digits, written anywhere but ids.py, are a second id pattern.
    assert set(_string_literals_with(r"\d{4}\.")) == {"arxiv_digest/ids.py"}
    assert set(_string_literals_with(r"\d{7}")) == {"arxiv_digest/ids.py"}
    for raw in ("2601.14256", "2601.14256v1", "1409.1556v6", "cs/0112017v2", "math.AG/0601001"):
        parsed = ids.parse_arxiv_id(raw)
        assert re.fullmatch(rf"{ids.ARXIV_ID}(?:v\d+)?", raw) and re.fullmatch(ids.ARXIV_ID, parsed.base)
        assert re.fullmatch(ids.ARXIV_ID_OR_STEM, parsed.base.replace("/", "_"))
    for raw in ("2601.142", "CS/0112017", "cs/011201", "cs0112017"):
        assert not re.fullmatch(ids.ARXIV_ID_OR_STEM, raw)


def _imported_top_levels(packages: tuple[str, ...]) -> set[str]:
    found = set()
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    return {_canonical(re.split(r"[\[=<>!~ ;]", requirement, maxsplit=1)[0]) for requirement in requirements}


def test_what_we_import_we_declare() -> None:
    # httpx2 and certifi were imported but only arrived through openai and httpx.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _declared(project["dependencies"])
    dev = runtime | _declared(project["optional-dependencies"]["dev"])
    ours = {*PACKAGES, *(p.stem for folder in ("tests", "bench") for p in (ROOT / folder).glob("*.py"))}
    distributions = importlib.metadata.packages_distributions()

    def undeclared(modules: set[str], declared: set[str]) -> set[str]:
        return {m for m in modules - ours if not {_canonical(d) for d in distributions.get(m, [m])} & declared}

    assert undeclared(_imported_top_levels(PACKAGES), runtime) == set()
    # The benchmarks' cross-checks against other tools run only where those happen to be installed.
    optional = {"tiktoken", "pymupdf4llm"}
    assert undeclared(_imported_top_levels(("tests", "bench")) - optional, dev) == set()


def test_serve_defaults_to_the_deployment_schedule() -> None:
    deployed = re.findall(r'^\s*cron:\s*"([^"]+)"', (ROOT / "prefect.yaml").read_text(encoding="utf-8"), re.M)
    timezones = re.findall(r'^\s*timezone:\s*"?([^"\s]+)"?', (ROOT / "prefect.yaml").read_text(encoding="utf-8"), re.M)
    defaults = inspect.signature(cli.serve).parameters
    assert deployed == [defaults["cron"].default]
    assert timezones == [defaults["timezone"].default]


def test_one_pdf_page_writer() -> None:
    # The sample day's papers and the tests' PDFs are written by arxiv_digest/pdf/writer.py alone.
    writers = ("insert_text(", "insert_textbox(", "insert_link(", ".new_page(")
    for directory in (*PACKAGES, "tests", "bench"):
        for path in sorted((ROOT / directory).rglob("*.py")):
            if path.relative_to(ROOT).as_posix() in {"arxiv_digest/pdf/writer.py", "tests/test_one_home.py"}:
                continue
            text = path.read_text(encoding="utf-8")
            assert not [w for w in writers if w in text], path


def test_the_sample_day_pdfs_stay_reproducible() -> None:
    # Fixed dates and no new /ID: the same paper is the same file, so its sha256 (the PDF's store key) holds.
    for paper in sample_day.PAPERS:
        assert sample_day.build_pdf(paper) == sample_day.build_pdf(paper)
