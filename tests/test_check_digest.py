"""`arxiv-digest check`: the digest parser, the whole-file audit on the real seed digest, mutations of its good
entries, store-backed link grounding, and the plain-text report."""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from arxiv_digest.checks.digest import check_digest
from arxiv_digest.checks.digest_file import check_digest_file, check_digest_text, has_blocking, render_findings_table
from arxiv_digest.checks.digest_format import DigestFormatError, parse_digest
from arxiv_digest.errors import DigestError
from arxiv_digest.publish.view import DigestView
from arxiv_digest.store import Store
from schemas.records import Link, Paper, PdfFile

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_830de6816814581d.txt"
SEED_REFUSALS = {"2601.13705v1", "2601.14255v1", "2601.14251v1", "2601.14246v1"}
SEED_GOOD = {"2601.14256v1", "2601.14253v1", "2601.14250v1", "2601.14208v1", "2601.14207v1", "2601.14188v1"}
GOOD_ENTRY = "2601.14253v1"  # a clean 7-part method analysis


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip(f"{SEED} is not present: the ../shared folder (seed digests) sits beside the repo in CI")
    return SEED.read_text(encoding="utf-8")


def findings_of(text: str) -> list[dict[str, str]]:
    return check_digest_text(text)["findings"]


def entry_analysis(text: str, paper_id: str) -> str:
    parsed = parse_digest(text)
    paper = next(p for p in parsed.papers if p.paper_id == paper_id)
    assert paper.analysis
    return paper.analysis


def replace_analysis(text: str, paper_id: str, new_analysis: str) -> str:
    old = entry_analysis(text, paper_id)
    assert text.count(old) == 1
    return text.replace(old, new_analysis)


# -- parser ------------------------------------------------------------------------------------------------------


def test_parser_reads_every_part_of_the_seed(seed_text: str) -> None:
    parsed = parse_digest(seed_text)
    assert parsed.digest_date == date(2026, 1, 21) and parsed.header_date == date(2026, 1, 21)
    assert parsed.title == "Arxiv Computer Vision Papers"
    assert parsed.summary and parsed.summary.startswith("好的，这是一份") and "希望这份摘要" in parsed.summary
    assert len(parsed.toc) == 10 and parsed.toc[0].anchor == "2601.13705v1"
    assert [p.paper_id for p in parsed.papers] == [e.anchor for e in parsed.toc]
    huvr = parsed.papers[1]
    assert huvr.arxiv_id == "2601.14256" and huvr.version == 1
    assert huvr.title == "Implicit Neural Representation Facilitates Unified Universal Vision Encoding"
    assert huvr.link == "https://arxiv.org/abs/2601.14256v1"
    assert huvr.authors == ["Matthew Gwilliam", "Xiao Wang", "Xuefeng Hu", "Zhenheng Yang"]
    assert huvr.published == date(2026, 1, 20) and huvr.categories == ["cs.CV"]
    assert huvr.abstract and huvr.abstract.endswith("https://github.com/tiktok/huvr.")
    # The analysis keeps its own ## headings and --- rules, and stops before the entry's Key Findings.
    assert huvr.analysis and "### 7. 总结" in huvr.analysis and "**Key Findings:**" not in huvr.analysis
    assert huvr.analysis.endswith("具有重要意义。")
    assert huvr.key_findings and len(huvr.key_findings) == 2
    assert [(link.label, link.url) for link in huvr.links or []] == [
        ("PDF", "https://arxiv.org/pdf/2601.14256v1"), ("arXiv", "https://arxiv.org/abs/2601.14256v1")]


def test_parser_accepts_lowercase_time_header_and_missing_anchors() -> None:
    text = (
        "time: 20260121\n\n# Arxiv Computer Vision Papers - 2026-01-21\n\n## Executive Summary\n\nNothing.\n\n"
        "## Papers\n\n## [A Title](https://arxiv.org/abs/2601.00001v2)\n\n**Authors:** Ann\n\n"
        "**Published:** 2026-01-20\n\n**Categories:** cs.CV\n\n**Abstract:**\n\nWe do X.\n\n**Analysis:**\n\nText.\n"
    )
    parsed = parse_digest(text)
    assert parsed.header_date == date(2026, 1, 21)
    paper = parsed.papers[0]
    assert (paper.arxiv_id, paper.version, paper.anchor, paper.title) == ("2601.00001", 2, None, "A Title")
    assert paper.key_findings is None and paper.links is None  # missing sections stay distinguishable


