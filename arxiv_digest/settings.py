"""The one place that reads configuration: defaults < TOML file < ARXIV_DIGEST_* environment variables.

Every key is declared once in ``Settings``; an unknown key in the file or the environment, or a value of the
wrong type or range, is a ``SettingsError`` that names the key and where it came from.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit

from arxiv_digest import __version__
from arxiv_digest.catalog.taxonomy import is_category, unknown_category_message
from arxiv_digest.errors import SettingsError
from arxiv_digest.interests.profile import InterestProfile, parse_profiles
from arxiv_digest.wording import LANGUAGES

ENV_PREFIX = "ARXIV_DIGEST_"
CONFIG_ENV = "ARXIV_DIGEST_CONFIG"
DEFAULT_CONFIG_FILE = "arxiv-digest.toml"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
# `run --sample` keeps the invented sample day in its own data dir under the data dir, so it never poses as
# arXiv's real announcement of the same date (data/sample/ is taken: the sample's shipped inputs).
SAMPLE_DATA_DIR_NAME = "sample-day"

_CATEGORY_RE = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")
_LANGUAGES = tuple(LANGUAGES)
_STORE_LAYOUTS = ("single", "per-day")
FIGURES_FOR = ("all", "budget", "none")  # whose teaser figure is wanted (see figures_for)
SMTP_SECURITY = ("starttls", "ssl", "none")
# Plain SMTP sends the password and the digest in the clear: only to a server on this machine (tests, a local relay).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# The only way to give the SMTP password: never in a file that may be committed or copied.
SMTP_PASSWORD_ENV = ENV_PREFIX + "SMTP_PASSWORD"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    category: str = "cs.CV"
    language: str = "zh"

    # arXiv
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_pdf_url: str = "https://arxiv.org/pdf"
    arxiv_abs_url: str = "https://arxiv.org/abs"
    # arXiv's RSS feeds (<url>/<category>), read to reconcile each new digest with arXiv's own list of the
    # announcement. Empty: rss.arxiv.org for arXiv's own API, else the feed beside the configured API (a mirror).
    arxiv_rss_url: str = ""
    verify_coverage: bool = True
    arxiv_min_interval_seconds: float = 3.0
    pdf_min_interval_seconds: float = 3.0
    arxiv_page_size: int = 200
    arxiv_max_total_seconds: float = 900.0
    contact_email: str = ""
    include_cross_lists: bool = True
    keywords_include: tuple[str, ...] = ()
    keywords_exclude: tuple[str, ...] = ()
    max_papers: int = 0  # 0 means all
    # Serve arXiv (API and PDFs) from the embedded offline sample day instead of the network (`run --sample`).
    sample_day: bool = False

    # The announcement calendar (arxiv_digest.announcements). holidays: US Eastern dates of evenings without
    # an announcement (arXiv publishes them on its schedule page).
    holidays: tuple[str, ...] = ()
    late_lookback_days: int = 14  # how far back a digest looks for papers no digest holds yet
    # A weekday window with 0 papers while recent windows had at least this many (median) means the
    # announcement is not visible in the API yet: the run fails and retries instead of publishing it empty.
    missing_announcement_min_papers: int = 3
    announcement_retry_delay_seconds: float = 1800.0
    announcement_retry_deadline_hours: float = 20.0  # after the announcement; then the run fails for good
    now: str = ""  # pretend the current time is this (ISO 8601); for simulations and tests

    # HTTP
    http_connect_timeout_seconds: float = 10.0
    http_read_timeout_seconds: float = 60.0
    http_max_attempts: int = 5
    http_backoff_base_seconds: float = 2.0
    http_backoff_max_seconds: float = 60.0
    pdf_max_bytes: int = 50_000_000

    # PDF processing
    pdf_page_cap: int = 300
    extract_time_cap_seconds: float = 60.0
    # Processes that read PDFs at once on a day of many papers (reading is CPU work under the GIL, so the
    # flow's task threads alone use one core); 1 reads in the flow's own process.
    extract_workers: int = 2
    # Teaser figures: each paper's overview (or first) figure cropped from its PDF into data_dir/figures/, shown
    # in the HTML page; the Markdown keeps the seed's format unless markdown_figures.
    teaser_figures: bool = True
    # Whose teaser figure is worth a PDF download: "all" papers, those read in full ("budget": with a reading
    # budget, the others' PDFs are not downloaded at all), or "none" (no figures, like teaser_figures = false).
    figures_for: str = "budget"
    markdown_figures: bool = False
    figure_max_side_px: int = 1200
    figure_max_bytes: int = 250_000

    # Great Expectations Data Docs: an HTML site per digest under data_dir/quality_docs/<category>/<date>/
    # (about 0.3 MB a day; the 4 MB of assets every site shares are stored once, in quality_docs/_shared/).
    # Sites more than quality_docs_keep_days older than the newest are removed; 0 keeps them all.
    quality_docs: bool = True
    quality_docs_keep_days: int = 90

    # Model (empty base URL: the offline extractive analyzer is used)
    llm_base_url: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str = field(default="", repr=False)
    llm_temperature: float = 0.2
    llm_max_output_tokens: int = 4096
    llm_timeout_seconds: float = 120.0
    llm_max_attempts: int = 3
    llm_concurrency: int = 4
    llm_input_token_budget: int = 12_000
    llm_cost_per_1k_input_tokens: float = 0.0
    llm_cost_per_1k_output_tokens: float = 0.0
    # The tokens one request may use (prompt + answer); 0 = ask the server (llama.cpp, vLLM, Ollama say it).
    llm_context_tokens: int = 0
    # Stream answers, so one that loops on itself is cut off instead of filling the context.
    llm_stream: bool = True
    # Ask the server to skip the model's reasoning (Qwen3-style `enable_thinking`, Ollama `think`); reasoning is
    # never published either way, this only saves its time. Off by default: some servers refuse unknown fields.
    llm_thinking_off: bool = False
    # All model calls for one paper (both prompts, every retry) stop after this long; the fallback is used.
    llm_paper_time_cap_seconds: float = 600.0
    # A paper whose model calls errored is asked again by a later run only after this long.
    llm_error_cooldown_seconds: float = 21600.0

    # Flow: threads of the flow's task runner; 0 = one per task run (a task waiting for its inputs holds a thread,
    # so a bounded pool holds back ready work; downloads, model calls and PDF reading have their own limits).
    paper_concurrency: int = 0
    # Papers per task run of a per-paper step; 0 = automatic (one per task on small days, bounded task
    # counts on large ones, where Prefect's per-task cost would otherwise rival the work).
    paper_batch_size: int = 0
    # A long day reports its progress (papers downloaded, read, analysed; expected finish) this often.
    progress_every_seconds: float = 30.0

    # The reader's interests: [profiles.<name>] tables (arxiv_digest.interests.profile). Without a profile
    # the digest is as it always was: every paper, in announcement order, each given the full-text analysis.
    profiles: tuple[InterestProfile, ...] = ()
    # With profiles: the papers ranked within the top N of any profile get the full-text (7-part) analysis,
    # the others an abstract analysis; 0 means all. A profile's own deep_analysis_top_n overrides it.
    deep_analysis_top_n: int = 0
    # With profiles and a model: the model rates the top K of each profile's ranking (relevance, significance)
    # and those K are reordered by its scores; 0 = no rerank. A profile's own rerank_top_k overrides it.
    rerank_top_k: int = 0

    # Store. single: one file, data_dir/digest.duckdb. per-day: one file per digest date, shared by the
    # categories of that date (a cross-listed paper is analysed once), data_dir/days/<YYYY-MM-DD>.duckdb, so
    # runs of different dates (several workers) never wait for each other's lock; which digest holds each
    # paper is then kept in data_dir/ledger.duckdb. store_file names the file explicitly (set per run).
    store_layout: str = "single"
    store_file: str = ""

    # Email delivery after publish (arxiv_digest.delivery), off while smtp_host is empty. smtp_port 0 = the
    # security's usual port (587 starttls, 465 ssl, 25 none); none is for a server on 127.0.0.1 only.
    smtp_host: str = ""
    smtp_port: int = 0
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)  # only from ARXIV_DIGEST_SMTP_PASSWORD
    smtp_timeout_seconds: float = 30.0  # each network call: connect, greeting, TLS, login, every command
    smtp_ca_file: str = ""  # a CA bundle or certificate to trust instead of the system's (a private relay)
    email_from: str = ""
    email_to: tuple[str, ...] = ()
    email_subject: str = ""  # {category} {name} {day}; empty = the language's own subject
    email_max_bytes: int = 15_000_000  # figures are left out, largest first, until the message fits
    # A digest older than this when built (a backfill) is published without mail; 0 = mail every day built.
    email_max_age_days: int = 7

    # issue 26: the web app (`arxiv-digest web`). web_base_url: where the reader opens it (http://127.0.0.1:8765),
    # so the HTML digest and the email carry signed feedback links; empty = no links. web_token: required for any
    # host other than loopback (only from ARXIV_DIGEST_WEB_TOKEN). web_secret signs the links (empty = generated
    # once into data_dir/web/secret). web_link_days: how long a signed link stays valid.
    web_base_url: str = ""
    web_token: str = field(default="", repr=False)
    web_secret: str = field(default="", repr=False)
    web_link_days: int = 30

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def smtp_effective_port(self) -> int:
        return self.smtp_port or {"starttls": 587, "ssl": 465}.get(self.smtp_security, 25)

    @property
    def db_path(self) -> Path:
        return Path(self.store_file) if self.store_file else self.data_dir / "digest.duckdb"

    @property
    def ledger_path(self) -> Path:
        """Where the record of which digest holds each paper lives (the day's own store under `single`)."""
        return self.data_dir / "ledger.duckdb" if self.store_layout == "per-day" else self.db_path

    def day_store_path(self, day: date) -> Path:
        return self.data_dir / "days" / f"{day.isoformat()}.duckdb"

    def for_digest(self, category: str, day: date) -> Settings:
        """The settings one run of a digest works with: under the per-day layout, its own store file."""
        if self.store_layout != "per-day" or self.store_file:
            return self
        return dataclasses.replace(self, store_file=str(self.day_store_path(day)))

    def store_files(self) -> list[Path]:
        """The store files that exist (per-day: one per digest date), for commands that read every day."""
        if self.store_layout == "per-day" and not self.store_file:
            return sorted(self.data_dir.glob("days/*.duckdb"))
        return [self.db_path] if self.db_path.is_file() else []

    @property
    def pdf_dir(self) -> Path:
        return self.data_dir / "pdfs"

    @property
    def figure_dir(self) -> Path:
        return self.data_dir / "figures"

    @property
    def out_dir(self) -> Path:
        return self.data_dir / "out"

    @property
    def user_agent(self) -> str:
        contact = f"; mailto:{self.contact_email}" if self.contact_email else ""
        return f"arxiv-digest/{__version__} (daily paper digest{contact})"

    @property
    def holiday_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(day) for day in self.holidays)

    @property
    def announcement_feed_url(self) -> str:
        """Where the category feeds are: the setting, else beside the API (rss.arxiv.org for arXiv's own)."""
        if self.arxiv_rss_url:
            return self.arxiv_rss_url.rstrip("/")
        api = urlsplit(self.arxiv_api_url)
        if api.netloc in ("export.arxiv.org", "arxiv.org"):
            return "https://rss.arxiv.org/rss"
        return f"{api.scheme}://{api.netloc}/rss"

    def current_time(self) -> datetime:
        """Now, or the `now` setting: every decision that depends on the clock asks here."""
        if not self.now:
            return datetime.now(UTC)
        moment = datetime.fromisoformat(self.now)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)

    @property
    def uses_llm(self) -> bool:
        return bool(self.llm_base_url)

    def for_sample(self) -> Settings:
        """The offline sample day's settings: served from local files, in its own data dir (idempotent)."""
        data_dir = self.data_dir if self.data_dir.name == SAMPLE_DATA_DIR_NAME else self.data_dir / SAMPLE_DATA_DIR_NAME
        return dataclasses.replace(self, sample_day=True, data_dir=data_dir, arxiv_min_interval_seconds=0,
                                   pdf_min_interval_seconds=0)

    @property
    def wants_figures(self) -> bool:
        """Teaser figures are found at all (for whose papers: figures_for)."""
        return self.teaser_figures and self.figures_for != "none"

    def replace(self, **changes: Any) -> Settings:
        coerced = {key: _coerce(key, value, f"override {key}") for key, value in changes.items()}
        updated = dataclasses.replace(self, **coerced)
        _validate(updated)
        return updated


