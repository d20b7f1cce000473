"""State both ways with eBay and Wish (docs/channels.md "State both ways"), against kefu's
sandbox marketplace over real HTTP: a change made on the platform is pulled, a change made
in kefu is pushed, and when both changed the newer wins with both recorded. eBay keeps read
state (and archives a closed conversation only when the owner asks); Wish's ticket state is
kefu's "handled": a reply never closes the ticket, closing in kefu does, and a permanently
closed ticket never re-opens. SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.adapters.marketplaces.sandbox import EbayFace, WishFace
from kefu.bootstrap import Kefu
from kefu.services import appeals, inbox, sync
from kefu.services.access import Forbidden
from tests.factories import acting
from tests.integration.test_marketplace_state import audit, kefu_side, state_row
from tests.integration.test_marketplace_sync import conversation_id
from tests.sandbox_server import serve_faces
from tests.web import signed_in

EBAY_TOKEN, WISH_TOKEN = "v^1.1#ebay-uk", "wish-global-token"
SELLER = "kefu-demo-shop"
UPDATE, BULK = (
    "POST /commerce/message/v1/update_conversation",
    ("POST /commerce/message/v1/bulk_update_conversation"),
)


@pytest.fixture
def faces(kefu: Kefu) -> tuple[EbayFace, WishFace]:
    """Both platforms run on kefu's test clock (set at the real time), so which change is
    newer is the test's to say."""
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    ebay = EbayFace(clock=lambda: kefu.clock.now().timestamp(), seller_username=SELLER)
    ebay.grant(EBAY_TOKEN, time.time() + 3600)
    wish = WishFace(clock=lambda: kefu.clock.now().timestamp())
    wish.grant(WISH_TOKEN, time.time() + 3600)
    return ebay, wish


@pytest.fixture
def connected(kefu: Kefu, faces: tuple[EbayFace, WishFace]) -> Iterator[Kefu]:
    ebay, wish = faces
    with serve_faces(ebay=ebay, wish=wish) as root:
        kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
        kefu.__dict__.pop("secrets", None)
        kefu.__dict__.pop("marketplaces", None)
        for code, url, keys in (
            (
                "ebay-uk",
                f"{root}/ebay",
                {
                    "access_token": EBAY_TOKEN,
                    "seller_username": SELLER,
                    "archive_when_handled": "true",
                },
            ),
            ("wish-global", f"{root}/wish", {"access_token": WISH_TOKEN}),
        ):
            sync.connect_store(
                acting(kefu), code, base_url=url, credentials=keys,
                secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock,
            )  # fmt: skip
        yield kefu


def later(kefu: Kefu, seconds: float = 1) -> None:
    kefu.clock.advance(seconds=seconds)  # type: ignore[attr-defined]


def synced(kefu: Kefu, store: str) -> sync.SyncReport:
    report = kefu.sync_marketplaces(store)
    assert report.failed == [], report.failed
    return report


# eBay


def test_ebay_read_state_goes_both_ways_and_a_mark_stays_in_kefu(
    connected: Kefu, faces: tuple[EbayFace, WishFace]
) -> None:
    kefu, (ebay, _) = connected, faces
    ref = ebay.open_conversation("olivia")
    ebay.buyer_writes(ref, "Is the scarf still available?")
    synced(kefu, "ebay-uk")
    conv = conversation_id(kefu, ref)
    assert kefu_side(kefu, conv) == (None, "open", True)

    later(kefu)
    ebay.seller_reads(ref)  # read on eBay's own site
    report = synced(kefu, "ebay-uk")
    assert report.applied == 1 and kefu_side(kefu, conv)[2] is False
    assert audit(kefu, conv, "marketplace_state") == [({"unread": True}, {"unread": False})]

    later(kefu)
    ebay.buyer_writes(ref, "Hello?")
    synced(kefu, "ebay-uk")
    assert kefu_side(kefu, conv)[2] is True and ebay.conversation(ref)["read"] is False
    later(kefu)
    owner = acting(kefu)
    inbox.mark_read(owner, conv, uow=kefu.uow(), clock=kefu.clock)
    inbox.set_mark(owner, conv, "blue", uow=kefu.uow(), clock=kefu.clock)
    calls = len(ebay.calls)
    report = synced(kefu, "ebay-uk")
    assert report.pushed == 1 and ebay.conversation(ref)["read"] is True
    assert [c for c in ebay.calls[calls:] if c in (UPDATE, BULK)] == [UPDATE]  # read only
    assert state_row(kefu, conv).kefu_mark == "blue"  # eBay has no marks: kefu's alone
    calls = len(ebay.calls)
    synced(kefu, "ebay-uk")
    assert [c for c in ebay.calls[calls:] if c in (UPDATE, BULK)] == []  # nothing twice


