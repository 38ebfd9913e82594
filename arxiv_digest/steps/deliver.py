"""Step 8, deliver: mail the published digest to whoever has not had it (arxiv_digest.delivery.smtp sends)."""

from __future__ import annotations

from datetime import date

from arxiv_digest.delivery.smtp import DeliveryReport, SmtpConnect, deliver, open_smtp, pending_jobs
from arxiv_digest.runtime import Runtime


def deliver_day(runtime: Runtime, day: date, category: str, connect: SmtpConnect = open_smtp) -> DeliveryReport:
    """After publish: mail the day's digest to whoever has not had it, and retry earlier failed deliveries."""
    if not runtime.settings.email_enabled:
        return DeliveryReport(enabled=False)
    store = runtime.store()
    return deliver(store, runtime.settings, pending_jobs(store, runtime.settings, day, category), connect)


def retry_deliveries(runtime: Runtime, day: date | None = None, connect: SmtpConnect = open_smtp) -> DeliveryReport:
    """`rerun --failed`: the failed deliveries of published days (of `day` only, if given); nothing is rebuilt."""
    if not runtime.settings.email_enabled:
        return DeliveryReport(enabled=False)
    store = runtime.store()
    jobs = pending_jobs(store, runtime.settings, None, None)
    return deliver(store, runtime.settings, [job for job in jobs if day is None or job.day == day], connect)


