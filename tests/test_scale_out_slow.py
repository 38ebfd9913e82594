"""Beyond one machine: the Prefect server on PostgreSQL, two process workers on one work pool, the
`cs-cv-backfill` deployment of prefect.yaml (per-day store layout, two runs at once), and a four-day backfill
submitted through it, then submitted again. Slow (about a minute); runs in CI where PostgreSQL is installed
(Debian's postgresql package: /usr/lib/postgresql/<version>/bin) and skips with the reason elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import glob
import hashlib
import itertools
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_arxiv import FakeArxiv
from prefect_processes import BIN, REPO, free_port, isolated_env, run_prefect, start_server, wait_until_healthy

from arxiv_digest.catalog.announcements import announcement
from arxiv_digest.catalog.sample_day import PAPERS, SamplePaper, build_pdf, feed_xml
from arxiv_digest.catalog.selection import search_query

pytestmark = pytest.mark.slow

CATEGORY = "cs.CV"
DEPLOYMENT = "daily-digest/cs-cv-backfill"
WORKERS = ("scale-out-a", "scale-out-b")
DAYS = [date(2026, 2, 3) + timedelta(days=n) for n in range(4)]  # digest dates; papers submitted the day before
DB_PASSWORD = "digest-pw"
MISSING_PDF = "2602.93002v1"  # arXiv answers 404 for this one PDF: a failed step for audit to find
_SUBMITTING = re.compile(r"Worker '([^']+)' submitting flow run '([0-9a-f-]{36})'")
_ABORTED = re.compile(r"Aborted submission of flow run '([0-9a-f-]{36})'")
_PAPER_ID = re.compile(r"\b\d{4}\.\d{5}v\d+\b")


# -- the days the fake arXiv serves ------------------------------------------------------------------------


def _day_papers() -> dict[date, tuple[SamplePaper, ...]]:
    """Two papers per day with ids and titles of their own, first submitted on the day before the digest date.

    Only the first papers of the first two days are the same PDF (same bytes under two ids): those two days
    run at once on the two workers, and the shared PDF folder must end up with one file for it.
    """
    bases = [(PAPERS[0], PAPERS[3]), (PAPERS[0], PAPERS[1]), (PAPERS[1], PAPERS[2]), (PAPERS[2], PAPERS[3])]
    days: dict[date, tuple[SamplePaper, ...]] = {}
    for n, (day, pair) in enumerate(zip(DAYS, bases, strict=True), start=1):
        submitted = (day - timedelta(days=1)).isoformat()
        days[day] = tuple(
            dataclasses.replace(
                base,
                arxiv_id=f"2602.9{n}{k:03d}",
                title=f"{base.title}, part {1 if (n, k) == (2, 1) else n}",
                published=f"{submitted}T{base.published[11:]}",
                updated=f"{submitted}T{base.published[11:]}",
            )
            for k, base in enumerate(pair, start=1)
        )
    return days


# -- processes -------------------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(stat).read_text()
            ppid = int(text[text.rindex(")") + 2 :].split()[1])
            tree.setdefault(ppid, []).append(int(Path(stat).parent.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _stop(process: subprocess.Popen[bytes] | None, grace: float = 20.0) -> None:
    """Stop a process we started and everything it started (flow-run processes included), never others."""
    if process is None or process.poll() is not None:
        return
    family = _descendants(process.pid)
    process.send_signal(signal.SIGINT)  # Prefect's CLI shuts down cleanly on Ctrl-C
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    deadline = time.monotonic() + 10
    for pid in family:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _wait_until(what: str, check: Any, timeout: float, interval: float = 1.0, explain: Any = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s" + (f"\n{explain()}" if explain else ""))
        time.sleep(interval)


# -- PostgreSQL ------------------------------------------------------------------------------------------


@dataclass
class Postgres:
    bin_dir: Path
    port: int
    database: str = "prefect"
    user: str = "prefect"
    password: str = DB_PASSWORD

    @property
    def url(self) -> str:
        """What PREFECT_API_DATABASE_CONNECTION_URL gets."""
        return f"postgresql+asyncpg://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def query(self, sql: str, *args: Any) -> list[Any]:
        import asyncpg

        async def run() -> list[Any]:
            con = await asyncpg.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                                        database=self.database)
            try:
                return list(await con.fetch(sql, *args))
            finally:
                await con.close()

        return asyncio.run(run())


def _postgres_binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(re.sub(r"\D", "", Path(p).parts[-3]) or 0))
    if not found:
        pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)")
    return Path(found[-1]).parent


@contextlib.contextmanager
def _postgres_server() -> Iterator[Postgres]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (password auth), run as our child, stopped and deleted after."""
    bin_dir = _postgres_binaries()
    as_user: dict[str, Any] = {}
    if os.geteuid() == 0:  # initdb and postgres refuse root: the cluster belongs to the postgres system user
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` system user to own the PostgreSQL cluster")
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    base = Path(tempfile.mkdtemp(prefix="arxiv-digest-pg-"))  # not under pytest's root-only tmp dir
    data, sockets, pwfile = base / "data", base / "sockets", base / "pwfile"
    sockets.mkdir()
    pwfile.write_text(DB_PASSWORD + "\n")
    if as_user:
        for path in (base, sockets, pwfile):
            os.chown(path, as_user["user"], as_user["group"])
    pg = Postgres(bin_dir, free_port())
    log_path = base / "postgres.log"

    def run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=base, capture_output=True, text=True,
                              timeout=60, **kwargs)

    server = None
    try:
        initdb = run("initdb", "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}", "-A", "scram-sha-256",
                     "-E", "UTF8", "--no-locale", "--no-sync", **as_user)
        assert initdb.returncode == 0, initdb.stdout + initdb.stderr
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(data), "-p", str(pg.port), "-c", "listen_addresses=127.0.0.1",
                 "-c", f"unix_socket_directories={sockets}", "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off"],
                cwd=base, stdout=log, stderr=subprocess.STDOUT, **as_user,
            )

        def ready() -> bool:
            assert server.poll() is None, log_path.read_text(errors="replace")[-3000:]
            return run("pg_isready", "-h", "127.0.0.1", "-p", str(pg.port), "-t", "1").returncode == 0

        _wait_until("PostgreSQL did not accept connections", ready, 60, interval=0.3,
                    explain=lambda: log_path.read_text(errors="replace")[-3000:])
        # As the README says: a login role that is not a superuser, owning the database (Prefect's migrations
        # create the trusted pg_trgm extension, which a database owner may do).
        admin = ("-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres")
        secret = {"env": {**os.environ, "PGPASSWORD": DB_PASSWORD}}
        role = run("psql", *admin, "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c",
                   f"CREATE ROLE {pg.user} LOGIN PASSWORD '{pg.password}'", **secret)
        assert role.returncode == 0, role.stdout + role.stderr
        created = run("createdb", *admin, "--owner", pg.user, pg.database, **secret)
        assert created.returncode == 0, created.stdout + created.stderr
        yield pg
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                family = _descendants(server.pid)
                server.kill()
                server.wait(timeout=10)
                for pid in family:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)


# -- the stack -------------------------------------------------------------------------------------------


@dataclass
class Stack:
    env: dict[str, str]  # the CLI's: the API, never the database
    api: str
    root: Path
    data: Path
    pg: Postgres
    fake: FakeArxiv
    papers: dict[date, tuple[SamplePaper, ...]]
    pdf_sha: dict[str, str]  # paper -> sha256 of the PDF the fake arXiv serves for it
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def log(self, name: str) -> str:
        path = self.root / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs_tail(self, chars: int = 3000) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-chars:]}" for name in ("server", *WORKERS))

    @property
    def wide_env(self) -> dict[str, str]:
        """A terminal wide enough that no table row folds: one line per day."""
        return {**self.env, "COLUMNS": "200"}

    def digest(self, *args: str, env: dict[str, str] | None = None, timeout: float = 400
               ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "arxiv-digest"), *args], env=env or self.env, cwd=REPO, capture_output=True,
                              text=True, timeout=timeout)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(f"{self.api}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def deployment_runs(self) -> list[dict[str, Any]]:
        deployment = httpx.get(f"{self.api}/deployments/name/{DEPLOYMENT}", timeout=30).json()
        return self.post("/flow_runs/filter", {"deployments": {"id": {"any_": [deployment["id"]]}}, "limit": 200})


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("scale-out")
    logs = root / "logs"
    logs.mkdir()
    papers = _day_papers()
    port = free_port()
    base_env = isolated_env(root, port)
    with contextlib.ExitStack() as cleanup:
        pg = cleanup.enter_context(_postgres_server())
        fake = cleanup.enter_context(FakeArxiv())
        pdf_sha: dict[str, str] = {}
        for day, day_papers in papers.items():
            digest = announcement(day)
            assert digest is not None
            fake.state.feeds[search_query(CATEGORY, digest, 14)] = {0: feed_xml(day_papers)}
            for paper in day_papers:
                if paper.versioned_id == MISSING_PDF:
                    continue
                pdf = build_pdf(paper)
                fake.state.pdfs[paper.versioned_id] = pdf
                pdf_sha[paper.versioned_id] = hashlib.sha256(pdf).hexdigest()
        server_env = {
            **base_env,
            "PREFECT_API_DATABASE_CONNECTION_URL": pg.url,
            # A run turned away by the deployment's concurrency limit is retried after this (default 30 s).
            "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "5",
        }
        env = {
            **base_env,
            "ARXIV_DIGEST_DATA_DIR": str(root / "data"),
            "ARXIV_DIGEST_STORE_LAYOUT": "per-day",  # the CLI reads the per-day stores the workers' runs write
            "ARXIV_DIGEST_ARXIV_API_URL": fake.api_url,
            "ARXIV_DIGEST_ARXIV_PDF_URL": fake.pdf_url,
            "ARXIV_DIGEST_ARXIV_MIN_INTERVAL_SECONDS": "0",
            "ARXIV_DIGEST_PDF_MIN_INTERVAL_SECONDS": "0",
            "ARXIV_DIGEST_HTTP_MAX_ATTEMPTS": "1",
        }
        # The workers get no store layout: the deployment's job variables set it for its runs.
        worker_env = {k: v for k, v in env.items() if k != "ARXIV_DIGEST_STORE_LAYOUT"}
        worker_env["PREFECT_WORKER_QUERY_SECONDS"] = "2"
        stack = Stack(env, f"http://127.0.0.1:{port}/api", root, root / "data", pg, fake, papers, pdf_sha)

        server_log = cleanup.enter_context(open(logs / "server.log", "wb"))  # open as long as the server runs
        server = start_server(server_env, port, root, server_log)
        cleanup.callback(_stop, server)
        wait_until_healthy(server, stack.api, logs / "server.log")
        created = run_prefect(env, "work-pool", "create", "arxiv-digest", "--type", "process")
        assert created.returncode == 0, created.stdout + created.stderr
        deployed = run_prefect(env, "--no-prompt", "deploy", "--name", "cs-cv-backfill")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        for name in WORKERS:
            handle = cleanup.enter_context(open(logs / f"{name}.log", "wb"))
            worker = subprocess.Popen(
                [str(BIN / "prefect"), "worker", "start", "--pool", "arxiv-digest", "--limit", "1", "--name", name],
                env=worker_env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT,
            )
            cleanup.callback(_stop, worker)
            stack.workers[name] = worker

        def both_online() -> bool:
            listed = stack.post("/work_pools/arxiv-digest/workers/filter", {})
            return {w["name"] for w in listed if w.get("status") == "ONLINE"} >= set(WORKERS)

        _wait_until("both workers did not come online", both_online, 90, explain=stack.logs_tail)
        yield stack


def _started_by(worker_log: str) -> set[str]:
    """The flow runs a worker's own output says it started: submitted, and not given up to the other worker
    (both may pick the same scheduled run; the server lets one of them move it to Pending)."""
    submitted = {m.group(2) for m in _SUBMITTING.finditer(worker_log)}
    return submitted - set(_ABORTED.findall(worker_log))


def _day_store_counts(path: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        return {
            "counts": counts,
            "papers": sorted(f"{a}v{v}" for a, v in con.execute("SELECT arxiv_id, version FROM papers").fetchall()),
            "digest_days": sorted(str(r[0]) for r in con.execute("SELECT DISTINCT digest_date FROM digest_papers")
                                  .fetchall()),
            "runs": con.execute("SELECT digest_date, category, status FROM runs").fetchall(),
            "pdf_files": sorted(con.execute("SELECT arxiv_id || 'v' || version, status, sha256 FROM pdf_files")
                                .fetchall()),
            "failed_steps": sorted(con.execute("SELECT arxiv_id || 'v' || version, step FROM paper_steps "
                                               "WHERE status = 'failed'").fetchall()),
        }
    finally:
        con.close()


def _table_row(output: str, day: date) -> str:
    """The table line of a day (the line whose first cell is its date)."""
    rows = [line for line in output.splitlines() if line.startswith("│") and line.split("│")[1].strip() == str(day)]
    assert len(rows) == 1, output
    return rows[0]


def test_backfill_deployment_is_unscheduled_parallel_and_per_day(stack: Stack) -> None:
    deployment = httpx.get(f"{stack.api}/deployments/name/{DEPLOYMENT}", timeout=30).json()
    assert deployment["schedules"] == [], deployment["schedules"]
    assert (deployment["global_concurrency_limit"] or {}).get("limit") == 2, deployment
    # The per-day layout, and the analytics switches every deployment of prefect.yaml carries.
    assert deployment["job_variables"]["env"] == {
        "ARXIV_DIGEST_STORE_LAYOUT": "per-day", "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}, deployment
    assert deployment["work_pool_name"] == "arxiv-digest"


def test_backfill_on_two_workers_with_postgres_and_per_day_stores(stack: Stack) -> None:
    started = time.monotonic()
    first = stack.digest("backfill", "--start", DAYS[0].isoformat(), "--end", DAYS[-1].isoformat(),
                         "--via-deployment", "--deployment", DEPLOYMENT, "--wait", "300", env=stack.wide_env)
    assert first.returncode == 0, first.stdout + first.stderr + stack.logs_tail()
    # The day whose PDF arXiv refused is published, but partial; each row names its run as the UI does and
    # shows the papers and seconds read back once the run ended.
    assert first.stdout.count("completed") == len(DAYS) - 1, first.stdout
    assert first.stdout.count("partial") == 1 and "1 PDF failed" in first.stdout, first.stdout
    for day in DAYS:
        row = _table_row(first.stdout, day)
        assert f"digest-{CATEGORY}-{day.isoformat()}" in row, (row, first.stdout)
        papers, status, _coverage, seconds = row.split("│")[2:6]
        assert int(papers) == len(stack.papers[day]), row
        partial = MISSING_PDF in {paper.versioned_id for paper in stack.papers[day]}
        assert status.strip() == ("partial" if partial else "completed"), row
        assert float(seconds) > 0, row

    # Every day published, each with exactly its own papers.
    out = stack.data / "out" / CATEGORY
    for day, papers in stack.papers.items():
        page = out / f"{day.isoformat()}.md"
        assert page.is_file(), sorted(p.name for p in out.glob("*"))
        assert set(_PAPER_ID.findall(page.read_text(encoding="utf-8"))) == {p.versioned_id for p in papers}, day
    index, feed = (out / "index.html").read_text(encoding="utf-8"), (out / "feed.atom").read_text(encoding="utf-8")
    for day in DAYS:
        assert f'href="{day.isoformat()}.html"' in index, index
        assert f":{CATEGORY}:{day.isoformat()}</id>" in feed, feed

    # One run per day, all completed, on both workers, and at least two of them at the same time.
    runs = stack.deployment_runs()
    assert sorted(r["parameters"]["digest_date"] for r in runs) == [d.isoformat() for d in DAYS], runs
    assert {r["state_type"] for r in runs} == {"COMPLETED"}, [(r["name"], r["state_type"]) for r in runs]
    # The worker that moved a run to Pending and started it labels it with its name.
    by_run = {r["id"]: (r.get("labels") or {}).get("prefect.worker.name") for r in runs}
    per_worker = {name: sorted(run for run, w in by_run.items() if w == name) for name in WORKERS}
    assert sum(map(len, per_worker.values())) == len(DAYS), by_run
    assert all(per_worker.values()), f"every worker must have run a day: {per_worker}\n{stack.logs_tail()}"
    for name, worker_runs in per_worker.items():  # the worker's own output agrees with the API
        assert _started_by(stack.log(name)) == set(worker_runs), (name, stack.log(name)[-3000:])
    spans = sorted((datetime.fromisoformat(r["start_time"]), datetime.fromisoformat(r["end_time"])) for r in runs)
    assert any(a[0] < b[1] and b[0] < a[1] for a, b in itertools.combinations(spans, 2)), spans

    # The server kept them in PostgreSQL, not in a SQLite file under PREFECT_HOME.
    rows = stack.pg.query("SELECT id::text, state_type::text, idempotency_key, labels->>'prefect.worker.name' "
                          "FROM flow_run WHERE id = ANY($1::uuid[])", [r["id"] for r in runs])
    assert sorted((r[0], r[1], r[3]) for r in rows) == sorted((r["id"], "COMPLETED", by_run[r["id"]]) for r in runs)
    assert sorted(r[2] for r in rows) == [f"backfill-{CATEGORY}-{d.isoformat()}" for d in DAYS]
    assert not list((stack.root / "prefect-home").glob("*.db")), list((stack.root / "prefect-home").iterdir())

    # The per-day layout: one store per day, no single store; PDFs shared by content hash.
    assert not (stack.data / "digest.duckdb").exists()
    assert sorted(p.name for p in (stack.data / "days").glob("*.duckdb")) == [
        f"{d.isoformat()}.duckdb" for d in DAYS
    ]
    assert (stack.data / "ledger.duckdb").is_file(), "which digest holds each paper: one ledger for all workers"
    pdfs = sorted((stack.data / "pdfs").iterdir())
    assert [p.name for p in pdfs] == sorted({f"{h}.pdf" for h in stack.pdf_sha.values()}), pdfs
    assert len(pdfs) == 2 * len(DAYS) - 2  # the PDF two days share is stored once; one PDF was never served
    for pdf in pdfs:
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == pdf.stem

    # status and audit read every day's store.
    status = stack.digest("status")
    assert status.returncode == 0, status.stderr
    for day in DAYS:
        assert day.isoformat() in status.stdout, status.stdout
    audit = stack.digest("audit", "--since", "1", "--json")
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert [(r["kind"], r["name"]) for r in report["runs"]] == [("task", f"download-{MISSING_PDF}")], report
    failed = report["runs"][0]
    assert (failed["digest_date"], failed["store_status"]) == (DAYS[2].isoformat(), "failed"), failed
    assert "404" in failed["message"], failed
    assert [d["date"] for d in report["days_needing_attention"]] == [DAYS[2].isoformat()], report
    print(f"\nfirst backfill {time.monotonic() - started:.1f} s; runs per worker "
          f"{ {name: len(ids) for name, ids in per_worker.items()} }")


def test_backfill_again_creates_no_runs_and_no_rows(stack: Stack) -> None:
    stores = sorted((stack.data / "days").glob("*.duckdb"))
    before_runs = {r["id"] for r in stack.deployment_runs()}
    assert len(before_runs) == len(DAYS), "the first test must have run"
    pages = {p: p.stat().st_mtime_ns for p in (stack.data / "out" / CATEGORY).glob("*.md")}
    snapshot = {p: _day_store_counts(p) for p in stores}
    args = ("backfill", "--start", DAYS[0].isoformat(), "--end", DAYS[-1].isoformat(), "--via-deployment",
            "--deployment", DEPLOYMENT, "--wait", "60")

    # The CLI sees the days published in the per-day stores, submits nothing and lists each day as skipped.
    again = stack.digest(*args, env=stack.wide_env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "submitted" not in again.stdout and "completed" not in again.stdout, again.stdout
    assert all("skipped" in _table_row(again.stdout, day) for day in DAYS), again.stdout

    # A CLI that cannot see the stores submits every day again: the idempotency keys return the first runs.
    blind = stack.digest(*args, env={**stack.env, "ARXIV_DIGEST_DATA_DIR": str(stack.root / "elsewhere")})
    assert blind.returncode == 0, blind.stdout + blind.stderr
    assert blind.stdout.count("completed") == len(DAYS) - 1 and blind.stdout.count("partial") == 1, blind.stdout
    assert {r["id"] for r in stack.deployment_runs()} == before_runs
    assert stack.pg.query("SELECT count(*) FROM flow_run")[0][0] == len(DAYS)

    # Nothing ran again: no page rewritten. Stop the workers before opening the stores.
    assert {p: p.stat().st_mtime_ns for p in pages} == pages
    for name, worker in stack.workers.items():
        _stop(worker)
        assert worker.returncode is not None, name
    seen: dict[str, Path] = {}
    for path in stores:
        day = date.fromisoformat(path.stem)
        now = _day_store_counts(path)
        assert now == snapshot[path], path
        expected = sorted(p.versioned_id for p in stack.papers[day])
        assert now["papers"] == expected, (path, now["papers"])
        assert now["digest_days"] == [day.isoformat()], now["digest_days"]
        status = "partial" if MISSING_PDF in expected else "completed"  # its PDF failed: published, not whole
        assert now["runs"] == [(day, CATEGORY, status)], now["runs"]
        counts = now["counts"]
        assert counts["digest_papers"] == counts["digest_analyses"] == counts["analyses"] == len(expected), counts
        missing = [MISSING_PDF] if MISSING_PDF in expected else []
        assert now["failed_steps"] == [(paper, "download") for paper in missing], (path, now["failed_steps"])
        assert now["pdf_files"] == [
            (paper, "failed", None) if paper in missing else (paper, "ok", stack.pdf_sha[paper]) for paper in expected
        ], (path, now["pdf_files"])
        assert counts["publications"] == 3 and counts["summaries"] == 1, (path, counts)
        for paper in now["papers"]:
            assert paper not in seen, f"{paper} is in {seen.get(paper)} and {path}"
            seen[paper] = path
    print(f"\nday stores: { {p.stem: snapshot[p]['counts'] for p in stores} }")
