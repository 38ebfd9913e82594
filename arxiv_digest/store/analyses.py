"""Analyses (cached by paper, prompt hash, model and language), every model attempt, and the day's summaries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import duckdb

from arxiv_digest.errors import StoreError
from arxiv_digest.store.core import _WRITE_RETRIES, StoreCore, _naive, utcnow
from schemas.records import Analysis, AnalysisKind, LastAttempt, ModelCall, PaperKey, StoredAttempt, StoredSummary


class AnalysisStore(StoreCore):
    """Analyses, every try at one, and the day's summaries."""

    def cached_analysis(
        self, arxiv_id: str, version: int, prompt_hash: str, model: str, language: str
    ) -> Analysis | None:
        row = self._fetchone(
            "SELECT kind, analyzer, content, key_findings, notice, label FROM analyses WHERE arxiv_id = ? AND "
            "version = ? AND prompt_hash = ? AND model = ? AND language = ?",
            [arxiv_id, version, prompt_hash, model, language],
        )
        if not row:
            return None
        return Analysis(
            arxiv_id=arxiv_id,
            version=version,
            kind=AnalysisKind(row[0]),
            analyzer=row[1],
            language=language,
            content=row[2],
            key_findings=tuple(row[3]),
            prompt_hash=prompt_hash,
            notice=row[4],
            label=row[5] or "",
        )

    def save_analysis(self, analysis: Analysis, model: str) -> None:
        self._run(
            [
                (
                    "INSERT INTO analyses (arxiv_id, version, prompt_hash, model, language, kind, analyzer, "
                    "content, key_findings, notice, created_at, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (arxiv_id, version, prompt_hash, model, language) DO UPDATE SET "
                    "kind = excluded.kind, analyzer = excluded.analyzer, content = excluded.content, "
                    "key_findings = excluded.key_findings, notice = excluded.notice, "
                    "created_at = excluded.created_at, label = excluded.label",
                    [
                        analysis.arxiv_id,
                        analysis.version,
                        analysis.prompt_hash,
                        model,
                        analysis.language,
                        analysis.kind,
                        analysis.analyzer,
                        analysis.content,
                        list(analysis.key_findings),
                        analysis.notice,
                        utcnow(),
                        analysis.label,
                    ],
                )
            ]
        )

    def record_analysis_attempt(
        self,
        arxiv_id: str,
        version: int,
        prompt_hash: str,
        model: str,
        language: str,
        status: str,
        reason: str | None = None,
        input_tokens: int = 0,
        output_tokens: int = 0,
        latency_ms: float = 0.0,
        cost_usd: float = 0.0,
        *,
        error_kind: str | None = None,
        settings_key: str | None = None,
        queue_ms: float = 0.0,
        estimated_input_tokens: int = 0,
        usage_reported: bool = False,
        finish_reason: str | None = None,
        reasoning_tokens: int = 0,
        reasoning_ms: float = 0.0,
    ) -> int:
        """Append one try; returns its attempt number."""
        key = [arxiv_id, version, prompt_hash, model, language]
        for _ in range(_WRITE_RETRIES):
            row = self._fetchone(
                "SELECT coalesce(max(attempt), 0) FROM analysis_attempts WHERE arxiv_id = ? AND version = ? "
                "AND prompt_hash = ? AND model = ? AND language = ?",
                key,
            )
            attempt = int(row[0]) + 1 if row else 1
            try:
                self._run(
                    [
                        (
                            "INSERT INTO analysis_attempts (arxiv_id, version, prompt_hash, model, language, "
                            "attempt, status, reason, input_tokens, output_tokens, latency_ms, cost_usd, "
                            "created_at, error_kind, settings_key, queue_ms, estimated_input_tokens, "
                            "usage_reported, finish_reason, reasoning_tokens, reasoning_ms) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [*key, attempt, status, reason, input_tokens, output_tokens, latency_ms, cost_usd,
                             utcnow(), error_kind, settings_key, queue_ms, estimated_input_tokens,
                             usage_reported, finish_reason, reasoning_tokens, reasoning_ms],
                        )
                    ]
                )
                return attempt
            except duckdb.ConstraintException:
                continue
        raise StoreError(f"could not record an analysis attempt for {PaperKey(arxiv_id, version)}")

    def last_model_attempts(self, keys: Sequence[tuple[str, int]], model: str,
                            language: str) -> dict[PaperKey, LastAttempt]:
        """Per paper, the newest try by `model` (status, error kind, when), for the papers that have one."""
        if not keys:
            return {}
        rows = self._fetchall(
            "SELECT arxiv_id, version, arg_max(status, created_at), arg_max(error_kind, created_at), "
            "max(created_at) FROM analysis_attempts WHERE model = ? AND language = ? "
            "AND (arxiv_id, version) IN (SELECT * FROM (VALUES " + ", ".join(["(?, ?)"] * len(keys)) + ")) "
            "GROUP BY arxiv_id, version",
            [model, language, *(part for key in keys for part in key)],
        )
        return {PaperKey(r[0], r[1]): LastAttempt(status=r[2], error_kind=r[3], created_at=r[4].replace(tzinfo=UTC))
                for r in rows}

    def analysis_attempt_history(
        self, arxiv_id: str, version: int, prompt_hash: str, model: str, language: str
    ) -> list[StoredAttempt]:
        """Every try under one cache key, oldest first."""
        rows = self._fetchall(
            "SELECT status, reason, error_kind, settings_key, created_at FROM analysis_attempts WHERE arxiv_id = ? "
            "AND version = ? AND prompt_hash = ? AND model = ? AND language = ? ORDER BY attempt",
            [arxiv_id, version, prompt_hash, model, language],
        )
        return [StoredAttempt(status=r[0], reason=r[1], error_kind=r[2], settings_key=r[3],
                              created_at=r[4].replace(tzinfo=UTC)) for r in rows]

    def model_calls(self, since: datetime) -> list[ModelCall]:
        """The model calls recorded since `since`, for the run's report (not the extractive analyzer's rows)."""
        rows = self._fetchall(
            "SELECT arxiv_id, status, reason, error_kind, input_tokens, output_tokens, latency_ms, queue_ms, "
            "estimated_input_tokens, usage_reported, finish_reason, cost_usd, reasoning_tokens, reasoning_ms "
            "FROM analysis_attempts "
            "WHERE created_at >= ? AND model <> 'extractive' ORDER BY created_at",
            [_naive(since)],
        )
        return [ModelCall(*r) for r in rows]

    def set_digest_analysis(self, day: date, category: str, analysis: Analysis, model: str) -> None:
        self._run(
            [
                (
                    "INSERT INTO digest_analyses VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (digest_date, category, arxiv_id) DO UPDATE SET version = excluded.version, "
                    "prompt_hash = excluded.prompt_hash, model = excluded.model, language = excluded.language",
                    [
                        day,
                        category,
                        analysis.arxiv_id,
                        analysis.version,
                        analysis.prompt_hash,
                        model,
                        analysis.language,
                    ],
                )
            ]
        )

    def digest_analyses(self, day: date, category: str) -> dict[str, Analysis]:
        """The analysis chosen for each paper of the day, keyed by versioned id."""
        rows = self._fetchall(
            "SELECT a.arxiv_id, a.version, a.kind, a.analyzer, a.language, a.content, a.key_findings, "
            "a.prompt_hash, a.notice, a.label FROM digest_analyses d JOIN analyses a USING "
            "(arxiv_id, version, prompt_hash, model, language) WHERE d.digest_date = ? AND d.category = ?",
            [day, category],
        )
        result = {}
        for r in rows:
            analysis = Analysis(
                arxiv_id=r[0],
                version=r[1],
                kind=AnalysisKind(r[2]),
                analyzer=r[3],
                language=r[4],
                content=r[5],
                key_findings=tuple(r[6]),
                prompt_hash=r[7],
                notice=r[8],
                label=r[9] or "",
            )
            result[str(PaperKey(r[0], r[1]))] = analysis
        return result

    def analysis_usage(self, since: datetime) -> dict[str, float]:
        row = self._fetchone(
            "SELECT count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), "
            "coalesce(sum(cost_usd), 0) FROM analysis_attempts WHERE created_at >= ? AND model <> 'extractive'",
            [_naive(since)],
        )
        assert row is not None
        return {"calls": row[0], "input_tokens": row[1], "output_tokens": row[2], "cost_usd": row[3]}

    def save_summary(
        self, day: date, category: str, language: str, prompt_hash: str, model: str, analyzer: str, content: str,
        label: str = "",
    ) -> None:
        self._run(
            [
                (
                    "INSERT INTO summaries (digest_date, category, language, prompt_hash, model, analyzer, content, "
                    "created_at, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (digest_date, category, language) DO UPDATE SET "
                    "prompt_hash = excluded.prompt_hash, model = excluded.model, analyzer = excluded.analyzer, "
                    "content = excluded.content, created_at = excluded.created_at, label = excluded.label",
                    [day, category, language, prompt_hash, model, analyzer, content, utcnow(), label],
                )
            ]
        )

    def summary(self, day: date, category: str, language: str) -> StoredSummary | None:
        """The stored summary of the day in this language, if any."""
        row = self._fetchone(
            "SELECT content, prompt_hash, model, label FROM summaries WHERE digest_date = ? AND category = ? "
            "AND language = ?",
            [day, category, language],
        )
        return StoredSummary(content=row[0], fingerprint=row[1], model=row[2], label=row[3] or "") if row else None
