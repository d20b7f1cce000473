"""Messages a shop starts about an Amazon order through the SP-API's Messaging API
(docs/channels.md "Amazon"): only the kinds Amazon offers for that order, each text through
the outgoing gate, each sent once per client key.

Buyer messages and the replies to them go by the mail relay (docs/mail.md); this is the
other way Amazon allows a shop to write: a confirmation of delivery details, an unexpected
problem, a warranty… when Amazon says the order allows it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from kefu.domain.errors import DomainError, InvalidInput
from kefu.domain.permissions import Permission
from kefu.domain.policy import MessageKind
from kefu.domain.types import Marketplace
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.outgoing import Gate
from kefu.services.ports import (
    ChannelError,
    Clock,
    ConcurrentWriteError,
    GateFacts,
    OrderMessage,
    OrderMessaging,
    SecretsUnavailable,
    StoreRef,
    UnitOfWork,
)
from kefu.services.sync import SyncDeps, UowFactory

ACTION = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
ORDER = re.compile(r"^\d{3}-\d{7}-\d{7}$")  # Amazon's "3-7-7 format"
MAX_KEY = 128
MAX_TEXT = 2000  # the longest text any action takes (messaging.json)


class MarketplaceRefused(DomainError):
    """The marketplace refused or could not answer; `retryable` says whether asking again
    later can help."""

    code = "marketplace_refused"


@dataclass(frozen=True)
class SentAction:
    message: OrderMessage
    repeated: bool  # the client key was seen before: nothing was sent this time


def _check(order_number: str, action: str | None = None, key: str | None = None) -> None:
    if not ORDER.fullmatch(order_number):
        raise InvalidInput(
            "order: an Amazon order number is 3-7-7 digits, like 123-1234567-1234567",
            field="order",
        )
    if action is not None and not ACTION.fullmatch(action):
        raise InvalidInput("action: letters and digits, at most 64", field="action")
    if key is not None and not 1 <= len(key) <= MAX_KEY:
        raise InvalidInput(f"client_key: 1–{MAX_KEY} characters", field="client_key")


def _connected(
    uow: UnitOfWork, who: Principal, code: str, deps: SyncDeps
) -> tuple[StoreRef, OrderMessaging]:
    with uow:
        store = access.store(uow, who, code)
        conn = uow.connections.connection(store.id)
    if store.platform != Marketplace.AMAZON:
        raise InvalidInput(f"store {store.code} is not on Amazon", field="store")
    if conn is None or not conn.enabled:
        raise InvalidInput(
            f"store {store.code} is not connected to Amazon's SP-API (kefu store connect)",
            field="store",
        )
    try:
        opened = json.loads(deps.secrets.open(conn.credentials))
    except SecretsUnavailable as exc:
        raise MarketplaceRefused(str(exc), retryable=True) from exc
    client = deps.factory(store.code, conn.platform, conn.base_url, opened)
    if not isinstance(client, OrderMessaging):
        raise InvalidInput(f"store {store.code}'s connection cannot send order messages")
    return store, client


def _refused(exc: ChannelError) -> MarketplaceRefused:
    return MarketplaceRefused(str(exc), retryable=exc.retryable, retry_after=exc.retry_after)


def actions(
    who: Principal, store: str, order_number: str, *, uow: UnitOfWork, deps: SyncDeps
) -> list[str]:
    """The messages Amazon offers for this order now, by its own names."""
    access.require(who, Permission.REPLY)
    _check(order_number)
    _, client = _connected(uow, who, store, deps)
    try:
        return client.actions(order_number)
    except ChannelError as exc:
        raise _refused(exc) from exc
    finally:
        _close(client)


def sent(who: Principal, store: str, order_number: str, *, uow: UnitOfWork) -> list[OrderMessage]:
    """What kefu sent through Amazon's Messaging API for this order, oldest first."""
    access.require(who, Permission.VIEW_INBOX)
    _check(order_number)
    with uow:
        found = access.store(uow, who, store)
        return uow.amazon_messages.messages(found.id, order_number)


