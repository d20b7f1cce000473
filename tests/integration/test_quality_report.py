"""The quality report on a real database: red-marked conversations per product over several
stores, scoped to the person's stores, through the service, the API and the CSV download."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.permissions import Role
from kefu.services import cases, inbox
from kefu.services.access import Forbidden
from kefu.services.auth import NewAccount
from kefu.services.cases import NewCase
from kefu.services.catalog import load_catalog
from kefu.services.quality import quality_report
from tests.factories import NOW, acting, make_catalog_with_orders, make_message
from tests.web import PASSWORD, signed_in

START, END = NOW.date() - timedelta(days=10), NOW.date()
# name: (store, buyer, product the buyer wrote from, order, mark, days ago)
CONVERSATIONS = {
    "dress-page": ("ali-global", "b-1", "SKU-DRESS", "A-1002", "red", 0),  # the product wins
    "order-1003": ("ali-global", "b-1", None, "A-1003", "red", 1),  # tent and dress
    "order-1004": ("ali-global", "b-1", None, "A-1004", "red", 2),  # lamp
    "yellow-dress": ("ali-global", "b-1", "SKU-DRESS", None, "yellow", 0),
    "old-dress": ("ali-global", "b-1", "SKU-DRESS", None, "red", 40),  # before the period
    "no-product": ("ali-global", "b-1", None, None, "red", 0),  # nothing to count it for
    "kettle": ("amazon-us", "b-2", "SKU-KETTLE", None, "red", 3),
    "scarf-order": ("ebay-uk", "b-3", None, "E-3001", "red", 4),
    "scarf-page": ("ebay-uk", "b-3", "SKU-SCARF", None, "red", 5),
}
# (store, sku): conversations, orders placed in the period, latest example
EXPECTED = [
    ("ali-global", "SKU-DRESS", 2, 2, "dress-page"),
    ("ebay-uk", "SKU-SCARF", 2, 1, "scarf-order"),
    ("ali-global", "SKU-LAMP", 1, 2, "order-1004"),
    ("ali-global", "SKU-TENT", 1, 2, "order-1003"),
    ("amazon-us", "SKU-KETTLE", 1, 1, "kettle"),
]


@pytest.fixture
def shop(kefu: Kefu) -> dict[str, int]:
    """make_catalog_with_orders' shop with the conversations above, marked; their ids."""
    with kefu.session_factory.begin() as session:
        for table in reversed(t.Base.metadata.sorted_tables):
            session.execute(delete(table))
    load_catalog(make_catalog_with_orders(), kefu.uow(), NOW)
    raws = [
        make_message(
            n,
            store=store,
            buyer_id=buyer,
            conversation_id=name,
            message_id=f"{name}-1",
            product_sku=sku,
            order_number=order,
            sent_at=(NOW - timedelta(days=days, minutes=n)).isoformat(),
        )
        for n, (name, (store, buyer, sku, order, _, days)) in enumerate(CONVERSATIONS.items())
    ]
    assert inbox.ingest(raws, kefu.uow(), kefu.clock).accepted == len(CONVERSATIONS)
    with kefu.uow() as uow:
        keys = [(store, name) for name, (store, *_) in CONVERSATIONS.items()]
        ids = {name: i for (_, name), i in uow.queries.conversation_ids(keys).items()}
    owner = acting(kefu)
    for name, (*_, mark, _) in CONVERSATIONS.items():
        inbox.set_mark(owner, ids[name], mark, uow=kefu.uow(), clock=kefu.clock)
    return ids


def _lead(kefu: Kefu, stores: list[str]) -> None:
    with kefu.uow() as uow:
        codes = {s.code: s.id for s in uow.queries.stores()}
    kefu.auth.create_account(
        acting(kefu),
        NewAccount("lena", "Lena", Role.LEAD.value, PASSWORD, frozenset(codes[c] for c in stores)),
        uow=kefu.uow(),
        clock=kefu.clock,
    )


