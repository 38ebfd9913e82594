"""Great Expectations suites on a real DuckDB store filled through the Store API.

GX takes ~5 s to import, so the suites run once per module on one store holding a clean day (cs.GR) and a day
with one defect per check (cs.CV); the tests read the results.
"""

from __future__ import annotations

import os

os.environ["GX_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from arxiv_digest.store import Store
from quality.docs_site import day_site, docs_root, pool_dir, share_identical_files, site_bytes
from quality.suites import CODE_URL_REGEX, input_fingerprint, run_quality_suites, suite_inputs
from schemas.records import Analysis, Extraction, Link, Paper, PdfFile, QualityResult, Section

DAY = date(2026, 1, 21)
ON_TIME = datetime(2026, 1, 20, 14, 30, tzinfo=UTC)

GOOD_ZH = """### 1. 摘要翻译

本文提出 FastSeg，一种高效的语义分割模型，在 ADE20K 上将 mIoU 提升了 3.1%，代码见 https://github.com/example/fastseg 。

### 2. 方法动机分析

现有分割模型计算量大，难以在移动端实时运行；作者希望在不损失精度的前提下显著降低延迟。

### 3. 方法设计详解

*   **轻量编码器**：使用深度可分离卷积构建主干网络，减少参数量与计算量。
*   **多尺度解码器**：融合不同分辨率的特征，兼顾细节与语义信息。

### 4. 方法对比分析

与现有实时分割方法相比，FastSeg 在相同延迟下精度更高，在相同精度下速度更快。

### 5. 实验分析

在 ADE20K 与 Cityscapes 上的实验表明，该方法在多个指标上优于基线，消融实验验证了各模块的作用。

### 6. 实用指南

作者开源了代码，复现时需要注意输入分辨率与数据增强策略的设置，训练需要多卡环境。

### 7. 总结

*   **核心思想**：轻量编码器加多尺度解码器，实现又快又准的语义分割。
"""
ABSTRACT = ("We propose FastSeg, a segmentation model. It improves mIoU by 3.1% on ADE20K. "
            "Code: https://github.com/example/fastseg.")


def paper(arxiv_id: str, *, categories: tuple[str, ...] = ("cs.CV",), published: datetime = ON_TIME,
          abstract: str = ABSTRACT) -> Paper:
    return Paper(arxiv_id, 1, f"Paper {arxiv_id}", ("Ann",), categories, categories[0], published, published,
                 abstract)


def analysis(p: Paper, content: str, *, kind: str = "method", findings: tuple[str, ...] = (),
             notice: str | None = None) -> Analysis:
    return Analysis(p.arxiv_id, p.version, kind, "llm", "zh", content,
                    findings or ("It improves mIoU by 3.1% on ADE20K.",), "prompt-1", notice)


def read_pdf(store: Store, p: Paper, sha: str, *, sections: list[str], links: list[str]) -> None:
    store.upsert_pdf(PdfFile(p.arxiv_id, p.version, "ok", sha256=sha, pages=10))
    store.save_extraction(Extraction(sha, "ok", 10, 40000, True), "pymupdf")
    store.save_sections(sha, [Section(i, norm.title(), norm, 1, "text") for i, norm in enumerate(sections)])
    store.save_links(sha, [Link(url, True, True, "text", 1) for url in links])


def publish_day(store: Store, category: str, items: list[tuple[Paper, Analysis]], summary: str) -> None:
    store.upsert_papers([p for p, _ in items])
    store.set_digest_papers(DAY, category, [p for p, _ in items])
    for _, a in items:
        store.save_analysis(a, "model-x")
        store.set_digest_analysis(DAY, category, a, "model-x")
    store.save_summary(DAY, category, "zh", "prompt-s", "model-x", "llm", summary)


@dataclass
class Outcome:
    bad: list[QualityResult]
    good: list[QualityResult]
    docs: Path
    reuse: dict[str, object]
    docs_next_day: Path  # the same suites validated again, as the next digest's gate would

    def failed(self, check: str, *, good: bool = False) -> dict[str, str]:
        rows = self.good if good else self.bad
        return {r.arxiv_id: r.observed for r in rows if r.check == check and not r.passed}


def fingerprint_reuse(store: Store) -> dict[str, object]:
    """What a rerun would reuse, before and after one analysis of the day changes."""
    seen: dict[str, object] = {}
    before = input_fingerprint(store, DAY, "cs.GR", language="zh")
    seen["stable"] = before == input_fingerprint(store, DAY, "cs.GR", language="zh")
    seen["other_language_differs"] = before != input_fingerprint(store, DAY, "cs.GR", language="en")
    seen["unrecorded"] = store.reusable_quality_results(DAY, "cs.GR", before)
    results = run_quality_suites(store, DAY, "cs.GR", language="zh")
    store.replace_quality_results(DAY, "cs.GR", results, None, before)
    seen["reused"] = store.reusable_quality_results(DAY, "cs.GR", before)
    seen["stored"] = store.quality_results(DAY, "cs.GR")
    clean = paper("2601.20001", categories=("cs.GR", "cs.CV"))
    store.upsert_papers([clean])  # fetched again, as every rerun does: not a change the suites can see
    seen["refetched_same"] = input_fingerprint(store, DAY, "cs.GR", language="zh") == before
    changed = analysis(clean, GOOD_ZH.replace("FastSeg", "SlowSeg"))
    store.set_digest_analysis(DAY, "cs.GR", changed, "model-y")
    after = input_fingerprint(store, DAY, "cs.GR", language="zh")
    seen["changed"] = after != before
    seen["reused_after_change"] = store.reusable_quality_results(DAY, "cs.GR", after)
    store.save_sections("sha-clean", [Section(0, "Introduction", "introduction", 1, "other text")])
    seen["sections_changed"] = input_fingerprint(store, DAY, "cs.GR", language="zh") != after
    return seen


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    root = tmp_path_factory.mktemp("suites")
    store = Store.open(root / "d.duckdb")
    try:
        # A clean day in cs.GR: every check passes.
        clean = paper("2601.20001", categories=("cs.GR", "cs.CV"))
        read_pdf(store, clean, "sha-clean", sections=["introduction", "method", "experiments"],
                 links=["https://github.com/example/fastseg"])
        clean_summary = ("**执行摘要：2026年1月20日 Arxiv 论文**\n\n本期论文 “Paper 2601.20001” 提出了 FastSeg。"
                         + "内容" * 60)
        publish_day(store, "cs.GR", [(clean, analysis(clean, GOOD_ZH))], clean_summary)

        # cs.CV: one defect per paper.
        good = paper("2601.10001")
        read_pdf(store, good, "sha-good", sections=["introduction", "method", "experiments", "conclusion"],
                 links=["https://github.com/example/fastseg", "https://github.com/example"])  # 2nd: no repo
        refusal = paper("2601.10002")
        store.upsert_pdf(PdfFile(refusal.arxiv_id, 1, "failed", error="HTTP 404"))  # flagged: fine
        invented = paper("2601.10003", categories=("cs.LG",), published=datetime(2026, 1, 17, tzinfo=UTC))
        english = paper("2601.10004")
        read_pdf(store, english, "sha-english", sections=["introduction"], links=[])  # too few sections
        withheld = paper("2601.10005")
        bad_findings = paper("2601.10006")
        publish_day(store, "cs.CV", [
            (good, analysis(good, GOOD_ZH)),
            (refusal, analysis(refusal, "好的，我将按照框架分析。请提供论文的PDF文件。", kind="method")),
            (invented, analysis(invented, GOOD_ZH.replace("https://github.com/example/fastseg",
                                                          "https://github.com/facebookresearch/dinov3"))),
            (english, analysis(english, "### 1. Abstract\n\nThe paper proposes FastSeg. " * 20)),
            (withheld, analysis(withheld, "", kind="withheld", notice="it failed the quality checks")),
            (bad_findings, analysis(bad_findings, GOOD_ZH, findings=("It beats everything by 40 points.",))),
        ], "**执行摘要：2026年1月18日**\n\n“LightOnOCR” 是本期亮点。" + "内容" * 60)

        docs = root / "docs"
        bad_results = run_quality_suites(store, DAY, "cs.CV", language="zh", data_docs_dir=docs)
        good_results = run_quality_suites(store, DAY, "cs.GR", language="zh")
        store.replace_quality_results(DAY, "cs.CV", bad_results, None)  # the rows fit the store's table
        fingerprints = fingerprint_reuse(store)
        next_day = root / "docs-next-day"
        run_quality_suites(store, DAY, "cs.CV", language="zh", data_docs_dir=next_day)
        yield Outcome(bad_results, good_results, docs, fingerprints, next_day)
    finally:
        store.close()


def test_clean_day_passes_every_suite(outcome: Outcome) -> None:
    assert outcome.good, "the suites produced no results"
    assert [r for r in outcome.good if not r.passed] == []
    checks = {r.check for r in outcome.good}
    assert {"papers_unique", "category_present", "published_in_window", "pdf_readable_or_flagged",
            "sections_found_or_flagged", "code_urls_well_formed", "analysis_not_refusal", "analysis_language",
            "analysis_headings", "analysis_urls_grounded", "key_findings_in_abstract", "summary_date_correct",
            "summary_names_only_day_papers"} <= checks


def test_each_defect_fails_its_own_check_for_its_own_paper(outcome: Outcome) -> None:
    assert outcome.failed("analysis_not_refusal") == {"2601.10002": 'asks for the paper: "请提供论文的PDF文件。"'}
    assert set(outcome.failed("analysis_urls_grounded")) == {"2601.10003"}
    assert "github.com/facebookresearch/dinov3" in outcome.failed("analysis_urls_grounded")["2601.10003"]
    assert set(outcome.failed("category_present")) == {"2601.10003"}
    assert set(outcome.failed("published_in_window")) == {"2601.10003"}
    assert set(outcome.failed("analysis_language")) == {"2601.10004"}
    assert set(outcome.failed("analysis_headings")) == {"2601.10004"}
    assert set(outcome.failed("analysis_min_length")) == {"2601.10002"}
    assert set(outcome.failed("sections_found_or_flagged")) == {"2601.10004"}
    assert set(outcome.failed("key_findings_in_abstract")) == {"2601.10006"}
    assert outcome.failed("code_urls_well_formed") == {"2601.10001": "malformed: https://github.com/example"}
    # Not yet read and not flagged either: the download step never recorded these papers.
    assert set(outcome.failed("pdf_readable_or_flagged")) == {"2601.10003", "2601.10005", "2601.10006"}


def test_withheld_analysis_and_flagged_pdf_are_not_failures(outcome: Outcome) -> None:
    withheld = [r for r in outcome.bad if r.arxiv_id == "2601.10005" and r.suite == "analyses"]
    assert withheld and all(r.passed for r in withheld)
    refusal_pdf = [r for r in outcome.bad if r.arxiv_id == "2601.10002" and r.check == "pdf_readable_or_flagged"]
    assert [r.passed for r in refusal_pdf] == [True]


def test_severities_and_day_level_rows(outcome: Outcome) -> None:
    severity = {r.check: r.severity for r in outcome.bad}
    assert severity["analysis_not_refusal"] == "blocking"
    assert severity["category_present"] == "blocking"
    assert severity["published_in_window"] == "warning"
    assert severity["pdf_readable_or_flagged"] == "warning"
    day_rows = {r.check: r for r in outcome.bad if r.arxiv_id == ""}
    assert day_rows["papers_unique"].passed and day_rows["papers_unique"].observed == "6 papers, all unique"
    assert not day_rows["summary_date_correct"].passed and "2026年1月18日" in day_rows["summary_date_correct"].observed
    assert not day_rows["summary_names_only_day_papers"].passed
    assert "LightOnOCR" in day_rows["summary_names_only_day_papers"].observed
    assert day_rows["summary_not_refusal"].passed
    # One result per (suite, check, paper): the store's primary key.
    keys = [(r.suite, r.check, r.arxiv_id) for r in outcome.bad]
    assert len(keys) == len(set(keys))


def test_data_docs_are_built_as_html(outcome: Outcome) -> None:
    index = outcome.docs / "index.html"
    assert index.is_file()
    pages = list((outcome.docs / "validations").rglob("*.html"))
    assert {p.parts[-4] if len(p.parts) >= 4 else "" for p in pages} >= {"analyses", "papers"}
    assert "analyses" in index.read_text(encoding="utf-8")


def test_data_docs_of_a_second_day_cost_only_their_own_pages(outcome: Outcome) -> None:
    data_dir = outcome.docs.parent / "data"
    first, second = (day_site(data_dir, "cs.CV", date(2026, 1, day)) for day in (21, 22))
    shutil.copytree(outcome.docs, first)
    share_identical_files(first, pool_dir(data_dir))
    after_first = site_bytes(docs_root(data_dir))
    assert after_first > 3_000_000, "GX's fonts and images are in the first site"
    shutil.copytree(outcome.docs_next_day, second)
    share_identical_files(second, pool_dir(data_dir))
    added = site_bytes(docs_root(data_dir)) - after_first
    assert 0 < added < 200_000, added
    # Every page of the second site still finds the styles and images it found as GX wrote it (GX's own
    # validation pages miss their favicon by one level either way), and no logo is fetched from GX's bucket.
    found = 0
    for page in second.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "amazonaws.com/logo-long.png?d=" not in text, page
        as_written = outcome.docs_next_day / page.relative_to(second)
        for target in re.findall(r'(?:href|src)="((?:\.\./)*static/[^"?#]+)', text):
            if (as_written.parent / target).is_file() or target.endswith("logo-long.png"):
                assert (page.parent / target).is_file(), (page, target)
                found += 1
    assert found >= 10, found
    logo = second / "static" / "images" / "logo-long.png"
    assert logo.stat().st_nlink >= 3, "the day's logo is the pool's copy, shared with the first day"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://github.com/tiktok/huvr", True),
        ("https://github.com/tiktok/huvr/tree/main/configs", True),
        ("https://huggingface.co/datasets/org/name", True),
        ("https://project.github.io/page/", True),
        ("https://github.com/tiktok", False),
        ("https://github.com/", False),
        ("https:/github.com/a/b", False),
        ("https://exa mple.com/x", False),
    ],
)
def test_code_url_regex(url: str, ok: bool) -> None:
    assert bool(re.match(CODE_URL_REGEX, url)) is ok


