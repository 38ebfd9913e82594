"""PDF download against the fake arXiv: atomic, checked, capped, retried, never repeated."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from fake_arxiv import FakeArxiv
from test_arxiv_client import settings_for

from arxiv_digest.catalog.client import make_http_client, retry_policy
from arxiv_digest.catalog.download import download_pdf
from arxiv_digest.catalog.sample_day import PAPERS, build_pdf
from arxiv_digest.errors import HttpGiveUp, PdfDownloadError
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.steps.download import download_paper
from arxiv_digest.store import Store
from schemas.records import PdfFile

PDF = build_pdf(PAPERS[0])


def _download(server: FakeArxiv, pdf_dir: Path, **changes: object) -> object:
    settings = settings_for(server, **changes)
    with make_http_client(settings) as http:
        return download_pdf(http, f"{server.pdf_url}/2601.99001v1", pdf_dir, max_bytes=settings.pdf_max_bytes,
                            policy=retry_policy(settings))


def _leftovers(pdf_dir: Path) -> list[str]:
    return sorted(p.name for p in pdf_dir.iterdir()) if pdf_dir.exists() else []


def test_pdf_is_stored_under_its_sha256(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        server.state.pdfs["2601.99001v1"] = PDF
        got = _download(server, tmp_path)
    sha = hashlib.sha256(PDF).hexdigest()
    assert got.sha256 == sha and got.bytes == len(PDF)
    assert got.path == tmp_path / f"{sha}.pdf"
    assert got.path.read_bytes() == PDF
    assert _leftovers(tmp_path) == [f"{sha}.pdf"]


def test_html_instead_of_pdf_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        server.state.pdfs["2601.99001v1"] = PDF
        server.fault("pdf", ("html",))
        with pytest.raises(PdfDownloadError, match=r"did not return a PDF \(text/html"):
            _download(server, tmp_path)
    assert _leftovers(tmp_path) == []


def test_a_body_cut_short_is_retried_and_the_partial_file_discarded(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        server.state.pdfs["2601.99001v1"] = PDF
        server.fault("pdf", ("truncate", 500))
        got = _download(server, tmp_path)
        assert len(server.requests_to("pdf")) == 2
    assert got.path.read_bytes() == PDF
    assert len(_leftovers(tmp_path)) == 1


def test_size_cap_stops_the_download(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        server.state.pdfs["2601.99001v1"] = PDF
        with pytest.raises(PdfDownloadError, match="over the 1,000-byte cap"):
            _download(server, tmp_path, pdf_max_bytes=1000)
    assert _leftovers(tmp_path) == []


def test_missing_pdf_is_final_and_not_retried(tmp_path: Path) -> None:
    with FakeArxiv() as server, pytest.raises(PdfDownloadError, match="HTTP 404"):
        _download(server, tmp_path)


def test_429_and_503_are_retried(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        server.state.pdfs["2601.99001v1"] = PDF
        server.fault("pdf", ("status", 429, {"Retry-After": "0"}), ("status", 503))
        got = _download(server, tmp_path)
        assert len(server.requests_to("pdf")) == 3
    assert got.bytes == len(PDF)


def test_persistent_failure_gives_up(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        server.fault("pdf", *[("status", 503)] * 3)
        with pytest.raises(HttpGiveUp):
            _download(server, tmp_path, http_max_attempts=3)


def test_task_never_fetches_a_paper_version_already_on_disk(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        server.state.pdfs["2601.99001v1"] = PDF
        settings = settings_for(server).replace(data_dir=str(tmp_path))
        assert download_paper(Runtime(settings), "2601.99001", 1) == "downloaded"
        assert download_paper(Runtime(settings), "2601.99001", 1) == "cached"
        assert len(server.requests_to("pdf")) == 1
    store = open_store(settings.db_path)
    pdf = store.pdf("2601.99001", 1)
    assert pdf is not None and pdf.status == "ok" and Path(pdf.path).is_file()


def test_task_records_a_failed_download_for_the_audit(tmp_path: Path) -> None:
    with FakeArxiv() as server:
        settings = settings_for(server).replace(data_dir=str(tmp_path))
        with pytest.raises(PdfDownloadError):
            download_paper(Runtime(settings), "2601.99001", 1)
    store = Store.open(None)
    del store
    store = open_store(settings.db_path)
    pdf = store.pdf("2601.99001", 1)
    assert pdf == PdfFile("2601.99001", 1, "failed", error=pdf.error) and "HTTP 404" in (pdf.error or "")


def test_partials_of_a_killed_download_are_removed_before_the_next(tmp_path: Path) -> None:
    from arxiv_digest.catalog.download import remove_stale_partials

    (tmp_path / ".download-abc.part").write_bytes(b"%PDF-1.7 half")
    (tmp_path / "keep.pdf").write_bytes(b"%PDF-1.7")
    assert remove_stale_partials(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pdf"]
    assert remove_stale_partials(tmp_path / "missing") == 0


def test_partials_of_live_processes_and_other_hosts_are_left_alone(tmp_path: Path) -> None:
    import subprocess
    import sys

    from arxiv_digest.catalog.download import partial_prefix, remove_stale_partials

    finished = subprocess.run([sys.executable, "-c", "pass"], check=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert finished.returncode == 0
    mine = tmp_path / f"{partial_prefix()}abc.part"  # this process between downloads: killed midway earlier
    of_the_dead = tmp_path / f"{partial_prefix(dead.pid)}def.part"
    of_a_live_worker = tmp_path / f"{partial_prefix(os.getppid())}ghi.part"
    of_another_host = tmp_path / ".download-elsewhere.example-1-jkl.part"
    legacy = tmp_path / ".download-mno.part"
    for path in (mine, of_the_dead, of_a_live_worker, of_another_host, legacy):
        path.write_bytes(b"%PDF-1.7 half")
    assert remove_stale_partials(tmp_path) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([of_a_live_worker.name, of_another_host.name])