def test_ebay_newer_change_wins_and_both_are_recorded(
    connected: Kefu, faces: tuple[EbayFace, WishFace]
) -> None:
    kefu, (ebay, _) = connected, faces
    ref = ebay.open_conversation("noah")
    ebay.buyer_writes(ref, "Do you ship to Ireland?")
    synced(kefu, "ebay-uk")
    conv = conversation_id(kefu, ref)

    later(kefu)
    inbox.mark_read(acting(kefu), conv, uow=kefu.uow(), clock=kefu.clock)  # kefu: read
    later(kefu)
    ebay.seller_reads(ref, read=False)  # then, on eBay: unread (it was unread there too)
    ebay.seller_reads(ref, read=True)
    ebay.seller_reads(ref, read=False)
    synced(kefu, "ebay-uk")
    # eBay still says unread as kefu last knew it: nothing changed there, kefu's read is
    # pushed.
    assert ebay.conversation(ref)["read"] is True and kefu_side(kefu, conv)[2] is False

    later(kefu)
    ebay.seller_reads(ref, read=False)  # a change on eBay after kefu's push: newer
    synced(kefu, "ebay-uk")
    assert kefu_side(kefu, conv)[2] is True and ebay.conversation(ref)["read"] is False
    row = state_row(kefu, conv)
    assert (row.platform_read, row.platform_read_by, row.kefu_read) == (False, "platform", True)
    assert row.kefu_read_at is not None and row.platform_read_at is not None
    assert row.platform_read_at > row.kefu_read_at
    assert audit(kefu, conv, "marketplace_state")[-1] == ({"unread": False}, {"unread": True})


def test_ebay_archives_only_what_a_person_closed_and_reads_ten_at_a_time(
    connected: Kefu, faces: tuple[EbayFace, WishFace]
) -> None:
    kefu, (ebay, _) = connected, faces
    refs = [ebay.open_conversation(f"buyer{n:02d}") for n in range(12)]
    for ref in refs:
        ebay.buyer_writes(ref, "hello")
    synced(kefu, "ebay-uk")
    convs = [conversation_id(kefu, ref) for ref in refs]
    owner = acting(kefu)
    later(kefu)
    for conv in convs:
        inbox.mark_read(owner, conv, uow=kefu.uow(), clock=kefu.clock)
    calls = len(ebay.calls)
    assert synced(kefu, "ebay-uk").pushed == 12
    assert ebay.calls[calls:].count(BULK) == 2 and UPDATE not in ebay.calls[calls:]  # 10 + 2
    assert sum(ebay.conversation(ref)["read"] for ref in refs) == 12

    later(kefu)
    inbox.reply(
        owner, convs[0], "Yes, in stock.", request_id="e-1",
        uow=kefu.uow(), clock=kefu.clock, gate=kefu.gate,
    )  # fmt: skip
    assert kefu.deliver_outbox().delivered == 1
    synced(kefu, "ebay-uk")
    assert ebay.conversation(refs[0])["status"] == "ACTIVE"  # an answer never archives
    later(kefu)
    inbox.close(owner, convs[1], uow=kefu.uow(), clock=kefu.clock)
    synced(kefu, "ebay-uk")
    assert ebay.conversation(refs[1])["status"] == "ARCHIVE"
    later(kefu)
    inbox.reopen(owner, convs[1], uow=kefu.uow(), clock=kefu.clock)
    synced(kefu, "ebay-uk")
    assert ebay.conversation(refs[1])["status"] == "ACTIVE"

    later(kefu)
    inbox.close(owner, convs[2], uow=kefu.uow(), clock=kefu.clock)
    synced(kefu, "ebay-uk")
    later(kefu)
    ebay.buyer_writes(refs[2], "One more question")  # ACTIVE again on eBay, open in kefu
    synced(kefu, "ebay-uk")
    assert (ebay.conversation(refs[2])["status"], kefu_side(kefu, convs[2])[1]) == (
        "ACTIVE",
        "open",
    )
    later(kefu)
    inbox.close(owner, convs[2], uow=kefu.uow(), clock=kefu.clock)
    synced(kefu, "ebay-uk")
    assert ebay.conversation(refs[2])["status"] == "ARCHIVE"  # the second close archives too

    later(kefu)
    ebay.seller_archives(refs[3])  # archived on eBay's own site: closed in kefu, audited
    synced(kefu, "ebay-uk")
    assert kefu_side(kefu, convs[3])[1] == "closed"
    assert audit(kefu, convs[3], "marketplace_state")[-1][1]["status"] == "closed"


