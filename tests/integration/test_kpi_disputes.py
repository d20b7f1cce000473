"""Open disputes and the dispute rate from case records, on a real database (docs/kpis.md
"Disputes"): dispute cases, and eBay cases once escalated to eBay; days are store-local."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.services import inbox
from kefu.services.reports import kpi_breakdowns, kpi_dashboard, kpi_report
from tests.factories import NOW, make_message
from tests.web import signed_in


def at(day: int, hour: int = 2) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def shop_with_cases(kefu: Kefu) -> None:
    """ali-global (Shanghai) and ebay-uk (London) with cases of every sort, and orders."""
    inbox.ingest(
        [
            make_message(1, store="ali-global", buyer_id="b-ali"),
            make_message(2, store="ebay-uk", buyer_id="b-ebay"),
            make_message(3, store="amazon-us", buyer_id="b-amz"),
        ],
        kefu.uow(),
        kefu.clock,
    )
    with kefu.session_factory() as s:
        stores = dict(s.execute(select(t.Store.code, t.Store.id)).all())
        accounts = dict(s.execute(select(t.Account.username, t.Account.id)).all())
        buyers = dict(
            s.execute(select(t.BuyerIdentity.platform_buyer_id, t.BuyerIdentity.buyer_id)).all()
        )

        def case(store: str, kind: str, state: str, opened: datetime, **more: Any) -> int:
            closed = more.pop("closed", None)
            row = {
                "store_id": stores[store],
                "kind": kind,
                "state": state,
                "is_open": closed is None,
                "reason": "quality",
                "opened_at": opened,
                "updated_at": opened,
                "closed_at": closed,
                **more,
            }
            return int(s.scalar(insert(t.Case).values(row).returning(t.Case.id)))

        lina, wangwei = accounts["lina"], accounts["wangwei"]
        # 17:00 UTC on 9 November is 01:00 on the 10th in Shanghai.
        case("ali-global", "dispute", "open", at(9, 17), holder_id=lina)
        case("ali-global", "dispute", "closed", at(12), closed=at(15), holder_id=wangwei)
        case("ali-global", "return", "open", at(11), holder_id=lina)  # not a dispute
        # eBay: a return escalated to eBay on the 14th, an INR that arrived escalated.
        escalated = case("ebay-uk", "return", "escalated", at(5), holder_id=wangwei)
        s.execute(
            insert(t.CaseStep).values(
                case_id=escalated,
                at=at(14, 10),
                action="escalate",
                from_state="declined",
                to_state="escalated",
            )
        )
        case("ebay-uk", "not_received", "escalated", at(8))
        # Escalated on Amazon: not eBay's "case", not a dispute here.
        other = case("amazon-us", "return", "escalated", at(9))
        s.execute(
            insert(t.CaseStep).values(
                case_id=other, at=at(10), action="escalate", from_state="open", to_state="escalated"
            )
        )
        # With the catalog's A-STUCK (placed on the 10th): four in the week.
        orders = [("ali-global", "b-ali", day) for day in (11, 13, 16)]
        orders += [("ebay-uk", "b-ebay", day) for day in (12, 15)]
        orders += [("ali-global", "b-ali", 18)]  # after the week
        s.execute(
            insert(t.Order),
            [
                {
                    "store_id": stores[store],
                    "buyer_id": buyers[buyer],
                    "order_number": f"D-{n}",
                    "status": "paid",
                    "total_cents": 1000,
                    "total_usd_cents": 1000,
                    "placed_at": at(day),
                    "paid_at": at(day),
                }
                for n, (store, buyer, day) in enumerate(orders)
            ],
        )
        s.commit()


def values(kefu: Kefu, first: int, last: int, **scope: str) -> dict[str, float | None]:
    return kpi_report(
        kefu.uow(), start=date(2026, 11, first), end=date(2026, 11, last), now=NOW, **scope
    ).values()


def test_open_disputes_and_the_dispute_rate_come_from_the_case_records(kefu: Kefu) -> None:
    shop_with_cases(kefu)
    # When 9 November ends in Shanghai (16:00 UTC) the first dispute was not open yet.
    assert values(kefu, 1, 9, store="ali-global")["open_disputes"] == 0
    # When the 13th ends: both AliExpress disputes, and the INR that came escalated;
    # the eBay return went to eBay on the 14th only.
    up_to_13 = values(kefu, 1, 13)
    assert (up_to_13["open_disputes"], up_to_13["disputes_opened"]) == (3, 3)
    week = values(kefu, 10, 16)
    # Open when the 16th ends: the first dispute, the escalated return, the INR.
    assert (week["open_disputes"], week["disputes_opened"], week["orders_placed"]) == (3, 3, 6)
    assert week["dispute_rate"] == 0.5
    ali = values(kefu, 10, 16, store="ali-global")
    assert (ali["disputes_opened"], ali["orders_placed"], ali["dispute_rate"]) == (2, 4, 0.5)
    ebay = values(kefu, 10, 16, store="ebay-uk")
    assert (ebay["open_disputes"], ebay["disputes_opened"], ebay["orders_placed"]) == (2, 1, 2)
    assert ebay["dispute_rate"] == 0.5
    assert values(kefu, 10, 16, store="amazon-us")["open_disputes"] == 0
    # An agent's: the disputes they hold; orders are no agent's, so no rate.
    lina = values(kefu, 10, 16, agent="lina")
    assert (lina["open_disputes"], lina["orders_placed"], lina["dispute_rate"]) == (1, 0, None)


def test_the_breakdowns_give_disputes_per_store_platform_and_holder(kefu: Kefu) -> None:
    shop_with_cases(kefu)
    found = kpi_breakdowns(kefu.uow(), start=date(2026, 11, 10), end=date(2026, 11, 16), now=NOW)
    by_store = {code: (k.open_disputes, k.dispute_rate) for code, k in found.by_store}
    assert by_store["ali-global"] == (1, 0.5) and by_store["ebay-uk"] == (2, 0.5)
    assert by_store["amazon-us"] == (0, None)
    assert sum(open_ for open_, _ in by_store.values()) == 3
    by_platform = {name: k.open_disputes for name, k in found.by_platform}
    assert by_platform["aliexpress"] == 1 and by_platform["ebay"] == 2
    by_agent = {name: k.open_disputes for name, k in found.by_agent}
    assert by_agent["lina"] == 1 and by_agent["wangwei"] == 1
    assert sum(by_agent.values()) == 2  # the INR has no holder
    # The dashboard's previous period: open when the 9th ended (Shanghai): none of
    # AliExpress's; the INR (8th) was open in London.
    board = kpi_dashboard(kefu.uow(), start=date(2026, 11, 10), end=date(2026, 11, 16), now=NOW)
    assert board.previous.values()["open_disputes"] == 1
    assert board.current.values()["open_disputes"] == 3


def test_the_page_the_api_and_the_csv_show_disputes(kefu: Kefu) -> None:
    shop_with_cases(kefu)
    week = {"from": "2026-11-10", "to": "2026-11-16"}
    with signed_in(kefu) as client:
        body = client.get("/api/v1/reports/kpi", params=week).json()
        assert body["metrics"]["open_disputes"] == 3 and body["metrics"]["dispute_rate"] == 0.5
        assert body["by_store"]["ebay-uk"]["open_disputes"] == 2
        assert body["by_store"]["ebay-uk"]["dispute_rate"] == 0.5
        page = client.get("/reports", params=week).text
        assert "纠纷率" in page and 'data-testid="disputes-chart"' in page
        assert 'tr data-metric="dispute_rate"' in page
        csv_file = client.get("/reports/kpi.csv", params=week).text
        assert "dispute_rate,0.5000," in csv_file and "open_disputes,3," in csv_file
