"""State both ways, the mapping (docs/channels.md "State both ways"): each platform's own
words for a conversation's state ↔ kefu's mark / handled / read / closed, and which of
those each adapter says its platform has."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kefu.adapters.marketplaces import ebay, wish
from kefu.adapters.marketplaces.aliexpress import AliExpressClient
from kefu.services import sync
from kefu.services.ports import STATE_FIELDS, SyncedState

AT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

# Wish's Ticket.state enum (V3 OpenAPI 3.0.65) → kefu's (handled, closed).
WISH_STATES = {
    "AWAITING_MERCHANT": (False, False),
    "AWAITING_USER": (True, False),
    "AWAITING_WISH": (True, False),
    "CLOSED": (True, True),
    "PERMANENTLY_CLOSED": (True, True),
}


def test_every_wish_state_is_mapped() -> None:
    assert set(WISH_STATES) == set(wish.STATES)


@pytest.mark.parametrize(("state", "expected"), sorted(WISH_STATES.items()))
def test_a_wish_ticket_state_is_kefus_handled_and_closed(
    state: str, expected: tuple[bool, bool]
) -> None:
    ticket = {"id": "5f01", "state": state, "updated_at": "2026-12-06T12:00:00.000Z"}
    found = wish.state_of(ticket)
    assert (found.handled, found.closed) == expected
    assert (found.read, found.mark_known, found.updated_at) == (None, False, AT)


@pytest.mark.parametrize(
    ("unread", "read"), [(0, True), (3, False), ("0", True), ("2", False), (None, None)]
)
def test_an_ebay_conversation_is_read_when_nothing_is_unread(
    unread: object, read: bool | None
) -> None:
    found = ebay.state_of({"conversationId": "c1", "unreadCount": unread})
    assert found.read is read
    assert (found.handled, found.mark_known) == (None, False)  # eBay has neither


@pytest.mark.parametrize(
    ("status", "closed"),
    [("ARCHIVE", True), ("ACTIVE", False), ("DELETE", None), ("READ", None), (None, None)],
)
def test_an_archived_ebay_conversation_is_closed(status: str | None, closed: bool | None) -> None:
    found = ebay.state_of({"conversationId": "c1", "conversationStatus": status})
    assert found.closed is closed


def test_each_adapter_says_which_fields_its_platform_has() -> None:
    plain = ebay.EbayClient("ebay-uk", ebay.Credentials("token"))
    archiving = ebay.EbayClient("ebay-uk", ebay.Credentials("token"), archive_when_handled=True)
    by_setting = ebay.EbayClient.from_credentials(
        "https://api.ebay.com",
        {"store": "ebay-uk", "access_token": "t", "archive_when_handled": "true"},
    )
    try:
        assert sync.state_fields(plain) == {"read"}
        assert sync.state_fields(archiving) == {"read", "closed"}
        assert sync.state_fields(by_setting) == {"read", "closed"}
    finally:
        for client in (plain, archiving, by_setting):
            client.close()
    assert wish.WishClient.state_fields == {"handled", "closed"}
    assert sync.pushed_fields(wish.WishClient) == {"closed"}  # handled: pulled only
    assert sync.pushed_fields(AliExpressClient) == {"mark", "handled", "read"}
    assert AliExpressClient.state_fields == {"mark", "handled", "read"}
    for fields in (wish.WishClient.state_fields, AliExpressClient.state_fields):
        assert fields <= set(STATE_FIELDS)
    assert sync.state_fields(object()) == frozenset()  # an adapter that says nothing


def synced(**kefu: object) -> SyncedState:
    """A conversation kefu changed at AT (every field given) that the platform never said."""
    return SyncedState(
        conversation_id=1,
        store_id=1,
        ref="c1",
        platform=dict.fromkeys(STATE_FIELDS),
        platform_at=dict.fromkeys(STATE_FIELDS),
        platform_by=dict.fromkeys(STATE_FIELDS),
        kefu={name: kefu.get(name) for name in STATE_FIELDS},
        kefu_at={name: AT if name in kefu else None for name in STATE_FIELDS},
    )


def test_only_what_the_platform_has_is_ever_due() -> None:
    changed = synced(mark="blue", handled=True, read=True, closed=True)
    assert changed.pending() == {"mark": "blue", "handled": True, "read": True, "closed": True}
    assert changed.pending({"read"}) == {"read": True}  # eBay: the mark stays kefu's
    assert changed.pending({"handled", "closed"}) == {"handled": True, "closed": True}
    assert synced(mark="red").pending({"read", "closed"}) == {}  # nothing to push, ever
