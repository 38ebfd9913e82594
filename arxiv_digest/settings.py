"""The one place that reads configuration: defaults < TOML file < ARXIV_DIGEST_* environment variables.

Every key is declared once in ``Settings``, with its section (a table of the file: ``[model]``, ``[email]``, ...)
and its help beside it; `arxiv-digest config` and the README's list are made from there. An unknown key in the
file or the environment, a key in another section's table, or a value of the wrong type or range, is a
``SettingsError`` that names the key and where it came from.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import textwrap
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit

from arxiv_digest import __version__
from arxiv_digest.errors import SettingsError
from arxiv_digest.paths import SAMPLE_DATA_DIR_NAME
from arxiv_digest.profiles import InterestProfile, parse_profiles
from arxiv_digest.taxonomy import is_category, unknown_category_message
from arxiv_digest.wording import LANGUAGES

ENV_PREFIX = "ARXIV_DIGEST_"
CONFIG_ENV = "ARXIV_DIGEST_CONFIG"
DEFAULT_CONFIG_FILE = "arxiv-digest.toml"

_CATEGORY_RE = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")
_LANGUAGES = tuple(LANGUAGES)
_STORE_LAYOUTS = ("single", "per-day")
FIGURES_FOR = ("all", "budget", "none")  # whose teaser figure is wanted (see figures_for)
SMTP_SECURITY = ("starttls", "ssl", "none")
# Plain SMTP sends the password and the digest in the clear: only to a server on this machine (tests, a local relay).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# The only way to give the SMTP password: never in a file that may be committed or copied.
SMTP_PASSWORD_ENV = ENV_PREFIX + "SMTP_PASSWORD"


# The sections of the settings, in the order `arxiv-digest config` and the README list them. Each is a table of
# the config file ([model], [email], ...); the keys inside keep their full names (llm_model, smtp_host), which are
# also the attribute names and, upper-cased after ARXIV_DIGEST_, the environment variables.
SECTIONS: dict[str, str] = {
    "digest": "which digest: the arXiv category and the language it is written in",
    "arxiv": "reading arXiv: where, how politely, which papers",
    "calendar": "the announcement calendar (see \"Date semantics\")",
    "http": "every HTTP request: timeouts and retries",
    "pdf": "PDFs: download, reading and teaser figures",
    "model": "an OpenAI-compatible model; without a base URL the offline extractive analyzer writes the analyses",
    "interests": "the reader's interest profiles (see \"The reader's interests\")",
    "quality": "Great Expectations Data Docs",
    "email": "email delivery after publish (see \"Email delivery\"); off while smtp_host is empty",
    "run": "a flow run's threads, batches and progress reports",
    "paths": "where the store, PDFs, figures and digests live",
    "web": "the reader's web app (`arxiv-digest web`, see \"The web app\") and the feedback links in digests",
}


def _setting(section: str, default: Any, help: str, **options: Any) -> Any:
    """A settings field with its section and its help beside it: the one place both are declared."""
    return field(default=default, metadata={"section": section, "help": help}, **options)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting("paths", Path("data"), "the store (digest.duckdb), pdfs/, figures/, out/ and "
                              "quality_docs/ (see \"Day statuses and quality reports\")")
    category: str = _setting("digest", "cs.CV", "the arXiv category (checked against arXiv's taxonomy)")
    language: str = _setting("digest", "zh", "zh or en: the language of the analyses and the summary")

    arxiv_api_url: str = _setting("arxiv", "https://export.arxiv.org/api/query",
                                  "arXiv's API; point it at a mirror or a fake server")
    arxiv_pdf_url: str = _setting("arxiv", "https://arxiv.org/pdf", "where PDFs are downloaded from")
    arxiv_abs_url: str = _setting("arxiv", "https://arxiv.org/abs", "abstract pages the digest links to")
    arxiv_rss_url: str = _setting("arxiv", "", "arXiv's RSS feeds (<url>/<category>), read to reconcile each new "
                                  "digest with arXiv's own list; empty: rss.arxiv.org for arXiv's own API, else "
                                  "/rss beside the configured API (a mirror)")
    verify_coverage: bool = _setting("arxiv", True, "check each new digest against arXiv's RSS feed of the "
                                     "announcement (see \"Date semantics\")")
    arxiv_min_interval_seconds: float = _setting("arxiv", 3.0, "politeness: seconds between API calls")
    pdf_min_interval_seconds: float = _setting("pdf", 3.0, "politeness: seconds between PDF downloads")
    arxiv_page_size: int = _setting("arxiv", 200, "papers per API page (at most 2000, arXiv's limit)")
    arxiv_max_total_seconds: float = _setting("arxiv", 900.0, "bound on all retries of one request")
    contact_email: str = _setting("arxiv", "", "added to the User-Agent "
                                  "(arxiv-digest/<version> (...; mailto:...))")
    include_cross_lists: bool = _setting("arxiv", True, "include papers cross-listed into the category")
    keywords_include: tuple[str, ...] = _setting("arxiv", (), "keep only papers with one of these in title + "
                                                 "abstract (comma-separated in the environment)")
    keywords_exclude: tuple[str, ...] = _setting("arxiv", (), "drop papers with one of these in title + abstract")
    max_papers: int = _setting("arxiv", 0, "keep at most N papers; 0 means all")
    sample_day: bool = _setting("arxiv", False, "serve arXiv (API and PDFs) from the embedded offline sample day "
                                "instead of the network (what `run --sample` sets)")

    holidays: tuple[str, ...] = _setting("calendar", (), "US Eastern dates (YYYY-MM-DD) of evenings without an "
                                         "announcement (arXiv publishes them on its schedule page)")
    late_lookback_days: int = _setting("calendar", 14, "how far back a digest looks for papers no digest holds yet")
    missing_announcement_min_papers: int = _setting(
        "calendar", 3, "a weekday window with 0 papers while recent windows had at least this many (median) is not "
        "visible in the API yet: the run fails and retries instead of publishing it empty")
    announcement_retry_delay_seconds: float = _setting("calendar", 1800.0, "how long the schedule waits between "
                                                       "tries of an announcement the API does not show yet")
    announcement_retry_deadline_hours: float = _setting("calendar", 20.0, "hours after the announcement when a "
                                                        "run that still sees nothing fails for good")
    now: str = _setting("calendar", "", "pretend the current time is this (ISO 8601), for simulations and tests")

    http_connect_timeout_seconds: float = _setting("http", 10.0, "connect timeout of each request")
    http_read_timeout_seconds: float = _setting("http", 60.0, "read timeout of each request")
    http_max_attempts: int = _setting("http", 5, "attempts per request (exponential backoff with jitter; "
                                      "Retry-After wins)")
    http_backoff_base_seconds: float = _setting("http", 2.0, "the first retry's delay, doubled each time")
    http_backoff_max_seconds: float = _setting("http", 60.0, "the longest delay between retries")
    pdf_max_bytes: int = _setting("pdf", 50_000_000, "size cap of a PDF download")

    pdf_page_cap: int = _setting("pdf", 300, "pages read of one PDF")
    extract_time_cap_seconds: float = _setting("pdf", 60.0, "time cap of reading one PDF")
    extract_workers: int = _setting("pdf", 2, "processes that read PDFs at once on a day of many papers (reading "
                                    "is CPU work under the GIL); 1 reads in the flow's own process")
    teaser_figures: bool = _setting("pdf", True, "find, store and show each paper's teaser figure, cropped from its "
                                    "PDF into data_dir/figures/ (see \"Teaser figures\")")
    figures_for: str = _setting("pdf", "budget", "whose teaser figure is worth a PDF download: all papers, those "
                                "read in full (budget; with a reading budget the others' PDFs are not downloaded "
                                "at all), or none (no figures)")
    markdown_figures: bool = _setting("pdf", False, "also put the figure in the Markdown digest "
                                      "(![caption](figures/<sha256>.jpg)); the seed's format has none")
    figure_max_side_px: int = _setting("pdf", 1200, "size cap of a teaser image's longer side")
    figure_max_bytes: int = _setting("pdf", 250_000, "size cap of a teaser image; none is stored when it cannot fit")

    quality_docs: bool = _setting("quality", True, "write Great Expectations Data Docs for each digest under "
                                  "data_dir/quality_docs/<category>/<date>/ (about 0.3 MB a day; the 4 MB of shared "
                                  "assets are stored once)")
    quality_docs_keep_days: int = _setting("quality", 90, "remove Data Docs sites more than this many days older "
                                           "than the newest; 0 keeps them all")

    llm_base_url: str = _setting("model", "", "an OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp); "
                                 "empty: the offline extractive analyzer")
    llm_model: str = _setting("model", "gpt-4o-mini", "the model's name on that server")
    llm_api_key: str = _setting("model", "", "the server's API key", repr=False)
    llm_temperature: float = _setting("model", 0.2, "sampling temperature")
    llm_max_output_tokens: int = _setting("model", 4096, "tokens one answer may use")
    llm_timeout_seconds: float = _setting("model", 120.0, "timeout of one model call")
    llm_max_attempts: int = _setting("model", 3, "attempts per model call")
    llm_concurrency: int = _setting("model", 4, "model calls at once")
    llm_input_token_budget: int = _setting("model", 12_000, "tokens of paper text one prompt may carry")
    llm_cost_per_1k_input_tokens: float = _setting("model", 0.0, "for the cost line at the end of `run`")
    llm_cost_per_1k_output_tokens: float = _setting("model", 0.0, "for the cost line at the end of `run`")
    llm_context_tokens: int = _setting("model", 0, "tokens one request may use, prompt + answer; 0: ask the server "
                                       "(llama.cpp, vLLM, Ollama say it)")
    llm_stream: bool = _setting("model", True, "stream answers, so one that loops on itself is cut off instead of "
                                "filling the context")
    llm_thinking_off: bool = _setting("model", False, "ask the server to skip the model's reasoning (Qwen3-style "
                                      "enable_thinking, Ollama think; see \"Thinking off\"); reasoning is never "
                                      "published either way; off by default: some servers refuse unknown fields")
    llm_paper_time_cap_seconds: float = _setting("model", 600.0, "all model calls for one paper (both prompts, "
                                                 "every retry) stop after this long; the fallback is used")
    llm_error_cooldown_seconds: float = _setting("model", 21600.0, "a paper whose model calls errored is asked "
                                                 "again by a later run only after this long")

    paper_concurrency: int = _setting("run", 0, "threads of a flow run's task runner; 0: one per task run (a task "
                                      "waiting for its inputs holds a thread, so a bounded pool holds back ready "
                                      "work; downloads, model calls and PDF reading have their own limits)")
    paper_batch_size: int = _setting("run", 0, "papers per task run of a per-paper step; 0: automatic (one per task "
                                     "run up to 16 papers, then 16 batches per step, at most 30 s of polite "
                                     "downloads a batch)")
    progress_every_seconds: float = _setting("run", 30.0, "how often a long day reports papers downloaded / read / "
                                             "analysed and the expected finish (console, Prefect UI)")

    profiles: tuple[InterestProfile, ...] = _setting(
        "interests", (), "the reader's interest profiles, [profiles.<name>] tables in the file only; without one the "
        "digest is every paper, in announcement order, each given the full-text analysis")
    deep_analysis_top_n: int = _setting("interests", 0, "with profiles: the papers ranked within the top N of any "
                                        "profile get the full-text analysis, the others an abstract one; 0 means "
                                        "all; a profile's own deep_analysis_top_n wins")
    rerank_top_k: int = _setting("interests", 0, "with profiles and a model: the model rates each profile's top K "
                                 "(relevance, significance) and reorders them; 0: no rerank; a profile's own "
                                 "rerank_top_k wins")

    store_layout: str = _setting("paths", "single", "single: one store, data_dir/digest.duckdb; per-day: one file "
                                 "per digest date, data_dir/days/<date>.duckdb, shared by that date's categories, "
                                 "for several workers (see \"Beyond one machine\")")
    store_file: str = _setting("paths", "", "an explicit store file (set per run under per-day)")

    smtp_host: str = _setting("email", "", "the SMTP server; empty: no email")
    smtp_port: int = _setting("email", 0, "0: the security's usual port (587 starttls, 465 ssl, 25 none)")
    smtp_security: str = _setting("email", "starttls", "starttls, ssl, or none (a server on this machine only)")
    smtp_username: str = _setting("email", "", "the SMTP login")
    smtp_password: str = _setting("email", "", "only from ARXIV_DIGEST_SMTP_PASSWORD, never a file or option",
                                  repr=False)
    smtp_timeout_seconds: float = _setting("email", 30.0, "each network call: connect, greeting, TLS, login, "
                                           "every command")
    smtp_ca_file: str = _setting("email", "", "a CA bundle or certificate to trust instead of the system's "
                                 "(a private relay)")
    email_from: str = _setting("email", "", "the sender address")
    email_to: tuple[str, ...] = _setting("email", (), "the recipients")
    email_subject: str = _setting("email", "", "{category} {name} {day}; empty: the language's own subject")
    email_max_bytes: int = _setting("email", 15_000_000, "figures are left out, largest first, until the message "
                                    "fits")
    email_max_age_days: int = _setting("email", 7, "a digest older than this when built (a backfill) is published "
                                       "without mail; 0: mail every day built")

    web_base_url: str = _setting("web", "", "where the reader opens the web app (e.g. http://127.0.0.1:8765), so the "
                                 "HTML digest and the email carry signed feedback links; empty = no links")
    web_token: str = _setting("web", "", "required to serve any host other than loopback; only from "
                              "ARXIV_DIGEST_WEB_TOKEN", repr=False)
    web_secret: str = _setting("web", "", "signs the feedback links (ARXIV_DIGEST_WEB_SECRET); empty = generated "
                               "once into data_dir/web/secret", repr=False)
    web_link_days: int = _setting("web", 30, "how many days a signed feedback link stays valid")

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
# A field declared without a section (one added in a hurry) is still read, from the top of the file;
# tests/test_settings.py asks every field for its section and help.
_SECTION_OF = {f.name: f.metadata.get("section", "") for f in fields(Settings)}
# Accepted but never suggested: the password only comes from the environment, the page size is for tests, and the
# store file is set per run.
_NOT_SUGGESTED = {"smtp_password", "arxiv_page_size", "store_file", "web_token", "web_secret"}
_SECRETS = {"llm_api_key", "smtp_password", "web_token", "web_secret"}


def setting_section(name: str) -> str:
    """The config file table a setting belongs in ([model], [email], ...)."""
    return _SECTION_OF[name]


def unknown_setting_message(key: str, origin: str, sections: bool = False) -> str:
    """'unknown setting 'categry' (file x.toml); did you mean 'category'?', never a list of every setting.

    `sections`: the key stands where a section table may too (the top of the file), so sections are suggested."""
    known = sorted(_FIELDS - _NOT_SUGGESTED) + ([f"[{name}]" for name in SECTIONS] if sections else [])
    by_name = {name.strip("[]"): name for name in known}
    close = [by_name[name] for name in difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.6)]
    hint = f"did you mean {' or '.join(repr(name) for name in close)}?" if close else \
        "the settings are listed in the README's Configuration section and by `arxiv-digest config`"
    return f"unknown setting '{key}' ({origin}); {hint}"


def _to_path(value: Any) -> Path:
    return Path(str(value)).expanduser()


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    return int(value)


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _to_texts(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(item).strip() for item in items if str(item).strip())


def _to_text(value: Any) -> str:
    if not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {value!r}")
    return str(value)


_CONVERTERS: dict[Any, Any] = {
    Path: _to_path, bool: _to_bool, int: _to_int, float: _to_float, tuple[str, ...]: _to_texts, str: _to_text,
}


def _coerce(key: str, value: Any, origin: str) -> Any:
    if key not in _FIELDS:
        raise SettingsError(unknown_setting_message(key, origin))
    if key == "profiles":
        if isinstance(value, tuple) and all(isinstance(item, InterestProfile) for item in value):
            return value
        raise SettingsError(f"bad value for setting 'profiles' ({origin}): profiles are declared as "
                            "[profiles.<name>] tables in the config file")
    convert = _CONVERTERS.get(_HINTS[key])
    if convert is None:  # pragma: no cover - a field of a type no converter reads
        raise SettingsError(f"setting '{key}' has an unsupported type {_HINTS[key]}")
    try:
        return convert(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"bad value for setting '{key}' ({origin}): {exc}") from exc


_NOT_NEGATIVE = (
    "arxiv_min_interval_seconds", "pdf_min_interval_seconds", "http_backoff_base_seconds", "llm_temperature",
    "llm_cost_per_1k_input_tokens", "llm_cost_per_1k_output_tokens", "llm_context_tokens",
    "llm_error_cooldown_seconds", "quality_docs_keep_days",
)
_POSITIVE = (
    "arxiv_page_size", "http_max_attempts", "pdf_max_bytes", "pdf_page_cap", "extract_workers", "figure_max_side_px",
    "figure_max_bytes", "llm_max_output_tokens", "llm_max_attempts", "llm_concurrency", "llm_input_token_budget",
    "progress_every_seconds", "arxiv_max_total_seconds", "http_connect_timeout_seconds", "http_read_timeout_seconds",
    "extract_time_cap_seconds", "llm_timeout_seconds", "llm_paper_time_cap_seconds", "http_backoff_max_seconds",
    "announcement_retry_delay_seconds", "announcement_retry_deadline_hours",
)
# Counts where 0 has a meaning of its own, and that meaning.
_ZERO_MEANS = {
    "max_papers": "all", "deep_analysis_top_n": "all", "rerank_top_k": "no model rerank",
    "paper_concurrency": "a thread per task run", "paper_batch_size": "automatic",
}
_CHOICES = {"language": _LANGUAGES, "figures_for": FIGURES_FOR, "store_layout": _STORE_LAYOUTS}
_URLS = ("arxiv_api_url", "arxiv_pdf_url", "arxiv_abs_url", "arxiv_rss_url")


def _calendar_problems(settings: Settings) -> list[str]:
    problems = []
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
    return problems


def _range_problems(settings: Settings) -> list[str]:
    problems = [f"{name} must be >= 0" for name in _NOT_NEGATIVE if getattr(settings, name) < 0]
    problems += [f"{name} must be > 0" for name in _POSITIVE if getattr(settings, name) <= 0]
    problems += [f"{name} must be >= 0 (0 means {meaning})" for name, meaning in _ZERO_MEANS.items()
                 if getattr(settings, name) < 0]
    if settings.arxiv_page_size > 2000:
        problems.append("arxiv_page_size must be <= 2000 (the arXiv API's own limit)")
    return problems


def _choice_problems(settings: Settings) -> list[str]:
    return [f"{name} {getattr(settings, name)!r} must be one of {', '.join(choices)}"
            for name, choices in _CHOICES.items() if getattr(settings, name) not in choices]


def _url_problems(settings: Settings) -> list[str]:
    problems = []
    for name in _URLS:
        value = str(getattr(settings, name))
        if (value or name != "arxiv_rss_url") and not value.startswith(("http://", "https://")):
            problems.append(f"{name} must be an http(s) URL")
    if settings.llm_base_url and not settings.llm_base_url.startswith(("http://", "https://")):
        problems.append("llm_base_url must be an http(s) URL or empty")
    return problems


def _validate(settings: Settings) -> None:
    problems = (_calendar_problems(settings) + _choice_problems(settings) + _range_problems(settings)
                + _email_problems(settings) + _url_problems(settings))
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


def _config_path(config_file: Path | None, env: Mapping[str, str]) -> Path | None:
    path = config_file or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
    if path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        path = Path(DEFAULT_CONFIG_FILE)
    if path is not None and not path.is_file():
        raise SettingsError(f"config file {path} does not exist")
    return path


def _put(values: dict[str, Any], key: str, value: Any, origin: str) -> None:
    if key in values:
        raise SettingsError(f"setting '{key}' is given twice ({origin}): once at the top of the file, once in "
                            f"[{_SECTION_OF.get(key) or '...'}]")
    values[key] = value


def _flatten_sections(table: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """[section] tables, and the keys at the top of the file (the form before sections, still read), as one dict.

    A known setting in another section's table is an error naming its own section, so no value is lost quietly."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if key not in SECTIONS or not isinstance(value, Mapping):
            if key not in _FIELDS:
                raise SettingsError(unknown_setting_message(key, origin, sections=True))
            _put(flat, key, value, origin)
            continue
        for name, inner in value.items():
            if name not in _FIELDS:
                raise SettingsError(unknown_setting_message(name, f"{origin}, [{key}]"))
            if _SECTION_OF[name] != key:
                raise SettingsError(f"setting '{name}' ({origin}) belongs in [{_SECTION_OF[name] or 'the top'}], "
                                    f"not in [{key}]")
            _put(flat, name, inner, origin)
    return flat


