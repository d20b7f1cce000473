"""Raw e-mail → ParsedMail: the standard library's `email` (policy.default) for MIME,
inscriptis for HTML → text, mail-parser-reply for quoted history and signatures.

Limits (domain.mail) are checked before and while walking the MIME tree, so a mail bomb
costs at most the bytes already fetched. A mail that cannot be read whole is kept as far
as it can be, with the reason (`refused` for the whole, `dropped` for single parts).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from inscriptis import get_text
from inscriptis.model.config import ParserConfig
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

from kefu.domain.mail import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_BYTES,
    MAX_DEPTH,
    MAX_HEADER_CHARS,
    MAX_MAIL_BYTES,
    MAX_PARTS,
    message_ids,
)
from kefu.services.ports import MailAttachment, ParsedMail

# Charsets buyers' mail clients declare, by what they really are: GB2312 and GBK mail
# holds GBK/GB18030 characters (Outlook, QQ Mail), Big5 mail often Big5-HKSCS, and
# ISO-8859-1 is in practice Windows-1252 (WHATWG encoding standard).
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
_TAGS = re.compile(r"<[a-zA-Z!/?]")
_BLANK_LINES = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEXT_CONFIG = ParserConfig(display_links=False, display_images=False)
_REPLY_PARSER = EmailReplyParser(languages=list(MAIL_LANGUAGES))
_AUTO = re.compile(r"^(auto-(replied|generated|notified))", re.IGNORECASE)


def charset_of(declared: str | None) -> str:
    """The codec to read `declared` text with; unknown charsets fall back to UTF-8."""
    name = (declared or "utf-8").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Text from bytes in the declared charset; a wrong or broken declaration falls back
    to UTF-8, then GB18030 (Chinese mail mislabelled), then the declared one with
    replacement characters — never an exception."""
    first = charset_of(declared)
    for codec in dict.fromkeys((first, "utf-8", "gb18030")):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(first, errors="replace")


_HEADER_SPACE = re.compile(r"[ \t\r\n]+")


def decode_header_value(raw: str | None) -> str:
    """A header as text: RFC 2047 words decoded with the charset mapping above, folding
    undone and runs of spaces collapsed (a client's folding adds or keeps them
    unpredictably, so "0  0" and a folded "0 0" read the same), control characters out,
    length capped."""
    if not raw:
        return ""
    raw = raw[:MAX_HEADER_CHARS]
    try:
        parts = decode_header(raw)
    except Exception:  # a malformed encoded word: keep the raw text
        parts = [(raw, None)]
    out: list[str] = []
    for value, charset in parts:
        out.append(decode_bytes(value, charset) if isinstance(value, bytes) else value)
    text = "".join(out)
    text = _HEADER_SPACE.sub(" ", text)
    return _CONTROL.sub("", text).strip()


def html_to_text(html: str) -> str:
    """Safe plain text from HTML mail: no markup, scripts or styles survive (inscriptis)."""
    try:
        text = str(get_text(html, _TEXT_CONFIG))
    except Exception:  # lxml gives up on some garbage: drop the tags crudely
        text = re.sub(r"<[^>]*>", " ", html)
    return text


def latest_words(text: str) -> str:
    """The buyer's new words: quoted history and signature cut (mail-parser-reply)."""
    if not text.strip():
        return ""
    try:
        replies = _REPLY_PARSER.read(text).replies
    except Exception:  # the library failing must not lose the message
        return text.strip()
    if not replies:
        return text.strip()
    body = replies[0].body.strip()
    return body or replies[0].full_body.strip() or text.strip()


class MailParser:
    """Parses raw RFC 5322 bytes; one instance is shared (it holds no state)."""

    def parse(self, raw: bytes) -> ParsedMail:
        if len(raw) > MAX_MAIL_BYTES:
            return _refused(raw, f"the mail is {len(raw)} bytes; the limit is {MAX_MAIL_BYTES}")
        try:
            msg = BytesParser(policy=policy.default).parsebytes(raw)
        except Exception as exc:  # the parser is lenient; this is rare
            return _refused(raw, f"not readable as e-mail: {exc.__class__.__name__}")
        header = _Headers(msg)
        own_id = (message_ids(header.get("Message-ID")) or [_digest_id(raw)])[0]
        sender_name, sender = _sender(header.get("From"), header.get("Reply-To"))
        base = ParsedMail(
            message_id=own_id,
            in_reply_to=tuple(message_ids(header.get("In-Reply-To"))),
            references=tuple(message_ids(header.get("References"))[-50:]),
            sender=sender,
            sender_name=sender_name,
            subject=decode_header_value(header.get("Subject"))[:500],
            sent_at=_date(header.get("Date")),
            text="",
            auto_submitted=bool(
                _AUTO.match(header.get("Auto-Submitted") or "")
                or (header.get("Content-Type") or "").lower().startswith("multipart/report")
            ),
        )
        walk = _Walk()
        try:
            walk.visit(msg, 0)
        except _TooMuch as exc:
            return replace(base, text=walk.text(), refused=str(exc))
        return replace(
            base,
            text=walk.text(),
            attachments=tuple(walk.attachments),
            dropped=tuple(walk.dropped),
        )


