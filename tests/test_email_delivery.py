"""Email delivery of published digests, against real SMTP servers on 127.0.0.1 (aiosmtpd, and a socket that never
answers): both parts and the inline figures arrive, each recipient gets a digest at most once, and every fault
(bad password, 550, 554, a hang, an untrusted certificate, a connection lost in DATA) is recorded, never blocks
the published digest, and is retried by the next run or `rerun --failed`."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pymupdf
import pytest
from smtp_servers import HOST, Inbox, free_port, make_certificates, silent_server, smtp_server
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.delivery.mail_html import mail_html, parse_style_rules
from arxiv_digest.delivery.message import build_digest_mail, message_id
from arxiv_digest.errors import DeliveryError, SettingsError
from arxiv_digest.runtime import Runtime, close_stores, open_store
from arxiv_digest.settings import Settings, load_settings
from arxiv_digest.steps.deliver import deliver_day, retry_deliveries
from arxiv_digest.store import Store

DAY = date(2026, 1, 21)
NEXT_DAY = date(2026, 1, 22)
runner = CliRunner()

PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>Digest &amp; more</title><style>
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:56rem;color:#1b1b1b}
/* a comment */ nav.toc li{margin:.2rem 0} article{border-top:1px solid #ddd}
.meta{color:#555} article > h2{font-size:1.3rem} a:hover{color:red} @media (max-width:40rem){body{margin:0}}
p.meta b{font-weight:600} figure img{max-width:100%}
</style></head>
<body>
<p class="meta">Time: 20260121 · <a href="index.html">all days</a></p>
<nav class="toc" id="toc"><ol><li><a href="#p1">视觉语言模型 &lt;one&gt;</a></li></ol></nav>
<article id="p1"><h2><a href="https://arxiv.org/abs/2601.00001v1">A paper</a></h2>
<p class="meta" style="color:#000"><b>Authors:</b> A. Author</p>
<figure><img src="figures/aa/teaser.png" alt="teaser"><figcaption>Figure 1: overview</figcaption></figure>
<img src="figures/missing.png" alt="gone"><img src="../outside.png" alt="outside">
<img src="https://tracker.example/pixel.png" alt="remote">
</article>
</body></html>
"""
TEXT = "Time: 20260121\n\n# Arxiv Computer Vision Papers - 2026-01-21\n\n视觉语言模型\n"