def _file_values(path: Path) -> dict[str, Any]:
    origin = f"file {path}"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
    # [profiles.<name>] may sit beside an [arxiv_digest] table or inside it ([arxiv_digest.profiles.<name>]).
    outer_profiles = table.get("profiles") if "arxiv_digest" in table else None
    table = dict(table.get("arxiv_digest", table))
    if outer_profiles is not None:
        table.setdefault("profiles", outer_profiles)
    flat = _flatten_sections(table, origin)
    if "smtp_password" in flat:
        raise SettingsError(f"smtp_password is not read from files ({path}): set {SMTP_PASSWORD_ENV} "
                            "in the environment instead")
    values: dict[str, Any] = {}
    if "profiles" in flat:
        values["profiles"] = parse_profiles(flat.pop("profiles"), origin, path.parent)
    values.update({key: _coerce(key, value, origin) for key, value in flat.items()})
    return values


def _environment_values(env: Mapping[str, str]) -> dict[str, Any]:
    return {name[len(ENV_PREFIX):].lower(): _coerce(name[len(ENV_PREFIX):].lower(), raw, f"environment {name}")
            for name, raw in env.items() if name.startswith(ENV_PREFIX) and name != CONFIG_ENV}


def _override_values(overrides: Mapping[str, Any]) -> dict[str, Any]:
    if overrides.get("smtp_password") is not None:
        # Overrides become flow parameters, which Prefect stores and shows in its UI.
        raise SettingsError(f"smtp_password is not taken as an option: set {SMTP_PASSWORD_ENV} instead")
    return {key: _coerce(key, value, f"option {key}") for key, value in overrides.items() if value is not None}


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Defaults, then the TOML file, then ARXIV_DIGEST_* variables, then explicit overrides (CLI flags)."""
    env = os.environ if environ is None else environ
    path = _config_path(config_file, env)
    values = _file_values(path) if path is not None else {}
    values.update(_environment_values(env))
    values.update(_override_values(overrides))
    settings = Settings(**values)
    _validate(settings)
    return settings


@dataclass(frozen=True)
class SettingEntry:
    """One setting as `arxiv-digest config` and the README show it."""

    section: str
    name: str
    help: str
    default: Any
    value: Any

    @property
    def secret(self) -> bool:
        return self.name in _SECRETS


def setting_entries(settings: Settings | None = None) -> list[SettingEntry]:
    """Every setting with its section, help, default and (given settings) effective value, section by section."""
    current = settings or Settings()
    order = {name: index for index, name in enumerate(SECTIONS)}
    entries = [SettingEntry(f.metadata.get("section", ""), f.name, f.metadata.get("help", ""), f.default,
                            getattr(current, f.name)) for f in fields(Settings)]
    return sorted(entries, key=lambda entry: order.get(entry.section, len(order)))


def toml_literal(value: Any) -> str:
    """A value as the config file spells it: "cs.CV", true, 3.0, ["a", "b"]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(toml_literal(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def reference_markdown() -> str:
    """The README's table of every setting: generated here, where each is declared (a test compares them)."""
    lines = []
    for section, about in SECTIONS.items():
        lines += ["", f"`[{section}]`: {about}", "", "| key | default | meaning |", "|---|---|---|"]
        for entry in setting_entries():
            if entry.section == section:
                default = "none" if entry.name == "profiles" else f"`{toml_literal(entry.default)}`"
                meaning = entry.help.replace("|", "/").replace("<", "\\<")  # not an HTML tag on GitHub
                lines.append(f"| `{entry.name}` | {default} | {meaning} |")
    return "\n".join(lines[1:]) + "\n"


def _commented(text: str, width: int = 100) -> list[str]:
    return textwrap.wrap(text, width, initial_indent="# ", subsequent_indent="# ")


def _entry_lines(entry: SettingEntry) -> list[str]:
    lines = _commented(entry.help)
    if entry.name == "profiles":
        return [*lines, f"# {len(entry.value)} declared: {', '.join(p.name for p in entry.value) or 'none'}"]
    if entry.secret:
        return [*lines, f"# {entry.name}: {'set' if entry.value else 'not set'} (never printed)"]
    if entry.value != entry.default:
        lines.append(f"# default: {toml_literal(entry.default)}")
    return [*lines, f"{entry.name} = {toml_literal(entry.value)}"]


def config_file_text(settings: Settings, section: str | None = None) -> str:
    """The effective settings as a config file: one table per section, each key with its help (secrets left out)."""
    lines: list[str] = []
    for name, about in SECTIONS.items():
        if section not in (None, name):
            continue
        lines += ["", *_commented(about), f"[{name}]"]
        for entry in setting_entries(settings):
            if entry.section == name:
                lines += ["", *_entry_lines(entry)]
    return "\n".join(lines[1:]) + "\n"
