"""How cells of the shop's files become values (kefu.domain.shopdata) and how files become
rows (kefu.adapters.tabular): amounts in every notation, dates, statuses, headers, and
CSV in every dialect and encoding Chinese ERPs and Excel write."""

from __future__ import annotations

import csv
import gc
import io
import warnings
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.adapters.formatting import country_codes, currency_digits
from kefu.adapters.tabular import TableError, open_table, safe_cell, sniff_encoding
from kefu.domain.shopdata import (
    FIELDS,
    CellError,
    Context,
    Kind,
    is_older,
    mapping_problems,
    minor_units,
    parse_decimal,
    parse_row,
    parse_time,
    suggest_mapping,
    usd_cents,
)
from kefu.domain.types import OrderStatus
from kefu.web import uploads

LA = Context(ZoneInfo("America/Los_Angeles"), "USD", currency_digits(), country_codes())
SHANGHAI = Context(ZoneInfo("Asia/Shanghai"), "CNY", currency_digits(), country_codes())


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234", "1234"),
        ("$12.50", "12.50"),
        ("¥1 234", "1234"),
        ("USD 12.5", "12.5"),
        ("12.50 EUR", "12.50"),
        ("1'234.50", "1234.50"),
        (12.5, "12.5"),
        (3, "3"),
    ],
)
def test_amounts_in_every_notation(cell: object, expected: str) -> None:
    assert parse_decimal(cell) == Decimal(expected)


@pytest.mark.parametrize("cell", ["abc", "", "1.2.3,4,5", "--3", True])
def test_what_is_not_an_amount(cell: object) -> None:
    with pytest.raises(CellError):
        parse_decimal(cell)


@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False))
def test_any_amount_written_with_either_separator_reads_back(amount: Decimal) -> None:
    english = f"{amount:,.2f}"
    european = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    assert parse_decimal(english) == amount
    assert parse_decimal(european) == amount


def test_minor_units_follow_the_currency() -> None:
    assert minor_units(Decimal("12.5"), "USD", LA) == 1250
    assert minor_units(Decimal("1000"), "JPY", LA) == 1000
    assert minor_units(Decimal("1.2345"), "KWD", LA) == 1235  # three digits, half up
    with pytest.raises(CellError):
        minor_units(Decimal(1), "XXQ", LA)
    # 1000 yen at 150 yen a dollar is 6.67 dollars.
    assert usd_cents(1000, "JPY", Decimal(150), LA) == 667


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-11-03 23:30", datetime(2026, 11, 4, 7, 30, tzinfo=UTC)),
        ("2026/11/03 23:30:00", datetime(2026, 11, 4, 7, 30, tzinfo=UTC)),
        ("2026年11月03日 23:30", datetime(2026, 11, 4, 7, 30, tzinfo=UTC)),
        ("2026-11-03T23:30:00Z", datetime(2026, 11, 3, 23, 30, tzinfo=UTC)),
        ("2026-11-03T23:30:00+08:00", datetime(2026, 11, 3, 15, 30, tzinfo=UTC)),
        ("46329", datetime(2026, 11, 3, 8, tzinfo=UTC)),  # Excel serial, midnight in LA
        (46329.5, datetime(2026, 11, 3, 20, tzinfo=UTC)),
        (datetime(2026, 11, 3, 23, 30), datetime(2026, 11, 4, 7, 30, tzinfo=UTC)),
    ],
)
def test_times_are_the_stores_local_time_unless_they_say(cell: object, expected: datetime) -> None:
    assert parse_time(cell, LA) == expected


