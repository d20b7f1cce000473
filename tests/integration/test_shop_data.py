"""The shop's own products, orders, parcels, tracking and rates coming in from files
(docs/imports.md): the use cases on a real database, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from kefu.bootstrap import Kefu, open_table
from kefu.domain.errors import InvalidInput, NotFound
from kefu.services import shop, shopdata
from kefu.services.access import Forbidden
from kefu.services.upserts import ImportReport
from tests.factories import acting

ORDERS_CSV = (
    "订单号,买家,国家,订单状态,下单时间,付款时间,币种,商品编码,数量,单价,运费\n"
    "O-1,buyer1,DE,已付款,2026-11-03 10:00,2026-11-03 10:05,EUR,SKU-A,2,19.90,3.00\n"
    "O-1,buyer1,DE,已付款,2026-11-03 10:00,2026-11-03 10:05,EUR,SKU-B,1,12.50,3.00\n"
    "O-2,buyer2,US,已发货,2026-11-04 10:00,2026-11-04 10:05,USD,SKU-A,1,25.00,0\n"
)
ECB = "Date,USD,JPY,GBP,\n2026-11-03,1.08,160.5,0.85,\n"


def _write(path: Path, content: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(content.encode(encoding))
    return path


def _import(
    kefu: Kefu, path: Path, kind: str, store: str = "amazon-us", who: str = "owner", **kw: Any
) -> ImportReport:
    with open_table(path) as table:
        if kind == "rates":
            return shopdata.import_rates(
                acting(kefu, who), table, uow=kefu.uow(), clock=kefu.clock, ref=kefu.reference
            )
        return shopdata.import_table(
            acting(kefu, who),
            store,
            kind,
            table,
            uow=kefu.uow(),
            clock=kefu.clock,
            ref=kefu.reference,
            **kw,
        )


def _rows(kefu: Kefu, sql: str) -> list[tuple[Any, ...]]:
    with kefu.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _utc(value: Any) -> datetime:
    """A stored time as SQLite (naive text) or PostgreSQL (aware) gives it back."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _orders(kefu: Kefu) -> dict[str, tuple[Any, ...]]:
    rows = _rows(
        kefu,
        "SELECT o.order_number, o.status, o.total_cents, o.currency, o.total_usd_cents, "
        "o.shipping_cents FROM orders o JOIN stores s ON s.id = o.store_id "
        "WHERE s.code = 'amazon-us' ORDER BY o.order_number",
    )
    return {r[0]: r[1:] for r in rows}


@pytest.fixture
def rates(kefu: Kefu, tmp_path: Path) -> None:
    report = _import(kefu, _write(tmp_path / "eurofxref.csv", ECB), "rates")
    # Units per dollar of EUR, JPY and GBP (the ECB quotes per euro; the dollar is the base).
    assert report.errors == [] and report.created == 3


def test_gbk_orders_with_chinese_headers_become_orders_with_lines_and_usd_totals(
    kefu: Kefu, tmp_path: Path, rates: None
) -> None:
    path = _write(tmp_path / "orders.csv", ORDERS_CSV, "gbk")
    report = _import(kefu, path, "orders")
    assert report.errors == []
    assert (report.rows, report.created) == (3, 2)
    orders = _orders(kefu)
    # 2 × 19.90 + 12.50 + 3.00 shipping = 55.30 EUR; at 1.08 USD per EUR = 59.72 USD.
    assert orders["O-1"] == ("paid", 5530, "EUR", 5972, 300)
    assert orders["O-2"] == ("shipped", 2500, "USD", 2500, 0)
    lines = _rows(
        kefu,
        "SELECT l.sku, l.quantity, l.unit_price_cents FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id WHERE o.order_number = 'O-1' ORDER BY l.sku",
    )
    assert lines == [("SKU-A", 2, 1990), ("SKU-B", 1, 1250)]


def test_the_same_file_twice_changes_nothing(kefu: Kefu, tmp_path: Path, rates: None) -> None:
    path = _write(tmp_path / "orders.csv", ORDERS_CSV, "gb18030")
    _import(kefu, path, "orders")
    before = _orders(kefu)
    again = _import(kefu, path, "orders")
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    assert _orders(kefu) == before


