"""Suggestions state only what is true now (SPEC §4), on the demo shop.

For several demo shops (seeds) and several days (the day the shop was built, around the
promised delivery days, long after them), every conversation's suggestions are rendered
as the owner sees them, and the truth checker (tests/unit/test_truth_checker.py) reads
each text, in the buyer's language and in the agent's, and compares the dates, carriers,
weights, amounts, products and stock it names with the database rows themselves (not with
the read models the suggestions are filled from). Not one untrue statement is allowed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.demo.build import DemoSize, build_demo
from kefu.domain.truth import Reason
from kefu.services.access import Forbidden, Principal
from tests.factories import acting
from tests.fakes import FixedClock
from tests.unit.test_truth_checker import (
    Case,
    Order,
    Parcel,
    Product,
    carriers_in,
    dates_in,
    untrue,
    weights_in,
)
from tests.web import signed_in

BUILT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SEEDS = (7, 11, 23)
DAYS = (
    BUILT,  # the day the shop was built: most promised days ahead, some passed
    datetime(2026, 12, 6, 20, 30, tzinfo=UTC),  # the report's day; already 7 Dec in Shanghai
    datetime(2027, 3, 15, 5, 0, tzinfo=UTC),  # long after every promise; 14 Mar in Los Angeles
)
SCALE = 0.1


def build(path: Path, seed: int) -> Kefu:
    kefu = bootstrap(Settings(database_url=f"sqlite:///{path}"), clock=FixedClock(BUILT))
    kefu.upgrade()
    build_demo(kefu, seed=seed, now=BUILT, size=DemoSize().scaled(SCALE))
    return kefu


@pytest.fixture(scope="module", params=SEEDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Kefu]:
    kefu = build(tmp_path_factory.mktemp(f"seed{request.param}") / "demo.db", request.param)
    yield kefu
    kefu.close()


def cases(kefu: Kefu, now: datetime) -> dict[int, Case]:
    """Every conversation's data read from the tables, with the store's shop facts."""
    out: dict[int, Case] = {}
    with kefu.session_factory() as s:
        stores = {st.id: st for st in s.scalars(select(t.Store))}
        products: dict[int, list[Product]] = {}
        for row in s.scalars(select(t.Product)):
            products.setdefault(row.store_id, []).append(
                Product(row.id, row.title, row.stock, row.weight_g)
            )
        events: dict[int, list[tuple[datetime, str]]] = {}
        for e in s.scalars(
            select(t.TrackingEvent).order_by(t.TrackingEvent.occurred_at, t.TrackingEvent.id)
        ):
            events.setdefault(e.parcel_id, []).append((e.occurred_at, e.status))
        parcels: dict[int, list[Parcel]] = {}
        for box in s.scalars(select(t.Parcel).order_by(t.Parcel.id)):
            parcels.setdefault(box.order_id, []).append(
                Parcel(
                    box.carrier, tuple(events.get(box.id, ())), box.shipped_at, box.is_reshipment
                )
            )
        lines: dict[int, list[tuple[int | None, int]]] = {}
        for line in s.scalars(select(t.OrderLine).order_by(t.OrderLine.id)):
            lines.setdefault(line.order_id, []).append((line.product_id, line.quantity))
        orders = {o.id: o for o in s.scalars(select(t.Order))}
        conversations = list(s.scalars(select(t.Conversation)))
        # The days the customs facts state (docs/customs.md), whatever the store.
        customs_days = frozenset(
            day
            for fact in s.scalars(select(t.CustomsFact))
            for day in (fact.as_of, date.fromisoformat(fact.value.get("since") or "2000-01-01"))
        )
    with kefu.uow() as uow:
        facts = {store_id: uow.replies.settings(store_id)[0] for store_id in stores}
    for conv in conversations:
        placed = orders.get(conv.order_id) if conv.order_id else None
        order = (
            Order(
                placed.status,
                placed.total_cents,
                placed.promised_delivery_at,
                placed.delivered_at,
                tuple(lines.get(placed.id, ())),
                tuple(parcels.get(placed.id, ())),
            )
            if placed
            else None
        )
        shop = facts[conv.store_id]
        out[conv.id] = Case(
            now,
            stores[conv.store_id].timezone,
            order,
            conv.product_id,
            tuple(products.get(conv.store_id, ())),
            free_method=shop.free_method,
            express_methods=shop.express_methods,
            free_limit_g=shop.free_shipping_max_g,
            few_left_below=shop.few_left_below,
            customs_days=customs_days,
        )
    return out


@dataclass
class Tally:
    conversations: int = 0
    suggestions: int = 0
    dates: int = 0
    carriers: int = 0
    weights: int = 0
    problems: list[str] = field(default_factory=list)
    offered: Counter[str] = field(default_factory=Counter)


Suggest = Callable[[Kefu, Principal, int, FixedClock], list[tuple[str, str, str]]]


def offered(kefu: Kefu, who: Principal, cid: int, clock: FixedClock) -> list[tuple[str, str, str]]:
    """(template key, text, language) of each suggestion, buyer's text and agent's gloss."""
    found = kefu.replies.suggestions(who, cid, uow=kefu.uow(), clock=clock, agent_language="zh")
    return [(s.key, s.text, s.language) for s in found] + [
        (s.key, s.gloss, s.gloss_language) for s in found
    ]


def check_shop(kefu: Kefu, now: datetime, suggest: Suggest = offered) -> Tally:
    """Run the checker over every conversation's suggestions on one day."""
    tally = Tally()
    owner = acting(kefu)
    clock = FixedClock(now)
    for cid, case in sorted(cases(kefu, now).items()):
        tally.conversations += 1
        for key, text, language in suggest(kefu, owner, cid, clock):
            tally.suggestions += 1
            tally.offered[key] += 1
            tally.dates += len(dates_in(text, language, case.today))
            tally.carriers += len(carriers_in(text))
            tally.weights += len(weights_in(text, language))
            for problem in untrue(key, text, language, case):
                tally.problems.append(f"{now:%Y-%m-%d} #{cid} {key} [{language}] {problem}")
    return tally


