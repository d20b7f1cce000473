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
from kefu.domain.intents import INTENTS, SUB_INTENTS, parent_of
from kefu.domain.messages import MAX_TEXT_BYTES, IncomingMessage, parse_incoming
from kefu.domain.permissions import Permission, allowed
from kefu.domain.policy import Severity
from kefu.domain.teamwork import HandoverRefused, ReplyCollision
from kefu.domain.triage import UNDETERMINED, Triage
from kefu.domain.types import ColourMark, Direction, Status
from kefu.services import access, cases, surveys
from kefu.services.access import Principal
from kefu.services.autoreplies import Arrival, AutoReplier
from kefu.services.outgoing import Gate
from kefu.services.ports import (
    AccountRecord,
    BuyerKey,
    Classifier,
    Clock,
    ConcurrentWriteError,
    InboxRepository,
    NewMessage,
    NewNotification,
    OrderFacts,
    StoreRef,
    UnitOfWork,
)
from kefu.services.triage import triage

# Concurrent imports of the same rows may collide on the unique keys; the loser retries.
MAX_ATTEMPTS = 3
IMPORT_CHUNK = 500
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


# Gives owners to new conversations (services/routing.route_new).
Route = Callable[[UnitOfWork, Sequence[Conversation], datetime], int]


def ingest(
    raws: Sequence[Mapping[str, object]],
    uow: UnitOfWork,
    clock: Clock,
    *,
    first_row: int = 1,
    classifier: Classifier | None = None,
    auto_replier: AutoReplier | None = None,
    route: Route | None = None,
    translate: bool = False,
) -> IngestReport:
    """Parse and store a batch of messages in one transaction, idempotent on (store, message id).

    A row with an error is reported (row number, field, reason) and skipped; the
    others are stored together. Storing the same batch twice adds nothing. With a
    classifier, every new buyer message is triaged in the same transaction; with `route`,
    every new conversation gets an owner from the team (live traffic, not history); with
    `translate`, every new buyer message waits for its translation into the agents'
    languages (translated in the background).
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
                accepted, duplicates, unknown = _store_batch(
                    parsed, uow, now, classifier, auto_replier, route, translate
                )
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
    parsed: Sequence[tuple[int, IncomingMessage]],
    uow: UnitOfWork,
    now: datetime,
    classifier: Classifier | None,
    auto_replier: AutoReplier | None = None,
    route: Route | None = None,
    translate: bool = False,
) -> tuple[int, int, list[FieldError]]:
    repo = uow.inbox
    stores = repo.stores_by_code({m.store for _, m in parsed})
    errors = [
        FieldError("store", "no store with this code", row=row, value=m.store)
        for row, m in parsed
        if m.store not in stores
    ] + [
        FieldError("store", "store is archived", row=row, value=m.store)
        for row, m in parsed
        if m.store in stores and stores[m.store].archived_at is not None
    ]
    stores = {code: s for code, s in stores.items() if s.archived_at is None}
    fresh = _drop_known([(row, m) for row, m in parsed if m.store in stores], uow, stores)
    duplicates = len(parsed) - len(errors) - len(fresh)
    if not fresh:
        return 0, duplicates, errors
    # Classify before the first write: on SQLite the write lock is taken there, and other
    # writers (an agent's click) wait for it.
    triaged = _triage_buyer_messages(fresh, classifier)

    buyer_ids = repo.ensure_buyers(_buyer_keys(fresh, stores), now)
    orders: dict[tuple[int, str], int] = {}
    products: dict[tuple[int, str], int] = {}
    for store_id, numbers in _per_store(fresh, stores, lambda m: m.order_number).items():
        orders.update({(store_id, k): v for k, v in repo.order_ids(store_id, numbers).items()})
    for store_id, skus in _per_store(fresh, stores, lambda m: m.product_sku).items():
        products.update({(store_id, k): v for k, v in repo.product_ids(store_id, skus).items()})

    keys = list({(stores[m.store].id, m.conversation_id) for m in fresh})
    conversations = repo.conversations_by_key(keys)
    previous: dict[int, datetime | None] = {}
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
        previous[id(m)] = conv.last_buyer_message_at
        _apply(
            repo,
            conv,
            m,
            orders.get((store_id, m.order_number or "")),
            products.get((store_id, m.product_sku or "")),
            triaged.get(id(m)),
        )
    touched = [conversations[k] for k in keys]
    facts = repo.order_facts({c.order_id for c in touched if c.order_id is not None}, now)
    for conv in touched:
        _rank(conv, facts.get(conv.order_id) if conv.order_id is not None else None)
    if route is not None:
        route(uow, touched, now)
    repo.save_conversations(touched)
    version = classifier.version if classifier else None
    repo.add_messages(
        [
            _new_message(m, stores[m.store].id, conversations, now, triaged.get(id(m)), version)
            for m in fresh
        ]
    )
    if translate:
        _request_translations(uow, fresh, stores, now)
    surveys.take_answers(uow, surveys.buyer_lines(fresh, stores, conversations), now)
    if auto_replier is not None:
        _auto_reply(auto_replier, uow, fresh, stores, conversations, previous, triaged, now)
    # fresh is oldest first; automatic replies are not older than what they answer.
    repo.record_kpi_facts((c.id for c in touched if c.id is not None), since=fresh[0].sent_at)
    return len(fresh), duplicates, errors


def _request_translations(
    uow: UnitOfWork, fresh: Sequence[IncomingMessage], stores: Mapping[str, Any], now: datetime
) -> None:
    for store_id, ids in _per_store(fresh, stores, lambda m: m.message_id).items():
        languages = uow.translations.prefs(store_id).agent_languages
        uow.translations.request(store_id, ids, languages, now)


def _auto_reply(
    replier: AutoReplier,
    uow: UnitOfWork,
    fresh: Sequence[IncomingMessage],
    stores: Mapping[str, StoreRef],
    conversations: Mapping[tuple[int, str], Conversation],
    previous: Mapping[int, datetime | None],
    triaged: Mapping[int, Triage],
    now: datetime,
) -> None:
    arrivals = [
        Arrival(
            conversation=conversations[(stores[m.store].id, m.conversation_id)],
            platform_message_id=m.message_id,
            text=m.text,
            sent_at=m.sent_at,
            language=_language(m, triaged.get(id(m))),
            previous_buyer_message_at=previous[id(m)],
            store_name=stores[m.store].name,
        )
        for m in fresh
        if m.direction == Direction.BUYER
    ]
    sent = replier.respond(uow, arrivals, now)
    if not sent:
        return
    uow.inbox.add_messages(sent)
    counts: dict[int, int] = {}
    for message in sent:
        counts[message.conversation_id] = counts.get(message.conversation_id, 0) + 1
    touched = [c for c in conversations.values() if c.id in counts]
    for conv in touched:
        conv.message_count += counts[conv.id or 0]
    uow.inbox.save_conversations(touched)


def _triage_buyer_messages(
    fresh: Sequence[IncomingMessage], classifier: Classifier | None
) -> dict[int, Triage]:
    """Triage keyed by the message object's identity (one batch call to the model)."""
    if classifier is None:
        return {}
    buyers = [m for m in fresh if m.direction == Direction.BUYER]
    results = triage([m.text for m in buyers], classifier, [m.buyer_language for m in buyers])
    return {id(m): t for m, t in zip(buyers, results, strict=True)}


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
    result: Triage | None,
) -> None:
    if order_id is not None and conv.order_id is None:
        conv.order_id = order_id
    if product_id is not None and conv.product_id is None:
        conv.product_id = product_id
    if m.direction == Direction.BUYER:
        latest = conv.last_buyer_message_at is None or m.sent_at >= conv.last_buyer_message_at
        language = _language(m, result)
        if language and latest:
            conv.language = language
        if result is not None and latest:
            conv.intent, conv.mood = result.intent, result.mood.flags
        conv.buyer_wrote(m.sent_at)
    elif m.direction == Direction.PLATFORM:
        pass  # a notice is shown in the thread; it is no one's message to answer
    else:
        later = None
        if (
            conv.id is not None
            and conv.last_buyer_message_at
            and m.sent_at < conv.last_buyer_message_at
        ):
            later = repo.first_buyer_message_after(conv.id, m.sent_at)
        conv.shop_replied(m.sent_at, automatic=m.automatic, next_buyer_message_at=later)
    conv.add_message(m.sent_at, m.text or "📎")


