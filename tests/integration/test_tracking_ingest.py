"""record_events on a real database: idempotency, ordering, orphans and their adoption,
polling stopped at a final status, orders delivered (docs/tracking.md)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.tracking import IncomingEvent, TrackingSource
from kefu.domain.types import TrackingStatus
from kefu.services import shopdata, tracking
from kefu.services.tracking import adopt_orphans, record_events
from tests.factories import NOW, acting
from tests.integration.jobs_helpers import run_together

STUCK = "LX123456789CN"  # A-STUCK's parcel in the test catalog


def _event(
    at: datetime, code: str, text: str = "", number: str = STUCK, **kw: object
) -> IncomingEvent:
    return IncomingEvent(number, at, code, text, **kw)  # type: ignore[arg-type]


def _parcel(kefu: Kefu, number: str = STUCK) -> t.Parcel:
    with kefu.uow() as uow:
        session = uow.tracking.session
        parcel = session.execute(
            select(t.Parcel).where(t.Parcel.tracking_number == number)
        ).scalar_one()
        session.expunge(parcel)
        return parcel


def _record(
    kefu: Kefu, events: list[IncomingEvent], source: TrackingSource = TrackingSource.WEBHOOK
):
    with kefu.uow() as uow:
        report = record_events(uow, events, source=source, now=NOW)
        uow.commit()
    return report


def test_the_same_batch_twice_adds_nothing(kefu: Kefu) -> None:
    batch = [
        _event(NOW - timedelta(hours=30), "ARR", "Arrived at destination country"),
        _event(NOW - timedelta(hours=5), "OFD", "Out for delivery"),
        _event(NOW - timedelta(hours=5), "OFD", "Out for delivery"),  # repeated in the batch
    ]
    first = _record(kefu, batch)
    assert (first.received, first.added, first.duplicates, first.orphaned) == (3, 2, 1, 0)
    again = _record(kefu, batch)
    assert (again.added, again.duplicates) == (0, 3)
    with kefu.uow() as uow:
        count = len(
            uow.tracking.session.execute(
                select(t.TrackingEvent.id).join(t.Parcel).where(t.Parcel.tracking_number == STUCK)
            ).all()
        )
    assert count == 2 + 2  # the catalog's two events and the two new ones
    parcel = _parcel(kefu)
    assert parcel.latest_status == TrackingStatus.OUT_FOR_DELIVERY
    assert parcel.latest_event_at == NOW - timedelta(hours=5)


def test_events_out_of_order_the_latest_by_time_wins(kefu: Kefu) -> None:
    china = timezone(timedelta(hours=8))
    _record(
        kefu, [_event(NOW - timedelta(hours=1), "PU", "Ready for collection at the post office")]
    )
    # An older event arriving later, given in UTC+8, changes nothing of the latest.
    _record(
        kefu, [_event((NOW - timedelta(hours=3)).astimezone(china), "CC", "Released by customs")]
    )
    parcel = _parcel(kefu)
    assert parcel.latest_status == TrackingStatus.AWAITING_PICKUP
    assert parcel.status_since == NOW - timedelta(hours=1)
    # A second pickup notice later keeps the time the parcel entered that status.
    _record(kefu, [_event(NOW, "PU2", "Awaiting collection")])
    parcel = _parcel(kefu)
    assert parcel.latest_status == TrackingStatus.AWAITING_PICKUP
    assert parcel.status_since == NOW - timedelta(hours=1)
    assert parcel.latest_event_at == NOW


def test_delivered_stops_polling_and_delivers_the_order(kefu: Kefu) -> None:
    with kefu.uow() as uow:
        uow.tracking.session.execute(
            t.Parcel.__table__.update().values(next_poll_at=NOW + timedelta(hours=6))
        )
        uow.commit()
    report = _record(kefu, [_event(NOW, "I", "Entregado al destinatario")])
    assert report.added == 1 and report.unmapped == 0
    parcel = _parcel(kefu)
    assert parcel.latest_status == TrackingStatus.DELIVERED
    assert parcel.next_poll_at is None
    with kefu.uow() as uow:
        order = uow.tracking.session.execute(
            select(t.Order).where(t.Order.order_number == "A-STUCK")
        ).scalar_one()
        assert (order.status, order.delivered_at) == ("delivered", NOW)


def test_unmapped_text_counts_as_in_transit_and_is_flagged(kefu: Kefu) -> None:
    report = _record(kefu, [_event(NOW, "X9", "Zxq blorp facility")])
    assert report.unmapped == 1
    parcel = _parcel(kefu)
    assert parcel.latest_status == TrackingStatus.IN_TRANSIT
    with kefu.uow() as uow:
        mapped = uow.tracking.session.scalar(
            select(t.TrackingEvent.mapped).where(t.TrackingEvent.code == "X9")
        )
    assert mapped is False


def test_unknown_numbers_are_kept_once_then_join_their_parcel(kefu: Kefu) -> None:
    unknown = "RB000000000CN"
    batch = [
        _event(NOW - timedelta(days=1), "A", "Accepted", number=unknown, carrier="China Post"),
        _event(NOW, "D", "Delivered", number=unknown, carrier="China Post"),
    ]
    assert _record(kefu, batch).orphaned == 2
    assert _record(kefu, batch).orphaned == 2  # reported again, kept once
    with kefu.uow() as uow:
        summaries, total = uow.tracking.orphans(10)
    assert total == 1 and len(summaries) == 1
    assert (summaries[0].tracking_number, summaries[0].source, summaries[0].events) == (
        unknown,
        "webhook",
        2,
    )
    with kefu.uow() as uow:
        order_id = uow.tracking.session.scalar(
            select(t.Order.id).where(t.Order.order_number == "A-PAID")
        )
        uow.tracking.session.add(
            t.Parcel(order_id=order_id, carrier="China Post", tracking_number=unknown)
        )
        uow.tracking.session.flush()
        assert adopt_orphans(uow, [unknown], NOW) == 2
        uow.commit()
    parcel = _parcel(kefu, unknown)
    assert parcel.latest_status == TrackingStatus.DELIVERED
    with kefu.uow() as uow:
        assert uow.tracking.orphans(10) == ([], 0)


def test_a_number_two_parcels_share_updates_both_unless_the_carrier_tells(kefu: Kefu) -> None:
    with kefu.uow() as uow:
        session = uow.tracking.session
        order_id = session.scalar(select(t.Order.id).where(t.Order.order_number == "A-PAID"))
        session.add(t.Parcel(order_id=order_id, carrier="China Post", tracking_number=STUCK))
        uow.commit()
    both = _record(kefu, [_event(NOW - timedelta(hours=2), "OFD", "派送中")])
    assert both.added == 2
    # The carrier narrows to the parcel it names ("china-post" is "China Post").
    one = _record(kefu, [_event(NOW, "D", "已妥投", carrier="china-post")])
    assert one.added == 1
    with kefu.uow() as uow:
        statuses = uow.tracking.session.execute(
            select(t.Parcel.carrier, t.Parcel.latest_status)
            .where(t.Parcel.tracking_number == STUCK)
            .order_by(t.Parcel.carrier)
        ).all()
    assert [tuple(s) for s in statuses] == [
        ("China Post", "delivered"),
        ("China Post Air Mail", "out_for_delivery"),
    ]


@pytest.mark.skipif(
    not os.environ.get("KEFU_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="SQLite lets one writer in at a time",
)
def test_two_senders_pushing_the_same_events_at_once_store_them_once(kefu: Kefu) -> None:
    batch = [
        _event(NOW - timedelta(hours=n), f"C{n}", "Departed from sorting center")
        for n in range(1, 40)
    ]
    who = acting(kefu, "owner")
    reports = run_together(
        lambda _: tracking.ingest(who, batch, uow=kefu.uow(), clock=kefu.clock), 4
    )
    assert sum(r.added for r in reports) == 39
    assert sum(r.duplicates for r in reports) == 3 * 39
    with kefu.uow() as uow:
        stored = uow.tracking.session.scalar(
            select(func.count()).select_from(t.TrackingEvent).where(t.TrackingEvent.code.like("C%"))
        )
    assert stored == 39


def test_the_tracking_import_reads_local_times_any_words_and_adds_a_repeat_once(
    kefu: Kefu,
) -> None:
    items = [
        # No offset: the store's zone (ali-global: Asia/Shanghai, UTC+8).
        {"tracking_number": STUCK, "event_time": "2026-11-20 09:00", "event_status": "到达待取"},
        {"tracking_number": STUCK, "event_time": "2026-11-20 09:00", "event_status": "到达待取"},
        {
            "tracking_number": STUCK,
            "event_time": "2026-11-20T10:00:00+08:00",
            "event_status": "Zq7",
        },
    ]
    report = shopdata.upsert(
        acting(kefu),
        "ali-global",
        "tracking",
        items,
        uow=kefu.uow(),
        clock=kefu.clock,
        ref=kefu.reference,
    )
    assert (report.created, report.unchanged, report.rejected) == (2, 1, 0)
    with kefu.uow() as uow:
        stored = uow.tracking.session.execute(
            select(t.TrackingEvent.occurred_at, t.TrackingEvent.status, t.TrackingEvent.mapped)
            .where(t.TrackingEvent.source == "import")
            .order_by(t.TrackingEvent.occurred_at)
        ).all()
    assert [tuple(r) for r in stored] == [
        (datetime(2026, 11, 20, 1, 0, tzinfo=UTC), "awaiting_pickup", True),
        (datetime(2026, 11, 20, 2, 0, tzinfo=UTC), "in_transit", False),
    ]


def test_a_parcel_imported_later_takes_its_orphan_events(kefu: Kefu) -> None:
    number = "RB222222225CN"
    early = [
        _event(NOW - timedelta(days=2), "A", "Accepted", number=number),
        _event(NOW - timedelta(hours=3), "P", "到达待取", number=number),
    ]
    assert _record(kefu, early).orphaned == 2
    report = shopdata.upsert(
        acting(kefu),
        "ali-global",
        "parcels",
        [{"order_number": "A-PAID", "tracking_number": number, "carrier": "China Post"}],
        uow=kefu.uow(),
        clock=kefu.clock,
        ref=kefu.reference,
    )
    assert (report.created, report.rejected) == (1, 0)
    parcel = _parcel(kefu, number)
    assert parcel.latest_status == TrackingStatus.AWAITING_PICKUP
    assert parcel.status_since == NOW - timedelta(hours=3)
    with kefu.uow() as uow:
        assert uow.tracking.orphans(10) == ([], 0)