def _png(path: Path, width: int, height: int) -> int:
    """A real PNG of noise-free colour blocks (PyMuPDF writes it); returns its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, width, height), False)
    pixmap.set_rect(pixmap.irect, (30, 120, 200))
    pixmap.set_rect(pymupdf.IRect(0, 0, width // 2, height // 2), (240, 200, 20))
    pixmap.save(str(path))
    return path.stat().st_size


def _published_day(data_dir: Path, day: date = DAY, category: str = "cs.CV") -> Path:
    """A published digest in a real store: the HTML and Markdown files and their publication rows."""
    out = data_dir / "out" / category
    _png(out / "figures" / "aa" / "teaser.png", 64, 40)
    (data_dir / "out" / "outside.png").write_bytes((out / "figures" / "aa" / "teaser.png").read_bytes())
    html_path, md_path = out / f"{day}.html", out / f"{day}.md"
    html_path.write_text(PAGE, encoding="utf-8")
    md_path.write_text(TEXT, encoding="utf-8")
    store = open_store(data_dir / "digest.duckdb")
    store.record_publication(day, category, "html", html_path, "h", 1)
    store.record_publication(day, category, "markdown", md_path, "m", 1)
    return html_path


def _settings(data_dir: Path, port: int, **changes: object) -> Settings:
    values: dict[str, object] = dict(data_dir=data_dir, smtp_host=HOST, smtp_port=port, smtp_security="none",
                                     email_from="digest@lab.example", email_to=("ann@lab.example",),
                                     smtp_timeout_seconds=5.0, now="2026-01-22T06:00:00+00:00")
    values.update(changes)
    return Settings().replace(**values)


def _rows(data_dir: Path, day: date = DAY) -> dict[str, dict[str, object]]:
    return open_store(data_dir / "digest.duckdb").email_deliveries(day, "cs.CV")


# -- the message -------------------------------------------------------------------------------------------


def test_style_rules_are_inlined_by_specificity_and_an_elements_own_style_wins() -> None:
    rules = parse_style_rules("a:hover{color:red} nav.toc li{margin:0} .meta{color:#555} p.meta b{x:1} "
                              "@media (max-width:1px){body{margin:0}} ul > li{padding:0}")
    assert [r.specificity for r in rules] == [(0, 1, 2), (0, 1, 0), (0, 1, 2), (0, 0, 2)]  # :hover, @media left out

    html = mail_html(PAGE, lambda src: None).html
    assert "<style" not in html and "max-width:56rem" in html and "a:hover" not in html
    assert '<body><div style="font-family:system-ui,&quot;Noto Sans CJK SC&quot;,sans-serif;max-width:56rem;' \
        in html and html.count("max-width:56rem") == 1 and "</div></body>" in html
    assert '<li style="margin:.2rem 0"><a href="#p1">视觉语言模型 &lt;one&gt;</a></li>' in html
    assert '<p class="meta" style="color:#555">Time: 20260121 · <a>all days</a></p>' in html  # relative link
    assert '<p class="meta" style="color:#000"><b style="font-weight:600">Authors:</b>' in html  # own style wins
    assert '<h2 style="font-size:1.3rem"><a href="https://arxiv.org/abs/2601.00001v1">' in html  # child combinator
    assert "<title>Digest &amp; more</title>" in html  # entities kept as they were
    assert "<img" not in html  # no image resolved: every one is dropped, none loads from elsewhere


def test_mail_has_text_and_html_parts_and_embeds_local_figures_only(tmp_path: Path) -> None:
    html_path = _published_day(tmp_path)
    mail = build_digest_mail(PAGE, TEXT, base_dir=html_path.parent, subject="主题 digest",
                             sender="digest@lab.example", max_bytes=1_000_000)
    message = mail.for_recipient("ann@lab.example", message_id("cs.CV", DAY, "ann@lab.example",
                                                               "digest@lab.example"))
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()
    assert plain.get_content_type() == "text/plain" and plain.get_content() == TEXT
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    html = html_part.get_content()
    assert len(images) == 1  # the teaser; not the missing file, the one outside the page's folder, the remote one
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html and html.count("<img") == 1
    assert images[0].get_content_type() == "image/png"
    assert images[0].get_content() == (html_path.parent / "figures" / "aa" / "teaser.png").read_bytes()
    assert "tracker.example" not in html and "outside" not in html
    assert message["Message-ID"] == message_id("cs.CV", DAY, "ann@lab.example", "digest@lab.example")
    assert message["Message-ID"] != message_id("cs.CV", DAY, "bob@lab.example", "digest@lab.example")


def test_figures_are_left_out_largest_first_to_fit_the_size_cap(tmp_path: Path) -> None:
    base = tmp_path / "out"
    small = _png(base / "figures" / "small.png", 40, 30)
    big = _png(base / "figures" / "big.png", 900, 700)
    page = '<html><body><img src="figures/big.png"><img src="figures/small.png"></body></html>'
    roomy = build_digest_mail(page, "text", base_dir=base, subject="s", sender="a@b.c", max_bytes=10_000_000)
    assert len(roomy.images) == 2 and roomy.left_out == ()
    cap = roomy.size() - (big * 4 // 3) // 2  # too small for both once base64-encoded, enough without the big one
    assert small < big
    fitted = build_digest_mail(page, "text", base_dir=base, subject="s", sender="a@b.c", max_bytes=cap)
    assert fitted.left_out == ("figures/big.png",) and len(fitted.images) == 1 and fitted.size() <= cap
    with pytest.raises(DeliveryError, match="email_max_bytes"):
        build_digest_mail(page, "x" * 5000, base_dir=base, subject="s", sender="a@b.c", max_bytes=2000)


def test_password_comes_from_the_environment_only_and_plain_smtp_only_to_this_machine(tmp_path: Path) -> None:
    config = tmp_path / "arxiv-digest.toml"
    config.write_text('smtp_host = "mail.example.org"\nsmtp_password = "hunter2"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="ARXIV_DIGEST_SMTP_PASSWORD"):
        load_settings(config, environ={})
    with pytest.raises(SettingsError, match="ARXIV_DIGEST_SMTP_PASSWORD"):
        load_settings(None, environ={}, smtp_password="hunter2")
    env = {"ARXIV_DIGEST_SMTP_HOST": "mail.example.org", "ARXIV_DIGEST_SMTP_USERNAME": "ann",
           "ARXIV_DIGEST_SMTP_PASSWORD": "hunter2", "ARXIV_DIGEST_EMAIL_FROM": "digest@example.org",
           "ARXIV_DIGEST_EMAIL_TO": "ann@example.org, bob@example.org"}
    settings = load_settings(None, environ=env)
    assert settings.smtp_password == "hunter2" and "hunter2" not in repr(settings)
    assert settings.email_to == ("ann@example.org", "bob@example.org") and settings.smtp_effective_port == 587
    with pytest.raises(SettingsError, match="only allowed for a server on this machine"):
        load_settings(None, environ={**env, "ARXIV_DIGEST_SMTP_SECURITY": "none"})
    with pytest.raises(SettingsError, match="email_to must list at least one recipient"):
        load_settings(None, environ={**env, "ARXIV_DIGEST_EMAIL_TO": ""})
    assert not load_settings(None, environ={}).email_enabled  # off by default


# -- sending to a real server ------------------------------------------------------------------------------


def test_starttls_with_login_delivers_both_parts_and_the_figure_once_per_recipient(tmp_path: Path) -> None:
    _published_day(tmp_path)
    certificates = make_certificates(tmp_path / "tls")
    inbox = Inbox()
    with smtp_server(inbox, certificates=certificates, username="ann", password="s3cret") as port:
        settings = _settings(tmp_path, port, smtp_security="starttls", smtp_username="ann", smtp_password="s3cret",
                             smtp_ca_file=str(certificates.ca_file),
                             email_to=("ann@lab.example", "bob@lab.example"))
        report = deliver_day(Runtime(settings), DAY, "cs.CV")
        again = deliver_day(Runtime(settings), DAY, "cs.CV")  # the next run: nothing is sent twice
    assert (report.count("sent"), report.count("failed")) == (2, 0)
    assert again.outcomes == []
    assert inbox.logins == [("ann", True)]
    assert sorted(r.rcpt_tos[0] for r in inbox.received) == ["ann@lab.example", "bob@lab.example"]
    for received in inbox.received:
        message = received.message
        assert message["To"] == received.rcpt_tos[0]  # each recipient sees only their own address
        assert message["Subject"] == "Computer Vision（cs.CV）arXiv 论文日报 2026-01-21"
        assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == TEXT
        html = message.get_body(("html",)).get_content()
        image = next(part for part in message.walk() if part.get_content_type() == "image/png")
        assert f"cid:{image['Content-ID'].strip('<>')}" in html and "<style" not in html
    rows = _rows(tmp_path)
    assert {r: (row.status, row.attempts) for r, row in rows.items()} == {
        "ann@lab.example": ("sent", 1), "bob@lab.example": ("sent", 1)}
    assert rows["ann@lab.example"].message_id == inbox.received[0].message["Message-ID"] or \
        rows["ann@lab.example"].message_id == inbox.received[1].message["Message-ID"]


def test_implicit_tls_delivers(tmp_path: Path) -> None:
    _published_day(tmp_path)
    certificates = make_certificates(tmp_path / "tls")
    inbox = Inbox()
    with smtp_server(inbox, certificates=certificates, implicit_tls=True) as port:
        settings = _settings(tmp_path, port, smtp_security="ssl", smtp_ca_file=str(certificates.ca_file))
        report = deliver_day(Runtime(settings), DAY, "cs.CV")
    assert report.count("sent") == 1 and len(inbox.received) == 1


def test_an_untrusted_certificate_fails_and_says_how_to_trust_it(tmp_path: Path) -> None:
    _published_day(tmp_path)
    certificates = make_certificates(tmp_path / "tls")
    inbox = Inbox()
    with smtp_server(inbox, certificates=certificates) as port:
        report = deliver_day(Runtime(_settings(tmp_path, port, smtp_security="starttls")), DAY, "cs.CV")
    assert report.count("failed") == 1 and inbox.received == []
    assert "not trusted" in report.outcomes[0].error and "smtp_ca_file" in report.outcomes[0].error


def test_bad_password_is_recorded_and_the_next_run_sends_it_once(tmp_path: Path) -> None:
    _published_day(tmp_path)
    _published_day(tmp_path, NEXT_DAY)
    inbox = Inbox()
    with smtp_server(inbox, username="ann", password="right") as port:
        wrong = _settings(tmp_path, port, smtp_username="ann", smtp_password="wrong")
        first = deliver_day(Runtime(wrong), DAY, "cs.CV")
        assert first.count("failed") == 1 and inbox.received == []
        assert "refused the login of 'ann' (535" in first.outcomes[0].error
        assert "ARXIV_DIGEST_SMTP_PASSWORD" in first.outcomes[0].error
        assert _rows(tmp_path)["ann@lab.example"].status == "failed"
        # The published digest is untouched; the next day's run retries the failed one along with its own.
        assert (tmp_path / "out" / "cs.CV" / f"{DAY}.html").read_text(encoding="utf-8") == PAGE
        right = _settings(tmp_path, port, smtp_username="ann", smtp_password="right")
        second = deliver_day(Runtime(right), NEXT_DAY, "cs.CV")
        third = deliver_day(Runtime(right), NEXT_DAY, "cs.CV")
        also = retry_deliveries(Runtime(right))
    assert sorted((o.day, o.status) for o in second.outcomes) == [(DAY, "sent"), (NEXT_DAY, "sent")]
    assert third.outcomes == [] and also.outcomes == []
    assert sorted(r.message["Subject"][-10:] for r in inbox.received) == [str(DAY), str(NEXT_DAY)]
    row = _rows(tmp_path)["ann@lab.example"]
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_a_refused_recipient_fails_alone_and_a_refused_message_is_recorded(tmp_path: Path) -> None:
    _published_day(tmp_path)
    inbox = Inbox(refuse_recipients={"gone@lab.example"})
    with smtp_server(inbox) as port:
        settings = _settings(tmp_path, port, email_to=("gone@lab.example", "ann@lab.example"))
        report = deliver_day(Runtime(settings), DAY, "cs.CV")
    outcomes = {o.recipient: o for o in report.outcomes}
    assert outcomes["ann@lab.example"].status == "sent"
    assert outcomes["gone@lab.example"].status == "failed"
    assert "550" in outcomes["gone@lab.example"].error and "mailbox unavailable" in outcomes["gone@lab.example"].error
    assert [r.rcpt_tos for r in inbox.received] == [["ann@lab.example"]]

    spam = Inbox(refuse_data=True)
    with smtp_server(spam) as port:
        report = deliver_day(Runtime(_settings(tmp_path, port, email_to=("cy@lab.example",))), DAY, "cs.CV")
    assert report.outcomes[0].status == "failed" and "554" in report.outcomes[0].error
    assert _rows(tmp_path)["cy@lab.example"].status == "failed"  # a definite no: retried later


def test_a_server_that_never_answers_times_out_within_the_setting(tmp_path: Path) -> None:
    _published_day(tmp_path)
    with silent_server() as port:
        settings = _settings(tmp_path, port, smtp_timeout_seconds=1.0, email_to=("ann@lab.example", "b@lab.example"))
        started = time.monotonic()
        report = deliver_day(Runtime(settings), DAY, "cs.CV")
        elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"a hung server held the delivery for {elapsed:.1f}s"
    assert [o.status for o in report.outcomes] == ["failed", "failed"]
    assert "did not answer within smtp_timeout_seconds (1 s)" in report.outcomes[0].error


def test_a_backfilled_old_day_is_not_mailed_unless_the_age_limit_is_off(tmp_path: Path) -> None:
    _published_day(tmp_path)
    inbox = Inbox()
    with smtp_server(inbox) as port:
        months_later = _settings(tmp_path, port, now="2026-03-02T06:00:00+00:00")
        assert deliver_day(Runtime(months_later), DAY, "cs.CV").outcomes == []
        assert _rows(tmp_path) == {} and inbox.received == []
        no_limit = deliver_day(Runtime(months_later.replace(email_max_age_days=0)), DAY, "cs.CV")
    assert no_limit.count("sent") == 1 and len(inbox.received) == 1


def test_a_server_that_hangs_after_taking_the_message_leaves_it_unknown_not_resent(tmp_path: Path) -> None:
    _published_day(tmp_path)
    inbox = Inbox(hang_after_data=4.0)
    with smtp_server(inbox) as port:
        settings = _settings(tmp_path, port, smtp_timeout_seconds=1.0)
        started = time.monotonic()
        report = deliver_day(Runtime(settings), DAY, "cs.CV")
        elapsed = time.monotonic() - started
        inbox.hang_after_data = 0.0
        later = deliver_day(Runtime(settings), DAY, "cs.CV")
    assert elapsed < 3.0, f"a hung server held the delivery for {elapsed:.1f}s"
    assert report.outcomes[0].status == "sending" and "did not answer within" in report.outcomes[0].error
    assert "not sent again automatically" in report.outcomes[0].error
    assert later.outcomes == [] and len(inbox.received) == 1


def test_starttls_asked_of_a_server_without_it_fails_and_says_so(tmp_path: Path) -> None:
    _published_day(tmp_path)
    with smtp_server(Inbox()) as port:
        report = deliver_day(Runtime(_settings(tmp_path, port, smtp_security="starttls")), DAY, "cs.CV")
    assert report.outcomes[0].status == "failed"
    assert "STARTTLS" in report.outcomes[0].error and "smtp_security = 'starttls'" in report.outcomes[0].error


def test_a_closed_port_is_a_failed_delivery_not_an_exception(tmp_path: Path) -> None:
    _published_day(tmp_path)
    report = deliver_day(Runtime(_settings(tmp_path, free_port())), DAY, "cs.CV")
    assert report.outcomes[0].status == "failed" and "connection refused" in report.outcomes[0].error


def test_a_connection_lost_during_data_is_never_sent_again_and_shows_as_unknown(tmp_path: Path) -> None:
    _published_day(tmp_path)
    inbox = Inbox(drop_during_data=True)
    with smtp_server(inbox) as port:
        settings = _settings(tmp_path, port, email_to=("ann@lab.example", "bob@lab.example"))
        report = deliver_day(Runtime(settings), DAY, "cs.CV")
        inbox.drop_during_data = False
        later = deliver_day(Runtime(settings), DAY, "cs.CV")
    first = {o.recipient: o.status for o in report.outcomes}
    assert first == {"ann@lab.example": "sending", "bob@lab.example": "failed"}  # bob was never tried
    assert {o.recipient: o.status for o in later.outcomes} == {"bob@lab.example": "sent"}
    assert [r.rcpt_tos for r in inbox.received] == [["ann@lab.example"], ["bob@lab.example"]]
    assert _rows(tmp_path)["ann@lab.example"].status == "sending"
    close_stores()
    result = runner.invoke(app, ["status", "--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert "email to ann@lab.example outcome unknown after 1 attempt(s)" in result.output, result.output
    assert "not sent again automatically" in result.output


def test_rerun_failed_mails_a_published_day_without_rebuilding_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    html_path = _published_day(tmp_path)
    store = open_store(tmp_path / "digest.duckdb")
    store.start_run(DAY, "cs.CV", None)
    store.finish_run(DAY, "cs.CV", "completed", {"papers": 1}, {})
    inbox = Inbox(refuse_recipients={"ann@lab.example"})
    with smtp_server(inbox) as port:
        settings = _settings(tmp_path, port)
        assert deliver_day(Runtime(settings), DAY, "cs.CV").count("failed") == 1
        close_stores()
        for key, value in (("DATA_DIR", str(tmp_path)), ("SMTP_HOST", HOST), ("SMTP_PORT", str(port)),
                           ("SMTP_SECURITY", "none"), ("EMAIL_FROM", "digest@lab.example"),
                           ("EMAIL_TO", "ann@lab.example")):
            monkeypatch.setenv(f"ARXIV_DIGEST_{key}", value)
        status = runner.invoke(app, ["status"], env={"COLUMNS": "200"})
        assert "1 failed" in status.output and "retried by the next run" in status.output, status.output
        before = html_path.stat().st_mtime_ns
        inbox.refuse_recipients.clear()
        rerun = runner.invoke(app, ["rerun", "--failed"])
        close_stores()
        again = runner.invoke(app, ["rerun", "--failed"])
    assert rerun.exit_code == 0, rerun.output
    assert "email cs.CV 2026-01-21 to ann@lab.example: sent" in rerun.output
    assert "nothing to rerun" in again.output
    assert len(inbox.received) == 1 and html_path.stat().st_mtime_ns == before
    store = Store.open(tmp_path / "digest.duckdb")
    try:
        assert store.run(DAY, "cs.CV").attempts == 1  # no flow run: nothing rebuilt
    finally:
        store.close()


# -- through the flow --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_the_sample_day_is_published_despite_a_bad_password_and_mailed_once_by_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = Inbox()
    with smtp_server(inbox, username="ann", password="right") as port:
        for key, value in (("SMTP_HOST", HOST), ("SMTP_PORT", str(port)), ("SMTP_SECURITY", "none"),
                           ("SMTP_USERNAME", "ann"), ("SMTP_PASSWORD", "wrong"),
                           ("EMAIL_FROM", "digest@lab.example"), ("EMAIL_TO", "ann@lab.example"),
                           ("SMTP_TIMEOUT_SECONDS", "5")):
            monkeypatch.setenv(f"ARXIV_DIGEST_{key}", value)
        first = runner.invoke(app, ["run", "--sample", "--data-dir", str(tmp_path)])
        close_stores()
        assert first.exit_code == 0, first.output
        assert (tmp_path / "sample-day" / "out" / "cs.CV" / "2026-01-21.html").is_file()  # published, mail or not
        assert "email: 0 sent, 1 failed" in first.output and "refused the login" in first.output
        assert inbox.received == []
        status = runner.invoke(app, ["status", "--data-dir", str(tmp_path / "sample-day")], env={"COLUMNS": "200"})
        assert "completed" in status.output and "1 failed" in status.output, status.output
        audit = runner.invoke(app, ["audit", "--json", "--data-dir", str(tmp_path / "sample-day")])
        undelivered = json.loads(audit.output)["email_deliveries_needing_attention"]
        assert [(u["recipient"], u["status"], u["attempts"]) for u in undelivered] == [("ann@lab.example", "failed", 1)]
        assert "refused the login" in undelivered[0]["error"]
        close_stores()

        monkeypatch.setenv("ARXIV_DIGEST_SMTP_PASSWORD", "right")
        second = runner.invoke(app, ["run", "--sample", "--data-dir", str(tmp_path)])
        close_stores()
        third = runner.invoke(app, ["rerun", "--failed", "--sample", "--data-dir", str(tmp_path)])
        close_stores()
    assert second.exit_code == 0, second.output
    assert "email: 1 sent, 0 failed" in second.output
    assert "nothing to rerun" in third.output
    assert len(inbox.received) == 1
    message = inbox.received[0].message
    html = message.get_body(("html",)).get_content()
    markdown = (tmp_path / "sample-day" / "out" / "cs.CV" / "2026-01-21.md").read_text(encoding="utf-8")
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == markdown
    assert "## Executive Summary" in markdown and "Executive Summary</h2>" in html
    assert "<style" not in html and 'style="' in html
    assert message["Subject"] == "[离线样例] Computer Vision（cs.CV）arXiv 论文日报 2026-01-21"  # never a real day
