"""Replies: suggestions, the policy check, templates and each store's reply settings."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from kefu.domain.autoreply import AutoReplySettings
from kefu.domain.policy import PolicyResult
from kefu.domain.shopfacts import ShopFacts
from kefu.services import replies as reply_service
from kefu.services import views
from kefu.web.deps import KefuDep
from kefu.web.params import Id
from kefu.web.schemas import (
    AutoRepliesIn,
    FindingOut,
    PolicyOut,
    ReplyOut,
    ReplySettingsOut,
    ReplyWithPolicyIn,
    ShopFactsIn,
    SuggestionOut,
    TemplateOut,
    TextIn,
    WithheldOut,
    WordingIn,
)
from kefu.web.security import InboxViewer, Replier, TemplateManager

router = APIRouter(prefix="/api/v1", tags=["replies"])


@router.get(
    "/conversations/{conversation_id}/suggestions",
    response_model=list[SuggestionOut],
    summary="Up to three templates for the buyer's question, filled from the order",
)
def get_suggestions(
    conversation_id: Id,
    kefu: KefuDep,
    who: InboxViewer,
    agent_language: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> list[SuggestionOut]:
    found = kefu.replies.suggestions(
        who, conversation_id, uow=kefu.uow(), clock=kefu.clock, agent_language=agent_language
    )
    return [SuggestionOut(**dataclasses.asdict(s)) for s in found]


@router.get(
    "/conversations/{conversation_id}/withheld",
    response_model=list[WithheldOut],
    summary="Templates that fit the question but state something untrue now, with the reason",
)
def get_withheld(
    conversation_id: Id,
    kefu: KefuDep,
    who: TemplateManager,
    agent_language: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> list[WithheldOut]:
    found = kefu.replies.withheld(
        who, conversation_id, uow=kefu.uow(), clock=kefu.clock, agent_language=agent_language
    )
    return [WithheldOut(**dataclasses.asdict(w)) for w in found]


@router.post(
    "/conversations/{conversation_id}/policy-check",
    response_model=PolicyOut,
    summary="The platform's rules on a draft, each finding with its place in the text",
)
def post_policy_check(
    conversation_id: Id, body: TextIn, kefu: KefuDep, who: InboxViewer
) -> PolicyOut:
    return policy_out(
        kefu.replies.check_text(who, conversation_id, body.text, uow=kefu.uow(), clock=kefu.clock)
    )


def policy_out(result: PolicyResult) -> PolicyOut:
    return PolicyOut(
        blocked=result.blocked,
        findings=[
            FindingOut(
                rule=f.rule.value,
                severity=f.severity.value,
                start=f.start,
                end=f.end,
                excerpt=f.excerpt,
                message=f.message,
                fix=f.fix,
            )
            for f in result.findings
        ],
    )


@router.post(
    "/conversations/{conversation_id}/replies",
    response_model=ReplyOut,
    status_code=201,
    summary="Reply to the buyer after the policy check; the same request_id never sends twice",
    responses={422: {"description": "blocked by the policy check (findings listed)"}},
)
def post_reply(
    conversation_id: Id,
    body: ReplyWithPolicyIn,
    kefu: KefuDep,
    who: Replier,
    response: Response,
) -> ReplyOut:
    created = kefu.replies.send(
        who,
        conversation_id,
        body.text,
        request_id=body.request_id,
        uow_factory=kefu.uow,
        clock=kefu.clock,
        template_key=body.template_key,
        override_reason=body.override_reason,
        agent_words=(body.agent_language, body.agent_text) if body.agent_text else None,
        template_text=body.template_text,
        answering_message_id=body.answering_message_id,
        send_anyway=body.send_anyway,
    )
    if not created:
        response.status_code = 200
    return ReplyOut(created=created)


@router.get("/templates", response_model=list[TemplateOut], summary="The template catalogue")
def get_templates(
    kefu: KefuDep, who: InboxViewer, store: Annotated[str | None, Query(max_length=64)] = None
) -> list[TemplateOut]:
    own: dict[tuple[str, str], str] = {}
    if store:
        store_id = views.store(who, store, uow=kefu.uow()).id
        own = views.template_overrides(who, store_id, uow=kefu.uow())
    catalogue = kefu.replies.catalogue.with_overrides(own)
    return [
        TemplateOut(
            key=t.key,
            title=dict(t.titles),
            intents=list(t.intents),
            when=dict(t.when),
            automatic=t.automatic,
            variables={k: v.value for k, v in t.variables.items()},
            texts=dict(t.texts),
            own_wording=sorted(lang for key, lang in own if key == t.key),
        )
        for t in catalogue
    ]


@router.put(
    "/stores/{store}/templates/{key}/{language}",
    status_code=204,
    summary="A store's own wording of a template in one language (null: back to ours)",
)
def put_wording(
    store: str, key: str, language: str, body: WordingIn, kefu: KefuDep, who: TemplateManager
) -> None:
    store_id = views.store(who, store, uow=kefu.uow()).id
    kefu.replies.save_wording(
        who, store_id, key, language, body.text, uow=kefu.uow(), clock=kefu.clock
    )


@router.get("/stores/{store}/reply-settings", response_model=ReplySettingsOut)
def get_reply_settings(store: str, kefu: KefuDep, who: TemplateManager) -> ReplySettingsOut:
    found = views.reply_settings(who, store, uow=kefu.uow())
    return ReplySettingsOut(
        store=store, facts=facts_out(found.facts), auto_replies=auto_out(found.auto)
    )


@router.put("/stores/{store}/reply-settings/facts", status_code=204)
def put_facts(store: str, body: ShopFactsIn, kefu: KefuDep, who: TemplateManager) -> None:
    store_id = views.store(who, store, uow=kefu.uow()).id
    reply_service.save_facts(who, store_id, facts_in(body), uow=kefu.uow(), clock=kefu.clock)


@router.put(
    "/stores/{store}/reply-settings/auto-replies",
    status_code=204,
    summary="Welcome, busy and keyword replies; a set that breaks SPEC §6 is refused whole",
)
def put_auto_replies(store: str, body: AutoRepliesIn, kefu: KefuDep, who: TemplateManager) -> None:
    store_id = views.store(who, store, uow=kefu.uow()).id
    reply_service.save_auto_replies(
        who, store_id, auto_in(body), gate=kefu.gate, uow=kefu.uow(), clock=kefu.clock
    )


def facts_in(body: ShopFactsIn) -> ShopFacts:
    return ShopFacts.from_dict(body.model_dump(mode="json"))


def facts_out(facts: ShopFacts) -> ShopFactsIn:
    return ShopFactsIn.model_validate(facts.to_dict())


def auto_in(body: AutoRepliesIn) -> AutoReplySettings:
    return AutoReplySettings.from_dict(body.model_dump(mode="json"))


def auto_out(auto: AutoReplySettings) -> AutoRepliesIn:
    return AutoRepliesIn.model_validate(auto.to_dict())
