"""The logistics board on a built shop (docs/logistics.md): AliExpress and Amazon stores,
lines worst first, proactive messages through the gate once, Amazon → a task and no
message, thresholds for leads only, the tasks list."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu, bootstrap
from kefu.cli.bench_board import measure_board
from kefu.config import Settings
from kefu.demo.build import DemoSize, build_demo
from kefu.demo.parcels import AMAZON_LOST_ORDER, POST_OFFICE_ORDER
from kefu.domain.logistics import Anomaly, BoardFilters
from kefu.services import logistics
from kefu.services.access import Forbidden
from kefu.services.logistics import Notifier, Outcome
from tests.factories import NOW, acting
from tests.fakes import FixedClock
from tests.web import hidden, signed_in


def _order(kefu: Kefu, store: str, number: str, buyer: str, promised: datetime | None) -> int:
    with kefu.engine.begin() as conn:
        store_id, org = conn.execute(
            select(t.Store.id, t.Store.organisation_id).where(t.Store.code == store)
        ).one()
        buyer_id = conn.execute(select(t.Buyer.id).where(t.Buyer.name == buyer)).scalar()
        if buyer_id is None:
            buyer_id = conn.execute(
                insert(t.Buyer)
                .values(
                    organisation_id=org, name=buyer, country="US", language="en", created_at=NOW
                )
                .returning(t.Buyer.id)
            ).scalar_one()
        return int(
            conn.execute(
                insert(t.Order)
                .values(
                    store_id=store_id,
                    buyer_id=buyer_id,
                    order_number=number,
                    status="shipped",
                    total_cents=2000,
                    total_usd_cents=2000,
                    ship_to_country="US" if store == "amazon-us" else "ES",
                    placed_at=NOW - timedelta(days=30),
                    promised_delivery_at=promised,
                )
                .returning(t.Order.id)
            ).scalar_one()
        )


def _parcel(
    kefu: Kefu,
    order_id: int,
    number: str,
    status: str,
    days_ago: float,
    carrier: str = "China Post",
) -> int:
    at = NOW - timedelta(days=days_ago)
    with kefu.engine.begin() as conn:
        return int(
            conn.execute(
                insert(t.Parcel)
                .values(
                    order_id=order_id,
                    carrier=carrier,
                    tracking_number=number,
                    shipped_at=NOW - timedelta(days=25),
                    latest_status=status,
                    latest_event_at=at,
                    status_since=at,
                )
                .returning(t.Parcel.id)
            ).scalar_one()
        )


@pytest.fixture
def shop(kefu: Kefu, team: dict[str, int]) -> dict[str, int]:
    """On top of the catalog's A-STUCK (customs hold 2 days, no conversation): ali-global
    A-POST waiting at the post office for a day (team's ali conversation), A-QUIET silent
    for 12 days, A-SOON promised in 2 days; amazon-us U-LOST lost 3 days ago."""
    post = _order(kefu, "ali-global", "A-POST", "Ana García", None)
    quiet = _order(kefu, "ali-global", "A-QUIET", "Ana García", None)
    soon = _order(kefu, "ali-global", "A-SOON", "Ana García", NOW + timedelta(days=2))
    lost = _order(kefu, "amazon-us", "U-LOST", "John Miller", None)
    ids = {
        "post": _parcel(kefu, post, "LP00000000001", "awaiting_pickup", 1),
        "quiet": _parcel(kefu, quiet, "LP00000000002", "in_transit", 12),
        "soon": _parcel(kefu, soon, "LP00000000003", "in_transit", 1),
        "lost": _parcel(kefu, lost, "1Z999AA10123456784", "lost", 3, carrier="UPS"),
    }
    with kefu.engine.begin() as conn:
        conn.execute(
            update(t.Conversation).where(t.Conversation.id == team["ali"]).values(order_id=post)
        )
        ids["stuck"] = conn.execute(
            select(t.Parcel.id).where(t.Parcel.tracking_number == "LX123456789CN")
        ).scalar_one()
    return ids | {"ali": team["ali"]}


def _board(kefu: Kefu, who: str = "owner", **filters: object) -> logistics.Board:
    return logistics.board(
        acting(kefu, who),
        BoardFilters(**filters),
        uow=kefu.uow(),
        clock=kefu.clock,  # type: ignore[arg-type]
    )


def _shop_messages(kefu: Kefu, conversation_id: int | None = None) -> list[tuple[str, str | None]]:
    query = select(t.Message.text, t.Message.template_key).where(t.Message.direction == "shop")
    if conversation_id is not None:
        query = query.where(t.Message.conversation_id == conversation_id)
    with kefu.engine.connect() as conn:
        return [(text, key) for text, key in conn.execute(query)]


def test_the_board_lists_each_anomaly_worst_first(kefu: Kefu, shop: dict[str, int]) -> None:
    found = _board(kefu)
    lines = [(x.row.parcel_id, x.found.anomaly) for x in found.lines]
    assert lines == [
        (shop["lost"], Anomaly.LOST),
        (shop["stuck"], Anomaly.CUSTOMS),
        (shop["quiet"], Anomaly.NO_UPDATE),
        (shop["post"], Anomaly.AWAITING_PICKUP),
        (shop["soon"], Anomaly.PROMISE_AT_RISK),
    ]
    assert found.total == 5 and sum(found.counts.values()) == 5
    assert [x.proposal.template for x in found.lines] == [
        None,  # Amazon: a task
        "customs_information_required",
        "tracking_no_update",
        "tracking_at_post_office",
        "promise_at_risk",
    ]
    assert found.conversations == {found.lines[3].row.order_id: shop["ali"]}
    assert [x.row.parcel_id for x in _board(kefu, "lina").lines] == [
        shop["stuck"],
        shop["quiet"],
        shop["post"],
        shop["soon"],
    ]  # lina has ali-global only
    only = _board(kefu, anomaly=Anomaly.NO_UPDATE, carrier="China Post", destination="ES")
    assert [x.row.parcel_id for x in only.lines] == [shop["quiet"]]
    assert _board(kefu, destination="FR").total == 0


def test_one_click_sends_the_template_through_the_gate_once(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    lina = acting(kefu, "lina")
    notifier = Notifier(kefu.replies, kefu.uow, kefu.clock)
    sent = notifier.act(lina, shop["post"], "awaiting_pickup")
    assert (sent.outcome, sent.conversation_id) == (Outcome.SENT, shop["ali"])
    messages = _shop_messages(kefu, shop["ali"])
    assert len(messages) == 1
    text, key = messages[0]
    assert key == "tracking_at_post_office"
    assert text.startswith("¡Hola, Ana!") and "LP00000000001" in text  # the buyer's Spanish
    assert "{" not in text
    again = notifier.act(lina, shop["post"], "awaiting_pickup")
    assert again.outcome == Outcome.ALREADY
    assert len(_shop_messages(kefu, shop["ali"])) == 1
    assert shop["post"] not in [x.row.parcel_id for x in _board(kefu).lines]
    shown = _board(kefu, show_handled=True).lines
    handled = [x for x in shown if x.row.parcel_id == shop["post"]]
    assert len(handled) == 1 and handled[0].handled_at == NOW
    with kefu.engine.connect() as conn:
        notice = conn.execute(select(t.ParcelNotice.message_id, t.ParcelNotice.anomaly)).all()
    assert len(notice) == 1 and notice[0][0] is not None


def test_bulk_sends_or_makes_tasks_and_amazon_gets_no_message(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    owner = acting(kefu, "owner")
    notifier = Notifier(kefu.replies, kefu.uow, kefu.clock)
    items = [
        (shop["lost"], "lost"),
        (shop["stuck"], "customs"),
        (shop["post"], "awaiting_pickup"),
        (shop["post"], "lost"),  # not this parcel's anomaly
        (999999, "lost"),
    ]
    done = notifier.act_many(owner, items)
    assert [(a.outcome, a.code) for a in done] == [
        (Outcome.TASK, None),
        (Outcome.TASK, None),  # no conversation for A-STUCK
        (Outcome.SENT, None),
        (Outcome.REFUSED, "not_an_anomaly"),
        (Outcome.REFUSED, "not_found"),
    ]
    assert [a.outcome for a in notifier.act_many(owner, items[:3])] == [Outcome.ALREADY] * 3
    with kefu.engine.connect() as conn:
        amazon_shop_messages = conn.execute(
            select(func.count())
            .select_from(t.Message)
            .join(t.Store, t.Store.id == t.Message.store_id)
            .where(t.Store.code == "amazon-us", t.Message.direction == "shop")
        ).scalar_one()
        keys = conn.execute(select(t.Task.key).order_by(t.Task.id)).scalars().all()
    assert amazon_shop_messages == 0
    assert keys == [f"parcel:{shop['lost']}:lost", f"parcel:{shop['stuck']}:customs"]
    assert len(_shop_messages(kefu)) == 1
    assert _board(kefu).total == 2  # quiet and soon are left


def test_a_refusal_by_the_gate_is_that_lines_outcome(kefu: Kefu, shop: dict[str, int]) -> None:
    with kefu.engine.begin() as conn:  # no buyer name: the template cannot be filled
        conn.execute(update(t.Buyer).where(t.Buyer.name == "Ana García").values(name=None))
    done = Notifier(kefu.replies, kefu.uow, kefu.clock).act_many(
        acting(kefu, "owner"), [(shop["post"], "awaiting_pickup")]
    )
    assert [(a.outcome, a.code) for a in done] == [(Outcome.REFUSED, "template_missing_values")]
    assert _shop_messages(kefu) == []


def test_thresholds_are_for_leads_and_change_the_board(kefu: Kefu, shop: dict[str, int]) -> None:
    url = "/api/v1/stores/ali-global/logistics-settings"
    with signed_in(kefu, "lina") as client:
        assert client.get(url).status_code == 403
        assert client.put(url, json={"no_update_days": {"*": 20}}).status_code == 403
    with pytest.raises(Forbidden):
        logistics.thresholds(acting(kefu, "lina"), "ali-global", uow=kefu.uow())
    with signed_in(kefu, "lena") as client:
        assert client.get(url).json() == {
            "no_update_days": {"*": 10},
            "pickup_days": 0,
            "promise_at_risk_days": 3,
        }
        wanted = {
            "no_update_days": {"*": 15, "US": 12},
            "pickup_days": 2,
            "promise_at_risk_days": 1,
        }
        saved = client.put(url, json=wanted)
        assert saved.status_code == 200, saved.text
        assert client.get(url).json() == wanted
        wrong = client.put(url, json={"no_update_days": {"US": 3}})
        assert wrong.status_code == 422
        assert "no_update_days" in wrong.text
        board = client.get("/api/v1/logistics/board").json()
    assert [(x["parcel_id"], x["anomaly"]) for x in board["lines"]] == [
        (shop["lost"], "lost"),
        (shop["stuck"], "customs"),
    ]  # 12 days < 15, a day at the post office < 2, 2 days left > 1
    assert board["counts"]["lost"] == 1 and board["total"] == 2
    with kefu.engine.connect() as conn:
        audited = (
            conn.execute(
                select(t.AuditEntry.after).where(t.AuditEntry.action == "logistics_settings")
            )
            .scalars()
            .all()
        )
    assert audited == [wanted]


def test_the_api_acts_and_lists_tasks(kefu: Kefu, shop: dict[str, int]) -> None:
    with signed_in(kefu, "owner") as client:
        acted = client.post(
            "/api/v1/logistics/actions",
            json={"items": [{"parcel_id": shop["lost"], "anomaly": "lost"}]},
        )
        assert acted.status_code == 200, acted.text
        assert [a["outcome"] for a in acted.json()] == ["task"]
        assert client.post("/api/v1/logistics/actions", json={"items": []}).status_code == 422
        listed = client.get("/api/v1/tasks").json()
        assert [x["key"] for x in listed] == [f"parcel:{shop['lost']}:lost"]
        task_id = listed[0]["id"]
        first = client.post(f"/api/v1/tasks/{task_id}/done").json()
        assert first["done_at"] is not None
        assert client.post(f"/api/v1/tasks/{task_id}/done").json() == first
        assert client.get("/api/v1/tasks").json() == []
        assert len(client.get("/api/v1/tasks", params={"state": "all"}).json()) == 1
    with signed_in(kefu, "lina") as client:  # no amazon-us store
        assert client.get("/api/v1/tasks", params={"state": "all"}).json() == []
        assert client.post(f"/api/v1/tasks/{task_id}/done").status_code == 404


def test_the_page_sends_one_line_and_shows_the_outcome(kefu: Kefu, shop: dict[str, int]) -> None:
    with signed_in(kefu, "lina", locale="en") as client:
        page = client.get("/logistics")
        assert page.status_code == 200
        assert page.text.count('data-testid="logistics-line"') == 4
        assert 'id="logistics-chart"' in page.text and "Waiting at the post office" in page.text
        sent = client.post(
            "/logistics/actions",
            data={
                "csrf_token": hidden(page.text, "csrf_token"),
                "one": f"{shop['post']}:awaiting_pickup",
                "item": f"{shop['quiet']}:no_update",  # checked, but one row's button wins
            },
        )
        assert sent.status_code == 200, sent.text
        assert 'data-outcome="sent"' in sent.text
        assert sent.text.count('data-testid="logistics-result"') == 1
    with signed_in(kefu, "owner", locale="zh_CN") as client:
        html = client.get("/logistics").text
        assert "物流" in html and "海关" in html
        assert 'data-testid="logistics-settings"' in html
    assert len(_shop_messages(kefu)) == 1


def test_a_stale_provider_is_said_on_the_board(kefu: Kefu, shop: dict[str, int]) -> None:
    since = NOW - timedelta(hours=5)
    with kefu.engine.begin() as conn:
        conn.execute(insert(t.TrackingProviderState).values(name="17track", stale_since=since))
    assert _board(kefu).stale_since == {"17track": since}
    with signed_in(kefu, "owner", locale="en") as client:
        assert 'data-testid="tracking-stale"' in client.get("/logistics").text


def test_the_demo_shop_has_a_parcel_of_each_kind_on_the_board(tmp_path: Path) -> None:
    """The demo's board parcels (demo/parcels.py): the parcel at the post office has its
    buyer's conversation, the Amazon one is a task; one line of each anomaly at least but
    the buyer's word after delivery (the demo's classifier decides that one)."""
    app = bootstrap(
        Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}"), clock=FixedClock(NOW)
    )
    app.upgrade()
    build_demo(app, seed=7, now=NOW, size=DemoSize().scaled(0.02))
    owner = acting(app, None)
    found = logistics.board(owner, BoardFilters(page_size=10_000), uow=app.uow(), clock=app.clock)
    by_order = {x.row.order_number: x for x in found.lines}
    post = by_order[POST_OFFICE_ORDER]
    assert post.found.anomaly == Anomaly.AWAITING_PICKUP
    assert found.conversations.get(post.row.order_id) is not None
    amazon = by_order[AMAZON_LOST_ORDER]
    assert (amazon.found.anomaly, amazon.proposal.is_task) == (Anomaly.LOST, True)
    seen = {x.found.anomaly for x in found.lines}
    assert seen >= set(Anomaly) - {Anomaly.DELIVERED_NOT_RECEIVED}
    app.close()


def test_the_benchmark_shop_fills_and_measures(kefu: Kefu) -> None:
    """`kefu bench logistics` at a small size: every anomaly the mix holds is listed."""
    kefu.fill_board_parcels(2_000)
    with kefu.engine.connect() as conn:
        parcels = conn.execute(select(func.count()).select_from(t.Parcel)).scalar_one()
    assert parcels == 2_000 + 1  # and the catalog's A-STUCK
    measured = measure_board(kefu)
    assert measured["lines"] == sum(measured["counts"].values()) > 100
    assert measured["counts"]["delivered_not_received"] == 0
    assert set(measured["board_ms"]) == {"page 1", "no update only", "one store", "page 10"}


def test_the_settings_form_saves_or_names_the_wrong_line(kefu: Kefu, shop: dict[str, int]) -> None:
    with signed_in(kefu, "lena", locale="en") as client:
        page = client.get("/logistics").text
        assert page.count('data-testid="logistics-settings"') == 4  # one per store
        form = {
            "csrf_token": hidden(page, "csrf_token"),
            "no_update_days": "* = 12\nChina Post/ES = 20",
            "pickup_days": "1",
            "promise_at_risk_days": "3",
        }
        saved = client.post("/logistics/settings/ali-global", data=form, follow_redirects=False)
        assert saved.status_code == 303, saved.text
        wrong = client.post(
            "/logistics/settings/ali-global", data=form | {"no_update_days": "US = twelve"}
        )
        assert wrong.status_code == 422 and "no_update_days" in wrong.text
        missing = client.post(
            "/logistics/settings/ali-global", data=form | {"no_update_days": "US = 3"}
        )
        assert missing.status_code == 422 and "no_update_days" in missing.text
        odd = client.post(
            "/logistics/actions?page=0&anomaly=nope", data={"csrf_token": form["csrf_token"]}
        )
        assert odd.status_code == 200 and 'data-testid="logistics-error"' in odd.text
    th = logistics.thresholds(acting(kefu, "owner"), "ali-global", uow=kefu.uow())
    assert (dict(th.no_update_days), th.pickup_days) == ({"*": 12, "China Post/ES": 20}, 1)


def test_the_job_makes_a_task_for_each_new_amazon_anomaly_once(
    kefu: Kefu, shop: dict[str, int]
) -> None:
    assert logistics.make_platform_tasks(kefu.uow(), kefu.clock) == 1
    assert logistics.make_platform_tasks(kefu.uow(), kefu.clock) == 0
    with kefu.engine.connect() as conn:
        tasks = conn.execute(select(t.Task.key, t.Task.created_by)).all()
        shop_messages = conn.execute(
            select(func.count()).select_from(t.Message).where(t.Message.direction == "shop")
        ).scalar_one()
    assert tasks == [(f"parcel:{shop['lost']}:lost", None)]
    assert shop_messages == 0
    assert shop["lost"] not in [x.row.parcel_id for x in _board(kefu).lines]  # handled
    done = Notifier(kefu.replies, kefu.uow, kefu.clock).act(
        acting(kefu, "owner"), shop["lost"], "lost"
    )
    assert done.outcome == Outcome.ALREADY


def test_a_delivered_parcel_the_buyer_says_never_came_is_listed_once(
    kefu: Kefu, shop: dict[str, int], team: dict[str, int]
) -> None:
    order = _order(kefu, "ebay-uk", "E-GONE", "Olivia Brown", None)
    parcel = _parcel(kefu, order, "YT0000000000000009", "delivered", 5, carrier="YunExpress")
    early = _order(kefu, "ebay-uk", "E-EARLY", "Olivia Brown", None)
    _parcel(kefu, early, "YT0000000000000010", "delivered", 5, carrier="YunExpress")
    with kefu.engine.begin() as conn:
        for conversation, order_id, wrote in (
            (team["ebay"], order, NOW - timedelta(hours=1)),  # after the delivery
            (team["ali"], early, NOW - timedelta(days=6)),  # before it: not counted
        ):
            conn.execute(
                update(t.Conversation)
                .where(t.Conversation.id == conversation)
                .values(order_id=order_id, intent="not_received", last_buyer_message_at=wrote)
            )
    lines = [x for x in _board(kefu).lines if x.found.anomaly == Anomaly.DELIVERED_NOT_RECEIVED]
    assert [(x.row.parcel_id, x.found.days) for x in lines] == [(parcel, 5)]
    assert lines[0].proposal.template == "delivered_not_received"
    assert _board(kefu, destination="ES").counts[Anomaly.DELIVERED_NOT_RECEIVED] == 1
    assert _board(kefu, destination="FR").counts[Anomaly.DELIVERED_NOT_RECEIVED] == 0