def _language(m: IncomingMessage, result: Triage | None) -> str | None:
    """The platform's word for the buyer's language first, else what triage detected."""
    if m.buyer_language:
        return m.buyer_language
    if result is not None and result.language != UNDETERMINED:
        return result.language
    return None


def _rank(conv: Conversation, order: OrderFacts | None) -> None:
    """Stage and priority follow the order the conversation is about (SPEC §2, §4), and
    the buyer's mood (an upset or threatening buyer rises; triage issue)."""
    conv.stage = stage_for(conv.origin, order.status if order else None)
    threat = any(flag.startswith("threat_") for flag in conv.mood)
    facts = PriorityFacts(
        order_has_note=bool(order and order.has_note),
        logistics_problem=bool(order and order.logistics_problem),
        wholesale=bool(order and order.wholesale),
        mood="threat" if threat else "upset" if "upset" in conv.mood else None,
    )
    conv.priority_reasons = priority_reasons(facts)


def _new_message(
    m: IncomingMessage,
    store_id: int,
    conversations: Mapping[tuple[int, str], Conversation],
    now: datetime,
    result: Triage | None,
    version: str | None,
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
        language=_language(m, result) if m.direction == Direction.BUYER else conv.language,
        attachments=m.attachments,
        is_automatic=m.automatic,
        kind=m.kind.value if m.direction == Direction.PLATFORM else None,
        triage=result,
        triage_version=version if result is not None else None,
    )


