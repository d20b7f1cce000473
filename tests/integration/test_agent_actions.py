"""Reply, mark, assign, close and reopen on a real database, with the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.errors import InvalidInput, InvalidTransition, NotFound
from kefu.services import inbox
from kefu.services.outgoing import PolicyBlocked
from tests.factories import acting, make_message


@pytest.fixture
def conv_id(kefu: Kefu) -> int:
    inbox.ingest([make_message(5, order_number="A-NOTE")], kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        return session.scalars(select(t.Conversation.id)).one()


def audit(kefu: Kefu) -> list[tuple[str, object, object]]:
    with kefu.session_factory() as session:
        rows = session.scalars(select(t.AuditEntry).order_by(t.AuditEntry.id))
        return [(r.action, r.before, r.after) for r in rows]


def test_reply_is_stored_once_per_request_id(kefu: Kefu, conv_id: int) -> None:
    assert inbox.reply(
        acting(kefu, 1),
        conv_id,
        "Hola Ana",
        request_id="r1",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
    assert not inbox.reply(
        acting(kefu, 1),
        conv_id,
        "Hola Ana",
        request_id="r1",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conv_id, kefu.clock.now())
    assert detail is not None
    assert [m.text for m in detail.messages if m.direction == "shop"] == ["Hola Ana"]
    assert detail.status == "waiting" and not detail.unread and detail.waiting_since is None


def test_empty_reply_is_refused_even_with_a_reason(kefu: Kefu, conv_id: int) -> None:
    for reason in (None, "the buyer asked for a blank line"):
        with pytest.raises(PolicyBlocked, match="empty"):
            inbox.reply(
                acting(kefu, 1),
                conv_id,
                "   ",
                request_id="r2",
                uow=kefu.uow(),
                clock=kefu.clock,
                gate=kefu.gate,
                override_reason=reason,
            )


def test_mark_assign_close_reopen_are_audited(kefu: Kefu, conv_id: int) -> None:
    inbox.set_mark(acting(kefu, 1), conv_id, "red", uow=kefu.uow(), clock=kefu.clock)
    inbox.set_mark(
        acting(kefu, 1), conv_id, "red", uow=kefu.uow(), clock=kefu.clock
    )  # no change, no entry
    inbox.assign(acting(kefu, 1), conv_id, 2, uow=kefu.uow(), clock=kefu.clock)
    inbox.close(acting(kefu, 1), conv_id, uow=kefu.uow(), clock=kefu.clock)
    inbox.reopen(acting(kefu, 1), conv_id, uow=kefu.uow(), clock=kefu.clock)
    assert [a[0] for a in audit(kefu)] == ["set_mark", "assign", "close", "reopen"]
    assert audit(kefu)[0][1:] == ({"colour_mark": None}, {"colour_mark": "red"})


def test_unknown_mark_and_account_are_refused(kefu: Kefu, conv_id: int) -> None:
    with pytest.raises(InvalidInput, match="one of"):
        inbox.set_mark(acting(kefu, 1), conv_id, "orange", uow=kefu.uow(), clock=kefu.clock)
    with pytest.raises(InvalidInput):
        inbox.assign(acting(kefu, 1), conv_id, 999, uow=kefu.uow(), clock=kefu.clock)


def test_closed_conversation_needs_reopening_before_a_reply(kefu: Kefu, conv_id: int) -> None:
    inbox.close(acting(kefu, 1), conv_id, uow=kefu.uow(), clock=kefu.clock)
    with pytest.raises(InvalidTransition):
        inbox.reply(
            acting(kefu, 1),
            conv_id,
            "hi",
            request_id="r3",
            uow=kefu.uow(),
            clock=kefu.clock,
            gate=kefu.gate,
        )
    with pytest.raises(InvalidTransition):
        inbox.close(acting(kefu, 1), conv_id, uow=kefu.uow(), clock=kefu.clock)


def test_buyer_writing_again_reopens_a_closed_conversation(kefu: Kefu, conv_id: int) -> None:
    inbox.close(acting(kefu, 1), conv_id, uow=kefu.uow(), clock=kefu.clock)
    inbox.ingest([make_message(1, order_number="A-NOTE")], kefu.uow(), kefu.clock)
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conv_id, kefu.clock.now())
    assert detail is not None and detail.status == "open" and detail.unread


def test_unknown_conversation_is_not_found(kefu: Kefu) -> None:
    with pytest.raises(NotFound):
        inbox.close(acting(kefu, 1), 12345, uow=kefu.uow(), clock=kefu.clock)


def test_detail_shows_buyer_order_products_and_parcels(kefu: Kefu) -> None:
    inbox.ingest([make_message(1, order_number="A-STUCK")], kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        cid = session.scalars(select(t.Conversation.id)).one()
    with kefu.uow() as uow:
        d = uow.queries.conversation_detail(cid, kefu.clock.now())
    assert d is not None and d.order is not None
    assert (d.buyer.country, d.buyer.language, d.buyer.timezone) == ("ES", "es", "Europe/Madrid")
    assert d.buyer.kind == "gold" and d.buyer.order_count == 4  # the wholesale order is 1,050 USD
    assert d.order.lines[0].sku == "SKU-DRESS"
    assert d.order.parcels[0].tracking_number == "LX123456789CN"
    assert d.order.parcels[0].latest_event is not None
    assert d.order.parcels[0].latest_event.status == "customs_hold" and d.order.parcels[0].problem
    assert [p.sku for p in d.products] == ["SKU-DRESS"]
    assert d.priority_reasons == ("logistics",)
