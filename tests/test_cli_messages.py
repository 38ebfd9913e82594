"""What a person typing commands sees (issue 14): an error names the option that is wrong, every date option is
checked first, tables never cut a date, a status or an error (80 columns too), flags show no type, and a data
dir that cannot be written is one line, not a minute of retries."""

from __future__ import annotations

import io
import re
import time
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.errors import StoreError
from arxiv_digest.store import Store

runner = CliRunner()
LONG_ERROR = ("PdfDownloadError: http://127.0.0.1:33663/pdf/2601.98999v2 answered HTTP 404; the PDF may not exist "
              "yet, retry after the announcement")


@pytest.mark.parametrize(("args", "option"), [
    (["audit", "--since", "2026-13-01"], "--since"),
    (["rerun", "--failed", "--date", "2026-02-30"], "--date"),
    (["backfill", "--start", "2026-02-30", "--end", "2026-03-02"], "--start"),
    (["backfill", "--start", "2026-03-02", "--end", "2026-3-5x"], "--end"),
    (["run", "--date", "2026-01-32"], "--date"),
    (["fetch", "--date", "yesterday"], "--date"),
])
def test_a_bad_date_is_named_by_its_own_option(args: list[str], option: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_DATA_DIR", str(tmp_path / "empty"))  # no store: the date is checked first
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"{option} {args[args.index(option) + 1]!r} is not a date" in result.output
    assert "no store" not in result.output


@pytest.mark.parametrize(("args", "option", "says"), [
    (["backfill", "--start", "2026-01-05", "--end", "2026-01-06", "--concurrency", "0"], "--concurrency",
     "greater than or equal to 1"),
    (["backfill", "--start", "2026-01-05", "--end", "2026-01-06", "--via-deployment", "--wait", "-5"], "--wait",
     "greater than or equal to 0"),
    (["serve", "--cron", "every morning"], "--cron", "is not a cron expression"),
    (["serve", "--timezone", "Mars/Base"], "--timezone", "is not a time zone"),
])
def test_a_bad_value_is_named_by_its_own_option_before_anything_runs(
        args: list[str], option: str, says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("COLUMNS", "200")  # typer's error box would fold the message
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert option in result.output and says in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "empty").exists()


@pytest.mark.parametrize("command", ["run", "backfill", "rerun", "audit", "check", "status"])
def test_help_shows_no_type_after_a_flag(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert re.search(r"--help\s+Show this message", result.output)


def test_tables_at_80_columns_keep_dates_statuses_and_errors_whole(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "80")
    store = Store.open(tmp_path / "digest.duckdb")
    try:
        for day, status in ((date(2026, 1, 20), "completed"), (date(2026, 1, 21), "failed")):
            store.start_run(day, "cs.CV", None)
            store.finish_run(day, "cs.CV", status, {"papers": 3, "method_analyses": 2}, {},
                             error=LONG_ERROR if status == "failed" else None)
    finally:
        store.close()
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    table = result.output.split("2026-01-21 cs.CV:")[0]
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "…" not in result.output, result.output
    assert "2026-01-20" in result.output and "2026-01-21" in result.output
    assert "completed" in result.output and "failed" in result.output
    assert f"2026-01-21 cs.CV: {LONG_ERROR}" in result.output, "the whole error, on its own line"


def test_an_unwritable_data_dir_is_one_line_and_exit_1_before_any_run(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    started = time.monotonic()
    result = runner.invoke(app, ["run", "--sample", "--data-dir", str(blocker / "data")])
    assert result.exit_code == 1, result.output
    assert time.monotonic() - started < 5, "no retries: waiting cannot fix it"
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(blocker) in lines[0] and "Not a directory" in lines[0], result.output
    assert "Traceback" not in result.output and "another arxiv-digest process" not in result.output.lower()


def test_a_store_that_cannot_be_created_says_why_not_who(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as failed:
        Store.open(blocker / "digest.duckdb", wait_seconds=30)
    message = str(failed.value)
    assert str(blocker) in message and ("File exists" in message or "Not a directory" in message), message
    assert "probably holds it" not in message


AUDIT_COLUMNS = ("time", "kind", "date", "step", "paper", "state", "attempts", "now in store", "error")
AUDIT_ROW = ("2026-01-21 06:00:03", "task", "2026-01-21", "download", "2601.99001v1", "failed", "3", "failed",
             LONG_ERROR)


@pytest.mark.parametrize("width", [80, 200])
def test_audit_tables_keep_every_column_whole_at_80_columns_and_in_a_pipe(
        width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from arxiv_digest import cli

    out = io.StringIO()
    monkeypatch.setattr(cli, "stdout", Console(file=out, width=width, color_system=None))
    cli._print_records("failed and crashed runs", AUDIT_COLUMNS, [AUDIT_ROW, AUDIT_ROW])
    text = out.getvalue()
    lines = text.splitlines()
    if width == 80:  # stacked: one `column  value` line each, the long error whole on its line
        for column, value in zip(AUDIT_COLUMNS, AUDIT_ROW, strict=True):
            assert sum(1 for line in lines if line.startswith(column) and line.rstrip().endswith(value)) == 2, column
    else:  # it fits: a table, its error in one cell
        assert "now in store" in text and LONG_ERROR in text and text.count("2601.99001v1") == 2
    assert not any(set(line.strip()) <= set("│| ") and line.strip() for line in lines), "no padding rows"


def test_audit_since_that_is_no_date_says_a_number_of_days_is_allowed(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "--since", "abc", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2, result.output
    assert "number of days" in result.output and "YYYY-MM-DD" in result.output
    assert not (tmp_path / "data").exists()


def test_inputs_rejected_with_exit_2_create_no_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for args in (["run", "--date", "2099-01-06"], ["run", "--sample", "--category", "cs.VC"],
                 ["backfill", "--start", "2026-01-10", "--end", "2099-01-01"]):
        result = runner.invoke(app, [*args, "--data-dir", str(data)])
        assert result.exit_code == 2, (args, result.output)
        assert not data.exists(), f"{args} left an empty data dir"


def test_an_unwritable_data_dir_never_names_a_temporary_file(tmp_path: Path) -> None:
    from arxiv_digest.files import unwritable_reason

    blocker = tmp_path / "file"
    blocker.write_text("x")
    reason = unwritable_reason(blocker)
    assert reason is not None and ".write-check" not in reason and str(blocker) in reason, reason
    assert unwritable_reason(tmp_path / "new" / "data") is None
    assert not (tmp_path / "new").exists(), "checking creates nothing"


def test_status_on_a_data_dir_that_is_a_file_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("x")
    result = runner.invoke(app, ["status", "--data-dir", str(blocker)])
    assert result.exit_code == 1
    assert "is a file, not a directory" in " ".join(result.output.split()), result.output
    assert "nothing has run yet" not in result.output


def test_version_prints_the_package_version() -> None:
    from arxiv_digest import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"arxiv-digest {__version__}", result.output


def test_status_after_only_the_sample_day_points_at_its_data_dir(tmp_path: Path) -> None:
    sample_store = tmp_path / "data" / "sample-day" / "digest.duckdb"
    Store.open(sample_store).close()
    result = runner.invoke(app, ["status", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "only the offline sample day has run" in text and str(sample_store.parent) in text, result.output