def test_the_same_wall_clock_time_east_of_utc() -> None:
    assert parse_time("2026-11-03 23:30", SHANGHAI) == datetime(2026, 11, 3, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("cell", ["03/11/2026", "11-03-2026 10:00", "yesterday", "1999-01-01", "9"])
def test_ambiguous_or_implausible_dates_are_refused(cell: str) -> None:
    with pytest.raises(CellError):
        parse_time(cell, LA)


def test_statuses_as_platforms_and_erps_write_them() -> None:
    row = parse_row(Kind.ORDERS, {"order_number": "1", "status": "WAIT_SELLER_SEND_GOODS"}, LA)
    assert row.values["status"] == OrderStatus.PAID
    for word, status in (
        ("已发货", "shipped"),
        ("Canceled", "cancelled"),
        ("交易完成", "completed"),
    ):
        assert parse_row(Kind.ORDERS, {"order_number": "1", "status": word}, LA).values[
            "status"
        ] == OrderStatus(status)
    assert (
        parse_row(
            Kind.PARCELS,
            {"order_number": "1", "tracking_number": "T", "event_status": "AvailableForPickup"},
            LA,
        ).values["event_status"]
        == "awaiting_pickup"
    )


def test_a_row_reports_every_bad_cell_and_skips_empty_ones() -> None:
    row = parse_row(
        Kind.ORDERS,
        {
            "order_number": "O-1",
            "status": "lost",
            "buyer_country": "Germany",
            "note": "",
            "total": "-3",
        },
        LA,
    )
    assert {e.field for e in row.errors} == {"status", "buyer_country", "total"}
    assert "note" not in row.values
    missing = parse_row(Kind.ORDERS, {"status": "paid"}, LA)
    assert [(e.field, e.reason) for e in missing.errors] == [("order_number", "is required")]


def test_headers_map_to_fields_in_english_and_chinese() -> None:
    columns = ["订单号", "买家", "Order Status", "Purchase Date", "数量", "单价", "SKU", "whatever"]
    mapping = suggest_mapping(Kind.ORDERS, columns)
    assert mapping == {
        "order_number": "订单号",
        "buyer_id": "买家",
        "status": "Order Status",
        "placed_at": "Purchase Date",
        "line_sku": "SKU",
        "line_quantity": "数量",
        "line_price": "单价",
    }
    assert mapping_problems(Kind.ORDERS, mapping, columns) == []
    assert mapping_problems(Kind.ORDERS, {"status": "x", "colour": "y"}, columns) == [
        "colour: is not a field of orders",
        "status: the file has no column 'x'",
        "order_number: no column chosen",
    ]
    walked = [f.name for kind in Kind for f in FIELDS[kind]]
    assert len(walked) == 10 + 23 + 9 + 5


def test_older_updates_lose() -> None:
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    assert is_older(early, late)
    assert not is_older(late, early)
    paid, shipped = OrderStatus.PAID, OrderStatus.SHIPPED
    assert is_older(None, late, incoming_status=paid, stored_status=shipped)
    assert not is_older(None, None, incoming_status=shipped, stored_status=paid)
    assert is_older(None, None, incoming_status=paid, stored_status=OrderStatus.CANCELLED)


# files

DIALECTS = st.sampled_from([",", ";", "\t", "|"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16"])
CELLS = st.text(
    alphabet=st.sampled_from([*"abcXYZ019 .,;'\"-", "中", "文", "訂", "單", "号"]),
    min_size=0,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(
    delimiter=DIALECTS,
    encoding=ENCODINGS,
    rows=st.lists(st.lists(CELLS, min_size=3, max_size=3), min_size=1, max_size=8),
)
def test_any_dialect_and_encoding_reads_back_the_same_rows(
    tmp_path_factory: pytest.TempPathFactory, delimiter: str, encoding: str, rows: list[list[str]]
) -> None:
    if encoding == "big5":  # Big5 has traditional characters only
        rows = [
            [c.replace("中", "訂").replace("文", "單").replace("号", "單") for c in r] for r in rows
        ]
    header = ["订单号" if encoding != "big5" else "訂單", "b", "c"]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    path = tmp_path_factory.mktemp("csv") / "file.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    given_encoding = None if encoding in ("utf-8", "utf-8-sig", "utf-16") else encoding
    with open_table(path, encoding=given_encoding) as table:
        assert table.columns == header
        read = [[r.cells[c] for c in header] for r in table.rows()]
    expected = [r for r in rows if any(c.strip() for c in r)]
    assert read == expected


def test_encodings_are_guessed(tmp_path: Path) -> None:
    text = "订单号,买家姓名,备注\n1001,张伟,请尽快发货，谢谢\n1002,李娜,礼物包装\n" * 20
    assert sniff_encoding(text.encode("utf-8")) == "utf-8"
    assert sniff_encoding(b"\xef\xbb\xbf" + text.encode("utf-8")) == "utf-8-sig"
    assert sniff_encoding(text.encode("gbk")) == "gb18030"
    path = tmp_path / "erp.csv"
    path.write_bytes(text.encode("gbk"))
    with open_table(path) as table:
        assert table.columns == ["订单号", "买家姓名", "备注"]
        assert next(table.rows()).cells["买家姓名"] == "张伟"


def test_broken_rows_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\n3,4,5\n\xff\xfe,6\n7,8\n")
    with open_table(path, encoding="utf-8") as table:
        rows = list(table.rows())
    assert [(r.number, r.problem is None) for r in rows] == [
        (2, True),
        (3, False),
        (4, False),
        (5, True),
    ]
    assert rows[1].problem == "has more cells than the header"
    assert "not valid utf-8" in (rows[2].problem or "")


def test_formulas_in_an_error_report_are_defused() -> None:
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("-1") == "'-1"
    assert safe_cell("plain") == "plain"


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.csv", b""), ("blank.csv", b" , ,\n1,2\n"), ("broken.xlsx", b"not a zip")],
)
def test_a_refused_file_leaves_no_open_handle(tmp_path: Path, name: str, content: bytes) -> None:
    """An import that refuses a file must not keep it open (the upload is deleted next)."""
    path = tmp_path / name
    path.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with pytest.raises(TableError):
            open_table(path)
        gc.collect()


@pytest.mark.parametrize("declared", ["\x00", "utf-8\x00", "klingon"])
def test_an_unknown_declared_encoding_is_refused_in_words(declared: str) -> None:
    with pytest.raises(uploads.BadEncoding, match="unknown encoding"):
        uploads.encoding(declared)