# --- agent actions ---------------------------------------------------------------------------


def reply(
    who: Principal,
    conversation_id: int,
    text: str,
    *,
    request_id: str,
    uow: UnitOfWork,
    clock: Clock,
    gate: Gate,
    template_key: str | None = None,
    override_reason: str | None = None,
    agent_words: tuple[str, str] | None = None,
    answering_message_id: int | None = None,
    send_anyway: bool = False,
) -> bool:
    """Store an agent's reply in the outbox; the same request id never stores it twice.

    The gate checks the text in this transaction, as it is written; a blocked text goes
    only with a reason from a person allowed to send past the check, and that is logged.
    `agent_words` (language, text) is what the agent wrote when the reply was translated
    for the buyer: stored beside the message, which holds the text the buyer gets.

    `answering_message_id` is the latest buyer message the agent saw: when someone else's
    reply was recorded after it, the reply is refused (ReplyCollision) unless the agent
    chose `send_anyway` — race-safe, the check is the transaction's first write.

    Returns False when the request id was already used (the earlier reply stands).
    """
    access.require(who, Permission.REPLY)
    if override_reason:
        access.require(who, Permission.OVERRIDE_POLICY)
    account_id = who.account_id
    body = text.strip()  # an empty one is the gate's to refuse, with its finding shown
    if len(body.encode("utf-8")) > MAX_TEXT_BYTES:
        raise InvalidInput("the reply is longer than 64 KiB", field="text")
    if not request_id or len(request_id) > 100:
        raise InvalidInput("request_id must be 1 to 100 characters", field="request_id")
    now = clock.now()
    platform_id = REPLY_ID_PREFIX + request_id
    with uow:
        access.conversation(uow, who, conversation_id)
        conv = _load(uow, conversation_id)
        if uow.inbox.known_message_ids(conv.store_id, [platform_id]):
            return False
        if conv.status.value == "closed":
            raise InvalidTransition("reopen the conversation before replying")
        if answering_message_id is not None and not send_anyway:
            _claim_answer(uow, who, conversation_id, answering_message_id)
        facts = uow.outgoing.gate_facts([conversation_id])[conversation_id]
        cleared = gate.clear(facts, body, now=now, override_reason=override_reason)
        state = platform_state(conv)
        conv.shop_replied(now, automatic=False)
        conv.add_message(now, body)
        uow.inbox.save_conversations([conv])
        _note_state(uow, conv, state, now)
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
                    template_key=template_key,
                    clearance=cleared,
                )
            ]
        )
        if agent_words is not None and agent_words[1].strip():
            language, words = agent_words
            uow.translations.store_agent_words(conv.store_id, platform_id, language, words, now)
        cases.note_reply(uow, conversation_id, body, account_id, now)
        uow.inbox.record_kpi_facts([conversation_id], since=now)
        uow.inbox.audit(
            at=now,
            account_id=account_id,
            action="reply",
            entity_type="conversation",
            entity_id=conversation_id,
            before=None,
            after={"request_id": request_id, "template": template_key}
            | ({"sent_anyway": True} if send_anyway and answering_message_id else {}),
        )
        if cleared.override_reason is not None:
            blocked = {f.rule.value for f in cleared.findings if f.severity is Severity.BLOCK}
            uow.inbox.audit(
                at=now,
                account_id=account_id,
                action="policy_override",
                entity_type="conversation",
                entity_id=conversation_id,
                before=None,
                after={
                    "request_id": request_id,
                    "reason": cleared.override_reason,
                    "rules": sorted(blocked),
                },
            )
        uow.commit()
    return True