@pytest.mark.parametrize("today", DAYS, ids=lambda d: f"{d:%Y-%m-%d}")
def test_every_suggestion_of_the_demo_shop_is_true(demo: Kefu, today: datetime) -> None:
    tally = check_shop(demo, today)
    assert tally.problems == [], "\n".join(tally.problems[:40])
    # The checker really read many texts, with the facts that matter in them.
    assert tally.conversations >= 250
    assert tally.suggestions >= 800
    assert tally.carriers > 0
    assert len(tally.offered) >= 12
    if today == BUILT:
        assert tally.dates > 0 and tally.offered["tracking_in_transit"] > 0
    else:
        assert tally.offered["tracking_delayed"] > 0


def test_the_reported_cases_now_get_the_delay_answer(demo: Kefu) -> None:
    """Weeks after the promise: no arrival promise, and the delay answer with the last
    update's day; no free-shipping or weight rule for orders already shipped."""
    today = DAYS[2]
    owner = acting(demo)
    keys: Counter[str] = Counter()
    for cid, case in cases(demo, today).items():
        found = demo.replies.suggestions(owner, cid, uow=demo.uow(), clock=FixedClock(today))
        keys.update(s.key for s in found)
        if case.shipped:
            assert not {s.key for s in found} & {
                "shipping_free_available",
                "shipping_free_unavailable",
                "shipping_choose_courier",
            }
    assert keys["tracking_in_transit"] == 0 and keys["tracking_delayed"] > 0


def test_withheld_templates_have_reasons_for_leads_only(demo: Kefu) -> None:
    today = DAYS[1]
    owner = acting(demo)
    reasons: Counter[str] = Counter()
    with demo.session_factory() as s:
        ids = list(s.scalars(select(t.Conversation.id)))
    for cid in ids:
        shown = {
            x.key
            for x in demo.replies.suggestions(owner, cid, uow=demo.uow(), clock=FixedClock(today))
        }
        for w in demo.replies.withheld(owner, cid, uow=demo.uow(), clock=FixedClock(today)):
            assert w.key not in shown and w.message.endswith(".") and w.title
            assert w.reason in set(Reason)
            reasons[w.reason] += 1
    # the reported bugs, now held back with their reasons
    assert reasons[Reason.TRACKING_SILENT] > 0
    assert reasons[Reason.OTHER_CARRIER] + reasons[Reason.ALREADY_SHIPPED] > 0
    with pytest.raises(Forbidden, match="manage_templates"):
        demo.replies.withheld(acting(demo, "lina"), ids[0], uow=demo.uow(), clock=demo.clock)


def test_the_conversation_page_shows_leads_what_was_held_back(demo: Kefu) -> None:
    owner = acting(demo)
    with demo.session_factory() as s:
        ids = s.scalars(
            select(t.Conversation.id)
            .join(t.Store, t.Store.id == t.Conversation.store_id)
            .where(t.Conversation.status != "closed", t.Store.code == "ali-global")
            .order_by(t.Conversation.id)
        )
        held = next(
            cid
            for cid in ids
            if demo.replies.withheld(owner, cid, uow=demo.uow(), clock=demo.clock)
        )
    with signed_in(demo, "owner", locale="zh_CN") as client:
        page = client.get(f"/conversations/{held}").text
    assert 'data-testid="withheld"' in page and "未提供的模板" in page
    with signed_in(demo, "owner", locale="en") as client:
        page = client.get(f"/conversations/{held}").text
    assert "Templates not offered" in page
    with signed_in(demo, "lina") as client:  # an agent: ali-global is hers
        response = client.get(f"/conversations/{held}")
    assert response.status_code == 200 and 'data-testid="withheld"' not in response.text