def test_a_status_change_is_a_partial_update_and_an_older_one_is_not_applied(
    kefu: Kefu, tmp_path: Path, rates: None
) -> None:
    _import(kefu, _write(tmp_path / "orders.csv", ORDERS_CSV), "orders")
    shipped = _write(tmp_path / "s.csv", "order_number,status\nO-1,shipped\n")
    report = _import(kefu, shipped, "orders")
    assert (report.updated, report.errors) == (1, [])
    assert _orders(kefu)["O-1"][:3] == ("shipped", 5530, "EUR")  # lines and total kept
    back = _write(tmp_path / "b.csv", "order_number,status\nO-1,paid\n")
    stale = _import(kefu, back, "orders")
    assert (stale.stale, stale.updated) == (1, 0)
    assert _orders(kefu)["O-1"][0] == "shipped"
    # With source times, the times decide: a newer row may even move the status back.
    timed = "order_number,status,updated_at\nO-2,cancelled,2026-11-05 09:00\n"
    assert _import(kefu, _write(tmp_path / "t1.csv", timed), "orders").updated == 1
    older = "order_number,status,updated_at\nO-2,completed,2026-11-05 08:00\n"
    assert _import(kefu, _write(tmp_path / "t2.csv", older), "orders").stale == 1
    assert _orders(kefu)["O-2"][0] == "cancelled"


def test_a_missing_rate_is_a_row_error_never_one_to_one(kefu: Kefu, tmp_path: Path) -> None:
    report = _import(kefu, _write(tmp_path / "orders.csv", ORDERS_CSV), "orders")
    assert report.created == 1  # the USD order
    assert report.rejected == 2  # both rows of the EUR order
    first = report.errors[0]
    assert (first.row, first.field, first.value) == (2, "currency", "EUR")
    assert "no USD rate for EUR on 2026-11-03" in first.reason
    assert report.errors[1].row == 3 and "row 2" in report.errors[1].reason
    assert set(_orders(kefu)) == {"O-2"}
    # The platform's own rate (dollars per unit of the order's currency) is enough.
    with_rate = "order_number,buyer_id,status,placed_at,currency,total,usd_rate\n"
    with_rate += "O-9,b9,paid,2026-11-03 10:00,JPY,1000,0.0066\n"
    assert _import(kefu, _write(tmp_path / "r.csv", with_rate), "orders").errors == []
    assert _orders(kefu)["O-9"][1:4] == (1000, "JPY", 660)


def test_bad_rows_are_reported_with_row_field_reason_and_value_and_good_rows_kept(
    kefu: Kefu, tmp_path: Path
) -> None:
    content = (
        "order_number;buyer_id;status;placed_at;line_sku;line_quantity;line_price\n"
        "O-1;b1;paid;2026-11-03 10:00;S1;1;10,50\n"
        "O-2;b2;paid;2026-11-03 10:00;S1;-1;10\n"
        "O-3;b3;lost;03/11/2026;S1;1;10\n"
        "O-4;b4;paid;45234;S1;2;1.234,50\n"
        "O-1;b1;paid;2026-11-03 10:00;S2;1;10\n"
    )
    report = _import(kefu, _write(tmp_path / "semi.csv", content), "orders")
    found = {(e.row, e.field): e for e in report.errors}
    assert found[(3, "line_quantity")].reason == "must not be negative"
    assert found[(3, "line_quantity")].value == "-1"
    assert found[(4, "status")].value == "lost"
    assert "ambiguous" in found[(4, "placed_at")].reason
    assert "appears again" in found[(6, "order_number")].reason
    assert report.created == 2
    orders = _orders(kefu)
    assert orders["O-1"][1] == 1050  # a decimal comma in a semicolon file
    assert orders["O-4"][1] == 246900  # 2 × 1,234.50 with European separators
    # An Excel serial date: 45234 is 2023-11-04, midnight in the store's zone (Los Angeles).
    placed = _rows(kefu, "SELECT placed_at FROM orders WHERE order_number = 'O-4'")[0][0]
    assert _utc(placed) == datetime(2023, 11, 4, 7, tzinfo=UTC)


def test_times_without_a_zone_are_the_stores_local_time_west_and_east(
    kefu: Kefu, tmp_path: Path
) -> None:
    content = "order_number,buyer_id,status,placed_at,total\nZ-1,b1,paid,2026-11-03 23:30,10\n"
    path = _write(tmp_path / "z.csv", content)
    _import(kefu, path, "orders", store="amazon-us")  # America/Los_Angeles, UTC−8
    _import(kefu, path, "orders", store="ali-global")  # Asia/Shanghai, UTC+8
    rows = dict(
        _rows(
            kefu,
            "SELECT s.code, o.placed_at FROM orders o JOIN stores s ON s.id = o.store_id "
            "WHERE o.order_number = 'Z-1'",
        )
    )
    assert _utc(rows["amazon-us"]) == datetime(2026, 11, 4, 7, 30, tzinfo=UTC)
    assert _utc(rows["ali-global"]) == datetime(2026, 11, 3, 15, 30, tzinfo=UTC)


