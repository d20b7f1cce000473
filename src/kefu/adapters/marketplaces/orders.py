"""Orders, products and parcels from a platform's order API beside its messages (issue 18;
docs/channels.md "Orders from the platforms").

A store's client pulls in passes: first the orders changed since the last pass (pages of
`PulledPage.records`, in the import API's batch format), then the messages, as the
message client always did. kefu writes a page's records before its messages, and reading
orders first means a message's order is there when the message is stored.

The cursor kefu keeps stays opaque JSON: `{"v": "orders/1", "phase", "orders",
"messages", "taken"}` holding each side's own cursor. A message cursor stored before orders were
pulled is read as the messages' cursor, and the next pass starts with the orders.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from kefu.services.ports import (
    ChannelError,
    MarketplaceClient,
    OutgoingReply,
    PulledPage,
    StateChange,
)

VERSION = "orders/1"
# A platform may show a change a little after it dates it; each pass starts this much
# before the last one ended (the upserts are idempotent, so a record read twice is
# unchanged).
OVERLAP = timedelta(minutes=2)
# Order pages a pass reads before its messages; a longer backlog goes on the next pass.
ORDER_PAGES_PER_PASS = 10

Records = dict[str, list[dict[str, object]]]


@dataclass(frozen=True)
class OrderPage:
    """One page of a platform's order API, mapped to kefu's batch format."""

    records: Records
    cursor: str
    done: bool  # this pass has read every order changed up to its end


class OrderSource(Protocol):
    """A platform's order API for one store (aliexpress_orders, ebay_orders, wish_orders)."""

    def pull_orders(self, cursor: str | None, since: datetime) -> OrderPage: ...


class WithOrders:
    """A store's client that reads the orders first, then the messages, each pass
    (kefu.services.ports.MarketplaceClient); everything else is the message client's."""

    def __init__(self, messages: MarketplaceClient, orders: OrderSource) -> None:
        self.messages = messages
        self.orders = orders

    def pull(self, cursor: str | None, since: datetime) -> PulledPage:
        at = _Position.load(cursor)
        if at.phase == "orders":
            try:
                page = self.orders.pull_orders(at.orders, since)
            except ChannelError as exc:
                if exc.retryable:
                    raise
                # Refused for good (a token without the order scope): said in the sync
                # report, and the messages still sync; the next pass asks again.
                following = _Position("messages", at.orders, at.messages).dump()
                return PulledPage([], [], following, done=False, problems=[f"orders: {exc}"])
            # A long backlog of orders (the first sync) gives way to the messages after
            # ORDER_PAGES_PER_PASS pages; the next pass goes on where it stopped.
            taken = at.taken + 1
            enough = page.done or taken >= ORDER_PAGES_PER_PASS
            following = _Position(
                "messages" if enough else "orders", page.cursor, at.messages, 0 if enough else taken
            ).dump()
            return PulledPage(
                rows=[], states=[], cursor=following, done=False, records=page.records
            )
        pulled = self.messages.pull(at.messages, since)
        phase = "orders" if pulled.done else "messages"
        return PulledPage(
            rows=pulled.rows,
            states=pulled.states,
            cursor=_Position(phase, at.orders, pulled.cursor).dump(),
            done=pulled.done,
            records=pulled.records,
            problems=pulled.problems,
        )

    def send(self, reply: OutgoingReply) -> str:
        return self.messages.send(reply)

    def push(self, change: StateChange) -> None:
        self.messages.push(change)

    def __getattr__(self, name: str) -> Any:
        """recent_states, push_many, close… are the message client's."""
        return getattr(self.messages, name)


@dataclass(frozen=True)
class _Position:
    """The store's cursor: which side a pass is on, each side's own cursor, and how many
    order pages this pass has read."""

    phase: str
    orders: str | None
    messages: str | None
    taken: int = 0

    @classmethod
    def load(cls, cursor: str | None) -> _Position:
        try:
            data = json.loads(cursor) if cursor else {"v": VERSION}
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return cls("orders", None, cursor)  # a message cursor kept before orders came
        phase, orders, messages = data.get("phase"), data.get("orders"), data.get("messages")
        taken = data.get("taken")
        return cls(
            phase if phase in ("orders", "messages") else "orders",
            orders if isinstance(orders, str) else None,
            messages if isinstance(messages, str) else None,
            taken if isinstance(taken, int) else 0,
        )

    def dump(self) -> str:
        body = {
            "v": VERSION,
            "phase": self.phase,
            "orders": self.orders,
            "messages": self.messages,
            "taken": self.taken,
        }
        return json.dumps(body, separators=(",", ":"))


# Time windows: for order lists that page by number or offset and tell the total.


