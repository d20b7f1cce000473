"""The shop's own data as files and ERPs give it: which fields each kind of row has, what
their columns are usually called, and how a cell becomes a value (SPEC §9, §10).

Plain rules, so the same parsing serves CSV, XLSX, JSONL and the API. Lists a library
keeps (ISO 4217 currencies and their minor units, countries) are passed in by the caller.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from kefu.domain.carriers import NumberCheck, check_number
from kefu.domain.errors import FieldError
from kefu.domain.tracking import MAX_CODE
from kefu.domain.tracking_status import code_status
from kefu.domain.types import OrderStatus


class Kind(StrEnum):
    PRODUCTS = "products"
    ORDERS = "orders"
    PARCELS = "parcels"
    TRACKING = "tracking"


@dataclass(frozen=True)
class Context:
    """What parsing a store's cells needs: its zone for times without one, its currency
    for amounts without one, and the lists libraries keep."""

    zone: tzinfo
    currency: str
    currency_digits: Mapping[str, int]  # ISO 4217 code -> minor unit digits (JPY 0, USD 2)
    countries: Collection[str]
    # Tracking-number recognition (the composition root passes the courier library's).
    check_number: Callable[[str], NumberCheck] = check_number
    # A number the shop typed with a wrong check digit is refused; one a marketplace holds
    # is kept as the platform has it (the panel marks it), never dropped from a sync.
    refuse_malformed_numbers: bool = True


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in words an owner understands
    (a template and its figures, so it can be shown in the agent's language)."""

    def __init__(self, template: str, **params: object) -> None:
        self.template, self.params = template, {k: str(v) for k, v in params.items()}
        super().__init__(template.format(**self.params))

    def error(self, field: str, value: str | None = None) -> FieldError:
        return FieldError(
            field, str(self), value=value, template=self.template, params=tuple(self.params.items())
        )


Parser = Callable[[object, Context], object]

# Largest amount accepted, in major units: above it a cell is a typo, not a price.
MAX_AMOUNT = Decimal("100000000")
MAX_COUNT = 10_000_000
MAX_TEXT = {"title": 300, "note": 2000, "description": 500, "location": 200}


def _text(limit: int) -> Parser:
    def parse(value: object, ctx: Context) -> str:
        text = str(value).strip()
        if len(text) > limit:
            raise CellError("is longer than {limit} characters", limit=limit)
        return text

    return parse


_SPACE = re.compile(r"\s")
_SPACED_KEY = re.compile(r"[\w\- ./#]+")
_PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?")


def _key(limit: int = 64) -> Parser:
    """An id (SKU, order number, tracking number): no spaces inside, Excel's 1234.0 undone."""

    def parse(value: object, ctx: Context) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if not text:
            raise CellError("is empty")
        if len(text) > limit:
            raise CellError("is longer than {limit} characters", limit=limit)
        if _SPACE.search(text) and not _SPACED_KEY.fullmatch(text):
            raise CellError("holds spaces or control characters")
        return text

    return parse


