"""One gate for every outgoing text: the outbox takes nothing the gate did not clear, and
automatic replies pass the same rules as an agent's words."""

from __future__ import annotations

import ast
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.autoreply import AutoReplySettings, ContentKind, KeywordReply
from kefu.domain.errors import RowErrors
from kefu.services import inbox, replies
from kefu.services.outgoing import PolicyBlocked
from kefu.services.ports import Clearance, NewMessage, Uncleared
from tests.factories import NOW, acting, make_message

SRC = Path(str(files("kefu")))
OFF_AMAZON = "Write to lily.shop@gmail.com or WhatsApp +1 415 555 0134 for a faster answer."
KEYWORDS = (
    KeywordReply("refund", ContentKind.TEXT, OFF_AMAZON),
    KeywordReply("size", ContentKind.TEXT, "See the size chart on the product page."),
    KeywordReply("photo", ContentKind.IMAGE, "https://img.example.com/kettle.png"),
)


def _amazon_store(kefu: Kefu) -> int:
    with kefu.uow() as uow:
        return uow.inbox.stores_by_code(["amazon-us"])["amazon-us"].id


def _shop_texts(kefu: Kefu) -> list[str]:
    with kefu.session_factory() as session:
        return list(session.scalars(select(t.Message.text).where(t.Message.direction == "shop")))


def test_the_outbox_refuses_a_message_the_gate_did_not_clear(kefu: Kefu) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        conv = session.scalars(select(t.Conversation)).one()
    base = NewMessage(
        conversation_id=conv.id,
        store_id=conv.store_id,
        platform_message_id="sneaky",
        direction="shop",
        sent_at=NOW,
        received_at=NOW,
        text="Hola, escríbeme a ana@example.com",
        language="es",
        attachments=(),
        delivery_status="pending",
    )
    for message in (base, _with(base, Clearance("Hola")), _with(base, Clearance(base.text + "."))):
        with kefu.uow() as uow, pytest.raises(Uncleared):
            uow.inbox.add_messages([message])
    assert _shop_texts(kefu) == []


def _with(message: NewMessage, clearance: Clearance) -> NewMessage:
    return replace(message, clearance=clearance)


def test_only_the_gate_makes_a_clearance() -> None:
    """Every code path that writes to the outbox needs a Clearance of its exact text, and
    only services/outgoing.py constructs one."""
    makers, walked = [], 0
    for path in sorted(SRC.rglob("*.py")):
        walked += 1
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Clearance"
            ):
                makers.append(str(path.relative_to(SRC)))
    assert walked > 100
    assert sorted(set(makers)) == ["services/outgoing.py"]


def test_an_automatic_reply_the_platform_forbids_is_not_queued_and_the_log_says_why(
    kefu: Kefu,
) -> None:
    """The probe: a keyword reply on the Amazon store holding a Gmail address and a
    WhatsApp number was queued for an Amazon buyer. Stored before the gate checked
    settings (written straight to the table), it must still never leave."""
    store = _amazon_store(kefu)
    with kefu.uow() as uow:
        uow.replies.save_auto_replies(store, AutoReplySettings(keywords=KEYWORDS), NOW)
        uow.commit()
    live = make_message(
        1, store="amazon-us", buyer_id="b-2", text="I want a refund", sent_at=NOW.isoformat()
    )
    report = inbox.ingest([live], kefu.uow(), kefu.clock, auto_replier=kefu.auto_replier)
    assert report.accepted == 1
    assert _shop_texts(kefu) == []
    with kefu.session_factory() as session:
        blocked = session.scalars(
            select(t.AuditEntry).where(t.AuditEntry.action == "auto_reply_blocked")
        ).one()
    assert {"email_address", "off_platform_contact"} <= set(blocked.after["rules"])


def test_the_same_words_from_an_agent_are_blocked_too(kefu: Kefu) -> None:
    live = make_message(1, store="amazon-us", buyer_id="b-2", text="I want a refund")
    inbox.ingest([live], kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        conv_id = session.scalars(select(t.Conversation.id)).one()
    with pytest.raises(PolicyBlocked):
        inbox.reply(
            acting(kefu),
            conv_id,
            OFF_AMAZON,
            request_id="r1",
            uow=kefu.uow(),
            clock=kefu.clock,
            gate=kefu.gate,
        )
    assert _shop_texts(kefu) == []


def test_saving_an_automatic_text_the_platform_forbids_is_refused_by_row(kefu: Kefu) -> None:
    store = _amazon_store(kefu)
    with pytest.raises(RowErrors) as caught:
        replies.save_auto_replies(
            acting(kefu),
            store,
            AutoReplySettings(keywords=KEYWORDS),
            gate=kefu.gate,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    assert {(e.field, e.row) for e in caught.value.errors} == {("content", 1)}
    with kefu.uow() as uow:
        assert uow.replies.settings(store)[1] == AutoReplySettings()


def test_a_welcome_wording_with_an_email_is_refused_on_amazon_with_the_reason(
    kefu: Kefu,
) -> None:
    wording = (
        "Hello! Thank you for your message to {store_name}. We answer during {working_hours}."
        " Questions? shop.help@gmail.com"
    )
    with kefu.uow() as uow:
        stores = uow.inbox.stores_by_code(["amazon-us"])
    with pytest.raises(RowErrors) as caught:
        kefu.replies.save_wording(
            acting(kefu),
            stores["amazon-us"].id,
            "welcome",
            "en",
            wording,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    assert [e.value for e in caught.value.errors] == ["shop.help@gmail.com"]
    preview = kefu.replies.preview(
        acting(kefu),
        stores["amazon-us"].id,
        "welcome",
        "en",
        wording,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert [f.rule.value for f in preview.findings] == ["email_address"]
