"""The tracking webhook, orphans and the review of unmapped texts over HTTP
(docs/tracking.md): idempotent, per-event errors, limits, the token's scope."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.web.app import create_app
from tests.factories import acting
from tests.web import signed_in

STUCK = "LX123456789CN"
URL = "/api/v1/tracking-events"
DATA = Path(__file__).parents[1] / "data" / "17track"


def _client(kefu: Kefu, scopes: list[str]) -> Iterator[TestClient]:
    secret = kefu.auth.issue_token(
        acting(kefu, "owner"), "carrier", scopes, uow=kefu.uow(), clock=kefu.clock
    )
    with TestClient(create_app(kefu=kefu)) as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client


@pytest.fixture
def pusher(kefu: Kefu) -> Iterator[TestClient]:
    yield from _client(kefu, ["record_tracking"])


EVENTS: list[dict[str, Any]] = [
    {
        "carrier": "China Post",
        "tracking_number": STUCK,
        "occurred_at": "2026-11-20T09:00:00+01:00",
        "code": "EMJ",
        "description": "Disponible para recoger en oficina",
        "location": "Madrid",
    },
    {
        "tracking_number": STUCK,
        "occurred_at": "2026-11-19T08:00:00Z",
        "code": "customs_cleared",
        "status": "customs_cleared",
    },
    {
        "tracking_number": "RB111111111CN",
        "occurred_at": "2026-11-19T08:00:00+08:00",
        "code": "X",
        "description": "Zqx unknown words",
    },
]


def _status(kefu: Kefu) -> tuple[str | None, object]:
    with kefu.engine.connect() as conn:
        row = conn.execute(
            select(t.Parcel.latest_status, t.Parcel.status_since).where(
                t.Parcel.tracking_number == STUCK
            )
        ).one()
    return row[0], row[1]


def test_the_webhook_stores_events_once_and_reports_them(kefu: Kefu, pusher: TestClient) -> None:
    first = pusher.post(URL, json=EVENTS)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "received": 3,
        "added": 2,
        "duplicates": 0,
        "orphaned": 1,
        "unmapped": 0,
        "errors": [],
    }
    assert _status(kefu)[0] == "awaiting_pickup"
    again = pusher.post(URL, json=EVENTS).json()
    assert (again["added"], again["duplicates"], again["orphaned"]) == (0, 2, 1)


def test_each_bad_event_is_named_by_index_and_field(pusher: TestClient) -> None:
    bad: list[Any] = [
        {"tracking_number": STUCK, "occurred_at": "2026-11-20 09:00", "code": "A"},
        {"tracking_number": STUCK, "occurred_at": "2026-11-20T09:00:00+01:00"},
        {"tracking_number": STUCK, "occurred_at": "yesterday", "code": "A"},
        {
            "tracking_number": STUCK,
            "occurred_at": "2026-11-20T09:00:00Z",
            "code": "A",
            "carrier": {"x": 1},
        },
        {"tracking_number": "N" * 65, "occurred_at": "2026-11-20T09:00:00Z", "code": "A"},
        {
            "tracking_number": STUCK,
            "occurred_at": "2026-11-20T09:00:00Z",
            "code": "A",
            "status": "gone",
        },
        "not an object",
        EVENTS[0],
    ]
    body = pusher.post(URL, json=bad).json()
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (0, "occurred_at"),
        (1, "code"),
        (2, "occurred_at"),
        (3, "carrier"),
        (4, "tracking_number"),
        (5, "status"),
        (6, "(event)"),
    ]
    assert "time zone" in body["errors"][0]["reason"]
    assert "unknown shape" in body["errors"][3]["reason"]
    assert (body["received"], body["added"]) == (8, 1)


def test_limits_answer_413_and_422(kefu: Kefu, pusher: TestClient) -> None:
    too_many = [dict(EVENTS[0], code=f"C{n}") for n in range(1001)]
    refused = pusher.post(URL, json=too_many)
    assert refused.status_code == 422 and refused.json()["error"] == "too_many_events"
    huge = b"[" + b'"' + b"x" * (3 * 1024 * 1024) + b'"]'
    over = pusher.post(URL, content=huge, headers={"Content-Type": "application/json"})
    assert over.status_code == 413
    assert pusher.post(URL, json={"events": []}).status_code == 422
    assert (
        pusher.post(
            URL, content=b"{not json", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    with kefu.engine.connect() as conn:
        assert (
            conn.execute(select(t.TrackingEvent.id).where(t.TrackingEvent.code == "C0")).all() == []
        )


def test_a_token_without_the_scope_is_refused(kefu: Kefu) -> None:
    for client in _client(kefu, ["import_data"]):
        answer = client.post(URL, json=EVENTS)
        assert answer.status_code == 403
    with signed_in(kefu, "lina") as agent:  # a pre-sale agent: not a lead
        assert agent.post(URL, json=EVENTS).status_code == 403
        assert agent.get("/api/v1/tracking/unmapped").status_code == 403


def test_orphans_are_listed_and_unmapped_texts_mapped_by_a_lead(
    kefu: Kefu, pusher: TestClient
) -> None:
    pusher.post(URL, json=EVENTS)
    pusher.post(
        URL,
        json=[
            {
                "tracking_number": STUCK,
                "occurred_at": "2026-11-20T12:00:00Z",
                "code": "Z9",
                "description": "Paket   im Depot XY",
            }
        ],
    )
    assert _status(kefu)[0] == "in_transit"
    with signed_in(kefu, "owner") as owner:
        orphans = owner.get("/api/v1/tracking/orphans").json()
        assert orphans["total"] == 1
        assert [(o["tracking_number"], o["source"], o["events"]) for o in orphans["orphans"]] == [
            ("RB111111111CN", "webhook", 1)
        ]
        unmapped = owner.get("/api/v1/tracking/unmapped").json()
        assert [
            (u["text"], u["events"], u["example_tracking_number"]) for u in unmapped["texts"]
        ] == [("paket im depot xy", 1, STUCK)]
        rule = owner.post(
            "/api/v1/tracking/rules",
            json={"text": "PAKET im depot xy", "status": "awaiting_pickup"},
        )
        assert rule.status_code == 200, rule.text
        assert (rule.json()["events"], rule.json()["parcels"]) == (1, 1)
        assert owner.get("/api/v1/tracking/unmapped").json()["total"] == 0
        wrong = owner.post("/api/v1/tracking/rules", json={"text": "x", "status": "teleported"})
        assert wrong.status_code == 422
    assert _status(kefu)[0] == "awaiting_pickup"


def test_the_review_page_lists_texts_and_orphans_and_maps_a_text(
    kefu: Kefu, pusher: TestClient
) -> None:
    unknown = dict(EVENTS[0], code="Q1", description="Zqx held at depot")
    pusher.post(URL, json=[unknown, EVENTS[2]])
    with signed_in(kefu, "owner", locale="zh_CN") as owner:
        page = owner.get("/tracking/review")
        assert page.status_code == 200
        assert "物流轨迹审核" in page.text and "未知运单号的轨迹" in page.text
        assert page.text.count('data-testid="unmapped-text"') == 1
        assert page.text.count('data-testid="orphan"') == 1
        assert "Zqx held at depot" in page.text and "RB111111111CN" in page.text
        done = owner.post(
            "/tracking/review/rules",
            data={"text": "zqx held at depot", "status": "awaiting_pickup"},
            follow_redirects=True,
        )
        assert done.status_code == 200
        assert 'data-testid="mapped-notice"' in done.text
        assert done.text.count('data-testid="unmapped-text"') == 0
        assert done.text.count('data-testid="text-rule"') == 1
    assert _status(kefu)[0] == "awaiting_pickup"
    with signed_in(kefu, "lina") as agent:
        assert agent.get("/tracking/review").status_code == 403


def test_17tracks_push_is_read_by_its_adapter_and_stored_once(
    kefu: Kefu, pusher: TestClient
) -> None:
    answer = json.loads((DATA / "gettrackinfo.json").read_text(encoding="utf-8"))
    item = dict(answer["data"]["accepted"][0], number=STUCK)
    push = {"event": "TRACKING_UPDATED", "data": item}
    first = pusher.post(URL, json=push)
    assert first.status_code == 200, first.text
    body = first.json()
    events = sum(len(p["events"]) for p in item["track_info"]["tracking"]["providers"])
    assert body["added"] >= 1 and body["added"] + body["duplicates"] <= events
    # The document's events are from 2022, older than the parcel's latest: it stays put.
    assert _status(kefu)[0] == "customs_hold"
    again = pusher.post(URL, json=push).json()
    assert (again["added"], again["duplicates"]) == (0, body["added"])
    with kefu.engine.connect() as conn:
        stored = conn.execute(
            select(t.TrackingEvent.id).where(t.TrackingEvent.source == "17track")
        ).all()
    assert len(stored) == body["added"]
    stopped = pusher.post(URL, json={"event": "TRACKING_STOPPED", "data": {"number": STUCK}})
    assert stopped.json()["received"] == 0
    assert pusher.post(URL, json={"event": "OTHER", "data": {}}).status_code == 422
    assert pusher.post(URL, json={"event": "TRACKING_UPDATED", "data": {}}).status_code == 422