def parse_decimal(value: object) -> Decimal:
    """12.50, 1,234.50, 1.234,50, 12,50, $12.50, ¥1 234, (Excel) 12.5 → a Decimal."""
    if isinstance(value, bool):
        raise CellError("is not a number")
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value).strip()
    if _PLAIN_NUMBER.fullmatch(text):  # the usual case, quickly
        return Decimal(text)
    text = re.sub(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$", "", text)  # "USD 12.50", "12.50 EUR"
    text = text.strip().lstrip("$€£¥￥₽₩₹").replace("\u00a0", "").replace(" ", "")
    text = text.replace("'", "")  # Swiss thousands
    negative = text.startswith("-")
    text = text[1:] if text[:1] in ("+", "-") else text
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        text = text.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in text:
        text = (
            text.replace(",", "")
            if re.fullmatch(r"\d{1,3}(,\d{3})+", text)
            else text.replace(",", ".")
        )
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", text):
        raise CellError("is not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("is not a number") from None
    return -number if negative else number


def minor_units(amount: Decimal, currency: str, ctx: Context) -> int:
    digits = ctx.currency_digits.get(currency)
    if digits is None:
        raise CellError("has an unknown currency {currency}", currency=currency)
    return int((amount * (10**digits)).to_integral_value(rounding=ROUND_HALF_UP))


def _amount(value: object, ctx: Context) -> Decimal:
    amount = parse_decimal(value)
    if amount < 0:
        raise CellError("must not be negative")
    if amount > MAX_AMOUNT:
        raise CellError("is too large to be an amount")
    return amount


def _count(value: object, ctx: Context) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError("must be a whole number")
    if number < 0:
        raise CellError("must not be negative")
    if number > MAX_COUNT:
        raise CellError("is too large")
    return int(number)


def _positive_count(value: object, ctx: Context) -> int:
    number = _count(value, ctx)
    if number == 0:
        raise CellError("must be at least 1")
    return number


def _currency(value: object, ctx: Context) -> str:
    code = str(value).strip().upper()
    if code not in ctx.currency_digits:
        raise CellError("is not an ISO 4217 currency code (USD, EUR, CNY…)")
    return code


def _country(value: object, ctx: Context) -> str:
    code = str(value).strip().upper()
    if code == "UK":
        code = "GB"
    if code not in ctx.countries:
        raise CellError("is not an ISO 3166 country code (US, DE, BR…)")
    return code


def _email(value: object, ctx: Context) -> str:
    text = str(value).strip()
    if len(text) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise CellError("is not an e-mail address")
    return text


def _phone(value: object, ctx: Context) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > 40 or not re.fullmatch(r"[+\d][\d\s().\-/]*", text):
        raise CellError("is not a phone number")
    return text


TRUE = frozenset({"1", "true", "yes", "y", "t", "x", "是", "批发", "wholesale"})
FALSE = frozenset({"0", "false", "no", "n", "f", "否", "零售", "retail", ""})


def _flag(value: object, ctx: Context) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError("is neither yes nor no")


# Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
EXCEL_EPOCH = datetime(1899, 12, 30)
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def parse_time(value: object, ctx: Context) -> datetime:
    """A moment, in UTC. A time without a zone is the store's local time; a bare number is
    an Excel serial date; day/month orders that cannot be told apart are refused."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _excel(float(value))
    else:
        text = str(value).strip()
        moment = _excel(float(text)) if re.fullmatch(r"\d{5}(\.\d+)?", text) else _from_text(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ctx.zone)
    moment = moment.astimezone(UTC)
    if moment < EARLIEST or moment.year > 2100:
        raise CellError("is not a plausible date")
    return moment


def _excel(serial: float) -> datetime:
    if not 36526 <= serial <= 73051:  # 2000-01-01 .. 2100-01-01
        raise CellError("is not a plausible date")
    return EXCEL_EPOCH + timedelta(days=serial)


def _from_text(text: str) -> datetime:
    if not text:
        raise CellError("is empty")
    cleaned = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}.*", text):
        raise CellError("is ambiguous (day/month or month/day?); write dates as 2026-05-03")
    raise CellError("is not a date and time (write 2026-05-03 14:22)")


def _normal(text: str) -> str:
    """Header and code comparison: case, width, spaces and punctuation do not matter."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s_\-./()（）:：#]+", "", text)


# Order statuses as platforms and Chinese ERPs write them (PLATFORMS.md; SPEC §9).
ORDER_STATUS_WORDS: dict[str, OrderStatus] = {
    **{s.value: s for s in OrderStatus},
    "new": OrderStatus.RECEIVED,
    "pending": OrderStatus.RECEIVED,
    "placeordersuccess": OrderStatus.RECEIVED,
    "waitbuyerpay": OrderStatus.RECEIVED,
    "unpaid": OrderStatus.RECEIVED,
    "待付款": OrderStatus.RECEIVED,
    "未付款": OrderStatus.RECEIVED,
    "已下单": OrderStatus.RECEIVED,
    "已确认": OrderStatus.CONFIRMED,
    "待审核": OrderStatus.CONFIRMED,
    "unshipped": OrderStatus.PAID,
    "waitsellersendgoods": OrderStatus.PAID,
    "notstarted": OrderStatus.PAID,
    "awaitingshipment": OrderStatus.PAID,
    "已付款": OrderStatus.PAID,
    "待发货": OrderStatus.PAID,
    "已配货": OrderStatus.ALLOCATED,
    "已分配": OrderStatus.ALLOCATED,
    "已拣货": OrderStatus.PICKED,
    "partiallyshipped": OrderStatus.SHIPPED,
    "sellerpartsendgoods": OrderStatus.SHIPPED,
    "waitbuyeracceptgoods": OrderStatus.SHIPPED,
    "inprogress": OrderStatus.SHIPPED,
    "fulfilled": OrderStatus.SHIPPED,
    "已发货": OrderStatus.SHIPPED,
    "部分发货": OrderStatus.SHIPPED,
    "运输中": OrderStatus.SHIPPED,
    "已签收": OrderStatus.DELIVERED,
    "已妥投": OrderStatus.DELIVERED,
    "finish": OrderStatus.COMPLETED,
    "finished": OrderStatus.COMPLETED,
    "complete": OrderStatus.COMPLETED,
    "已完成": OrderStatus.COMPLETED,
    "交易完成": OrderStatus.COMPLETED,
    "canceled": OrderStatus.CANCELLED,
    "已取消": OrderStatus.CANCELLED,
    "交易关闭": OrderStatus.CANCELLED,
    "已关闭": OrderStatus.CANCELLED,
}


def _order_status(value: object, ctx: Context) -> OrderStatus:
    status = ORDER_STATUS_WORDS.get(_normal(str(value)))
    if status is None:
        raise CellError(
            "is not an order status (received, confirmed, paid, allocated, picked, shipped, "
            "delivered, completed, cancelled)"
        )
    return status


def _tracking_code(value: object, ctx: Context) -> str:
    """A tracking status cell: a status word some source uses becomes our status name
    (the event's code, so re-importing the file matches what was stored); any other text
    is kept as the code and read by the text rules when stored (domain/tracking_status.py),
    flagged for review when none knows it — never refused, never guessed."""
    text = str(value).strip()
    if len(text) > MAX_CODE:
        raise CellError("is longer than {limit} characters", limit=MAX_CODE)
    known = code_status(text)
    return known.value if known is not None else text


def _weight(value: object, ctx: Context) -> int:
    grams = _amount(value, ctx)
    return int(grams.to_integral_value(rounding=ROUND_HALF_UP))


def _size_chart(value: object, ctx: Context) -> dict[str, object]:
    if isinstance(value, dict):
        chart = value
    else:
        text = str(value).strip()
        if len(text) > 20_000:
            raise CellError("is longer than 20000 characters")
        try:
            chart = json.loads(text)
        except json.JSONDecodeError:
            raise CellError("is not a JSON object (the size chart)") from None
    if not isinstance(chart, dict):
        raise CellError("is not a JSON object (the size chart)")
    return chart


def _rate(value: object, ctx: Context) -> Decimal:
    rate = parse_decimal(value)
    if rate <= 0:
        raise CellError("must be above zero")
    return rate


@dataclass(frozen=True)
class Field:
    name: str
    parse: Parser
    # Other names the column goes by (English and Chinese ERP exports); compared normalised.
    aliases: tuple[str, ...] = ()
    # Needed to create a row (the key is always needed; an update may give only some fields).
    required: bool = False
    key: bool = False


_PRODUCT_FIELDS = (
    Field(
        "sku", _key(), ("sku", "seller sku", "item sku", "商品编码", "货号", "商品sku"), key=True
    ),
    Field(
        "title", _text(300), ("title", "name", "product name", "标题", "商品名称", "产品名称"), True
    ),
    Field("price", _amount, ("price", "unit price", "售价", "价格", "单价"), True),
    Field("currency", _currency, ("currency", "币种", "货币")),
    Field("stock", _count, ("stock", "quantity", "qty", "inventory", "库存", "可售库存")),
    Field("weight_g", _weight, ("weight", "weight g", "weight (g)", "重量", "重量g", "重量(g)")),
    Field("category", _text(64), ("category", "类目", "分类")),
    Field("size_chart", _size_chart, ("size chart", "尺码表")),
    Field("owner", _text(64), ("owner", "product owner", "manager", "负责人", "产品负责人")),
    Field("updated_at", parse_time, ("updated", "last updated", "modified", "更新时间")),
)
_ORDER_FIELDS = (
    Field(
        "order_number",
        _key(),
        ("order", "order id", "order no", "orderid", "订单号", "订单编号"),
        key=True,
    ),
    Field(
        "buyer_id", _key(128), ("buyer", "buyer id", "customer id", "买家id", "买家账号", "买家")
    ),
    Field(
        "buyer_name", _text(200), ("buyer name", "customer name", "recipient", "买家姓名", "收件人")
    ),
    Field("buyer_country", _country, ("buyer country", "country", "国家", "买家国家")),
    Field("buyer_email", _email, ("email", "buyer email", "e-mail", "邮箱", "买家邮箱")),
    Field("buyer_phone", _phone, ("phone", "buyer phone", "telephone", "电话", "手机")),
    Field("status", _order_status, ("status", "order status", "订单状态", "状态"), True),
    Field("currency", _currency, ("currency", "币种", "货币")),
    Field(
        "placed_at",
        parse_time,
        ("placed", "order date", "purchase date", "created", "下单时间", "创建时间"),
        True,
    ),
    Field("paid_at", parse_time, ("paid", "payment date", "paid time", "付款时间", "支付时间")),
    Field("total", _amount, ("total", "order total", "amount", "订单金额", "订单总额", "总金额")),
    Field("shipping", _amount, ("shipping", "shipping fee", "freight", "运费")),
    Field("usd_rate", _rate, ("usd rate", "exchange rate", "汇率")),
    Field("note", _text(2000), ("note", "buyer note", "remark", "备注", "买家留言", "订单备注")),
    Field("wholesale", _flag, ("wholesale", "is wholesale", "批发")),
    Field(
        "promised_delivery_at",
        parse_time,
        ("promised delivery", "latest delivery", "承诺送达", "最晚送达"),
    ),
    Field("delivered_at", parse_time, ("delivered", "delivery date", "签收时间")),
    Field(
        "ship_to_country", _country, ("ship to country", "shipping country", "收货国家", "目的国")
    ),
    Field("updated_at", parse_time, ("updated", "last updated", "modified", "更新时间")),
    Field("line_sku", _key(), ("line sku", "item sku", "sku", "商品编码", "货号")),
    Field(
        "line_title",
        _text(300),
        ("line title", "item title", "product name", "商品名称", "产品名称"),
    ),
    Field(
        "line_quantity", _positive_count, ("quantity", "qty", "line quantity", "数量", "购买数量")
    ),
    Field("line_price", _amount, ("line price", "item price", "unit price", "单价", "商品单价")),
)
_PARCEL_FIELDS = (
    Field(
        "order_number", _key(), ("order", "order id", "order no", "订单号", "订单编号"), key=True
    ),
    Field(
        "tracking_number",
        _key(),
        ("tracking", "tracking number", "tracking no", "运单号", "物流单号", "跟踪号"),
        key=True,
    ),
    Field(
        "carrier",
        _text(64),
        ("carrier", "courier", "logistics", "物流公司", "物流渠道", "承运商"),
        True,
    ),
    Field("shipped_at", parse_time, ("shipped", "ship date", "shipped time", "发货时间")),
    Field("reshipment", _flag, ("reshipment", "reship", "补发")),
    Field("event_time", parse_time, ("event time", "时间", "轨迹时间")),
    Field("event_status", _tracking_code, ("event status", "tracking status", "物流状态")),
    Field("event_location", _text(200), ("event location", "location", "地点")),
    Field("event_description", _text(500), ("event description", "description", "轨迹", "描述")),
)
_TRACKING_FIELDS = (
    Field(
        "tracking_number",
        _key(),
        ("tracking", "tracking number", "tracking no", "运单号", "物流单号", "跟踪号"),
        key=True,
    ),
    Field("event_time", parse_time, ("event time", "time", "date", "时间", "轨迹时间"), True),
    Field(
        "event_status",
        _tracking_code,
        ("event status", "status", "tracking status", "物流状态", "状态"),
        True,
    ),
    Field("event_location", _text(200), ("event location", "location", "地点")),
    Field(
        "event_description",
        _text(500),
        ("event description", "description", "details", "轨迹", "描述"),
    ),
)
FIELDS: dict[Kind, tuple[Field, ...]] = {
    Kind.PRODUCTS: _PRODUCT_FIELDS,
    Kind.ORDERS: _ORDER_FIELDS,
    Kind.PARCELS: _PARCEL_FIELDS,
    Kind.TRACKING: _TRACKING_FIELDS,
}
LINE_FIELDS = ("line_sku", "line_title", "line_quantity", "line_price")
EVENT_FIELDS = ("event_time", "event_status", "event_location", "event_description")


def field_names(kind: Kind) -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS[kind])