@pytest.mark.parametrize("text", ["", "hello world", "# Some README\n\nNo digest here.\n"])
def test_text_that_is_not_a_digest_raises_a_clear_error(text: str) -> None:
    with pytest.raises(DigestFormatError, match="not a digest") as caught:
        parse_digest(text)
    assert isinstance(caught.value, DigestError)  # the CLI turns it into exit code 2


# -- the seed ----------------------------------------------------------------------------------------------------


def test_seed_reports_its_four_refusals_and_the_invented_dinov3_link_and_nothing_else(seed_text: str) -> None:
    report = check_digest_file(SEED)
    assert report["file"] == str(SEED) and report["papers"] == 10
    got = {(f["paper_id"], f["check"], f["severity"]) for f in report["findings"]}
    expected = {(pid, "analysis_refusal", "blocking") for pid in SEED_REFUSALS}
    expected.add(("2601.14256v1", "analysis_ungrounded_url", "blocking"))
    assert got == expected
    assert len(report["findings"]) == 5
    link = next(f for f in report["findings"] if f["check"] == "analysis_ungrounded_url")
    assert "github.com/facebookresearch/dinov3" in link["detail"]
    assert not {f["paper_id"] for f in report["findings"]} & (SEED_GOOD - {"2601.14256v1"})
    assert has_blocking(report)
    assert set(report) == {"file", "papers", "findings"}
    assert all(set(f) == {"paper_id", "check", "severity", "detail"} for f in report["findings"])


def test_seed_summary_dated_the_submission_day_is_not_a_finding(seed_text: str) -> None:
    # The summary says 2026年1月20日 in a digest of 2026-01-21: the papers were published on the 20th.
    assert "2026年1月20日" in (parse_digest(seed_text).summary or "")
    assert not [f for f in findings_of(seed_text) if f["check"].startswith("summary")]


# -- mutations of a good seed entry -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "refusal",
    [
        "好的，我将按照您的框架进行分析。请您先上传论文全文，我再开始。",
        "抱歉，我无法访问 arXiv 上的论文链接。",
        "I'd be happy to analyse it. Please share the paper text first.",
        "As an AI language model, I cannot open PDF files.",
    ],
)
def test_refusal_in_another_wording_is_flagged(seed_text: str, refusal: str) -> None:
    mutated = replace_analysis(seed_text, GOOD_ENTRY, refusal)
    mine = [f for f in findings_of(mutated) if f["paper_id"] == GOOD_ENTRY]
    assert [(f["check"], f["severity"]) for f in mine] == [("analysis_refusal", "blocking")]


def test_invented_link_in_a_good_entry_is_flagged(seed_text: str) -> None:
    analysis = entry_analysis(seed_text, GOOD_ENTRY)
    mutated = replace_analysis(seed_text, GOOD_ENTRY,
                               analysis + "\n\n代码：[GitHub](https://github.com/invented/motion3to4)。")
    mine = [f for f in findings_of(mutated) if f["paper_id"] == GOOD_ENTRY]
    assert [(f["check"], f["severity"]) for f in mine] == [("analysis_ungrounded_url", "blocking")]
    assert "github.com/invented/motion3to4" in mine[0]["detail"]


def test_english_analysis_in_a_chinese_digest_is_flagged(seed_text: str) -> None:
    english = "\n\n".join(
        f"### {n}. {h}\n\n" + "The method reconstructs 3D motion from monocular video and lifts it to 4D. " * 3
        for n, h in enumerate(["Abstract", "Motivation", "Method design", "Comparison", "Experiments",
                               "Practical guide", "Summary"], start=1)
    )
    mutated = replace_analysis(seed_text, GOOD_ENTRY, english)
    mine = {f["check"] for f in findings_of(mutated) if f["paper_id"] == GOOD_ENTRY}
    assert "analysis_wrong_language" in mine