# Wish


def test_a_wish_reply_never_closes_the_ticket_closing_in_kefu_does(
    connected: Kefu, faces: tuple[EbayFace, WishFace]
) -> None:
    kefu, (_, wish) = connected, faces
    ticket = wish.buyer_opens("Emma", "My order has not arrived", order_id="W-1")
    synced(kefu, "wish-global")
    conv = conversation_id(kefu, ticket)
    assert kefu_side(kefu, conv)[1] == "open"
    owner = acting(kefu)

    later(kefu)
    inbox.reply(
        owner, conv, "It is on its way; tracking LP00123.", request_id="w-1",
        uow=kefu.uow(), clock=kefu.clock, gate=kefu.gate,
    )  # fmt: skip
    puts = wish.calls.count(f"PUT /api/v3/tickets/{ticket}")
    for _ in range(2):  # syncs before the reply is delivered: Wish still awaits the merchant
        later(kefu)
        synced(kefu, "wish-global")
        assert kefu_side(kefu, conv)[1] == "waiting"  # not reopened by Wish's unchanged state
    assert wish.ticket(ticket)["state"] == "AWAITING_MERCHANT"
    assert kefu.deliver_outbox().delivered == 1
    synced(kefu, "wish-global")
    assert wish.ticket(ticket)["state"] == "AWAITING_USER"  # moved on by Wish, not closed
    assert wish.calls.count(f"PUT /api/v3/tickets/{ticket}") == puts
    assert kefu_side(kefu, conv)[1] == "waiting"

    later(kefu)
    inbox.close(owner, conv, uow=kefu.uow(), clock=kefu.clock)
    synced(kefu, "wish-global")
    assert wish.ticket(ticket)["state"] == "CLOSED"

    later(kefu)
    wish.buyer_replies(ticket, "Still nothing!")  # the ticket re-opens on Wish, and in kefu
    synced(kefu, "wish-global")
    assert kefu_side(kefu, conv)[1] == "open"
    assert wish.ticket(ticket)["state"] == "AWAITING_MERCHANT"

    later(kefu)
    wish.wish_support_replies(ticket, "We refunded the buyer.", state="CLOSED")
    report = synced(kefu, "wish-global")  # closed on Wish: closed in kefu, audited
    assert report.applied >= 1 and kefu_side(kefu, conv)[1] == "closed"
    assert audit(kefu, conv, "marketplace_state")[-1] == (
        {"status": "open", "unread": True},
        {"status": "closed", "unread": False},  # closing reads it, as an agent's close does
    )
    later(kefu)
    inbox.reopen(owner, conv, uow=kefu.uow(), clock=kefu.clock)
    synced(kefu, "wish-global")
    assert wish.ticket(ticket)["state"] == "AWAITING_MERCHANT"
    assert state_row(kefu, conv).platform_closed_by == "kefu"