def suggest_mapping(kind: Kind, columns: list[str]) -> dict[str, str]:
    """field -> column for every field whose name or usual name matches a header; each
    column serves one field, the first (most specific) that claims it."""
    by_header = {_normal(c): c for c in reversed(columns)}
    taken: set[str] = set()
    mapping: dict[str, str] = {}
    for f in FIELDS[kind]:
        for name in (f.name, *f.aliases):
            column = by_header.get(_normal(name))
            if column is not None and column not in taken:
                mapping[f.name] = column
                taken.add(column)
                break
    return mapping


def mapping_problems(kind: Kind, mapping: Mapping[str, str], columns: list[str]) -> list[str]:
    """What is wrong with a chosen mapping, as field names with a reason."""
    known = {f.name: f for f in FIELDS[kind]}
    problems = [f"{name}: is not a field of {kind.value}" for name in mapping if name not in known]
    problems += [
        f"{name}: the file has no column {column!r}"
        for name, column in mapping.items()
        if name in known and column not in columns
    ]
    problems += [
        f"{f.name}: no column chosen" for f in FIELDS[kind] if f.key and f.name not in mapping
    ]
    return problems


@dataclass(frozen=True)
class ParsedRow:
    values: dict[str, object]
    errors: list[FieldError]  # without a row number: the caller knows it


