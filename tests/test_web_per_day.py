"""The web app over the per-day store layout (each digest date its own store file in data_dir/days/): the reading
copy is merged from every day file, a new day file is picked up on the next page, only changed files are merged
again, and a day file held by a running day (another process writing it) does not block the app: the other days
are served, the page says which day is being written, and that day appears once the run lets go."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from arxiv_digest.catalog.sample_day import PAPERS, SAMPLE_DAY
from arxiv_digest.cli import app as cli_app
from arxiv_digest.runtime import close_stores
from arxiv_digest.settings import Settings, load_settings
from arxiv_digest.store import Store
from arxiv_digest.web.app import create_app
from schemas.records import Paper

DAYS = (date(2026, 1, 20), date(2026, 1, 21), date(2026, 1, 22))
# One word per day that no other day's paper has: a search for it finds that day's paper.
WORDS = ("heliotrope", "quasicrystal", "marzipan")


def _paper(n: int) -> Paper:
    moment = datetime(2026, 1, 19 + n, 10, tzinfo=UTC)
    return Paper(arxiv_id=f"2601.0{n + 1}000", version=1, title=f"Depth estimation with {WORDS[n]} priors",
                 authors=("Ann Author",), categories=("cs.CV",), primary_category="cs.CV", published=moment,
                 updated=moment, abstract=f"We estimate depth from one image using {WORDS[n]} priors.")


def _write_day(settings: Settings, n: int) -> Path:
    """Day n as a run leaves it: its announcement, its digest's papers and a completed run, in its own file."""
    day, paper = DAYS[n], _paper(n)
    path = settings.day_store_path(day)
    store = Store.open(path)
    try:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=1)
        store.record_announcement("cs.CV", day, (start, start + timedelta(days=1)), [(paper, False)])
        store.set_digest_papers(day, "cs.CV", [paper])
        store.start_run(day, "cs.CV", None)
        store.finish_run(day, "cs.CV", "completed", {"papers": 1}, {})
    finally:
        store.close()
    return path


@pytest.fixture
def per_day(tmp_path: Path) -> Settings:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"), store_layout="per-day", web_secret="s")
    _write_day(settings, 0)
    _write_day(settings, 1)
    return settings


@pytest.fixture
def client(per_day: Settings) -> Iterator[TestClient]:
    app = create_app(per_day)
    app.state.web.copy.retry_seconds = 0.0  # a held day is tried again on the next page, not seconds later
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _hold(path: Path) -> subprocess.Popen[str]:
    """Another process that holds a day file for writing, as a running day does; returns once it holds it."""
    code = textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(path)!r})
        print("held", flush=True)
        sys.stdin.read()
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_every_day_file_is_served_and_searchable(client: TestClient) -> None:
    archive = client.get("/archive")
    assert archive.status_code == 200
    for n in (0, 1):
        assert DAYS[n].isoformat() in archive.text
        day = client.get(f"/day/cs.CV/{DAYS[n].isoformat()}")
        assert day.status_code == 200 and _paper(n).title in day.text
        found = client.get("/search", params={"q": WORDS[n]})
        assert found.status_code == 200 and _paper(n).arxiv_id in found.text, WORDS[n]
    home = client.get("/", follow_redirects=False)
    assert home.headers["location"] == f"/day/cs.CV/{DAYS[1].isoformat()}"
    assert client.get(f"/paper/{_paper(0).arxiv_id}").status_code == 200


def test_a_new_day_file_is_picked_up_and_only_changed_files_are_merged_again(client: TestClient,
                                                                             per_day: Settings) -> None:
    assert client.get(f"/day/cs.CV/{DAYS[2].isoformat()}").status_code == 404
    copy = client.app.state.web.copy  # type: ignore[attr-defined]
    merged_before = dict(copy._copied)
    _write_day(per_day, 2)
    day = client.get(f"/day/cs.CV/{DAYS[2].isoformat()}")
    assert day.status_code == 200 and _paper(2).title in day.text
    assert _paper(2).arxiv_id in client.get("/search", params={"q": WORDS[2]}).text
    assert {p: s for p, s in copy._copied.items() if p in merged_before} == merged_before  # untouched: same
    assert per_day.day_store_path(DAYS[2]) in copy._copied


