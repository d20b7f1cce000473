"""Replies on a real database: suggestions, the policy gate, the outbox and auto-replies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from kefu.adapters.channels.http import HttpChannel
from kefu.adapters.channels.sandbox import SandboxState, create_sandbox
from kefu.adapters.db import tables as t
from kefu.adapters.holidays import public_holidays
from kefu.bootstrap import Kefu
from kefu.domain.autoreply import AutoReplySettings, ContentKind, KeywordReply
from kefu.domain.errors import InvalidInput, RowErrors
from kefu.domain.intents import INTENTS
from kefu.domain.shopfacts import ShopFacts
from kefu.services import inbox, outbox
from kefu.services.outgoing import PolicyBlocked
from kefu.services.ports import DeliveryReport
from kefu.services.replies import save_auto_replies
from tests.factories import acting, make_message
from tests.fakes import FixedClock

KEYWORDS = (
    KeywordReply("talla", ContentKind.TEXT, "Mira la tabla de tallas en la ficha del producto."),
    KeywordReply("cupón", ContentKind.COUPON, "SAVE10"),
    KeywordReply("foto", ContentKind.IMAGE, "https://img.example.com/dress.png"),
)


def open_conversation(kefu: Kefu, key: str, *, intent: str | None = None, **raw: Any) -> int:
    """A conversation made by ingesting one buyer message (ali-global, Ana, es by default)."""
    fields: dict[str, Any] = {"message_id": f"{key}-1", "conversation_id": key, **raw}
    inbox.ingest([make_message(5, **fields)], kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        conv_id = session.scalars(
            select(t.Conversation.id).where(t.Conversation.platform_conversation_id == key)
        ).one()
        if intent is not None:
            session.execute(
                update(t.Conversation).where(t.Conversation.id == conv_id).values(intent=intent)
            )
            session.commit()
    return conv_id


def shop_messages(kefu: Kefu, conv_id: int | None = None) -> list[t.Message]:
    with kefu.session_factory() as session:
        query = select(t.Message).where(t.Message.direction == "shop").order_by(t.Message.id)
        if conv_id is not None:
            query = query.where(t.Message.conversation_id == conv_id)
        return list(session.scalars(query))


def audit_actions(kefu: Kefu) -> list[tuple[str, dict[str, Any] | None]]:
    with kefu.session_factory() as session:
        rows = session.scalars(select(t.AuditEntry).order_by(t.AuditEntry.id))
        return [(r.action, r.after) for r in rows]


def store_id(kefu: Kefu, code: str = "ali-global") -> int:
    with kefu.session_factory() as session:
        return session.scalars(select(t.Store.id).where(t.Store.code == code)).one()


# --- suggestions -------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["A-NOTE", "A-STUCK", "A-PAID"])
def test_suggestions_are_few_filled_and_in_the_buyers_language(kefu: Kefu, order: str) -> None:
    with kefu.session_factory() as session:  # plenty in stock: stock_available, not few_left
        session.execute(update(t.Product).where(t.Product.sku == "SKU-DRESS").values(stock=50))
        session.commit()
    conv_id = open_conversation(kefu, f"c-{order}", order_number=order, product_sku="SKU-DRESS")
    seen: set[str] = set()
    for intent in (None, *INTENTS):
        with kefu.session_factory() as session:
            session.execute(
                update(t.Conversation).where(t.Conversation.id == conv_id).values(intent=intent)
            )
            session.commit()
        found = kefu.replies.suggestions(acting(kefu), conv_id, uow=kefu.uow(), clock=kefu.clock)
        assert len(found) <= 3
        for s in found:
            assert "{" not in s.text and "XXXX" not in s.text and "{" not in s.gloss
            assert (s.language, s.fell_back) == ("es", False), (intent, s.key)
            assert s.gloss_language == "zh" and any("\u4e00" <= ch <= "\u9fff" for ch in s.gloss)
            assert order in s.text or "{order_number}" not in str(
                kefu.replies.catalogue.get(s.key).texts["en"]
            )
            seen.add(s.key)
    assert len(seen) >= 5


def test_a_damage_report_gets_the_photo_request_first(kefu: Kefu) -> None:
    conv_id = open_conversation(kefu, "c-dmg", order_number="A-NOTE", intent="damaged_defective")
    found = kefu.replies.suggestions(acting(kefu), conv_id, uow=kefu.uow(), clock=kefu.clock)
    assert found[0].key == "damage_send_photos"
    assert found[0].text.startswith("¡Hola, Ana!") and "A-NOTE" in found[0].text
    assert found[0].gloss.startswith("Ana，您好") and found[0].title == "商品损坏或发错：请提供照片"


def test_a_stock_question_is_answered_in_the_buyers_language(kefu: Kefu) -> None:
    conv_id = open_conversation(kefu, "c-stock", product_sku="SKU-DRESS", intent="product_stock")
    found = kefu.replies.suggestions(acting(kefu), conv_id, uow=kefu.uow(), clock=kefu.clock)
    assert found[0].key == "stock_few_left"
    assert found[0].language == "es"


def test_a_shipped_order_is_not_asked_to_confirm_the_address_before_shipping(kefu: Kefu) -> None:
    conv_id = open_conversation(kefu, "c-shipped", order_number="A-STUCK")
    found = kefu.replies.suggestions(acting(kefu), conv_id, uow=kefu.uow(), clock=kefu.clock)
    assert "address_confirmation" not in [s.key for s in found]


def test_the_stores_own_wording_is_checked_and_used(kefu: Kefu) -> None:
    shop = store_id(kefu)
    with pytest.raises(InvalidInput, match="nombre"):
        kefu.replies.save_wording(
            acting(kefu), shop, "greeting", "es", "Hola {nombre}", uow=kefu.uow(), clock=kefu.clock
        )
    with pytest.raises(InvalidInput, match="leaves out"):
        kefu.replies.save_wording(
            acting(kefu),
            shop,
            "greeting",
            "es",
            "Hola {buyer_name}",
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    with kefu.uow() as uow:
        assert uow.replies.overrides(shop) == {}
    wording = "¡Buenas, {buyer_name}! Esto es {store_name}. {signature}"
    kefu.replies.save_wording(
        acting(kefu), shop, "greeting", "es", wording, uow=kefu.uow(), clock=kefu.clock
    )
    conv_id = open_conversation(kefu, "c-hi", intent="greeting_thanks")
    found = kefu.replies.suggestions(acting(kefu), conv_id, uow=kefu.uow(), clock=kefu.clock)
    assert found[0].key == "greeting"
    assert found[0].text.startswith("¡Buenas, Ana! Esto es Sunrise Fashion")
    assert [a for a, _ in audit_actions(kefu)] == ["template_wording"]


# --- sending -----------------------------------------------------------------------------


@pytest.fixture
def amazon_conv(kefu: Kefu) -> int:
    return open_conversation(
        kefu,
        "amz-1",
        store="amazon-us",
        buyer_id="amz-buyer",
        buyer_name="John Smith",
        buyer_country="US",
        buyer_language="en",
        text="Where do I send the return?",
    )


def send(kefu: Kefu, conv_id: int, text: str, request_id: str, **kw: Any) -> bool:
    return kefu.replies.send(
        acting(kefu, 1),
        conv_id,
        text,
        request_id=request_id,
        uow_factory=kefu.uow,
        clock=kefu.clock,
        **kw,
    )


def test_an_email_address_to_an_amazon_buyer_is_blocked(kefu: Kefu, amazon_conv: int) -> None:
    text = "Please write to returns@sunrise-home.com for the return label."
    with pytest.raises(PolicyBlocked) as caught:
        send(kefu, amazon_conv, text, "r1")
    assert [(f.rule.value, f.excerpt) for f in caught.value.result.findings] == [
        ("email_address", "returns@sunrise-home.com")
    ]
    with pytest.raises(PolicyBlocked):
        send(kefu, amazon_conv, text, "r1", override_reason="too short")
    assert shop_messages(kefu) == []
    assert audit_actions(kefu) == []


def test_a_lead_can_override_the_block_with_a_logged_reason(kefu: Kefu, amazon_conv: int) -> None:
    text = "Please write to returns@sunrise-home.com for the return label."
    reason = "Buyer's return needs the warehouse address"
    assert send(kefu, amazon_conv, text, "r2", override_reason=reason)
    assert [m.text for m in shop_messages(kefu)] == [text]
    actions = audit_actions(kefu)
    assert [a for a, _ in actions] == ["reply", "policy_override"]
    assert actions[1][1] == {"request_id": "r2", "reason": reason, "rules": ["email_address"]}


def test_the_same_request_id_stores_the_reply_once(kefu: Kefu, amazon_conv: int) -> None:
    assert send(kefu, amazon_conv, "Thank you, John. The label is on its way.", "r3")
    assert not send(kefu, amazon_conv, "Thank you, John. The label is on its way.", "r3")
    assert len(shop_messages(kefu)) == 1


def test_an_invalid_keyword_set_is_refused_and_nothing_is_stored(kefu: Kefu) -> None:
    shop = store_id(kefu)
    with pytest.raises(RowErrors):
        save_auto_replies(
            acting(kefu, 1),
            shop,
            AutoReplySettings(welcome_enabled=True, keywords=KEYWORDS[:2]),
            gate=kefu.gate,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    with kefu.uow() as uow:
        assert uow.replies.settings(shop)[1] == AutoReplySettings()
    assert audit_actions(kefu) == []


# --- the outbox --------------------------------------------------------------------------


@dataclass
class Sandbox:
    state: SandboxState
    client: TestClient
    channel: HttpChannel

    def fault(self, status: int, count: int = 1, retry_after: int | None = None) -> None:
        body = {"status": status, "count": count, "retry_after": retry_after}
        assert self.client.post("/v1/faults", json=body).status_code == 200

    def deliver(self, kefu: Kefu) -> DeliveryReport:
        return outbox.deliver_due(kefu.uow, self.channel, kefu.clock)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    state = SandboxState()
    with TestClient(create_sandbox(state)) as client:
        # TestClient is an httpx.Client at run time; mypy does not see it through starlette
        channel = HttpChannel("http://testserver", client=cast(httpx.Client, client))
        yield Sandbox(state, client, channel)


@pytest.fixture
def reply_id(kefu: Kefu) -> int:
    conv_id = open_conversation(kefu, "c-out", order_number="A-PAID")
    assert inbox.reply(
        acting(kefu, 1),
        conv_id,
        "Hola Ana, tu pedido sale mañana.",
        request_id="out-1",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
    return shop_messages(kefu)[0].id


def message(kefu: Kefu, message_id: int) -> t.Message:
    with kefu.session_factory() as session:
        found = session.get(t.Message, message_id)
        assert found is not None
        return found


def test_a_reply_is_delivered_once(kefu: Kefu, sandbox: Sandbox, reply_id: int) -> None:
    assert message(kefu, reply_id).delivery_status == "pending"
    assert sandbox.deliver(kefu).delivered == 1
    assert sandbox.deliver(kefu) == DeliveryReport()
    records = list(sandbox.state.by_key.values())
    assert [(r["text"], r["automatic"]) for r in records] == [
        ("Hola Ana, tu pedido sale mañana.", False)
    ]
    stored = message(kefu, reply_id)
    assert (stored.delivery_status, stored.external_id) == ("delivered", records[0]["id"])
    assert stored.delivered_at is not None


def test_a_temporary_fault_is_retried_later(
    kefu: Kefu, clock: FixedClock, sandbox: Sandbox, reply_id: int
) -> None:
    sandbox.fault(503)
    assert sandbox.deliver(kefu).retrying == 1
    stored = message(kefu, reply_id)
    assert stored.delivery_status == "pending" and "503" in (stored.delivery_error or "")
    assert stored.next_attempt_at is not None
    assert _aware(stored.next_attempt_at) > clock.now()
    assert sandbox.deliver(kefu) == DeliveryReport()  # not due yet
    clock.advance(seconds=outbox.FIRST_RETRY.total_seconds())
    assert sandbox.deliver(kefu).delivered == 1
    assert len(sandbox.state.by_key) == 1
    assert message(kefu, reply_id).delivery_status == "delivered"


def test_retry_after_from_the_channel_is_respected(
    kefu: Kefu, clock: FixedClock, sandbox: Sandbox, reply_id: int
) -> None:
    sandbox.fault(429, retry_after=300)
    assert sandbox.deliver(kefu).retrying == 1
    assert _aware(message(kefu, reply_id).next_attempt_at) == clock.now() + timedelta(seconds=300)


def test_a_refusal_is_not_retried(kefu: Kefu, sandbox: Sandbox, reply_id: int) -> None:
    sandbox.fault(422)
    assert sandbox.deliver(kefu).failed == 1
    stored = message(kefu, reply_id)
    assert (stored.delivery_status, stored.next_attempt_at) == ("failed", None)
    assert sandbox.deliver(kefu) == DeliveryReport()
    assert sandbox.state.by_key == {}


def test_a_reply_that_keeps_failing_is_given_up(
    kefu: Kefu, clock: FixedClock, sandbox: Sandbox, reply_id: int
) -> None:
    sandbox.fault(503, count=outbox.MAX_ATTEMPTS)
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        assert sandbox.deliver(kefu).retrying == 1
        clock.advance(seconds=outbox.MAX_RETRY.total_seconds())
    assert sandbox.deliver(kefu).failed == 1
    stored = message(kefu, reply_id)
    assert (stored.delivery_status, stored.delivery_attempts) == ("failed", outbox.MAX_ATTEMPTS)


def test_a_crash_between_sending_and_recording_delivers_once(
    kefu: Kefu, clock: FixedClock, sandbox: Sandbox, reply_id: int
) -> None:
    with kefu.uow() as uow:
        claimed = uow.replies.claim_due(clock.now(), clock.now() + outbox.LEASE, 10)
        uow.commit()
    assert [r.message_id for r in claimed] == [reply_id]
    first_id = sandbox.channel.send(claimed[0])  # … and the worker dies before recording it
    assert sandbox.deliver(kefu) == DeliveryReport()  # still leased
    clock.advance(seconds=outbox.LEASE.total_seconds())
    assert sandbox.deliver(kefu).delivered == 1
    assert len(sandbox.state.by_key) == 1
    assert message(kefu, reply_id).external_id == first_id


def _aware(value: datetime | None) -> datetime:
    """SQLite may hand back naive UTC; compare as aware."""
    assert value is not None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- automatic replies on ingest ---------------------------------------------------------


def enable_auto_replies(kefu: Kefu) -> None:
    save_auto_replies(
        acting(kefu, 1),
        store_id(kefu),
        AutoReplySettings(welcome_enabled=True, keywords=KEYWORDS),
        gate=kefu.gate,
        uow=kefu.uow(),
        clock=kefu.clock,
    )


def ingest_live(
    kefu: Kefu, message_id: str, text: str, *, age: timedelta = timedelta(0), **raw: Any
) -> None:
    sent_at = (kefu.clock.now() - age).isoformat()
    batch = [make_message(message_id=message_id, text=text, sent_at=sent_at, **raw)]
    report = inbox.ingest(batch, kefu.uow(), kefu.clock, auto_replier=kefu.auto_replier)
    assert report.accepted == 1


def conversation_of(kefu: Kefu, message_id: str) -> int:
    with kefu.session_factory() as session:
        return session.scalars(
            select(t.Message.conversation_id).where(t.Message.platform_message_id == message_id)
        ).one()


def expected_welcome(at: datetime) -> str:
    hours = ShopFacts().working_hours(public_holidays("CN", at.year))
    return "welcome" if hours.is_open(at) else "welcome_out_of_hours"


@pytest.mark.parametrize(
    "later", [timedelta(0), timedelta(days=2, hours=14)], ids=["fri-20h-beijing", "mon-10h-beijing"]
)
def test_a_live_buyer_message_gets_a_welcome_and_a_keyword_answer(
    kefu: Kefu, clock: FixedClock, sandbox: Sandbox, later: timedelta
) -> None:
    clock.advance(seconds=later.total_seconds())
    enable_auto_replies(kefu)
    ingest_live(kefu, "live-1", "Hola, ¿qué TALLA me recomiendas?")
    conv_id = conversation_of(kefu, "live-1")
    auto = shop_messages(kefu, conv_id)
    kind = expected_welcome(clock.now())
    assert kind == ("welcome_out_of_hours" if later == timedelta(0) else "welcome")
    assert [(m.auto_kind, m.is_automatic, m.delivery_status) for m in auto] == [
        (kind, True, "pending"),
        ("keyword", True, "pending"),
    ]
    assert "Sunrise Fashion · AliExpress" in auto[0].text and "{" not in auto[0].text
    assert auto[0].language == "es" and auto[0].text.startswith("¡Hola!")
    assert auto[1].text == KEYWORDS[0].content
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conv_id, clock.now())
    assert detail is not None
    assert detail.unread and detail.status == "open" and detail.waiting_since is not None
    assert sandbox.deliver(kefu).delivered == 2
    assert all(r["automatic"] for r in sandbox.state.by_key.values())


def test_an_image_keyword_answers_with_the_image(kefu: Kefu) -> None:
    enable_auto_replies(kefu)
    ingest_live(kefu, "live-img", "¿tienes una FOTO real?")
    auto = shop_messages(kefu, conversation_of(kefu, "live-img"))
    assert [(m.auto_kind, m.text, m.attachments) for m in auto][1] == (
        "keyword",
        "",
        ["https://img.example.com/dress.png"],
    )


def test_one_welcome_per_24_hours_and_none_for_old_messages(kefu: Kefu, clock: FixedClock) -> None:
    enable_auto_replies(kefu)
    ingest_live(kefu, "live-1", "Hola")
    conv_id = conversation_of(kefu, "live-1")
    assert len(shop_messages(kefu, conv_id)) == 1
    clock.advance(hours=1)
    ingest_live(kefu, "live-2", "¿Sigue ahí?")
    assert len(shop_messages(kefu, conv_id)) == 1
    ingest_live(
        kefu,
        "old-1",
        "Hola, ¿qué talla?",
        age=timedelta(hours=1, minutes=1),
        buyer_id="b-old",
        buyer_name="Old Buyer",
    )
    assert shop_messages(kefu, conversation_of(kefu, "old-1")) == []


def test_no_auto_replies_when_switched_off(kefu: Kefu) -> None:
    ingest_live(kefu, "live-off", "Hola, ¿qué talla?")
    assert shop_messages(kefu) == []


def test_a_keyword_reply_speaks_the_buyers_language_when_the_store_wrote_it(
    kefu: Kefu,
) -> None:
    talla = KeywordReply(
        "talla",
        ContentKind.TEXT,
        "See the size chart on the product page.",
        (("es", "Mira la tabla de tallas en la ficha del producto."),),
    )
    save_auto_replies(
        acting(kefu, 1),
        store_id(kefu),
        AutoReplySettings(keywords=(talla, *KEYWORDS[1:])),
        gate=kefu.gate,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    ingest_live(kefu, "live-es", "¿Qué talla?")
    ingest_live(kefu, "live-de", "Welche TALLA?", buyer_id="b-de", buyer_language="de")
    spanish = shop_messages(kefu, conversation_of(kefu, "live-es"))
    german = shop_messages(kefu, conversation_of(kefu, "live-de"))
    assert [m.text for m in spanish] == ["Mira la tabla de tallas en la ficha del producto."]
    assert [m.text for m in german] == ["See the size chart on the product page."]
