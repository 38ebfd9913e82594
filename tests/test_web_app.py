"""The reader's web app through Starlette's TestClient over a store the real flow built: every page, the
feedback forms (CSRF), signed mail links (signature, expiry, a confirm page), the token beyond loopback, and
hostile input in every field and URL answered with escaped text or a 4xx page, never a traceback."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from web_fixtures import HOSTILE_ID, SECOND_DAY, add_hostile_day, build_sample_day

from arxiv_digest.catalog.sample_day import PAPERS, SAMPLE_DAY
from arxiv_digest.settings import load_settings
from arxiv_digest.store.reader import FeedbackAction, PaperState, ReaderStore
from arxiv_digest.web.app import create_app, host_problem
from arxiv_digest.web.signing import SignedFeedback, feedback_query, signed_feedback_links

pytestmark = pytest.mark.usefixtures("prefect_harness")
FIRST = f"{PAPERS[0].arxiv_id}v1"
DAY_URL = f"/day/cs.CV/{SAMPLE_DAY.isoformat()}"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Path:
    folder = build_sample_day(tmp_path_factory.mktemp("web"))
    add_hostile_day(folder)
    return folder


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    settings = load_settings(environ={}, data_dir=str(data_dir), web_secret="test-secret")
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _state(data_dir: Path, arxiv_id: str, profile: str = "default") -> object:
    if not (data_dir / "reader.duckdb").is_file():
        return PaperState()
    with ReaderStore.open(data_dir / "reader.duckdb", read_only=True) as reader:
        return reader.paper_state(profile, arxiv_id)


def test_every_page_answers_from_the_reading_copy(client: TestClient, data_dir: Path) -> None:
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == f"/day/cs.CV/{SECOND_DAY.isoformat()}"
    day = client.get(DAY_URL)
    assert day.status_code == 200
    assert PAPERS[0].title in day.text and "<nav class=\"app\">" in day.text and "data-action=\"like\"" in day.text
    assert "/static/style.css" in day.text and client.get("/static/style.css").status_code == 200
    second = client.get(f"/day/cs.CV/{SECOND_DAY.isoformat()}").text
    figure = re.search(r'<img src="(figures/[0-9a-f]{64}\.(?:jpg|png))"', second)
    assert figure, "the second day has a teaser figure"
    image = client.get(f"/day/cs.CV/{figure.group(1)}")
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")
    archive = client.get("/archive?category=cs.CV")
    assert SAMPLE_DAY.isoformat() in archive.text and SECOND_DAY.isoformat() in archive.text
    paper = client.get(f"/paper/{FIRST}")
    assert paper.status_code == 200 and PAPERS[0].title in paper.text
    assert "https://github.com/sample-lab/str-vos" in paper.text  # the code link the PDF carries
    assert f"cs.CV {SAMPLE_DAY.isoformat()}" in paper.text and "Sections read" in paper.text
    search = client.get("/search", params={"q": PAPERS[0].title.split()[0], "category": "cs.CV"})
    assert search.status_code == 200 and "<mark>" in search.text and f"/paper/{FIRST}" in search.text
    assert "4/4" in client.get("/status").text or "not verified" in client.get("/status").text
    trends = client.get("/trends")
    assert trends.status_code == 200 and "<svg" in trends.text and "Papers per day" in trends.text
    assert (data_dir / "web" / "reading-copy.duckdb").is_file()
    assert "archive as of" in day.text


def test_feedback_needs_the_forms_token_and_lands_in_the_readers_file(client: TestClient, data_dir: Path) -> None:
    page = client.get(f"/paper/{FIRST}")
    form = {"paper": FIRST, "action": "save", "profile": "default", "back": f"/paper/{FIRST}"}
    refused = client.post("/feedback", data={**form, "csrf": "0" * 64}, follow_redirects=False)
    assert refused.status_code == 403 and not _state(data_dir, PAPERS[0].arxiv_id).saved  # type: ignore[attr-defined]
    done = client.post("/feedback", data={**form, "csrf": _csrf(page.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/paper/{FIRST}"
    assert _state(data_dir, PAPERS[0].arxiv_id).saved  # type: ignore[attr-defined]
    assert "aria-pressed=\"true\"" in client.get(f"/paper/{FIRST}").text
    library = client.get("/library")
    assert PAPERS[0].title in library.text
    bib = client.get("/library.bib")
    assert bib.status_code == 200 and f"eprint = {{{PAPERS[0].arxiv_id}}}" in bib.text
    # A foreign redirect target is not followed.
    away = client.post("/feedback", data={**form, "action": "seen", "back": "//evil.example/x",
                                          "csrf": _csrf(page.text)}, follow_redirects=False)
    assert away.headers["location"] == "/"


def test_signed_mail_link_asks_before_it_records(client: TestClient, data_dir: Path) -> None:
    paper_id = f"{HOSTILE_ID}v1"
    links = signed_feedback_links("http://127.0.0.1:8765", b"test-secret", paper_id, "default",
                                  datetime.now(UTC) + timedelta(days=1))
    url = links["like"].removeprefix("http://127.0.0.1:8765")
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Confirm" in confirm.text
    assert not _state(data_dir, HOSTILE_ID).liked  # type: ignore[attr-defined]  # a prefetch changes nothing
    recorded = client.post(url, data={"csrf": _csrf(confirm.text)})
    assert recorded.status_code == 200 and "Recorded" in recorded.text
    assert _state(data_dir, HOSTILE_ID).liked  # type: ignore[attr-defined]
    assert client.get(url.replace("/like/", "/dislike/")).status_code == 403  # the action is signed
    assert client.get(url.replace("sig=", "sig=0")).status_code == 403
    expired = SignedFeedback("like", paper_id, "default", int((datetime.now(UTC) - timedelta(hours=1)).timestamp()))
    old = client.get(f"/f/like/{paper_id}?" + feedback_query(b"test-secret", expired))
    assert old.status_code == 403 and "expired" in old.text


@pytest.mark.parametrize("url", [
    "/day/cs.CV/2026-13-01", "/day/cs.CV/yesterday", "/day/<script>/2026-01-21", "/day/cs.CV/2026-01-25",
    "/paper/9999.99999", "/paper/not-an-id", "/paper/2601.99001v99999999999999999999", "/paper/../../etc/passwd",
    "/figure/..%2F..%2Fetc%2Fpasswd", "/day/cs.CV/figures/../../digest.duckdb", "/figure/" + "a" * 64 + ".jpg",
    "/search?q=x&category=<script>", "/library?profile=<script>", "/nope", "/f/like/2601.99001v1?exp=soon&sig=x",
    "/f/like/2601.99001v1?exp=99999999999&sig=" + "0" * 64, "/day/cs.CV/9999999999-01-01",
])
def test_bad_urls_get_4xx_pages_never_a_traceback(client: TestClient, url: str) -> None:
    answer = client.get(url)
    assert 400 <= answer.status_code < 500, (url, answer.status_code)
    assert "Traceback" not in answer.text and "<script>" not in answer.text


def test_hostile_text_is_escaped_everywhere(client: TestClient) -> None:
    pages = [client.get(f"/day/cs.CV/{SECOND_DAY.isoformat()}"), client.get(f"/paper/{HOSTILE_ID}"),
             client.get("/search", params={"q": "splat gaussians"}), client.get("/archive"),
             client.get("/search", params={"q": "<script>alert('q')</script>"})]
    for answer in pages:
        assert answer.status_code == 200
        assert "<script>" not in answer.text and "<img src=x" not in answer.text and "<iframe" not in answer.text
    assert "&lt;script&gt;alert(" in pages[0].text and "&lt;script&gt;" in pages[1].text
    assert "<mark>" in pages[2].text and "splat" in pages[2].text.lower() and f"/paper/{HOSTILE_ID}v1" in pages[2].text
    for params in ({"q": "x" * 5000}, {"q": "x", "page": "9" * 50}, {"from": "2026-02-30"}, {"kind": "<b>"},
                   {"min_score": "nan"}):
        refused = client.get("/search", params=params)
        assert refused.status_code == 400 and "Traceback" not in refused.text and "<b>" not in refused.text


def test_any_host_beyond_loopback_needs_a_token(data_dir: Path) -> None:
    assert host_problem("127.0.0.1", "") == "" and host_problem("::1", "") == ""
    assert "ARXIV_DIGEST_WEB_TOKEN" in host_problem("0.0.0.0", "")
    assert host_problem("0.0.0.0", "s3cret") == ""
    settings = load_settings(environ={"ARXIV_DIGEST_WEB_TOKEN": "s3cret"}, data_dir=str(data_dir))
    with TestClient(create_app(settings)) as guarded:
        assert guarded.get("/archive", follow_redirects=False).headers["location"] == "/login"
        assert guarded.post("/login", data={"token": "wrong"}).status_code == 401
        assert guarded.post("/login", data={"token": "s3cret"}).status_code == 200
        assert guarded.get("/archive").status_code == 200
        assert guarded.get("/archive", headers={"authorization": "Bearer s3cret"}).status_code == 200


def test_the_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    from arxiv_digest.web.signing import load_secret

    first = load_secret("", tmp_path)
    assert first == load_secret("", tmp_path) and len(first) == 64
    assert stat.S_IMODE((tmp_path / "web" / "secret").stat().st_mode) == 0o600


def test_reader_state_changes_follow_the_last_press(tmp_path: Path) -> None:
    with ReaderStore.open(tmp_path / "reader.duckdb") as reader:
        reader.record_feedback("p", "2601.1", 1, FeedbackAction.LIKE)
        reader.record_feedback("p", "2601.1", 1, FeedbackAction.DISLIKE)
        assert reader.paper_state("p", "2601.1").disliked and not reader.paper_state("p", "2601.1").liked


def test_web_refuses_a_public_host_without_a_token_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from arxiv_digest.cli import app

    result = CliRunner().invoke(app, ["web", "--host", "0.0.0.0", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "ARXIV_DIGEST_WEB_TOKEN" in result.output
