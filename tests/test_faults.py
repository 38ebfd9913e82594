"""The fault suite: runs killed with SIGKILL (mid-download, mid-analysis), two runs of one day at once, a model
that times out, rate-limits, refuses, answers nothing or invents links, and PDFs that are huge, endless,
encrypted or corrupt, each through the whole flow."""

from __future__ import annotations

import json
import signal
from datetime import date
from pathlib import Path

import fault_scenarios
import pytest

from arxiv_digest.store import Store


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")  # for the uninterrupted reference run the rows are compared with
def test_sigkill_during_downloads_then_rerun_loses_nothing(tmp_path: Path) -> None:
    result = fault_scenarios.sigkill_during_download(tmp_path)
    details = result.details
    assert result.faults == {"sigkill_during_download": 1, "pdf_hang": 1}
    assert details["after_kill"]["pdf_requests"] >= 2
    assert not details["after_kill"]["published"], "nothing is published by a killed run"
    text = details["outputs"].markdown
    assert text.count("<a id='") == 4 and result.papers_lost == 0
    assert "Analysis unavailable" not in text
    counts = details["row_counts"]
    assert counts["papers"] == 4 and counts["pdf_files"] == 4 and counts["digest_papers"] == 4
    assert result.duplicate_rows == 0 and details["missing_rows"] == {}, details["extra_rows"]
    pdf_dir = details["data_dir"] / "pdfs"
    assert sorted(p.suffix for p in pdf_dir.iterdir()) == [".pdf"] * 4, "no partial file survives"
    assert result.partial_files_published == 0


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_two_runs_of_the_same_day_at_once_take_turns(tmp_path: Path) -> None:
    result = fault_scenarios.two_runs_at_once(tmp_path)
    details = result.details
    assert details["returncodes"] == [0, 0], details["stderr"]
    counts = details["row_counts"]
    assert counts["papers"] == 4 and counts["pdf_files"] == 4 and counts["analyses"] == 4
    assert details["run"] == ("completed", 2)
    assert details["max_pdf_attempts"] == 1, "the second run downloaded nothing"
    assert result.papers_lost == 0 and result.partial_files_published == 0
    assert result.duplicate_rows == 0 and details["missing_rows"] == {}, details["extra_rows"]


def test_the_fault_measures_see_what_they_count(tmp_path: Path) -> None:
    """The counts the fault suite reports must be able to come out non-zero: each measure on a planted case."""
    out = tmp_path / "out" / "cs.CV"
    out.mkdir(parents=True)
    (out / "2026-01-21.md").write_text(
        "# Digest\n\n## Papers\n\n<a id='2601.1v1'></a>\n## [One](x)\n\n" + fault_scenarios.ZH_REFUSAL
        + "\n\n<a id='2601.2v1'></a>\n## [Two](x)\n\n<script>alert(1)</script>\n", encoding="utf-8")
    (out / "2026-01-21.html").write_text(
        '<html><article id="2601.1v1">see https://github.com/invented-org/x</article>'
        '<article id="2601.2v1"><img src=x onerror=alert(1)></article>', encoding="utf-8")  # cut short
    (out / "2026-01-21.json").write_text(json.dumps({"summary": "", "papers": [
        {"id": "2601.1v1", "analysis": {"content": "I'm sorry, but I cannot help with that."}}]}), encoding="utf-8")
    (out / ".2026-01-21.md.x1.tmp").write_text("half", encoding="utf-8")
    (out / ".listing.lock").touch()  # a lock file is not an output
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / ".download-abc.part").write_bytes(b"%PDF-")
    outputs = fault_scenarios.read_outputs(tmp_path)
    assert outputs is not None
    assert fault_scenarios.papers_lost(["2601.1v1", "2601.2v1", "2601.3v1"], outputs) == 2
    assert fault_scenarios.refusals_published(outputs) == 2  # the planted sentence, and the flagged JSON analysis
    assert fault_scenarios.leaked(outputs, ["invented-org"]) == 1
    assert fault_scenarios.partial_files(tmp_path) == ["out/cs.CV/.2026-01-21.md.x1.tmp", "out/cs.CV/2026-01-21.html",
                                                       "pdfs/.download-abc.part"]
    assert fault_scenarios.hostile_markup_in(outputs, "2601.2v1")
    assert not fault_scenarios.hostile_markup_in(outputs, "2601.1v1")