def parse_row(kind: Kind, cells: Mapping[str, object], ctx: Context) -> ParsedRow:
    """A row's fields by name (already mapped from columns): each present, non-empty cell
    parsed; an absent or empty cell is a field not given (an update leaves it alone)."""
    row = parse_fields(FIELDS[kind], cells, ctx)
    failed = {e.field for e in row.errors}
    row.errors.extend(
        FieldError(f.name, "is required")
        for f in FIELDS[kind]
        if f.key and f.name not in row.values and f.name not in failed
    )
    return row


def parse_fields(fields: Sequence[Field], cells: Mapping[str, object], ctx: Context) -> ParsedRow:
    """Some fields of a row (an order's own, or one line's), without the key check."""
    values: dict[str, object] = {}
    errors: list[FieldError] = []
    for f in fields:
        raw = cells.get(f.name)
        if raw is None or raw == "" or (isinstance(raw, str) and raw.isspace()):
            continue
        try:
            values[f.name] = f.parse(raw, ctx)
        except CellError as exc:
            errors.append(exc.error(f.name, str(raw)[:300]))
    return ParsedRow(values, errors)


def missing_for_new(kind: Kind, values: Mapping[str, object]) -> list[str]:
    """The fields a row lacks to create its record (an existing one may be updated without)."""
    needed = [f.name for f in FIELDS[kind] if f.required and f.name not in values]
    if kind == Kind.ORDERS and "buyer_id" not in values and "buyer_email" not in values:
        needed.append("buyer_id")
    return needed


