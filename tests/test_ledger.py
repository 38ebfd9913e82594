"""The ledger of which digest holds each paper: first claim wins, across threads and across processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

from arxiv_digest.ledger import open_ledger
from arxiv_digest.runtime import open_store
from arxiv_digest.settings import load_settings
from arxiv_digest.store import Store
from schemas.records import Paper

SUBMITTED = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)


def paper(n: int) -> Paper:
    return Paper(f"2601.{n:05d}", 1, f"T{n}", ("A",), ("cs.CV",), "cs.CV", SUBMITTED, SUBMITTED, "abstract")


def test_a_held_paper_keeps_its_first_digest(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path))
    window = (SUBMITTED, SUBMITTED)
    with open_ledger(settings, open_store) as ledger:
        ledger.record_announcement("cs.CV", date(2026, 1, 21), window, [(paper(1), False), (paper(2), False)])
        ledger.record_announcement("cs.CV", date(2026, 1, 22), window, [(paper(2), True), (paper(3), True)])
        ledger.record_announcement("cs.RO", date(2026, 1, 22), window, [(paper(2), False)])
        assert ledger.holders("cs.CV", ["2601.00001", "2601.00002", "2601.00003", "2601.00009"]) == {
            "2601.00001": date(2026, 1, 21), "2601.00002": date(2026, 1, 21), "2601.00003": date(2026, 1, 22)}
        assert [(h.paper.arxiv_id, h.late) for h in ledger.digest_holdings("cs.CV", date(2026, 1, 22))] == [
            ("2601.00003", True)]
        assert ledger.holders("cs.RO", ["2601.00002"]) == {"2601.00002": date(2026, 1, 22)}, "per category"
        assert ledger.fetched_digests("cs.CV", date(2026, 1, 1)) == {date(2026, 1, 21), date(2026, 1, 22)}
        assert ledger.recent_on_time_counts("cs.CV", date(2026, 1, 23)) == [0, 2]


_WORKER = textwrap.dedent("""
    import sys
    from datetime import UTC, date, datetime, timedelta
    from arxiv_digest.ledger import open_ledger
    from arxiv_digest.runtime import open_store
    from arxiv_digest.settings import load_settings
    from schemas.records import Paper

    data_dir, first_day = sys.argv[1], date.fromisoformat(sys.argv[2])
    settings = load_settings(environ={}, data_dir=data_dir, store_layout="per-day")
    t = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)
    for round_ in range(15):
        # Every round both workers try to claim the same 30 papers for a digest of their own.
        papers = [Paper(f"2601.{round_:02d}{n:03d}", 1, "t", ("A",), ("cs.CV",), "cs.CV", t, t, "a")
                  for n in range(30)]
        day = first_day + timedelta(days=2 * round_)
        with open_ledger(settings, open_store) as ledger:
            held = ledger.holders("cs.CV", [p.arxiv_id for p in papers])
            ledger.record_announcement("cs.CV", day, (t, t), [(p, True) for p in papers if p.arxiv_id not in held])
    print("done")
""")


def test_two_worker_processes_never_both_claim_a_paper(tmp_path: Path) -> None:
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path), first], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for first in ("2026-02-01", "2026-02-02")
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0 and out.strip() == "done", err
    store = Store.open(tmp_path / "ledger.duckdb")
    try:
        counts = store.table_counts()
        assert counts["digest_holdings"] == 15 * 30, "each paper held exactly once"
        assert counts["announcement_fetches"] == 30
        for round_ in range(15):
            ids = [f"2601.{round_:02d}{n:03d}" for n in range(30)]
            assert len(set(store.holders("cs.CV", ids).values())) == 1, "one digest took the round's papers"
    finally:
        store.close()
