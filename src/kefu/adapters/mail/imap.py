"""Reading a store's mailbox over IMAP (IMAPClient): by UID, read-only (BODY.PEEK, so the
shop's own mail client still sees what is unread), and IDLE for a long-running watcher."""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Sequence

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from kefu.domain.mail import MailError, Security
from kefu.services.ports import FetchedMail, MailConnectionError, MailServer

TIMEOUT = 30.0


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's trusted certificates, plus KEFU_MAIL_CA_FILE (a private CA, or the
    test servers' own certificate); the host name is always checked."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(ca_file)
    return context


def connection_error(exc: BaseException) -> MailConnectionError:
    """An exception from a mail connection as a MailError code and words; never the password."""
    text = str(exc)[:300] or exc.__class__.__name__
    if isinstance(exc, MailConnectionError):
        return exc
    if isinstance(exc, LoginError):
        return MailConnectionError(MailError.AUTH, _words(text))
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return MailConnectionError(MailError.TLS, text)
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailConnectionError(MailError.TIMEOUT, text)
    if isinstance(exc, OSError):
        return MailConnectionError(MailError.CONNECT, text)
    return MailConnectionError(MailError.PROTOCOL, _words(text))


def _words(text: str) -> str:
    return text.removeprefix("b'").removeprefix('b"').rstrip("'\"")


class ImapSession:
    def __init__(self, client: IMAPClient) -> None:
        self.client = client

    def select(self, folder: str) -> tuple[int, int]:
        try:
            status = self.client.select_folder(folder, readonly=True)
        except IMAPClientError as exc:
            raise MailConnectionError(MailError.FOLDER, f"{folder}: {_words(str(exc))}") from exc
        except Exception as exc:
            raise connection_error(exc) from exc
        return int(status[b"UIDVALIDITY"]), int(status.get(b"UIDNEXT", 0))

    def uids_after(self, last_uid: int) -> list[int]:
        try:
            found = self.client.search(["UID", f"{last_uid + 1}:*"])
        except Exception as exc:
            raise connection_error(exc) from exc
        # "n:*" includes the highest UID even when it is below n.
        return sorted(int(uid) for uid in found if int(uid) > last_uid)

    def fetch(self, uids: Sequence[int], max_bytes: int) -> list[FetchedMail]:
        if not uids:
            return []
        try:
            sizes = self.client.fetch(list(uids), ["RFC822.SIZE"])
            size = {uid: int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0)) for uid in uids}
            small = [uid for uid in uids if uid in sizes and size[uid] <= max_bytes]
            large = [uid for uid in uids if uid in sizes and size[uid] > max_bytes]
            bodies = self.client.fetch(small, ["BODY.PEEK[]"]) if small else {}
            heads = self.client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
        except Exception as exc:
            raise connection_error(exc) from exc
        out: list[FetchedMail] = []
        for uid in uids:
            if uid in bodies:
                out.append(FetchedMail(uid, _bytes(bodies[uid].get(b"BODY[]"))))
            elif uid in heads:
                out.append(
                    FetchedMail(uid, _bytes(heads[uid].get(b"BODY[HEADER]")), too_large=True)
                )
        return out

    def idle(self, seconds: float) -> bool:
        try:
            self.client.idle()
            try:
                responses = list(self.client.idle_check(timeout=seconds))
            finally:
                # What arrived between the last check and DONE comes with DONE's answer.
                _, after = self.client.idle_done()
                responses += list(after)
        except Exception as exc:
            raise connection_error(exc) from exc
        return any(
            isinstance(r, tuple) and len(r) > 1 and r[1] in (b"EXISTS", b"RECENT")
            for r in responses
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the connection is going anyway
            self.client.logout()


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else b""


class ImapClient:
    """MailboxClient over IMAPClient; `ca_file` adds a trusted certificate."""

    def __init__(self, ca_file: str | None = None, timeout: float = TIMEOUT) -> None:
        self.ca_file = ca_file
        self.timeout = timeout

    def open(self, server: MailServer, folder: str) -> ImapSession:
        security = Security(server.security)
        try:
            context = tls_context(self.ca_file)
            client = IMAPClient(
                server.host,
                port=server.port,
                ssl=security is Security.TLS,
                ssl_context=context if security is Security.TLS else None,
                timeout=self.timeout,
            )
        except Exception as exc:
            raise connection_error(exc) from exc
        session = ImapSession(client)
        try:
            if security is Security.STARTTLS:
                client.starttls(context)
            client.login(server.user, server.password)
            session.select(folder)
        except BaseException as exc:
            session.close()
            raise connection_error(exc) from exc
        return session
