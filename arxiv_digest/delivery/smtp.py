"""Mail published digests over SMTP, each to each recipient at most once, recording every attempt in the store.

The digest is published (files written, run recorded) before anything here runs, and nothing here raises for
a mail server's fault: a refused, unreachable, hanging or wrongly-configured server leaves a 'failed' row per
recipient, which the next run and `rerun --failed` try again. Every socket operation has
`smtp_timeout_seconds`.

At most once: a recipient's row becomes 'sending' just before the message is handed over (SMTP DATA) and 'sent'
as soon as the server accepts it. When the connection breaks in between, or the process dies, nobody knows
whether the server took the message: the row stays 'sending', is shown by `status` and `audit`, and is not
sent again automatically, since a duplicate digest is worse than a missed one that the operator can see.
Failures before DATA (connection, TLS, login, a refused sender or recipient) are known not to have sent
anything and stay retryable.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email import policy
from pathlib import Path
from typing import Any, Protocol

from arxiv_digest.analysis.summary import category_name
from arxiv_digest.delivery.message import DigestMail, build_digest_mail, message_id
from arxiv_digest.errors import DeliveryError
from arxiv_digest.store import Store
from arxiv_digest.wording import wording_for

log = logging.getLogger(__name__)

SENT, FAILED, SENDING = "sent", "failed", "sending"
# What `status` and `audit` call a delivery whose outcome nobody recorded.
UNKNOWN_OUTCOME = ("handed to the server but its answer was not recorded (connection lost or process stopped): "
                   "not sent again automatically; check the mailbox")

SMTP_PASSWORD_ENV = "ARXIV_DIGEST_SMTP_PASSWORD"  # the variable the password is read from (never a file)


class MailSettings(Protocol):
    """What mailing needs of the settings (arxiv_digest.settings.Settings has it all;
    read-only, as the frozen settings are)."""

    @property
    def smtp_host(self) -> str: ...

    @property
    def smtp_security(self) -> str: ...

    @property
    def smtp_ca_file(self) -> str: ...

    @property
    def smtp_username(self) -> str: ...

    @property
    def smtp_timeout_seconds(self) -> float: ...

    @property
    def email_enabled(self) -> bool: ...

    @property
    def email_to(self) -> Sequence[str]: ...

    @property
    def email_from(self) -> str: ...

    @property
    def email_subject(self) -> str: ...

    @property
    def email_max_age_days(self) -> int: ...

    @property
    def email_max_bytes(self) -> int: ...

    @property
    def language(self) -> str: ...

    @property
    def sample_day(self) -> bool: ...

    @property
    def smtp_effective_port(self) -> int: ...

    @property
    def smtp_password(self) -> str: ...

    def current_time(self) -> datetime: ...


SmtpConnect = Callable[[MailSettings], smtplib.SMTP]


@dataclass(frozen=True)
class DeliveryJob:
    day: date
    category: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryOutcome:
    day: date
    category: str
    recipient: str
    status: str  # sent | failed | sending (outcome unknown)
    error: str = ""


@dataclass
class DeliveryReport:
    enabled: bool
    outcomes: list[DeliveryOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def as_result(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "sent": self.count(SENT),
            "failed": self.count(FAILED),
            "unknown": self.count(SENDING),
            "deliveries": [{"date": o.day.isoformat(), "category": o.category, "recipient": o.recipient,
                            "status": o.status, "error": o.error} for o in self.outcomes],
        }


def smtp_ssl_context(settings: MailSettings) -> ssl.SSLContext:
    """The system's trusted CAs, or `smtp_ca_file` for a relay with a private certificate; names are checked."""
    return ssl.create_default_context(cafile=settings.smtp_ca_file or None)


