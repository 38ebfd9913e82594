"""The reader's library as BibTeX (issue 26): escaped fields a BibTeX reader parses back, arXiv's eprint fields,
unique keys, and `arxiv-digest library export` over a real store and reader's file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import bibtexparser
from typer.testing import CliRunner

from arxiv_digest.bibtex import library_bibtex, parse_bibtex
from arxiv_digest.cli import app
from arxiv_digest.store import Store
from arxiv_digest.store.reader import ReaderStore, reader_path
from schemas.records import Paper

HOSTILE = "50% of {unbalanced braces & $math$ \\input{/etc/passwd} ~x^y #1_a} }"


def _paper(arxiv_id: str, title: str, authors: tuple[str, ...] = ("Bernhard Kerbl", "Georgios Kopanas"),
           version: int = 1, comment: str | None = None) -> Paper:
    moment = datetime(2023, 8, 8, tzinfo=UTC)
    return Paper(arxiv_id=arxiv_id, version=version, title=title, authors=authors, categories=("cs.CV", "cs.GR"),
                 primary_category="cs.CV", published=moment, updated=moment,
                 abstract="We splat {3D} Gaussians & render 100% in real time.", comment=comment)


def test_any_title_gives_entries_a_bibtex_reader_parses_back() -> None:
    papers = [_paper("2308.04079", "3D Gaussian Splatting for Real-Time Radiance Field Rendering", version=2,
                     comment="SIGGRAPH 2023"),
              _paper("2401.00001", HOSTILE, authors=("Ana {Evil} O'Neil", "Jo and Co")),
              _paper("2401.00002", "Gaussian Splatting Again")]
    text = library_bibtex(papers)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks and len(library.entries) == 3
    first = {field.key: field.value for field in library.entries[0].fields}
    assert library.entries[0].key == "kerbl2023gaussian"
    assert first["eprint"] == "2308.04079" and first["archivePrefix"] == "arXiv" and first["primaryClass"] == "cs.CV"
    assert first["url"] == "https://arxiv.org/abs/2308.04079v2" and first["note"] == "2308.04079v2; SIGGRAPH 2023"
    assert first["author"] == "Bernhard Kerbl and Georgios Kopanas"
    assert len({entry.key for entry in library.entries}) == 3  # the same author, year and word: keys differ
    hostile = {field.key: field.value for field in library.entries[1].fields}
    assert "\\input" not in hostile["title"] and "\\textbraceleft{}" in hostile["title"]
    back = parse_bibtex(text)  # what the profile's like_bibtex reads: the ids and titles survive
    assert [paper.arxiv_id for paper in back] == ["2308.04079", "2401.00001", "2401.00002"]
    assert "50% of" in back[1].title and "$math$" in back[1].title


def test_library_export_writes_the_profiles_saved_papers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store.open(data / "digest.duckdb")
    try:
        store.upsert_papers([_paper("2308.04079", "3D Gaussian Splatting", version=1),
                             _paper("2308.04079", "3D Gaussian Splatting (revised)", version=2),
                             _paper("2401.00002", "Another Paper")])
    finally:
        store.close()
    with ReaderStore.open(reader_path(data)) as reader:
        reader.record_feedback("splats", "2308.04079", 1, "save", at=datetime(2026, 1, 1))
        reader.record_feedback("splats", "2401.00002", 1, "save", at=datetime(2026, 1, 2))
        reader.record_feedback("splats", "2401.00002", 1, "unsave", at=datetime(2026, 1, 3))
        reader.record_feedback("splats", "2501.99999", 1, "save", at=datetime(2026, 1, 4))  # not stored
        reader.record_feedback("other", "2401.00002", 1, "save")
    out = tmp_path / "library.bib"
    result = CliRunner().invoke(app, ["library", "export", "--profile", "splats", "--out", str(out),
                                      "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert "2501.99999" in result.output  # named as left out, not silently dropped
    papers = parse_bibtex(out.read_text(encoding="utf-8"))
    assert [(p.arxiv_id, p.title) for p in papers] == [("2308.04079", "3D Gaussian Splatting (revised)")]
    empty = CliRunner().invoke(app, ["library", "export", "--profile", "nobody", "--data-dir", str(data)])
    assert empty.exit_code == 0 and empty.stdout == ""
