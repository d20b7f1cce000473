"""The e-mail channel against the real servers (Dovecot, Postfix): a buyer's mail is
pulled into a conversation, the reply goes out by SMTP and lands in the buyer's mailbox
threaded, the buyer's answer comes back to the same conversation."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from kefu.bootstrap import Kefu
from kefu.services import inbox, mail
from kefu.services.access import Principal
from kefu.services.readmodels import InboxFilters
from tests.mail_servers import MailServers

RECORDED = Path(__file__).parent.parent / "data" / "recorded" / "mail"


def owner(kefu: Kefu) -> Principal:
    return kefu.auth.operator(uow=kefu.uow())


def connect(kefu: Kefu, servers: MailServers, store: str, address: str, **changes: object) -> None:
    mail.set_mailbox(
        owner(kefu),
        store,
        servers.draft(address, **changes),
        secrets=kefu.secrets,
        uow=kefu.uow(),
        clock=kefu.clock,
    )


def conversations(kefu: Kefu, store: str) -> list[int]:
    with kefu.uow() as uow:
        store_id = next(s.id for s in uow.queries.stores() if s.code == store)
        rows = uow.queries.inbox_page(InboxFilters(store_id=store_id)).rows
    return [r.id for r in rows]


def thread_texts(kefu: Kefu, conversation_id: int) -> list[tuple[str, str]]:
    with kefu.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT direction, text FROM messages WHERE conversation_id = :c ORDER BY id"),
            {"c": conversation_id},
        ).all()
    return [(r.direction, r.text) for r in rows]


def test_a_buyer_mail_becomes_a_conversation_and_the_reply_lands_threaded(
    mail_kefu: Kefu, mail_servers: MailServers
) -> None:
    kefu, servers = mail_kefu, mail_servers
    shop, buyer = servers.address("shop"), servers.address("maria", "buyer.test")
    connect(kefu, servers, "ebay-uk", shop)
    first = servers.buyer_mail(buyer, shop, "Hello, where is my scarf? It has been two weeks.")
    servers.wait_for(shop)

    report = kefu.pull_mail()

    assert (report.mailboxes, report.pulled, report.failed) == (1, 1, [])
    [conv_id] = conversations(kefu, "ebay-uk")
    assert thread_texts(kefu, conv_id) == [
        ("buyer", "Hello, where is my scarf? It has been two weeks.")
    ]
    assert inbox.reply(
        owner(kefu),
        conv_id,
        "Dear Maria, your scarf left our warehouse on Monday.",
        request_id="mail-1",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
    assert kefu.deliver_outbox().delivered == 1

    [answer] = servers.wait_for(buyer)
    assert answer["From"] == shop
    assert answer["In-Reply-To"] == f"<{first}>"
    assert answer["Subject"] == "Re: Question about my order"
    assert answer.get_content().strip() == "Dear Maria, your scarf left our warehouse on Monday."
    ours = answer["Message-ID"].strip("<>")

    servers.buyer_mail(
        buyer, shop, "Thank you, it arrived!", subject="Re: Question", in_reply_to=ours
    )
    servers.wait_for(shop, 2)
    assert kefu.pull_mail().pulled == 1
    assert conversations(kefu, "ebay-uk") == [conv_id]
    assert [t for _, t in thread_texts(kefu, conv_id)][-1] == "Thank you, it arrived!"


def test_pulling_twice_stores_each_mail_once(mail_kefu: Kefu, mail_servers: MailServers) -> None:
    kefu, servers = mail_kefu, mail_servers
    shop, buyer = servers.address("shop"), servers.address("b", "buyer.test")
    connect(kefu, servers, "ebay-uk", shop)
    same_id = servers.buyer_mail(buyer, shop, "First try")
    servers.buyer_mail(buyer, shop, "First try", message_id=same_id)  # the same mail again
    servers.wait_for(shop, 2)

    first, second = kefu.pull_mail(), kefu.pull_mail()

    assert (first.pulled, first.duplicates) == (1, 1)
    assert (second.pulled, second.duplicates) == (0, 0)


def test_a_wrong_password_shows_on_its_store_while_another_store_keeps_pulling(
    mail_kefu: Kefu, mail_servers: MailServers
) -> None:
    kefu, servers = mail_kefu, mail_servers
    good, bad = servers.address("good"), servers.address("bad")
    connect(kefu, servers, "ebay-uk", good)
    connect(kefu, servers, "ali-global", bad, password="not-the-password")
    servers.buyer_mail(servers.address("x", "buyer.test"), good, "Is this in stock?")
    servers.wait_for(good)

    report = kefu.pull_mail()

    assert report.mailboxes == 2
    assert report.pulled == 1
    assert report.failed == [("ali-global", "auth_failed")]
    views = mail.mailboxes(owner(kefu), uow=kefu.uow())
    assert views["ali-global"].error_code == "auth_failed"
    assert "Authentication failed" in (views["ali-global"].error_detail or "")
    assert views["ebay-uk"].error_code is None
    assert (views["ebay-uk"].last_pulled, views["ebay-uk"].total_pulled) == (1, 1)
    assert views["ebay-uk"].last_success_at == kefu.clock.now()


def test_a_new_uidvalidity_reads_the_folder_again_without_doubling(
    mail_kefu: Kefu, mail_servers: MailServers
) -> None:
    kefu, servers = mail_kefu, mail_servers
    shop = servers.address("shop")
    connect(kefu, servers, "ebay-uk", shop)
    servers.buyer_mail(servers.address("x", "buyer.test"), shop, "One")
    servers.wait_for(shop)
    assert kefu.pull_mail().pulled == 1
    with kefu.uow() as uow:  # as if the server had renumbered the folder
        store_id = next(s.id for s in uow.queries.stores() if s.code == "ebay-uk")
        uow.mail.set_position(store_id, 1, 999)
        uow.commit()

    again = kefu.pull_mail()

    assert (again.pulled, again.duplicates) == (0, 1)


def test_imap_with_starttls_and_smtps_work_too(mail_kefu: Kefu, mail_servers: MailServers) -> None:
    kefu, servers = mail_kefu, mail_servers
    shop, buyer = servers.address("shop"), servers.address("b", "buyer.test")
    connect(
        kefu,
        servers,
        "ebay-uk",
        shop,
        imap_port=servers.imap_port,
        imap_security="starttls",
        smtp_port=servers.smtps_port,
        smtp_security="tls",
    )
    servers.buyer_mail(buyer, shop, "Hi there")
    servers.wait_for(shop)
    assert kefu.pull_mail().pulled == 1
    [conv_id] = conversations(kefu, "ebay-uk")
    inbox.reply(
        owner(kefu),
        conv_id,
        "Hello!",
        request_id="s",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
    assert kefu.deliver_outbox().delivered == 1
    assert len(servers.wait_for(buyer)) == 1


def test_watch_pulls_as_soon_as_mail_arrives(mail_kefu: Kefu, mail_servers: MailServers) -> None:
    kefu, servers = mail_kefu, mail_servers
    shop = servers.address("shop")
    connect(kefu, servers, "ebay-uk", shop)
    stop = threading.Event()
    pulls: list[int] = []
    watcher = threading.Thread(
        target=mail.watch,
        args=(kefu.uow, kefu.mail, kefu.clock, stop),
        kwargs={"slice_seconds": 1.0, "on_pull": lambda code, r: pulls.append(r.pulled)},
    )
    watcher.start()
    try:
        deadline = time.monotonic() + 10
        while not pulls and time.monotonic() < deadline:  # the first pull, before IDLE
            time.sleep(0.1)
        time.sleep(0.5)
        servers.buyer_mail(servers.address("x", "buyer.test"), shop, "Are you there?")
        deadline = time.monotonic() + 15
        while not conversations(kefu, "ebay-uk") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        watcher.join(timeout=15)
    assert not watcher.is_alive()
    assert len(conversations(kefu, "ebay-uk")) == 1
    assert pulls[0] == 0 and sum(pulls) == 1


def test_amazon_relay_mail_links_the_order_and_the_reply_goes_to_the_alias(
    mail_kefu: Kefu, mail_servers: MailServers
) -> None:
    kefu, servers = mail_kefu, mail_servers
    shop = servers.address("approved-sender")
    alias = servers.address("h7kq2x9v", "marketplace.amazon.com")
    connect(kefu, servers, "amazon-us", shop, amazon_relay=True)
    with kefu.engine.begin() as conn:  # the store's order, as the lead's import brings it
        conn.execute(
            text(
                "INSERT INTO orders (store_id, buyer_id, order_number, status, total_cents,"
                " shipping_cents, is_wholesale, placed_at) SELECT s.id, b.id,"
                " '112-4567890-1234567', 'shipped', 4599, 0, false, :t"
                " FROM stores s, buyers b WHERE s.code = 'amazon-us'"
                " ORDER BY b.id LIMIT 1"
            ),
            {"t": kefu.clock.now()},
        )
    raw = (RECORDED / "amazon_relay_us.eml").read_bytes()
    raw = raw.replace(b"h7kq2x9vbn4mzw1@marketplace.amazon.com", alias.encode())
    raw = raw.replace(b"sales@sunrise-home.example", shop.encode())
    servers.send(raw, alias, shop)
    servers.wait_for(shop)

    assert kefu.pull_mail().pulled == 1

    [conv_id] = conversations(kefu, "amazon-us")
    with kefu.engine.connect() as conn:
        order = conn.execute(
            text(
                "SELECT o.order_number FROM conversations c JOIN orders o ON o.id = c.order_id"
                " WHERE c.id = :c"
            ),
            {"c": conv_id},
        ).scalar_one()
    assert order == "112-4567890-1234567"
    with kefu.engine.connect() as conn:  # the alias is the order's buyer: one Buyer panel
        same = conn.execute(
            text(
                "SELECT c.buyer_id = o.buyer_id FROM conversations c"
                " JOIN orders o ON o.id = c.order_id WHERE c.id = :c"
            ),
            {"c": conv_id},
        ).scalar_one()
    assert same
    assert thread_texts(kefu, conv_id) == [
        ("buyer", "Hello, my kettle arrived with a dent on the lid. Can you send a replacement?")
    ]
    inbox.reply(
        owner(kefu),
        conv_id,
        "We are sorry about the dent. A new kettle ships today.",
        request_id="relay-1",
        uow=kefu.uow(),
        clock=kefu.clock,
        gate=kefu.gate,
    )
    assert kefu.deliver_outbox().delivered == 1
    [answer] = servers.wait_for(alias)
    assert (answer["From"], answer["To"]) == (shop, alias)
    assert "112-4567890-1234567" in answer["Subject"]
    assert answer.get_content_type() == "text/plain"


def test_mail_about_an_imported_order_shows_that_order(
    mail_kefu: Kefu, mail_servers: MailServers
) -> None:
    """The shop's imported orders carry the buyer's e-mail: a mail from that address, or one
    naming an order of the store in its subject, is linked to the order."""
    from kefu.services import shopdata

    kefu, servers = mail_kefu, mail_servers
    shop = servers.address("shop")
    anna, stranger = servers.address("anna", "buyer.test"), servers.address("x", "buyer.test")
    connect(kefu, servers, "ebay-uk", shop)
    orders = [
        {
            "order_number": "E-100",
            "buyer_id": "anna-1",
            "buyer_email": anna.upper(),
            "status": "paid",
            "placed_at": "2026-11-01T10:00:00Z",
            "total": "10",
        },
        {
            "order_number": "E-200",
            "buyer_id": "anna-1",
            "buyer_email": anna,
            "status": "shipped",
            "placed_at": "2026-11-05T10:00:00Z",
            "total": "20",
        },
        {
            "order_number": "E-300",
            "buyer_id": "bob-1",
            "status": "paid",
            "placed_at": "2026-11-05T10:00:00Z",
            "total": "30",
        },
    ]
    report = shopdata.upsert(
        owner(kefu),
        "ebay-uk",
        "orders",
        orders,
        uow=kefu.uow(),
        clock=kefu.clock,
        ref=kefu.reference,
    )
    assert report.created == 3
    servers.buyer_mail(anna, shop, "Where is it?", subject="My parcel")
    servers.buyer_mail(stranger, shop, "Can I change the size?", subject="Order E-300 size")
    servers.wait_for(shop, 2)
    assert kefu.pull_mail().pulled == 2
    with kefu.engine.connect() as conn:
        linked = dict(
            conn.execute(
                text(
                    "SELECT m.text, o.order_number FROM messages m "
                    "JOIN conversations c ON c.id = m.conversation_id "
                    "LEFT JOIN orders o ON o.id = c.order_id"
                )
            ).all()
        )
    # Anna's newest order; the stranger named Bob's order in the subject.
    assert linked == {"Where is it?": "E-200", "Can I change the size?": "E-300"}
    with kefu.engine.connect() as conn:
        buyers = dict(
            conn.execute(
                text(
                    "SELECT m.text, c.buyer_id = o.buyer_id FROM messages m "
                    "JOIN conversations c ON c.id = m.conversation_id "
                    "JOIN orders o ON o.id = c.order_id"
                )
            ).all()
        )
    # Anna writing from the address on her orders is their buyer (one buyer panel, her
    # orders counted); a stranger naming an order is not made its buyer.
    assert buyers == {"Where is it?": True, "Can I change the size?": False}
    [conv_id] = [
        c for c in conversations(kefu, "ebay-uk") if thread_texts(kefu, c)[0][1] == "Where is it?"
    ]
    inbox.reply(
        owner(kefu), conv_id, "It is on its way, Anna.", request_id="anna-1",
        uow=kefu.uow(), clock=kefu.clock, gate=kefu.gate,
    )  # fmt: skip
    assert kefu.deliver_outbox().delivered == 1
    [answer] = servers.wait_for(anna)  # to her address, not to her ERP id
    assert answer.get_content().strip() == "It is on its way, Anna."
