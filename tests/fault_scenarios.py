"""Fault scenarios run end to end, shared by tests/test_faults.py and bench/fault_suite.py.

Each scenario serves a day from the fake arXiv on 127.0.0.1 (and, when it needs one, the fake OpenAI-compatible
model), injects its faults, runs the real Prefect flow (in this process, or as an `arxiv-digest run` subprocess
that gets killed), and returns a ScenarioResult. Every count in it is measured: injected faults from the fake
servers' logs, lost papers and leaked text from the published markdown, HTML and JSON, duplicate rows from the
DuckDB store, repeated model calls from the fake model's request log. Nothing is filled in from expectations;
the tests assert on these numbers and the benchmark writes them to bench/results/faults.json.

In-process scenarios need a Prefect API: the tests' `prefect_harness` fixture, or Prefect's temporary server.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from fake_arxiv import FakeArxiv, StreamedPdf
from fake_llm import ChatRequest, FakeLLM, Reply, good_answer

from arxiv_digest.catalog.sample_day import PAPERS, SamplePaper, build_pdf, feed_xml

DAY = date(2026, 1, 21)
CATEGORY = "cs.CV"
MODEL = "fake-model"
BIN = Path(sys.executable).parent

# What a refusing model says. They must never be published, wherever they were answered (method prompt, abstract
# prompt, summary).
ZH_REFUSAL = "好的，我将以研究生的视角深入分析。请提供您希望我分析的论文内容。"
EN_REFUSAL = "I cannot access external links or PDF files, so I am unable to analyse this paper."
SUMMARY_REFUSAL = "抱歉，我无法访问这些论文。请提供您希望我总结的论文全文。"
INVENTED_REPO = "https://github.com/invented-org/fault-suite-official"
HOSTILE_MARKUP = "<script>alert('model')</script> [run me](javascript:alert(1)) <img src=x onerror=alert(2)>"
LEAK_MARKERS = (ZH_REFUSAL, EN_REFUSAL, SUMMARY_REFUSAL, "请提供您希望", "I cannot access", "unable to analyse")


@dataclass
class ScenarioResult:
    """What one scenario measured. `None` means the scenario does not measure that count."""

    name: str
    seconds: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)  # injected faults per kind, from the fakes' logs
    papers_expected: int = 0
    papers_lost: int | None = None
    duplicate_rows: int | None = None
    repeated_model_calls: int | None = None
    refusals_published: int | None = None
    invented_links_published: int | None = None
    partial_files_published: int | None = None
    hostile_inputs_tried: int | None = None
    outputs_changed: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # what the tests look at beyond the counts

    COUNTS = ("papers_expected", "papers_lost", "duplicate_rows", "repeated_model_calls", "refusals_published",
              "invented_links_published", "partial_files_published", "hostile_inputs_tried", "outputs_changed")

    def counts(self) -> dict[str, Any]:
        return {"faults_injected": dict(sorted(self.faults.items())),
                **{name: getattr(self, name) for name in self.COUNTS}, "seconds": round(self.seconds, 2)}


class ScenarioError(RuntimeError):
    """The scenario itself could not be carried out (e.g. the run ended before the moment to kill it)."""


# -- days on the fake arXiv ---------------------------------------------------------------------------------


def variants(count: int, first_number: int, templates: Sequence[SamplePaper] | None = None) -> list[SamplePaper]:
    """`count` distinct papers of the digest day, cycling through the sample's full-text papers."""
    templates = list(templates or [p for p in PAPERS if p.sections])
    papers = []
    for n in range(count):
        base = templates[n % len(templates)]
        papers.append(replace(
            base, arxiv_id=f"2601.{first_number + n}", version=1, title=f"{base.title} (case {n + 1})",
            published=f"2026-01-20T{n % 24:02d}:{(7 * n) % 60:02d}:00Z",
            updated=f"2026-01-20T{n % 24:02d}:{(7 * n) % 60:02d}:00Z",
        ))
    return papers


def pdf_of(paper: SamplePaper) -> bytes:
    """The paper's PDF, its bytes made unique (so every paper is its own file and extraction)."""
    return build_pdf(paper) + f"\n% {paper.versioned_id}\n".encode()


def serve_day(server: FakeArxiv, papers: Sequence[SamplePaper], pdfs: dict[str, bytes] | None = None) -> None:
    """The feed of the day and every paper's PDF (`pdfs` replaces some of them)."""
    server.state.default_feed = feed_xml(tuple(papers))
    for paper in papers:
        if paper.versioned_id in (pdfs or {}):
            server.state.pdfs[paper.versioned_id] = pdfs[paper.versioned_id]  # type: ignore[index]
        elif paper.versioned_id not in server.state.streams and (paper.sections or paper.image_only):
            server.state.pdfs[paper.versioned_id] = pdf_of(paper)


def arxiv_settings(server: FakeArxiv, data_dir: Path) -> dict[str, Any]:
    return {
        "data_dir": str(data_dir),
        "arxiv_api_url": server.api_url,
        "arxiv_pdf_url": server.pdf_url,
        "arxiv_min_interval_seconds": 0,
        "pdf_min_interval_seconds": 0,
        "http_backoff_base_seconds": 0.01,
        "http_max_attempts": 2,
    }


