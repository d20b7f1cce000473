"""Parcels as they are entered and as the conversation shows them (issue 21), on a real
database, SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu, open_table
from kefu.services import inbox, shopdata
from kefu.services.upserts import ImportReport
from tests.factories import acting, make_message
from tests.web import signed_in

# A-STUCK has its first parcel (LX123456789CN, held in customs) from the test catalog; a
# reshipment with five events comes in by file, beside a row with a mistyped S10 number
# and one of a carrier whose format nobody publishes.
PARCELS = (
    "order_number,tracking_number,carrier,reshipment,event_time,event_status,event_location,"
    "event_description\n"
    "A-STUCK,RB123456785CN,,yes,2026-11-14 08:00,InfoReceived,Yiwu,Electronic information\n"
    "A-STUCK,RB123456785CN,,yes,2026-11-15 09:00,InTransit,Shenzhen,Departed\n"
    "A-STUCK,RB123456785CN,,yes,2026-11-16 10:00,InTransit,Frankfurt,Arrived at hub\n"
    "A-STUCK,RB123456785CN,,yes,2026-11-18 11:00,InTransit,Madrid,Llegada a destino\n"
    "A-STUCK,RB123456785CN,,yes,2026-11-19 12:00,OutForDelivery,Madrid,En reparto\n"
    "A-PAID,RB123456784CN,China Post,,,,,\n"
    "A-PAID,QX-77123,Local Courier,,,,,\n"
)


def _import(kefu: Kefu, tmp_path: Path) -> ImportReport:
    path = tmp_path / "parcels.csv"
    path.write_text(PARCELS, encoding="utf-8")
    with open_table(path) as table:
        return shopdata.import_table(
            acting(kefu),
            "ali-global",
            "parcels",
            table,
            uow=kefu.uow(),
            clock=kefu.clock,
            ref=kefu.reference,
        )


def test_a_bad_s10_is_refused_with_its_row_and_the_good_rows_are_kept(
    kefu: Kefu, tmp_path: Path
) -> None:
    report = _import(kefu, tmp_path)
    assert (report.created, report.rejected) == (2, 1)
    assert [(e.row, e.field, e.value) for e in report.errors] == [
        (7, "tracking_number", "RB123456784CN")
    ]
    assert "check digit" in report.errors[0].reason
    with kefu.engine.connect() as conn:
        stored = dict(
            (r[0], r[1]) for r in conn.execute(text("SELECT tracking_number, carrier FROM parcels"))
        )
    # The recognised number filled the empty carrier; the unknown shape kept its own.
    assert stored == {
        "LX123456789CN": "China Post Air Mail",
        "RB123456785CN": "China Post",
        "QX-77123": "Local Courier",
    }


def test_the_conversation_shows_every_parcel_with_its_history(kefu: Kefu, tmp_path: Path) -> None:
    _import(kefu, tmp_path)
    inbox.ingest([make_message(1, order_number="A-STUCK")], kefu.uow(), kefu.clock)
    with kefu.session_factory() as session:
        cid = session.scalars(select(t.Conversation.id)).one()
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(cid, kefu.clock.now())
    assert detail is not None and detail.order is not None
    first, again = detail.order.parcels
    assert (first.tracking_number, first.is_reshipment, len(first.events)) == (
        "LX123456789CN",
        False,
        2,
    )
    assert (again.tracking_number, again.is_reshipment, again.status) == (
        "RB123456785CN",
        True,
        "out_for_delivery",
    )
    assert [e.location for e in again.events] == [
        "Madrid",
        "Madrid",
        "Frankfurt",
        "Shenzhen",
        "Yiwu",
    ]
    assert again.number_checked and again.carrier_url is None  # China Post: 17TRACK only
    with signed_in(kefu, locale="zh_CN") as client:
        page = client.get(f"/conversations/{cid}").text
    assert page.count('data-testid="parcel"') == 2
    assert page.count('data-testid="parcel-event"') == 7  # 2 + 5, the last two folded
    assert "更早的 2 条轨迹" in page and "校验位已核对" in page
    assert "https://t.17track.net/en#nums=RB123456785CN" in page
    assert "En reparto" in page and "2026年11月19日" in page
    # The order's arrival: its first parcel is held in customs, so no estimate is given.
    assert 'data-basis="problem"' in page and "无法预计送达：物流显示异常" in page


def test_the_reply_settings_api_takes_transit_days_per_destination_and_method(
    kefu: Kefu,
) -> None:
    with signed_in(kefu) as client:
        facts = client.get("/api/v1/stores/ali-global/reply-settings").json()["facts"]
        table = {"*": [15, 45], "US": [10, 20], "US/UPS": [5, 8], "*/DHL": [4, 7]}
        saved = client.put(
            "/api/v1/stores/ali-global/reply-settings/facts", json={**facts, "transit_days": table}
        )
        again = client.get("/api/v1/stores/ali-global/reply-settings").json()["facts"]
        bad = client.put(
            "/api/v1/stores/ali-global/reply-settings/facts",
            json={**facts, "transit_days": {"*": [15, 45], "USA/UPS": [5, 8]}},
        )
    assert saved.status_code == 204, saved.text
    assert again["transit_days"] == table
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["transit_days.USA/UPS"]
