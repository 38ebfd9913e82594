"""A real-size day: real announcements, real PDFs, arXiv's politeness and a model with a real server's timing.

The papers (titles, authors, abstracts, categories) are the cs.CV papers of real announcements in
../shared/corpus/listings/ (primary and cross-listed, in listing order); each is served with one of the corpus's
real PDFs (those with a truth file in bench/truth, in turn) made distinct by a trailing comment with its id, so every
paper is its own file, hash and extraction. The fake arXiv on 127.0.0.1 answers the API by category and
submission window, as arXiv does, and the pipeline keeps its default politeness (3 s between PDF requests).
The fake OpenAI-compatible model answers about the paper it is asked about, with real model prose of real length:
a full-text prompt gets the seed digest's 7-part structure whose sections open with the real model's Chinese
notes on that very paper (the listings' *_AI_enhanced_Chinese files) and the paper's title, padded with the seed's
answers' prose (links removed) to a seed answer's length; a paper without notes gets a seed answer as it is (about
another paper: counted as `method_answers_seed_only`). An abstract prompt gets that paper's notes as 5 points.
The store's verdicts on the answers (accepted / rejected, and rejected as about another paper) are reported. The
model takes a slot of `--slots` (queueing beyond them), waits `--ttft` seconds, then streams at
`--tokens-per-second`.

Both fakes run in a child process, so the peak memory measured (the run's process and its extraction workers,
sampled every 0.2 s) is the pipeline's own. Each run reports its wall time against the two floors it cannot beat,
downloads x politeness and model calls x latency / slots, and their maximum; the overlap of downloads and model
calls from the store's own timestamps; then a rerun of the same day (downloads, calls, seconds).

    python bench/real_day.py --sizes 50,100,200,400           # writes bench/results/real_day.json
    python bench/real_day.py --sizes 200 --budget 10          # a reading budget (one profile, top 10)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fake servers live with the tests

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect's temporary server migrates its database on start: slow on busy cores (the CLI allows as much).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
# Its own Prefect database, not the user's (~/.prefect): other work on the machine does not contend for it.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="real-day-prefect-"))

# ../shared beside the repository (a worktree one level deeper finds it one level up).
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared" / "corpus").is_dir()), ROOT.parent / "shared")
LISTINGS = SHARED / "corpus" / "listings"
PDFS = SHARED / "corpus" / "pdfs"
SEED = SHARED / "seed" / "000_830de6816814581d.txt"
TRUTH = ROOT / "bench" / "truth"  # one file per paper of the corpus's first two sets: the PDFs used here
DAY = date(2026, 1, 21)  # digest date of the simulated announcement (window Mon 19:00 UTC - Tue 19:00 UTC)
WINDOW_START = datetime(2026, 1, 19, 19, 30, tzinfo=UTC)
# Listing days with the real model's notes per paper; the first alone has 205 cs.CV papers, the four 480.
LISTING_DAYS = ("2025-10-07", "2025-10-08", "2025-10-06", "2025-10-03")
_URL = re.compile(r"https?://\S+|\]\([^)]*\)")


# -- the day's inputs -------------------------------------------------------------------------------------------


def listing_papers(count: int, days: tuple[str, ...] = LISTING_DAYS) -> tuple[list[Any], list[str]]:
    """The first `count` cs.CV papers of the listing days (in order, each once), as the fake arXiv serves them."""
    from arxiv_digest.catalog.sample_day import SamplePaper

    papers: list[Any] = []
    seen: set[str] = set()
    used_days: list[str] = []
    for day in days:
        for line in (LISTINGS / f"{day}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "cs.CV" not in row["categories"] or row["id"] in seen or len(papers) >= count:
                continue
            seen.add(row["id"])
            if day not in used_days:
                used_days.append(day)
            papers.append(SamplePaper(
                arxiv_id=row["id"], version=1, title=" ".join(row["title"].split()),
                authors=tuple(row["authors"]), categories=tuple(row["categories"]),
                published="", updated="", abstract=" ".join(row["summary"].split()),
                comment=" ".join((row.get("comment") or "").split()),
            ))
    if len(papers) < count:
        raise SystemExit(f"the listing days {days} hold only {len(papers)} cs.CV papers, not {count}")
    # Spread over the announcement's window (Mon 14:00 - Tue 14:00 US Eastern), in listing order.
    step = timedelta(hours=23) / max(1, count)
    stamped = []
    for n, paper in enumerate(papers):
        when = (WINDOW_START + n * step).strftime("%Y-%m-%dT%H:%M:%SZ")
        stamped.append(type(paper)(**{**asdict(paper), "published": when, "updated": when}))
    return stamped, used_days


def corpus_pdf_files() -> list[Path]:
    ids = sorted(p.stem for p in TRUTH.glob("*.json"))
    return [PDFS / f"{arxiv_id}.pdf" for arxiv_id in ids if (PDFS / f"{arxiv_id}.pdf").is_file()]


def seed_method_answers() -> list[str]:
    """The seed digest's 7-part answers (its real model's prose), without their links."""
    from arxiv_digest.analysis.answers import trim_small_talk

    text = SEED.read_text(encoding="utf-8")
    answers = []
    for block in re.findall(r"\*\*Analysis:\*\*\n(.*?)\n\*\*Key Findings:\*\*", text, re.DOTALL):
        if "### 1." in block and "### 7." in block:
            answers.append(_URL.sub("", trim_small_talk(block)).strip() + "\n")
    return answers


def seed_summary_text() -> str:
    text = SEED.read_text(encoding="utf-8")
    return text.split("## Executive Summary", 1)[1].split("## Table of Contents", 1)[0].strip()


_ABSTRACT_PARTS = (("论文的主要贡献", "tldr"), ("关键创新或方法论", "method"), ("对该领域的潜在影响", "conclusion"),
                   ("可能受益的相关领域或应用", "motivation"), ("从摘要中可以推断出的局限性", "result"))


def abstract_answers(days: tuple[str, ...] = LISTING_DAYS) -> dict[str, str]:
    """Per paper id, a 5-point answer made of the real model's own Chinese notes on that paper's abstract."""
    return {arxiv_id: "\n\n".join(f"**{n}. {heading}**\n\n{_URL.sub('', notes[key])}"
                                    for n, (heading, key) in enumerate(_ABSTRACT_PARTS, start=1)) + "\n"
            for arxiv_id, notes in paper_notes(days).items()}


_METHOD_PARTS = (("摘要翻译", "tldr"), ("方法动机分析", "motivation"), ("方法设计详解", "method"),
                 ("方法对比分析", "method"), ("实验分析", "result"), ("实用指南", "conclusion"), ("总结", "conclusion"))


def _seed_sections(answer: str) -> list[str]:
    """A seed answer's seven section bodies (its prose after each `### n.` heading)."""
    return [part.split("\n", 1)[1].strip() if "\n" in part else ""
            for part in re.split(r"^### \d\. [^\n]*$", answer, flags=re.MULTILINE)[1:8]]