def test_problems_are_counted_per_product_once_per_conversation(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    report = quality_report(acting(kefu), start=START, end=END, store=None, uow=kefu.uow())
    got = [
        (r.store, r.sku, r.conversations, r.orders, r.latest_conversation_id) for r in report.rows
    ]
    assert got == [(s, sku, n, o, shop[latest]) for s, sku, n, o, latest in EXPECTED]
    assert len(report.rows) == 5
    assert report.total == 7  # order-1003 counts for the tent and for the dress
    dress = report.rows[0]
    assert dress.share == 1.0 and dress.by_source == {"red_mark": 2}
    assert report.rows[1].share == 2.0  # two problems about one order's scarves
    assert report.chart()["conversations"] == [2, 2, 1, 1, 1]


def test_one_store_and_a_shorter_period(kefu: Kefu, shop: dict[str, int]) -> None:
    report = quality_report(
        acting(kefu), start=END - timedelta(days=1), end=END, store="ali-global", uow=kefu.uow()
    )
    assert [(r.sku, r.conversations) for r in report.rows] == [("SKU-DRESS", 2), ("SKU-TENT", 1)]


def test_a_lead_reads_only_their_stores(kefu: Kefu, shop: dict[str, int]) -> None:
    _lead(kefu, ["ali-global", "amazon-us"])
    lena = acting(kefu, "lena")
    report = quality_report(lena, start=START, end=END, store=None, uow=kefu.uow())
    assert {r.store for r in report.rows} == {"ali-global", "amazon-us"}
    assert len(report.rows) == 4
    with pytest.raises(NotFound):
        quality_report(lena, start=START, end=END, store="ebay-uk", uow=kefu.uow())


def test_an_agent_may_not_read_it_and_a_bad_range_is_refused(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    with pytest.raises(Forbidden):
        quality_report(acting(kefu, "lina"), start=START, end=END, store=None, uow=kefu.uow())
    with pytest.raises(InvalidInput):
        quality_report(acting(kefu), start=END, end=START, store=None, uow=kefu.uow())
    with pytest.raises(InvalidInput):
        quality_report(
            acting(kefu), start=END - timedelta(days=400), end=END, store=None, uow=kefu.uow()
        )
    with pytest.raises(InvalidInput):
        quality_report(acting(kefu), start=START, end=END, store="x" * 65, uow=kefu.uow())


def test_the_api_and_the_csv_download(kefu: Kefu, shop: dict[str, int]) -> None:
    query = f"from={START}&to={END}"
    with signed_in(kefu, locale="en") as client:
        api = client.get(f"/api/v1/reports/quality?{query}")
        assert api.status_code == 200, api.text
        body = api.json()
        assert body["total"] == 7
        assert [(p["sku"], p["conversations"]) for p in body["products"]] == [
            (sku, n) for _, sku, n, _, _ in EXPECTED
        ]
        assert client.get(f"/api/v1/reports/quality?from={END}&to={START}").status_code == 422
        download = client.get(f"/reports/quality.csv?{query}&store=ebay-uk")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert f"kefu-quality-{START}-{END}.csv" in download.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert len(rows) == 1
        assert rows[0]["sku"] == "SKU-SCARF" and rows[0]["conversations"] == "2"
        assert (rows[0]["orders"], rows[0]["share"]) == ("1", "2.0000")
        assert rows[0]["latest_conversation_id"] == str(shop["scarf-order"])
        page = client.get(f"/reports/quality?{query}")
        assert page.status_code == 200
        assert 'data-testid="quality-table"' in page.text and "SKU-SCARF" in page.text


def test_quality_cases_count_beside_red_marks_each_conversation_once(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    """A case about a quality problem counts for its product: on a conversation already
    red-marked it is the same problem; on another it is one more."""
    owner = acting(kefu)
    for name in ("dress-page", "yellow-dress"):
        cases.open_case(
            owner,
            shop[name],
            NewCase(kind="complaint", reason="quality", description="seam torn"),
            uow=kefu.uow(),
            clock=kefu.clock,
            deps=kefu.case_deps,
        )
    cases.open_case(  # not a quality problem: not counted
        owner,
        shop["yellow-dress"],
        NewCase(kind="complaint", reason="late_delivery"),
        uow=kefu.uow(),
        clock=kefu.clock,
        deps=kefu.case_deps,
    )
    report = quality_report(owner, start=START, end=END, store="ali-global", uow=kefu.uow())
    dress = next(r for r in report.rows if r.sku == "SKU-DRESS")
    assert dress.conversations == 3  # dress-page, order-1003, yellow-dress
    with kefu.uow() as uow:
        marked = uow.inbox.get_conversation(shop["yellow-dress"])
    assert marked is not None and marked.colour_mark is not None
    assert marked.colour_mark.value == "red"  # the quality case made it red
    assert dress.by_source == {"case": 2, "red_mark": 3}
    assert dress.latest_conversation_id in {shop["dress-page"], shop["yellow-dress"]}


def _product_ids(kefu: Kefu) -> list[int]:
    with kefu.session_factory() as session:
        return list(session.scalars(select(t.Product.id)))
