"""What was read out of each PDF (by its sha256): page texts, sections, links and the teaser figure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from arxiv_digest.store.core import StoreCore, utcnow
from schemas.records import (
    Extraction,
    Figure,
    Link,
    PageText,
    PaperKey,
    Section,
)


class ExtractionStore(StoreCore):
    """What was read out of a PDF, keyed by the PDF's sha256."""

    def save_extraction(self, extraction: Extraction, extractor: str) -> None:
        statements: list[tuple[str, Sequence[Any]]] = [
            (
                "INSERT INTO extractions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
                "status = excluded.status, pages = excluded.pages, text_chars = excluded.text_chars, "
                "has_text_layer = excluded.has_text_layer, error = excluded.error, "
                "extractor = excluded.extractor, elapsed_ms = excluded.elapsed_ms, "
                "extracted_at = excluded.extracted_at",
                [
                    extraction.sha256,
                    extraction.status,
                    extraction.pages,
                    extraction.text_chars,
                    extraction.has_text_layer,
                    extraction.error,
                    extractor,
                    extraction.elapsed_ms,
                    utcnow(),
                ],
            ),
            ("DELETE FROM page_texts WHERE sha256 = ?", [extraction.sha256]),
            # Sections are derived from the extraction: a new one (another extractor version) makes them stale,
            # and the segment step, which reuses stored sections, must not serve the old ones (or their levels).
            ("DELETE FROM sections WHERE sha256 = ?", [extraction.sha256]),
        ]
        statements += [
            ("INSERT INTO page_texts VALUES (?, ?, ?)", [extraction.sha256, page.page, page.text])
            for page in extraction.page_texts
        ]
        self._run(statements)

    def extraction(self, sha256: str) -> Extraction | None:
        row = self._fetchone(
            "SELECT sha256, status, pages, text_chars, has_text_layer, error, elapsed_ms, extractor "
            "FROM extractions WHERE sha256 = ?",
            [sha256],
        )
        if not row:
            return None
        pages = tuple(
            PageText(page=p, text=t)
            for p, t in self._fetchall("SELECT page, text FROM page_texts WHERE sha256 = ? ORDER BY page", [sha256])
        )
        return Extraction(
            sha256=row[0],
            status=row[1],
            pages=row[2],
            text_chars=row[3],
            has_text_layer=row[4],
            error=row[5],
            elapsed_ms=row[6],
            page_texts=pages,
        )

    def extractor_of(self, sha256: str) -> str | None:
        row = self._fetchone("SELECT extractor FROM extractions WHERE sha256 = ?", [sha256])
        return row[0] if row else None

    def save_sections(self, sha256: str, sections: Sequence[Section]) -> None:
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM sections WHERE sha256 = ?", [sha256])]
        statements += [
            (
                "INSERT INTO sections VALUES (?, ?, ?, ?, ?, ?, ?)",
                [sha256, s.ordinal, s.title, s.norm, s.level, s.page, s.text],
            )
            for s in sections
        ]
        self._run(statements)

    def sections(self, sha256: str) -> list[Section]:
        rows = self._fetchall(
            "SELECT ordinal, title, norm, page, text, level FROM sections WHERE sha256 = ? ORDER BY ordinal",
            [sha256],
        )
        return [Section(ordinal=r[0], title=r[1], norm=r[2], page=r[3], text=r[4], level=r[5]) for r in rows]

    def save_links(self, sha256: str, links: Sequence[Link]) -> None:
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM links WHERE sha256 = ?", [sha256])]
        statements += [
            (
                "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256, url) DO NOTHING",
                [sha256, link.url, link.is_code, link.is_own, link.source, link.page, link.evidence],
            )
            for link in links
        ]
        self._run(statements)

    def links(self, sha256: str) -> list[Link]:
        rows = self._fetchall(
            "SELECT url, is_code, is_own, source, page, evidence FROM links WHERE sha256 = ? ORDER BY page, url",
            [sha256],
        )
        return [Link(url=r[0], is_code=r[1], is_own=r[2], source=r[3], page=r[4], evidence=r[5]) for r in rows]

    def save_figure(self, figure: Figure) -> None:
        self._run([(
            "INSERT INTO figures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pdf_sha256) DO "
            "UPDATE SET method = excluded.method, status = excluded.status, arxiv_id = excluded.arxiv_id, "
            "version = excluded.version, page = excluded.page, number = excluded.number, bbox = excluded.bbox, "
            "caption = excluded.caption, file_sha256 = excluded.file_sha256, path = excluded.path, "
            "width = excluded.width, height = excluded.height, bytes = excluded.bytes, detail = excluded.detail, "
            "made_at = excluded.made_at",
            [figure.pdf_sha256, figure.method, figure.status, figure.arxiv_id, figure.version, figure.page,
             figure.number, list(figure.bbox) if figure.bbox else None, figure.caption, figure.file_sha256,
             figure.path, figure.width, figure.height, figure.bytes, figure.detail, utcnow()],
        )])

    def figure(self, pdf_sha256: str) -> Figure | None:
        row = self._fetchone(f"SELECT {_FIGURE_COLUMNS} FROM figures WHERE pdf_sha256 = ?", [pdf_sha256])
        return _figure(row) if row else None

    def digest_figures(self, day: date, category: str) -> dict[str, Figure]:
        """The found figures of a digest's papers, by versioned id (papers without one are absent)."""
        columns = ", ".join(f"f.{c.strip()}" for c in _FIGURE_COLUMNS.split(","))
        rows = self._fetchall(
            f"SELECT d.arxiv_id, d.version, {columns} FROM digest_papers d "
            "JOIN pdf_files p USING (arxiv_id, version) JOIN figures f ON f.pdf_sha256 = p.sha256 "
            "WHERE d.digest_date = ? AND d.category = ? AND p.status = 'ok' AND f.status = 'ok'",
            [day, category],
        )
        return {str(PaperKey(row[0], row[1])): _figure(row[2:]) for row in rows}


_FIGURE_COLUMNS = ("pdf_sha256, method, status, arxiv_id, version, page, number, bbox, caption, file_sha256, path, "
                   "width, height, bytes, detail")


def _figure(row: Sequence[Any]) -> Figure:
    bbox = tuple(float(v) for v in row[7]) if row[7] else None
    return Figure(pdf_sha256=row[0], method=row[1], status=row[2], arxiv_id=row[3], version=row[4], page=row[5],
                  number=row[6], bbox=bbox, caption=row[8] or "", file_sha256=row[9], path=row[10],  # type: ignore[arg-type]
                  width=row[11], height=row[12], bytes=row[13], detail=row[14] or "")
