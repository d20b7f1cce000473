"""E-mail as a channel (docs/mail.md): a store's mailbox set by the owner, mail pulled by
UID and fed through the same ingestion as imported messages (triage, routing,
translation, automatic replies), threaded by Message-ID, replies prepared for SMTP.

Credentials are sealed with the SecretBox before they are stored and opened only for a
connection; they are never returned, logged or audited (the audit says "changed").
One mailbox failing (password, server down) is recorded as its health and never stops
the others.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kefu.domain.errors import DomainError, NotFound, RowErrors
from kefu.domain.mail import (
    MAX_MAIL_BYTES,
    PULL_BATCH,
    MailboxDraft,
    MailError,
    amazon_order_number,
    mailbox_problems,
    mask,
    message_key,
    outgoing_message_id,
    relay_body,
    relay_conversation_key,
    relay_facts,
    thread_key,
)
from kefu.domain.messages import CLOCK_SKEW, EARLIEST, MAX_TEXT_BYTES
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Principal, require
from kefu.services.inbox import IngestReport, ingest
from kefu.services.ports import (
    ChannelError,
    Clock,
    FetchedMail,
    MailboxClient,
    MailboxSession,
    MailConnectionError,
    MailParser,
    MailServer,
    OutgoingMail,
    OutgoingReply,
    ParsedMail,
    PullReport,
    SecretBox,
    SecretsUnavailable,
    StoredMailbox,
    UnitOfWork,
)

log = logging.getLogger(__name__)

UowFactory = Callable[[], UnitOfWork]


class NoSecretKey(DomainError):
    """A password cannot be sealed: KEFU_SECRET_KEY is not set (or not a Fernet key)."""

    code = "no_secret_key"


@dataclass(frozen=True)
class MailboxView:
    """A store's mailbox as the Stores page, the API and `kefu store mailbox show` give
    it: passwords masked, with the connection's health."""

    store_code: str
    address: str
    imap_host: str
    imap_port: int
    imap_security: str
    imap_user: str
    imap_password: str  # masked
    folder: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str  # masked
    amazon_relay: bool
    enabled: bool
    last_pull_at: datetime | None
    last_success_at: datetime | None
    last_pulled: int
    total_pulled: int
    error_code: str | None
    error_detail: str | None
    error_at: datetime | None


def _view(box: StoredMailbox) -> MailboxView:
    return MailboxView(
        store_code=box.store_code,
        address=box.address,
        imap_host=box.imap_host,
        imap_port=box.imap_port,
        imap_security=box.imap_security,
        imap_user=box.imap_user,
        imap_password=mask(box.imap_password),
        folder=box.folder,
        smtp_host=box.smtp_host,
        smtp_port=box.smtp_port,
        smtp_security=box.smtp_security,
        smtp_user=box.smtp_user,
        smtp_password=mask(box.smtp_password),
        amazon_relay=box.amazon_relay,
        enabled=box.enabled,
        last_pull_at=box.last_pull_at,
        last_success_at=box.last_success_at,
        last_pulled=box.last_pulled,
        total_pulled=box.total_pulled,
        error_code=box.error_code,
        error_detail=box.error_detail,
        error_at=box.error_at,
    )


# --- the owner's use cases -----------------------------------------------------------------


def mailbox(who: Principal, code: str, *, uow: UnitOfWork) -> MailboxView | None:
    """A store's mailbox, passwords masked; None when it has none."""
    require(who, Permission.MANAGE_SHOP)
    with uow:
        store = access.store(uow, who, code, archived=True)
        box = uow.mail.mailbox(store.id)
        return _view(box) if box else None


def mailboxes(who: Principal, *, uow: UnitOfWork) -> dict[str, MailboxView]:
    """Every store's mailbox by store code (the Stores page)."""
    require(who, Permission.MANAGE_SHOP)
    with uow:
        return {box.store_code: _view(box) for box in uow.mail.mailboxes(enabled_only=False)}