def method_answer(title: str, notes: dict[str, str], seed: str) -> str:
    """A 7-part answer about this paper: each section opens with the real model's own note on it (and the
    method section with its title), then the seed answer's prose for that section, cut so the whole answer has
    the seed answer's length (its timing stays a real answer's)."""
    from arxiv_digest.analysis.prompting import estimate_tokens

    own = [f"{_URL.sub('', notes[key])}" for _, key in _METHOD_PARTS]
    own[2] = f"《{title}》的方法：{own[2]}"
    seed_parts = _seed_sections(seed)
    room = max(0.0, 1 - estimate_tokens("\n".join(own)) / max(1, estimate_tokens(seed)))
    body = []
    for n, ((heading, _), note, extra) in enumerate(zip(_METHOD_PARTS, own, seed_parts, strict=True), start=1):
        end = extra.find("\n", int(len(extra) * room)) if room else 0
        cut = extra if end < 0 else extra[:end]  # whole lines of the seed's prose
        body.append(f"### {n}. {heading}\n\n{note}\n\n{cut}".rstrip())
    return f"## 论文方法分析与总结：{title}\n\n" + "\n\n".join(body) + "\n"


def paper_notes(days: tuple[str, ...] = LISTING_DAYS) -> dict[str, dict[str, str]]:
    """Per paper id, the real model's Chinese notes (tldr, motivation, method, result, conclusion), when complete."""
    notes = {}
    for day in days:
        for line in (LISTINGS / f"{day}_AI_enhanced_Chinese.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            ai = row.get("AI") or {}
            if all(ai.get(key) for _, key in _ABSTRACT_PARTS):
                notes[row["id"]] = ai
    return notes


# -- the fakes, in a child process ------------------------------------------------------------------------------


class DistinctPdfs(dict):
    """Paper id -> a corpus PDF with the id appended after its end: distinct bytes, made when asked for."""

    def __init__(self, ids: list[str], files: list[Path]) -> None:
        super().__init__()
        self.order = {vid: n for n, vid in enumerate(ids)}
        self.bases = [f.read_bytes() for f in files]

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        n = self.order.get(key)
        if n is None:
            return default
        return self.bases[n % len(self.bases)] + f"\n% served as {key}\n".encode()


def serve(conn: Any, count: int, ttft: float, tps: float, slots: int) -> None:
    """The child process: fake arXiv and fake model; answers "stats" and "stop" over `conn`."""
    from fake_arxiv import CatalogPaper, FakeArxiv
    from fake_llm import ChatRequest, FakeLLM, Reply, ServerLatency, good_answer

    from arxiv_digest.analysis.prompting import estimate_tokens

    papers, _ = listing_papers(count)
    titles = {p.versioned_id: p.title for p in papers}
    methods = seed_method_answers()
    notes = paper_notes()
    abstracts = abstract_answers()
    summary_tokens = estimate_tokens(seed_summary_text())
    handed: dict[str, int] = {}
    seed_only: set[str] = set()  # method answers about another paper: this paper has no real notes

    def respond(request: ChatRequest) -> str | Reply:
        kind = request.prompt_kind
        if kind == "summary":
            text = good_answer(request)  # the day's own titles; its time is the seed's summary's length
            return Reply.content(text, delay=max(0.0, summary_tokens - estimate_tokens(text)) / tps)
        if kind == "method":
            n = handed.setdefault(request.paper_id, len(handed))
            own = notes.get(request.paper_id.rsplit("v", 1)[0])
            if own is None or request.paper_id not in titles:
                seed_only.add(request.paper_id)
                return methods[n % len(methods)]
            return method_answer(titles[request.paper_id], own, methods[n % len(methods)])
        return abstracts.get(request.paper_id.rsplit("v", 1)[0]) or good_answer(request)

    arxiv = FakeArxiv().__enter__()
    arxiv.state.catalog = [CatalogPaper(p, datetime(2026, 1, 1, tzinfo=UTC)) for p in papers]
    arxiv.state.pdfs = DistinctPdfs([p.versioned_id for p in papers], corpus_pdf_files())
    llm = FakeLLM(respond).__enter__()
    llm.latency = ServerLatency(ttft_seconds=ttft, tokens_per_second=tps, slots=slots)
    llm.props = None  # a vLLM-like server: the window comes from llm_context_tokens
    llm.model_ids = ["bench-model"]
    conn.send({"api_url": arxiv.api_url, "pdf_url": arxiv.pdf_url, "llm_url": llm.base_url})
    while True:
        command = conn.recv()
        if command == "stop":
            break
        pdf = arxiv.requests_to("pdf")
        with llm.lock:
            kinds: dict[str, int] = {}
            for request in llm.requests:
                kinds[request.prompt_kind] = kinds.get(request.prompt_kind, 0) + 1
            conn.send({"pdf_requests": len(pdf), "pdf_times": [r.at for r in pdf],
                       "chat_requests": len(llm.requests), "by_kind": kinds, "busy": list(llm.busy),
                       "method_answers_seed_only": len(seed_only), "now": time.monotonic()})
    arxiv.__exit__(None, None, None)
    llm.__exit__(None, None, None)
    conn.send("stopped")


class Servers:
    def __init__(self, count: int, ttft: float, tps: float, slots: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child, count, ttft, tps, slots), daemon=True)
        self.process.start()
        self.urls = self.conn.recv()

    def stats(self) -> dict[str, Any]:
        self.conn.send("stats")
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send("stop")
        self.conn.recv()
        self.process.join(10)


