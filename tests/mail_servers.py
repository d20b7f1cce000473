"""The real mail servers of the e-mail tests (.ci/mail-servers.sh: Dovecot and Postfix on
loopback), and helpers to send a buyer's mail into a store's mailbox and read what
arrived in the buyer's — for the integration tests and the lead's browser test.

Any address in the test domains (shop.test, buyer.test, marketplace.amazon.com…) is a
mailbox with the one test password, so each test makes addresses of its own (`address`).
With KEFU_MAIL_TEST_REQUIRED=1 (CI) a test needing the servers fails when they are not
there; otherwise it is skipped with the reason.
"""

from __future__ import annotations

import email
import email.utils
import os
import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.policy import default as default_policy

import pytest
from imapclient import IMAPClient

from kefu.domain.mail import MailboxDraft


@dataclass(frozen=True)
class MailServers:
    host: str
    imap_port: int
    imaps_port: int
    smtp_port: int
    submission_port: int
    smtps_port: int
    password: str
    ca_file: str

    @staticmethod
    def from_env() -> MailServers:
        env = os.environ.get
        return MailServers(
            host=env("KEFU_MAIL_TEST_HOST", "127.0.0.1"),
            imap_port=int(env("KEFU_MAIL_TEST_IMAP_PORT", "10143")),
            imaps_port=int(env("KEFU_MAIL_TEST_IMAPS_PORT", "10993")),
            smtp_port=int(env("KEFU_MAIL_TEST_SMTP_PORT", "10025")),
            submission_port=int(env("KEFU_MAIL_TEST_SUBMISSION_PORT", "10587")),
            smtps_port=int(env("KEFU_MAIL_TEST_SMTPS_PORT", "10465")),
            password=env("KEFU_MAIL_TEST_PASSWORD", "kefu-mail-test"),
            ca_file=env("KEFU_MAIL_TEST_CA", "/etc/kefu-mail/cert.pem"),
        )

    def missing(self) -> str | None:
        """Why the servers cannot be used, or None."""
        for port in (self.imap_port, self.imaps_port, self.smtp_port, self.submission_port):
            try:
                socket.create_connection((self.host, port), timeout=2).close()
            except OSError as exc:
                return f"no mail server on {self.host}:{port} ({exc}); run .ci/mail-servers.sh"
        if not os.path.exists(self.ca_file):
            return f"no certificate at {self.ca_file}; run .ci/mail-servers.sh"
        return None

    @staticmethod
    def address(who: str, domain: str = "shop.test") -> str:
        """A fresh mailbox of this test alone."""
        return f"{who}-{uuid.uuid4().hex[:12]}@{domain}"

    def tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        context.load_verify_locations(self.ca_file)
        return context

    def draft(
        self, address: str, *, password: str | None = None, **changes: object
    ) -> MailboxDraft:
        """A store mailbox on the test servers: IMAPS to read, submission + STARTTLS to send."""
        values: dict[str, object] = {
            "address": address,
            "imap_host": self.host,
            "imap_port": self.imaps_port,
            "imap_security": "tls",
            "imap_user": address,
            "imap_password": password if password is not None else self.password,
            "smtp_host": self.host,
            "smtp_port": self.submission_port,
            "smtp_security": "starttls",
            "smtp_user": address,
            "smtp_password": self.password,
        }
        values.update(changes)
        return MailboxDraft(**values)  # type: ignore[arg-type]

    def send(self, message: EmailMessage | bytes, sender: str, to: str) -> None:
        """Deliver a mail through Postfix (plain SMTP on loopback, as another server would)."""
        raw = message if isinstance(message, bytes) else message.as_bytes()
        with smtplib.SMTP(self.host, self.smtp_port, timeout=10) as smtp:
            smtp.sendmail(sender, [to], raw)

    def buyer_mail(
        self,
        sender: str,
        to: str,
        text: str,
        *,
        subject: str = "Question about my order",
        in_reply_to: str | None = None,
        message_id: str | None = None,
    ) -> str:
        """Send a buyer's plain-text mail to `to`; returns its Message-ID (no brackets)."""
        msg = EmailMessage()
        own_id = message_id or f"{uuid.uuid4().hex}@buyer.test"
        msg["From"] = sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = f"<{own_id}>"
        msg["Date"] = email.utils.formatdate()
        if in_reply_to:
            msg["In-Reply-To"] = f"<{in_reply_to}>"
            msg["References"] = f"<{in_reply_to}>"
        msg.set_content(text)
        self.send(msg, sender, to)
        return own_id

    def append(self, address: str, raws: list[bytes], folder: str = "INBOX") -> None:
        """Put mail straight into a mailbox (IMAP APPEND), as if delivered."""
        with IMAPClient(self.host, port=self.imaps_port, ssl=True, ssl_context=self.tls()) as c:
            c.login(address, self.password)
            for raw in raws:
                c.append(folder, raw)

    def messages(self, address: str, folder: str = "INBOX") -> list[Message]:
        with IMAPClient(self.host, port=self.imaps_port, ssl=True, ssl_context=self.tls()) as c:
            c.login(address, self.password)
            c.select_folder(folder, readonly=True)
            uids = c.search()
            found = c.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [
            email.message_from_bytes(found[uid][b"BODY[]"], policy=default_policy)
            for uid in sorted(found)
        ]

    def wait_for(
        self,
        address: str,
        count: int = 1,
        timeout: float = 20.0,
        where: Callable[[Message], bool] = lambda m: True,
    ) -> list[Message]:
        """The mail in `address`'s inbox once at least `count` match `where` (Postfix
        delivers in the background); fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages(address) if where(m)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.2)


def servers_or_skip() -> MailServers:
    servers = MailServers.from_env()
    reason = servers.missing()
    if reason is not None:
        if os.environ.get("KEFU_MAIL_TEST_REQUIRED") or os.environ.get("CI"):
            pytest.fail(f"the mail servers are required here: {reason}")
        pytest.skip(reason)
    return servers
