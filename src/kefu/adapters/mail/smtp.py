"""Sending replies over SMTP from the store's address, threaded (In-Reply-To, References),
with the outbox item's own Message-ID, as plain UTF-8 text."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from kefu.adapters.mail.imap import TIMEOUT, connection_error, tls_context
from kefu.domain.mail import MailError, Security
from kefu.services.ports import MailConnectionError, OutgoingMail


def build_message(mail: OutgoingMail) -> EmailMessage:
    """The reply as RFC 5322 text: plain text only (Amazon's rule, SPEC §13), UTF-8."""
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = f"<{mail.message_id}>"
    if mail.in_reply_to:
        msg["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.references:
        msg["References"] = " ".join(f"<{r}>" for r in mail.references)
    msg["Date"] = formatdate(usegmt=True)
    msg["Auto-Submitted"] = "no"
    msg.set_content(mail.text, subtype="plain", charset="utf-8")
    return msg


class SmtpTransport:
    """MailTransport over smtplib; `ca_file` adds a trusted certificate."""

    def __init__(self, ca_file: str | None = None, timeout: float = TIMEOUT) -> None:
        self.ca_file = ca_file
        self.timeout = timeout

    def send(self, mail: OutgoingMail) -> None:
        server = mail.server
        security = Security(server.security)
        msg = build_message(mail)
        try:
            context = tls_context(self.ca_file)
            if security is Security.TLS:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            with smtp:
                if security is Security.STARTTLS:
                    smtp.starttls(context=context)
                if server.user and (security is not Security.PLAIN or server.password):
                    smtp.login(server.user, server.password)
                smtp.send_message(msg, from_addr=mail.sender, to_addrs=[mail.to])
        except smtplib.SMTPAuthenticationError as exc:
            raise MailConnectionError(MailError.AUTH, _smtp_words(exc), retryable=False) from exc
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise MailConnectionError(MailError.REFUSED, str(exc)[:300], retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailConnectionError(
                MailError.PROTOCOL,
                _smtp_words(exc),
                retryable=exc.smtp_code >= 400 and exc.smtp_code < 500,
            ) from exc
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise connection_error(exc) from exc


def _smtp_words(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {text}"[:300]
