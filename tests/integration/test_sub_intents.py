"""Sub-intents on a real database: written with the triage on ingest and on `kefu model
apply`, set by an agent's correction (menu, API), filtered on, shown in the API."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu, bootstrap
from kefu.config import Settings
from kefu.demo.build import DemoSize, build_demo
from kefu.domain.errors import InvalidInput
from kefu.domain.intents import SUB_INTENTS
from kefu.services import inbox
from kefu.services.readmodels import InboxFilters
from kefu.services.reports import kpi_dashboard
from tests.factories import NOW, acting, make_message
from tests.web import signed_in

SHORT = "I ordered 3 mugs but only 2 arrived, one is missing from the parcel"
INVOICE = "please send me a VAT invoice for my order"


def _messages(kefu: Kefu) -> list[t.Message]:
    with kefu.session_factory() as session:
        return list(session.scalars(select(t.Message).order_by(t.Message.id)))


def _corrections(kefu: Kefu) -> list[tuple[str, str | None, str | None]]:
    with kefu.session_factory() as session:
        rows = session.execute(
            select(
                t.IntentCorrection.intent,
                t.IntentCorrection.sub_intent,
                t.IntentCorrection.previous,
            ).order_by(t.IntentCorrection.id)
        )
        return [(r[0], r[1], r[2]) for r in rows]


def _ingest(kefu: Kefu, *texts: str) -> list[t.Message]:
    batch = [
        make_message(n, buyer_id=f"b-{n}", text=text, buyer_language=None)
        for n, text in enumerate(texts, start=1)
    ]
    inbox.ingest(batch, kefu.uow(), kefu.clock, classifier=kefu.classifier())
    return _messages(kefu)


def test_ingest_stores_the_sub_intent_with_the_triage(kefu: Kefu) -> None:
    rows = _ingest(kefu, SHORT, INVOICE, "hello, do you have this in red?")
    assert len(rows) == 3
    by_text = {m.text: m for m in rows}
    assert (by_text[SHORT].intent, by_text[SHORT].sub_intent) == ("wrong_item", "short_shipment")
    assert (by_text[INVOICE].intent, by_text[INVOICE].sub_intent) == ("payment", "invoice")
    assert by_text["hello, do you have this in red?"].sub_intent is None


def test_retriage_writes_sub_intents_of_messages_stored_untriaged(kefu: Kefu) -> None:
    inbox.ingest(
        [make_message(1, text=SHORT, buyer_language=None)], kefu.uow(), kefu.clock
    )  # no classifier: stored untriaged
    assert _messages(kefu)[0].sub_intent is None
    assert inbox.retriage(kefu.uow, kefu.classifier()) == 1
    assert _messages(kefu)[0].sub_intent == "short_shipment"


def test_a_correction_to_a_sub_intent_stores_both_and_survives_retriage(kefu: Kefu) -> None:
    [message] = _ingest(kefu, "hmm ok so what now")
    lead = acting(kefu, 1)
    inbox.correct_intent(
        lead, message.id, "customs_duty", sub_intent="low_declaration", uow=kefu.uow(),
        clock=kefu.clock,
    )  # fmt: skip
    [stored] = _messages(kefu)
    assert (stored.intent, stored.sub_intent, stored.triage_version) == (
        "customs_duty",
        "low_declaration",
        "corrected",
    )
    assert _corrections(kefu) == [("customs_duty", "low_declaration", message.intent)]
    assert inbox.retriage(kefu.uow, kefu.classifier()) == 0
    assert _messages(kefu)[0].sub_intent == "low_declaration"
    with kefu.session_factory() as session:
        audit = session.scalars(
            select(t.AuditEntry).where(t.AuditEntry.action == "correct_intent")
        ).one()
    assert audit.after == {"intent": "customs_duty", "sub_intent": "low_declaration"}


def test_a_correction_to_a_plain_intent_clears_the_sub_intent(kefu: Kefu) -> None:
    [message] = _ingest(kefu, SHORT)
    assert message.sub_intent == "short_shipment"
    inbox.correct_intent(acting(kefu, 1), message.id, "refund", uow=kefu.uow(), clock=kefu.clock)
    [stored] = _messages(kefu)
    assert (stored.intent, stored.sub_intent) == ("refund", None)
    assert _corrections(kefu) == [("refund", None, "wrong_item")]


@pytest.mark.parametrize(
    ("intent", "sub_intent"),
    [("payment", "samples"), ("wrong_item", "invoice"), ("wrong_item", "broken_zip")],
)
def test_a_sub_intent_outside_its_parent_is_refused(
    kefu: Kefu, intent: str, sub_intent: str
) -> None:
    [message] = _ingest(kefu, SHORT)
    with pytest.raises(InvalidInput) as refused:
        inbox.correct_intent(
            acting(kefu, 1), message.id, intent, sub_intent=sub_intent, uow=kefu.uow(),
            clock=kefu.clock,
        )  # fmt: skip
    assert refused.value.params["field"] == "sub_intent"
    assert (_messages(kefu)[0].intent, _messages(kefu)[0].sub_intent) == (
        "wrong_item",
        "short_shipment",
    )
    assert _corrections(kefu) == []


def test_the_inbox_filters_on_the_latest_buyer_messages_sub_intent(kefu: Kefu) -> None:
    _ingest(kefu, SHORT, INVOICE, "do you have this in size M?")
    with kefu.uow() as uow:
        short = uow.queries.inbox_page(InboxFilters(sub_intent="short_shipment")).rows
        invoices = uow.queries.inbox_page(InboxFilters(sub_intent="invoice")).rows
        samples = uow.queries.inbox_page(InboxFilters(sub_intent="samples")).rows
    assert [r.intent for r in short] == ["wrong_item"]
    assert [r.intent for r in invoices] == ["payment"]
    assert samples == []


def test_the_page_menu_and_the_api_set_a_sub_intent(kefu: Kefu) -> None:
    [first, second] = _ingest(kefu, "hmm ok so what now", "and another thing")
    with signed_in(kefu) as client:
        page = client.get(f"/conversations/{first.conversation_id}")
        assert 'value="short_shipment"' in page.text
        response = client.post(
            f"/messages/{first.id}/intent",
            data={"intent": "short_shipment"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        response = client.put(
            f"/api/v1/messages/{second.id}/intent",
            json={"intent": "payment", "sub_intent": "invoice"},
        )
        assert response.status_code == 204, response.text
        bad = client.put(
            f"/api/v1/messages/{second.id}/intent",
            json={"intent": "refund", "sub_intent": "invoice"},
        )
        assert bad.status_code == 422
        detail = client.get(f"/api/v1/conversations/{second.conversation_id}").json()
        schema = client.get("/openapi.json").json()["components"]["schemas"]
        page = client.get(f"/conversations/{first.conversation_id}")
    stored = [(m.intent, m.sub_intent) for m in _messages(kefu)]
    assert stored == [("wrong_item", "short_shipment"), ("payment", "invoice")]
    assert [m["sub_intent"] for m in detail["messages"]] == ["invoice"]
    assert "sub_intent" in schema["MessageView"]["properties"]
    assert "sub_intent" in schema["IntentIn"]["properties"]
    assert 'data-testid="sub-intent">少发<' in page.text  # the default UI language


def test_the_intents_list_names_the_sub_intents_under_each_parent(kefu: Kefu) -> None:
    with signed_in(kefu) as client:
        intents = client.get("/api/v1/intents").json()
    assert len(intents) == 24
    under = {i["intent"]: [s["sub_intent"] for s in i["sub_intents"]] for i in intents}
    assert under["wrong_item"] == ["short_shipment", "not_as_described"]
    assert under["customs_duty"] == ["low_declaration", "customs_hold"]
    assert sum(len(v) for v in under.values()) == 6
    labels = {s["sub_intent"]: s["label_zh"] for i in intents for s in i["sub_intents"]}
    assert labels["invoice"] == "索要发票"


def test_reports_break_each_parent_down_by_sub_intent(kefu: Kefu) -> None:
    _ingest(
        kefu,
        SHORT,
        "the dress I got is red, I ordered the blue one, wrong item",
        INVOICE,
        "hello, do you have this in size M?",
    )
    day = NOW.date()
    dashboard = kpi_dashboard(kefu.uow(), start=day - timedelta(days=2), end=day, now=NOW)
    rows = {r.intent: r for r in dashboard.by_intent}
    assert sum(r.messages for r in rows.values()) == 4
    wrong = rows["wrong_item"]
    assert (wrong.messages, wrong.share) == (2, 0.5)
    assert [(s.sub_intent, s.messages, s.share) for s in wrong.sub_intents] == [
        ("short_shipment", 1, 0.5),
        ("not_as_described", 0, 0.0),
    ]
    assert [(s.sub_intent, s.messages) for s in rows["payment"].sub_intents] == [("invoice", 1)]
    with signed_in(kefu) as client:
        query = f"from={day - timedelta(days=2)}&to={day}"
        api = client.get(f"/api/v1/reports/kpi?{query}").json()
        page = client.get(f"/reports?{query}")
        workbook = client.get(f"/reports/kpi.xlsx?{query}")
    [api_wrong] = [r for r in api["by_intent"] if r["intent"] == "wrong_item"]
    assert api_wrong["sub_intents"][0] == {
        "sub_intent": "short_shipment",
        "messages": 1,
        "share": 0.5,
    }
    assert page.status_code == 200
    assert 'data-sub-intent="short_shipment"' in page.text
    assert 'id="by-intent-data"' in page.text
    sheet = load_workbook(io.BytesIO(workbook.content))["By intent"]
    lines = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert lines[0] == ("intent", "sub_intent", "messages", "share")
    assert ("wrong_item", "short_shipment", 1, 0.5) in lines
    assert len(lines) == 1 + len(rows) + 3  # a line per intent and per sub-intent under one


def test_the_demo_shop_holds_every_sub_intent_through_normal_triage(tmp_path: Path) -> None:
    kefu = bootstrap(
        Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", import_dir=str(tmp_path / "i"))
    )
    kefu.upgrade()
    build_demo(kefu, seed=7, now=NOW, size=DemoSize().scaled(0.2))
    with kefu.session_factory() as session:
        rows = session.execute(
            select(t.Message.sub_intent, t.Message.intent)
            .where(t.Message.sub_intent.is_not(None))
            .distinct()
        )
        found = {str(sub): intent for sub, intent in rows}
    kefu.close()
    assert found == SUB_INTENTS  # all six, each under its parent