def test_products_with_owner_and_currency_and_a_mapping_remembered_per_store(
    kefu: Kefu, tmp_path: Path
) -> None:
    content = (
        "货号,产品名称,售价,库存,负责人,重量(g),Extra\n"
        "P-1,围巾,9.90,12,lina,150,x\nP-2,帽子,5,0,nobody,80,y\n"
    )
    path = _write(tmp_path / "p.csv", content, "utf-8-sig")
    report = _import(kefu, path, "products")
    assert report.created == 1
    assert [(e.row, e.field) for e in report.errors] == [(3, "owner")]
    owner = _rows(
        kefu,
        "SELECT a.username, p.price_cents, p.stock, p.weight_g, p.currency FROM products p "
        "JOIN accounts a ON a.id = p.owner_account_id WHERE p.sku = 'P-1'",
    )
    assert owner == [("lina", 990, 12, 150, "USD")]
    # Columns named otherwise: chosen once, remembered for the store's next file.
    odd = "code;label;amount\nP-3;Gloves;7\n"
    mapping = {"sku": "code", "title": "label", "price": "amount"}
    with pytest.raises(InvalidInput):
        _import(kefu, _write(tmp_path / "odd.csv", odd), "products")
    done = _import(
        kefu, _write(tmp_path / "odd.csv", odd), "products", mapping=mapping, remember=True
    )
    assert done.created == 1
    again = "code;label;amount\nP-4;Socks;3\n"
    assert _import(kefu, _write(tmp_path / "odd2.csv", again), "products").created == 1
    other_store = _write(tmp_path / "odd3.csv", again)
    with pytest.raises(InvalidInput):  # remembered for amazon-us only
        _import(kefu, other_store, "products", store="ebay-uk")


def test_parcels_of_unknown_orders_are_set_aside_and_join_the_order_when_it_comes(
    kefu: Kefu, tmp_path: Path
) -> None:
    parcels = (
        "order_number,tracking_number,carrier,shipped_at,event_time,event_status,event_location\n"
        "N-1,LX000000005CN,China Post,2026-11-05 08:00,2026-11-05 09:00,InTransit,Shenzhen\n"
        "N-1,LX000000005CN,China Post,2026-11-05 08:00,2026-11-09 09:00,清关中,Madrid\n"
    )
    report = _import(kefu, _write(tmp_path / "parcels.csv", parcels), "parcels")
    assert (report.set_aside, report.created, report.errors) == (1, 0, [])
    kept, total = shopdata.pending_parcels(acting(kefu), "amazon-us", uow=kefu.uow())
    assert total == 1 and kept[0].tracking_number == "LX000000005CN"
    again = _import(kefu, _write(tmp_path / "parcels.csv", parcels), "parcels")
    assert (again.set_aside, again.unchanged) == (0, 1)
    order = "order_number,buyer_id,status,placed_at,total\nN-1,b1,shipped,2026-11-04 10:00,20\n"
    _import(kefu, _write(tmp_path / "o.csv", order), "orders")
    assert shopdata.pending_parcels(acting(kefu), "amazon-us", uow=kefu.uow())[1] == 0
    parcel = _rows(
        kefu,
        "SELECT p.carrier, p.latest_status FROM parcels p JOIN orders o ON o.id = p.order_id "
        "WHERE o.order_number = 'N-1'",
    )
    assert parcel == [("China Post", "customs")]
    # Tracking events by tracking number; delivered parcels make the order delivered.
    tracking = "tracking_number,event_time,event_status,event_description\n"
    tracking += "LX000000005CN,2026-11-12 15:00,Delivered,Signed by buyer\n"
    tracking += "LX999,2026-11-12 15:00,Delivered,?\n"
    done = _import(kefu, _write(tmp_path / "t.csv", tracking), "tracking")
    assert (done.created, done.set_aside, done.rejected) == (1, 1, 0)
    # The unknown number's row is reported, and its event kept aside (tracking_orphans).
    assert [(e.row, e.field) for e in done.errors] == [(3, "tracking_number")]
    assert _rows(kefu, "SELECT tracking_number, source FROM tracking_orphans") == [
        ("LX999", "import")
    ]
    assert _orders(kefu)["N-1"][0] == "delivered"
    assert _import(kefu, _write(tmp_path / "t.csv", tracking), "tracking").created == 0