def model_settings(model: FakeLLM, **changes: Any) -> dict[str, Any]:
    return {"llm_base_url": model.base_url, "llm_api_key": "x", "llm_model": MODEL, **changes}


def run_flow(overrides: dict[str, Any], sample: bool = False) -> tuple[float, dict[str, Any]]:
    """The daily flow in this process; the store is let go afterwards so it can be read (or run again)."""
    from arxiv_digest.runtime import close_stores
    from flows.daily import daily_digest

    started = time.monotonic()
    try:
        result = daily_digest(digest_date=DAY.isoformat(), category=CATEGORY, overrides=overrides, sample=sample)
    finally:
        close_stores()
    return time.monotonic() - started, result


# -- measuring -----------------------------------------------------------------------------------------------


@dataclass
class Outputs:
    """The day's published files as text, and the papers each one shows."""

    markdown: str
    html: str
    json_text: str
    ids_markdown: list[str]
    ids_html: list[str]
    ids_json: list[str]

    def published_everywhere(self) -> set[str]:
        return set(self.ids_markdown) & set(self.ids_html) & set(self.ids_json)

    def entry(self, paper_id: str) -> str:
        """One paper's markdown entry."""
        return self.markdown.split(f"<a id='{paper_id}'></a>", 1)[1].split("\n<a id='", 1)[0]

    def html_article(self, paper_id: str) -> str:
        return self.html.split(f'<article id="{paper_id}">', 1)[1].split("</article>", 1)[0]

    def json_paper(self, paper_id: str) -> dict[str, Any]:
        return next(p for p in json.loads(self.json_text)["papers"] if p["id"] == paper_id)


def day_files(data_dir: Path) -> dict[str, Path]:
    folder = Path(data_dir) / "out" / CATEGORY
    return {fmt: folder / f"{DAY.isoformat()}.{fmt}" for fmt in ("md", "html", "json")}


def read_outputs(data_dir: Path) -> Outputs | None:
    files = day_files(data_dir)
    if not all(path.is_file() for path in files.values()):
        return None
    markdown, page, raw = (files[fmt].read_text(encoding="utf-8") for fmt in ("md", "html", "json"))
    try:
        ids_json = [p["id"] for p in json.loads(raw)["papers"]]
    except (ValueError, KeyError):
        ids_json = []
    return Outputs(markdown, page, raw, re.findall(r"<a id='([^']+)'></a>", markdown),
                   re.findall(r'<article id="([^"]+)">', page), ids_json)


def papers_lost(expected: Sequence[str], outputs: Outputs | None) -> int:
    """Papers of the day missing from any of the three published formats (all of them when nothing was)."""
    shown = outputs.published_everywhere() if outputs is not None else set()
    return len(set(expected) - shown)


# The temp files of the atomic writers: publish's `.<name>.<random>.tmp`, download's `.download-<random>.part`.
_TEMP_NAME = re.compile(r"\.(tmp|part)$")
# What the end of a whole file of each published kind looks like (the writer stops at the end, never midway).
_WHOLE = {".html": "</html>\n", ".atom": "</feed>\n"}


def _is_whole(path: Path) -> bool:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".md":
        return "\n## Papers\n" in text and text.endswith("\n")
    if path.suffix == ".json":
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    return text.endswith(_WHOLE.get(path.suffix, ""))


_PUBLISHED = {".md", ".html", ".json", ".atom"}


def partial_files(data_dir: Path) -> list[str]:
    """Temp files left in out/ or pdfs/, and published files that are not whole (cut short or unparsable).

    Only the published kinds (.md, .html, .json, .atom) are judged; other files (a lock file) are not outputs.
    """
    found = []
    for folder in (Path(data_dir) / "out", Path(data_dir) / "pdfs"):
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if _TEMP_NAME.search(path.name) or (folder.name == "out" and path.suffix in _PUBLISHED
                                                 and not _is_whole(path)):
                found.append(str(path.relative_to(data_dir)))
    return found


def leaked(outputs: Outputs | None, needles: Sequence[str]) -> int:
    """Occurrences of the needles in the published markdown, HTML and JSON (JSON read as decoded text)."""
    if outputs is None:
        return 0
    decoded = json.dumps(json.loads(outputs.json_text), ensure_ascii=False) if outputs.ids_json else outputs.json_text
    return sum(text.count(needle) for needle in needles for text in (outputs.markdown, outputs.html, decoded))


def published_units(outputs: Outputs) -> list[tuple[str, str]]:
    """(where, text) of every separately published piece: the summary and each paper, in each format."""
    units = [("markdown summary", re.split(r"## Table of Contents|<a id='", outputs.markdown, maxsplit=1)[0])]
    units += [("markdown entry", part) for part in outputs.markdown.split("<a id='")[1:]]
    summary = re.search(r'<section id="summary">.*?</section>', outputs.html, re.DOTALL)
    units += [("html summary", summary.group(0) if summary else "")]
    units += [("html article", part) for part in re.findall(r"<article .*?</article>", outputs.html, re.DOTALL)]
    try:
        payload = json.loads(outputs.json_text)
    except ValueError:
        return units
    units.append(("json summary", payload.get("summary") or ""))
    for paper in payload.get("papers", []):
        analysis = paper.get("analysis") or {}
        units.append(("json analysis", f"{analysis.get('content') or ''}\n{analysis.get('notice') or ''}"))
    return units


