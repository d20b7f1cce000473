"""E-mail as a channel: a store's mailbox settings, the limits on what is read, threading
keys, and Amazon's Buyer-Seller Messaging relay (SPEC §2, §13; docs/mail.md).

Plain rules over plain values: the mail adapter parses MIME and talks IMAP/SMTP; this
module decides what a mailbox may be set to, what counts as relay mail, which order a
relay message is about, and how a message and a thread are named inside kefu.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

from kefu.domain.errors import FieldError

# --- limits against mail bombs (docs/mail.md "Limits") -------------------------------------

MAX_MAIL_BYTES = 25 * 1024 * 1024  # a whole message as fetched; larger ones are refused
MAX_PARTS = 100  # MIME parts in one message
MAX_DEPTH = 10  # multipart nesting
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # Amazon's own attachment limit (SPEC §13)
MAX_ATTACHMENTS_BYTES = 20 * 1024 * 1024  # all attachments of one message together
MAX_HEADER_CHARS = 998 * 4  # a folded header longer than this is cut (RFC 5322: 998/line)
PULL_BATCH = 200  # messages fetched and stored per transaction

# --- mailbox settings ---------------------------------------------------------------------


class Security(StrEnum):
    """How a connection is protected: TLS from the first byte (IMAPS 993, SMTPS 465),
    STARTTLS on the plain port (143, 587), or none — only to this machine itself."""

    TLS = "tls"
    STARTTLS = "starttls"
    PLAIN = "plain"


MAX_HOST = 253
MAX_USER = 320
MAX_PASSWORD = 1024
MAX_FOLDER = 200
MAX_ADDRESS = 254
# A practical address check (RFC 5321 sizes, one @, a dotted domain); the server decides the rest.
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
HOST = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


@dataclass(frozen=True)
class MailboxDraft:
    """What the owner types for a store's mailbox. An empty password on a change keeps
    the stored one (passwords are never shown back, so the form cannot repeat them)."""

    address: str
    imap_host: str
    imap_port: int
    imap_security: str
    imap_user: str
    imap_password: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str
    folder: str = "INBOX"
    amazon_relay: bool = False
    enabled: bool = True

    def cleaned(self) -> MailboxDraft:
        return replace(
            self,
            address=self.address.strip(),
            imap_host=self.imap_host.strip().lower(),
            imap_security=self.imap_security.strip().lower(),
            imap_user=self.imap_user.strip(),
            smtp_host=self.smtp_host.strip().lower(),
            smtp_security=self.smtp_security.strip().lower(),
            smtp_user=self.smtp_user.strip(),
            folder=self.folder.strip() or "INBOX",
        )


def is_loopback(host: str) -> bool:
    """This machine itself: `localhost` or a loopback address (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mailbox_problems(draft: MailboxDraft, *, password_kept: bool = False) -> list[FieldError]:
    """Every bad field of a mailbox at once. `password_kept`: a stored password stands in
    for an empty one (a change that does not retype it)."""
    d = draft.cleaned()
    errors: list[FieldError] = []
    if len(d.address) > MAX_ADDRESS or not ADDRESS.match(d.address):
        errors.append(
            FieldError(
                "address", "must be an e-mail address like shop@example.com", value=d.address[:80]
            )
        )
    for side, host, port, security, user, password in (
        ("imap", d.imap_host, d.imap_port, d.imap_security, d.imap_user, d.imap_password),
        ("smtp", d.smtp_host, d.smtp_port, d.smtp_security, d.smtp_user, d.smtp_password),
    ):
        errors += _server_problems(side, host, port, security)
        if not user or len(user) > MAX_USER or _hidden(user):
            errors.append(
                FieldError(f"{side}_user", f"is required, at most {MAX_USER} printable characters")
            )
        if len(password) > MAX_PASSWORD or "\n" in password or "\0" in password:
            errors.append(
                FieldError(
                    f"{side}_password", f"must be one line of at most {MAX_PASSWORD} characters"
                )
            )
        elif not password and not password_kept:
            errors.append(FieldError(f"{side}_password", "is required"))
    if len(d.folder) > MAX_FOLDER or _hidden(d.folder):
        errors.append(
            FieldError(
                "folder",
                f"must be a folder name of at most {MAX_FOLDER} printable characters",
                value=d.folder[:80],
            )
        )
    return errors


def _server_problems(side: str, host: str, port: int, security: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not host or len(host) > MAX_HOST or not (HOST.match(host) or _is_ip(host)):
        errors.append(
            FieldError(f"{side}_host", "must be a host name or an IP address", value=host[:80])
        )
    if not 1 <= port <= 65535:
        errors.append(FieldError(f"{side}_port", "must be a port from 1 to 65535", value=str(port)))
    try:
        level = Security(security)
    except ValueError:
        errors.append(
            FieldError(
                f"{side}_security", "must be one of: tls, starttls, plain", value=security[:20]
            )
        )
        return errors
    if level is Security.PLAIN and host and not is_loopback(host):
        errors.append(
            FieldError(
                f"{side}_security",
                "plain (no TLS) is allowed only to this machine (127.0.0.1, localhost)",
                value=security,
            )
        )
    return errors


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _hidden(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def mask(secret: str) -> str:
    """How a stored password is shown: never the text, only that there is one."""
    return "••••••••" if secret else ""


# --- health ------------------------------------------------------------------------------


class MailError(StrEnum):
    """Why a mailbox could not be read or written; stable codes, shown in the agent's
    language (web/labels.py) with the server's own words beside them."""

    AUTH = "auth_failed"  # the server refused the user or password
    CONNECT = "connect_failed"  # no answer, refused, unknown host
    TLS = "tls_failed"  # the certificate or the TLS handshake failed
    TIMEOUT = "timeout"
    FOLDER = "folder_missing"  # the folder to read does not exist
    PROTOCOL = "protocol_error"  # the server answered something unexpected
    NO_KEY = "no_secret_key"  # KEFU_SECRET_KEY is not set, or cannot open the password
    REFUSED = "send_refused"  # SMTP refused the sender or the recipient


# --- naming messages and threads ---------------------------------------------------------

MAX_KEY = 128  # kefu's message and conversation ids (domain/messages.MAX_ID_CHARS)
_MSGID = re.compile(r"<([^<>\s]{1,990})>")


def message_ids(header: str | None) -> list[str]:
    """The Message-IDs in a Message-ID, In-Reply-To or References header, in order,
    without brackets; tolerant of folding, comments and missing brackets."""
    if not header:
        return []
    found = _MSGID.findall(header)
    if found:
        return found
    bare = header.strip().strip("<>").strip()
    return [bare] if bare and " " not in bare and len(bare) <= 990 else []


def message_key(message_id: str) -> str:
    """kefu's id for a mail (unique per store): its Message-ID, or a digest when too long."""
    if len(message_id) <= MAX_KEY - 5 and message_id.isprintable():
        return "mail:" + message_id
    return "mail#" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()


def thread_key(root_message_id: str) -> str:
    """The conversation a new mail thread opens, named by its first Message-ID."""
    return (
        "mailthread:" + hashlib.sha256(root_message_id.encode("utf-8", "replace")).hexdigest()[:40]
    )


def outgoing_message_id(idempotency_key: str, store_code: str, address: str) -> str:
    """The Message-ID of an outbox item: the same item always gets the same id, so a
    retry after an uncertain send repeats the message instead of making a second one."""
    digest = hashlib.sha256(f"{store_code}\n{idempotency_key}".encode()).hexdigest()[:32]
    domain = address.rsplit("@", 1)[-1].lower() if "@" in address else "kefu.invalid"
    return f"kefu.{digest}@{domain}"


def reply_subject(subject: str | None) -> str:
    """`Re: ` once in front of the subject the buyer used (Amazon keeps the order id in it)."""
    text = (subject or "").strip()
    if re.match(r"^(re|aw|sv|antw|回复|答复)\s*[:：]", text, re.IGNORECASE):
        return text
    return f"Re: {text}" if text else "Re: your message"


# --- Amazon Buyer-Seller Messaging relay (SPEC §13, PLATFORMS.md) ------------------------

# Relay aliases: <alias>@marketplace.amazon.<site domain>, one stable alias per buyer.
AMAZON_RELAY = re.compile(
    r"^(?P<alias>[a-z0-9][a-z0-9._+-]{0,63})@marketplace\.amazon\.(?P<site>[a-z]{2,3}(\.[a-z]{2})?)$",
    re.IGNORECASE,
)
# An Amazon order id: 3-7-7 digits (e.g. 112-4567890-1234567).
AMAZON_ORDER = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")


@dataclass(frozen=True)
class RelayFacts:
    """What a relayed buyer message says about itself."""

    alias: str  # the buyer's stable identity on the store (lower case)
    site: str  # amazon.com, amazon.co.uk, amazon.de…
    order_number: str | None  # the first order id in the subject, else in the body


def relay_facts(sender: str, subject: str | None, body: str | None) -> RelayFacts | None:
    """The relay facts of a mail whose sender is an Amazon relay alias, else None.

    The sender decides: a mail is relay mail when it comes from
    `…@marketplace.amazon.<site>`; a mailbox marked as an Amazon relay mailbox treats
    other mail (Amazon's own notices, a buyer writing directly) as ordinary mail."""
    match = AMAZON_RELAY.match(sender.strip())
    if match is None:
        return None
    return RelayFacts(
        alias=sender.strip().lower(),
        site="amazon." + match.group("site").lower(),
        order_number=amazon_order_number(subject) or amazon_order_number(body),
    )


def amazon_order_number(text: str | None) -> str | None:
    """The first Amazon order id in `text`."""
    if not text:
        return None
    found = AMAZON_ORDER.search(text)
    return found.group(1) if found else None


def relay_conversation_key(alias: str, order_number: str | None) -> str:
    """One conversation per relay alias and order (one general one without an order)."""
    key = f"amazon:{alias.lower()}"
    key = f"{key}#{order_number}" if order_number else key
    if len(key) <= MAX_KEY:
        return key
    return "amazon#" + hashlib.sha256(key.encode()).hexdigest()


_RELAY_FRAME = re.compile(
    r"-{3,}\s*Message:\s*-{3,}\s*\n(?P<body>.*?)\n\s*-{3,}\s*End message\s*-{3,}",
    re.DOTALL | re.IGNORECASE,
)


def relay_body(text: str) -> str:
    """The buyer's words of a relayed message: Amazon frames them between
    "------------- Message: -------------" and "------------- End message -------------",
    followed by its own notice and the order lines; without the frame, the text as is."""
    found = _RELAY_FRAME.search(text)
    return found.group("body").strip() if found else text
