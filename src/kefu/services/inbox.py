"""Inbox use cases: ingest buyer messages, reply, mark, assign, close, reopen.

Each public function is one transaction on the unit of work it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kefu.domain.conversations import Conversation, PriorityFacts, priority_reasons, stage_for
from kefu.domain.errors import FieldError, InvalidInput, InvalidTransition, NotFound, RowErrors
from kefu.domain.messages import MAX_TEXT_BYTES, IncomingMessage, parse_incoming
from kefu.domain.types import ColourMark, Direction
from kefu.services.ports import (
    BuyerKey,
    Clock,
    ConcurrentWriteError,
    InboxRepository,
    NewMessage,
    OrderFacts,
    UnitOfWork,
)

# Concurrent imports of the same rows may collide on the unique keys; the loser retries.
MAX_ATTEMPTS = 3
REPLY_ID_PREFIX = "kefu-reply:"


@dataclass
class IngestReport:
    """What an ingestion did: good rows are kept, bad rows are listed with the reason."""

    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    errors: list[FieldError] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        self.received += other.received
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.errors.extend(other.errors)

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


def ingest(
    raws: Sequence[Mapping[str, object]],
    uow: UnitOfWork,
    clock: Clock,
    *,
    first_row: int = 1,
) -> IngestReport:
    """Parse and store a batch of messages in one transaction, idempotent on (store, message id).

    A row with an error is reported (row number, field, reason) and skipped; the
    others are stored together. Storing the same batch twice adds nothing.
    """
    now = clock.now()
    report = IngestReport(received=len(raws))
    parsed: list[tuple[int, IncomingMessage]] = []
    for offset, raw in enumerate(raws):
        row = first_row + offset
        try:
            parsed.append((row, parse_incoming(raw, now=now, row=row)))
        except RowErrors as bad:
            report.errors.extend(bad.errors)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with uow:
                accepted, duplicates, unknown = _store_batch(parsed, uow, now)
                uow.commit()
            break
        except ConcurrentWriteError:
            if attempt == MAX_ATTEMPTS:
                raise
    report.accepted, report.duplicates = accepted, duplicates
    report.errors.extend(unknown)
    report.errors.sort(key=lambda e: (e.row or 0, e.field))
    return report


def _store_batch(
    parsed: Sequence[tuple[int, IncomingMessage]], uow: UnitOfWork, now: datetime
) -> tuple[int, int, list[FieldError]]:
    repo = uow.inbox
    stores = repo.stores_by_code({m.store for _, m in parsed})
    errors = [
        FieldError("store", "no store with this code", row=row, value=m.store)
        for row, m in parsed
        if m.store not in stores
    ]
    fresh = _drop_known([(row, m) for row, m in parsed if m.store in stores], uow, stores)
    duplicates = len(parsed) - len(errors) - len(fresh)
    if not fresh:
        return 0, duplicates, errors

    buyer_ids = repo.ensure_buyers(_buyer_keys(fresh, stores), now)
    orders: dict[tuple[int, str], int] = {}
    products: dict[tuple[int, str], int] = {}
    for store_id, numbers in _per_store(fresh, stores, lambda m: m.order_number).items():
        orders.update({(store_id, k): v for k, v in repo.order_ids(store_id, numbers).items()})
    for store_id, skus in _per_store(fresh, stores, lambda m: m.product_sku).items():
        products.update({(store_id, k): v for k, v in repo.product_ids(store_id, skus).items()})

    keys = list({(stores[m.store].id, m.conversation_id) for m in fresh})
    conversations = repo.conversations_by_key(keys)
    for m in fresh:
        store_id = stores[m.store].id
        key = (store_id, m.conversation_id)
        conv = conversations.get(key)
        if conv is None:
            conv = Conversation(
                id=None,
                store_id=store_id,
                buyer_id=buyer_ids[(store_id, m.buyer_id)],
                platform_conversation_id=m.conversation_id,
                origin=m.origin,
                created_at=m.sent_at,
                last_message_at=m.sent_at,
            )
            conversations[key] = conv
        _apply(
            repo,
            conv,
            m,
            orders.get((store_id, m.order_number or "")),
            products.get((store_id, m.product_sku or "")),
        )
    touched = [conversations[k] for k in keys]
    facts = repo.order_facts({c.order_id for c in touched if c.order_id is not None}, now)
    for conv in touched:
        _rank(conv, facts.get(conv.order_id) if conv.order_id is not None else None)
    repo.save_conversations(touched)
    repo.add_messages([_new_message(m, stores[m.store].id, conversations, now) for m in fresh])
    return len(fresh), duplicates, errors


def _drop_known(
    rows: Sequence[tuple[int, IncomingMessage]], uow: UnitOfWork, stores: Mapping[str, Any]
) -> list[IncomingMessage]:
    """Messages not stored yet, oldest first, each once even if the batch repeats it."""
    by_store: dict[int, list[str]] = {}
    for _, m in rows:
        by_store.setdefault(stores[m.store].id, []).append(m.message_id)
    known = {
        (sid, mid) for sid, ids in by_store.items() for mid in uow.inbox.known_message_ids(sid, ids)
    }
    fresh: dict[tuple[int, str], IncomingMessage] = {}
    for _, m in rows:
        key = (stores[m.store].id, m.message_id)
        if key not in known and key not in fresh:
            fresh[key] = m
    return sorted(fresh.values(), key=lambda m: m.sent_at)


def _buyer_keys(fresh: Sequence[IncomingMessage], stores: Mapping[str, Any]) -> list[BuyerKey]:
    keys: dict[tuple[int, str], BuyerKey] = {}
    for m in fresh:
        store_id = stores[m.store].id
        keys.setdefault(
            (store_id, m.buyer_id),
            BuyerKey(store_id, m.buyer_id, m.buyer_name, m.buyer_country, m.buyer_language),
        )
    return list(keys.values())


def _per_store(
    fresh: Sequence[IncomingMessage],
    stores: Mapping[str, Any],
    pick: Callable[[IncomingMessage], str | None],
) -> dict[int, list[str]]:
    out: dict[int, set[str]] = {}
    for m in fresh:
        value = pick(m)
        if value:
            out.setdefault(stores[m.store].id, set()).add(value)
    return {k: sorted(v) for k, v in out.items()}


def _apply(
    repo: InboxRepository,
    conv: Conversation,
    m: IncomingMessage,
    order_id: int | None,
    product_id: int | None,
) -> None:
    if order_id is not None and conv.order_id is None:
        conv.order_id = order_id
    if product_id is not None and conv.product_id is None:
        conv.product_id = product_id
    if m.buyer_language and m.direction == Direction.BUYER:
        conv.language = m.buyer_language
    if m.direction == Direction.BUYER:
        conv.buyer_wrote(m.sent_at)
    else:
        later = None
        if (
            conv.id is not None
            and conv.last_buyer_message_at
            and m.sent_at < conv.last_buyer_message_at
        ):
            later = repo.first_buyer_message_after(conv.id, m.sent_at)
        conv.shop_replied(m.sent_at, automatic=False, next_buyer_message_at=later)
    conv.add_message(m.sent_at, m.text or "📎")


def _rank(conv: Conversation, order: OrderFacts | None) -> None:
    """Stage and priority follow the order the conversation is about (SPEC §2, §4)."""
    conv.stage = stage_for(conv.origin, order.status if order else None)
    facts = PriorityFacts(
        order_has_note=bool(order and order.has_note),
        logistics_problem=bool(order and order.logistics_problem),
        wholesale=bool(order and order.wholesale),
    )
    conv.priority_reasons = priority_reasons(facts)


def _new_message(
    m: IncomingMessage,
    store_id: int,
    conversations: Mapping[tuple[int, str], Conversation],
    now: datetime,
) -> NewMessage:
    conv = conversations[(store_id, m.conversation_id)]
    assert conv.id is not None  # noqa: S101 - save_conversations fills ids
    return NewMessage(
        conversation_id=conv.id,
        store_id=store_id,
        platform_message_id=m.message_id,
        direction=m.direction.value,
        sent_at=m.sent_at,
        received_at=now,
        text=m.text,
        language=m.buyer_language if m.direction == Direction.BUYER else conv.language,
        attachments=m.attachments,
    )


# --- agent actions ---------------------------------------------------------------------------


def reply(
    conversation_id: int,
    text: str,
    *,
    account_id: int | None,
    request_id: str,
    uow: UnitOfWork,
    clock: Clock,
) -> bool:
    """Store an agent's reply for sending; the same request id never stores it twice.

    Returns False when the request id was already used (the earlier reply stands).
    """
    body = text.strip()
    if not body:
        raise InvalidInput("the reply is empty", field="text")
    if len(body.encode("utf-8")) > MAX_TEXT_BYTES:
        raise InvalidInput("the reply is longer than 64 KiB", field="text")
    if not request_id or len(request_id) > 100:
        raise InvalidInput("request_id must be 1 to 100 characters", field="request_id")
    now = clock.now()
    platform_id = REPLY_ID_PREFIX + request_id
    with uow:
        conv = _load(uow, conversation_id)
        if uow.inbox.known_message_ids(conv.store_id, [platform_id]):
            return False
        if conv.status.value == "closed":
            raise InvalidTransition("reopen the conversation before replying")
        conv.shop_replied(now, automatic=False)
        conv.add_message(now, body)
        uow.inbox.save_conversations([conv])
        uow.inbox.add_messages(
            [
                NewMessage(
                    conversation_id=conversation_id,
                    store_id=conv.store_id,
                    platform_message_id=platform_id,
                    direction=Direction.SHOP.value,
                    sent_at=now,
                    received_at=now,
                    text=body,
                    language=conv.language,
                    attachments=(),
                    author_account_id=account_id,
                    delivery_status="pending",
                )
            ]
        )
        uow.inbox.audit(
            at=now,
            account_id=account_id,
            action="reply",
            entity_type="conversation",
            entity_id=conversation_id,
            before=None,
            after={"request_id": request_id},
        )
        uow.commit()
    return True


def set_mark(
    conversation_id: int, mark: str | None, *, account_id: int | None, uow: UnitOfWork, clock: Clock
) -> None:
    """Set or clear one of the five colour marks of SPEC §7."""
    try:
        value = ColourMark(mark) if mark else None
    except ValueError:
        allowed = ", ".join(m.value for m in ColourMark)
        raise InvalidInput(f"colour mark must be one of: {allowed}", field="colour_mark") from None
    _change(
        conversation_id, "set_mark", account_id, uow, clock, lambda conv, now: conv.set_mark(value)
    )


def assign(
    conversation_id: int,
    assignee_id: int | None,
    *,
    account_id: int | None,
    uow: UnitOfWork,
    clock: Clock,
) -> None:
    def act(conv: Conversation, now: datetime) -> None:
        if assignee_id is not None and not uow.inbox.account_exists(assignee_id):
            raise InvalidInput("no active account with this id", field="assignee_id")
        conv.assign(assignee_id)

    _change(conversation_id, "assign", account_id, uow, clock, act)


def close(conversation_id: int, *, account_id: int | None, uow: UnitOfWork, clock: Clock) -> None:
    _change(conversation_id, "close", account_id, uow, clock, lambda conv, now: conv.close(now))


def reopen(conversation_id: int, *, account_id: int | None, uow: UnitOfWork, clock: Clock) -> None:
    _change(conversation_id, "reopen", account_id, uow, clock, lambda conv, now: conv.reopen())


def mark_read(conversation_id: int, *, uow: UnitOfWork, clock: Clock) -> None:
    """Opening a conversation reads it; not audited, it is not a change of substance."""
    with uow:
        conv = _load(uow, conversation_id)
        if conv.unread:
            conv.mark_read()
            uow.inbox.save_conversations([conv])
            uow.commit()


_AUDITED = ("status", "colour_mark", "assignee_id", "unread")


def _change(
    conversation_id: int,
    action: str,
    account_id: int | None,
    uow: UnitOfWork,
    clock: Clock,
    act: Callable[[Conversation, datetime], None],
) -> None:
    now = clock.now()
    with uow:
        conv = _load(uow, conversation_id)
        before = _snapshot(conv)
        act(conv, now)
        after = _snapshot(conv)
        if before == after:
            return  # nothing changed: idempotent, nothing to audit
        uow.inbox.save_conversations([conv])
        changed = [k for k in _AUDITED if before[k] != after[k]]
        uow.inbox.audit(
            at=now,
            account_id=account_id,
            action=action,
            entity_type="conversation",
            entity_id=conversation_id,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
        uow.commit()


def _snapshot(conv: Conversation) -> dict[str, Any]:
    return {
        "status": conv.status.value,
        "colour_mark": conv.colour_mark.value if conv.colour_mark else None,
        "assignee_id": conv.assignee_id,
        "unread": conv.unread,
    }


def _load(uow: UnitOfWork, conversation_id: int) -> Conversation:
    conv = uow.inbox.get_conversation(conversation_id)
    if conv is None:
        raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
    return conv