def refusals_published(outputs: Outputs | None) -> int:
    """Published pieces (a summary or a paper's entry, per format) that carry a refusal.

    A piece counts when it holds one of the refusal sentences the fakes send, or, for the JSON texts (the
    analyses and the summary exactly as stored), when the refusal check of the quality gate flags it.
    """
    from arxiv_digest.checks.refusals import is_refusal

    if outputs is None:
        return 0
    count = 0
    for where, text in published_units(outputs):
        flagged = where.startswith("json") and text.strip() and is_refusal(text)
        count += bool(flagged or any(marker in text for marker in LEAK_MARKERS))
    return count


def hostile_markup_in(outputs: Outputs, paper_id: str) -> bool:
    """True when a paper's entry carries live markup: an HTML tag, a script link, an injected heading or anchor."""
    entry = outputs.entry(paper_id)
    article = outputs.html_article(paper_id)
    return bool(
        re.search(r"<(script|img|a )", entry) or re.search(r"(?<!\\)\]\(\s*javascript:", entry)
        or re.search(r"^#{1,2} (?!\[)", entry, re.MULTILINE) or "\u202e" in entry
        or re.search(r"<(script|img)\b", article) or 'href="javascript' in article.lower()
    )


def db_file(data_dir: Path) -> Path:
    """The store the day was written to: data_dir/digest.duckdb, or the day's own file under store_layout per-day."""
    per_day = Path(data_dir) / "days" / f"{DAY.isoformat()}.duckdb"
    return per_day if per_day.is_file() else Path(data_dir) / "digest.duckdb"


