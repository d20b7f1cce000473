"""Use cases decide who may act and what they see, whoever calls them: the rules hold when
a use case is called directly, with no web handler in front of it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.shopfacts import ShopFacts
from kefu.services import inbox, replies, views
from kefu.services.access import Forbidden
from kefu.services.auth import AuditQuery
from kefu.services.readmodels import InboxFilters
from kefu.web.app import create_app
from tests.factories import acting, make_message
from tests.web import sign_in


def test_a_lead_assigns_to_agents_of_the_store_not_to_an_analyst_or_the_owner(
    kefu: Kefu, team: dict[str, int]
) -> None:
    lead = acting(kefu, "lena")
    for target, reason in (("ana", "does not work the inbox"), ("owner", "main account")):
        with pytest.raises(InvalidInput, match=reason):
            inbox.assign(
                lead, team["ali"], acting(kefu, target).account_id, uow=kefu.uow(), clock=kefu.clock
            )
    with pytest.raises(InvalidInput, match="not given the conversation's store"):
        inbox.assign(
            lead, team["ebay"], acting(kefu, "lina").account_id, uow=kefu.uow(), clock=kefu.clock
        )
    inbox.assign(
        lead, team["ali"], acting(kefu, "lina").account_id, uow=kefu.uow(), clock=kefu.clock
    )
    owner = acting(kefu)
    inbox.assign(owner, team["ebay"], owner.account_id, uow=kefu.uow(), clock=kefu.clock)
    detail = views.conversation(owner, team["ebay"], uow=kefu.uow(), clock=kefu.clock)
    assert detail.assignee_id == owner.account_id


def test_the_api_answers_a_named_422_for_an_assignee_who_cannot_work_the_inbox(
    kefu: Kefu, team: dict[str, int]
) -> None:
    with TestClient(create_app(kefu=kefu)) as client:
        sign_in(client, kefu, "lena")
        analyst = acting(kefu, "ana").account_id
        response = client.put(
            f"/api/v1/conversations/{team['ali']}/assignee", json={"assignee_id": analyst}
        )
    assert response.status_code == 422
    assert response.json()["field"] == "assignee_id"


def test_every_inbox_use_case_refuses_a_role_without_the_permission(
    kefu: Kefu, team: dict[str, int]
) -> None:
    analyst, cid = acting(kefu, "ana"), team["ali"]
    calls = [
        lambda: inbox.set_mark(analyst, cid, "red", uow=kefu.uow(), clock=kefu.clock),
        lambda: inbox.assign(analyst, cid, None, uow=kefu.uow(), clock=kefu.clock),
        lambda: inbox.close(analyst, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: inbox.reopen(analyst, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: inbox.mark_read(analyst, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: inbox.reply(
            analyst, cid, "Hi", request_id="r", uow=kefu.uow(), clock=kefu.clock, gate=kefu.gate
        ),
        lambda: inbox.correct_intent(analyst, 1, "complaint", uow=kefu.uow(), clock=kefu.clock),
        lambda: views.inbox_page(analyst, InboxFilters(), uow=kefu.uow()),
        lambda: views.conversation(analyst, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: kefu.replies.suggestions(analyst, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: kefu.replies.check_text(analyst, cid, "Hi", uow=kefu.uow(), clock=kefu.clock),
        lambda: kefu.translation.translate_message(analyst, 1, "zh"),
        lambda: replies.save_facts(
            analyst, team["ebay_store"], ShopFacts(), uow=kefu.uow(), clock=kefu.clock
        ),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert len(calls) == 13


def test_a_token_holds_no_more_than_its_scopes_inside_the_use_case(
    kefu: Kefu, team: dict[str, int]
) -> None:
    reader = replace(acting(kefu), scopes=frozenset({"view_inbox"}))
    assert views.conversation(reader, team["ali"], uow=kefu.uow(), clock=kefu.clock)
    with pytest.raises(Forbidden):
        inbox.reply(
            reader,
            team["ali"],
            "Hi",
            request_id="r",
            uow=kefu.uow(),
            clock=kefu.clock,
            gate=kefu.gate,
        )


def test_another_stores_conversation_is_not_there_for_every_use_case(
    kefu: Kefu, team: dict[str, int]
) -> None:
    lina, cid = acting(kefu, "lina"), team["ebay"]
    with kefu.uow() as uow:
        message_id = uow.queries.conversation_detail(cid, kefu.clock.now()).messages[0].id  # type: ignore[union-attr]
    calls = [
        lambda: views.conversation(lina, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: views.conversation_screen(lina, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: views.message_translations(lina, message_id, uow=kefu.uow()),
        lambda: inbox.set_mark(lina, cid, "red", uow=kefu.uow(), clock=kefu.clock),
        lambda: inbox.close(lina, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: inbox.mark_read(lina, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: inbox.reply(
            lina, cid, "Hi", request_id="r", uow=kefu.uow(), clock=kefu.clock, gate=kefu.gate
        ),
        lambda: inbox.correct_intent(
            lina, message_id, "complaint", uow=kefu.uow(), clock=kefu.clock
        ),
        lambda: kefu.replies.suggestions(lina, cid, uow=kefu.uow(), clock=kefu.clock),
        lambda: kefu.replies.check_text(lina, cid, "Hi", uow=kefu.uow(), clock=kefu.clock),
        lambda: kefu.translation.translate_message(lina, message_id, "zh"),
        lambda: kefu.translation.draft(lina, cid, "你好", "zh"),
        lambda: views.template_overrides(lina, team["ebay_store"], uow=kefu.uow()),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert len(calls) == 13
    page = views.inbox_page(lina, InboxFilters(), uow=kefu.uow())
    assert [r.id for r in page.rows] == [team["ali"]]
    options = views.filter_options(lina, uow=kefu.uow())
    assert [name for _, name in options["stores"]] == ["Sunrise Fashion · AliExpress"]


def test_a_leads_audit_log_hides_actions_on_conversations_the_lead_does_not_see(
    kefu: Kefu, team: dict[str, int]
) -> None:
    """The visibility rule governs the audit log too: a colour mark on a conversation about
    a product another agent manages is as hidden from the lead as the conversation."""
    inbox.ingest(
        [make_message(3, buyer_id="b-9", conversation_id="tent", product_sku="SKU-TENT")],
        kefu.uow(),
        kefu.clock,
    )
    owner = acting(kefu)
    with kefu.session_factory() as session:
        tent_conv = session.scalar(
            select(t.Conversation.id).where(t.Conversation.platform_conversation_id == "tent")
        )
        tent = session.scalar(select(t.Product.id).where(t.Product.sku == "SKU-TENT"))
    assert tent_conv is not None and tent is not None
    kefu.auth.set_products(
        owner, acting(kefu, "wangwei").account_id, [tent], uow=kefu.uow(), clock=kefu.clock
    )
    for cid in (team["ali"], tent_conv):
        inbox.set_mark(owner, cid, "red", uow=kefu.uow(), clock=kefu.clock)
    lead = acting(kefu, "lena")
    page = kefu.auth.audit_page(lead, AuditQuery(action="set_mark"), uow=kefu.uow())
    assert [(r.entity_type, r.entity_id) for r in page.rows] == [("conversation", team["ali"])]
    everything = kefu.auth.audit_page(owner, AuditQuery(action="set_mark"), uow=kefu.uow())
    assert len(everything.rows) == 2
