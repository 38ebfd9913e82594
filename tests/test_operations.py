from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest

from arxiv_digest.errors import DigestError
from arxiv_digest.operations.runs import (
    AuditRecord,
    BackfillRow,
    backfill_local,
    date_range,
    deployment_name,
    fill_finished_row,
    flow_run_name,
    join_store_status,
    read_failures,
    split_task_run_name,
    transient_api_error,
)
from arxiv_digest.settings import Settings
from schemas.records import RunRecord, RunStatus


def test_date_range_is_inclusive_and_bounded() -> None:
    assert date_range(date(2026, 1, 30), date(2026, 2, 2)) == [
        date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2)]
    with pytest.raises(DigestError, match="before"):
        date_range(date(2026, 2, 2), date(2026, 1, 30))
    with pytest.raises(DigestError, match="limit"):
        date_range(date(2024, 1, 1), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("name", "step", "paper"),
    [
        ("download-2601.14256v1", "download", "2601.14256v1"),
        ("analyze-cs_0112017v2", "analyze", "cs_0112017v2"),
        ("fetch-cs.CV-2026-01-21", "fetch", ""),
        ("publish-cs.CV-2026-01-21", "publish", ""),
        ("weird", "weird", ""),
    ],
)
def test_task_run_names_split_into_step_and_paper(name: str, step: str, paper: str) -> None:
    assert split_task_run_name(name) == (step, paper)


def test_deployment_name_matches_prefect_yaml() -> None:
    assert deployment_name("cs.CV") == "daily-digest/cs-cv-daily"


def test_audit_records_get_the_current_store_status() -> None:
    record = AuditRecord("task", "download-2601.1v2", "download", "2601.1v2", "2026-01-21", "cs.CV", "Failed",
                         "boom", 2, "", "")
    seen = []

    def lookup(arxiv_id: str, version: int, step: str) -> str:
        seen.append((arxiv_id, version, step))
        return "ok"

    join_store_status([record], lookup)
    assert seen == [("2601.1", 2, "download")] and record.store_status == "ok"


def test_backfill_skips_published_days_and_reports_failures_per_day() -> None:
    ran = []

    def run_day(day: date) -> dict:
        ran.append(day)
        if day.day == 3:
            raise RuntimeError("arXiv said no")
        return {"counts": {"papers": day.day}, "path": f"/out/{day}.md"}

    done = []
    rows = backfill_local(Settings(), [date(2026, 1, d) for d in (1, 2, 3)], force=False, concurrency=2,
                          run_day=run_day, is_published=lambda d: d.day == 1, on_done=done.append)
    assert [r.status for r in rows] == ["skipped", "completed", "failed"]
    assert sorted(ran) == [date(2026, 1, 2), date(2026, 1, 3)]
    assert rows[1].papers == 2 and "arXiv said no" in rows[2].detail
    assert len(done) == 3
    forced = backfill_local(Settings(), [date(2026, 1, 1)], force=True, concurrency=1, run_day=run_day,
                            is_published=lambda d: True)
    assert forced[0].status == "completed"


def test_a_scheduled_run_audits_under_the_digest_it_built() -> None:
    from arxiv_digest.operations.runs import digest_date_of

    started = datetime(2026, 1, 22, 6, 0, 5, tzinfo=UTC)
    assert digest_date_of({"digest_date": "2026-01-10"}, started) == "2026-01-10"
    # The 06:00 UTC run of Thursday builds Wednesday evening's announcement: the digest of Thursday.
    assert digest_date_of({"category": "cs.CV"}, started) == "2026-01-22"
    saturday = datetime(2026, 1, 24, 6, 0, tzinfo=UTC)
    assert digest_date_of({}, saturday) == "2026-01-23", "no announcement on Friday evening: Thursday's"
    assert digest_date_of({}, None) == ""


def test_backfill_rows_say_partial_with_what_fell_short() -> None:
    def run_day(day: date) -> dict:
        if day.day == 2:
            return {"status": "partial", "shortfall": "1 PDF failed, 2 analysis fallback",
                    "counts": {"papers": 5}, "path": "/out/2.md"}
        if day.day == 3:
            return {"status": "no_announcement", "path": "", "counts": {"papers": 0}, "reason": "a Saturday"}
        return {"status": "completed", "counts": {"papers": 4}, "path": "/out/1.md"}

    rows = backfill_local(Settings(), [date(2026, 1, d) for d in (1, 2, 3)], force=True, concurrency=1,
                          run_day=run_day, is_published=lambda d: False)
    assert [(r.status, r.papers) for r in rows] == [("completed", 4), ("partial", 5), ("no announcement", None)]
    assert rows[1].detail == "1 PDF failed, 2 analysis fallback; /out/2.md"
    assert rows[2].detail == "a Saturday"


def test_a_deployment_runs_row_is_filled_from_its_final_state_and_the_store() -> None:
    row = BackfillRow("2026-01-21", "submitted", detail="digest-cs.CV-2026-01-21")
    stored = RunRecord(digest_date=date(2026, 1, 21), category="cs.CV", status=RunStatus.PARTIAL, attempts=1,
                       flow_run_id=None, started_at=None, finished_at=None, counts={"papers": 7}, step_seconds={},
                       error="1 PDF failed")
    fill_finished_row(row, "digest-cs.CV-2026-01-21", "Partial", "1 PDF failed", 12.34, stored)
    assert (row.status, row.papers, row.seconds) == ("partial", 7, 12.3)
    assert row.detail == "digest-cs.CV-2026-01-21; 1 PDF failed"
    # A store this machine cannot read: the state's own message still says why.
    blind = BackfillRow("2026-01-22", "submitted")
    fill_finished_row(blind, "digest-cs.CV-2026-01-22", "Failed", "fetch: arXiv answered 503", 3.0, None)
    assert (blind.status, blind.papers, blind.detail) == ("failed", None,
                                                          "digest-cs.CV-2026-01-22; fetch: arXiv answered 503")


def test_flow_runs_are_named_as_the_ui_lists_them() -> None:
    assert flow_run_name("cs.CV", "2026-01-21") == "digest-cs.CV-2026-01-21"
    assert flow_run_name(None, "2026-01-21", sample=True) == "digest-default-2026-01-21-sample"


def test_audit_reads_are_retried_on_transient_api_errors_only(monkeypatch: pytest.MonkeyPatch) -> None:
    request = httpx.Request("POST", "http://127.0.0.1:4200/api/task_runs/filter")
    busy = httpx.HTTPStatusError("503", request=request, response=httpx.Response(503, request=request))
    denied = httpx.HTTPStatusError("401", request=request, response=httpx.Response(401, request=request))
    assert transient_api_error(busy) and transient_api_error(httpx.ReadTimeout("slow", request=request))
    assert not transient_api_error(denied) and not transient_api_error(ValueError("bad filter"))

    import arxiv_digest.operations.runs as runs

    answers: list[BaseException | list[AuditRecord]] = [busy, httpx.ConnectError("refused", request=request), []]

    def once(since: datetime, limit: int) -> list[AuditRecord]:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    monkeypatch.setattr(runs, "_read_failures_once", once)
    assert read_failures(datetime.now(UTC), pause_seconds=0) == [] and answers == []
    answers[:] = [denied, []]
    with pytest.raises(httpx.HTTPStatusError):
        read_failures(datetime.now(UTC), pause_seconds=0)