def test_summary_naming_an_absent_paper_is_flagged(seed_text: str) -> None:
    mutated = seed_text.replace("*   **“LightOnOCR”**", "*   **“DepthAnything-7”** 与 **“LightOnOCR”**", 1)
    assert mutated != seed_text
    unknown = [f for f in findings_of(mutated) if f["check"] == "summary_unknown_paper"]
    assert len(unknown) == 1 and "DepthAnything-7" in unknown[0]["detail"] and unknown[0]["paper_id"] == ""


def test_summary_with_a_wrong_date_is_flagged(seed_text: str) -> None:
    mutated = seed_text.replace("执行摘要：2026年1月20日", "执行摘要：2026年1月18日", 1)
    wrong = [f for f in findings_of(mutated) if f["check"] == "summary_wrong_date"]
    assert [(f["severity"], f["paper_id"]) for f in wrong] == [("blocking", "")]
    assert "2026年1月18日" in wrong[0]["detail"]


def test_key_finding_not_in_the_abstract_is_flagged(seed_text: str) -> None:
    mutated = seed_text.replace(
        "- Our method outperforms all alternatives, yielding semantically faithful and physically plausible "
        "alignments.",
        "- Our method outperforms all alternatives by 40 points on every benchmark.", 1)
    assert mutated != seed_text
    bad = [f for f in findings_of(mutated) if f["check"] == "key_finding_not_in_abstract"]
    assert [f["paper_id"] for f in bad] == ["2601.14207v1"]


def test_structural_damage_is_flagged(seed_text: str) -> None:
    broken = seed_text.replace("(#2601.14250v1)", "(#2601.99999v1)", 1)  # ToC anchor to nowhere
    broken = broken.replace("**Published:** 2026-01-20", "**Published:** 2025-12-01", 1)  # first entry only
    start = broken.index("<a id='2601.14188v1'></a>")
    broken = broken + "\n" + broken[start:]  # the last entry twice
    broken = broken.replace("Time: 20260121", "").replace("time: 20260121", "Time: 20260122")
    by_check = {(f["check"], f["paper_id"], f["severity"]) for f in findings_of(broken)}
    assert ("toc_anchor_unresolved", "2601.99999v1", "blocking") in by_check
    assert ("toc_missing_paper", "2601.14250v1", "warning") in by_check
    assert ("published_outside_window", "2601.13705v1", "warning") in by_check
    assert ("duplicate_paper", "2601.14188v1", "blocking") in by_check
    assert ("digest_date_mismatch", "", "blocking") in by_check


def test_missing_sections_of_an_entry_are_flagged(seed_text: str) -> None:
    start = seed_text.index("<a id='2601.14253v1'></a>")
    end = seed_text.index("<a id='2601.14251v1'></a>")
    entry = seed_text[start:end]
    cut = re.sub(r"\*\*Key Findings:\*\*.*?(?=\*\*Links:\*\*)", "", entry, flags=re.DOTALL)
    cut = cut.replace("**Categories:** cs.CV\n", "")
    damaged = seed_text[:start] + cut + seed_text[end:]
    missing = {f["detail"] for f in findings_of(damaged)
               if f["check"] == "paper_section_missing" and f["paper_id"] == GOOD_ENTRY}
    assert missing == {"the entry has no key_findings section", "the entry has no categories section"}


# -- with the store ------------------------------------------------------------------------------------------------


def _store_with_huvr(tmp_path: Path, links: list[str]) -> Store:
    store = Store.open(tmp_path / "d.duckdb")
    moment = datetime(2026, 1, 20, 12, tzinfo=UTC)
    store.upsert_papers([Paper("2601.14256", 1, "Implicit Neural Representation", ("A",), ("cs.CV",), "cs.CV",
                               moment, moment, "The code is available at https://github.com/tiktok/huvr.")])
    store.upsert_pdf(PdfFile("2601.14256", 1, "ok", sha256="huvr-sha", pages=20))
    store.save_links("huvr-sha", [Link(url, True, False, "text", 3) for url in links])
    return store


def test_store_links_from_the_pdf_ground_a_link_the_abstract_lacks(seed_text: str, tmp_path: Path) -> None:
    store = _store_with_huvr(tmp_path, ["https://github.com/facebookresearch/dinov3"])
    try:
        report = check_digest_file(SEED, store)
    finally:
        store.close()
    assert not [f for f in report["findings"] if f["paper_id"] == "2601.14256v1"]
    assert {f["paper_id"] for f in report["findings"]} == SEED_REFUSALS


