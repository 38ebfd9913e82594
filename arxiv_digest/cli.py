"""The `arxiv-digest` command line."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import time
import zoneinfo
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from arxiv_digest.catalog.coverage import coverage_cell, coverage_record, describe_coverage
from arxiv_digest.errors import DigestError, DigestInputError, SettingsError, StoreDamaged, StoreError
from arxiv_digest.files import unwritable_reason
from arxiv_digest.settings import Settings, load_settings
from schemas.records import Coverage, DayAttention, EmailDelivery, RunRecord

if TYPE_CHECKING:  # imported where a command opens a store, as before
    from arxiv_digest.store import Store

# Each command imports the pipeline's modules when it runs, not here: `--help` and a mistyped option answer in
# 0.3 s instead of about 3 s (prefect, openai, duckdb and pymupdf load slowly). Nothing imports this module back.

def _flags_without_placeholders() -> None:
    # This Typer prints a type after every option, flags included ("--force <bool>", "--help <bool>"): a flag
    # takes no value, so its help shows none.
    show_type = typer.core.TyperOption.display_type_rich

    def display_type(self: typer.core.TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else show_type(self, ctx)

    typer.core.TyperOption.display_type_rich = display_type  # type: ignore[method-assign]


_flags_without_placeholders()

app = typer.Typer(
    help="Turn each day's new arXiv papers in a category into one grounded digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from arxiv_digest import __version__

        print(f"arxiv-digest {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                          callback=_print_version)] = False,
) -> None:
    """Turn each day's new arXiv papers in a category into one grounded digest."""
# A worker's flow run may hold the store for a while: commands that read it wait their turn.
STORE_WAIT_SECONDS = 300.0
stdout = Console()

DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="Digest date YYYY-MM-DD: arXiv's announcement of the evening before (20:00 US Eastern). "
        "Default: the newest announcement made by now; with --sample, the sample day.",
    ),
]
CategoryOption = Annotated[
    str | None, typer.Option("--category", help="arXiv category, e.g. cs.CV (default from settings).")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="TOML settings file (default: $ARXIV_DIGEST_CONFIG or ./arxiv-digest.toml)."),
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the store, PDFs and outputs live (default ./data).")
]


def _fail(message: str, code: int = 1) -> None:
    # One line whatever the terminal's width: the path and the cause stay together, and scripts can grep it.
    # The message is plain text: "[model]" or "[profiles.me]" in it are words, not console markup.
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def _settings(config: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config_file=config, **overrides)
    except SettingsError as exc:
        _fail(str(exc), 2)
        raise  # unreachable: _fail exits


def _require_writable(settings: Settings) -> None:
    """Exit 1 with one line when the data dir cannot be written, before any flow run is started or recorded."""
    problem = unwritable_reason(settings.data_dir)
    if problem:
        _fail(f"{problem}; set --data-dir or ARXIV_DIGEST_DATA_DIR to a directory you can write to")


def _refuse_sample_records(settings: Settings) -> None:
    """Exit 1 before any run when a real command meets a store an earlier `run --sample` filled with invented papers."""
    if settings.sample_day:
        return
    from arxiv_digest.catalog.sample_day import sample_records_message

    for store in _each_store(settings):
        if problem := sample_records_message(store, settings.data_dir):
            _fail(problem)


def _open_store(settings: Settings, read_only: bool = False) -> Store:
    from arxiv_digest.store import Store

    return Store.open(settings.db_path, wait_seconds=STORE_WAIT_SECONDS, read_only=read_only)


# Under the per-day layout a file held by a running flow is that day's run in progress: say so, don't wait.
DAY_STORE_WAIT_SECONDS = 3.0


def _each_store(settings: Settings, read_only: bool = False) -> Iterator[Store]:
    """Every store file in turn (one, or one per day under the per-day layout), each let go after use;
    `read_only` for the commands that only read (`status`, `audit`): nothing is created or written."""
    from arxiv_digest.store import Store

    per_day = settings.store_layout == "per-day" and not settings.store_file
    for path in settings.store_files():
        try:
            store = Store.open(path, wait_seconds=DAY_STORE_WAIT_SECONDS if per_day else STORE_WAIT_SECONDS,
                               read_only=read_only)
        except StoreDamaged:
            raise  # never skipped: a damaged day must not look like a busy one
        except StoreError:
            if not per_day:
                raise
            console.print(f"[yellow]skipped[/] {path.stem}: a run is using its store right now")
            continue
        try:
            yield store
        finally:
            store.close()


def _stored_run(settings: Settings, day: date) -> RunRecord | None:
    """The day's run record, when this machine can read the store its run wrote (a worker's may be elsewhere)."""
    from arxiv_digest.store import Store

    path = settings.for_digest(settings.category, day).db_path
    if not path.is_file():
        return None
    try:
        store = Store.open(path, wait_seconds=STORE_WAIT_SECONDS / 10, read_only=True)
    except StoreError:
        return None
    try:
        return store.run(day, settings.category)
    finally:
        store.close()


def _no_store_yet(settings: Settings) -> str:
    if settings.data_dir.exists() and not settings.data_dir.is_dir():
        return f"the data dir {settings.data_dir} is a file, not a directory; set --data-dir or ARXIV_DIGEST_DATA_DIR"
    where = settings.data_dir / "days" if settings.store_layout == "per-day" else settings.db_path
    sample = settings.for_sample()
    if not settings.sample_day and sample.store_files():  # only the offline sample day has run here
        return (f"no store at {where}: only the offline sample day has run, in {sample.data_dir} (see it with "
                f"`arxiv-digest status --data-dir {sample.data_dir}`); run `arxiv-digest run` for a real day")
    return f"no store at {where}: nothing has run yet; run `arxiv-digest run` first"