def test_xlsx_and_jsonl_with_nested_lines(kefu: Kefu, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Order ID", "Buyer", "Status", "Purchase Date", "Total"])
    sheet.append(["X-1", "b1", "Unshipped", datetime(2026, 11, 3, 10, 0), 12.5])
    sheet.append([1234567.0, "b2", "Shipped", datetime(2026, 11, 3, 11, 0), 8])
    book.save(tmp_path / "amazon.xlsx")
    report = _import(kefu, tmp_path / "amazon.xlsx", "orders")
    assert (report.created, report.errors) == (2, [])
    assert _orders(kefu)["X-1"][:2] == ("paid", 1250)
    assert "1234567" in _orders(kefu)  # Excel's 1234567.0 is the order number 1234567
    item = {
        "order_number": "J-1",
        "buyer_id": "b3",
        "status": "paid",
        "placed_at": "2026-11-03T10:00:00+01:00",
        "lines": [
            {"sku": "S1", "quantity": 2, "price": "4.50"},
            {"sku": "S2", "quantity": 1, "price": 1},
        ],
    }
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(item) + "\n{not json\n", encoding="utf-8")
    report = _import(kefu, path, "orders")
    assert report.created == 1 and [e.row for e in report.errors] == [2]
    assert _orders(kefu)["J-1"][1] == 1000


def test_the_api_batch_upserts_by_field_name(kefu: Kefu) -> None:
    items: list[dict[str, Any]] = [
        {"sku": "API-1", "title": "Lamp", "price": 12, "stock": 4},
        {"sku": "API-2", "title": "Shade"},
        "not an object",  # type: ignore[list-item]
    ]
    report = shopdata.upsert(
        acting(kefu),
        "amazon-us",
        "products",
        items,
        uow=kefu.uow(),
        clock=kefu.clock,
        ref=kefu.reference,
    )
    assert report.created == 1
    assert [(e.row, e.field) for e in report.errors] == [(2, "price"), (3, "(row)")]
    again = shopdata.upsert(
        acting(kefu),
        "amazon-us",
        "products",
        items[:1],
        uow=kefu.uow(),
        clock=kefu.clock,
        ref=kefu.reference,
    )
    assert again.unchanged == 1


def test_who_may_import_and_where(kefu: Kefu, tmp_path: Path) -> None:
    path = _write(tmp_path / "p.csv", "sku,title,price\nQ-1,Cap,3\n")
    with pytest.raises(Forbidden):
        _import(kefu, path, "products", who="lina")  # pre-sale agents do not import
    with pytest.raises(NotFound):
        _import(kefu, path, "products", store="nowhere")
    shop.archive_store(acting(kefu), "wish-global", uow=kefu.uow(), clock=kefu.clock)
    with pytest.raises(InvalidInput, match="archived"):
        _import(kefu, path, "products", store="wish-global")


def test_an_upload_run_imports_in_the_background_and_keeps_its_errors(
    kefu: Kefu, tmp_path: Path
) -> None:
    kefu.settings.import_dir = str(tmp_path / "uploads")
    upload = Path(kefu.settings.import_dir)
    upload.mkdir(parents=True, exist_ok=True)
    path = _write(upload / "pending.csv", "sku,title,price\nR-1,Cup,3\nR-2,,x\n")
    run_id = shopdata.start_run(
        acting(kefu),
        "amazon-us",
        "products",
        filename="cups.csv",
        path=str(path),
        size=path.stat().st_size,
        options={},
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    assert shopdata.run(acting(kefu), run_id, uow=kefu.uow()).status == "queued"
    kefu.run_import(run_id)
    done = shopdata.run(acting(kefu), run_id, uow=kefu.uow())
    assert (done.status, done.created, done.rejected, done.errors) == ("done", 1, 1, 1)
    assert done.bytes_done == done.bytes_total
    errors = list(shopdata.run_errors(acting(kefu), run_id, uow=kefu.uow()))
    assert [(e.row, e.field, e.value) for e in errors] == [(3, "price", "x")]
    with pytest.raises(Forbidden):  # a pre-sale agent does not see imports at all
        shopdata.run(acting(kefu, "lina"), run_id, uow=kefu.uow())
