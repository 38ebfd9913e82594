"""One digest as an email: a plain-text part (the Markdown) and an HTML part (the page, styles inlined) with its
figures embedded as related parts, under a size cap. Pure but for reading the figures the page points at."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass, field
from datetime import date
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from arxiv_digest.delivery.mail_html import mail_html
from arxiv_digest.errors import DeliveryError


@dataclass(frozen=True)
class DigestMail:
    """What goes to every recipient; `for_recipient` adds the headers that differ."""

    subject: str
    sender: str
    text: str
    html: str
    images: dict[str, tuple[str, bytes, str]]  # content id -> (mime type, bytes, file name)
    left_out: tuple[str, ...] = field(default=())  # figures dropped to stay under the size cap

    def for_recipient(self, recipient: str, message_id: str) -> EmailMessage:
        message = EmailMessage(policy=policy.SMTP)
        message["Subject"] = self.subject
        message["From"] = self.sender
        message["To"] = recipient
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = message_id
        message.set_content(self.text, subtype="plain", charset="utf-8")
        message.add_alternative(self.html, subtype="html", charset="utf-8")
        html_part = message.get_payload()[1]
        for cid, (mime, data, name) in self.images.items():
            maintype, _, subtype = mime.partition("/")
            html_part.add_related(data, maintype=maintype, subtype=subtype, cid=f"<{cid}>", filename=name,
                                  disposition="inline")
        return message

    def size(self) -> int:
        return len(self.for_recipient("size@example.org", "<size@example.org>").as_bytes())


def message_id(category: str, day: date, recipient: str, sender: str) -> str:
    """The same id for the same digest and recipient: a mailbox that somehow gets it twice can tell."""
    domain = Address(addr_spec=sender).domain or "arxiv-digest.invalid"
    token = hashlib.sha256(f"{category}|{day.isoformat()}|{recipient.lower()}".encode()).hexdigest()[:16]
    return f"<arxiv-digest.{category}.{day.isoformat()}.{token}@{domain}>"


def _local_image(src: str, base_dir: Path) -> Path | None:
    """The file a relative <img src> names, if it exists inside the page's directory."""
    if not src or ":" in src.split("/", 1)[0] or src.startswith(("/", "//")):
        return None
    root = base_dir.resolve()
    path = (root / src.split("?", 1)[0].split("#", 1)[0]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    mime = mimetypes.guess_type(path.name)[0] or ""
    return path if mime.startswith("image/") else None


def build_digest_mail(page: str, text: str, *, base_dir: Path, subject: str, sender: str,
                      max_bytes: int) -> DigestMail:
    """The mail of one digest. Figures that would take it over `max_bytes` are left out, largest first; a
    message whose text alone is over the cap is a DeliveryError."""
    found: dict[str, Path] = {}

    def cid_for(src: str, skip: frozenset[str]) -> str | None:
        path = _local_image(src, base_dir)
        if path is None or src in skip:
            return None
        cid = f"{hashlib.sha256(str(path).encode()).hexdigest()[:24]}@arxiv-digest"
        found[cid] = path
        return cid

    skipped: frozenset[str] = frozenset()
    while True:
        found.clear()
        rewritten = mail_html(page, lambda src, skip=skipped: cid_for(src, skip))
        images = {}
        for cid, path in found.items():
            images[cid] = (mimetypes.guess_type(path.name)[0] or "application/octet-stream", path.read_bytes(),
                           path.name)
        mail = DigestMail(subject, sender, text, rewritten.html, images, tuple(sorted(skipped)))
        size = mail.size()
        if size <= max_bytes:
            return mail
        if not rewritten.images:
            raise DeliveryError(f"the digest's text alone is {size} bytes, over email_max_bytes ({max_bytes}): "
                                "raise email_max_bytes")
        by_size = {src: len(images[cid][1]) for src, cid in rewritten.images.items()}
        skipped = skipped | {max(by_size, key=lambda src: by_size[src])}
