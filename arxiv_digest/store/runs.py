"""Runs of a day, each paper's steps, the day's progress and its quality results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from arxiv_digest.store.core import StoreCore, utcnow
from schemas.records import DayAttention, PaperKey, PaperProgress, PaperStep, QualityResult, RunRecord, RunStatus


class RunStore(StoreCore):
    """Runs, paper steps, progress and quality results."""

    def start_run(self, day: date, category: str, flow_run_id: str | None) -> None:
        """Record that a run of the day started; `attempts` counts runs, so a retry of the fetch task inside the
        same flow run (same `flow_run_id`) is not another one."""
        self._run(
            [
                (
                    "INSERT INTO runs VALUES (?, ?, 'running', 1, ?, ?, NULL, '{}', '{}', NULL) "
                    "ON CONFLICT (digest_date, category) DO UPDATE SET status = 'running', "
                    "attempts = runs.attempts + CASE WHEN excluded.flow_run_id IS NOT NULL AND "
                    "excluded.flow_run_id = runs.flow_run_id THEN 0 ELSE 1 END, flow_run_id = excluded.flow_run_id, "
                    "started_at = excluded.started_at, finished_at = NULL, error = NULL",
                    [day, category, flow_run_id, utcnow()],
                )
            ]
        )

    def finish_run(
        self,
        day: date,
        category: str,
        status: str,
        counts: dict[str, Any],
        step_seconds: dict[str, float],
        error: str | None = None,
    ) -> None:
        self._run(
            [
                (
                    "UPDATE runs SET status = ?, finished_at = ?, counts = ?, step_seconds = ?, error = ? "
                    "WHERE digest_date = ? AND category = ?",
                    [status, utcnow(), json.dumps(counts, sort_keys=True),
                     json.dumps(step_seconds, sort_keys=True), error, day, category],
                )
            ]
        )

    def run(self, day: date, category: str) -> RunRecord | None:
        found = self._runs("WHERE digest_date = ? AND category = ?", [day, category])
        return found[0] if found else None

    def runs(self) -> list[RunRecord]:
        return self._runs("ORDER BY digest_date, category", [])

    def _runs(self, where: str, params: Sequence[Any]) -> list[RunRecord]:
        rows = self._fetchall(
            "SELECT digest_date, category, status, attempts, flow_run_id, started_at, finished_at, counts, "
            f"step_seconds, error FROM runs {where}", params)
        return [RunRecord(digest_date=r[0], category=r[1], status=RunStatus(r[2]), attempts=r[3], flow_run_id=r[4],
                          started_at=r[5], finished_at=r[6], counts=json.loads(r[7]), step_seconds=json.loads(r[8]),
                          error=r[9]) for r in rows]

    def record_step(self, arxiv_id: str, version: int, step: str, status: str, detail: str | None = None) -> None:
        self._run(
            [
                (
                    "INSERT INTO paper_steps VALUES (?, ?, ?, ?, ?, 1, ?) "
                    "ON CONFLICT (arxiv_id, version, step) DO UPDATE SET status = excluded.status, "
                    "detail = excluded.detail, attempts = paper_steps.attempts + 1, updated_at = excluded.updated_at",
                    [arxiv_id, version, step, status, detail, utcnow()],
                )
            ]
        )

    def paper_steps(self, day: date, category: str) -> list[PaperStep]:
        rows = self._fetchall(
            "SELECT s.arxiv_id, s.version, s.step, s.status, s.detail, s.attempts, s.updated_at "
            "FROM paper_steps s JOIN digest_papers d USING (arxiv_id, version) "
            "WHERE d.digest_date = ? AND d.category = ? ORDER BY d.position, s.step",
            [day, category],
        )
        return [PaperStep(*row) for row in rows]

    def step_status(self, arxiv_id: str, version: int, step: str) -> str | None:
        row = self._fetchone(
            "SELECT status FROM paper_steps WHERE arxiv_id = ? AND version = ? AND step = ?", [arxiv_id, version, step]
        )
        return row[0] if row else None

    def days_needing_attention(self, day: date | None = None) -> list[DayAttention]:
        """The days whose run failed or that hold a paper with a failed step, and why."""
        rows = self._fetchall(
            "SELECT digest_date, category, 'run ' || status || coalesce(': ' || error, '') FROM runs "
            "WHERE status IN ('failed', 'running') AND (? IS NULL OR digest_date = ?) "
            "UNION ALL "
            "SELECT d.digest_date, d.category, string_agg(s.step || ' ' || d.arxiv_id || 'v' || d.version, ', ') "
            "FROM digest_papers d JOIN paper_steps s USING (arxiv_id, version) "
            "WHERE s.status = 'failed' AND (? IS NULL OR d.digest_date = ?) GROUP BY d.digest_date, d.category "
            "ORDER BY 1, 2",
            [day, day, day, day],
        )
        merged: dict[tuple[date, str], list[str]] = {}
        for digest_date, category, why in rows:
            merged.setdefault((digest_date, category), []).append(why)
        return [DayAttention(d, c, "; ".join(why)) for (d, c), why in merged.items()]

    def day_progress(self, day: date, category: str) -> dict[PaperKey, PaperProgress]:
        """Per paper of the day, in one query: step statuses, the PDF's status and path, the extractor used."""
        rows = self._fetchall(
            "SELECT d.arxiv_id, d.version, p.status, p.path, e.extractor, a.model, a.language, "
            "list(DISTINCT s.step || '=' || s.status) FILTER (WHERE s.step IS NOT NULL), "
            "(SELECT list(DISTINCT t.model) FROM analysis_attempts t WHERE t.arxiv_id = d.arxiv_id "
            " AND t.version = d.version AND t.status = 'rejected') "
            "FROM digest_papers d "
            "LEFT JOIN pdf_files p USING (arxiv_id, version) "
            "LEFT JOIN extractions e ON e.sha256 = p.sha256 "
            "LEFT JOIN digest_analyses a ON a.digest_date = d.digest_date AND a.category = d.category "
            "  AND a.arxiv_id = d.arxiv_id "
            "LEFT JOIN paper_steps s ON s.arxiv_id = d.arxiv_id AND s.version = d.version "
            "WHERE d.digest_date = ? AND d.category = ? "
            "GROUP BY ALL",
            [day, category],
        )
        return {
            PaperKey(r[0], r[1]): PaperProgress(
                pdf_status=r[2], pdf_path=r[3], extractor=r[4], analysis_model=r[5], analysis_language=r[6],
                steps=dict(item.split("=", 1) for item in (r[7] or [])),
                # Models whose answers for this paper were read and rejected (refusal, invented link, ...).
                rejected_by_models=tuple(r[8] or ()),
            )
            for r in rows
        }

    def replace_quality_results(
        self, day: date, category: str, results: Sequence[QualityResult], flow_run_id: str | None,
        fingerprint: str | None = None,
    ) -> None:
        """The day's results, and what the suites saw to produce them (``None``: not reusable)."""
        now = utcnow()
        statements: list[tuple[str, Sequence[Any]]] = [
            ("DELETE FROM quality_results WHERE digest_date = ? AND category = ?", [day, category]),
            ("DELETE FROM quality_fingerprints WHERE digest_date = ? AND category = ?", [day, category]),
        ]
        if fingerprint is not None:
            statements.append(
                ("INSERT INTO quality_fingerprints VALUES (?, ?, ?, ?)", [day, category, fingerprint, now])
            )
        seen: set[tuple[str, str, str]] = set()
        for r in results:
            key = (r.suite, r.check, r.arxiv_id)
            if key in seen:
                continue
            seen.add(key)
            statements.append(
                (
                    "INSERT INTO quality_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [day, category, r.suite, r.check, r.arxiv_id, r.severity, r.observed, r.passed,
                     flow_run_id, now],
                )
            )
        self._run(statements)

    def quality_results(self, day: date, category: str) -> list[QualityResult]:
        rows = self._fetchall(
            "SELECT suite, check_name, severity, passed, arxiv_id, observed FROM quality_results "
            "WHERE digest_date = ? AND category = ? ORDER BY passed, severity, suite, check_name, arxiv_id",
            [day, category],
        )
        return [QualityResult(*row) for row in rows]

    def quality_input_state(self, day: date, category: str) -> str:
        """A digest of every stored row the day's quality suites read: its papers and membership, their PDFs
        (every version), extractions, sections, links and analyses, its summaries and coverage. Any change to one
        of them changes it; when the day's papers were fetched or its coverage read does not (a rerun refetches).
        The database hashes the rows, so a rerun of an unchanged day reads no text into Python."""
        ids = "SELECT DISTINCT arxiv_id FROM digest_papers WHERE digest_date = $day AND category = $cat"
        shas = f"SELECT DISTINCT sha256 FROM pdf_files WHERE arxiv_id IN ({ids}) AND sha256 IS NOT NULL"
        parts = {
            "digest_papers": "SELECT * FROM digest_papers WHERE digest_date = $day AND category = $cat",
            "papers": f"SELECT * EXCLUDE (fetched_at) FROM papers WHERE arxiv_id IN ({ids})",
            "pdf_files": f"SELECT * FROM pdf_files WHERE arxiv_id IN ({ids})",
            "extractions": f"SELECT * FROM extractions WHERE sha256 IN ({shas})",
            "sections": f"SELECT * FROM sections WHERE sha256 IN ({shas})",
            "links": f"SELECT * FROM links WHERE sha256 IN ({shas})",
            "analyses": f"SELECT * FROM analyses WHERE arxiv_id IN ({ids})",
            "digest_analyses": "SELECT * FROM digest_analyses WHERE digest_date = $day AND category = $cat",
            "summaries": "SELECT * FROM summaries WHERE digest_date = $day AND category = $cat",
            "digest_coverage": "SELECT * EXCLUDE (read_at) FROM digest_coverage "
                               "WHERE digest_date = $day AND category = $cat",
        }
        sql = " UNION ALL ".join(
            f"SELECT '{name}', count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR FROM ({query}) t"
            for name, query in parts.items())
        cur = self._con.cursor()
        try:
            rows = cur.execute(sql, {"day": day, "cat": category}).fetchall()
        finally:
            cur.close()
        return ";".join(f"{name}:{count}:{total}" for name, count, total in sorted(rows))

    def reusable_quality_results(self, day: date, category: str, fingerprint: str) -> list[QualityResult] | None:
        """The stored results when they were computed from exactly these inputs, else None."""
        row = self._fetchone(
            "SELECT fingerprint FROM quality_fingerprints WHERE digest_date = ? AND category = ?", [day, category]
        )
        if row is None or row[0] != fingerprint:
            return None
        return self.quality_results(day, category)