def test_the_fault_inputs_are_what_they_claim() -> None:
    import pymupdf
    from fake_arxiv import StreamedPdf

    body = StreamedPdf(5 * 2**20 + 123, chunk_bytes=2**20)
    chunks = list(body.chunks())
    assert sum(map(len, chunks)) == body.size and chunks[0].startswith(b"%PDF-") and max(map(len, chunks)) == 2**20
    doc = pymupdf.open(stream=fault_scenarios.many_page_pdf(40), filetype="pdf")
    try:
        assert doc.page_count == 40 and not doc.is_repaired and "2 Method" in doc[2].get_text()
    finally:
        doc.close()


@pytest.fixture(scope="session")
def pdf_of_3000_pages(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("big-pdfs") / "3000-pages.pdf"
    if not path.is_file():
        path.write_bytes(fault_scenarios.many_page_pdf(3000))
    return path.read_bytes()


def _analysis_reasons(paper: dict[str, object]) -> str:
    """Everything the store says about why a paper's analysis is what it is."""
    attempts = " | ".join(f"{status}: {reason}" for status, reason in paper["attempts"])  # type: ignore[attr-defined]
    return f"{paper['steps'].get('analyze', ('', ''))[1]} | {attempts}"  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_model_faults_never_reach_the_digest_and_no_paper_is_lost(tmp_path: Path) -> None:
    result = fault_scenarios.model_faults(tmp_path)
    plan, papers, outputs = result.details["plan"], result.details["papers"], result.details["outputs"]
    by_behaviour = {behaviour: pid for pid, behaviour in plan.items()}
    assert outputs is not None, "the day was published"

    # Every fault kind was really served by the fake model.
    assert set(result.faults) >= {"model_timeout", "model_429", "model_503", "refusal", "empty_answer",
                                  "invented_link", "hostile_answer", "summary_refusal"}, result.faults
    # Nothing of it is published, and every paper is, in all three formats.
    assert result.papers_lost == 0 and sorted(outputs.published_everywhere()) == sorted(plan)
    assert result.refusals_published == 0
    assert result.invented_links_published == 0
    assert result.outputs_changed == 0, "the model's markup stays inert in markdown and HTML"
    assert result.partial_files_published == 0
    for pid in plan:
        analysis = outputs.json_paper(pid)["analysis"]
        assert analysis is not None and analysis["content"].strip(), f"{pid} has an analysis in the JSON"
        assert "**Analysis:**\n\n> Analysis unavailable" not in outputs.entry(pid)

    # Transient faults are retried until the model's answer is used.
    for behaviour in ("answers", "timeout_once", "rate_limited_once", "refuses_once", "hostile_markup"):
        paper = papers[by_behaviour[behaviour]]
        assert (paper["analyzer"], paper["analysis_kind"]) == ("llm:fake-model", "method"), (behaviour, paper)
        assert "方法设计详解" in outputs.entry(by_behaviour[behaviour])
    assert result.details["requests"][by_behaviour["timeout_once"]] == 2
    assert any("timed out" in reason for status, reason in papers[by_behaviour["timeout_once"]]["attempts"]
               if status == "error")
    gap = result.details["request_gaps"][by_behaviour["rate_limited_once"]][0]
    assert gap >= fault_scenarios.RETRY_AFTER_SECONDS - 0.05, f"Retry-After honoured: asked again after {gap}s"

    # Persistent faults end in the extractive analysis, labelled as such, with the reason in the store.
    expected_reason = {
        "timeout_always": "timed out",
        "unavailable_always": "HTTP 503",
        "refuses_zh": "analysis_refusal",
        "refuses_en": "analysis_refusal",
        "empty": "content is empty",
        "invents_link": "analysis_ungrounded_url",
        "refuses_abstract_only": "analysis_refusal",
    }
    for behaviour, reason in expected_reason.items():
        pid = by_behaviour[behaviour]
        paper = papers[pid]
        assert paper["analyzer"] == "extractive-fallback", (behaviour, paper["analyzer"])
        assert paper["steps"]["analyze"][0] == "fallback", (behaviour, paper["steps"])
        assert reason in _analysis_reasons(paper), (behaviour, _analysis_reasons(paper))
        assert "抽取式分析" in outputs.entry(pid), f"{behaviour}: the fallback is marked as extractive"
        assert "Fallback after the model's" in outputs.entry(pid), f"{behaviour}: and as a fallback, not offline"
    assert papers[by_behaviour["refuses_abstract_only"]]["analysis_kind"] == "abstract"
    assert "摘要分析" in outputs.entry(by_behaviour["refuses_abstract_only"])
    # An unreachable model is not asked a second prompt; a refusing one is asked twice per prompt, no more.
    assert result.details["requests"][by_behaviour["timeout_always"]] == 3
    assert result.details["requests"][by_behaviour["unavailable_always"]] == 3
    assert result.details["requests"][by_behaviour["refuses_zh"]] == 4
    assert result.details["requests"][by_behaviour["refuses_abstract_only"]] == 2

    # The refused summary was replaced; `arxiv-digest check` finds nothing blocking in what was published.
    label, summary = json.loads(outputs.json_text)["summary"].split("\n\n", 1)
    assert summary.startswith("*抽取式摘要"), "the refused summary was replaced"
    assert "Fallback after the model's answers were rejected (summary_refusal)" in label
    from arxiv_digest.checks.digest_file import check_digest_file, has_blocking

    store = Store.open(fault_scenarios.db_file(result.details["data_dir"]))
    try:
        report = check_digest_file(fault_scenarios.day_files(result.details["data_dir"])["md"], store)
    finally:
        store.close()
    assert not has_blocking(report), report["findings"]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_sigkill_during_analysis_then_rerun_repeats_no_model_call(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    result = fault_scenarios.sigkill_during_analysis(tmp_path, prefect_api_url=PREFECT_API_URL.value())
    details = result.details
    killed = details["after_kill"]
    assert result.faults["sigkill_during_analysis"] == 1 and killed["returncode"] == -signal.SIGKILL
    stored = details["stored_before_kill"]
    assert 0 < len(stored) < result.papers_expected, f"killed with some but not all analyses stored: {stored}"
    assert not killed["published"], "a killed run publishes nothing"

    assert result.repeated_model_calls == 0, {pid: details["calls_in_rerun"][pid] for pid in stored}
    unfinished = [pid for pid in details["calls_in_rerun"] if pid not in stored]
    assert all(details["calls_in_rerun"][pid] >= 1 for pid in unfinished), "the rest are analysed in the rerun"
    assert result.papers_lost == 0
    assert result.duplicate_rows == 0, details["extra_rows"]
    assert details["missing_rows"] == {}, "the same rows as a run that was never killed"
    assert details["row_counts"]["papers"] == details["row_counts"]["analyses"] == result.papers_expected
    assert result.partial_files_published == 0, killed["partial_files"]
    outputs = details["outputs"]
    for pid in details["calls_in_rerun"]:
        assert details["papers"][pid]["analyzer"] == "llm:fake-model"
        assert "方法设计详解" in outputs.entry(pid)
    out = details["data_dir"] / "out" / "cs.CV"
    assert {"2026-01-21.html", "2026-01-21.json", "2026-01-21.md", "feed.atom", "index.html"} <= \
        {p.name for p in out.iterdir()}
    assert not [p for p in details["data_dir"].rglob("*") if p.name.endswith((".tmp", ".part"))]


@pytest.mark.usefixtures("prefect_harness")
def test_a_200_mb_pdf_is_stopped_at_the_size_cap_and_the_day_is_published(tmp_path: Path) -> None:
    result = fault_scenarios.oversized_pdfs(tmp_path)  # 200 MB bodies against the default 50 MB cap
    details = result.details
    cap = 50_000_000
    assert result.faults == {"pdf_200mb_with_length": 1, "pdf_200mb_without_length": 1}, "final, not retried"
    sent = details["bytes_sent"]
    assert not any(details["completed"].values())
    assert sent[details["declared"]] < cap, "a declared 200 MB body is refused before it is read"
    assert cap <= sent[details["undeclared"]] < cap + 32 * 2**20, "reading stops at the cap"
    assert details["rss_growth_mib"] < 120, "the body is streamed to disk, never held in memory"
    assert result.seconds < 60

    papers, outputs = details["papers"], details["outputs"]
    for pid in (details["declared"], details["undeclared"]):
        assert papers[pid]["pdf_status"] == "failed" and "pdf_max_bytes" in papers[pid]["pdf_error"]
        assert papers[pid]["steps"]["download"][0] == "failed"
        assert papers[pid]["analysis_kind"] == "abstract"
        entry = outputs.entry(pid)
        assert "摘要分析" in entry and "PDF download failed" in entry and "pdf_max_bytes" in entry
    others = [pid for pid in papers if pid not in (details["declared"], details["undeclared"])]
    for pid in others:
        assert papers[pid]["analysis_kind"] == "method"
    assert len(details["pdf_files_on_disk"]) == len(others), "no file is kept for the refused PDFs"
    assert result.papers_lost == 0 and result.partial_files_published == 0


@pytest.mark.usefixtures("prefect_harness")
def test_a_3000_page_pdf_is_read_up_to_the_page_cap_in_bounded_time(tmp_path: Path, pdf_of_3000_pages: bytes) -> None:
    result = fault_scenarios.thousand_pages(tmp_path, pdf_of_3000_pages, variant="page_cap")
    details = result.details
    paper = details["papers"][details["big"]]
    assert details["pdf_pages"] == 3000 and result.faults == {"pdf_thousands_of_pages_page_cap": 1}
    assert paper["extraction_status"] == "ok" and paper["pages"] == 3000, "the real length is recorded"
    assert paper["page_texts"] == details["page_cap"] == 300, "only the capped pages are read and stored"
    assert (paper["analyzer"], paper["analysis_kind"]) == ("llm:fake-model", "method"), "analysed from what was read"
    assert details["prompt_tokens"] and max(details["prompt_tokens"]) <= details["token_budget"]
    assert details["extract_ms"][0][0] < 30_000
    # Capped, the run grows by ~50-80 MiB; reading all 3000 pages costs ~7 s and ~290 MiB more.
    assert result.seconds < 60 and details["rss_growth_mib"] < 200
    assert result.papers_lost == 0 and result.partial_files_published == 0


@pytest.mark.usefixtures("prefect_harness")
def test_a_3000_page_pdf_stopped_by_the_time_cap_falls_back_cleanly(tmp_path: Path, pdf_of_3000_pages: bytes) -> None:
    result = fault_scenarios.thousand_pages(tmp_path, pdf_of_3000_pages, variant="time_cap")
    details = result.details
    paper = details["papers"][details["big"]]
    assert paper["extraction_status"] == "failed" and "time cap" in paper["extraction_error"]
    assert paper["page_texts"] == 0
    assert paper["analysis_kind"] == "abstract"
    assert "摘要分析" in details["outputs"].entry(details["big"])
    assert "extract_time_cap_seconds" in details["outputs"].entry(details["big"])
    assert result.seconds < 60 and details["rss_growth_mib"] < 200
    assert result.papers_lost == 0 and result.partial_files_published == 0


@pytest.mark.usefixtures("prefect_harness")
def test_corrupt_and_encrypted_pdfs_fall_back_with_the_reason_in_store_and_audit(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from arxiv_digest.cli import app

    result = fault_scenarios.unreadable_pdfs(tmp_path)
    details = result.details
    papers, outputs = details["papers"], details["outputs"]
    assert result.faults == {"pdf_encrypted": 1, "pdf_corrupt": 1, "pdf_truncated": 1}, "downloaded once each"
    words = {"pdf_encrypted": "encrypted", "pdf_corrupt": "corrupt PDF", "pdf_truncated": "truncated PDF"}
    for pid, kind in details["bad"].items():
        paper = papers[pid]
        assert paper["pdf_status"] == "ok", "the bytes arrived whole"
        assert paper["extraction_status"] == "failed" and words[kind] in paper["extraction_error"], paper
        assert paper["steps"]["extract"][0] == "failed" and words[kind] in paper["steps"]["extract"][1]
        assert paper["analysis_kind"] == "abstract"
        entry = outputs.entry(pid)
        assert "摘要分析" in entry and "text extraction failed" in entry and words[kind] in entry
    assert papers[details["good"]]["analysis_kind"] == "method"
    assert result.papers_lost == 0 and result.partial_files_published == 0

    since = date.today().isoformat()
    audit = CliRunner().invoke(app, ["audit", "--since", since, "--json", "--data-dir", str(details["data_dir"])])
    assert audit.exit_code == 0, audit.output
    report = json.loads(audit.output)
    failed_extracts = {r["paper_id"]: r for r in report["runs"] if r["step"] == "extract" and r["paper_id"] in
                       details["bad"]}
    assert set(failed_extracts) == set(details["bad"])
    for pid, kind in details["bad"].items():
        assert failed_extracts[pid]["store_status"] == "failed"
        assert words[kind] in failed_extracts[pid]["message"]
    assert any(day["date"] == "2026-01-21" and "extract" in day["why"] for day in report["days_needing_attention"])


def test_segmenting_after_a_restart_reads_the_pages_extraction_read(tmp_path: Path, pdf_of_3000_pages: bytes) -> None:
    """A run killed between extract and segment: the rerun's segment step reads the PDF again in a new process.

    It must read the pages the stored extraction holds (pdf_page_cap), not a default of its own: sections and
    links from pages the stored text lacks would differ from what an uninterrupted run produces.
    """
    import hashlib

    from arxiv_digest.pdf.layout import EXTRACTOR_VERSION
    from arxiv_digest.pdf.links import find_links
    from arxiv_digest.pdf.reading import read_paper
    from arxiv_digest.pdf.sections import segment_sections

    sha = hashlib.sha256(pdf_of_3000_pages).hexdigest()
    # An uninterrupted run reads text, sections and links in one pass over the PDF (the extract step).
    uninterrupted = read_paper(pdf_of_3000_pages, sha256=sha, page_cap=40, time_cap_seconds=60)
    store = Store.open(tmp_path / "digest.duckdb")
    try:
        store.save_extraction(uninterrupted.extraction, EXTRACTOR_VERSION)
        stored = store.extraction(sha)
    finally:
        store.close()
    assert stored is not None and stored.pages == 3000 and len(stored.page_texts) == 40
    # After a restart the segment step reads the PDF again, from the stored extraction alone.
    after_restart = [(s.title, s.page) for s in segment_sections(pdf_of_3000_pages, stored)]
    assert max(page for _, page in after_restart) <= 40, after_restart
    assert after_restart == [(s.title, s.page) for s in uninterrupted.sections]
    assert find_links(pdf_of_3000_pages, stored) == list(uninterrupted.links)