_HINTS = get_type_hints(Settings)
_FIELDS = {f.name for f in fields(Settings)}
# Accepted but never suggested: the password only comes from the environment, the page size is for tests, and the
# store file is set per run.
_NOT_SUGGESTED = {"smtp_password", "arxiv_page_size", "store_file", "web_token", "web_secret"}


def unknown_setting_message(key: str, origin: str) -> str:
    """'unknown setting 'categry' (file x.toml); did you mean 'category'?', never a list of every setting."""
    close = difflib.get_close_matches(key, sorted(_FIELDS - _NOT_SUGGESTED), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(name) for name in close)}?" if close else \
        "the settings are listed in the README's Configuration section"
    return f"unknown setting '{key}' ({origin}); {hint}"


def _coerce(key: str, value: Any, origin: str) -> Any:
    if key not in _FIELDS:
        raise SettingsError(unknown_setting_message(key, origin))
    hint = _HINTS[key]
    if key == "profiles":
        if isinstance(value, tuple) and all(isinstance(item, InterestProfile) for item in value):
            return value
        raise SettingsError(f"bad value for setting 'profiles' ({origin}): profiles are declared as "
                            "[profiles.<name>] tables in the config file")
    try:
        if hint is Path:
            return Path(str(value)).expanduser()
        if hint is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(f"expected true/false, got {value!r}")
        if hint is int:
            if isinstance(value, bool):
                raise ValueError(f"expected an integer, got {value!r}")
            return int(value)
        if hint is float:
            if isinstance(value, bool):
                raise ValueError(f"expected a number, got {value!r}")
            return float(value)
        if hint == tuple[str, ...]:
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(item).strip() for item in items if str(item).strip())
        if hint is str:
            if not isinstance(value, str | int | float):
                raise ValueError(f"expected text, got {value!r}")
            return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"bad value for setting '{key}' ({origin}): {exc}") from exc
    raise SettingsError(f"setting '{key}' has an unsupported type {hint}")  # pragma: no cover