def _claim_answer(
    uow: UnitOfWork, who: Principal, conversation_id: int, answering_message_id: int
) -> None:
    seen = uow.team.buyer_message_at(conversation_id, answering_message_id)
    if seen is None:
        raise InvalidInput(
            "answering_message_id is not a buyer message of this conversation",
            field="answering_message_id",
        )
    earlier = uow.team.claim_answer(conversation_id, seen, who.account_id)
    if earlier is not None:
        raise ReplyCollision(earlier.author_name, earlier.sent_at)


def set_mark(
    who: Principal, conversation_id: int, mark: str | None, *, uow: UnitOfWork, clock: Clock
) -> None:
    """Set or clear one of the five colour marks of SPEC §7."""
    try:
        value = ColourMark(mark) if mark else None
    except ValueError:
        allowed = ", ".join(m.value for m in ColourMark)
        raise InvalidInput(f"colour mark must be one of: {allowed}", field="colour_mark") from None
    _change(
        who,
        Permission.MARK,
        conversation_id,
        "set_mark",
        uow,
        clock,
        lambda conv, now: conv.set_mark(value),
    )


def assign(
    who: Principal,
    conversation_id: int,
    assignee_id: int | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> None:
    """Give the conversation to a person who works the inbox and has its store; only the
    main account gives work to itself (a lead cannot hand the owner work). Without the
    right to assign, an agent may still hand over a conversation they hold to such a
    teammate (docs/team.md "Working together"), who is notified."""
    leads = who.can(Permission.ASSIGN)

    def act(conv: Conversation, now: datetime) -> None:
        if not leads:
            _check_handover(who, conv, assignee_id)
        if assignee_id is not None:
            _check_assignee(uow, who, conv, assignee_id)
        previous = conv.assignee_id
        conv.assign(assignee_id)
        uow.inbox.set_kpi_agent(conversation_id, assignee_id)
        # A lead's assignment shows in the person's count of unread work; a hand-over
        # between agents is news worth a notification.
        if not leads and assignee_id is not None and assignee_id != previous:
            uow.team.notify(
                [
                    NewNotification(
                        assignee_id, "handover", conversation_id, None, who.account_id, now
                    )
                ]
            )

    permission = Permission.ASSIGN if leads else Permission.REPLY
    _change(who, permission, conversation_id, "assign", uow, clock, act)


def assignees(who: Principal, conversation_id: int, *, uow: UnitOfWork) -> list[AccountRecord]:
    """Who the person may give this conversation to: anyone eligible for a lead; the
    teammates eligible for its holder (a hand-over); no one for another agent."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        access.conversation(uow, who, conversation_id)
        conv = _load(uow, conversation_id)
        leads = who.can(Permission.ASSIGN)
        if not leads and (not who.can(Permission.REPLY) or conv.assignee_id != who.account_id):
            return []
        found = []
        for account in uow.auth.accounts():
            if not leads and account.id == who.account_id:
                continue
            try:
                _check_assignee(uow, who, conv, account.id)
            except InvalidInput:
                continue
            found.append(account)
        return found


def _check_handover(who: Principal, conv: Conversation, assignee_id: int | None) -> None:
    if conv.assignee_id != who.account_id:
        raise HandoverRefused(
            "you can pass on only a conversation assigned to you; ask a lead to reassign it"
        )
    if assignee_id is None:
        raise HandoverRefused(
            "only a lead can leave a conversation unassigned: pass it to a teammate"
        )


def _check_assignee(uow: UnitOfWork, who: Principal, conv: Conversation, assignee_id: int) -> None:
    agent = uow.auth.account(assignee_id)
    if agent is None or not agent.active:
        raise InvalidInput("no active account with this id", field="assignee_id")
    if not allowed(agent.role, Permission.REPLY, is_main=agent.is_main):
        raise InvalidInput("this account does not work the inbox", field="assignee_id")
    if agent.is_main and agent.id != who.account_id:
        raise InvalidInput("only the main account gives itself work", field="assignee_id")
    if not agent.is_main and conv.store_id not in agent.store_ids:
        raise InvalidInput("this agent is not given the conversation's store", field="assignee_id")


def close(who: Principal, conversation_id: int, *, uow: UnitOfWork, clock: Clock) -> None:
    _change(
        who, Permission.CLOSE, conversation_id, "close", uow, clock, lambda c, now: c.close(now)
    )


def reopen(who: Principal, conversation_id: int, *, uow: UnitOfWork, clock: Clock) -> None:
    _change(who, Permission.CLOSE, conversation_id, "reopen", uow, clock, lambda c, now: c.reopen())


def no_response_needed(
    who: Principal, conversation_id: int, *, uow: UnitOfWork, clock: Clock
) -> int:
    """Mark what the buyer wrote since the last answer as needing no response (SPEC §13:
    on Amazon it takes the messages out of the response-time metric): the wait ends, the
    messages are recorded with the time and leave the KPI facts, the audit log says who.
    Returns how many messages were marked; InvalidTransition when none is waiting."""
    access.require(who, Permission.REPLY)
    now = clock.now()
    with uow:
        access.conversation(uow, who, conversation_id)
        conv = _load(uow, conversation_id)
        conv.no_response_needed()
        marked = uow.mail.no_response_needed(conversation_id, now)
        uow.inbox.save_conversations([conv])
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="no_response_needed",
            entity_type="conversation",
            entity_id=conversation_id,
            before=None,
            after={"messages": marked},
        )
        uow.commit()
    return marked


def mark_read(who: Principal, conversation_id: int, *, uow: UnitOfWork, clock: Clock) -> None:
    """Opening a conversation reads it; not audited, it is not a change of substance."""
    access.require(who, Permission.VIEW_INBOX)
    now = clock.now()
    with uow:
        access.conversation(uow, who, conversation_id)
        conv = _load(uow, conversation_id)
        if conv.unread:
            conv.mark_read()
            uow.inbox.save_conversations([conv])
            uow.connections.agent_changed(conversation_id, conv.store_id, {"read": True}, now)
            uow.commit()


_AUDITED = ("status", "colour_mark", "assignee_id", "unread")


def _change(
    who: Principal,
    permission: Permission,
    conversation_id: int,
    action: str,
    uow: UnitOfWork,
    clock: Clock,
    act: Callable[[Conversation, datetime], None],
) -> None:
    access.require(who, permission)
    now = clock.now()
    with uow:
        access.conversation(uow, who, conversation_id)
        conv = _load(uow, conversation_id)
        before, state = _snapshot(conv), platform_state(conv)
        act(conv, now)
        after = _snapshot(conv)
        if before == after:
            return  # nothing changed: idempotent, nothing to audit
        uow.inbox.save_conversations([conv])
        _note_state(uow, conv, state, now)
        changed = [k for k in _AUDITED if before[k] != after[k]]
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action=action,
            entity_type="conversation",
            entity_id=conversation_id,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
        uow.commit()


def platform_state(conv: Conversation) -> dict[str, object]:
    """The fields a connected store's marketplace keeps too (kefu.services.sync)."""
    return {
        "mark": conv.colour_mark.value if conv.colour_mark else None,
        "handled": conv.status != Status.OPEN,
        "read": not conv.unread,
        "closed": conv.status == Status.CLOSED,
    }


def _note_state(
    uow: UnitOfWork, conv: Conversation, before: dict[str, object], at: datetime
) -> None:
    """A person's change, for the sync to push to a connected store's marketplace."""
    after = platform_state(conv)
    changed = {name: value for name, value in after.items() if before[name] != value}
    if changed and conv.id is not None:
        uow.connections.agent_changed(conv.id, conv.store_id, changed, at)


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


def correct_intent(
    who: Principal,
    message_id: int,
    intent: str,
    *,
    sub_intent: str | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> int:
    """An agent's label for a buyer message, with a sub-intent under it or none; stored
    as a training example (`kefu model train`). Returns the message's conversation id."""
    access.require(who, Permission.CORRECT_INTENT)
    if intent not in INTENTS:
        raise InvalidInput(f"unknown intent {intent!r}", field="intent")
    if sub_intent is not None and parent_of(sub_intent) != intent:
        raise InvalidInput(
            f"{sub_intent!r} is not a sub-intent of {intent!r}"
            if sub_intent in SUB_INTENTS
            else f"unknown sub-intent {sub_intent!r}",
            field="sub_intent",
        )
    account_id = who.account_id
    now = clock.now()
    with uow:
        access.message(uow, who, message_id)
        found = uow.inbox.message_for_correction(message_id)
        if found is None:
            raise NotFound(f"no buyer message {message_id}", id=message_id)
        conversation_id, previous, previous_sub = found
        uow.inbox.correct_intent(message_id, intent, sub_intent, previous, account_id, now)
        conv = _load(uow, conversation_id)
        conv.intent, conv.mood = uow.inbox.latest_buyer_triage(conversation_id)
        uow.inbox.save_conversations([conv])
        uow.inbox.audit(
            at=now,
            account_id=account_id,
            action="correct_intent",
            entity_type="message",
            entity_id=message_id,
            before={"intent": previous, "sub_intent": previous_sub},
            after={"intent": intent, "sub_intent": sub_intent},
        )
        uow.commit()
    return conversation_id


def retriage(
    uow_factory: Callable[[], UnitOfWork],
    classifier: Classifier,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 1000,
) -> int:
    """Triage every stored buyer message again (after a model update), chunk by chunk.

    Corrected messages keep the agent's label. Each chunk is one transaction, so an
    interrupted run can simply be started again.
    """
    with uow_factory() as uow:
        total = uow.inbox.count_buyer_messages()
    done, after = 0, 0
    while True:
        with uow_factory() as uow:
            rows = uow.inbox.buyer_messages_to_triage(after, chunk)
            if not rows:
                break
            results = triage([text for _, _, text in rows], classifier)
            uow.inbox.set_triage(
                [(mid, r) for (mid, _, _), r in zip(rows, results, strict=True)], classifier.version
            )
            conversations = [_load(uow, cid) for cid in sorted({cid for _, cid, _ in rows})]
            for conv in conversations:
                assert conv.id is not None  # noqa: S101
                conv.intent, conv.mood = uow.inbox.latest_buyer_triage(conv.id)
            uow.inbox.save_conversations(conversations)
            uow.commit()
        after = rows[-1][0]
        done += len(rows)
        if progress:
            progress(done, total)
    return done


def import_messages(
    who: Principal,
    raws: Sequence[Mapping[str, object]],
    uow: UnitOfWork,
    clock: Clock,
    **options: Any,
) -> IngestReport:
    """`ingest` on behalf of a person: rows for stores not given to them are refused by
    row, the others stored; `options` are ingest's (live traffic is triaged and routed).

    A large batch is stored IMPORT_CHUNK rows per transaction, so no single write holds
    the database for long while agents work; each chunk is idempotent on the message id,
    so a batch sent again after a failure stores only what is missing."""
    access.require(who, Permission.IMPORT_MESSAGES)
    with uow:
        kept, refused = access.rows_in_stores(uow, who, raws)
    items = [item for _, item in kept]
    report = IngestReport()
    for start in range(0, len(items), IMPORT_CHUNK):
        chunk = items[start : start + IMPORT_CHUNK]
        report.merge(ingest(chunk, uow, clock, first_row=start + 1, **options))
    report.received = len(raws)
    report.errors = sorted(
        access.renumber(report.errors, kept) + refused, key=lambda e: (e.row or 0, e.field)
    )
    return report