def test_a_day_file_held_by_a_run_does_not_block_the_app(client: TestClient, per_day: Settings) -> None:
    assert client.get("/archive").status_code == 200  # the first two days are in the copy
    path = _write_day(per_day, 2)
    holder = _hold(path)
    try:
        archive = client.get("/archive")
        assert archive.status_code == 200
        assert all(f"/day/cs.CV/{day.isoformat()}" in archive.text for day in DAYS[:2])
        assert f"/day/cs.CV/{DAYS[2].isoformat()}" not in archive.text  # not listed until its run ends
        assert f"a run is writing {DAYS[2].isoformat()}" in archive.text
        assert client.get(f"/day/cs.CV/{DAYS[0].isoformat()}").status_code == 200
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    day = client.get(f"/day/cs.CV/{DAYS[2].isoformat()}")
    assert day.status_code == 200 and _paper(2).title in day.text
    assert "a run is writing" not in day.text


def test_an_unreadable_day_file_is_left_out_and_named_not_a_broken_app(client: TestClient,
                                                                      per_day: Settings) -> None:
    path = per_day.day_store_path(DAYS[2])
    path.write_bytes(b"not a DuckDB file at all\n" * 400)  # a damaged file, as a bad disk block leaves one
    archive = client.get("/archive")
    assert archive.status_code == 200 and f"cannot read {DAYS[2].isoformat()}" in archive.text
    assert all(f"/day/cs.CV/{day.isoformat()}" in archive.text for day in DAYS[:2])
    path.unlink()
    _write_day(per_day, 2)  # rebuilt: read again, and no longer named
    day = client.get(f"/day/cs.CV/{DAYS[2].isoformat()}")
    assert day.status_code == 200 and "cannot read" not in day.text


def test_a_restarted_app_rebuilds_its_copy_from_the_day_files(per_day: Settings) -> None:
    for _ in range(2):
        with TestClient(create_app(per_day)) as client:
            assert _paper(1).title in client.get(f"/day/cs.CV/{DAYS[1].isoformat()}").text
    store = Store.open(per_day.data_dir / "web" / "reading-copy.duckdb", read_only=True)
    try:
        assert sorted(run.digest_date for run in store.runs()) == list(DAYS[:2])
    finally:
        store.close()


def _run_sample(root: Path, *flags: str) -> None:
    result = CliRunner().invoke(cli_app, ["run", "--sample", *flags, "--data-dir", str(root)],
                                env={"ARXIV_DIGEST_STORE_LAYOUT": "per-day"})
    close_stores()
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("prefect_harness")
def test_a_day_the_flow_built_per_day_is_served_whole_and_a_rerun_of_it_is_merged_again(tmp_path: Path) -> None:
    _run_sample(tmp_path)
    data_dir = tmp_path / "sample-day"
    day_file = Store.open(data_dir / "days" / f"{SAMPLE_DAY.isoformat()}.duckdb", read_only=True)
    try:
        listed = [p.versioned_id for p in day_file.digest_papers(SAMPLE_DAY, "cs.CV")]
    finally:
        day_file.close()
    assert len(listed) == 4
    settings = load_settings(environ={}, data_dir=str(data_dir), store_layout="per-day", web_secret="s")
    with TestClient(create_app(settings)) as client:
        day = client.get(f"/day/cs.CV/{SAMPLE_DAY.isoformat()}")
        assert day.status_code == 200 and re.findall(r'data-paper="([^"]+)"', day.text) == listed
        paper = client.get(f"/paper/{PAPERS[0].arxiv_id}")
        assert paper.status_code == 200 and SAMPLE_DAY.isoformat() in paper.text  # the digest that holds it
        assert PAPERS[1].arxiv_id in client.get("/search", params={"q": PAPERS[1].title.split()[0]}).text
        assert client.get("/status").status_code == 200 and client.get("/trends").status_code == 200
        copy = client.app.state.web.copy  # type: ignore[attr-defined]
        first = dict(copy._copied)
        _run_sample(tmp_path, "--force")  # the day file changes: merged again, its rows replacing its rows
        again = client.get(f"/day/cs.CV/{SAMPLE_DAY.isoformat()}")
        assert again.status_code == 200 and re.findall(r'data-paper="([^"]+)"', again.text) == listed
        assert copy._copied != first
    store = Store.open(data_dir / "web" / "reading-copy.duckdb", read_only=True)
    try:
        assert [p.versioned_id for p in store.digest_papers(SAMPLE_DAY, "cs.CV")] == listed
    finally:
        store.close()
