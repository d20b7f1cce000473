"""Synthetic inbox data written straight into the tables, for `kefu bench inbox`.

A million messages through ingestion would take minutes; the benchmark measures
reading, so it fills rows in bulk with the same derived columns and reporting facts
ingestion writes.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select

from kefu.adapters.db import tables as t
from kefu.adapters.db.kpifacts import record_facts
from kefu.adapters.db.repositories import conversation_row
from kefu.adapters.db.search import flush_queue
from kefu.domain.conversations import Conversation
from kefu.domain.types import ColourMark, Origin, Stage, Status

LANGUAGES = ("en", "es", "ru", "fr", "de", "pt", "pl", "it", "tr", "ko", "he", "ar", "ja", "nl")
CHUNK = 20_000


def fill_synthetic_inbox(
    engine: Engine,
    conversations: int,
    per_conversation: int,
    seed: int,
    now: datetime,
    orders: int = 0,
) -> int:
    """Add `conversations` threads of `per_conversation` messages (and `orders` paid orders
    of the same buyers) to the existing stores, over the last 90 days."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    with engine.begin() as conn:
        stores = list(conn.scalars(select(t.Store.id)))
        accounts = list(conn.scalars(select(t.Account.id)))
        org = conn.scalar(select(t.Organisation.id))
        first_buyer = (conn.scalar(select(func.max(t.Buyer.id))) or 0) + 1
        first_conv = (conn.scalar(select(func.max(t.Conversation.id))) or 0) + 1
    buyers = max(1, conversations // 2)
    with engine.begin() as conn:
        for start in range(0, buyers, CHUNK):
            conn.execute(
                insert(t.Buyer),
                [
                    {
                        "id": first_buyer + i,
                        "organisation_id": org,
                        "name": f"Buyer {i}",
                        "country": "US",
                        "language": LANGUAGES[i % len(LANGUAGES)],
                        "timezone": "America/New_York",
                        "created_at": now,
                    }
                    for i in range(start, min(buyers, start + CHUNK))
                ],
            )
    _orders(engine, rng, now, orders, stores, first_buyer, buyers)
    written = 0
    for start in range(0, conversations, CHUNK):
        convs: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for i in range(start, min(conversations, start + CHUNK)):
            conv_id = first_conv + i
            conv, rows = _thread(
                rng,
                now,
                conv_id,
                rng.choice(stores),
                first_buyer + i % buyers,
                accounts,
                per_conversation,
            )
            convs.append({"id": conv_id, **conversation_row(conv)})
            messages += rows
        with engine.begin() as conn:
            conn.execute(insert(t.Conversation), convs)
            conn.execute(insert(t.Message), messages)
            record_facts(conn, [row["id"] for row in convs])
            flush_queue(conn)
        written += len(messages)
    return written


def _orders(
    engine: Engine,
    rng: random.Random,
    now: datetime,
    count: int,
    stores: list[int],
    first_buyer: int,
    buyers: int,
) -> None:
    for start in range(0, count, CHUNK):
        rows = []
        for i in range(start, min(count, start + CHUNK)):
            paid = now - timedelta(days=rng.uniform(0, 90))
            rows.append(
                {
                    "store_id": rng.choice(stores),
                    "buyer_id": first_buyer + rng.randrange(buyers),
                    "order_number": f"bench-{i}",
                    "status": "paid",
                    "total_cents": (cents := rng.randrange(500, 20_000)),
                    "total_usd_cents": cents,
                    "shipping_cents": 0,
                    "note": None,
                    "is_wholesale": False,
                    "ship_to_country": "US",
                    "placed_at": paid,
                    "paid_at": paid,
                    "promised_delivery_at": None,
                    "delivered_at": None,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(t.Order), rows)


def _thread(
    rng: random.Random,
    now: datetime,
    conv_id: int,
    store_id: int,
    buyer_id: int,
    accounts: list[int],
    count: int,
) -> tuple[Conversation, list[dict[str, Any]]]:
    start = now - timedelta(days=rng.uniform(0, 90))
    language = LANGUAGES[buyer_id % len(LANGUAGES)]
    conv = Conversation(
        id=conv_id,
        store_id=store_id,
        buyer_id=buyer_id,
        platform_conversation_id=f"bench-{conv_id}",
        origin=rng.choice(list(Origin)),
        created_at=start,
        last_message_at=start,
        language=language,
        stage=rng.choice(list(Stage)),
        assignee_id=rng.choice([*accounts, None]),
        colour_mark=rng.choice([*ColourMark, None, None, None, None, None]),
        priority_reasons=tuple(
            r for r in ("note", "logistics", "wholesale") if rng.random() < 0.05
        ),
    )
    rows = []
    at = start
    for n in range(count):
        at = min(now, at + timedelta(minutes=rng.uniform(5, 600)))
        direction = "buyer" if n % 2 == 0 or rng.random() < 0.2 else "shop"
        text = f"message {n} of thread {conv_id}: where is my order, tracking not updating"
        if direction == "buyer":
            conv.buyer_wrote(at)
        else:
            conv.shop_replied(at, automatic=False)
        conv.add_message(at, text)
        rows.append(
            {
                "conversation_id": conv_id,
                "store_id": store_id,
                "platform_message_id": f"bench-{conv_id}-{n}",
                "direction": direction,
                "is_automatic": False,
                "sent_at": at,
                "received_at": at,
                "text": text,
                "language": language,
                "attachments": [],
                "author_account_id": None,
                "delivery_status": None,
            }
        )
    if rng.random() < 0.3 and conv.status != Status.CLOSED:
        conv.close(at)
    return conv, rows