def _validate(settings: Settings) -> None:
    problems: list[str] = []
    if not _CATEGORY_RE.match(settings.category) or not is_category(settings.category):
        problems.append(unknown_category_message(settings.category))
    for holiday in settings.holidays:
        try:
            date.fromisoformat(holiday)
        except ValueError:
            problems.append(f"holidays: {holiday!r} is not a date in the form YYYY-MM-DD")
    if settings.now:
        try:
            datetime.fromisoformat(settings.now)
        except ValueError:
            problems.append(f"now {settings.now!r} is not an ISO 8601 time such as 2026-01-21T06:00:00+00:00")
    if settings.late_lookback_days < 0 or settings.missing_announcement_min_papers < 0:
        problems.append("late_lookback_days and missing_announcement_min_papers must be >= 0")
    if settings.language not in _LANGUAGES:
        problems.append(f"language {settings.language!r} must be one of {', '.join(_LANGUAGES)}")
    for name in (
        "arxiv_min_interval_seconds",
        "pdf_min_interval_seconds",
        "http_backoff_base_seconds",
        "llm_temperature",
        "llm_cost_per_1k_input_tokens",
        "llm_cost_per_1k_output_tokens",
        "llm_context_tokens",
        "llm_error_cooldown_seconds",
        "quality_docs_keep_days",
    ):
        if getattr(settings, name) < 0:
            problems.append(f"{name} must be >= 0")
    for name in (
        "arxiv_page_size",
        "http_max_attempts",
        "pdf_max_bytes",
        "pdf_page_cap",
        "extract_workers",
        "figure_max_side_px",
        "figure_max_bytes",
        "llm_max_output_tokens",
        "llm_max_attempts",
        "llm_concurrency",
        "llm_input_token_budget",
        "progress_every_seconds",
        "arxiv_max_total_seconds",
        "http_connect_timeout_seconds",
        "http_read_timeout_seconds",
        "extract_time_cap_seconds",
        "llm_timeout_seconds",
        "llm_paper_time_cap_seconds",
        "http_backoff_max_seconds",
        "announcement_retry_delay_seconds",
        "announcement_retry_deadline_hours",
    ):
        if getattr(settings, name) <= 0:
            problems.append(f"{name} must be > 0")
    if settings.max_papers < 0:
        problems.append("max_papers must be >= 0 (0 means all)")
    if settings.deep_analysis_top_n < 0:
        problems.append("deep_analysis_top_n must be >= 0 (0 means all)")
    if settings.rerank_top_k < 0:
        problems.append("rerank_top_k must be >= 0 (0 means no model rerank)")
    if settings.figures_for not in FIGURES_FOR:
        problems.append(f"figures_for {settings.figures_for!r} must be one of {', '.join(FIGURES_FOR)}")
    if settings.paper_concurrency < 0:
        problems.append("paper_concurrency must be >= 0 (0 means a thread per task run)")
    if settings.paper_batch_size < 0:
        problems.append("paper_batch_size must be >= 0 (0 means automatic)")
    if settings.store_layout not in _STORE_LAYOUTS:
        problems.append(f"store_layout {settings.store_layout!r} must be one of {', '.join(_STORE_LAYOUTS)}")
    problems += _email_problems(settings)
    if settings.arxiv_page_size > 2000:
        problems.append("arxiv_page_size must be <= 2000 (the arXiv API's own limit)")
    for name in ("arxiv_api_url", "arxiv_pdf_url", "arxiv_abs_url", "arxiv_rss_url"):
        value = str(getattr(settings, name))
        if (value or name != "arxiv_rss_url") and not value.startswith(("http://", "https://")):
            problems.append(f"{name} must be an http(s) URL")
    if settings.llm_base_url and not settings.llm_base_url.startswith(("http://", "https://")):
        problems.append("llm_base_url must be an http(s) URL or empty")
    if problems:
        raise SettingsError("invalid settings: " + "; ".join(problems))


