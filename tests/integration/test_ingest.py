"""Ingestion on a real SQLite file: idempotency, per-row errors, rollback, stage and priority."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.services import inbox
from kefu.services.readmodels import InboxFilters
from tests.factories import NOW, acting, make_message


def count(kefu: Kefu, table: type[t.Base]) -> int:
    with kefu.session_factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def conversation(kefu: Kefu, key: str) -> t.Conversation:
    with kefu.session_factory() as session:
        return session.scalars(
            select(t.Conversation).where(t.Conversation.platform_conversation_id == key)
        ).one()


def test_same_batch_twice_adds_nothing(kefu: Kefu) -> None:
    batch = [make_message(n) for n in range(1, 6)]
    first = inbox.ingest(batch, kefu.uow(), kefu.clock)
    second = inbox.ingest(batch, kefu.uow(), kefu.clock)
    assert (first.accepted, first.duplicates) == (5, 0)
    assert (second.accepted, second.duplicates) == (0, 5)
    assert count(kefu, t.Message) == 5
    assert count(kefu, t.Conversation) == 1
    assert count(kefu, t.BuyerIdentity) == 1  # the catalog's b-1, reused


def test_repeated_message_inside_one_batch_is_stored_once(kefu: Kefu) -> None:
    report = inbox.ingest([make_message(1), make_message(1)], kefu.uow(), kefu.clock)
    assert (report.accepted, report.duplicates) == (1, 1)
    assert count(kefu, t.Message) == 1


def test_bad_rows_are_reported_and_good_rows_kept(kefu: Kefu) -> None:
    batch = [
        make_message(1),
        make_message(2, sent_at="2026-11-20 10:00"),  # no time zone
        make_message(3, store="nope"),
        make_message(4, text="x" * (64 * 1024 + 1)),
        make_message(5),
    ]
    report = inbox.ingest(batch, kefu.uow(), kefu.clock)
    assert report.accepted == 2
    assert [(e.row, e.field) for e in report.errors] == [(2, "sent_at"), (3, "store"), (4, "text")]
    assert "time zone" in report.errors[0].reason
    assert count(kefu, t.Message) == 2


def test_failure_in_the_middle_rolls_the_whole_batch_back(
    kefu: Kefu, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)
    from kefu.adapters.db.repositories import SqlInboxRepository

    def explode(self: SqlInboxRepository, messages: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SqlInboxRepository, "add_messages", explode)
    with pytest.raises(RuntimeError):
        inbox.ingest(
            [make_message(2), make_message(3, buyer_id="new-buyer")], kefu.uow(), kefu.clock
        )
    assert count(kefu, t.Message) == 1
    assert count(kefu, t.BuyerIdentity) == 1  # the new buyer was not half-written
    assert conversation(kefu, "b-1").message_count == 1


def test_new_message_sets_unread_and_waiting_time(kefu: Kefu) -> None:
    inbox.ingest([make_message(30), make_message(10)], kefu.uow(), kefu.clock)
    conv = conversation(kefu, "b-1")
    assert conv.unread and conv.status == "open"
    assert conv.waiting_since == NOW - timedelta(minutes=30)
    assert conv.last_buyer_message_at == NOW - timedelta(minutes=10)


def test_a_shop_reply_in_history_ends_the_wait(kefu: Kefu) -> None:
    inbox.ingest([make_message(30), make_message(20, direction="shop")], kefu.uow(), kefu.clock)
    conv = conversation(kefu, "b-1")
    assert conv.waiting_since is None and conv.status == "waiting"
    assert conv.first_replied_at == NOW - timedelta(minutes=20)


@pytest.mark.parametrize(
    ("origin", "order", "stage"),
    [
        ("product_page", None, "pre_sale"),
        ("order_detail", "A-NOTE", "after_sale"),
        ("order_list", None, "after_sale"),
        ("dispute", "A-BULK", "after_sale"),
        ("message_center", "A-PAID", "in_sale"),
        ("order_detail", "A-STUCK", "in_sale"),
        ("message_center", "A-NOTE", "pre_sale"),
    ],
)
def test_stage_follows_origin_and_order(
    kefu: Kefu, origin: str, order: str | None, stage: str
) -> None:
    inbox.ingest([make_message(1, origin=origin, order_number=order)], kefu.uow(), kefu.clock)
    key = f"b-1#{order}" if order else "b-1"
    assert conversation(kefu, key).stage == stage


def test_orders_with_notes_problems_or_wholesale_come_first(kefu: Kefu) -> None:
    batch = [
        make_message(1, buyer_id="plain", order_number=None),
        make_message(2, order_number="A-NOTE"),
        make_message(3, order_number="A-STUCK"),
        make_message(4, order_number="A-BULK"),
        make_message(500, buyer_id="old-plain"),  # waited longest, but no priority reason
    ]
    inbox.ingest(batch, kefu.uow(), kefu.clock)
    with kefu.uow() as uow:
        rows = uow.queries.inbox_page(InboxFilters()).rows
    reasons = [r.priority_reasons for r in rows]
    assert reasons[:3] == [("wholesale",), ("logistics",), ("note",)] or set(reasons[:3]) == {
        ("note",),
        ("logistics",),
        ("wholesale",),
    }
    assert [r.buyer_name for r in rows[3:]] == ["Ana García", "Ana García"]
    assert rows[3].waiting_since is not None and rows[3].waiting_since < rows[4].waiting_since  # type: ignore[operator]


def test_unknown_order_number_keeps_the_message_unlinked(kefu: Kefu) -> None:
    report = inbox.ingest([make_message(1, order_number="NOT-YET-SYNCED")], kefu.uow(), kefu.clock)
    assert report.accepted == 1 and not report.errors
    assert conversation(kefu, "b-1#NOT-YET-SYNCED").order_id is None


def test_a_late_reply_restarts_the_wait_at_the_next_stored_buyer_message(kefu: Kefu) -> None:
    inbox.ingest([make_message(50), make_message(35), make_message(30)], kefu.uow(), kefu.clock)
    inbox.ingest([make_message(40, direction="shop")], kefu.uow(), kefu.clock)
    assert conversation(kefu, "b-1").waiting_since == NOW - timedelta(minutes=35)


def test_a_large_api_batch_is_stored_in_chunks_with_rows_numbered_as_sent(kefu: Kefu) -> None:
    """1,200 messages: three transactions, a bad row late in the batch named by its place
    in the request, and the whole batch sent again stores nothing twice."""
    batch = [make_message(n, message_id=f"big-{n}", buyer_id=f"b-{n % 40}") for n in range(1200)]
    batch[1100]["sent_at"] = "yesterday"
    owner = acting(kefu)
    first = inbox.import_messages(owner, batch, kefu.uow(), kefu.clock)
    assert (first.received, first.accepted, first.duplicates) == (1200, 1199, 0)
    assert [(e.row, e.field) for e in first.errors] == [(1101, "sent_at")]
    again = inbox.import_messages(owner, batch, kefu.uow(), kefu.clock)
    assert (again.accepted, again.duplicates) == (0, 1199)


def test_a_platform_notice_is_stored_in_the_thread_but_is_no_waiting_work(kefu: Kefu) -> None:
    inbox.ingest(
        [
            make_message(30),
            make_message(20, direction="shop"),
            make_message(10, kind="notice", text="The buyer opened a dispute"),
            make_message(5, kind="system", text="Order shipped", conversation_id="only-notices"),
        ],
        kefu.uow(),
        kefu.clock,
        classifier=kefu.ingest_classifier(),
        auto_replier=kefu.auto_replier,
        translate=True,
    )
    conv = conversation(kefu, "b-1")
    assert not conv.unread and conv.status == "waiting" and conv.waiting_since is None
    assert conv.last_buyer_message_at == NOW - timedelta(minutes=30)
    assert conv.message_count == 3
    alone = conversation(kefu, "only-notices")
    assert not alone.unread and alone.waiting_since is None and alone.last_buyer_message_at is None
    with kefu.session_factory() as session:
        notices = session.scalars(
            select(t.Message).where(t.Message.direction == "platform").order_by(t.Message.sent_at)
        ).all()
        assert [(m.kind, m.text) for m in notices] == [
            ("notice", "The buyer opened a dispute"),
            ("system", "Order shipped"),
        ]
        assert all(m.intent is None and not m.is_automatic for m in notices)  # not triaged
        translated = session.scalar(
            select(func.count())
            .select_from(t.MessageTranslation)
            .where(t.MessageTranslation.message_id.in_([m.id for m in notices]))
        )
        assert translated == 0
        assert (
            session.scalar(
                select(func.count())
                .select_from(t.KpiFact)
                .where(t.KpiFact.message_id.in_([m.id for m in notices]))
            )
            == 0
        )
    with kefu.uow() as uow:
        unread = {r.id for r in uow.queries.inbox_page(InboxFilters(state="unread")).rows}
    assert alone.id not in unread and conv.id not in unread