def set_mailbox(
    who: Principal,
    code: str,
    draft: MailboxDraft,
    *,
    secrets: SecretBox,
    uow: UnitOfWork,
    clock: Clock,
) -> MailboxView:
    """Set or change a store's mailbox. An empty password keeps the stored one; every
    bad field is reported at once (RowErrors); without KEFU_SECRET_KEY nothing is
    stored (SecretsUnavailable)."""
    require(who, Permission.MANAGE_SHOP)
    draft = draft.cleaned()
    now = clock.now()
    with uow:
        store = access.store(uow, who, code, archived=True)
        stored = uow.mail.mailbox(store.id)
        errors = mailbox_problems(draft, password_kept=stored is not None)
        if errors:
            raise RowErrors(errors)
        values: dict[str, Any] = {
            "address": draft.address,
            "imap_host": draft.imap_host,
            "imap_port": draft.imap_port,
            "imap_security": draft.imap_security,
            "imap_user": draft.imap_user,
            "folder": draft.folder,
            "smtp_host": draft.smtp_host,
            "smtp_port": draft.smtp_port,
            "smtp_security": draft.smtp_security,
            "smtp_user": draft.smtp_user,
            "amazon_relay": draft.amazon_relay,
            "enabled": draft.enabled,
        }
        changed_secrets = []
        for side in ("imap", "smtp"):
            plain = getattr(draft, f"{side}_password")
            if plain:
                try:
                    values[f"{side}_password"] = secrets.seal(plain)
                except SecretsUnavailable as exc:
                    raise NoSecretKey(str(exc)) from exc
                changed_secrets.append(f"{side}_password")
        before = _audited(stored) if stored else None
        uow.mail.save_mailbox(store.id, values, now)
        after = {k: v for k, v in values.items() if not k.endswith("_password")}
        after["passwords_changed"] = changed_secrets
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="mailbox_set",
            entity_type="store",
            entity_id=store.id,
            before=before,
            after=after,
        )
        box = uow.mail.mailbox(store.id)
        assert box is not None  # noqa: S101 - saved above
        uow.commit()
    return _view(box)


def remove_mailbox(who: Principal, code: str, *, uow: UnitOfWork, clock: Clock) -> bool:
    """Remove a store's mailbox (its conversations stay); False when it had none."""
    require(who, Permission.MANAGE_SHOP)
    now = clock.now()
    with uow:
        store = access.store(uow, who, code, archived=True)
        stored = uow.mail.mailbox(store.id)
        if stored is None:
            return False
        uow.mail.remove_mailbox(store.id)
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="mailbox_remove",
            entity_type="store",
            entity_id=store.id,
            before=_audited(stored),
            after=None,
        )
        uow.commit()
    return True


def _audited(box: StoredMailbox) -> dict[str, Any]:
    return {
        "address": box.address,
        "imap_host": box.imap_host,
        "imap_user": box.imap_user,
        "smtp_host": box.smtp_host,
        "smtp_user": box.smtp_user,
        "folder": box.folder,
        "amazon_relay": box.amazon_relay,
        "enabled": box.enabled,
    }


def rotate_secrets(uow: UnitOfWork, secrets: SecretBox) -> int:
    """Seal every stored password with the newest key (`kefu secrets rotate`)."""
    with uow:
        done = uow.mail.resealed(secrets.rotate)
        uow.commit()
    return done


def attachment(who: Principal, digest: str, *, uow: UnitOfWork) -> tuple[str, str, bytes]:
    """A mail attachment (file name, content type, bytes) for a person who sees its store."""
    require(who, Permission.VIEW_INBOX)
    with uow:
        found = uow.mail.attachment(digest[:64])
        if found is None:
            raise NotFound("no such attachment")
        store_id, item = found
        access.store_by_id(uow, who, store_id)
    return item.filename, item.content_type, item.data


# --- pulling mail (the pull_mail job, `kefu mail pull`, `kefu mail watch`) -----------------


@dataclass(frozen=True)
class MailDeps:
    """What reading and sending mail needs (bootstrap builds it once per process)."""

    parser: MailParser
    client: MailboxClient
    secrets: SecretBox
    attachment_url: Callable[[str], str]  # sha-256 → the URL agents open it with
    ingest_options: Callable[[], Mapping[str, Any]]  # classifier, auto replies, routing…


def pull_all(
    uow_factory: UowFactory, deps: MailDeps, clock: Clock, *, store: str | None = None
) -> PullReport:
    """Pull new mail of every enabled mailbox of a store not archived (or of `store`).
    Each mailbox is read on its own; a failure is recorded as its health and the next
    mailbox is read all the same."""
    with uow_factory() as uow:
        boxes = uow.mail.mailboxes(enabled_only=True)
    report = PullReport()
    for box in boxes:
        if store is not None and box.store_code != store:
            continue
        report.mailboxes += 1
        pull_mailbox(uow_factory, deps, clock, box, report)
    return report


