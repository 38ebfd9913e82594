"""Papers (arXiv metadata by id and version), each day's membership, and the downloaded PDFs."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

from arxiv_digest.store.core import PAPER_COLUMNS, StoreCore, _naive, _paper, paper_columns_of, rows_insert, utcnow
from schemas.records import Paper, PdfFile


class PaperStore(StoreCore):
    """Papers and their PDFs, keyed by arXiv id and version; each day's list of papers."""

    def upsert_papers(self, papers: Iterable[Paper]) -> None:
        now = utcnow()
        # One row per key (the last wins, as one upsert after the other would): a statement may not update a row
        # twice.
        rows = {(p.arxiv_id, p.version): [
            p.arxiv_id, p.version, p.title, list(p.authors), list(p.categories), p.primary_category,
            _naive(p.published), _naive(p.updated), p.abstract, p.comment, p.journal_ref, p.doi, now,
        ] for p in papers}
        if rows:
            self._run(rows_insert(
                "INSERT INTO papers", list(rows.values()),
                "ON CONFLICT (arxiv_id, version) DO UPDATE SET title = excluded.title, "
                "authors = excluded.authors, categories = excluded.categories, "
                "primary_category = excluded.primary_category, published = excluded.published, "
                "updated = excluded.updated, abstract = excluded.abstract, comment = excluded.comment, "
                "journal_ref = excluded.journal_ref, doi = excluded.doi, fetched_at = excluded.fetched_at"))

    def set_digest_papers(
        self, day: date, category: str, papers: Sequence[Paper], late: Collection[str] = ()
    ) -> None:
        """Replace the day's membership with exactly these papers, in this order (`late`: their arxiv ids)."""
        statements: list[tuple[str, Sequence[Any]]] = [
            ("DELETE FROM digest_papers WHERE digest_date = ? AND category = ?", [day, category])
        ]
        statements += rows_insert(
            "INSERT INTO digest_papers (digest_date, category, arxiv_id, version, position, late)",
            [[day, category, p.arxiv_id, p.version, i, p.arxiv_id in late] for i, p in enumerate(papers)])
        self._run(statements)

    def digest_papers(self, day: date, category: str) -> list[Paper]:
        rows = self._fetchall(
            f"SELECT {paper_columns_of('p')} FROM digest_papers d JOIN papers p USING (arxiv_id, version) "
            "WHERE d.digest_date = ? AND d.category = ? ORDER BY d.position",
            [day, category],
        )
        return [_paper(row) for row in rows]

    def late_papers(self, day: date, category: str) -> set[str]:
        """The arxiv ids (no version) of the day's papers that arrived after their own announcement."""
        rows = self._fetchall(
            "SELECT arxiv_id FROM digest_papers WHERE digest_date = ? AND category = ? AND late", [day, category]
        )
        return {row[0] for row in rows}

    def newest_papers(self, arxiv_ids: Collection[str]) -> list[Paper]:
        """The newest stored version of each of these papers (those the store holds)."""
        if not arxiv_ids:
            return []
        rows = self._fetchall(
            f"SELECT {PAPER_COLUMNS} FROM papers WHERE arxiv_id IN (SELECT unnest(?)) "
            "QUALIFY row_number() OVER (PARTITION BY arxiv_id ORDER BY version DESC) = 1 ORDER BY arxiv_id",
            [list(arxiv_ids)],
        )
        return [_paper(row) for row in rows]

    def papers_stored_before_marks(self, arxiv_ids: Collection[str]) -> list[str]:
        """Which of these papers were last stored before this store learned to mark itself (m011): written by an
        older version, which could not say whether a run was the offline sample's."""
        if not arxiv_ids:
            return []
        rows = self._fetchall(
            "SELECT DISTINCT arxiv_id FROM papers WHERE arxiv_id IN (SELECT unnest(?)) AND fetched_at < "
            "(SELECT applied_at FROM schema_migrations WHERE name = 'store_marks') ORDER BY arxiv_id",
            [list(arxiv_ids)])
        return [row[0] for row in rows]

    def paper(self, arxiv_id: str, version: int) -> Paper | None:
        row = self._fetchone(
            f"SELECT {PAPER_COLUMNS} FROM papers WHERE arxiv_id = ? AND version = ?",
            [arxiv_id, version],
        )
        return _paper(row) if row else None

    def pdf(self, arxiv_id: str, version: int) -> PdfFile | None:
        row = self._fetchone(
            "SELECT arxiv_id, version, status, sha256, path, bytes, pages, error, fetched_at "
            "FROM pdf_files WHERE arxiv_id = ? AND version = ?",
            [arxiv_id, version],
        )
        return PdfFile(*row) if row else None

    def upsert_pdf(self, pdf: PdfFile) -> None:
        self._run(
            [
                (
                    "INSERT INTO pdf_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) "
                    "ON CONFLICT (arxiv_id, version) DO UPDATE SET status = excluded.status, "
                    "sha256 = coalesce(excluded.sha256, pdf_files.sha256), "
                    "path = coalesce(excluded.path, pdf_files.path), "
                    "bytes = coalesce(excluded.bytes, pdf_files.bytes), "
                    "pages = coalesce(excluded.pages, pdf_files.pages), "
                    "fetched_at = coalesce(excluded.fetched_at, pdf_files.fetched_at), "
                    "error = excluded.error, attempts = pdf_files.attempts + 1",
                    [
                        pdf.arxiv_id,
                        pdf.version,
                        pdf.status,
                        pdf.sha256,
                        pdf.path,
                        pdf.bytes,
                        pdf.pages,
                        _naive(pdf.fetched_at) if pdf.fetched_at else None,
                        pdf.error,
                    ],
                )
            ]
        )

    def set_pdf_pages(self, sha256: str, pages: int) -> None:
        self._run([("UPDATE pdf_files SET pages = ? WHERE sha256 = ?", [pages, sha256])])