# -- measuring --------------------------------------------------------------------------------------------------


def _descendants(root: int) -> list[int]:
    """This process and all its children, from /proc (Linux)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class MemoryAndLoad:
    """Peak RSS of this process plus its children (the extraction pool), without the fakes' process; the
    machine's load (other work shares these cores) and how busy its CPUs were."""

    def __init__(self, exclude_pid: int) -> None:
        self.exclude = exclude_pid
        self.peak = 0
        self.server_peak = 0
        self.loads: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.cpu_start = _cpu_ticks()
        self.cpu_end = self.cpu_start

    def _sample(self) -> None:
        ticks = 0
        pids: list[int] = []
        server: list[int] = []
        while not self.stop.wait(0.5):
            if ticks % 10 == 0:
                others = set(_descendants(self.exclude))
                pids = [p for p in _descendants(os.getpid()) if p not in others]
                # Prefect's temporary server (a deployment runs its server elsewhere) is counted apart.
                server = [p for p in pids if b"prefect.server" in _cmdline(p)]
                pids = [p for p in pids if p not in server]
            self.peak = max(self.peak, sum(_rss_bytes(p) for p in pids))
            self.server_peak = max(self.server_peak, sum(_rss_bytes(p) for p in server))
            ticks += 1
            if ticks % 10 == 0:  # every 5 s
                self.loads.append(os.getloadavg()[0])

    def __enter__(self) -> MemoryAndLoad:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.cpu_end = _cpu_ticks()

    def summary(self) -> dict[str, Any]:
        busy = self.cpu_end[0] - self.cpu_start[0]
        total = self.cpu_end[1] - self.cpu_start[1]
        return {
            "peak_rss_mib": round(self.peak / 2**20, 1),  # the flow's process and its extraction workers
            "prefect_server_peak_rss_mib": round(self.server_peak / 2**20, 1),
            "load_1min_median": round(statistics.median(self.loads), 2) if self.loads else None,
            "load_1min_max": round(max(self.loads), 2) if self.loads else None,
            "machine_cpu_busy_percent": round(100 * busy / total, 1) if total else None,
        }