def test_a_permanently_closed_ticket_reopens_in_kefu_only_and_says_why(
    connected: Kefu, faces: tuple[EbayFace, WishFace]
) -> None:
    kefu, (_, wish) = connected, faces
    ticket = wish.buyer_opens("Liam", "Refund please", order_id="W-2")
    synced(kefu, "wish-global")
    conv = conversation_id(kefu, ticket)
    owner = acting(kefu)
    later(kefu)
    inbox.close(owner, conv, uow=kefu.uow(), clock=kefu.clock)
    synced(kefu, "wish-global")
    wish.close_permanently(ticket)
    synced(kefu, "wish-global")

    later(kefu)
    inbox.reopen(owner, conv, uow=kefu.uow(), clock=kefu.clock)
    report = kefu.sync_marketplaces("wish-global")
    assert kefu_side(kefu, conv)[1] == "open"  # kefu's own work goes on
    assert wish.ticket(ticket)["state"] == "PERMANENTLY_CLOSED"
    assert len(report.push_errors) == 1 and "permanently closed" in report.push_errors[0]
    assert "permanently closed" in (state_row(kefu, conv).push_error or "")
    again = kefu.sync_marketplaces("wish-global")
    assert again.push_errors == []  # refused for good: not asked again
    with signed_in(kefu) as client:  # the person reads why on the conversation
        page = client.get(f"/conversations/{conv}").text
        assert 'data-testid="platform-refusal"' in page and "permanently closed" in page

    with pytest.raises(appeals.AppealRefused) as refused:
        appeals.appeal_to_support(
            owner, conv, uow_factory=kefu.uow, deps=kefu.marketplaces, clock=kefu.clock
        )
    assert "never be re-opened" in str(refused.value.params["reason"])


def test_appeal_to_wish_support_is_a_person_s_audited_action(
    connected: Kefu, faces: tuple[EbayFace, WishFace]
) -> None:
    kefu, (ebay, wish) = connected, faces
    ticket = wish.buyer_opens("Ava", "The item is broken", order_id="W-3")
    ref = ebay.open_conversation("mia")
    ebay.buyer_writes(ref, "hello")
    synced(kefu, "wish-global")
    synced(kefu, "ebay-uk")
    conv, ebay_conv = conversation_id(kefu, ticket), conversation_id(kefu, ref)
    owner = acting(kefu)
    reader = replace(owner, scopes=frozenset({"view_inbox"}))  # a token that may only read
    with pytest.raises(Forbidden):
        appeals.appeal_to_support(
            reader, conv, uow_factory=kefu.uow, deps=kefu.marketplaces, clock=kefu.clock
        )
    assert wish.ticket(ticket)["state"] == "AWAITING_MERCHANT"
    appeals.appeal_to_support(
        owner, conv, uow_factory=kefu.uow, deps=kefu.marketplaces, clock=kefu.clock
    )
    assert wish.ticket(ticket)["state"] == "AWAITING_WISH"
    with kefu.session_factory() as session:
        entries = session.scalars(
            select(t.AuditEntry).where(
                t.AuditEntry.action == "appeal_to_support", t.AuditEntry.entity_id == conv
            )
        ).all()
    assert [(e.account_id, e.after) for e in entries] == [
        (owner.account_id, {"ticket_state": "AWAITING_WISH"})
    ]
    with pytest.raises(appeals.AppealRefused, match="only a Wish ticket"):
        appeals.appeal_to_support(
            owner, ebay_conv, uow_factory=kefu.uow, deps=kefu.marketplaces, clock=kefu.clock
        )


def test_the_appeal_through_the_api_and_the_conversation_page(
    connected: Kefu, faces: tuple[EbayFace, WishFace]
) -> None:
    kefu, (ebay, wish) = connected, faces
    ticket = wish.buyer_opens("Zoe", "Wrong colour", order_id="W-4")
    ref = ebay.open_conversation("leo")
    ebay.buyer_writes(ref, "hello")
    synced(kefu, "wish-global")
    synced(kefu, "ebay-uk")
    conv, ebay_conv = conversation_id(kefu, ticket), conversation_id(kefu, ref)
    with signed_in(kefu) as client:
        assert 'data-testid="appeal-to-wish"' in client.get(f"/conversations/{conv}").text
        assert 'data-testid="appeal-to-wish"' not in client.get(f"/conversations/{ebay_conv}").text
        refused = client.post(f"/api/v1/conversations/{ebay_conv}/appeal")
        assert refused.status_code == 409 and refused.json()["error"] == "appeal_refused"
        assert client.post(f"/api/v1/conversations/{conv}/appeal").status_code == 204
        assert wish.ticket(ticket)["state"] == "AWAITING_WISH"
        again = client.post(f"/conversations/{conv}/appeal", headers={"HX-Request": "true"})
        assert again.status_code == 200  # Wish takes a second appeal; the page swaps in
        assert client.post("/api/v1/conversations/999999/appeal").status_code == 404