def send(
    who: Principal,
    store: str,
    order_number: str,
    action: str,
    *,
    text: str | None,
    client_key: str,
    uow_factory: UowFactory,
    deps: SyncDeps,
    gate: Gate,
    clock: Clock,
) -> SentAction:
    """Send one message Amazon offers for the order. The same client key again returns the
    first one and sends nothing; a send that failed in a way that can pass (Amazon busy)
    may be asked again with the same key. The text passes the outgoing gate as a message
    the shop starts."""
    access.require(who, Permission.REPLY)
    _check(order_number, action, client_key)
    if text is not None and len(text) > MAX_TEXT:
        raise InvalidInput(f"text: at most {MAX_TEXT} characters ({len(text)})", field="text")
    ref, client = _connected(uow_factory(), who, store, deps)
    try:
        return _send(
            who, ref, client, order_number, action, text, client_key, uow_factory, gate, clock
        )
    finally:
        _close(client)


def _close(client: object) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        close()


def _send(
    who: Principal,
    ref: StoreRef,
    client: OrderMessaging,
    order_number: str,
    action: str,
    text: str | None,
    client_key: str,
    uow_factory: UowFactory,
    gate: Gate,
    clock: Clock,
) -> SentAction:
    now = clock.now()
    with uow_factory() as uow:
        earlier = uow.amazon_messages.message(ref.id, client_key)
    if earlier is not None:
        if (earlier.order_number, earlier.action, earlier.text) != (order_number, action, text):
            raise InvalidInput(
                "client_key: already used for another message; use a new key",
                field="client_key",
            )
        if earlier.state != "failed":
            return SentAction(earlier, repeated=True)
    if text is not None and text.strip():
        with uow_factory() as uow:
            orders = uow.shopdata.orders(ref.id, [order_number])
        known = orders.get(order_number)
        placed = known.values.get("placed_at") if known else None
        facts = GateFacts(platform=ref.platform, order_placed_at=placed)
        gate.clear(facts, text, now=now, kind=MessageKind.PROACTIVE)
    if not _claim(uow_factory, who, ref, earlier, order_number, action, text, client_key, now):
        # another request with this key won the race
        with uow_factory() as uow:
            taken = uow.amazon_messages.message(ref.id, client_key)
        assert taken is not None  # noqa: S101 - its row is committed
        return SentAction(taken, repeated=True)
    body = {"text": text} if text is not None and text.strip() else {}
    try:
        platform_ref = client.send_action(order_number, action, body)
    except ChannelError as exc:
        state = "failed" if exc.retryable else "refused"
        _finish(uow_factory, ref, client_key, {"state": state, "error": str(exc)[:500]}, clock)
        raise _refused(exc) from exc
    done = {"state": "sent", "platform_ref": platform_ref[:200], "error": None}
    return SentAction(_finish(uow_factory, ref, client_key, done, clock), repeated=False)


def _claim(
    uow_factory: UowFactory,
    who: Principal,
    store: StoreRef,
    earlier: OrderMessage | None,
    order_number: str,
    action: str,
    text: str | None,
    client_key: str,
    now: datetime,
) -> bool:
    """Write the message as pending (and the audit row) before calling Amazon: a crash
    after the call leaves it pending, never sent twice. False: the key is taken."""
    values = {"state": "pending", "error": None, "updated_at": now}
    try:
        with uow_factory() as uow:
            if earlier is not None:
                current = uow.amazon_messages.message(store.id, client_key)
                if current is None or current.state != "failed":
                    return False
                uow.amazon_messages.update_message(earlier.id, values)
            else:
                uow.amazon_messages.add_message(
                    {
                        **values,
                        "store_id": store.id,
                        "client_key": client_key,
                        "order_number": order_number,
                        "action": action,
                        "text": text,
                        "account_id": who.account_id,
                        "created_at": now,
                    }
                )
            uow.inbox.audit(
                at=now,
                account_id=who.account_id,
                action="amazon.message",
                entity_type="store",
                entity_id=store.id,
                before=None,
                after={"order": order_number, "action": action, "client_key": client_key},
            )
            uow.commit()
    except ConcurrentWriteError:
        return False
    return True


def _finish(
    uow_factory: UowFactory, store: StoreRef, key: str, values: Mapping[str, object], clock: Clock
) -> OrderMessage:
    with uow_factory() as uow:
        message = uow.amazon_messages.message(store.id, key)
        assert message is not None  # noqa: S101 - claimed before the call
        uow.amazon_messages.update_message(message.id, {**values, "updated_at": clock.now()})
        uow.commit()
        done = uow.amazon_messages.message(store.id, key)
    assert done is not None  # noqa: S101
    return done


__all__ = ["MarketplaceRefused", "OrderMessage", "SentAction", "actions", "send", "sent"]
