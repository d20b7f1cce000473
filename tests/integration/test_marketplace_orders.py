"""Orders, products and parcels from the platforms' order APIs (docs/channels.md "Orders
from the platforms"), against kefu's sandbox marketplace over real HTTP: a connected
store syncs and its orders with lines and parcels are in the shop's data, a buyer's
message about an order links to it, a page read again changes nothing, a changed order
updates, an older order document never overwrites a newer one, and a record the intake
refuses is told in words without stopping the sync. SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import uvicorn
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from kefu.adapters.marketplaces.sandbox import (
    AliExpressFace,
    EbayFace,
    WishFace,
    create_marketplace_sandbox,
)
from kefu.bootstrap import Kefu
from kefu.services import sync
from tests.factories import acting
from tests.sandbox_server import APP_KEY, SECRET, TOKEN
from tests.web import signed_in

EBAY_TOKEN, WISH_TOKEN = "ebay-token-uk", "wish-token-global"


@dataclass
class Sandbox:
    url: str
    ali: AliExpressFace
    ebay: EbayFace
    wish: WishFace


@pytest.fixture(scope="module")
def served() -> Iterator[Sandbox]:
    """One sandbox server for the module (faces on the real clock), emptied per test."""
    ali, ebay, wish = AliExpressFace(), EbayFace(), WishFace()
    ali.add_app(APP_KEY, SECRET)
    for face, token in ((ali, TOKEN), (ebay, EBAY_TOKEN), (wish, WISH_TOKEN)):
        face.grant(token, time.time() + 3600)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_marketplace_sandbox(ali, ebay, wish),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.02)
    yield Sandbox(f"http://127.0.0.1:{port}", ali, ebay, wish)
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def sandbox(served: Sandbox, kefu: Kefu) -> Sandbox:
    for book in (served.ali.orders, served.ebay.orders, served.wish.orders):
        book.orders.clear()
    served.ali.channels.clear()
    served.ebay.conversations.clear()
    served.wish.tickets.clear()
    # The platforms run on the real clock; kefu's test clock is put at the real time.
    kefu.clock._now = datetime.now(UTC)  # type: ignore[attr-defined]
    kefu.settings.secret_key = SecretStr(Fernet.generate_key().decode())
    kefu.__dict__.pop("secrets", None)
    kefu.__dict__.pop("marketplaces", None)
    return served


def connect(kefu: Kefu, store: str, url: str, credentials: dict[str, str]) -> None:
    sync.connect_store(
        acting(kefu),
        store,
        base_url=url,
        credentials=credentials,
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
    )


def rows(kefu: Kefu, sql: str, **params: object) -> list[tuple[object, ...]]:
    with kefu.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params).all()]


def order(kefu: Kefu, number: str) -> tuple[object, ...]:
    found = rows(
        kefu,
        "SELECT o.status, o.currency, o.total_cents, i.platform_buyer_id, b.name,"
        " o.ship_to_country FROM orders o JOIN buyers b ON b.id = o.buyer_id"
        " JOIN buyer_identities i ON i.buyer_id = b.id AND i.store_id = o.store_id"
        " WHERE o.order_number = :n",
        n=number,
    )
    assert len(found) == 1
    return found[0]


def lines(kefu: Kefu, number: str) -> list[tuple[object, ...]]:
    return rows(
        kefu,
        "SELECT l.sku, l.title, l.quantity, l.unit_price_cents, l.product_id IS NOT NULL"
        " FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.order_number = :n"
        " ORDER BY l.id",
        n=number,
    )


def parcels(kefu: Kefu, number: str) -> list[tuple[object, ...]]:
    return rows(
        kefu,
        "SELECT p.carrier, p.tracking_number, p.shipped_at IS NOT NULL FROM parcels p"
        " JOIN orders o ON o.id = p.order_id WHERE o.order_number = :n ORDER BY p.id",
        n=number,
    )


def aliexpress(kefu: Kefu, sandbox: Sandbox) -> None:
    connect(
        kefu,
        "ali-global",
        f"{sandbox.url}/aliexpress",
        {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN},
    )


def test_aliexpress_orders_lines_and_parcels_arrive_and_a_message_links_to_its_order(
    kefu: Kefu, sandbox: Sandbox
) -> None:
    aliexpress(kefu, sandbox)
    books = sandbox.ali.orders
    placed = books.place(
        "es1234567abc",
        "Lucía Fernández",
        [("AE-LAMP-01", "Desk lamp", 2, "12.50"), ("SKU-DRESS", "Floral dress", 1, "19.99")],
    )
    books.ship(placed, "LP00123456789CN")
    waiting = books.place("br7654321xyz", "João Silva", [("AE-MUG-02", "Mug", 1, "5.00")])
    channel = sandbox.ali.open_channel("es1234567abc", "Lucía", order_id=placed)
    sandbox.ali.buyer_writes(channel, "¿Dónde está mi lámpara?")

    report = kefu.sync_marketplaces("ali-global")

    assert report.failed == [] and report.record_errors == []
    assert report.records["created"] == 2 + 2 + 1  # two new products, two orders, a parcel
    assert order(kefu, str(placed)) == (
        "shipped",
        "USD",
        4499,
        "es1234567abc",
        "Lucía Fernández",
        "ES",
    )
    assert order(kefu, str(waiting))[0] == "paid"
    assert lines(kefu, str(placed)) == [
        ("AE-LAMP-01", "Desk lamp", 2, 1250, True),
        ("SKU-DRESS", "Floral dress", 1, 1999, True),
    ]
    assert parcels(kefu, str(placed)) == [("CAINIAO_STANDARD", "LP00123456789CN", True)]
    # A product kefu knew keeps the shop's own price and title: a line is what one buyer paid.
    assert rows(kefu, "SELECT title, price_cents FROM products WHERE sku = 'SKU-DRESS'") == [
        ("Floral Maxi Dress, Pink", 2499)
    ]
    linked = rows(
        kefu,
        "SELECT o.order_number FROM conversations c JOIN orders o ON o.id = c.order_id"
        " WHERE c.platform_conversation_id = :c",
        c=channel,
    )
    assert linked == [(str(placed),)]
    with kefu.uow() as uow:
        health = uow.connections.connection_by_code("ali-global")
    assert health is not None and health.error_code is None


def test_a_page_read_again_changes_nothing_and_a_changed_order_updates(
    kefu: Kefu, sandbox: Sandbox
) -> None:
    aliexpress(kefu, sandbox)
    books = sandbox.ali.orders
    placed = books.place("fr555", "Chloé", [("AE-BAG-03", "Tote bag", 1, "30.00")])
    kefu.sync_marketplaces("ali-global")
    before = rows(kefu, "SELECT * FROM orders ORDER BY id")

    # A crash before the cursor moved: the store reads its orders again from the start.
    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code("ali-global")
        assert conn is not None
        uow.connections.record_sync(conn.store_id, {"cursor": None})
        uow.commit()
    again = kefu.sync_marketplaces("ali-global")
    assert again.records.get("created", 0) == again.records.get("updated", 0) == 0
    assert again.records["unchanged"] == 2  # the order and its product
    assert rows(kefu, "SELECT * FROM orders ORDER BY id") == before

    time.sleep(1.1)  # the order API dates to the second
    books.ship(placed, "LP00999999999CN")
    books.change(placed, "FINISH", "buyer_confirm_goods")
    changed = kefu.sync_marketplaces("ali-global")
    assert changed.records["updated"] == 1 and changed.records["created"] == 1  # the parcel
    assert order(kefu, str(placed))[0] == "completed"


def test_an_older_order_document_never_overwrites_a_newer_one(kefu: Kefu, sandbox: Sandbox) -> None:
    aliexpress(kefu, sandbox)
    books = sandbox.ali.orders
    placed = books.place("de42", "Jonas", [("AE-CAP-04", "Cap", 1, "8.00")])
    books.change(placed, "FINISH", "buyer_confirm_goods")
    kefu.sync_marketplaces("ali-global")
    assert order(kefu, str(placed))[0] == "completed"

    # The platform serves an older copy (a replica behind): an hour older, still unpaid.
    stale = books.orders[placed]
    stale.status, stale.end_reason, stale.updated = (
        "WAIT_SELLER_SEND_GOODS",
        "",
        stale.updated - 3600,
    )
    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code("ali-global")
        assert conn is not None
        uow.connections.record_sync(conn.store_id, {"cursor": None})
        uow.commit()
    report = kefu.sync_marketplaces("ali-global")
    assert report.records["stale"] == 1
    assert order(kefu, str(placed))[0] == "completed"


def test_ebay_orders_and_parcels_and_a_refused_record_is_told_in_words(
    kefu: Kefu, sandbox: Sandbox
) -> None:
    connect(kefu, "ebay-uk", f"{sandbox.url}/ebay", {"access_token": EBAY_TOKEN})
    books = sandbox.ebay.orders
    placed = books.place("tom_uk", "Tom Baker", [("EB-SCARF", "Wool scarf", 2, "15.00")])
    books.ship(placed, "RM123456789GB")

    # No pound rate yet: the order is refused in words, the sync goes on, the health says so.
    first = kefu.sync_marketplaces("ebay-uk")
    assert first.failed == []
    assert len(first.record_errors) == 1  # the order; its parcel waits aside for it
    assert first.record_errors[0].startswith(f"ebay-uk orders #1 ({placed}) currency: no USD rate")
    assert first.records["set_aside"] == 1
    with kefu.uow() as uow:
        health = uow.connections.connection_by_code("ebay-uk")
        assert health is not None and health.error_code == "records"
        assert health.last_success_at is not None
        uow.shopdata.save_rates([("GBP", date.today() - timedelta(days=1), 0.79)], "test")
        uow.commit()

    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code("ebay-uk")
        assert conn is not None
        uow.connections.record_sync(conn.store_id, {"cursor": None})
        uow.commit()
    second = kefu.sync_marketplaces("ebay-uk")
    assert second.record_errors == []
    assert order(kefu, placed) == ("shipped", "GBP", 3400, "tom_uk", "Tom Baker", "GB")
    assert lines(kefu, placed) == [("EB-SCARF", "Wool scarf", 2, 1500, True)]
    assert parcels(kefu, placed) == [("ROYAL_MAIL", "RM123456789GB", True)]

    books.cancel(placed)
    kefu.sync_marketplaces("ebay-uk")
    assert order(kefu, placed)[0] == "cancelled"


def test_wish_orders_and_a_ticket_about_one(kefu: Kefu, sandbox: Sandbox) -> None:
    connect(kefu, "wish-global", f"{sandbox.url}/wish", {"access_token": WISH_TOKEN})
    books = sandbox.wish.orders
    placed = books.place("Amy Lee", "WI-SOCKS", "Wool socks", quantity=3, price="4.00")
    books.ship(placed, "YT2412345678901234")
    other = books.place("Ben Ode", "WI-HAT", "Sun hat")
    ticket = sandbox.wish.buyer_opens("Amy Lee", "Where are my socks?", order_id=placed)

    report = kefu.sync_marketplaces("wish-global")

    assert report.failed == [] and report.record_errors == []
    assert order(kefu, placed) == ("shipped", "USD", 1800, f"order-{placed}", "Amy Lee", "US")
    assert order(kefu, other)[0] == "paid"
    assert lines(kefu, placed) == [("WI-SOCKS", "Wool socks", 3, 400, True)]
    assert parcels(kefu, placed) == [("YanWen", "YT2412345678901234", True)]
    linked = rows(
        kefu,
        "SELECT o.order_number FROM conversations c JOIN orders o ON o.id = c.order_id"
        " WHERE c.platform_conversation_id = :c",
        c=ticket,
    )
    assert linked == [(placed,)]


def test_the_api_and_the_stores_page_tell_what_came_in_and_what_was_refused(
    kefu: Kefu, sandbox: Sandbox
) -> None:
    connect(kefu, "ebay-uk", f"{sandbox.url}/ebay", {"access_token": EBAY_TOKEN})
    placed = sandbox.ebay.orders.place("ana_uk", "Ana", [("EB-BAG", "Bag", 1, "20.00")])
    with signed_in(kefu, locale="en") as client:
        answer = client.post("/api/v1/stores/ebay-uk/sync")
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["failed"] == [] and report["records"]["created"] == 1  # the product
        [refused] = report["record_errors"]
        assert refused.startswith(f"ebay-uk orders #1 ({placed}) currency: no USD rate for GBP")
        page = client.post(
            "/shop/ebay-uk/sync", data={"csrf_token": client.headers["X-CSRF-Token"]}
        ).text
        assert "Orders, products and parcels: 0 new, 0 updated, 1 unchanged" in page
        assert "1 refused." in page and f"ebay-uk orders #1 ({placed})" in page
        assert "Some orders, products or parcels from the platform were refused." in page
    with signed_in(kefu, locale="zh_CN") as client:
        page = client.get("/shop").text
        assert "平台的部分订单、商品或包裹未能写入。" in page
        synced = client.post(
            "/shop/ebay-uk/sync", data={"csrf_token": client.headers["X-CSRF-Token"]}
        ).text
        assert "订单、商品和包裹：新增 0，更新 0，未变 1" in synced


def test_a_record_refused_is_named_and_the_rest_of_the_page_is_written(
    kefu: Kefu, sandbox: Sandbox
) -> None:
    aliexpress(kefu, sandbox)
    with kefu.uow() as uow:
        conn = uow.connections.connection_by_code("ali-global")
    assert conn is not None
    line = {"sku": "SKU-TENT", "title": "Tent", "quantity": 1, "price": "69.99"}
    good: dict[str, object] = {
        "order_number": "AE-GOOD-1",
        "buyer_id": "us42",
        "status": "paid",
        "placed_at": "2026-12-01T10:00:00+00:00",
        "currency": "USD",
        "lines": [line],
    }
    bad = {**good, "order_number": "AE-BAD-2", "lines": [{**line, "quantity": 0}]}
    report = sync.SyncReport()
    records: dict[str, list[dict[str, object]]] = {
        "orders": [bad, good],
        "widgets": [{"id": 1}],
    }
    sync.take_records(kefu.uow, kefu.marketplaces, kefu.clock, conn, records, report)
    assert report.record_errors == [
        "ali-global widgets: is not a kind of shop data",
        "ali-global orders #1 (AE-BAD-2) line_quantity: must be at least 1 (got '0')",
    ]
    assert (report.records["created"], report.records["rejected"]) == (1, 1)
    assert order(kefu, "AE-GOOD-1")[0] == "paid"
    assert rows(kefu, "SELECT id FROM orders WHERE order_number = 'AE-BAD-2'") == []


def test_an_order_api_refused_for_good_is_told_and_the_messages_still_sync(
    kefu: Kefu, sandbox: Sandbox
) -> None:
    connect(kefu, "ebay-uk", f"{sandbox.url}/ebay", {"access_token": EBAY_TOKEN})
    conversation = sandbox.ebay.open_conversation("sam_uk")
    sandbox.ebay.buyer_writes(conversation, "Has my scarf shipped?")
    sandbox.ebay.fail(403)  # the order list: a token without the sell.fulfillment scope

    report = kefu.sync_marketplaces("ebay-uk")

    assert report.failed == [] and report.stored == 1
    [refused] = report.record_errors
    assert refused.startswith("ebay-uk orders: ") and "403" in refused
    with kefu.uow() as uow:
        health = uow.connections.connection_by_code("ebay-uk")
    assert health is not None and health.error_code == "records"
    again = kefu.sync_marketplaces("ebay-uk")  # the next pass asks for the orders again
    assert again.record_errors == [] and again.failed == []