def pull_mailbox(
    uow_factory: UowFactory, deps: MailDeps, clock: Clock, box: StoredMailbox, report: PullReport
) -> None:
    """Read one mailbox from where it stopped; record its health either way."""
    pulled = 0
    error: tuple[str, str] | None = None
    try:
        server = _imap_server(box, deps.secrets)
        session = deps.client.open(server, box.folder)
        try:
            pulled = _read(uow_factory, deps, clock, box, session, report)
        finally:
            session.close()
    except MailConnectionError as exc:
        error = (exc.code, str(exc))
    except SecretsUnavailable as exc:
        error = (MailError.NO_KEY.value, str(exc))
    except Exception as exc:  # one mailbox's bug must not stop the others
        log.exception("pulling the mailbox of %s failed", box.store_code)
        error = (MailError.PROTOCOL.value, f"{exc.__class__.__name__}: {str(exc)[:200]}")
    if error is not None:
        report.failed.append((box.store_code, error[0]))
        log.warning("mailbox of %s: %s", box.store_code, error[0])
    with uow_factory() as uow:
        uow.mail.record_pull(box.store_id, clock.now(), pulled, error)
        uow.commit()


def _imap_server(box: StoredMailbox, secrets: SecretBox) -> MailServer:
    return MailServer(
        box.imap_host,
        box.imap_port,
        box.imap_security,
        box.imap_user,
        secrets.open(box.imap_password),
    )


def _read(
    uow_factory: UowFactory,
    deps: MailDeps,
    clock: Clock,
    box: StoredMailbox,
    session: MailboxSession,
    report: PullReport,
) -> int:
    uidvalidity, _ = session.select(box.folder)
    # A new UIDVALIDITY means the server numbered the folder anew: read it all again
    # (what was stored already is recognised by its Message-ID and skipped).
    last = box.last_uid if box.uidvalidity == uidvalidity else 0
    uids = session.uids_after(last)
    pulled = 0
    for batch in _chunks(uids, PULL_BATCH):
        fetched = session.fetch(batch, MAX_MAIL_BYTES)
        result = store_mails(uow_factory, deps, clock, box, fetched)
        pulled += result.accepted
        report.pulled += result.accepted
        report.duplicates += result.duplicates
        report.refused += result.rejected_rows
        with uow_factory() as uow:
            uow.mail.set_position(box.store_id, uidvalidity, batch[-1])
            uow.commit()
    return pulled


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def store_mails(
    uow_factory: UowFactory,
    deps: MailDeps,
    clock: Clock,
    box: StoredMailbox,
    fetched: Sequence[FetchedMail],
) -> IngestReport:
    """Parse, thread and ingest a batch of fetched mail for one store (idempotent: a
    Message-ID stored once is a duplicate the next time)."""
    now = clock.now()
    parsed = [_parse(deps.parser, f) for f in fetched]
    parsed = [p for p in parsed if p.sender != box.address.lower()]  # our own copies
    with uow_factory() as uow:
        wanted = {r for p in parsed for r in (*p.in_reply_to, *p.references, p.message_id)}
        known = uow.mail.conversation_keys(box.store_id, sorted(wanted))
        rows: list[dict[str, object]] = []
        threads: list[tuple[str, str]] = []
        subjects: dict[str, str] = {}
        references: dict[str, tuple[str, ...]] = {}
        orders = _orders_named(uow, box.store_id, parsed)
        relayed: dict[str, str] = {}
        for mail in parsed:
            row, key = _row(box, mail, known, now)
            if "order_number" not in row and mail.sender in orders:
                row["order_number"] = orders[mail.sender]
            elif "order_number" in row and relay_facts(mail.sender, mail.subject, mail.text):
                relayed[str(row["buyer_id"])] = str(row["order_number"])
            known.setdefault(mail.message_id, key)
            urls = [
                deps.attachment_url(uow.mail.save_attachment(box.store_id, item, now))
                for item in mail.attachments
            ]
            if urls:
                row["attachments"] = urls
            rows.append(row)
            threads.append((mail.message_id, key))
            subjects[mail.message_id] = mail.subject
            references[mail.message_id] = (*mail.references, *mail.in_reply_to)
        # Amazon's relay names the order its buyer's alias writes about: the alias is that
        # order's buyer on the store (the Buyer panel shows them, replies go to the alias).
        uow.shopdata.adopt_addresses(box.store_id, relayed)
        uow.mail.remember_threads(
            box.store_id,
            threads,
            incoming=True,
            subjects=subjects,
            references=references,
            now=now,
        )
        uow.commit()
    if not rows:
        return IngestReport()
    report = ingest(rows, uow_factory(), clock, **deps.ingest_options())
    for error in report.errors:
        log.warning("mail for %s not stored: %s", box.store_code, error.describe())
    return report


# A word of a subject that may be an order number: letters, digits and dashes, a digit in it.
_ORDER_WORD = re.compile(r"(?<![\w-])(?=[\w-]*\d)[A-Za-z0-9][\w-]{4,63}(?![\w-])")


