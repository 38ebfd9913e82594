"""Great Expectations suites over one digest day, read from the store.

Each suite is a pandas frame with one row per paper (or one row for the day) and columns derived by the pure
checks in arxiv_digest.checks (`is_refusal`, `cjk_ratio`, `length`, `urls_grounded`, ...). GX validates those
columns; its unexpected rows, identified by `arxiv_id`, become failed QualityResults, every other paper a
passed one, so the quality gate can act per paper.

GX is imported inside the functions that need it: the import takes ~5 s and must stay off the CLI's hot path.
GX over SQL (DuckDB) is broken in 1.24.1, hence frames.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import arxiv_digest.catalog.announcements as announcements_module
import arxiv_digest.catalog.coverage as coverage_module
import arxiv_digest.checks as check_modules
import arxiv_digest.wording as wording_tables
from arxiv_digest.catalog.announcements import announcement
from arxiv_digest.catalog.coverage import COVERAGE_CHECK
from arxiv_digest.checks.analysis import check_key_findings
from arxiv_digest.checks.findings import (
    BLOCKING,
    SUMMARY_EMPTY,
    SUMMARY_REFUSAL,
    SUMMARY_UNKNOWN_PAPER,
    SUMMARY_WRONG_DATE,
    WARNING,
    Language,
    Severity,
)
from arxiv_digest.checks.language import cjk_ratio
from arxiv_digest.checks.links import check_urls
from arxiv_digest.checks.refusals import is_refusal
from arxiv_digest.checks.structure import infer_kind, missing_headings, quotes_the_paper
from arxiv_digest.checks.summary import check_summary
from arxiv_digest.checks.text import content_length
from arxiv_digest.checks.truncation import truncation
from arxiv_digest.wording import wording_for
from schemas.records import Coverage, PaperKey, QualityResult, Status

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl

    from arxiv_digest.store import Store

SUITE_PAPERS = "papers"
SUITE_PDFS = "pdfs"
SUITE_ANALYSES = "analyses"
SUITE_SUMMARY = "summary"
SUITE_COVERAGE = "coverage"

MIN_SECTIONS = 3
# Code hosts must name owner/repo; any other code or project page must at least be a well-formed https URL.
CODE_URL_REGEX = (
    r"^https?://(?:"
    r"(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|gitee\.com|codeberg\.org)/[\w.-]+/[\w.-]+(?:[/?#]\S*)?"
    r"|(?:www\.)?huggingface\.co/(?:(?:datasets|spaces)/)?[\w.-]+(?:/[\w.-]+)?(?:[/?#]\S*)?"
    r"|(?!(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|gitee\.com|codeberg\.org|huggingface\.co)(?:[/?#]|$))"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
    r"(?::\d+)?(?:[/?#]\S*)?"
    r")$"
)
_OBSERVED_CHARS = 200


@dataclass(frozen=True)
class Rule:
    """One GX expectation and the check it stands for.

    `per_paper` rules give one result per row (failed rows from GX's unexpected index list); day rules give one.
    `observed` names the column whose value explains a failure.
    """

    check: str
    severity: Severity
    make: Callable[[Any], Any]  # gx module -> expectation (GX is imported lazily)
    per_paper: bool = True
    observed: str = ""


# -- frames (pure: polars in, pandas out) ------------------------------------------------------------------------


def day_papers(papers: pl.DataFrame, membership: pl.DataFrame, day: date, category: str) -> pl.DataFrame:
    """The papers of the digest (day, category), in digest order."""
    import polars as pl

    chosen = membership.filter((pl.col("digest_date") == day) & (pl.col("category") == category))
    return chosen.join(papers, on=["arxiv_id", "version"], how="left").sort("position")


def papers_frame(day_rows: pl.DataFrame, day: date, category: str) -> pd.DataFrame:
    """Per paper: identity, category, and whether its v1 submission fits the digest's announcement window.

    On time means inside the window; a paper marked late (held by moderation or API lag) may be older, never
    newer than the window's end.
    """
    import polars as pl

    found = announcement(day)
    start = found.window_start.replace(tzinfo=None) if found else datetime.max
    end = found.window_end.replace(tzinfo=None) if found else datetime.min
    window = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC" if found else f"none: {day} has no announcement"
    late = pl.col("late").fill_null(False) if "late" in day_rows.columns else pl.lit(False)
    frame = day_rows.select(
        "arxiv_id",
        "version",
        pl.col("published").dt.strftime("%Y-%m-%d %H:%M").fill_null("missing").alias("published_at"),
        ((pl.col("published") <= end) & ((pl.col("published") > start) | late)).fill_null(False)
        .alias("published_ok"),
        pl.col("categories").list.contains(category).fill_null(False).alias("has_category"),
        pl.col("categories").list.join(", ").fill_null("").alias("categories_text"),
    ).with_columns(
        pl.when(pl.col("published_ok")).then(pl.lit("")).otherwise(
            pl.lit("published ") + pl.col("published_at") + pl.lit(f", window {window}")
        ).alias("published_observed")
    )
    return frame.to_pandas()


def pdfs_frame(
    day_rows: pl.DataFrame, pdf_files: pl.DataFrame, extractions: pl.DataFrame, sections: pl.DataFrame
) -> pd.DataFrame:
    """Per paper: whether its PDF is usable or knowingly flagged, and whether its sections were found.

    "flagged" means the pipeline recorded why the text is missing (download failed, no text layer): the digest
    then uses an abstract analysis, which is fine. What is not fine is a PDF that looks read but is not.
    """
    import polars as pl

    section_stats = sections.group_by("sha256").agg(
        pl.len().alias("section_count"),
        (pl.col("norm") == "method").any().alias("has_method"),
    )
    frame = (
        day_rows.select("arxiv_id", "version")
        .join(pdf_files.select("arxiv_id", "version", pl.col("status").alias("pdf_status"), "sha256",
                               pl.col("pages").alias("pdf_pages")), on=["arxiv_id", "version"], how="left")
        .join(extractions.select("sha256", pl.col("status").alias("extraction_status"), "has_text_layer",
                                 pl.col("pages").alias("extracted_pages")), on="sha256", how="left")
        .join(section_stats, on="sha256", how="left")
    )
    rows = []
    for row in frame.iter_rows(named=True):
        pdf_state, pdf_why = _pdf_state(row)
        sections_state, sections_why = _sections_state(row, pdf_state)
        rows.append({"arxiv_id": row["arxiv_id"], "version": row["version"], "pdf_state": pdf_state,
                     "pdf_observed": pdf_why, "sections_state": sections_state, "sections_observed": sections_why})
    return _pandas(rows, ["arxiv_id", "version", "pdf_state", "pdf_observed", "sections_state", "sections_observed"])


def _pdf_state(row: dict[str, Any]) -> tuple[str, str]:
    if row["pdf_status"] is None:
        return "missing", "no pdf_files row: the download step never recorded this paper"
    if row["pdf_status"] != Status.OK:
        return "flagged", f"download {row['pdf_status']}"
    pages = row["extracted_pages"] if row["extracted_pages"] is not None else row["pdf_pages"]
    if row["extraction_status"] is None:
        return "unread", "the PDF was downloaded but never extracted"
    if row["extraction_status"] in (Status.NO_TEXT_LAYER, Status.FAILED):
        return "flagged", f"extraction {row['extraction_status']}"
    if not pages or pages <= 0:
        return "bad", f"extraction ok but {pages or 0} pages"
    if not row["has_text_layer"]:
        return "bad", "extraction ok but no text layer"
    return "ok", f"{pages} pages with text"


def _sections_state(row: dict[str, Any], pdf_state: str) -> tuple[str, str]:
    if pdf_state != "ok":
        return "flagged", f"no text to segment ({pdf_state})"
    count = row["section_count"] or 0
    if count >= MIN_SECTIONS and row["has_method"]:
        return "ok", f"{count} sections, one method-like"
    return "bad", f"{count} sections, method-like: {bool(row['has_method'])}"


def code_links_frame(day_rows: pl.DataFrame, pdf_files: pl.DataFrame, links: pl.DataFrame) -> pd.DataFrame:
    import polars as pl

    frame = (
        day_rows.select("arxiv_id", "version")
        .join(pdf_files.select("arxiv_id", "version", "sha256"), on=["arxiv_id", "version"], how="inner")
        .join(links.filter(pl.col("is_code")).select("sha256", "url", "is_own"), on="sha256", how="inner")
        .select("arxiv_id", "url", "is_own")
    )
    return frame.to_pandas()


def stored_urls_by_paper(
    day_rows: pl.DataFrame, pdf_files: pl.DataFrame, links: pl.DataFrame
) -> dict[str, set[str] | None]:
    """arxiv_id -> URLs found in its PDF; None when the PDF was not read (then the abstract is the only ground)."""
    import polars as pl

    read = day_rows.select("arxiv_id", "version").join(
        pdf_files.filter((pl.col("status") == Status.OK.value) & pl.col("sha256").is_not_null()).select(
            "arxiv_id", "version", "sha256"), on=["arxiv_id", "version"], how="inner")
    found: dict[str, set[str] | None] = {pid: None for pid in day_rows["arxiv_id"].to_list()}
    for arxiv_id, sha in read.select("arxiv_id", "sha256").iter_rows():
        found[arxiv_id] = set(links.filter(pl.col("sha256") == sha)["url"].to_list())
    return found


def analyses_frame(
    day_rows: pl.DataFrame,
    digest_analyses: pl.DataFrame,
    analyses: pl.DataFrame,
    day: date,
    category: str,
    language: Language,
    paper_urls: dict[str, set[str] | None],
) -> pd.DataFrame:
    """One row per paper of the day with the analysis it will be published with and its derived measures."""
    import polars as pl

    chosen = digest_analyses.filter((pl.col("digest_date") == day) & (pl.col("category") == category)).drop(
        "digest_date", "category")
    joined = (
        day_rows.select("arxiv_id", "version", "abstract")
        .join(chosen, on=["arxiv_id", "version"], how="left")
        .join(analyses.drop("created_at"), on=["arxiv_id", "version", "prompt_hash", "model", "language"],
              how="left")
    )
    rows = [analysis_measures(row, language, paper_urls.get(row["arxiv_id"])) for row in
            joined.iter_rows(named=True)]
    return _pandas(rows, list(_MEASURE_COLUMNS))


_MEASURE_COLUMNS = {
    "arxiv_id": "", "kind": "", "has_analysis": False, "length": 0, "is_refusal": False, "refusal_reason": "",
    "cjk_ratio": None, "missing_headings": "", "truncated": False, "truncated_reason": "", "urls_grounded": True,
    "ungrounded_urls": "", "findings_grounded": True, "ungrounded_findings": "", "length_observed": "",
    "language_observed": "",
}


def analysis_measures(row: dict[str, Any], language: Language, paper_urls: set[str] | None) -> dict[str, Any]:
    """The derived columns of one analysis, each computed by the same pure check `arxiv-digest check` uses."""
    measures = dict(_MEASURE_COLUMNS)
    measures["arxiv_id"] = row["arxiv_id"]
    if row.get("kind") is None:
        measures["kind"] = "none"
        measures["length_observed"] = "no analysis stored for the day"
        return measures
    pid = str(PaperKey(row["arxiv_id"], row["version"]))
    content = row["content"] or ""
    abstract = row["abstract"] or ""
    measures["kind"] = row["kind"]
    measures["has_analysis"] = True
    bad_findings = check_key_findings(pid, list(row["key_findings"] or ()), abstract)
    measures["findings_grounded"] = not bad_findings
    measures["ungrounded_findings"] = "; ".join(f.detail for f in bad_findings)
    if row["kind"] == "withheld":
        # A withheld analysis publishes only its notice: nothing to measure, and nothing wrong with it.
        measures["length"] = None
        return measures
    length = content_length(content)
    model_written = not quotes_the_paper(content)
    # Null measures are skipped by GX: an extractive analysis quotes the paper, so its length is the abstract's
    # and its language the paper's. Only a truly empty one still fails analysis_non_empty.
    measures["length"] = length if model_written or length == 0 else None
    measures["length_observed"] = f"{length} content characters"
    reason = is_refusal(content)
    measures["is_refusal"] = reason is not None
    measures["refusal_reason"] = reason or ""
    if model_written:
        ratio = round(cjk_ratio(content), 3)
        measures["cjk_ratio"] = ratio
        measures["language_observed"] = f"CJK share {ratio:.0%} for {language}"
    if reason is None:  # a refusal lacks headings because it is a refusal: one failure, not two
        kind = row["kind"] if row["kind"] in ("method", "abstract") else infer_kind(content, language)
        measures["missing_headings"] = (
            ", ".join(missing_headings(content, kind, language)) if kind in ("method", "abstract")
            else "no recognizable structure"
        )
    cut = truncation(content)
    measures["truncated"] = bool(cut and cut[0] == BLOCKING)
    measures["truncated_reason"] = cut[1] if cut else ""
    blocking_urls = [f for f in check_urls(pid, content, abstract=abstract, paper_urls=paper_urls)
                     if f.severity == BLOCKING]
    measures["urls_grounded"] = not blocking_urls
    measures["ungrounded_urls"] = "; ".join(f.detail for f in blocking_urls)
    return measures


def summary_frame(
    summaries: pl.DataFrame, day_rows: pl.DataFrame, day: date, category: str, language: Language
) -> pd.DataFrame:
    import polars as pl

    stored = summaries.filter(
        (pl.col("digest_date") == day) & (pl.col("category") == category) & (pl.col("language") == language))
    row: dict[str, Any] = {"day": day.isoformat(), "present": stored.height > 0, "is_refusal": False,
                           "refusal_reason": "", "unknown_papers": "", "wrong_dates": "", "empty": ""}
    if stored.height:
        findings = check_summary(
            stored["content"][0],
            digest_date=day,
            paper_titles=[t for t in day_rows["title"].to_list() if t],
            language=language,
            paper_texts=[a for a in day_rows["abstract"].to_list() if a],
        )
        by_check: dict[str, list[str]] = {}
        for finding in findings:
            by_check.setdefault(finding.check, []).append(finding.detail)
        row["is_refusal"] = SUMMARY_REFUSAL in by_check
        row["refusal_reason"] = "; ".join(by_check.get(SUMMARY_REFUSAL, []))
        row["unknown_papers"] = "; ".join(by_check.get(SUMMARY_UNKNOWN_PAPER, []))
        row["wrong_dates"] = "; ".join(by_check.get(SUMMARY_WRONG_DATE, []))
        empty = [f.detail for f in findings if f.check == SUMMARY_EMPTY and f.severity == BLOCKING]
        row["empty"] = "; ".join(empty)
    return _pandas([row], list(row))


def coverage_frame(coverage: Coverage | None) -> pd.DataFrame:
    """One row per paper arXiv's own list of the announcement names: is it in this digest, else where it is.

    Empty when the coverage is not verified: nothing is known to check (the record says why).
    """
    rows: list[dict[str, Any]] = []
    if coverage is not None and coverage.verified:
        where = dict(coverage.missing)
        rows = [{"arxiv_id": arxiv_id, "in_digest": arxiv_id not in where, "where": where.get(arxiv_id, "")}
                for arxiv_id in coverage.announced]
    return _pandas(rows, ["arxiv_id", "in_digest", "where"])


def _pandas(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(list(rows), columns=list(columns))


# -- rules -------------------------------------------------------------------------------------------------------


def paper_rules(day: date) -> list[Rule]:
    return [
        Rule("papers_unique", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeUnique(column="arxiv_id"), per_paper=False),
        Rule("published_in_window", WARNING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="published_ok", value_set=[True]),
             observed="published_observed"),
        Rule("category_present", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="has_category", value_set=[True]),
             observed="categories_text"),
    ]


def pdf_rules() -> list[Rule]:
    return [
        Rule("pdf_readable_or_flagged", WARNING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="pdf_state", value_set=["ok", "flagged"]),
             observed="pdf_observed"),
        Rule("sections_found_or_flagged", WARNING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="sections_state",
                                                                    value_set=["ok", "flagged"]),
             observed="sections_observed"),
    ]


def code_link_rules() -> list[Rule]:
    return [
        Rule("code_urls_well_formed", WARNING,
             lambda gx: gx.expectations.ExpectColumnValuesToMatchRegex(column="url", regex=CODE_URL_REGEX),
             observed="url"),
    ]


def analysis_rules(language: Language) -> list[Rule]:
    wording = wording_for(language)
    minimum = wording.min_analysis_chars
    # Only the bounds that restrict anything, so the expectation reads as the rule does.
    bounds: dict[str, float] = {}
    if wording.min_cjk_ratio > 0.0:
        bounds["min_value"] = wording.min_cjk_ratio
    if wording.max_cjk_ratio < 1.0:
        bounds["max_value"] = wording.max_cjk_ratio

    def language_rule(gx: Any) -> Any:
        return gx.expectations.ExpectColumnValuesToBeBetween(column="cjk_ratio", **bounds)
    return [
        Rule("analysis_present", WARNING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="has_analysis", value_set=[True]),
             observed="length_observed"),
        Rule("analysis_kind_valid", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(
                 column="kind", value_set=["method", "abstract", "withheld", "none"]), observed="kind"),
        # Null lengths (withheld notices) are skipped by GX's column-map expectations, as intended.
        Rule("analysis_non_empty", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="length", min_value=1),
             observed="length_observed"),
        Rule("analysis_min_length", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="length", min_value=minimum),
             observed="length_observed"),
        Rule("analysis_not_refusal", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="is_refusal", value_set=[False]),
             observed="refusal_reason"),
        # cjk_ratio is null for analyses that quote the paper verbatim by design (extractive ones).
        Rule("analysis_language", BLOCKING, language_rule, observed="language_observed"),
        Rule("analysis_headings", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="missing_headings", value_set=[""]),
             observed="missing_headings"),
        Rule("analysis_not_truncated", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="truncated", value_set=[False]),
             observed="truncated_reason"),
        Rule("analysis_urls_grounded", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="urls_grounded", value_set=[True]),
             observed="ungrounded_urls"),
        Rule("key_findings_in_abstract", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="findings_grounded", value_set=[True]),
             observed="ungrounded_findings"),
    ]


def summary_rules() -> list[Rule]:
    def empty_string(column: str) -> Callable[[Any], Any]:
        return lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=[""])

    return [
        Rule("summary_present", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="present", value_set=[True]),
             per_paper=False, observed="day"),
        Rule("summary_not_empty", BLOCKING, empty_string("empty"), per_paper=False, observed="empty"),
        Rule("summary_not_refusal", BLOCKING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="is_refusal", value_set=[False]),
             per_paper=False, observed="refusal_reason"),
        Rule("summary_names_only_day_papers", BLOCKING, empty_string("unknown_papers"), per_paper=False,
             observed="unknown_papers"),
        Rule("summary_date_correct", BLOCKING, empty_string("wrong_dates"), per_paper=False,
             observed="wrong_dates"),
    ]


def coverage_rules() -> list[Rule]:
    # A warning, not blocking: the day is published, and `partial` (publish/day.py counts these failures).
    return [
        Rule(COVERAGE_CHECK, WARNING,
             lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="in_digest", value_set=[True]),
             observed="where"),
    ]


# -- running GX --------------------------------------------------------------------------------------------------


class _Validator:
    """An ephemeral GX context for one run; optionally writes Data Docs for every validation."""

    def __init__(self, data_docs_dir: Path | None) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("store")
        self.site: str | None = None
        if data_docs_dir is not None:
            data_docs_dir.mkdir(parents=True, exist_ok=True)
            self.site = "digest_quality"
            self.context.add_data_docs_site(site_name=self.site, site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(data_docs_dir.resolve())},
            })

    def validate(self, name: str, frame: pd.DataFrame, rules: Sequence[Rule], id_column: str) -> list[Any]:
        """The GX result of each rule, in the order of `rules`."""
        gx = self.gx
        batch_definition = self.source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(name)
        suite = self.context.suites.add(gx.ExpectationSuite(name=name, expectations=[r.make(gx) for r in rules]))
        ids = [expectation.id for expectation in suite.expectations]
        result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [id_column]}
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite))
        actions = [gx.checkpoint.UpdateDataDocsAction(name="docs", site_names=[self.site])] if self.site else []
        checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=name, validation_definitions=[definition], actions=actions, result_format=result_format))
        outcome = checkpoint.run(batch_parameters={"dataframe": frame})
        validation = next(iter(outcome.run_results.values()))
        # Match by expectation id: GX does not promise to keep the suite's order in its results.
        by_id = {result.expectation_config.id: result for result in validation.results}
        return [by_id[expectation_id] for expectation_id in ids]


def results_of(
    suite: str, rules: Sequence[Rule], outcomes: Sequence[Any], frame: pd.DataFrame, id_column: str = "arxiv_id"
) -> list[QualityResult]:
    """Turn GX results into QualityResults: failed rows from each unexpected index list, the rest passed."""
    out: list[QualityResult] = []
    for rule, outcome in zip(rules, outcomes, strict=True):
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            message = outcome.exception_info.get("exception_message", "GX raised")
            out.append(QualityResult(suite, rule.check, rule.severity, False, "", f"GX error: {message}"[:200]))
            continue
        failed_ids = [row[id_column] for row in (outcome.result or {}).get("unexpected_index_list") or []
                      if isinstance(row, dict) and id_column in row]
        if not rule.per_paper:
            observed = _observed_day(rule, outcome, frame, failed_ids)
            out.append(QualityResult(suite, rule.check, rule.severity, bool(outcome.success), "", observed))
            continue
        failed = set(failed_ids)
        for record in frame.to_dict("records"):
            paper = str(record[id_column])
            passed = paper not in failed
            observed = "" if passed else _short(record.get(rule.observed, ""))
            out.append(QualityResult(suite, rule.check, rule.severity, passed, paper, observed))
    return _one_per_paper(out)


def _observed_day(rule: Rule, outcome: Any, frame: pd.DataFrame, failed_ids: list[Any]) -> str:
    if rule.check == "papers_unique":
        dupes = sorted({str(i) for i in failed_ids})
        return f"duplicates: {', '.join(dupes)}" if dupes else f"{len(frame)} papers, all unique"
    if outcome.success or frame.empty:
        return ""
    return _short(frame.iloc[0].get(rule.observed, ""))


def _one_per_paper(results: list[QualityResult]) -> list[QualityResult]:
    """A paper listed twice (a duplicate) gives one result per check: failed if any of its rows failed."""
    merged: dict[tuple[str, str, str], QualityResult] = {}
    for result in results:
        key = (result.suite, result.check, result.arxiv_id)
        if key not in merged or (merged[key].passed and not result.passed):
            merged[key] = result
    return list(merged.values())


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= _OBSERVED_CHARS else text[: _OBSERVED_CHARS - 1] + "…"


@dataclass(frozen=True)
class SuiteInputs:
    """The frames the suites validate for one digest, read from the store."""

    language: Language
    suites: list[tuple[str, pd.DataFrame, list[Rule]]]
    code_links: pd.DataFrame


# What the suites' verdicts depend on besides the stored rows: this module, the pure checks, the wording tables
# (required headings, minimum lengths, CJK shares) and the calendar and coverage rules the frames apply.
_RULE_SOURCES = (Path(__file__), Path(announcements_module.__file__), Path(coverage_module.__file__))


def _rule_files() -> list[Path]:
    tables = sorted(Path(wording_tables.__file__).parent.glob("*.py"))
    checks = sorted(Path(check_modules.__file__).parent.glob("*.py"))
    return [*_RULE_SOURCES, *checks, *tables]


def input_fingerprint(store: Store, day: date, category: str, *, language: str) -> str:
    """Changes whenever a row the suites read, the language or the rules' code changes.

    Taken from the stored rows themselves (hashed by the database), not from the frames made of them, so a
    rerun of an unchanged day learns that its results still stand without measuring every text again.
    """
    digest = hashlib.sha256(wording_for(language).code.encode())
    for source in _rule_files():
        digest.update(source.read_bytes())
    digest.update(store.quality_input_state(day, category).encode())
    return digest.hexdigest()


def suite_inputs(store: Store, day: date, category: str, *, language: str) -> SuiteInputs:
    lang = wording_for(language).code
    tables = {name: store.frame(name) for name in (
        "papers", "digest_papers", "pdf_files", "extractions", "sections", "links", "analyses",
        "digest_analyses", "summaries")}
    rows = day_papers(tables["papers"], tables["digest_papers"], day, category)
    urls = stored_urls_by_paper(rows, tables["pdf_files"], tables["links"])
    suites: list[tuple[str, pd.DataFrame, list[Rule]]] = [
        (SUITE_PAPERS, papers_frame(rows, day, category), paper_rules(day)),
        (SUITE_PDFS, pdfs_frame(rows, tables["pdf_files"], tables["extractions"], tables["sections"]), pdf_rules()),
        (SUITE_ANALYSES, analyses_frame(rows, tables["digest_analyses"], tables["analyses"], day, category, lang,
                                        urls), analysis_rules(lang)),
        (SUITE_SUMMARY, summary_frame(tables["summaries"], rows, day, category, lang), summary_rules()),
        (SUITE_COVERAGE, coverage_frame(store.coverage(day, category)), coverage_rules()),
    ]
    code_links = code_links_frame(rows, tables["pdf_files"], tables["links"])
    return SuiteInputs(lang, suites, code_links)


def validate(inputs: SuiteInputs, data_docs_dir: Path | None = None) -> list[QualityResult]:
    """Every suite through GX; one QualityResult per check and paper (or day)."""
    validator = _Validator(data_docs_dir)
    results: list[QualityResult] = []
    for suite, frame, rules in inputs.suites:
        id_column = "day" if suite == SUITE_SUMMARY else "arxiv_id"
        if frame.empty:
            results += [QualityResult(suite, r.check, r.severity, True, "", "no papers") for r in rules
                        if not r.per_paper]
            continue
        validation = validator.validate(suite, frame, rules, id_column)
        results += results_of(suite, rules, validation, frame, id_column)
    if not inputs.code_links.empty:
        validation = validator.validate("code_links", inputs.code_links, code_link_rules(), "arxiv_id")
        results += _code_link_results(validation, inputs.code_links)
    return results


def run_quality_suites(
    store: Store, day: date, category: str, *, language: str, data_docs_dir: Path | None = None
) -> list[QualityResult]:
    """Run every suite for the digest (day, category); one QualityResult per check and paper (or day)."""
    return validate(suite_inputs(store, day, category, language=language), data_docs_dir)


def _code_link_results(outcomes: Sequence[Any], frame: pd.DataFrame) -> list[QualityResult]:
    """Several links per paper: a paper fails when any of its code links is malformed, and the URL is shown."""
    outcome = outcomes[0]
    bad = [row for row in (outcome.result or {}).get("unexpected_index_list") or [] if isinstance(row, dict)]
    bad_by_paper: dict[str, list[str]] = {}
    for row in bad:
        bad_by_paper.setdefault(str(row["arxiv_id"]), []).append(str(row.get("url", "")))
    out = []
    for paper in dict.fromkeys(str(p) for p in frame["arxiv_id"]):
        urls = bad_by_paper.get(paper, [])
        out.append(QualityResult(SUITE_PDFS, "code_urls_well_formed", WARNING, not urls, paper,
                                 _short("malformed: " + ", ".join(urls)) if urls else ""))
    return out


def failed(results: Sequence[QualityResult]) -> list[QualityResult]:
    return [r for r in results if not r.passed]