def _email_problems(settings: Settings) -> list[str]:
    if not settings.smtp_host:
        return []
    problems = []
    if settings.smtp_security not in SMTP_SECURITY:
        problems.append(f"smtp_security {settings.smtp_security!r} must be one of {', '.join(SMTP_SECURITY)}")
    elif settings.smtp_security == "none" and settings.smtp_host not in LOOPBACK_HOSTS:
        problems.append(f"smtp_security 'none' sends the digest and password unencrypted: only allowed for a server "
                        f"on this machine ({', '.join(LOOPBACK_HOSTS)}), not {settings.smtp_host!r}")
    if not 0 <= settings.smtp_port <= 65535:
        problems.append("smtp_port must be between 0 (the security's usual port) and 65535")
    if settings.smtp_timeout_seconds <= 0 or settings.email_max_bytes <= 0:
        problems.append("smtp_timeout_seconds and email_max_bytes must be > 0")
    if settings.email_max_age_days < 0:
        problems.append("email_max_age_days must be >= 0 (0 means no limit)")
    if "@" not in settings.email_from:
        problems.append("email_from must be an address (user@host) when smtp_host is set")
    if not settings.email_to:
        problems.append("email_to must list at least one recipient when smtp_host is set")
    problems += [f"email_to: {address!r} is not an address (user@host)" for address in settings.email_to
                 if "@" not in address]
    if settings.smtp_password and not settings.smtp_username:
        problems.append(f"{SMTP_PASSWORD_ENV} is set but smtp_username is empty")
    if settings.smtp_ca_file and not Path(settings.smtp_ca_file).is_file():
        problems.append(f"smtp_ca_file {settings.smtp_ca_file} does not exist")
    return problems


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Defaults, then the TOML file, then ARXIV_DIGEST_* variables, then explicit overrides (CLI flags)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}

    path = config_file or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
    if path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        path = Path(DEFAULT_CONFIG_FILE)
    if path is not None:
        if not path.is_file():
            raise SettingsError(f"config file {path} does not exist")
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
        # [profiles.<name>] may sit beside an [arxiv_digest] table or inside it ([arxiv_digest.profiles.<name>]).
        outer_profiles = table.get("profiles") if "arxiv_digest" in table else None
        table = dict(table.get("arxiv_digest", table))
        if "profiles" in table or outer_profiles is not None:
            declared = table.pop("profiles", outer_profiles)
            values["profiles"] = parse_profiles(declared, f"file {path}", path.parent)
        for key, value in table.items():
            if key == "smtp_password":
                raise SettingsError(f"smtp_password is not read from files ({path}): set {SMTP_PASSWORD_ENV} "
                                    "in the environment instead")
            values[key] = _coerce(key, value, f"file {path}")

    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        key = name[len(ENV_PREFIX) :].lower()
        values[key] = _coerce(key, raw, f"environment {name}")

    for key, value in overrides.items():
        if key == "smtp_password" and value is not None:
            # Overrides become flow parameters, which Prefect stores and shows in its UI.
            raise SettingsError(f"smtp_password is not taken as an option: set {SMTP_PASSWORD_ENV} instead")
        if value is not None:
            values[key] = _coerce(key, value, f"option {key}")

    settings = Settings(**values)
    _validate(settings)
    return settings