def test_unchanged_inputs_reuse_the_stored_results_and_any_change_invalidates_them(outcome: Outcome) -> None:
    seen = outcome.reuse
    assert seen["stable"] is True
    assert seen["other_language_differs"] is True
    assert seen["unrecorded"] is None
    assert seen["reused"] == seen["stored"] and seen["reused"]
    assert seen["refetched_same"] is True
    assert seen["changed"] is True
    assert seen["reused_after_change"] is None
    assert seen["sections_changed"] is True


def test_a_rerun_of_an_unchanged_day_reuses_the_gate_without_measuring_the_day_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate learns from the stored rows that nothing changed: the frames (every text measured) are made only
    when a row changed, and then the suites run again (counted, not timed)."""
    import arxiv_digest.steps.quality as gate_step
    from arxiv_digest.runtime import Runtime, close_stores, open_store
    from arxiv_digest.settings import load_settings

    made: list[str] = []

    def counted(*args: object, **kwargs: object) -> object:
        made.append("frames")
        return suite_inputs(*args, **kwargs)

    monkeypatch.setattr(gate_step, "suite_inputs", counted)
    settings = load_settings(None, data_dir=str(tmp_path), quality_docs=False).for_digest("cs.GR", DAY)
    store = open_store(settings.db_path)
    clean = paper("2601.20001", categories=("cs.GR", "cs.CV"))
    read_pdf(store, clean, "sha-clean", sections=["introduction", "method", "experiments"], links=[])
    publish_day(store, "cs.GR", [(clean, analysis(clean, GOOD_ZH))], "**执行摘要**\n\n" + "内容" * 60)
    try:
        first = gate_step.run_quality_gate(Runtime(settings), DAY, "cs.GR")
        store.upsert_papers([clean])  # a rerun fetches the day again
        made_first = len(made)
        again = gate_step.run_quality_gate(Runtime(settings), DAY, "cs.GR")
        made_on_rerun = len(made) - made_first
        store.set_digest_analysis(DAY, "cs.GR", analysis(clean, GOOD_ZH.replace("FastSeg", "SlowSeg")), "m")
        gate_step.run_quality_gate(Runtime(settings), DAY, "cs.GR")
    finally:
        close_stores()
    assert first == again
    assert made_first >= 1 and made_on_rerun == 0
    assert len(made) > made_first  # the changed analysis is checked again