def test_with_the_store_any_link_outside_the_pdf_is_blocking(seed_text: str, tmp_path: Path) -> None:
    analysis = entry_analysis(seed_text, "2601.14256v1").replace("https://github.com/facebookresearch/dinov3",
                                                                 "https://github.com/tiktok/huvr")
    mutated = replace_analysis(seed_text, "2601.14256v1", analysis + "\n\n数据集：https://data.example.org/in1k 。")
    without_store = [f for f in check_digest_text(mutated)["findings"] if f["paper_id"] == "2601.14256v1"]
    assert [(f["check"], f["severity"]) for f in without_store] == [("analysis_ungrounded_url", "warning")]
    store = _store_with_huvr(tmp_path, ["https://github.com/tiktok/huvr"])
    try:
        with_store = [f for f in check_digest_text(mutated, store=store)["findings"]
                      if f["paper_id"] == "2601.14256v1"]
    finally:
        store.close()
    assert [(f["check"], f["severity"]) for f in with_store] == [("analysis_ungrounded_url", "blocking")]
    assert "the abstract or the paper's links" in with_store[0]["detail"]


# -- report --------------------------------------------------------------------------------------------------------


def test_plain_text_table_lists_every_finding(seed_text: str) -> None:
    report = check_digest_file(SEED)
    table = render_findings_table(report)
    lines = table.splitlines()
    assert lines[0].endswith("10 papers, 5 findings (5 blocking, 0 warning)")
    for finding in report["findings"]:
        assert any(finding["paper_id"] in line and finding["check"] in line for line in lines)
    assert "dinov3" in table


def test_clean_report_says_so() -> None:
    report = {"file": "x.md", "papers": 0, "findings": []}
    assert render_findings_table(report) == "x.md: 0 papers, 0 findings (0 blocking, 0 warning)\nno problems found"
    assert not has_blocking(report)


def test_check_digest_accepts_a_parsed_digest_directly(seed_text: str) -> None:
    findings = check_digest(parse_digest(seed_text), language="zh")
    assert {f.paper_id for f in findings if f.check == "analysis_refusal"} == SEED_REFUSALS


# -- our own publisher's output ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_digest_written_by_our_publisher_passes_the_audit(language: str) -> None:
    from arxiv_digest.analysis.extractive import AnalysisInput, extractive_analysis
    from arxiv_digest.analysis.summary import extractive_summary
    from arxiv_digest.publish.markdown import render_markdown
    from quality.gate import withheld
    from schemas.records import QualityResult

    day = date(2026, 1, 21)
    moment = datetime(2026, 1, 20, 9, tzinfo=UTC)
    abstracts = [
        "We propose FastSeg, a segmentation model. It improves mIoU by 3.1% on ADE20K. Code: "
        "https://github.com/example/fastseg.",
        "Existing trackers fail under occlusion. We introduce OccTrack, which reasons about hidden objects. "
        "Our experiments show state-of-the-art results on MOT17.",
        "We study *escaping* in titles [sic] and <tags>. We present a benchmark of 1,000 images.",
    ]
    papers = [Paper(f"2601.0000{i}", 1, f"Paper {i}: A [Study] of *Things*", ("Ann", "Bo"), ("cs.CV",), "cs.CV",
                    moment, moment, abstract) for i, abstract in enumerate(abstracts, start=1)]
    analyses = {p.versioned_id: extractive_analysis(AnalysisInput(p, (), (), "no PDF"), language) for p in papers}
    last = papers[-1].versioned_id
    analyses[last] = withheld(analyses[last], [QualityResult("analyses", "analysis_not_refusal", "blocking", False,
                                                             papers[-1].arxiv_id, "asks for the paper")])
    summary = extractive_summary(day, "cs.CV", papers, analyses, language)
    markdown = render_markdown(DigestView(day, "cs.CV", papers, analyses, summary, language))
    report = check_digest_text(markdown)
    assert report["papers"] == 3
    assert report["findings"] == []
