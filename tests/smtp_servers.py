"""Real SMTP servers on 127.0.0.1 for the delivery tests: aiosmtpd (plain, STARTTLS, implicit TLS, login,
refusals, a connection dropped in the middle of DATA) and a server that accepts connections and never answers.
Certificates are made per test with `cryptography`: a CA and a leaf for 127.0.0.1 signed by it."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Certificates:
    ca_file: Path  # what the client trusts (smtp_ca_file)
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certificates(directory: Path) -> Certificates:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "arxiv-digest test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST)),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    found = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    found.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    found.cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    found.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return found


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.content, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Inbox:
    """The aiosmtpd handler: what the server accepted, and the faults it is told to answer with."""

    refuse_recipients: set[str] = field(default_factory=set)  # 550 at RCPT
    refuse_data: bool = False  # 554 after the message
    drop_during_data: bool = False  # close the connection instead of answering the message
    hang_after_data: float = 0.0  # take the message, then say nothing for this many seconds
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse_recipients:
            return "550 5.1.1 <" + address + ">: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop_during_data:
            # The message has arrived; the answer never will: the client cannot know whether it was taken.
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            server.transport.close()
            return "250 never heard"
        if self.hang_after_data:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            await asyncio.sleep(self.hang_after_data)
            return "250 too late"
        if self.refuse_data:
            return "554 5.7.1 message rejected as spam"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class _PasswordCheck:
    def __init__(self, inbox: Inbox, username: str, password: str) -> None:
        self.inbox, self.username, self.password = inbox, username, password

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.username
              and auth_data.password.decode() == self.password)
        self.inbox.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "", ok))
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@contextmanager
def smtp_server(
    inbox: Inbox,
    *,
    certificates: Certificates | None = None,
    implicit_tls: bool = False,
    username: str = "",
    password: str = "",
) -> Iterator[int]:
    """An aiosmtpd server on 127.0.0.1; yields its port. With certificates it offers STARTTLS (or, with
    implicit_tls, speaks TLS from the first byte); with a username it requires that login."""
    port = free_port()
    kwargs: dict[str, Any] = {}
    if username:
        kwargs.update(authenticator=_PasswordCheck(inbox, username, password), auth_required=True,
                      auth_require_tls=certificates is not None)
    if certificates is not None and implicit_tls:
        kwargs["ssl_context"] = certificates.server_context()
    elif certificates is not None:
        kwargs.update(tls_context=certificates.server_context(), require_starttls=True)
    controller = Controller(inbox, hostname=HOST, port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word (a hung mail server); yields its port."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(8)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        listener.close()
