"""Satisfaction ratings and open disputes on a real database, through the API and the
KPI report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.services import inbox
from kefu.services.ratings import ingest_ratings
from kefu.services.reports import kpi_report
from tests.factories import NOW, acting, make_message
from tests.web import signed_in


@pytest.fixture
def client(kefu: Kefu) -> Iterator[TestClient]:
    with signed_in(kefu, locale="en") as c:
        yield c


def _conversation(kefu: Kefu, key: str, **raw: object) -> int:
    inbox.ingest(
        [make_message(30, message_id=f"{key}-1", conversation_id=key, **raw)],
        kefu.uow(),
        kefu.clock,
    )
    with kefu.session_factory() as session:
        return int(
            session.scalars(
                select(t.Conversation.id).where(t.Conversation.platform_conversation_id == key)
            ).one()
        )


def _rating(key: str, score: object, **more: object) -> dict[str, object]:
    return {
        "store": "ali-global",
        "rating_id": f"{key}-r",
        "conversation_id": key,
        "score": score,
        "rated_at": (NOW - timedelta(hours=1)).isoformat(),
        **more,
    }


def test_ratings_are_stored_once_and_bad_rows_are_named(kefu: Kefu, client: TestClient) -> None:
    _conversation(kefu, "sat-1")
    _conversation(kefu, "sat-2")
    batch = [
        _rating("sat-1", 5, comment="very kind"),
        _rating("sat-2", 9),
        _rating("nowhere", 4),
        {**_rating("sat-2", 3), "store": "no-such-store"},
        _rating("sat-2", "2"),
        {**_rating("sat-2", True), "rating_id": "sat-2-bool"},
        {**_rating("sat-2", 4.5), "rating_id": "sat-2-half"},
    ]
    report = client.post("/api/v1/ratings", json=batch).json()
    assert (report["received"], report["accepted"], report["duplicates"]) == (7, 2, 0)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (2, "score"),
        (3, "conversation_id"),
        (4, "store"),
        (6, "score"),
        (7, "score"),
    ]
    again = client.post("/api/v1/ratings", json=[batch[0], batch[4]]).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)


def test_the_report_shows_satisfaction_by_day_store_and_agent(kefu: Kefu) -> None:
    held = _conversation(kefu, "sat-a")
    _conversation(kefu, "sat-b")
    with kefu.uow() as uow:
        lina = uow.queries.account_ids()["lina"]
    inbox.assign(acting(kefu), held, lina, uow=kefu.uow(), clock=kefu.clock)
    ingest_ratings([_rating("sat-a", 5), _rating("sat-b", 2)], kefu.uow(), kefu.clock)
    today = NOW.date()
    everyone = kpi_report(kefu.uow(), start=today, end=today, now=NOW).values()
    assert (everyone["satisfaction_ratings"], everyone["satisfaction_mean"]) == (2, 3.5)
    assert everyone["satisfied_share"] == 0.5
    hers = kpi_report(kefu.uow(), start=today, end=today, now=NOW, agent="lina").values()
    assert (hers["satisfaction_ratings"], hers["satisfaction_mean"]) == (1, 5.0)
    other = kpi_report(kefu.uow(), start=today, end=today, now=NOW, store="amazon-us")
    assert other.values()["satisfaction_ratings"] == 0
    assert other.values()["satisfaction_mean"] is None
    before = today - timedelta(days=3)
    assert (
        kpi_report(kefu.uow(), start=before, end=before, now=NOW).values()["satisfaction_ratings"]
        == 0
    )