@dataclass
class Windows:
    """Where an order pass stands.

    A list paged by page number or offset skips a record when one before it leaves the
    list during the pass (it changed again). So a pass reads the orders changed in
    [since, end] one window at a time, each window narrow enough that its orders fit in
    one page: one call reads the whole window, and nothing shifts between pages. A window
    that holds more than a page is halved; one that fits lets the next be twice as wide.
    Only a window of one `grain` (a second on AliExpress, a millisecond on eBay) with
    more than a page of orders is paged, ⚠ with that risk. Window ends are inclusive: a
    record at a boundary is read twice, unchanged the second time.
    """

    since: datetime
    end: datetime | None = None  # this pass's end: when it began
    width: timedelta | None = None
    page: int = 1

    def dump(self) -> str:
        return json.dumps(
            {
                "since": _iso(self.since),
                "end": _iso(self.end) if self.end else None,
                "width": self.width.total_seconds() if self.width else None,
                "page": self.page,
            },
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, cursor: str | None, since: datetime, platform: str) -> Windows:
        if not cursor:
            return cls(since=since)
        try:
            data = json.loads(cursor)
            return cls(
                since=datetime.fromisoformat(data["since"]),
                end=datetime.fromisoformat(data["end"]) if data.get("end") else None,
                width=timedelta(seconds=float(data["width"])) if data.get("width") else None,
                page=int(data.get("page") or 1),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ChannelError(
                f"the stored {platform} order position is unreadable; reconnect the store",
                retryable=False,
            ) from exc


# One window's listing: (orders, how many the window holds in all).
Lister = Callable[[datetime, datetime, int], tuple[list[dict[str, Any]], int]]
HALVINGS = 40  # per call: from half a year down to a millisecond


def next_window(
    position: Windows,
    now: datetime,
    page_size: int,
    grain: timedelta,
    listing: Lister,
) -> tuple[list[dict[str, Any]], Windows, bool]:
    """Read the next window of a pass: its orders, the position after it, and whether
    the pass is over (the next pass then starts `OVERLAP` before this one's end)."""
    end = position.end or now
    since = position.since
    if since >= end:  # nothing can have changed yet (or our clock is behind the cursor)
        return [], Windows(since), True
    width = position.width or max(end - since, grain)
    for _ in range(HALVINGS):
        upper = min(since + width, end)
        found, total = listing(since, upper, position.page)
        if total <= page_size * position.page or upper - since <= grain:
            break
        width = max((upper - since) / 2, grain)
    else:  # still too wide: the next call narrows on from here, nothing taken yet
        return [], Windows(since, end, width), False
    more_in_grain = upper - since <= grain and total > page_size * position.page
    if more_in_grain:
        return found, Windows(since, end, width, position.page + 1), False
    if upper >= end:
        return found, Windows(max(end - OVERLAP, position.since)), True
    return found, Windows(upper, end, width * 2), False


# Values as the batch format takes them


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def iso(moment: datetime | None) -> str | None:
    """A moment for the batch format: ISO 8601 in UTC (never a zone-less local time,
    which the intake would read in the store's zone)."""
    return _iso(moment) if moment is not None else None


def amount(value: object) -> str | None:
    """A platform's amount ("12.50", 12.5) as the decimal text the intake reads."""
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)))
    except InvalidOperation:
        return str(value)  # the intake refuses it in words, naming the field


def unit_price(total: object, quantity: object) -> str | None:
    """A line's price for one unit, from a line total (eBay's lineItemCost)."""
    try:
        count = int(str(quantity))
        return str(Decimal(str(total)) / count) if count > 0 else amount(total)
    except (InvalidOperation, ValueError):
        return amount(total)


def products_of(orders: list[dict[str, object]]) -> list[dict[str, object]]:
    """Products named by the orders' lines (SKU, title, price, currency), each once: kefu
    creates those it does not know and leaves the others to imports (a line's price is
    what one buyer paid)."""
    seen: dict[str, dict[str, object]] = {}
    for order in orders:
        lines = order.get("lines")
        for line in lines if isinstance(lines, list) else []:
            sku = line.get("sku") if isinstance(line, dict) else None
            if isinstance(line, dict) and sku and line.get("price") is not None:
                seen.setdefault(
                    str(sku),
                    {
                        "sku": sku,
                        "title": line.get("title") or sku,
                        "price": line["price"],
                        **({"currency": order["currency"]} if order.get("currency") else {}),
                    },
                )
    return list(seen.values())


def records(orders: list[dict[str, object]], parcels: list[dict[str, object]]) -> Records:
    """A page's records: the products its lines name, its orders, its parcels."""
    out: Records = {"products": products_of(orders), "orders": orders, "parcels": parcels}
    return {kind: items for kind, items in out.items() if items}


def dig(document: Mapping[str, Any] | None, *path: str) -> Any:
    """A nested field, or None when any step is missing."""
    value: Any = document
    for step in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def compact(values: Mapping[str, object]) -> dict[str, object]:
    """Fields the platform did not give are left out (an update leaves them alone)."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


__all__ = [
    "OVERLAP",
    "OrderPage",
    "OrderSource",
    "Windows",
    "WithOrders",
    "amount",
    "compact",
    "dig",
    "iso",
    "next_window",
    "records",
    "unit_price",
]
