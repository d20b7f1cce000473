"""The gate holds each platform to what its message API takes (the limits declared beside
each adapter): a reply eBay would refuse never reaches the outbox, even with a reason; an
AliExpress automatic image answer goes out as the one image addmsg carries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.policy import Rule
from kefu.services import inbox
from kefu.services.outgoing import PolicyBlocked
from tests.factories import acting, make_message


def test_a_reply_longer_than_ebay_takes_is_blocked_with_no_override(kefu: Kefu) -> None:
    inbox.ingest(
        [make_message(1, store="ebay-uk", buyer_id="b-3", buyer_language="en", text="Hi there")],
        kefu.uow(),
        kefu.clock,
    )
    with kefu.session_factory() as session:
        conv = session.scalars(select(t.Conversation)).one()
    long_text = "Thank you for your patience with this order. " * 50  # 2,300 characters
    for reason in (None, "The buyer asked for the full care instructions in one message."):
        with pytest.raises(PolicyBlocked) as refused:
            inbox.reply(
                acting(kefu),
                conv.id,
                long_text,
                request_id=f"long-{reason is None}",
                uow=kefu.uow(),
                clock=kefu.clock,
                gate=kefu.gate,
                override_reason=reason,
            )
        found = [f for f in refused.value.result.findings if f.rule is Rule.TEXT_TOO_LONG]
        assert [(f.start, f.end) for f in found] == [(2000, len(long_text.strip()))]
    assert inbox.reply(
        acting(kefu),
        conv.id,
        long_text[:2000],
        request_id="short-enough",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