# Columns whose values must stay whole: a date cut to "2026-…" or a status to "compl…" says nothing.
_WHOLE_WIDTHS = {"date": 10, "time": 19, "published": 16, "id": 12, "status": 9, "state": 9}


def _table(title: str, columns: Sequence[str], **options: Any) -> Table:
    """A table that never cuts a value: short columns keep their width, long ones (errors) fold onto lines."""
    table = Table(title=title, **options)
    for column in columns:
        table.add_column(column, overflow="fold", min_width=_WHOLE_WIDTHS.get(column))
    return table


def _natural_width(table: Table) -> int:
    """How wide the table is when nothing is folded."""
    probe = Console(file=io.StringIO(), width=10_000, color_system=None)
    probe.print(table)
    return max((len(line.rstrip()) for line in probe.file.getvalue().splitlines()), default=0)  # type: ignore[attr-defined]


def _print_records(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A table when it fits the terminal whole; else each row stacked as `column: value` lines (a pipe is 80
    columns to Rich): every column's value stays whole, and no folding pads short cells with blank lines."""
    table = _table(title, columns)
    for row in rows:
        table.add_row(*row)
    if _natural_width(table) <= stdout.width:
        stdout.print(table)
        return
    stdout.print(title, soft_wrap=True, markup=False, highlight=False)
    label = max(len(column) for column in columns)
    for number, row in enumerate(rows, start=1):
        stdout.print(f"-- {number} of {len(rows)} --", markup=False, highlight=False)
        for column, value in zip(columns, row, strict=True):
            stdout.print(f"{column:<{label}}  {value}", soft_wrap=True, markup=False, highlight=False)


def _parse_day(value: str | None, option: str = "--date") -> date | None:
    """A date option's value; exit 2 naming the option when it is not a real date (2026-02-30 is not)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} {value!r} is not a date in the form YYYY-MM-DD", 2)
        raise


VerboseOption = Annotated[
    bool, typer.Option("--verbose", help="Show Prefect's and Great Expectations' INFO logs on the console.")
]


def _quiet_third_parties(verbose: bool = False) -> None:
    if not verbose:
        # A run's console is the table and the digest path: Prefect's task-state lines and Great Expectations'
        # INFO chatter (100+ lines a day) stay out of it. The Prefect API (the UI's logs) still gets them all.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    # Analytics off by default: the tool runs unattended and offline.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect's temporary server migrates its database on start: on 2 busy cores that can take longer than
    # Prefect's 20 s default, and the run would die before its first task.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


class _OneLineFailures(logging.Filter):
    """The console without `--verbose`: no tracebacks, and no engine lines about a failed run or task (the
    command ends with its own one-line error; the Prefect API and `--verbose` keep the full record)."""

    ENGINE_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.name.startswith(self.ENGINE_LOGGERS):
            return False
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def _console_without_tracebacks(verbose: bool) -> None:
    """Call after Prefect has set up logging (importing the flow does): its console handler is on the root logger."""
    if verbose:
        return
    from prefect.logging.handlers import PrefectConsoleHandler

    import flows.daily  # noqa: F401  (importing the flow is what sets up Prefect's logging and its console handler)

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
                isinstance(f, _OneLineFailures) for f in handler.filters):
            handler.addFilter(_OneLineFailures())


@app.command()
def run(
    digest_date: DateOption = None,
    category: CategoryOption = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Use the shipped offline sample day: no network, no API key.")
    ] = False,
    max_papers: Annotated[int | None, typer.Option("--max-papers", help="Keep at most N papers (0 = all).")] = None,
    primary_only: Annotated[
        bool, typer.Option("--primary-only", help="Leave out papers cross-listed from other categories.")
    ] = False,
    language: Annotated[str | None, typer.Option("--language", help="zh or en.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Process every paper again (cached results are still reused).")
    ] = False,
    verbose: VerboseOption = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Build and publish the digest of one day through the Prefect flow."""
    _quiet_third_parties(verbose)
    day = _parse_day(digest_date)
    overrides = _run_overrides(max_papers, primary_only, language, data_dir)
    settings = _settings(config, **overrides, category=category)
    if sample:
        settings = settings.for_sample()  # its own data dir: the invented day never poses as the real one
    _require_writable(settings)
    _refuse_sample_records(settings)

    from arxiv_digest.runtime import runtime_for

    _console_without_tracebacks(verbose)
    the_day, found = _announcement_or_exit(settings, day, sample)
    console.print(
        f"[bold]arxiv-digest[/] {settings.category} digest of {the_day} ({found.describe()}"
        f"{', offline sample day' if sample else ''}) -> {settings.data_dir}"
    )
    started = time.monotonic()
    since = datetime.now(UTC)
    result = _run_flow(settings, the_day, sample=sample, overrides=overrides, force=force, config=config)
    store = runtime_for(settings.for_digest(settings.category, the_day)).store()
    _print_run_report(store, the_day, settings, result, time.monotonic() - started, since)


def _run_overrides(max_papers: int | None, primary_only: bool, language: str | None,
                   data_dir: Path | None) -> dict[str, Any]:
    """The settings `run`'s options change, as the flow's `overrides` parameter carries them."""
    overrides: dict[str, Any] = {}
    if max_papers is not None:
        overrides["max_papers"] = max_papers
    if primary_only:
        overrides["include_cross_lists"] = False
    if language:
        overrides["language"] = language
    if data_dir is not None:
        overrides["data_dir"] = str(data_dir)
    return overrides


def _run_flow(settings: Settings, the_day: date, *, sample: bool, overrides: dict[str, Any], force: bool,
              config: Path | None) -> dict[str, Any]:
    """One run of the daily flow for a date already resolved and checked, progress on the console."""
    from prefect import tags

    from arxiv_digest.operations.progress import add_listener, remove_listener
    from flows.daily import daily_digest, task_runner

    flow = daily_digest.with_options(task_runner=task_runner(settings))
    add_listener(_print_progress)
    try:
        with console.status("running fetch → download → extract → segment → analyze → summarize → quality → publish"), \
                tags(*_run_tags(sample)):
            return flow(
                digest_date=the_day.isoformat(),
                category=settings.category,
                sample=sample,
                overrides=overrides,
                force=force,
                wait_for_announcement=False,
                config_file=_config_parameter(config),
            )
    except DigestInputError as exc:
        _fail(str(exc), 2)
        raise
    except DigestError as exc:
        _fail(str(exc))
        raise
    finally:
        remove_listener(_print_progress)


def _run_tags(sample: bool) -> list[str]:
    """Prefect tags of a run started here: the sample day's runs say so in the UI's run list."""
    return ["sample"] if sample else []


def _print_progress(snapshot: Any) -> None:
    """A long day's progress line on the console (operations.progress calls it every progress_every_seconds)."""
    console.print(snapshot.line(), markup=False, highlight=False)


def _announcement_or_exit(settings: Settings, day: date | None, sample: bool) -> tuple[date, Any]:
    """The digest date and its announcement; exit 0 on a date without one, 2 on a future one."""
    from arxiv_digest.catalog.selection import check_digest_day, no_announcement_result, resolve_day

    # Resolved and checked here, once, against one reading of the clock: the flow is handed this date (and
    # re-checks it only because a schedule starts it without this command).
    now = settings.current_time()
    the_day = resolve_day(day, sample, now, settings.holiday_dates)
    try:
        found = check_digest_day(the_day, now, settings.holiday_dates)
    except DigestInputError as exc:
        _fail(str(exc), 2)
        raise
    if found is None:
        reason = no_announcement_result(the_day, settings.holiday_dates)["reason"]
        stdout.print(f"no {settings.category} digest of {the_day}: {reason}; nothing to build")
        raise typer.Exit(0)
    return the_day, found


def _print_run_report(
    store: Store, day: date, settings: Settings, result: dict[str, Any], seconds: float, since: datetime
) -> None:
    counts = result.get("counts", {})
    table = Table(title=f"{settings.category} {day}", show_header=False)
    for key, value in counts.items():
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    if counts.get("pdf_skipped"):
        console.print(f"PDFs not downloaded: {counts['pdf_skipped']} of {counts.get('papers', 0)}, outside the "
                      f"reading budget (deep_analysis_top_n) with figures_for = {settings.figures_for!r}; "
                      f"{counts['pdf_skipped'] * settings.pdf_min_interval_seconds / 60:.1f} min of arXiv's "
                      "politeness saved")
    failed = [r for r in store.quality_results(day, settings.category) if not r.passed]
    if failed:
        checks = _table("Failed quality checks", ("severity", "check", "paper", "observed"))
        for r in failed[:30]:
            checks.add_row(r.severity, r.check, r.arxiv_id or "(day)", r.observed)
        console.print(checks)
    coverage = store.coverage(day, settings.category)
    if coverage is not None:
        stdout.print(f"coverage: {describe_coverage(coverage)}", soft_wrap=True, markup=False, highlight=False)
    _print_model_report(store, settings, counts, since)
    _print_email_report(result.get("email") or {})
    if result.get("status") == "partial":
        # Published all the same (exit 0): the shortfall is in `status`, and `audit` names each paper's cause.
        console.print(f"[yellow]partial[/]: {escape(str(result.get('shortfall')))} (see `arxiv-digest audit`; "
                      "`arxiv-digest rerun --failed` retries failed steps)")
    console.print(f"{result.get('status', 'completed')} in {seconds:.1f}s")
    stdout.print(result["path"], soft_wrap=True, markup=False, highlight=False)  # whole, for scripts
    for profile_path in result.get("profiles", {}).values():  # one digest per interest profile
        stdout.print(profile_path, soft_wrap=True, markup=False, highlight=False)


def _print_email_report(email: dict[str, Any]) -> None:
    if not email.get("enabled"):
        return
    line = f"email: {email['sent']} sent, {email['failed']} failed, {email['unknown']} unknown"
    if email.get("error"):
        line += f"; the deliver step stopped: {email['error']}"
    console.print(line, markup=False, highlight=False, soft_wrap=True)
    for d in email.get("deliveries", []):
        if d["status"] != "sent":
            console.print(f"  email {d['date']} to {d['recipient']}: {d['status']}: {d['error']}", markup=False,
                          highlight=False, soft_wrap=True)


def _print_model_report(store: Store, settings: Settings, counts: dict[str, Any], since: datetime) -> None:
    """Calls, rejections by reason, fallbacks, time; the distinct errors; the slot hint when they match it."""
    from arxiv_digest.analysis.model_report import model_report, report_line

    calls = store.model_calls(since)
    report = model_report(calls, counts)
    # One line whatever the terminal's width: scripts and tests read it.
    console.print(report_line(report) + ("" if settings.uses_llm else " (offline extractive analyzer)"),
                  markup=False, highlight=False, soft_wrap=True)
    errors = list(dict.fromkeys(c.reason for c in calls if c.status == "error" and c.reason))
    for reason in errors[:3]:
        console.print(f"  model error: {reason[:200]}", markup=False, highlight=False)
    if not settings.uses_llm or not calls:
        return
    from arxiv_digest.runtime import runtime_for

    window = runtime_for(settings).model().window()  # learned during the run: no request here
    console.print(f"  {window.describe()}", markup=False, highlight=False, soft_wrap=True)
    cut_by_window = sum(1 for c in calls if "stopped at the context window" in (c.reason or ""))
    overflows = report["errors_by_kind"].get("overflow", 0)
    hint = window.slot_hint(settings.llm_concurrency, settings.llm_input_token_budget + settings.llm_max_output_tokens)
    if hint and (overflows or cut_by_window):
        console.print(f"  {overflows} overflow(s) and {cut_by_window} answer(s) cut at the window match the "
                      f"server's parallel slots: {hint}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def fetch(
    digest_date: DateOption = None,
    category: CategoryOption = None,
    sample: Annotated[bool, typer.Option("--sample", help="Read the shipped sample day instead of arXiv.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    config: ConfigOption = None,
) -> None:
    """List the new submissions of a digest's announcement window from the arXiv API (nothing stored)."""
    from arxiv_digest.runtime import runtime_for
    from arxiv_digest.steps.fetch import query_day

    settings = _settings(config, category=category)
    if sample:
        settings = settings.replace(arxiv_min_interval_seconds=0)
    day, found = _announcement_or_exit(settings, _parse_day(digest_date), sample)
    try:
        with console.status(f"querying arXiv for {settings.category} papers of the digest of {day}"):
            result = query_day(runtime_for(settings.replace(sample_day=sample)), found, settings.category)
    except DigestError as exc:
        _fail(str(exc))
        raise
    console.print(f"{settings.category} digest of {day}: {found.describe()}; late papers of earlier windows "
                  "are decided when the digest is built")
    papers = result.chosen
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(str(warning))}")
    if as_json:
        stdout.print_json(
            json.dumps(
                [
                    {
                        "id": p.versioned_id,
                        "title": p.title,
                        "authors": list(p.authors),
                        "categories": list(p.categories),
                        "primary_category": p.primary_category,
                        "published": p.published.isoformat(),
                    }
                    for p in papers
                ]
            )
        )
        return
    table = _table(f"{settings.category} digest of {day}: {len(papers)} paper(s)",
                   ("id", "published", "categories", "title"))
    for p in papers:
        table.add_row(p.versioned_id, p.published.strftime("%Y-%m-%d %H:%M"), ", ".join(p.categories), p.title)
    stdout.print(table)


@app.command()
def extract(
    pdf: Annotated[Path, typer.Argument(help="A PDF file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    config: ConfigOption = None,
) -> None:
    """Extract text, sections and links from one PDF (exit 2 on a bad PDF)."""
    from arxiv_digest.pdf.reading import extract_report

    settings = _settings(config)
    report, code = extract_report(
        pdf, page_cap=settings.pdf_page_cap, time_cap_seconds=settings.extract_time_cap_seconds
    )
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    elif code:
        console.print(f"[bold red]error:[/] {escape(str(report.get('error')))}")
    else:
        stdout.print(
            f"{pdf}: {report['pages']} pages, {report['text_chars']} chars, text layer: {report['has_text_layer']}"
        )
        for section in report["sections"]:
            stdout.print(f"  p{section['page']:>3}  {section['norm']:<13} {section['title']}")
        for artifact in report["own_artifacts"]:
            stdout.print(f"  {artifact['kind']}: {artifact['url']}")
    raise typer.Exit(code)


@app.command()
def check(
    digest: Annotated[Path, typer.Argument(help="A digest markdown file (ours or anyone's in the same format).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not use the local store for PDF-based checks.")
    ] = False,
) -> None:
    """Audit a digest file: refusals, ungrounded links, language, missing parts, summary and dates."""
    _quiet_third_parties()
    from arxiv_digest.checks.digest_file import check_digest_file, render_findings_table

    settings = _settings(config, **({"data_dir": str(data_dir)} if data_dir else {}))
    if not digest.is_file():
        _fail(f"{digest} does not exist", 2)
    store = None
    published = _published_digest(digest)
    if settings.store_layout == "per-day" and not settings.store_file and published is not None:
        settings = settings.for_digest(*published)  # that digest's day's store
    if not no_store and settings.db_path.is_file():
        store = _open_store(settings, read_only=True)
    try:
        report = check_digest_file(digest, store)
    except DigestError as exc:
        _fail(str(exc), 2)
        raise
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        # Plain write: the table is preformatted, and rich would wrap it and read [..] as markup.
        sys.stdout.write(render_findings_table(report) + "\n")
    blocking = any(f["severity"] == "blocking" for f in report["findings"])
    raise typer.Exit(1 if blocking else 0)


def _published_digest(digest: Path) -> tuple[str, date] | None:
    """The category and date of a digest we published, as the JSON published beside it records them (a profile's
    digest too); None for anyone else's digest."""
    try:
        record = json.loads(digest.with_suffix(".json").read_text(encoding="utf-8"))
        return str(record["category"]), date.fromisoformat(record["digest_date"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@app.command()
def status(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Show the days in the store: status, papers, failures."""

    settings = _settings(config, **({"data_dir": str(data_dir)} if data_dir else {}))
    if not settings.store_files():
        _fail(_no_store_yet(settings))
    runs, deliveries, problems, coverages = [], {}, [], {}
    for store in _each_store(settings, read_only=True):
        runs += store.runs()
        coverages.update(store.coverages())
        deliveries.update(store.delivery_counts())
        problems += store.deliveries_needing_attention()
    runs.sort(key=lambda run: (run.digest_date, run.category), reverse=True)
    # Who wrote the analyses (the model, the fallback after its answers were rejected, no model configured) fits
    # beside the counts on a wide terminal; on a narrow one the table keeps what matters whole, and every error
    # is printed in full below it.
    wide = stdout.width >= WIDE_STATUS_COLUMNS
    stdout.print(_status_table(settings, runs, coverages, deliveries, wide))
    for problem in problems:
        stdout.print(_delivery_problem_line(problem), soft_wrap=True, markup=False, highlight=False)
    if not wide:
        for run in runs:
            if run.error:
                stdout.print(f"{run.digest_date} {run.category}: {run.error}", soft_wrap=True, markup=False,
                             highlight=False)
    for (day, category), coverage in sorted(coverages.items(), reverse=True):
        if coverage.missing or not coverage.verified:  # what is not here, or why it is not known, in full
            stdout.print(f"{day} {category}: {describe_coverage(coverage)}", soft_wrap=True, markup=False,
                         highlight=False)


def _status_table(settings: Settings, runs: list[RunRecord], coverages: dict[Any, Coverage], deliveries: dict[Any, Any],
                  wide: bool) -> Table:
    """One row per day and category: status, runs, counts, coverage, email (where mail is used), error."""
    # The email column only where mail is configured or was ever sent: most stores never mail.
    mailed = settings.email_enabled or bool(deliveries)
    title = str(settings.db_path) if settings.store_layout == "single" else f"{settings.data_dir / 'days'} (per day)"
    counts = STATUS_COUNTS if wide else STATUS_COUNTS[:1]
    table = _table(title, ("date", "category", "status", "runs", *(label for label, _ in counts), "coverage",
                           *(("email",) if mailed else ()), *(("error or shortfall",) if wide else ())))
    for run in runs:
        row = [str(run.digest_date), run.category, run.status, str(run.attempts)]
        row += [str(run.counts.get(key, "")) for _, key in counts]
        row.append(coverage_cell(coverages.get((run.digest_date, run.category))))
        if mailed:
            row.append(_email_cell(deliveries.get((run.digest_date, run.category), {})))
        table.add_row(*row, *((run.error or "",) if wide else ()))
    return table


def _email_cell(counts: dict[str, int]) -> str:
    """'2 sent', '1 sent, 1 failed', '1 unknown' (handed over, outcome not recorded); '-' when none was tried."""
    labels = (("sent", "sent"), ("failed", "failed"), ("sending", "unknown"))
    return ", ".join(f"{counts[key]} {label}" for key, label in labels if counts.get(key)) or "-"


def _delivery_problem_line(problem: EmailDelivery) -> str:
    what = "failed" if problem.status == "failed" else "outcome unknown"
    retry = " (retried by the next run or `arxiv-digest rerun --failed`)" if problem.status == "failed" else ""
    return (f"{problem.digest_date} {problem.category}: email to {problem.recipient} {what} after "
            f"{problem.attempts} attempt(s){retry}: {problem.last_error}")


WIDE_STATUS_COLUMNS = 120
STATUS_COUNTS = (("papers", "papers"), ("method", "method_analyses"), ("abstract", "abstract_analyses"),
                 ("pdf failed", "pdf_failed"), ("withheld", "withheld"), ("model", "model_answers"),
                 ("fallback", "fallbacks"), ("no model", "no_model"))


def _config_parameter(config: Path | None) -> str | None:
    """The config file as the flow's parameter: the flow loads its own settings (it may run in a worker)."""
    return str(config.resolve()) if config is not None else None


def _run_local(settings: Settings, sample: bool = False, refetch: bool = True, config: Path | None = None,
               verbose: bool = False) -> Any:
    """A callable that runs the daily flow in this process for one date."""
    from prefect import tags

    from flows.daily import daily_digest, task_runner

    _console_without_tracebacks(verbose)
    flow = daily_digest.with_options(task_runner=task_runner(settings))
    overrides = {"data_dir": str(settings.data_dir)}

    def run_day(day: date) -> dict[str, Any]:
        # In the CLI's own process nobody wants a run to sleep for hours: a lagging announcement fails at once.
        with tags(*_run_tags(sample)):
            return flow(digest_date=day.isoformat(), category=settings.category, sample=sample,
                        overrides=overrides, refetch=refetch, wait_for_announcement=False,
                        config_file=_config_parameter(config))

    return run_day


def _rows_table(title: str, rows: list[Any]) -> Table:
    table = _table(title, ("date", "papers", "status", "coverage", "seconds", "detail"))
    for row in rows:
        style = {"failed": "red", "crashed": "red", "partial": "yellow", "skipped": "dim",
                 "no announcement": "dim"}.get(row.status, "")
        table.add_row(row.date, "" if row.papers is None else str(row.papers), f"[{style}]{row.status}[/]" if style
                      else row.status, row.coverage, f"{row.seconds:.1f}", row.detail)
    return table


@app.command()
def backfill(
    start: Annotated[str, typer.Option("--start", help="First digest date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last digest date, YYYY-MM-DD (inclusive).")],
    category: CategoryOption = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild days that are already published.")] = False,
    via_deployment: Annotated[
        bool, typer.Option("--via-deployment", help="Submit runs to the deployment (a worker runs them) instead.")
    ] = False,
    deployment: Annotated[
        str | None, typer.Option("--deployment", help="Deployment name (default daily-digest/<category>-daily).")
    ] = None,
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="With --via-deployment: seconds to wait for the runs.")
    ] = 0,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Days built at once, locally.")] = 2,
    sample: Annotated[bool, typer.Option("--sample", help="Backfill against the offline sample day.")] = False,
    verbose: VerboseOption = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Build the digests of a range of past dates: one flow run per date."""
    _quiet_third_parties(verbose)
    first, last = _parse_day(start, "--start"), _parse_day(end, "--end")
    assert first is not None and last is not None
    settings = _settings(config, category=category, **({"data_dir": str(data_dir)} if data_dir else {}))
    if sample:
        settings = settings.for_sample()
    if not via_deployment:  # a deployment's runs write on the worker's machine
        _require_writable(settings)
    _refuse_sample_records(settings)
    days, no_digest = _backfill_days(settings, first, last)
    # Read and let go: with --via-deployment a worker process must be able to open the store.
    published = {published.digest_date for probe in _each_store(settings)
                 for published in probe.published_days(settings.category)}

    def build(on_done: Any) -> list[Any]:
        from arxiv_digest.operations.runs import backfill_local, backfill_via_deployment

        if via_deployment:
            return backfill_via_deployment(days, settings.category, force=force, name=deployment,
                                           is_published=lambda d: d in published,
                                           stored_run=lambda d: _stored_run(settings, d),
                                           wait_seconds=wait, on_done=on_done)
        return backfill_local(settings, days, force=force, concurrency=concurrency,
                              run_day=_run_local(settings, sample=sample, config=config, verbose=verbose),
                              is_published=lambda d: d in published, on_done=on_done)

    rows = sorted([*_with_progress(f"backfill {settings.category} {first}..{last}", len(days), build), *no_digest],
                  key=lambda row: row.date)
    stdout.print(_rows_table(f"backfill {settings.category}", rows))
    if any(row.status in {"failed", "crashed"} for row in rows):
        raise typer.Exit(1)


def _backfill_days(settings: Settings, first: date, last: date) -> tuple[list[date], list[Any]]:
    """The announced dates of a range, and a row for each date without an announcement."""
    from arxiv_digest.catalog.announcements import no_announcement_reason
    from arxiv_digest.operations.runs import BackfillRow, announced_days, date_range

    try:
        dates = date_range(first, last)
        announced = announced_days(dates, settings.current_time(), settings.holiday_dates)
    except DigestError as exc:
        _fail(str(exc), 2)
        raise
    no_digest = [BackfillRow(day.isoformat(), "no announcement", detail=no_announcement_reason(
        day, settings.holiday_dates)) for day in dates if day not in announced]
    return [day for day in dates if day in announced], no_digest


def _with_progress(title: str, total: int, build: Any) -> list[Any]:
    """`build(on_done)`'s rows, a progress bar advancing and a line printed as each day is done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        bar = progress.add_task(title, total=total)

        def done(row: Any) -> None:
            progress.advance(bar)
            progress.console.print(f"  {row.date} {row.status} {row.detail[:60]}")

        try:
            return build(done)
        except DigestInputError as exc:
            _fail(str(exc), 2)
            raise
        except DigestError as exc:
            _fail(str(exc))
            raise


@app.command()
def audit(
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD or a number of days (default 7).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List failed and crashed flow and task runs from the Prefect API, joined with the store's step status."""
    _quiet_third_parties()
    from arxiv_digest.operations.runs import read_failures

    settings = _settings(config, **({"data_dir": str(data_dir)} if data_dir else {}))
    moment = _audit_since(since)
    try:
        records = read_failures(moment)
    except Exception as exc:  # the API being unreachable is the common case: say so plainly
        _fail(f"cannot read runs from the Prefect API ({type(exc).__name__}: {exc}); is PREFECT_API_URL right?")
        raise
    attention, coverages, undelivered = _audit_stores(settings, records, moment)
    if as_json:
        sys.stdout.write(json.dumps(_audit_json(moment, records, attention, coverages, undelivered),
                                    ensure_ascii=False, indent=2) + "\n")
        return
    _print_audit(moment, records, attention, coverages, undelivered)


def _audit_since(since: str | None) -> datetime:
    """`--since`: a date, or a number of days back from now (default 7)."""
    if since is None or since.isdigit():
        return datetime.now(UTC) - timedelta(days=int(since or 7))
    try:
        parsed = date.fromisoformat(since)
    except ValueError:
        _fail(f"--since {since!r} is not a date in the form YYYY-MM-DD, nor a number of days (e.g. --since 3)", 2)
        raise
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)


AuditDays = list[DayAttention]


def _audit_stores(settings: Settings, records: list[Any], moment: datetime
                  ) -> tuple[AuditDays, dict[tuple[date, str], Coverage], list[EmailDelivery]]:
    """Join the runs with each store's step status; the days needing attention, coverages, mail not delivered."""
    from arxiv_digest.operations.runs import join_store_status

    attention: AuditDays = []
    undelivered: list[EmailDelivery] = []
    coverages: dict[tuple[date, str], Coverage] = {}
    per_day = settings.store_layout == "per-day"
    for store in _each_store(settings, read_only=True):
        mine = [r for r in records if not per_day or r.digest_date == store.path.stem]
        join_store_status(mine, store.step_status)
        attention += store.days_needing_attention()
        coverages.update(store.coverages())
        undelivered += store.deliveries_needing_attention()
    noted = {(a.digest_date, a.category) for a in attention}
    attention += [DayAttention(d, c, describe_coverage(cov)) for (d, c), cov in coverages.items()
                  if cov.missing and (d, c) not in noted and d >= moment.date()]
    attention.sort()
    undelivered.sort(key=lambda row: (row.digest_date, row.category, row.recipient))
    return attention, coverages, undelivered


def _audit_json(moment: datetime, records: list[Any], attention: AuditDays,
                coverages: dict[tuple[date, str], Coverage], undelivered: list[EmailDelivery]) -> dict[str, Any]:
    return {
        "since": moment.isoformat(),
        "runs": [r.as_dict() for r in records],
        "days_needing_attention": [{"date": a.digest_date.isoformat(), "category": a.category, "why": a.why,
                                    "coverage": coverage_record(coverages[(a.digest_date, a.category)])
                                    if (a.digest_date, a.category) in coverages else None} for a in attention],
        "coverage": [{"date": d.isoformat(), "category": c, **coverage_record(cov)}
                     for (d, c), cov in sorted(coverages.items()) if d >= moment.date()],
        "email_deliveries_needing_attention": [
            {"date": row.digest_date.isoformat(), "category": row.category, "recipient": row.recipient,
             "status": "unknown" if row.status == "sending" else row.status, "attempts": row.attempts,
             "error": row.last_error} for row in undelivered],
    }


def _print_audit(moment: datetime, records: list[Any], attention: AuditDays,
                 coverages: dict[tuple[date, str], Coverage], undelivered: list[EmailDelivery]) -> None:
    if records:
        _print_records(f"failed and crashed runs since {moment:%Y-%m-%d %H:%M} UTC",
                       ("time", "kind", "date", "step", "paper", "state", "attempts", "now in store", "error"),
                       [(r.time, r.kind, r.digest_date, r.step, r.paper_id, r.state, str(r.attempts), r.store_status,
                         r.message) for r in records])
    if attention:
        _print_records("days needing attention (repair with `arxiv-digest rerun --failed`)",
                       ("date", "category", "coverage", "why"),
                       [(a.digest_date.isoformat(), a.category,
                         coverage_cell(coverages.get((a.digest_date, a.category))), a.why) for a in attention])
    elif not records:
        stdout.print(f"no failed runs since {moment:%Y-%m-%d %H:%M} UTC")
    if undelivered:
        _print_records("email not delivered (failed: retried by the next run or `arxiv-digest rerun --failed`; "
                       "unknown: handed to the server without an answer, never sent again automatically)",
                       ("date", "category", "recipient", "status", "attempts", "error"),
                       [(row.digest_date.isoformat(), row.category, row.recipient,
                         "unknown" if row.status == "sending" else row.status, str(row.attempts),
                         row.last_error or "") for row in undelivered])


@app.command()
def rerun(
    failed: Annotated[bool, typer.Option("--failed", help="Rerun days with a failed run or step.")] = False,
    digest_date: DateOption = None,
    sample: Annotated[bool, typer.Option("--sample", help="The days come from the offline sample.")] = False,
    verbose: VerboseOption = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Reprocess what failed, reusing every artifact that succeeded (no re-download, no repeated model call)."""
    _quiet_third_parties(verbose)
    if not failed:
        _fail("say what to rerun: --failed", 2)
    only_day = _parse_day(digest_date)  # a mistyped date is the first thing to hear about
    settings = _settings(config, **({"data_dir": str(data_dir)} if data_dir else {}))
    if sample:
        settings = settings.for_sample()
    if not settings.store_files():
        _fail(_no_store_yet(settings))
    _refuse_sample_records(settings)
    todo = _days_needing_attention(settings, only_day)
    if not todo and not (settings.email_enabled and _mail_failed_somewhere(settings, only_day)):
        stdout.print("nothing to rerun: no failed run, step or email delivery"
                     + (f" on {digest_date}" if digest_date else ""))
        return
    rows = _rerun_days(settings, todo, sample=sample, config=config, verbose=verbose)
    if rows:
        stdout.print(_rows_table("rerun", rows))
    # Published days whose mail failed are only mailed again: nothing of them is rebuilt.
    mail_failed = _retry_deliveries(settings, only_day) if settings.email_enabled else 0
    still = _days_needing_attention(settings, only_day)
    for left in still:
        console.print(f"[yellow]still failing[/] {left.category} {left.digest_date}: {escape(left.why)}")
    if any(r.status == "failed" for r in rows) or still or mail_failed:
        raise typer.Exit(1)


def _days_needing_attention(settings: Settings, only_day: date | None) -> list[DayAttention]:
    return sorted(item for probe in _each_store(settings) for item in probe.days_needing_attention(only_day))


def _mail_failed_somewhere(settings: Settings, only_day: date | None) -> bool:
    return any(row.status == "failed" for probe in _each_store(settings)
               for row in probe.deliveries_needing_attention(only_day))


def _rerun_days(settings: Settings, todo: list[DayAttention], *, sample: bool, config: Path | None,
                verbose: bool) -> list[Any]:
    """Run each (day, category) again, nothing fetched anew; one row per day, a failure recorded in its row."""
    from arxiv_digest.operations.runs import failed_row, row_of_result

    rows = []
    for todo_day in todo:
        day = todo_day.digest_date
        console.print(f"rerun {todo_day.category} {day}: {todo_day.why}")
        run_day = _run_local(settings.replace(category=todo_day.category), sample=sample, refetch=False,
                             config=config, verbose=verbose)
        started = time.monotonic()
        try:
            rows.append(row_of_result(day, run_day(day), time.monotonic() - started))
        except Exception as exc:  # reported per day in the table and by the exit code
            rows.append(failed_row(day, exc, time.monotonic() - started))
    return rows


def _retry_deliveries(settings: Settings, only_day: date | None) -> int:
    """Mail the failed deliveries of every store again; prints each outcome, returns how many still failed."""
    from arxiv_digest.runtime import Runtime
    from arxiv_digest.steps.deliver import retry_deliveries

    outcomes = []
    for path in settings.store_files():
        day_settings = settings.replace(store_file=str(path)) if settings.store_layout == "per-day" else settings
        outcomes += retry_deliveries(Runtime(day_settings), only_day).outcomes
    for o in outcomes:
        line = f"email {o.category} {o.day} to {o.recipient}: {o.status}" + (f" ({o.error})" if o.error else "")
        stdout.print(line, soft_wrap=True, markup=False, highlight=False)
    return sum(1 for o in outcomes if o.status != "sent")


@app.command()
def config(
    config: ConfigOption = None,
    section: Annotated[str | None, typer.Option("--section", help="Only this section, e.g. model.")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="The README's table of every setting.")] = False,
) -> None:
    """Print the effective settings by section, with each one's help, as a config file (secrets left out)."""
    from arxiv_digest.settings import SECTIONS, config_file_text, reference_markdown

    if section is not None and section not in SECTIONS:
        _fail(f"no section {section!r}; the sections are {', '.join(SECTIONS)}", 2)
    text = reference_markdown() if markdown else config_file_text(_settings(config), section)
    sys.stdout.write(text)


@app.command()
def serve(
    category: CategoryOption = None,
    cron: Annotated[
        str, typer.Option("--cron", help="Cron schedule (UTC by default); each run builds the newest announcement.")
    ] = "0 6 * * 1-5",
    timezone: Annotated[str, typer.Option("--timezone", help="Timezone of the cron schedule.")] = "UTC",
) -> None:
    """Serve a scheduled deployment from this process (one machine, no work pool needed)."""
    _quiet_third_parties()
    from prefect.schedules import Cron

    from arxiv_digest.operations.runs import deployment_name
    from flows.daily import daily_digest

    settings = _settings(None)
    cat = category or settings.category
    name = deployment_name(cat).split("/", 1)[1]
    try:
        zoneinfo.ZoneInfo(timezone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        _fail(f"--timezone {timezone!r} is not a time zone (IANA names such as UTC or America/New_York)", 2)
    try:
        schedule = Cron(cron, timezone=timezone)
    except ValueError as exc:
        _fail(f"--cron {cron!r} is not a cron expression: {exc}", 2)
        raise
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from arxiv_digest.operations.local_server import api_answers, local_prefect_server

    def serve_on(api_url: str, ui_url: str) -> None:
        os.environ["PREFECT_API_URL"] = api_url  # the runs it starts are processes of their own
        console.print(f"serving {name}: cron '{cron}' ({timezone}); its schedule and runs are in the Prefect UI at "
                      f"{ui_url} (Deployments); Ctrl-C stops it", soft_wrap=True, highlight=False)
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            daily_digest.serve(name=name, schedule=schedule, parameters={"category": cat},
                               tags=["arxiv-digest", cat])

    named = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    if named:
        if not api_answers(named):
            _fail(f"the Prefect API at {named} (PREFECT_API_URL) does not answer: start it with `prefect server "
                  "start`, or unset PREFECT_API_URL and `serve` starts one of its own")
        serve_on(named, named.rstrip("/").removesuffix("/api"))
        return
    # Prefect's temporary in-process server cannot keep a schedule: start a real one beside this process.
    console.print("starting a Prefect server on 127.0.0.1 for the schedule (stopped with `serve`)...")
    with local_prefect_server() as server, _stop_on_sigterm():
        serve_on(server.api_url, server.ui_url)


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM (a service manager, `kill`) ends `serve` like Ctrl-C does, so the server it started stops too."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    except KeyboardInterrupt:
        console.print("serve stopped")
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command()
def web(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; beyond 127.0.0.1/localhost/::1 "
                                      "ARXIV_DIGEST_WEB_TOKEN is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8765,
    sample: Annotated[bool, typer.Option("--sample", help="Serve the sample day's data dir.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """The reader's web app over the store: days, archive, papers, search, library, trends, status (issue 26)."""
    settings = _settings(config, data_dir=data_dir)
    settings = settings.for_sample() if sample else settings
    from arxiv_digest.web.app import host_problem
    from arxiv_digest.web.serve import serve_app

    problem = host_problem(host, settings.web_token)
    if problem:
        _fail(problem, 2)
    console.print(f"serving {settings.data_dir} at http://{'[' + host + ']' if ':' in host else host}:{port}/ "
                  "(Ctrl-C stops it)", soft_wrap=True, highlight=False)
    serve_app(settings, host, port)


# issue 26: the reader's library as BibTeX
library_app = typer.Typer(help="The reader's library (papers saved in the app).", no_args_is_help=True)
app.add_typer(library_app, name="library")


@library_app.command("export")
def library_export(
    profile: Annotated[str, typer.Option("--profile", help="Whose library: the profile's name.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output.")] = None,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write a profile's saved papers as BibTeX (arXiv eprint fields), most recently saved first."""
    from arxiv_digest.bibtex import library_bibtex
    from arxiv_digest.files import write_atomically
    from arxiv_digest.store.reader import ReaderStore, reader_path
    settings = _settings(config, **({"data_dir": str(data_dir)} if data_dir else {}))
    with ReaderStore.open(reader_path(settings.data_dir), read_only=True) as reader:
        entries = reader.library(profile)
        # A profile no longer configured keeps its saved papers, so an unknown name is not an error: say what is.
        kept = [name for name in reader.profiles() if reader.library(name)] if not entries else []
    if not entries:
        where = f"libraries exist for: {', '.join(kept)}" if kept else "save papers in `arxiv-digest web`"
        console.print(f"no saved papers for profile {profile!r}; {where}", markup=False, highlight=False,
                      soft_wrap=True)
    found = {}
    for store in _each_store(settings, read_only=True) if entries and settings.store_files() else ():
        found.update({paper.arxiv_id: paper for paper in store.newest_papers([e.arxiv_id for e in entries])})
    missing = [entry.arxiv_id for entry in entries if entry.arxiv_id not in found]
    if missing:  # saved in the app, so stored once; a store moved or rebuilt since may have lost them
        console.print(f"[yellow]not in the store, left out:[/] {', '.join(missing)}", soft_wrap=True)
    text = library_bibtex([found[entry.arxiv_id] for entry in entries if entry.arxiv_id in found])
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomically(out, text)
        console.print(f"{len(entries) - len(missing)} paper(s) of profile {profile}'s library written to {out}")


def main() -> None:
    try:
        app()
    except DigestError as exc:  # one line, whatever the terminal's width (a damaged store, say)
        console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