def store_timeline(db: Path, since: datetime) -> dict[str, Any]:
    """Downloads and model calls of this run, from the store's own timestamps (seconds after the first event)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        downloads = [r[0] for r in con.execute(
            "SELECT fetched_at FROM pdf_files WHERE fetched_at >= ? ORDER BY fetched_at", [since.replace(tzinfo=None)]
        ).fetchall()]
        calls = [r[0] for r in con.execute(
            "SELECT created_at FROM analysis_attempts WHERE created_at >= ? AND model <> 'extractive' "
            "ORDER BY created_at", [since.replace(tzinfo=None)]).fetchall()]
        # The model's answers as the pipeline judged them (an answer about another paper is "rejected").
        verdicts = dict(con.execute(
            "SELECT status, count(*) FROM analysis_attempts WHERE created_at >= ? AND model <> 'extractive' "
            "GROUP BY status ORDER BY status", [since.replace(tzinfo=None)]).fetchall())
        about_another = con.execute(
            "SELECT count(*) FROM analysis_attempts WHERE created_at >= ? AND status = 'rejected' "
            "AND reason LIKE '%does not seem to be about%'", [since.replace(tzinfo=None)]).fetchone()[0]
    finally:
        con.close()
    if not downloads and not calls:
        return {"downloads": 0, "model_calls_answered": 0}
    origin = min([*downloads[:1], *calls[:1]])

    def seconds(t: Any) -> float:
        return round((t - origin).total_seconds(), 1)

    out: dict[str, Any] = {"downloads": len(downloads), "model_calls_answered": len(calls),
                           "answers_by_verdict": verdicts, "answers_rejected_as_about_another_paper": about_another}
    if downloads:
        out.update(first_download_s=seconds(downloads[0]), last_download_s=seconds(downloads[-1]))
    if calls:
        out.update(first_answer_s=seconds(calls[0]), last_answer_s=seconds(calls[-1]))
    if downloads and calls:
        out["answers_before_last_download"] = sum(1 for c in calls if c <= downloads[-1])
    return out


def slot_use(busy: list[list[float]], slots: int, start: float, end: float) -> dict[str, Any]:
    """How busy the model server was: mean slots in use, and seconds with no request running, over the run."""
    if not busy or end <= start:
        return {}
    events = sorted([(b[0], 1) for b in busy] + [(b[2], -1) for b in busy])
    running, last, used, idle = 0, start, 0.0, 0.0
    first_call = busy and min(b[0] for b in busy)
    for when, change in events:
        span = max(0.0, when - last)
        used += running * span
        if running == 0 and last >= first_call:
            idle += span
        running += change
        last = when
    latencies = [b[2] - b[0] for b in busy]
    return {"mean_slots_busy": round(used / (end - start), 2), "slots": slots,
            "idle_seconds_after_first_call": round(idle, 1),
            "call_seconds_mean": round(statistics.mean(latencies), 1),
            "call_seconds_median": round(statistics.median(latencies), 1)}


def run_day(overrides: dict[str, Any], config_file: str | None) -> tuple[float, dict[str, Any]]:
    from arxiv_digest.settings import load_settings
    from flows.daily import daily_digest

    settings = load_settings(Path(config_file) if config_file else None, **overrides)
    # As `arxiv-digest run` runs it: the flow with `paper_concurrency` task threads (0: a thread per task run).
    try:
        from flows.daily import task_runner
    except ImportError:  # the code before this issue (for a baseline): a bounded pool
        from prefect.task_runners import ThreadPoolTaskRunner

        def task_runner(settings: Any) -> Any:
            return ThreadPoolTaskRunner(max_workers=settings.paper_concurrency)
    flow = daily_digest.with_options(task_runner=task_runner(settings))
    started = time.perf_counter()
    result = flow(digest_date=DAY.isoformat(), category="cs.CV", overrides=overrides, config_file=config_file,
                  wait_for_announcement=False)
    result = getattr(result, "data", None) or result  # a partial day ends in a named Completed state
    return time.perf_counter() - started, result


def bench_size(count: int, args: argparse.Namespace, data: Path) -> dict[str, Any]:
    from arxiv_digest.runtime import close_stores

    servers = Servers(count, args.ttft, args.tokens_per_second, args.slots)
    config_file = None
    overrides: dict[str, Any] = {
        "data_dir": str(data), "arxiv_api_url": servers.urls["api_url"], "arxiv_pdf_url": servers.urls["pdf_url"],
        "llm_base_url": servers.urls["llm_url"], "llm_api_key": "bench", "llm_model": "bench-model",
        "llm_concurrency": args.slots, "llm_context_tokens": 32768, "llm_timeout_seconds": 600,
        # The seed's answers are 5-7k tokens by our (pessimistic) count: room for them.
        "llm_max_output_tokens": 8192,
        "pdf_min_interval_seconds": args.politeness,
    }
    if args.figures_for:
        overrides["figures_for"] = args.figures_for
    if args.budget:
        config = data.parent / f"profile-{count}.toml"
        config.write_text(f'deep_analysis_top_n = {args.budget}\n\n[profiles.bench]\nkeywords = '
                          '{ "gaussian splatting" = 3.0, "diffusion" = 1.0, "segmentation" = 1.0 }\n',
                          encoding="utf-8")
        config_file = str(config)
    try:
        since = datetime.now(UTC)
        with MemoryAndLoad(servers.process.pid) as sampler:
            before = servers.stats()
            seconds, result = run_day(overrides, config_file)
            after = servers.stats()
        pdfs = after["pdf_requests"] - before["pdf_requests"]
        calls = after["chat_requests"] - before["chat_requests"]
        busy = after["busy"][len(before["busy"]):]
        latencies = [b[2] - b[0] for b in busy]
        method = [b[2] - b[0] for b in busy]  # every call's own latency (its wait for a slot excluded)
        mean_latency = statistics.mean(latencies) if latencies else 0.0
        download_floor = pdfs * args.politeness
        model_floor = calls * mean_latency / args.slots
        larger = max(download_floor, model_floor)
        one_analysis = statistics.median(method) if method else 0.0
        run: dict[str, Any] = {
            "papers": count, "seconds": round(seconds, 1), "pdf_requests": pdfs, "model_calls": calls,
            "model_calls_by_kind": {k: v - before["by_kind"].get(k, 0) for k, v in after["by_kind"].items()},
            # Papers without the real model's notes get a seed answer about another paper (the old fake).
            "method_answers_seed_only": after["method_answers_seed_only"] - before["method_answers_seed_only"],
            "download_floor_s": round(download_floor, 1), "model_floor_s": round(model_floor, 1),
            "larger_floor_s": round(larger, 1),
            "wall_over_larger_floor": round(seconds / larger, 3) if larger else None,
            "one_analysis_latency_s": round(one_analysis, 1),
            "target_s": round(1.10 * larger + one_analysis, 1),
            "counts": result.get("counts", {}), "status": result.get("status"),
            "step_seconds": result.get("step_seconds", {}),
            "model_server": slot_use(busy, args.slots, before["now"], after["now"]),
            **sampler.summary(),
        }
        run["within_target"] = seconds <= run["target_s"]
        close_stores()
        run["store_timeline"] = store_timeline(data / "digest.duckdb", since)
        run["store_bytes"] = (data / "digest.duckdb").stat().st_size
        run["store_mib_per_1000_papers"] = round(run["store_bytes"] / 2**20 / count * 1000, 1)
        run["pdf_mib"] = round(sum(f.stat().st_size for f in (data / "pdfs").glob("*.pdf")) / 2**20, 1)
        figures = data / "figures"
        run["figure_mib"] = round(sum(f.stat().st_size for f in figures.iterdir()) / 2**20, 1) \
            if figures.is_dir() else 0.0
        if not args.no_rerun:
            before = servers.stats()
            rerun_seconds, rerun = run_day(overrides, config_file)
            after = servers.stats()
            run["rerun"] = {"seconds": round(rerun_seconds, 2), "step_seconds": rerun.get("step_seconds", {}),
                            "downloads": after["pdf_requests"] - before["pdf_requests"],
                            "model_calls": after["chat_requests"] - before["chat_requests"],
                            "status": rerun.get("status")}
            close_stores()
        return run
    finally:
        servers.stop()


def measured_inputs() -> dict[str, Any]:
    """The answer lengths the fake model's timing comes from (estimated tokens, the project's own counter)."""
    from arxiv_digest.analysis.prompting import estimate_tokens

    method = [estimate_tokens(a) for a in seed_method_answers()]
    abstract = [estimate_tokens(a) for a in abstract_answers().values()]
    return {
        "seed_method_answers": len(method), "method_answer_tokens_median": statistics.median(method),
        "method_answer_tokens_range": [min(method), max(method)],
        "abstract_answers": len(abstract), "abstract_answer_tokens_median": statistics.median(abstract),
        "summary_tokens": estimate_tokens(seed_summary_text()),
    }


def start_prefect() -> None:
    """Prefect's temporary server and the slow imports, before anything is timed."""
    import great_expectations  # noqa: F401  (5 s of imports the first run would otherwise pay for)
    from prefect import flow

    flow(name="real-day-warm-up")(lambda: 0)()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,100,200,400", help="papers per day, comma-separated")
    parser.add_argument("--politeness", type=float, default=3.0, help="seconds between PDF requests (default 3)")
    parser.add_argument("--ttft", type=float, default=1.5, help="model: seconds to the first token")
    parser.add_argument("--tokens-per-second", type=float, default=100.0, help="model: tokens per second per request")
    parser.add_argument("--slots", type=int, default=32, help="model: requests the server runs at once")
    parser.add_argument("--budget", type=int, default=0, help="one interest profile reading its top N in full")
    parser.add_argument("--figures-for", choices=("all", "budget", "none"), help="default: the setting's")
    parser.add_argument("--no-rerun", action="store_true")
    parser.add_argument("--data-dir", type=Path, help="keep the days' data here (default: a temporary folder)")
    parser.add_argument("--label", default="", help="a name for these runs in the results file")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "real_day.json")
    args = parser.parse_args()

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results["inputs"] = {**measured_inputs(), "pdfs": len(corpus_pdf_files()), "listing_days": list(LISTING_DAYS),
                         "model": {"ttft_seconds": args.ttft, "tokens_per_second": args.tokens_per_second,
                                   "slots": args.slots}, "politeness_seconds": args.politeness,
                         "cores": os.cpu_count()}
    print(json.dumps(results["inputs"], indent=1), flush=True)
    start_prefect()
    try:  # the run's progress lines, as `arxiv-digest run` prints them
        from arxiv_digest.operations.progress import add_listener

        add_listener(lambda snapshot: print(snapshot.line(), flush=True))
    except ImportError:  # the code before this issue (a baseline) has none
        pass
    runs = results.setdefault("runs", {})
    with tempfile.TemporaryDirectory() as tmp:
        if args.data_dir:
            tmp = str(args.data_dir)  # kept, to look at afterwards
        for count in sizes:
            _, days = listing_papers(count)
            label = args.label or ("budget" if args.budget else "default")
            run = bench_size(count, args, Path(tmp) / f"day-{count}")
            run.update(listing_days=days, label=label, budget=args.budget, figures_for=args.figures_for,
                       when=datetime.now(UTC).isoformat(timespec="minutes"))
            runs[f"{label}-{count}"] = run
            print(json.dumps(run, indent=1, default=str), flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
