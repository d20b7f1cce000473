"""The deadlines board and the case limits over HTTP (docs/deadlines.md): the API, the page
in both languages, the team page's limits form; the owner alone sets limits, audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.services import deadlines, inbox
from tests.factories import NOW, acting, make_message
from tests.web import hidden, signed_in


def _overdue_case(kefu: Kefu, conversation_id: int) -> int:
    with kefu.engine.begin() as conn:
        store = conn.execute(select(t.Store.id).where(t.Store.code == "ebay-uk")).scalar_one()
        return int(
            conn.execute(
                insert(t.Case)
                .values(
                    store_id=store,
                    conversation_id=conversation_id,
                    kind="cancellation",
                    state="open",
                    is_open=True,
                    reason="other",
                    description="",
                    opened_at=NOW - timedelta(days=4),
                    updated_at=NOW - timedelta(days=4),
                    platform_due_at=NOW - timedelta(hours=2),
                    platform_due_source="computed",
                    platform_due_rule="ebay.cancellation.answer",
                    paused_seconds=0,
                    push_state="local",
                    online_shipping=False,
                    version=1,
                )
                .returning(t.Case.id)
            ).scalar_one()
        )


def test_the_api_lists_an_overdue_case_first_with_its_clock(
    kefu: Kefu, team: dict[str, int]
) -> None:
    case_id = _overdue_case(kefu, team["ebay"])
    with signed_in(kefu, "owner") as client:
        body = client.get("/api/v1/deadlines").json()
        assert (body["total"], body["overdue"]) == (3, 1)
        first = body["items"][0]
        assert (first["kind"], first["id"], first["urgency"]) == ("case", case_id, "overdue")
        assert first["seconds_left"] == -2 * 3600
        assert (first["clock"], first["platform_due_source"]) == ("platform", "computed")
        assert first["platform_due_rule"] == "ebay.cancellation.answer"
        assert [i["kind"] for i in body["items"]] == ["case", "conversation", "conversation"]
        assert body["by_agent"] != []  # the owner may assign: the summary comes along
        only = client.get("/api/v1/deadlines", params={"only": "overdue", "holder": "me"})
        assert only.json()["total"] == 0  # nobody gave the owner the case
        assert client.get("/api/v1/deadlines", params={"page": 0}).status_code == 422
        assert client.get("/api/v1/deadlines", params={"only": "soon"}).status_code == 422
        assert client.get("/api/v1/deadlines", params={"kind": "parcel"}).status_code == 422
    with signed_in(kefu, "lina") as client:  # ali-global only: no eBay case
        body = client.get("/api/v1/deadlines").json()
        assert [i["kind"] for i in body["items"]] == ["conversation"]
        assert body["by_agent"] == []


def test_the_page_shows_the_overdue_case_first_in_both_languages(
    kefu: Kefu, team: dict[str, int]
) -> None:
    _overdue_case(kefu, team["ebay"])
    with signed_in(kefu, "owner", locale="en") as client:
        html = client.get("/deadlines").text
        assert 'data-urgency="overdue"' in html.split('data-testid="deadline"')[1]
        assert "overdue by 2 h" in html and "Cancellation · Open, waiting for the shop" in html
        assert 'id="deadlines-chart"' in html
    with signed_in(kefu, "owner", locale="zh_CN") as client:
        html = client.get("/deadlines").text
        assert "已超时 2小时" in html and "取消订单 · 待店铺处理" in html


def test_only_the_owner_sets_case_limits_and_each_change_is_audited(
    kefu: Kefu, team: dict[str, int]
) -> None:
    lina = team["lina"]
    url = f"/api/v1/accounts/{lina}/case-limits"
    with signed_in(kefu, "lena") as client:  # a lead
        assert client.get(url).status_code == 403
        assert client.put(url, json={"max_refund_usd": 5}).status_code == 403
    with signed_in(kefu, "owner") as client:
        assert client.get(url).json() == {
            "max_refund_usd": None,
            "may_decline_return": True,
            "may_refuse_dispute": True,
        }
        limits = {"max_refund_usd": 50.5, "may_decline_return": False, "may_refuse_dispute": True}
        saved = client.put(url, json=limits)
        assert saved.status_code == 200, saved.text
        assert client.get(url).json() == limits
        assert client.put(url, json={"max_refund_usd": -1}).status_code == 422
        assert client.get("/api/v1/accounts/999999/case-limits").status_code == 404
    with kefu.uow() as uow:
        row = uow.case_limits.limits_of(lina)
    assert row is not None and row.max_refund_usd_cents == 5050
    assert row.updated_by == acting(kefu, "owner").account_id
    with kefu.engine.connect() as conn:
        audited = conn.execute(
            select(t.AuditEntry.after).where(t.AuditEntry.action == "set_case_limits")
        ).all()
    assert [a[0] for a in audited] == [
        {"max_refund_usd_cents": 5050, "may_decline_return": False, "may_refuse_dispute": True}
    ]


def test_the_team_page_form_sets_the_limits(kefu: Kefu, team: dict[str, int]) -> None:
    lina = team["lina"]
    with signed_in(kefu, "owner") as client:
        page = client.get(f"/team/{lina}")
        assert 'data-testid="case-limits-form"' in page.text
        sent = client.post(
            f"/team/{lina}/case-limits",
            data={
                "csrf_token": hidden(page.text, "csrf_token"),
                "max_refund_usd": "120.00",
                "may_refuse_dispute": "on",
            },
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text
        again = client.get(f"/team/{lina}").text
        assert 'value="120.00"' in again
        bad = client.post(
            f"/team/{lina}/case-limits",
            data={"csrf_token": hidden(page.text, "csrf_token"), "max_refund_usd": "12.345"},
        )
        assert bad.status_code == 422
    with kefu.uow() as uow:
        row = uow.case_limits.limits_of(lina)
    assert row is not None
    assert (row.max_refund_usd_cents, row.may_decline_return, row.may_refuse_dispute) == (
        12000,
        False,
        True,
    )


def test_breach_notifications_read_as_such(kefu: Kefu, team: dict[str, int]) -> None:
    inbox.ingest(
        [make_message(900, store="amazon-us", sent_at=(NOW - timedelta(hours=30)).isoformat())],
        kefu.uow(),
        kefu.clock,
    )
    deadlines.sweep(kefu.uow(), kefu.clock)
    _overdue_case(kefu, team["ebay"])
    deadlines.sweep(kefu.uow(), kefu.clock)
    with signed_in(kefu, "lena") as client:
        html = client.get("/notifications").text
        assert "一条买家消息已超过回复时限" in html
        listed = client.get("/api/v1/notifications")
        assert listed.status_code == 200, listed.text
        kinds = sorted({item["kind"] for item in listed.json()["items"]})
        assert kinds == ["breach", "case_breach"]
