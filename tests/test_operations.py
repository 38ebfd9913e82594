from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from arxiv_digest.errors import DigestError
from arxiv_digest.operations.runs import (
    AuditRecord,
    backfill_local,
    date_range,
    deployment_name,
    join_store_status,
    split_task_run_name,
)
from arxiv_digest.settings import Settings


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