def _orders_named(uow: UnitOfWork, store_id: int, mails: Sequence[ParsedMail]) -> dict[str, str]:
    """Sender → the order a mail is about, for mail that is not Amazon's relay: an order of
    the store named in its subject, else the newest order bought with the sender's
    address (the shop's imported orders carry the buyer's e-mail). A sender who is an
    order's buyer by address becomes that buyer's identity on the store; one who only
    names an order in a subject does not (anyone may write an order number)."""
    words = {m.sender: set(_ORDER_WORD.findall(m.subject)) for m in mails if m.sender}
    named = uow.shopdata.order_ids(store_id, {w for ws in words.values() for w in ws})
    by_email = uow.shopdata.latest_orders_by_email(store_id, list(words))
    # The sender is the buyer of those orders: one buyer, whose panel shows them.
    uow.shopdata.adopt_addresses(store_id, by_email)
    found: dict[str, str] = {}
    for sender, ws in words.items():
        hit = sorted(w for w in ws if w in named)
        if hit:
            found[sender] = hit[0]
        elif sender in by_email:
            found[sender] = by_email[sender]
    return found


def _parse(parser: MailParser, fetched: FetchedMail) -> ParsedMail:
    mail = parser.parse(fetched.raw)
    if fetched.too_large:
        limit = MAX_MAIL_BYTES // (1024 * 1024)
        reason = f"the mail is larger than {limit} MB; only its header was read"
        return replace(mail, text="", attachments=(), refused=reason)
    return mail


def _row(
    box: StoredMailbox, mail: ParsedMail, known: Mapping[str, str], now: datetime
) -> tuple[dict[str, object], str]:
    """A parsed mail as a row of kefu's message format, and its conversation key."""
    relay = relay_facts(mail.sender, mail.subject, mail.text)
    order = relay.order_number if relay else None
    if order is None and box.store_platform == "amazon":
        order = amazon_order_number(mail.subject)
    key = next(
        (known[r] for r in (*reversed(mail.in_reply_to), *reversed(mail.references)) if r in known),
        None,
    )
    if key is None:
        key = known.get(mail.message_id)
    if key is None:
        key = relay_conversation_key(relay.alias, order) if relay else thread_key(mail.message_id)
    sent_at = mail.sent_at
    if sent_at is None or sent_at > now + CLOCK_SKEW or sent_at < EARLIEST:
        sent_at = now
    row: dict[str, object] = {
        "store": box.store_code,
        "message_id": message_key(mail.message_id),
        "conversation_id": key,
        "buyer_id": (relay.alias if relay else mail.sender) or "unknown-sender",
        "sent_at": sent_at.isoformat(),
        "text": _text(replace(mail, text=relay_body(mail.text)) if relay else mail),
        "origin": "email",
    }
    # Amazon's relay names the buyer "Name - Amazon Marketplace".
    name = (mail.sender_name or "").removesuffix(" - Amazon Marketplace").strip()
    if name and name.isprintable():
        row["buyer_name"] = name[:200]
    if order:
        row["order_number"] = order
    if mail.auto_submitted or _amazon_notice(box, mail, relay is not None):
        row["kind"] = "notice"  # a bounce, an auto-reply, Amazon's own notice: no one's to answer
    return row, key


def _amazon_notice(box: StoredMailbox, mail: ParsedMail, relayed: bool) -> bool:
    """In an Amazon relay mailbox, Amazon's own mail that is not a buyer's (order and
    account notices from …@amazon.<site>) is a platform notice."""
    if not box.amazon_relay or relayed:
        return False
    domain = mail.sender.rsplit("@", 1)[-1]
    return domain.startswith("amazon.") or ".amazon." in f".{domain}"


def _text(mail: ParsedMail) -> str:
    """The buyer's words; the subject when the body is empty; what was not kept, said."""
    text = mail.text.strip() or mail.subject.strip() or "(no text)"
    notes = []
    if mail.refused:
        notes.append(f"[kefu: this mail was not read whole: {mail.refused}]")
    notes += [f"[kefu: attachment not kept: {reason}]" for reason in mail.dropped]
    suffix = ("\n\n" + "\n".join(notes)) if notes else ""
    room = MAX_TEXT_BYTES - len(suffix.encode("utf-8")) - 64
    if len(text.encode("utf-8")) > room:
        cut = text.encode("utf-8")[:room].decode("utf-8", "ignore")
        text = cut + "\n[kefu: the rest of this mail is longer than 64 KiB and not shown]"
    return text + suffix


