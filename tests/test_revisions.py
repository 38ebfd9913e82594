"""Revisions the reader cares about (issue 26): a new version of a liked or saved paper is listed once, in the
"Revised" section of the digest whose submission window holds the version's submission, never as a new paper.

The flow runs against a fake arXiv on 127.0.0.1 that serves each paper from its announcement on; a liked paper
gets a v2 with a comment (hostile markup included) inside the window of digest 2026-03-04.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_arxiv import CatalogPaper, FakeArxiv
from pdf_factory import single_column_paper
from smtp_servers import Inbox, smtp_server
from test_calendar_simulation import _iso, _visible_from

from arxiv_digest.catalog.announcements import announcement
from arxiv_digest.catalog.feed import parse_feed
from arxiv_digest.catalog.revisions import RevisionContext, digest_revisions, reader_holds
from arxiv_digest.catalog.sample_day import SamplePaper
from arxiv_digest.checks.digest import check_digest
from arxiv_digest.checks.digest_file import check_digest_file
from arxiv_digest.checks.digest_format import parse_digest
from arxiv_digest.runtime import Runtime, close_stores
from arxiv_digest.settings import Settings
from arxiv_digest.steps.revisions import list_revisions
from arxiv_digest.store import Store
from arxiv_digest.store.reader import Feedback, FeedbackAction, ReaderStore, reader_path
from arxiv_digest.web.views import day_page_html

CATEGORY = "cs.CV"
BEFORE, DAY, AFTER = date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)  # Tue, Wed, Thu digests
LIKED = "2601.00500"
COMMENT = 'Accepted at CVPR 2026 <script>alert("x")</script>'


def _paper(arxiv_id: str, submitted: datetime, version: int = 1, updated: datetime | None = None,
           title: str = "", comment: str = "") -> SamplePaper:
    return SamplePaper(arxiv_id=arxiv_id, version=version, title=title or f"Paper {arxiv_id} on segmentation",
                       authors=("A. Author",), categories=(CATEGORY,), published=_iso(submitted),
                       updated=_iso(updated or submitted), comment=comment,
                       abstract="We study video segmentation. Our method improves the baseline by 3 points.")


def catalog() -> list[CatalogPaper]:
    """One new paper in each of the three windows, the liked paper's v1 (January) and its v2 (in DAY's window)."""
    papers = []
    for n, digest in enumerate((BEFORE, DAY, AFTER), start=1):
        found = announcement(digest)
        assert found is not None
        papers.append(CatalogPaper(_paper(f"2603.0000{n}", found.window_end - timedelta(hours=2)),
                                   _visible_from(digest)))
    v1_at = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    v2_at = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # Tue 10:00 ET: the window of DAY (Mon 14:00 - Tue 14:00 ET)
    papers.append(CatalogPaper(_paper(LIKED, v1_at, title="Liked splats"), datetime(2026, 1, 12, tzinfo=UTC)))
    papers.append(CatalogPaper(_paper(LIKED, v1_at, version=2, updated=v2_at, title="Liked splats <b>v2</b>",
                                      comment=COMMENT), _visible_from(DAY)))
    return papers


@pytest.fixture
def fake() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.state.catalog = catalog()
        server.state.catalog_pdf = single_column_paper()
        yield server


def _like(data_dir: Path) -> None:
    with ReaderStore.open(reader_path(data_dir)) as reader:
        reader.record_feedback("depth", LIKED, 1, "like", at=datetime(2026, 1, 20, 8))
        reader.record_feedback("splats", LIKED, 1, "save", at=datetime(2026, 1, 20, 9))


def _overrides(fake: FakeArxiv, data_dir: Path, now: datetime, **more: Any) -> dict[str, Any]:
    return {"data_dir": str(data_dir), "now": now.isoformat(), "language": "en", "arxiv_api_url": fake.api_url,
            "arxiv_pdf_url": fake.pdf_url, "arxiv_min_interval_seconds": 0, "pdf_min_interval_seconds": 0,
            "http_max_attempts": 1, "verify_coverage": False, **more}


def _run(fake: FakeArxiv, data_dir: Path, day: date, **more: Any) -> dict[str, Any]:
    from flows.daily import daily_digest

    now = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
    fake.state.clock = now
    try:
        result = daily_digest(digest_date=day.isoformat(), category=CATEGORY,
                              overrides=_overrides(fake, data_dir, now, **more), wait_for_announcement=False)
    finally:
        close_stores()
    return result if isinstance(result, dict) else result.data  # a Partial state carries the dict


def _id_lookups(fake: FakeArxiv) -> int:
    return sum(1 for r in fake.requests_to("api") if LIKED in r.query.get("id_list", [""])[0])


def _out(data_dir: Path, day: date, suffix: str) -> str:
    return (data_dir / "out" / CATEGORY / f"{day.isoformat()}.{suffix}").read_text(encoding="utf-8")


def test_a_liked_papers_new_version_is_listed_once_in_the_digest_of_its_window(
        prefect_harness: None, fake: FakeArxiv, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _like(data)
    inbox = Inbox()
    with smtp_server(inbox) as port:
        mail = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
                "email_from": "digest@lab.example", "email_to": ["ann@lab.example"]}
        for day in (BEFORE, DAY, AFTER):
            _run(fake, data, day, **mail)
        lookups = _id_lookups(fake)
        md_before = _out(data, DAY, "md")
        _run(fake, data, DAY, **mail)  # a rerun of the day
    assert _id_lookups(fake) == lookups, "a rerun asks arXiv nothing about revisions it recorded"
    assert _out(data, DAY, "md") == md_before

    for day in (BEFORE, AFTER):
        assert "## Revised" not in _out(data, day, "md") and LIKED not in _out(data, day, "md"), day
        assert LIKED not in _out(data, day, "html") and "revised" not in json.loads(_out(data, day, "json"))

    md = _out(data, DAY, "md")
    parsed = parse_digest(md)
    assert [p.arxiv_id for p in parsed.papers] == ["2603.00002"]  # the revision is not a paper of the day
    assert [e.anchor for e in parsed.toc] == ["2603.00002v1"]
    assert [(e.arxiv_id, e.version) for e in parsed.revised] == [(LIKED, 2)]
    line = next(line for line in md.splitlines() if line.startswith("- [Liked splats"))
    assert line.startswith(f"- [Liked splats &lt;b&gt;v2&lt;/b&gt;](https://arxiv.org/abs/{LIKED}v2) — v2, 2026-03-03")
    assert "arXiv comment: Accepted at CVPR 2026 &lt;script&gt;alert(\"x\")&lt;/script&gt;" in line
    assert "the likes of depth, the library of splats" in line
    findings = check_digest_file(data / "out" / CATEGORY / "2026-03-04.md")["findings"]
    assert [f for f in findings if f["check"].startswith(("revised", "toc", "duplicate", "paper_"))] == []

    page = _out(data, DAY, "html")
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert f'<a href="https://arxiv.org/abs/{LIKED}v2">Liked splats &lt;b&gt;v2&lt;/b&gt;</a>' in page
    assert page.index('id="revised"') > page.index('id="2603.00002v1"')  # after the papers
    store = Store.open(data / "digest.duckdb", read_only=True)
    try:  # the web app's day page renders the same view
        app_page = day_page_html(store, Settings().replace(data_dir=data, language="en"), DAY, CATEGORY, "", {})
    finally:
        store.close()
    assert 'id="revised"' in app_page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in app_page
    payload = json.loads(_out(data, DAY, "json"))
    assert [p["arxiv_id"] for p in payload["papers"]] == ["2603.00002"]
    assert payload["revised"] == [{"id": f"{LIKED}v2", "arxiv_id": LIKED, "version": 2,
                                   "title": "Liked splats <b>v2</b>", "updated": "2026-03-03T15:00:00+00:00",
                                   "comment": COMMENT, "journal_ref": None,
                                   "held_by": [{"profile": "depth", "kind": "likes"},
                                               {"profile": "splats", "kind": "library"}]}]

    mails = {m.message["Subject"]: m.message for m in inbox.received}
    wednesday = [m for subject, m in mails.items() if "2026-03-04" in subject]
    assert len(wednesday) == 1 and len(inbox.received) == 3  # one per day; the rerun sends nothing again
    plain, rich = wednesday[0].get_payload()
    assert "## Revised" in plain.get_content() and f"{LIKED}v2" in plain.get_content()
    html = (rich if rich.get_content_type() == "text/html" else rich.get_payload()[0]).get_content()
    assert f"{LIKED}v2" in html and "<script>" not in html
    for subject, message in mails.items():
        if "2026-03-04" not in subject:
            assert LIKED not in message.get_payload()[0].get_content(), subject


def test_a_failed_lookup_publishes_the_day_without_the_section_and_the_next_run_asks_again(
        prefect_harness: None, fake: FakeArxiv, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "data"
    _like(data)
    fake.fault("ids", ("status", 503))
    with caplog.at_level(logging.WARNING, logger="arxiv_digest.steps.revisions"):
        result = _run(fake, data, DAY)
    assert result["path"].endswith("2026-03-04.md")
    assert "## Revised" not in _out(data, DAY, "md")
    warnings = [r.getMessage() for r in caplog.records if r.name == "arxiv_digest.steps.revisions"]
    assert len(warnings) == 1 and "not looked up (the next run tries again)" in warnings[0]
    assert "\n" not in warnings[0]

    _run(fake, data, DAY)  # the rerun asks again, and lists it
    assert [(e.arxiv_id, e.version) for e in parse_digest(_out(data, DAY, "md")).revised] == [(LIKED, 2)]


def test_no_reader_file_no_request(fake: FakeArxiv, tmp_path: Path) -> None:
    now = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    fake.state.clock = now
    settings = Settings().replace(data_dir=tmp_path / "data", now=now.isoformat(), arxiv_api_url=fake.api_url,
                                  http_max_attempts=1, arxiv_min_interval_seconds=0)
    assert list_revisions(Runtime(settings), DAY, CATEGORY) == []
    assert fake.requests_to("api") == []
    assert not reader_path(tmp_path / "data").exists()  # read-only: the pipeline never creates the reader's file


# -- the pure parts ----------------------------------------------------------------------------------------


def _newest(fake: FakeArxiv) -> list[Any]:
    import httpx

    fake.state.clock = datetime(2026, 3, 6, tzinfo=UTC)
    return list(parse_feed(httpx.get(fake.api_url, params={"id_list": LIKED}).content).papers)


def _events(*items: tuple[str, int, str]) -> list[Feedback]:
    return [Feedback("p", arxiv_id, version, FeedbackAction(action), datetime(2026, 1, 1, 8, n))
            for n, (arxiv_id, version, action) in enumerate(items)]


def test_a_revision_belongs_to_its_windows_digest_or_waits_for_it(fake: FakeArxiv) -> None:
    newest = _newest(fake)
    holds = reader_holds({"p": _events((LIKED, 1, "like"))})

    def listed(day: date, fetched: set[date] = frozenset(), held_here: set[str] = frozenset()) -> list[str]:
        found = announcement(day)
        assert found is not None
        context = RevisionContext(found=found, held_here=held_here, fetched=fetched)
        return [r.versioned_id for r in digest_revisions(newest, holds, context)]

    assert listed(DAY) == [f"{LIKED}v2"]
    assert listed(BEFORE) == []  # its window is before the submission
    assert listed(AFTER) == []  # its own digest was not built: it waits for it
    assert listed(AFTER, fetched={DAY}) == [f"{LIKED}v2"]  # built before arXiv showed it: the next digest lists it
    assert listed(DAY, held_here={LIKED}) == []  # a paper of the day is never listed as revised too
    assert listed(date(2026, 3, 31), fetched={DAY}) == []  # beyond the lookback


def test_only_liked_or_saved_papers_the_reader_met_in_an_older_version_count(fake: FakeArxiv) -> None:
    newest = _newest(fake)
    found = announcement(DAY)
    assert found is not None
    context = RevisionContext(found=found, held_here=(), fetched=())
    for events, expected in (
        (_events((LIKED, 1, "like")), 1),
        (_events((LIKED, 1, "save")), 1),
        (_events((LIKED, 1, "like"), (LIKED, 1, "clear")), 0),  # a withdrawn like
        (_events((LIKED, 1, "dislike")), 0),
        (_events((LIKED, 1, "seen")), 0),
        (_events((LIKED, 1, "save"), (LIKED, 1, "unsave")), 0),
        (_events((LIKED, 2, "like")), 0),  # liked in this very version: nothing new to the reader
    ):
        assert len(digest_revisions(newest, reader_holds({"p": events}), context)) == expected, events


def test_the_checker_accepts_the_section_and_rejects_malformed_or_double_listings() -> None:
    head = ("Time: 20260304\n\n# Arxiv Computer Vision Papers - 2026-03-04\n\n## Executive Summary\n\nA day.\n\n"
            "---\n\n## Table of Contents\n\n1. [A paper](#2603.00002v1)\n\n---\n\n## Papers\n\n"
            "<a id='2603.00002v1'></a>\n## [A paper](https://arxiv.org/abs/2603.00002v1)\n\n**Authors:** A\n\n"
            "**Published:** 2026-03-03\n\n**Categories:** cs.CV\n\n**Abstract:**\n\nWe study it.\n\n"
            "**Analysis:**\n\nIt works well on the benchmark.\n\n**Key Findings:**\n\n- We study it.\n\n"
            "**Links:**\n\n- [PDF](https://arxiv.org/pdf/2603.00002v1)\n\n---\n\n## Revised\n\nNew versions:\n\n")
    good = parse_digest(head + f"- [Liked](https://arxiv.org/abs/{LIKED}v2) — v2, 2026-03-03\n\n---\n")
    assert [(e.arxiv_id, e.version, e.title) for e in good.revised] == [(LIKED, 2, "Liked")]
    assert len(good.papers) == 1 and good.papers[0].links is not None and len(good.papers[0].links) == 1
    assert not [f for f in check_digest(good) if f.check.startswith("revised")]

    checks = {f.check for f in check_digest(parse_digest(head + "- Liked, a new version\n"))}
    assert "revised_entry_malformed" in checks
    checks = {f.check for f in check_digest(parse_digest(head + f"- [L](https://arxiv.org/abs/{LIKED}v1)\n"))}
    assert "revised_entry_malformed" in checks  # a first version is no revision
    checks = {f.check for f in check_digest(parse_digest(head + "- [A](https://arxiv.org/abs/2603.00002v2)\n"))}
    assert "revised_listed_as_new" in checks
