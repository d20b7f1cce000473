"""Translation over the API: a conversation's translations, a draft in the buyer's
language, a message translated on request, a store's term base, and provider usage."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from kefu.domain.termbase import Term
from kefu.services import translation as translation_service
from kefu.services import views
from kefu.web.deps import KefuDep
from kefu.web.params import Id
from kefu.web.schemas import (
    DraftIn,
    DraftOut,
    TermBaseIo,
    TermIn,
    TranslateIn,
    TranslationOut,
    UsageOut,
)
from kefu.web.security import InboxViewer, Replier, ShopManager, TemplateManager

router = APIRouter(prefix="/api/v1", tags=["translation"])


@router.get(
    "/conversations/{conversation_id}/translations",
    response_model=list[TranslationOut],
    summary="Every stored translation of the conversation's messages (originals are untouched)",
)
def get_translations(conversation_id: Id, kefu: KefuDep, who: InboxViewer) -> list[TranslationOut]:
    found = views.conversation_translations(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)
    return [
        TranslationOut.model_validate(row, from_attributes=True)
        for rows in found.values()
        for row in rows
    ]


@router.post(
    "/conversations/{conversation_id}/draft-translation",
    response_model=DraftOut,
    summary="What the buyer would receive for the agent's words, and its back-translation",
)
def post_draft(conversation_id: Id, body: DraftIn, kefu: KefuDep, who: Replier) -> DraftOut:
    buyer, composed = kefu.translation.draft(who, conversation_id, body.text, body.agent_language)
    return DraftOut(
        buyer_language=buyer,
        buyer_text=composed.buyer_text,
        back_text=composed.back_text,
        problem=composed.problem,
        problem_kind=composed.problem_kind,
    )


@router.post(
    "/messages/{message_id}/translations",
    response_model=TranslationOut,
    summary="Translate a message into an agent language now, and store it",
)
def post_translation(
    message_id: Id, body: TranslateIn, kefu: KefuDep, who: InboxViewer
) -> TranslationOut:
    result = kefu.translation.translate_message(who, message_id, body.language)
    rows = views.message_translations(who, message_id, uow=kefu.uow())
    stored = next((r for r in rows if r.language == body.language), None)
    if stored is None:
        return TranslationOut(
            message_id=message_id,
            language=body.language,
            status="failed",
            origin="machine",
            text=None,
            provider=result.provider,
            error=result.problem,
        )
    return TranslationOut.model_validate(stored, from_attributes=True)


@router.get("/stores/{store}/term-base", response_model=TermBaseIo)
def get_term_base(store: str, kefu: KefuDep, who: TemplateManager) -> TermBaseIo:
    _, _, termbase = views.termbase(who, store, uow=kefu.uow())
    return TermBaseIo(
        terms=[TermIn(forms=dict(t.forms), keep=t.keep) for t in termbase.terms],
        version=termbase.version,
    )


@router.put(
    "/stores/{store}/term-base",
    response_model=TermBaseIo,
    summary="Replace the store's term base; any bad term refuses the whole (422, per row)",
)
def put_term_base(store: str, body: TermBaseIo, kefu: KefuDep, who: TemplateManager) -> TermBaseIo:
    ref = views.store(who, store, uow=kefu.uow())
    saved = translation_service.save_termbase(
        who,
        ref.id,
        [Term(dict(t.forms), keep=t.keep) for t in body.terms],
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    return TermBaseIo(
        terms=[TermIn(forms=dict(t.forms), keep=t.keep) for t in saved.terms],
        version=saved.version,
    )


@router.get(
    "/translation/usage",
    response_model=list[UsageOut],
    summary="Characters, calls, cache hits, errors and latency per provider and day",
)
def get_usage(
    kefu: KefuDep,
    who: ShopManager,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[UsageOut]:
    first = kefu.clock.now().date() - timedelta(days=days - 1)
    rows = views.usage(who, first, uow=kefu.uow())
    return [UsageOut.model_validate(r, from_attributes=True) for r in rows]