def watch(
    uow_factory: UowFactory,
    deps: MailDeps,
    clock: Clock,
    stop: threading.Event,
    *,
    store: str | None = None,
    idle_seconds: float = 290.0,
    slice_seconds: float = 5.0,
    on_pull: Callable[[str, PullReport], None] | None = None,
) -> None:
    """Hold one IMAP IDLE connection per enabled mailbox and pull as soon as mail
    arrives (`kefu mail watch`), until `stop` is set. A mailbox that fails is recorded
    and tried again after a pause that doubles up to 5 minutes."""
    with uow_factory() as uow:
        boxes = [
            b
            for b in uow.mail.mailboxes(enabled_only=True)
            if store is None or b.store_code == store
        ]
    threads = [
        threading.Thread(
            target=_watch_one,
            args=(
                uow_factory,
                deps,
                clock,
                stop,
                box.store_id,
                idle_seconds,
                slice_seconds,
                on_pull,
            ),
            name=f"mail-watch-{box.store_code}",
            daemon=True,
        )
        for box in boxes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _watch_one(
    uow_factory: UowFactory,
    deps: MailDeps,
    clock: Clock,
    stop: threading.Event,
    store_id: int,
    idle_seconds: float,
    slice_seconds: float,
    on_pull: Callable[[str, PullReport], None] | None,
) -> None:
    pause = 5.0
    while not stop.is_set():
        with uow_factory() as uow:
            box = uow.mail.mailbox(store_id)
        if box is None or not box.enabled or box.store_archived:
            return
        report = PullReport(mailboxes=1)
        pull_mailbox(uow_factory, deps, clock, box, report)
        if on_pull is not None:
            on_pull(box.store_code, report)
        if report.failed:
            stop.wait(pause)
            pause = min(pause * 2, 300.0)
            continue
        pause = 5.0
        try:
            session = deps.client.open(_imap_server(box, deps.secrets), box.folder)
        except (MailConnectionError, SecretsUnavailable):
            stop.wait(pause)
            continue
        try:
            session.select(box.folder)
            waited = 0.0
            while not stop.is_set() and waited < idle_seconds:
                if session.idle(slice_seconds):
                    break  # new mail: pull it (on a connection of its own), then idle again
                waited += slice_seconds
        except MailConnectionError:
            stop.wait(1.0)
        finally:
            session.close()


# --- sending: the outbox asks for the mail of each reply -----------------------------------


def prepare_reply(
    uow_factory: UowFactory, secrets: SecretBox, reply: OutgoingReply
) -> OutgoingReply:
    """A reply of a store with a mailbox, in a mail conversation, as a mail: to the
    buyer's address (the relay alias for Amazon) from the store's address, threaded,
    with the outbox item's own Message-ID (the same on every try). Other replies are
    returned as they are (the store's HTTP channel). Raises ChannelError when the mail
    cannot be made (no key to open the password)."""
    with uow_factory() as uow:
        found = uow.mail.mail_replies([reply.message_id])
        if reply.message_id not in found:
            return reply
        conversation_id, _ = found[reply.message_id]
        head = uow.mail.thread_head(conversation_id)
        box = uow.mail.mailbox(_store_id(uow, conversation_id))
        if head is None or box is None:
            return reply  # an imported or marketplace conversation: its own channel
        message_id = outgoing_message_id(reply.idempotency_key, box.store_code, box.address)
        conv_key = _conversation_key(uow, conversation_id)
        uow.mail.remember_threads(box.store_id, [(message_id, conv_key)], incoming=False)
        uow.commit()
    try:
        password = secrets.open(box.smtp_password) if box.smtp_password else ""
    except SecretsUnavailable as exc:
        raise ChannelError(str(exc), retryable=True) from exc
    mail = OutgoingMail(
        sender=box.address,
        to=head.to,
        subject=head.subject,
        text=reply.text,
        message_id=message_id,
        in_reply_to=head.last_message_id,
        references=head.references,
        server=MailServer(box.smtp_host, box.smtp_port, box.smtp_security, box.smtp_user, password),
    )
    return OutgoingReply(**{**reply.__dict__, "mail": mail})


def _store_id(uow: UnitOfWork, conversation_id: int) -> int:
    conv = uow.inbox.get_conversation(conversation_id)
    assert conv is not None  # noqa: S101 - the outbox row points at it
    return conv.store_id


def _conversation_key(uow: UnitOfWork, conversation_id: int) -> str:
    conv = uow.inbox.get_conversation(conversation_id)
    assert conv is not None  # noqa: S101
    return conv.platform_conversation_id