# Order life (SPEC §9): a row without a source time may move an order forward, never back.
_LIFE = {
    OrderStatus.RECEIVED: 0,
    OrderStatus.CONFIRMED: 1,
    OrderStatus.PAID: 2,
    OrderStatus.ALLOCATED: 3,
    OrderStatus.PICKED: 4,
    OrderStatus.SHIPPED: 5,
    OrderStatus.DELIVERED: 6,
    OrderStatus.COMPLETED: 7,
    OrderStatus.CANCELLED: 8,
}


def is_older(
    incoming_at: datetime | None,
    stored_at: datetime | None,
    *,
    incoming_status: OrderStatus | None = None,
    stored_status: OrderStatus | None = None,
) -> bool:
    """An update older than what is stored is not applied. With both source times the
    times decide; otherwise an order's status that would go back along its life does
    (a cancelled order stays cancelled)."""
    if incoming_at is not None and stored_at is not None:
        return incoming_at < stored_at
    if incoming_status is None or stored_status is None:
        return False
    return _LIFE[incoming_status] < _LIFE[stored_status]


def usd_cents(minor: int, currency: str, per_usd: Decimal, ctx: Context) -> int:
    """An amount in a currency's minor units → US cents, at `per_usd` units per dollar."""
    digits = ctx.currency_digits[currency]
    dollars = Decimal(minor) / (Decimal(10) ** digits) / per_usd
    return int((dollars * 100).to_integral_value(rounding=ROUND_HALF_UP))


# A rate table's rate holds for the days after it when none is published (weekends,
# the ECB's holidays), but no longer than this.
RATE_VALID_DAYS = 7