def _describe(exc: BaseException, settings: MailSettings) -> str:
    where = f"{settings.smtp_host}:{settings.smtp_effective_port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"{where} refused the login of {settings.smtp_username!r} ({exc.smtp_code} "
                f"{_text(exc.smtp_error)}): check smtp_username and {SMTP_PASSWORD_ENV}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where}: {exc} (smtp_security = '{settings.smtp_security}'; does the server offer it?)"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{where} refused " + ", ".join(f"{r} ({c} {_text(m)})" for r, (c, m) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
        exc = exc.__context__  # smtplib reports a read that timed out as a closed connection
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"{where} did not answer within smtp_timeout_seconds ({settings.smtp_timeout_seconds:g} s)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{where}: its TLS certificate is not trusted ({exc.verify_message}); set smtp_ca_file to trust it"
    if isinstance(exc, ssl.SSLError):
        return f"{where}: TLS failed ({exc}); is smtp_security right (ssl for port 465, starttls for 587)?"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot connect to {where}: connection refused; is smtp_host/smtp_port right and the server up?"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection: {exc}"
    if isinstance(exc, OSError):
        return f"cannot talk to {where}: {exc.strerror or exc}"
    return f"{where}: {type(exc).__name__}: {exc}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def open_smtp(settings: MailSettings) -> smtplib.SMTP:
    """A connected, encrypted (unless 'none', on 127.0.0.1 only) and logged-in SMTP client."""
    host, port, timeout = settings.smtp_host, settings.smtp_effective_port, settings.smtp_timeout_seconds
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=smtp_ssl_context(settings))
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    try:
        client.ehlo()
        if settings.smtp_security == "starttls":
            client.starttls(context=smtp_ssl_context(settings))
            client.ehlo()
        if settings.smtp_username:
            client.login(settings.smtp_username, settings.smtp_password)
    except BaseException:
        client.close()
        raise
    return client


def is_fresh(settings: MailSettings, day: date) -> bool:
    """Whether a digest built now is mailed: a backfill of old dates must not send a mail per date. The offline
    sample day is always fresh (it is dated in the past)."""
    if settings.email_max_age_days == 0 or settings.sample_day:
        return True
    return (settings.current_time().date() - day).days <= settings.email_max_age_days


def pending_jobs(store: Store, settings: MailSettings, day: date | None, category: str | None,
                 retry_earlier: bool = True) -> list[DeliveryJob]:
    """Who still gets which digest: the given day's configured recipients it was not sent (or handed) to, if the
    day is recent (`email_max_age_days`), and, with `retry_earlier`, every failed delivery in the store to a
    recipient still configured."""
    wanted: dict[tuple[date, str], list[str]] = {}
    if day is not None and category is not None and is_fresh(settings, day):
        done = store.email_deliveries(day, category)
        wanted[(day, category)] = [r for r in settings.email_to
                                   if (delivery := done.get(r)) is None or delivery.status not in (SENT, SENDING)]
    if retry_earlier:
        for row in store.deliveries_needing_attention():
            if row.status == FAILED and row.recipient in settings.email_to:
                recipients = wanted.setdefault((row.digest_date, row.category), [])
                if row.recipient not in recipients:
                    recipients.append(row.recipient)
    return [DeliveryJob(d, c, tuple(r)) for (d, c), r in sorted(wanted.items()) if r]


def _digest_mail(store: Store, settings: MailSettings, job: DeliveryJob) -> DigestMail:
    page = store.publication(job.day, job.category, "html")
    text = store.publication(job.day, job.category, "markdown")
    if page is None or text is None or not Path(page.path).is_file() or not Path(text.path).is_file():
        raise DeliveryError(f"the {job.category} digest of {job.day} is not published (no HTML and Markdown file): "
                            "build it with `arxiv-digest run --date`")
    wording = wording_for(settings.language)
    template = settings.email_subject or wording.email_subject
    try:
        subject = template.format(category=job.category, name=category_name(job.category), day=job.day.isoformat())
        if settings.sample_day:  # the invented sample papers never pass for a real day in an inbox
            subject = f"[{wording.sample_label}] {subject}"
    except (KeyError, IndexError, ValueError) as exc:
        raise DeliveryError(f"email_subject {template!r} is not a template of {{category}} {{name}} {{day}}: "
                            f"{exc}") from exc
    html_path = Path(page.path)
    return build_digest_mail(html_path.read_text(encoding="utf-8"), Path(text.path).read_text(encoding="utf-8"),
                             base_dir=html_path.parent, subject=subject, sender=settings.email_from,
                             max_bytes=settings.email_max_bytes)


class _ConnectionLost(Exception):
    """The connection is unusable after this recipient's transaction; `outcome` is what became of it."""

    def __init__(self, outcome: DeliveryOutcome) -> None:
        super().__init__(outcome.error)
        self.outcome = outcome