def store_rows(data_dir: Path) -> dict[str, set[tuple[Any, ...]]]:
    """Every table's primary keys, read straight from the DuckDB file (read-only)."""
    import duckdb

    con = duckdb.connect(str(db_file(data_dir)), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY' ORDER BY 1").fetchall()
        return {table: set(con.execute(f'SELECT {", ".join(columns)} FROM "{table}"').fetchall())
                for table, columns in tables}
    finally:
        con.close()


def query(data_dir: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    import duckdb

    con = duckdb.connect(str(db_file(data_dir)), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def paper_state(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Per paper of the day: PDF status and error, extraction, the published analysis and every step's outcome."""
    rows = query(data_dir, """
        SELECT d.arxiv_id || 'v' || d.version, p.status, p.error, e.status, e.pages, e.error,
               (SELECT count(*) FROM page_texts t WHERE t.sha256 = p.sha256),
               a.kind, a.analyzer, a.content
        FROM digest_papers d
        LEFT JOIN pdf_files p USING (arxiv_id, version)
        LEFT JOIN extractions e ON e.sha256 = p.sha256
        LEFT JOIN digest_analyses x ON x.digest_date = d.digest_date AND x.category = d.category
             AND x.arxiv_id = d.arxiv_id
        LEFT JOIN analyses a ON a.arxiv_id = x.arxiv_id AND a.version = x.version
             AND a.prompt_hash = x.prompt_hash AND a.model = x.model AND a.language = x.language
        WHERE d.digest_date = ? ORDER BY d.position""", [DAY])
    steps: dict[str, dict[str, tuple[str, str]]] = {}
    for paper, step, status, detail in query(
            data_dir, "SELECT arxiv_id || 'v' || version, step, status, detail FROM paper_steps"):
        steps.setdefault(paper, {})[step] = (status, detail or "")
    attempts: dict[str, list[tuple[str, str]]] = {}
    for paper, status, reason in query(
            data_dir, "SELECT arxiv_id || 'v' || version, status, coalesce(reason, '') FROM analysis_attempts "
                      "ORDER BY created_at, attempt"):
        attempts.setdefault(paper, []).append((status, reason))
    keys = ("pdf_status", "pdf_error", "extraction_status", "pages", "extraction_error", "page_texts",
            "analysis_kind", "analyzer", "analysis")
    return {row[0]: {**dict(zip(keys, row[1:], strict=True)), "steps": steps.get(row[0], {}),
                     "attempts": attempts.get(row[0], [])} for row in rows}


_WARMED_UP: list[bool] = []


def warm_up(workdir: Path) -> None:
    """Run a one-paper day once per process before memory is measured.

    The first flow run of a process imports and sets up Prefect's task machinery, Great Expectations and PyMuPDF
    (about 350 MiB); measured after that, the growth is what the scenario itself costs.
    """
    if _WARMED_UP:
        return
    with FakeArxiv() as server:
        serve_day(server, variants(1, 60001))
        run_flow(arxiv_settings(server, Path(workdir) / "warm-up"))
    _WARMED_UP.append(True)


class PeakRss:
    """The process's resident memory, sampled every 20 ms while the block runs: growth of the peak in MiB."""

    def __init__(self) -> None:
        self.baseline = self.peak = self._now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def _now() -> int:
        with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._now())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._now())

    @property
    def growth_mib(self) -> float:
        return round((self.peak - self.baseline) / 2**20, 1)


# -- 1. model-side faults through the whole flow -------------------------------------------------------------

# One paper per behaviour; the template decides whether the paper has full text (0-2) or is a scan (3).
MODEL_FAULT_PLAN: tuple[tuple[str, int], ...] = (
    ("answers", 0),
    ("timeout_once", 1),          # the first request hangs past llm_timeout_seconds, the retry is answered
    ("timeout_always", 2),        # every request hangs: the model is unreachable for this paper
    ("rate_limited_once", 0),     # 429 with Retry-After: 1, then an answer
    ("unavailable_always", 1),    # 503 with Retry-After: 1 on every request
    ("refuses_zh", 2),            # "请提供您希望我分析的论文内容" on every request
    ("refuses_en", 0),            # "I cannot access ..." on every request
    ("refuses_once", 1),          # a refusal, then a good answer when asked again
    ("empty", 2),                 # an empty answer on every request
    ("invents_link", 0),          # a good answer that cites a repository the paper never mentions
    ("hostile_markup", 1),        # a good answer with a script tag, a javascript: link and an onerror image
    ("refuses_abstract_only", 3),  # a scanned paper (abstract prompt only) whose every answer is a refusal
)
MODEL_TIMEOUT_SECONDS = 1.0
HANG_SECONDS = 2.5
RETRY_AFTER_SECONDS = 1


class FaultyModel:
    """The fake model's responder: each paper gets the behaviour MODEL_FAULT_PLAN gives it."""

    def __init__(self, plan: dict[str, str], summary_refuses: bool = True) -> None:
        self.plan = plan
        self.summary_refuses = summary_refuses
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: ChatRequest) -> str | Reply:
        if request.prompt_kind == "summary":
            return Reply.content(SUMMARY_REFUSAL).marked("summary_refusal") if self.summary_refuses \
                else good_answer(request)
        with self.lock:
            self.seen[request.paper_id] += 1
            first = self.seen[request.paper_id] == 1
        behaviour = self.plan.get(request.paper_id, "answers")
        good = good_answer(request)
        if behaviour == "timeout_always" or (behaviour == "timeout_once" and first):
            return Reply.hang(HANG_SECONDS).marked("model_timeout")
        if behaviour == "rate_limited_once" and first:
            return Reply.status(429, {"Retry-After": str(RETRY_AFTER_SECONDS)}).marked("model_429")
        if behaviour == "unavailable_always":
            return Reply.status(503, {"Retry-After": str(RETRY_AFTER_SECONDS)}).marked("model_503")
        if behaviour in {"refuses_zh", "refuses_abstract_only"} or (behaviour == "refuses_once" and first):
            return Reply.content(ZH_REFUSAL).marked("refusal")
        if behaviour == "refuses_en":
            return Reply.content(EN_REFUSAL).marked("refusal")
        if behaviour == "empty":
            return Reply.content("").marked("empty_answer")
        if behaviour == "invents_link":
            return Reply.content(f"{good}\n代码见 {INVENTED_REPO} 。\n").marked("invented_link")
        if behaviour == "hostile_markup":
            return Reply.content(f"{good}\n{HOSTILE_MARKUP}\n").marked("hostile_answer")
        return good


def model_faults(workdir: Path) -> ScenarioResult:
    """A day whose model times out, rate-limits, fails, refuses, answers nothing, invents links and injects markup."""
    result = ScenarioResult("model_faults")
    templates = [p for p in PAPERS if p.sections or p.image_only]
    papers = [
        replace(templates[template], arxiv_id=f"2601.{61001 + n}", version=1,
                title=f"{templates[template].title} (case {n + 1})",
                published=f"2026-01-20T{n:02d}:10:00Z", updated=f"2026-01-20T{n:02d}:10:00Z")
        for n, (_, template) in enumerate(MODEL_FAULT_PLAN)
    ]
    plan = {paper.versioned_id: behaviour for paper, (behaviour, _) in zip(papers, MODEL_FAULT_PLAN, strict=True)}
    data_dir = workdir / "data"
    responder = FaultyModel(plan)
    with FakeArxiv() as server, FakeLLM(responder=responder) as model:
        serve_day(server, papers)
        overrides = {**arxiv_settings(server, data_dir),
                     **model_settings(model, llm_timeout_seconds=MODEL_TIMEOUT_SECONDS, llm_max_attempts=3,
                                      http_backoff_max_seconds=RETRY_AFTER_SECONDS + 0.5)}
        result.seconds, _ = run_flow(overrides)
        result.faults.update(model.faults)
        requests = {pid: [r.at for r in model.requests_for(pid)] for pid in plan}
    outputs = tally_outputs(result, list(plan), data_dir)
    result.invented_links_published = leaked(outputs, ["invented-org", INVENTED_REPO])
    result.hostile_inputs_tried = sum(1 for b in plan.values() if b == "hostile_markup")
    hostile_ids = [pid for pid, b in plan.items() if b == "hostile_markup"]
    result.outputs_changed = sum(1 for pid in hostile_ids if outputs is not None and hostile_markup_in(outputs, pid))
    state = paper_state(data_dir)
    result.details = {
        "plan": plan,
        "requests": {pid: len(times) for pid, times in requests.items()},
        "request_gaps": {pid: [round(b - a, 3) for a, b in itertools.pairwise(times)]
                         for pid, times in requests.items()},
        "papers": state,
        "outputs": outputs,
        "data_dir": data_dir,
    }
    return result


# -- 2. kill -9 in the middle of the analyses, then rerun -----------------------------------------------------


def subprocess_env(workdir: Path, name: str, prefect_api_url: str | None = None, **settings: Any) -> dict[str, str]:
    """The environment of an `arxiv-digest` subprocess: its own Prefect home (or the given API), our settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ARXIV_DIGEST_"))}
    env.update(
        PREFECT_HOME=str(workdir / f"prefect-{name}"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
    )
    if prefect_api_url:
        env["PREFECT_API_URL"] = prefect_api_url
    env.update({f"ARXIV_DIGEST_{key.upper()}": str(value) for key, value in settings.items()})
    return env


def start(command: Sequence[str], env: dict[str, str], cwd: Path, **kwargs: Any) -> subprocess.Popen[Any]:
    """A subprocess leading a process group of its own, so that it can be killed with all it starts."""
    return subprocess.Popen(list(command), env=env, cwd=cwd, start_new_session=True, **kwargs)


def kill_group(process: subprocess.Popen[Any]) -> None:
    """SIGKILL what is left of the process's group: the process (if still running) and whatever it started (Prefect's
    temporary server). Called after a normal exit too, so no server outlives its run."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def run_to_end(command: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> tuple[int, str]:
    """Run a command to its end in its own process group; (exit code, stderr)."""
    process = start(command, env, cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = process.communicate(timeout=timeout)
    finally:
        kill_group(process)
    return process.returncode, err


def compare_rows(data_dir: Path, reference_dir: Path) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Rows (by primary key) the store has beyond, and short of, a store built by one uninterrupted run.

    analysis_attempts and announcement_feeds are left out: they are logs of every try and of every read of arXiv's
    feed (keyed by the time read), and a rerun after a failure may add some.
    """
    after, reference = store_rows(data_dir), store_rows(reference_dir)
    history = {"analysis_attempts", "announcement_feeds"}
    extra = {t: sorted(after[t] - reference.get(t, set()), key=str) for t in after if t not in history}
    missing = {t: sorted(reference[t] - after.get(t, set()), key=str) for t in reference if t not in history}
    return {t: rows for t, rows in extra.items() if rows}, {t: rows for t, rows in missing.items() if rows}


def _analyses_answered(model: FakeLLM) -> int:
    with model.lock:
        return sum(1 for served, _ in model.answered_at if served.paper_id and served.kind == "text")


class SlowModel:
    """Good answers, each sent `delay` seconds late (0 once the test no longer needs a slow model)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def __call__(self, request: ChatRequest) -> Reply:
        return Reply.content(good_answer(request), delay=self.delay if request.paper_id else 0.0)


def sigkill_during_analysis(workdir: Path, *, paper_count: int = 6, kill_after_answers: int = 2,
                            answer_delay: float = 1.0, prefect_api_url: str | None = None) -> ScenarioResult:
    """`kill -9` of the process group of `arxiv-digest run` while the model answers slowly, then a rerun.

    The model answers one request at a time (llm_concurrency 1), each `answer_delay` seconds late; the run is
    killed once `kill_after_answers` analyses were answered and the next is in flight. The rerun must not ask the
    model again about any paper whose analysis was stored before the kill, lose no paper, add no row that an
    uninterrupted run of the same day does not have, and leave no partial file.
    """
    result = ScenarioResult("sigkill_during_analysis")
    papers = variants(paper_count, 62001)
    ids = [p.versioned_id for p in papers]
    data_dir = workdir / "data"
    slow = SlowModel(answer_delay)
    with FakeArxiv() as server, FakeLLM(responder=slow) as model:
        serve_day(server, papers)
        settings = {**arxiv_settings(server, data_dir), **model_settings(model, llm_concurrency=1,
                                                                         llm_timeout_seconds=60)}
        env = subprocess_env(workdir, "killed", prefect_api_url, **settings)
        command = [str(BIN / "arxiv-digest"), "run", "--date", DAY.isoformat()]
        started = time.monotonic()
        log_path = workdir / "killed-run.log"
        with open(log_path, "wb") as log:
            victim = start(command, env, workdir, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 240
                while _analyses_answered(model) < kill_after_answers:
                    if victim.poll() is not None or time.monotonic() > deadline:
                        raise ScenarioError("the run ended (or took too long) before the analyses it was to be "
                                            f"killed in: {log_path.read_text(errors='replace')[-2000:]}")
                    time.sleep(0.05)
                time.sleep(min(0.5, answer_delay / 2))  # the stored answers are written; the next one is in flight
                answered_at_kill = _analyses_answered(model)
            finally:
                kill_group(victim)
        result.faults["sigkill_during_analysis"] += int(victim.returncode == -signal.SIGKILL)
        after_kill = {
            "returncode": victim.returncode,
            "answered": answered_at_kill,
            "published": read_outputs(data_dir) is not None,
            "partial_files": partial_files(data_dir),
        }
        stored_before = {row[0] for row in query(
            data_dir, "SELECT DISTINCT arxiv_id || 'v' || version FROM analyses WHERE analyzer = ?", [f"llm:{MODEL}"])}
        calls_before = {pid: len(model.requests_for(pid)) for pid in ids}

        slow.delay = 0.0
        code, err = run_to_end(command, subprocess_env(workdir, "rerun", prefect_api_url, **settings), workdir)
        result.seconds = time.monotonic() - started
        if code != 0:
            raise ScenarioError(f"the rerun failed ({code}): {err[-3000:]}")
        calls_rerun = {pid: len(model.requests_for(pid)) - calls_before[pid] for pid in ids}

        # The same day run once without interruption, for the rows it should leave.
        reference_dir = workdir / "reference"
        run_flow({**settings, "data_dir": str(reference_dir)})

    details = tally_rerun(result, ids, data_dir, reference_dir)
    result.repeated_model_calls = sum(calls_rerun[pid] for pid in stored_before)
    result.partial_files_published += len(after_kill["partial_files"])
    result.details = {
        "after_kill": after_kill,
        "stored_before_kill": sorted(stored_before),
        "calls_before_kill": calls_before,
        "calls_in_rerun": calls_rerun,
        **details,
    }
    return result


def tally_outputs(result: ScenarioResult, ids: Sequence[str], data_dir: Path) -> Outputs | None:
    """What every scenario counts in the published day: papers lost, refusals, partial files."""
    outputs = read_outputs(data_dir)
    result.papers_expected = len(ids)
    result.papers_lost = papers_lost(ids, outputs)
    result.refusals_published = refusals_published(outputs)
    result.partial_files_published = len(partial_files(data_dir))
    return outputs


def tally_rerun(
    result: ScenarioResult, ids: Sequence[str], data_dir: Path, reference_dir: Path
) -> dict[str, Any]:
    """tally_outputs, and the rows beyond those of an uninterrupted run of the same day; details for the tests."""
    outputs = tally_outputs(result, ids, data_dir)
    extra, missing = compare_rows(data_dir, reference_dir)
    result.duplicate_rows = sum(len(rows) for rows in extra.values())
    return {"extra_rows": extra, "missing_rows": missing,
            "row_counts": {t: len(rows) for t, rows in store_rows(data_dir).items()},
            "papers": paper_state(data_dir), "outputs": outputs, "data_dir": data_dir}


def sigkill_during_download(workdir: Path, prefect_api_url: str | None = None) -> ScenarioResult:
    """`kill -9` of `arxiv-digest run` while a PDF body hangs (the sample day's papers), then a rerun."""
    result = ScenarioResult("sigkill_during_download")
    papers = [p for p in PAPERS if p.published.startswith("2026-01-20")]
    ids = [p.versioned_id for p in papers]
    data_dir = workdir / "data"
    with FakeArxiv() as server:
        server.state.default_feed = feed_xml(PAPERS)
        for paper in PAPERS:
            if paper.sections or paper.image_only:
                server.state.pdfs[paper.versioned_id] = build_pdf(paper)
        server.fault("pdf", ("none",), ("hang", 60.0))  # the 2nd PDF request never answers
        settings = arxiv_settings(server, data_dir)
        command = [str(BIN / "arxiv-digest"), "run", "--date", DAY.isoformat()]
        started = time.monotonic()
        victim = start(command, subprocess_env(workdir, "a", prefect_api_url, **settings), workdir,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while len(server.requests_to("pdf")) < 2:
                if victim.poll() is not None or time.monotonic() > deadline:
                    raise ScenarioError("the run ended (or took too long) before it reached the hanging download")
                time.sleep(0.2)
            time.sleep(0.5)  # the hanging body is being waited for: kill in the middle of it
        finally:
            kill_group(victim)
        result.faults["sigkill_during_download"] += int(victim.returncode == -signal.SIGKILL)
        result.faults["pdf_hang"] += server.state.served_faults.count(("pdf", "hang"))
        after_kill = {"returncode": victim.returncode, "published": read_outputs(data_dir) is not None,
                      "pdf_requests": len(server.requests_to("pdf"))}
        server.state.faults.clear()
        code, err = run_to_end(command, subprocess_env(workdir, "b", prefect_api_url, **settings), workdir)
        result.seconds = time.monotonic() - started
        if code != 0:
            raise ScenarioError(f"the rerun failed ({code}): {err[-3000:]}")
        reference_dir = workdir / "reference"
        run_flow({**settings, "data_dir": str(reference_dir)})
    details = tally_rerun(result, ids, data_dir, reference_dir)
    result.details = {"after_kill": after_kill, **details}
    return result


def two_runs_at_once(workdir: Path) -> ScenarioResult:
    """Two `arxiv-digest run --sample` processes on one store at the same time: they must take turns."""
    result = ScenarioResult("two_runs_at_once")
    data_dir = workdir / "sample-day"  # named as the sample's own data dir, so the runs use it as it is
    command = [str(BIN / "arxiv-digest"), "run", "--sample"]
    started = time.monotonic()
    runs = [start(command, subprocess_env(workdir, name, data_dir=data_dir), workdir, stdout=subprocess.PIPE,
                  stderr=subprocess.PIPE, text=True) for name in ("one", "two")]
    result.faults["concurrent_run_same_day"] += int(all(run.poll() is None for run in runs))
    try:
        finished = [run.communicate(timeout=600) for run in runs]
    finally:
        for run in runs:
            kill_group(run)
    result.seconds = time.monotonic() - started
    reference_dir = workdir / "reference" / "sample-day"
    run_flow({"data_dir": str(reference_dir)}, sample=True)
    ids = [p.versioned_id for p in PAPERS if p.published.startswith("2026-01-20")]
    details = tally_rerun(result, ids, data_dir, reference_dir)
    runs_row = query(data_dir, "SELECT status, attempts FROM runs WHERE digest_date = ?", [DAY])
    result.details = {
        "returncodes": [run.returncode for run in runs],
        "stderr": [err[-3000:] for _, err in finished],
        "run": runs_row[0] if runs_row else None,
        "max_pdf_attempts": query(data_dir, "SELECT max(attempts) FROM pdf_files")[0][0],
        **details,
    }
    return result


# -- 3. a 200 MB PDF ------------------------------------------------------------------------------------------


def oversized_pdfs(workdir: Path, size: int = 200_000_000, pdf_max_bytes: int | None = None) -> ScenarioResult:
    """Two PDFs of `size` bytes streamed lazily, one declaring its length and one not, among two normal ones."""
    result = ScenarioResult("oversized_pdfs")
    papers = variants(4, 63001)
    declared, undeclared = papers[1].versioned_id, papers[3].versioned_id
    data_dir = workdir / "data"
    with FakeArxiv() as server:
        server.state.streams[declared] = StreamedPdf(size, declare_length=True)
        server.state.streams[undeclared] = StreamedPdf(size, declare_length=False)
        serve_day(server, papers)
        overrides = arxiv_settings(server, data_dir)
        if pdf_max_bytes is not None:
            overrides["pdf_max_bytes"] = pdf_max_bytes
        warm_up(workdir)
        with PeakRss() as memory:
            result.seconds, _ = run_flow(overrides)
        streams = {r.paper: r for r in server.stream_records(2)}
        result.faults["pdf_200mb_with_length"] += server.pdf_requests_for(declared)
        result.faults["pdf_200mb_without_length"] += server.pdf_requests_for(undeclared)
    outputs = tally_outputs(result, [p.versioned_id for p in papers], data_dir)
    pdf_dir = data_dir / "pdfs"
    result.details = {
        "declared": declared,
        "undeclared": undeclared,
        "size": size,
        "bytes_sent": {pid: r.bytes_sent for pid, r in streams.items()},
        "completed": {pid: r.completed for pid, r in streams.items()},
        "pdf_files_on_disk": sorted(p.name for p in pdf_dir.iterdir()) if pdf_dir.is_dir() else [],
        "rss_growth_mib": memory.growth_mib,
        "papers": paper_state(data_dir),
        "outputs": outputs,
        "data_dir": data_dir,
    }
    return result


# -- 4. a PDF with thousands of pages --------------------------------------------------------------------------

_WORDS = ("the model routes tokens through memory attention while static regions reuse cached features and we "
          "measure accuracy latency and memory on several public benchmarks with careful ablations").split()
_HEADINGS = {0: "1 Introduction", 2: "2 Method", 5: "3 Experiments", 8: "4 Conclusion"}


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _page_content(number: int) -> bytes:
    ops = ["BT"]
    y = 790.0

    def line(text: str, font: str = "F1", size: float = 10) -> None:
        nonlocal y
        ops.append(f"/{font} {size:g} Tf 1 0 0 1 64 {y:g} Tm ({_pdf_string(text)}) Tj")
        y -= size + 4

    if number == 0:
        line("A Paper With Thousands of Pages", "F2", 16)
        y -= 8
        line("Abstract", "F2", 12)
        for _ in range(3):
            line("We propose a method that keeps working when the document is very long, and report results.")
        y -= 6
    heading = _HEADINGS.get(number) or (f"Appendix part {number // 25}" if number > 8 and number % 25 == 0 else "")
    if heading:
        y -= 6
        line(heading, "F2", 12)
    k = number
    while y > 70:
        words = [_WORDS[(k * 7 + j * 3) % len(_WORDS)] for j in range(14)]
        line(f"On page {number + 1}, " + " ".join(words) + ".")
        k += 1
    ops.append("ET")
    return "\n".join(ops).encode()


def many_page_pdf(pages: int = 3000) -> bytes:
    """A valid PDF of `pages` full text pages (sections, then appendix parts), written directly: ~2.6 MB in <1 s.

    PyMuPDF's page-by-page writer needs over a minute for 3000 pages; this writes the objects and the xref table
    itself (standard Helvetica fonts, one compressed content stream per page).
    """
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    }
    kids = []
    for index in range(pages):
        page, content = 5 + 2 * index, 6 + 2 * index
        kids.append(f"{page} 0 R")
        objects[page] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R "
                         f"/F2 4 0 R >> >> /Contents {content} 0 R >>").encode()
        stream = zlib.compress(_page_content(index), 6)
        objects[content] = (f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream
                            + b"\nendstream")
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n")
    xref = out.tell()
    size = max(objects) + 1
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{offsets[n]:010d} 00000 n \n" for n in range(1, size)).encode())
    out.write(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def thousand_pages(workdir: Path, pdf: bytes, *, variant: str = "page_cap") -> ScenarioResult:
    """A PDF of thousands of pages beside a normal paper, read under the page cap or stopped by the time cap.

    page_cap: the default caps (300 pages, 60 s) and the fake model: the paper is analysed from what was read,
              and the model's prompt stays within the input token budget.
    time_cap: a page cap above the length and a 0.5 s time cap: extraction stops and the paper falls back to
              an abstract analysis that names the reason.
    """
    from arxiv_digest.analysis.prompting import message_tokens
    from arxiv_digest.settings import Settings

    result = ScenarioResult(f"thousand_pages_{variant}")
    papers = variants(2, 64001 if variant == "page_cap" else 64101)
    big = papers[0].versioned_id
    data_dir = workdir / "data"
    with FakeArxiv() as server, FakeLLM() as model:
        serve_day(server, papers, {big: pdf})
        overrides = arxiv_settings(server, data_dir)
        if variant == "page_cap":
            overrides.update(model_settings(model))
        else:
            overrides.update(pdf_page_cap=10_000, extract_time_cap_seconds=0.5)
        warm_up(workdir)
        with PeakRss() as memory:
            result.seconds, _ = run_flow(overrides)
        result.faults[f"pdf_thousands_of_pages_{variant}"] += server.pdf_requests_for(big)
        prompt_tokens = [message_tokens(r.body["messages"]) for r in model.requests_for(big)]
    outputs = tally_outputs(result, [p.versioned_id for p in papers], data_dir)
    result.details = {
        "big": big,
        "pdf_pages": pdf.count(b"/Type /Page "),
        "page_cap": overrides.get("pdf_page_cap", Settings.pdf_page_cap),
        "token_budget": Settings.llm_input_token_budget,
        "prompt_tokens": prompt_tokens,
        "extract_ms": query(data_dir, "SELECT e.elapsed_ms FROM extractions e JOIN pdf_files p USING (sha256) "
                                      "WHERE p.arxiv_id = ?", [papers[0].arxiv_id]),
        "rss_growth_mib": memory.growth_mib,
        "papers": paper_state(data_dir),
        "outputs": outputs,
        "data_dir": data_dir,
    }
    return result


# -- 5. corrupt and encrypted PDFs ------------------------------------------------------------------------------


def encrypted(pdf: bytes, password: str = "secret") -> bytes:
    import pymupdf

    source = pymupdf.open(stream=pdf, filetype="pdf")
    out = io.BytesIO()
    source.save(out, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password + "-owner")
    source.close()
    return out.getvalue()


def unreadable_pdfs(workdir: Path) -> ScenarioResult:
    """Beside a good paper: an encrypted PDF, bytes MuPDF cannot open, and a file cut in half (no %%EOF)."""
    result = ScenarioResult("unreadable_pdfs")
    papers = variants(4, 65001)
    noise = random.Random(8).randbytes(20_000)
    bad = {
        papers[1].versioned_id: ("pdf_encrypted", encrypted(build_pdf(papers[1]))),
        papers[2].versioned_id: ("pdf_corrupt", b"%PDF-1.7\n" + noise + b"\n%%EOF\n"),
        papers[3].versioned_id: ("pdf_truncated", pdf_of(papers[3])[:3000]),
    }
    data_dir = workdir / "data"
    with FakeArxiv() as server:
        serve_day(server, papers, {pid: body for pid, (_, body) in bad.items()})
        result.seconds, _ = run_flow(arxiv_settings(server, data_dir))
        for pid, (kind, _) in bad.items():
            result.faults[kind] += server.pdf_requests_for(pid)
    outputs = tally_outputs(result, [p.versioned_id for p in papers], data_dir)
    result.details = {"bad": {pid: kind for pid, (kind, _) in bad.items()}, "good": papers[0].versioned_id,
                      "papers": paper_state(data_dir), "outputs": outputs, "data_dir": data_dir}
    return result


# -- 6. hostile metadata (the benchmark's count; tests/test_daily_flow.py tests the same inputs) ----------------


def hostile_metadata(workdir: Path) -> ScenarioResult:
    from test_daily_flow import HOSTILE_INPUTS

    result = ScenarioResult("hostile_metadata")
    papers = [
        replace(PAPERS[2], arxiv_id=f"2601.{66000 + n}", title=f"T{n} {text}", abstract=f"We propose X. {text}",
                authors=(text, "Normal Name"), sections=())
        for n, text in enumerate(HOSTILE_INPUTS)
    ]
    data_dir = workdir / "data"
    with FakeArxiv() as server:
        serve_day(server, papers)
        result.seconds, _ = run_flow(arxiv_settings(server, data_dir))
    ids = [p.versioned_id for p in papers]
    outputs = tally_outputs(result, ids, data_dir)
    result.faults["hostile_metadata"] = len(papers)
    result.hostile_inputs_tried = len(HOSTILE_INPUTS)
    result.outputs_changed = sum(1 for pid in ids if outputs is None or pid not in outputs.published_everywhere()
                                 or hostile_markup_in(outputs, pid))
    result.details = {"outputs": outputs, "data_dir": data_dir}
    return result


# -- running several ------------------------------------------------------------------------------------------


def totals(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    """The suite's counts: each is the sum over the scenarios that measure it (see `measured_in`)."""
    faults: Counter[str] = Counter()
    for r in results:
        faults.update(r.faults)
    summary: dict[str, Any] = {"faults_injected": {"total": sum(faults.values()),
                                                   "by_kind": dict(sorted(faults.items()))}}
    measured_in = {}
    for name in ScenarioResult.COUNTS:
        measured = [r for r in results if getattr(r, name) is not None]
        summary[name] = sum(getattr(r, name) for r in measured)
        measured_in[name] = [r.name for r in measured]
    summary["measured_in"] = measured_in
    return summary
