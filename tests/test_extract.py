"""Text extraction: reading order, cleaning, bad input, the CLI report and the Prefect task wrapper."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pdf_factory
import pytest

from arxiv_digest.errors import PdfExtractionError
from arxiv_digest.pdf.layout import EXTRACTOR_VERSION, PdfInputError, extract_document, join_lines
from arxiv_digest.pdf.reading import ReadingPool, extract_report
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.settings import Settings
from arxiv_digest.steps.pdf import extract_paper, segment_paper
from arxiv_digest.store import Store
from schemas.records import PdfFile

CORPUS_PDFS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pdfs"


def _extract(data: bytes, **caps: float):
    return extract_document(
        data,
        sha256=hashlib.sha256(data).hexdigest(),
        page_cap=int(caps.get("page_cap", 300)),
        time_cap_seconds=caps.get("time_cap_seconds", 30.0),
    )


# -- pure text repair ----------------------------------------------------------------------------------------


def test_line_end_hyphenation_is_undone_but_real_hyphens_stay() -> None:
    assert join_lines(["good repre-", "sentation of data"]) == "good representation of data"
    assert join_lines(["a state-of-the-art model"]) == "a state-of-the-art model"
    assert join_lines(["the state-of-the-", "art model"]) == "the state-of-the-art model"
    assert join_lines(["an RGB-", "D camera"]) == "an RGB-D camera"


def test_ligatures_are_spelled_out() -> None:
    joined = join_lines(["the \ufb01lter and \ufb02ow of \ufb03ce \ufb04e \ufb00ect"])
    assert joined == "the filter and flow of ffice ffle ffect"


def test_url_broken_after_a_slash_is_joined_without_a_space() -> None:
    assert join_lines(["code at https://github.com/openai/", "improved_gan now"]) == (
        "code at https://github.com/openai/improved_gan now"
    )


# -- generated PDFs ------------------------------------------------------------------------------------------


def test_running_headers_and_page_numbers_are_dropped_and_text_kept() -> None:
    extraction = _extract(pdf_factory.single_column_paper())
    assert extraction.status == "ok" and extraction.has_text_layer
    assert extraction.pages == 3 and [p.page for p in extraction.page_texts] == [1, 2, 3]
    for page in extraction.page_texts:
        assert "Preprint under review" not in page.text
        assert not any(line.strip() == str(page.page) for line in page.text.splitlines())
    first = extraction.page_texts[0].text
    assert "good representations and state-of-the-art models" in first
    assert extraction.text_chars == sum(len(p.text) for p in extraction.page_texts)


def test_captions_are_marked_even_when_glued_to_a_paragraph() -> None:
    extraction = _extract(pdf_factory.single_column_paper())
    text = "\n\n".join(p.text for p in extraction.page_texts)
    assert "[caption] Figure 1: The grid of features used by GridNet." in text
    assert "[caption] Table 2. Accuracy of all methods on the benchmark." in text
    assert "[caption] Deep networks" not in text


def test_two_columns_are_read_left_then_right_and_review_line_numbers_dropped() -> None:
    text = _extract(pdf_factory.two_column_page()).page_texts[0].text
    assert text.startswith("A Two Column Paper About Columns")
    left_last = text.index("left column sentence 30")
    right_first = text.index("right column sentence 1 ")
    assert left_last < right_first
    assert text.index("1 Introduction") < text.index("left column sentence 1 ") < text.index("2 Related Work")
    assert "000" not in text and "041" not in text


def test_rotated_page_text_is_extracted() -> None:
    extraction = _extract(pdf_factory.rotated_page())
    assert extraction.status == "ok"
    assert "1 Introduction" in extraction.page_texts[0].text


def test_image_only_pdf_is_no_text_layer_not_a_crash() -> None:
    extraction = _extract(pdf_factory.image_only_pdf())
    assert extraction.status == "no_text_layer"
    assert extraction.has_text_layer is False
    assert extraction.pages == 1


def test_page_cap_bounds_the_pages_read() -> None:
    extraction = _extract(pdf_factory.single_column_paper(), page_cap=2)
    assert extraction.pages == 3  # the document's real length is still reported
    assert [p.page for p in extraction.page_texts] == [1, 2]


def test_time_cap_stops_extraction() -> None:
    with pytest.raises(PdfInputError) as caught:
        _extract(pdf_factory.single_column_paper(), time_cap_seconds=-1.0)
    assert caught.value.kind == "timeout"


@pytest.mark.parametrize(
    ("make", "kind", "words"),
    [
        (lambda: pdf_factory.encrypted_pdf(), "encrypted", "password"),
        (lambda: pdf_factory.single_column_paper()[:-300], "corrupt", "truncated"),
        (lambda: pdf_factory.single_column_paper()[:400], "corrupt", "corrupt"),
        (lambda: b"<html><body>Not found</body></html>", "not_pdf", "not a PDF"),
        (lambda: b"", "empty", "empty"),
        (lambda: pdf_factory.zero_page_pdf(), "empty", "zero pages"),
    ],
    ids=["encrypted", "truncated", "cut-short", "html", "zero-bytes", "zero-pages"],
)
def test_bad_input_raises_a_typed_error_with_a_clear_message(make, kind: str, words: str) -> None:
    with pytest.raises(PdfExtractionError) as caught:
        _extract(make())
    assert isinstance(caught.value, PdfInputError)
    assert caught.value.kind == kind
    assert words.lower() in str(caught.value).lower()


# -- the CLI report --------------------------------------------------------------------------------------------


def test_report_of_a_good_pdf_has_the_contract_keys(tmp_path: Path) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf_factory.single_column_paper())
    report, code = extract_report(path)
    assert code == 0
    assert set(report) == {"pages", "text_chars", "has_text_layer", "sections", "code_urls", "own_artifacts", "urls",
                           "elapsed_ms"}
    assert report["pages"] == 3 and report["has_text_layer"] is True and report["text_chars"] > 1000
    assert [s["norm"] for s in report["sections"]] == [
        "abstract", "introduction", "method", "method", "experiments", "conclusion", "references",
    ]
    assert all(set(s) == {"title", "norm", "page", "level", "chars"} for s in report["sections"])
    assert [s["level"] for s in report["sections"]] == [1, 1, 1, 2, 1, 1, 1]
    assert report["code_urls"] == ["https://github.com/example/GridNet"]
    assert report["own_artifacts"] == [{"url": "https://github.com/example/GridNet", "kind": "code"}]
    assert "https://github.com/other/toolkit" in report["urls"]
    assert isinstance(report["elapsed_ms"], float)


@pytest.mark.parametrize(
    ("content", "kind"),
    [(b"plain text, no PDF here", "not_pdf"), (None, "missing"), (b"", "empty")],
    ids=["not-pdf", "missing", "empty"],
)
def test_report_of_bad_input_is_an_error_object_with_exit_2(tmp_path: Path, content: bytes | None, kind: str) -> None:
    path = tmp_path / "bad.pdf"
    if content is not None:
        path.write_bytes(content)
    report, code = extract_report(path)
    assert code == 2
    assert report == {"error": report["error"], "kind": kind, "file": str(path)}
    assert report["error"]


def test_report_of_encrypted_pdf(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(pdf_factory.encrypted_pdf())
    report, code = extract_report(path)
    assert (code, report["kind"]) == (2, "encrypted")


# -- the Prefect task ----------------------------------------------------------------------------------------------


def _store_with_pdf(tmp_path: Path, data: bytes) -> tuple[Settings, Store, str]:
    settings = Settings(data_dir=tmp_path)
    store = open_store(settings.db_path)
    sha = hashlib.sha256(data).hexdigest()
    path = tmp_path / f"{sha}.pdf"
    path.write_bytes(data)
    store.upsert_pdf(PdfFile("2601.00001", 1, "ok", sha, str(path), len(data), None, None, datetime.now(UTC)))
    return settings, store, sha


def test_extract_task_saves_extraction_and_is_idempotent(tmp_path: Path) -> None:
    settings, store, sha = _store_with_pdf(tmp_path, pdf_factory.single_column_paper())
    assert extract_paper(Runtime(settings), "2601.00001", 1) == "ok"
    saved = store.extraction(sha)
    assert saved is not None and saved.status == "ok" and len(saved.page_texts) == 3
    assert store.extractor_of(sha) == EXTRACTOR_VERSION
    assert store.pdf("2601.00001", 1).pages == 3
    assert store.step_status("2601.00001", 1, "extract") == "ok"

    # A rerun reuses the stored extraction: with the PDF gone, reading it again would fail the task.
    Path(store.pdf("2601.00001", 1).path).unlink()
    assert extract_paper(Runtime(settings), "2601.00001", 1) == "ok"
    assert store.step_status("2601.00001", 1, "extract") == "ok"


def test_extract_task_records_failure_and_raises(tmp_path: Path) -> None:
    settings, store, sha = _store_with_pdf(tmp_path, pdf_factory.encrypted_pdf())
    with pytest.raises(PdfExtractionError):
        extract_paper(Runtime(settings), "2601.00001", 1)
    saved = store.extraction(sha)
    assert saved is not None and saved.status == "failed" and "password" in (saved.error or "")
    assert store.step_status("2601.00001", 1, "extract") == "failed"


def test_extract_task_skips_a_paper_without_pdf(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert extract_paper(Runtime(settings), "2601.00002", 1) == "skipped"
    assert open_store(settings.db_path).step_status("2601.00002", 1, "extract") == "skipped"


def test_extract_task_records_no_text_layer(tmp_path: Path) -> None:
    settings, store, sha = _store_with_pdf(tmp_path, pdf_factory.image_only_pdf())
    assert extract_paper(Runtime(settings), "2601.00001", 1) == "no_text_layer"
    assert store.step_status("2601.00001", 1, "extract") == "no_text_layer"
    assert store.extraction(sha).has_text_layer is False


def test_pool_reads_in_worker_processes_the_same_as_in_process(tmp_path: Path) -> None:
    data = pdf_factory.single_column_paper()
    results = {}
    for workers in (1, 2):
        settings, store, sha = _store_with_pdf(tmp_path / f"w{workers}", data)
        settings = replace(settings, extract_workers=workers)
        assert extract_paper(Runtime(settings), "2601.00001", 1) == "ok"
        # The segment step takes the sections and links that were read with the text (in the worker).
        assert segment_paper(Runtime(settings), "2601.00001", 1) > 0
        results[workers] = (
            [p.text for p in store.extraction(sha).page_texts],
            [(s.title, s.level, s.text) for s in store.sections(sha)],
            [(link.url, link.is_own) for link in store.links(sha)],
        )
    assert results[1] == results[2]
    assert ("2.1 Grid Construction", 2) in [(title, level) for title, level, _ in results[2][1]]


def test_pool_worker_failure_keeps_its_kind_and_is_recorded(tmp_path: Path) -> None:
    settings, store, _ = _store_with_pdf(tmp_path, pdf_factory.encrypted_pdf())
    with pytest.raises(PdfInputError) as raised:
        extract_paper(Runtime(replace(settings, extract_workers=2)), "2601.00001", 1)
    assert raised.value.kind == "encrypted"  # crossed the process boundary by pickle with its kind
    assert store.step_status("2601.00001", 1, "extract") == "failed"


def test_a_many_paper_day_is_read_by_as_many_worker_processes_as_the_setting_allows(tmp_path: Path) -> None:
    paths = []
    for n in range(8):
        path = tmp_path / f"p{n}.pdf"
        path.write_bytes(pdf_factory.single_column_paper() if n % 2 else pdf_factory.two_column_page())
        paths.append(path)
    pool = ReadingPool()
    try:
        one = pool.read_paper_files(paths, workers=1)
        two = pool.read_paper_files(paths, workers=2)
        assert [r.extraction.page_texts for r in one] == [r.extraction.page_texts for r in two]
        assert [r.sections for r in one] == [r.sections for r in two]
        executor = pool.executor(2)
        assert executor is not None and len(executor._processes) == 2  # bounded by extract_workers; no more
        assert pool.executor(1) is None  # one worker: read in the flow's own process
    finally:
        pool.shutdown()
    # The speed-up itself is measured by bench/extraction.py (a timing assertion would flake on shared cores).


def test_the_reading_processes_are_replaced_after_so_many_pdfs_and_none_is_lost(tmp_path: Path) -> None:
    pool = ReadingPool(recycle_after=3)
    paths = []
    for n in range(7):
        path = tmp_path / f"p{n}.pdf"
        path.write_bytes(pdf_factory.single_column_paper())
        paths.append(path)
    try:
        first = pool.executor(2)
        readings = pool.read_paper_files(paths, workers=2)  # 7 more tasks: the pool is replaced on the way
        assert len(readings) == 7 and all(r.extraction.pages >= 1 for r in readings)
        assert pool.executor(2) is not first
    finally:
        pool.shutdown()


# -- the real corpus ----------------------------------------------------------------------------------------------


def _corpus() -> list[Path]:
    if not CORPUS_PDFS.is_dir():
        pytest.skip(f"../shared corpus not present: {CORPUS_PDFS} is missing (it sits beside the repo in CI)")
    return sorted(CORPUS_PDFS.glob("*.pdf"))


def test_every_corpus_pdf_extracts_with_clean_text() -> None:
    for path in _corpus():
        extraction = _extract(path.read_bytes())
        assert extraction.status == "ok", path.name
        text = "\n".join(p.text for p in extraction.page_texts)
        assert extraction.text_chars > 1000 * extraction.pages * 0.5, path.name
        assert "\ufb01" not in text and "\ufb02" not in text, path.name
        # The rotated arXiv stamp in the left margin is not prose.
        assert f"arXiv:{path.stem}v" not in text, path.name