class _Headers:
    """Raw header values (still encoded), so that charsets are decoded our way."""

    def __init__(self, msg: Message) -> None:
        self._raw: dict[str, str] = {}
        for name, value in msg.raw_items():
            self._raw.setdefault(name.lower(), str(value))

    def get(self, name: str) -> str | None:
        return self._raw.get(name.lower())


def _sender(from_raw: str | None, reply_to_raw: str | None) -> tuple[str | None, str]:
    for raw in (from_raw, reply_to_raw):
        if not raw:
            continue
        for name, address in getaddresses([decode_header_value(raw)]):
            if "@" in address:
                return (name.strip() or None), address.strip().lower()[:254]
    return None, ""


def _date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(decode_header_value(raw))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def _digest_id(raw: bytes) -> str:
    """A mail without a Message-ID is named by its bytes: fetched again, it is the same."""
    return "no-message-id." + hashlib.sha256(raw).hexdigest()[:40] + "@kefu.invalid"


def _refused(raw: bytes, reason: str) -> ParsedMail:
    head = raw[:65536]
    try:
        msg = BytesParser(policy=policy.default).parsebytes(head, headersonly=True)
        header = _Headers(msg)
    except Exception:
        header = _Headers(EmailMessage())
    sender_name, sender = _sender(header.get("From"), header.get("Reply-To"))
    return ParsedMail(
        message_id=(message_ids(header.get("Message-ID")) or [_digest_id(raw)])[0],
        in_reply_to=tuple(message_ids(header.get("In-Reply-To"))),
        references=tuple(message_ids(header.get("References"))[-50:]),
        sender=sender,
        sender_name=sender_name,
        subject=decode_header_value(header.get("Subject"))[:500],
        sent_at=_date(header.get("Date")),
        text="",
        refused=reason,
    )


class _TooMuch(Exception):
    pass


class _Walk:
    """Depth-first over the MIME tree: the first text/plain (else text/html) body is
    the message; other parts with a file name, or not text, are attachments."""

    def __init__(self) -> None:
        self.parts = 0
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[MailAttachment] = []
        self.dropped: list[str] = []
        self.attached_bytes = 0

    def text(self) -> str:
        if self.plain:
            body = "\n\n".join(self.plain)
        elif self.html:
            body = html_to_text("\n".join(self.html))
        else:
            body = ""
        body = _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n"))
        words = latest_words(body)
        return _BLANK_LINES.sub("\n\n", words).strip()

    def visit(self, part: Message, depth: int) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise _TooMuch(f"more than {MAX_PARTS} MIME parts")
        if depth > MAX_DEPTH:
            raise _TooMuch(f"MIME parts nested deeper than {MAX_DEPTH}")
        if part.is_multipart():
            payload = part.get_payload()
            children = (
                [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
            )
            if part.get_content_subtype() == "alternative":
                children = _preferred(children)
            for child in children:
                self.visit(child, depth + 1)
            return
        maintype = part.get_content_maintype()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if maintype == "message":  # a forwarded mail: its text is part of this one
            self._inner(part, depth)
            return
        if maintype == "text" and disposition != "attachment" and not filename:
            self._body(part)
            return
        self._attachment(part, filename)

    def _inner(self, part: Message, depth: int) -> None:
        inner = part.get_payload()
        for message in inner if isinstance(inner, list) else []:
            if isinstance(message, Message):
                self.visit(message, depth + 1)

    def _body(self, part: Message) -> None:
        data = _payload(part)
        text = decode_bytes(data, part.get_content_charset())
        if part.get_content_subtype() == "html":
            self.html.append(text)
        elif part.get_content_subtype() == "plain":
            self.plain.append(text)
        else:  # text/calendar, text/csv… kept as a file
            self._attachment(part, _filename(part) or f"part.{part.get_content_subtype()}")

    def _attachment(self, part: Message, filename: str | None) -> None:
        name = (filename or "attachment").replace("/", "_").replace("\\", "_")[:200]
        data = _payload(part)
        if len(data) > MAX_ATTACHMENT_BYTES:
            self.dropped.append(f"{name}: {len(data)} bytes; the limit is {MAX_ATTACHMENT_BYTES}")
            return
        if self.attached_bytes + len(data) > MAX_ATTACHMENTS_BYTES:
            self.dropped.append(f"{name}: the attachments pass {MAX_ATTACHMENTS_BYTES} bytes")
            return
        self.attached_bytes += len(data)
        content_type = part.get_content_type()[:100]
        self.attachments.append(MailAttachment(name, content_type, data))


def _preferred(children: list[Message]) -> list[Message]:
    """Of alternatives, the plain text when there is one, else the last (richest)."""
    for child in children:
        if child.get_content_type() == "text/plain":
            return [child]
    return children[-1:]


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # a broken RFC 2231 parameter
        return None
    return decode_header_value(name) if name else None


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # broken base64 / quoted-printable
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""