def _send_one(client: smtplib.SMTP, store: Store, settings: MailSettings, job: DeliveryJob, mail: DigestMail,
              recipient: str) -> DeliveryOutcome:
    """One SMTP transaction. Raises _ConnectionLost when the connection is unusable afterwards."""
    def outcome(status: str, reason: str = "") -> DeliveryOutcome:
        return DeliveryOutcome(job.day, job.category, recipient, status, reason)

    mid = message_id(job.category, job.day, recipient, settings.email_from)
    payload = mail.for_recipient(recipient, mid).as_bytes(policy=policy.SMTP)
    refused = ""
    try:
        code, answer = client.mail(settings.email_from)
        if code != 250:
            refused = _describe(smtplib.SMTPSenderRefused(code, answer, settings.email_from), settings)
        else:
            code, answer = client.rcpt(recipient)
            if code not in (250, 251):
                refused = _describe(smtplib.SMTPRecipientsRefused({recipient: (code, answer)}), settings)
        if refused:
            store.record_email_attempt(job.day, job.category, recipient, FAILED, error=refused)
            client.rset()  # the next recipient starts a clean transaction
            return outcome(FAILED, refused)
    except (OSError, smtplib.SMTPException) as exc:
        reason = refused or _describe(exc, settings)
        if not refused:
            store.record_email_attempt(job.day, job.category, recipient, FAILED, error=reason)
        raise _ConnectionLost(outcome(FAILED, reason)) from exc
    store.record_email_attempt(job.day, job.category, recipient, SENDING, message_id=mid,
                               message_bytes=len(payload))
    try:
        code, answer = client.data(payload)
        if code != 250:  # smtplib raises for a refused DATA command, not for a refused message
            raise smtplib.SMTPDataError(code, answer)
    except smtplib.SMTPResponseException as exc:  # the server answered no: it did not take the message
        reason = _describe(exc, settings)
        store.record_email_outcome(job.day, job.category, recipient, FAILED, reason)
        return outcome(FAILED, reason)
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"{_describe(exc, settings)}; {UNKNOWN_OUTCOME}"
        store.record_email_outcome(job.day, job.category, recipient, SENDING, reason)
        raise _ConnectionLost(outcome(SENDING, reason)) from exc
    store.record_email_outcome(job.day, job.category, recipient, SENT)
    log.info("mailed the %s digest of %s to %s (%s)", job.category, job.day, recipient, mid)
    return outcome(SENT)


def deliver(store: Store, settings: MailSettings, jobs: Sequence[DeliveryJob],
            connect: SmtpConnect = open_smtp) -> DeliveryReport:
    """Send each job's digest to its recipients over one connection; every outcome is recorded in the store."""
    report = DeliveryReport(enabled=settings.email_enabled)
    if not settings.email_enabled or not jobs:
        return report

    def fail_all(todo: Sequence[tuple[DeliveryJob, str]], reason: str) -> None:
        for job, recipient in todo:
            store.record_email_attempt(job.day, job.category, recipient, FAILED, error=reason)
            report.outcomes.append(DeliveryOutcome(job.day, job.category, recipient, FAILED, reason))
        log.warning("email delivery failed for %d recipient(s): %s", len(todo), reason)

    mails: list[tuple[DeliveryJob, DigestMail]] = []
    for job in jobs:
        try:
            mails.append((job, _digest_mail(store, settings, job)))
        except (DeliveryError, OSError) as exc:
            fail_all([(job, r) for r in job.recipients], str(exc))
    todo = [(job, mail, recipient) for job, mail in mails for recipient in job.recipients]
    if not todo:
        return report
    try:
        client = connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        fail_all([(job, r) for job, _, r in todo], _describe(exc, settings))
        return report
    try:
        for index, (job, mail, recipient) in enumerate(todo):
            try:
                report.outcomes.append(_send_one(client, store, settings, job, mail, recipient))
            except _ConnectionLost as lost:
                report.outcomes.append(lost.outcome)
                fail_all([(j, r) for j, _, r in todo[index + 1:]], f"not tried: {lost.outcome.error}")
                break
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return report


def delivery_result(outcome: dict[str, Any] | BaseException) -> dict[str, Any]:
    """The deliver step's result for the flow's: its report, or the unexpected error that stopped it."""
    if isinstance(outcome, BaseException):
        return {"enabled": True, "sent": 0, "failed": 0, "unknown": 0, "deliveries": [],
                "error": f"{type(outcome).__name__}: {outcome}"}
    return outcome
