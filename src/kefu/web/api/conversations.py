"""Conversations: list with filters, detail, reply, colour mark, assignee, close, reopen, read."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query

from kefu.domain.conversations import MARK_LEGEND
from kefu.domain.errors import NotFound
from kefu.domain.intents import INTENTS, group_of
from kefu.services import inbox
from kefu.services.access import Principal
from kefu.services.readmodels import ConversationDetail, InboxFilters, InboxPage
from kefu.web.deps import KefuDep
from kefu.web.i18n import translations
from kefu.web.labels import LABELS
from kefu.web.schemas import (
    AssigneeIn,
    InboxQuery,
    IntentIn,
    IntentOut,
    MarkIn,
    MarkMeaningOut,
)
from kefu.web.security import (
    Assigner,
    Closer,
    InboxViewer,
    IntentCorrector,
    Marker,
    SignedIn,
    check_conversation,
    check_message,
)

router = APIRouter(prefix="/api/v1", tags=["conversations"])


@router.get(
    "/conversations",
    response_model=InboxPage,
    summary="The inbox: needing an answer first, by priority, then the longest wait",
)
def list_conversations(
    kefu: KefuDep, who: InboxViewer, query: Annotated[InboxQuery, Query()]
) -> InboxPage:
    with kefu.uow() as uow:
        return uow.queries.inbox_page(scoped(query.filters(), who))


def scoped(filters: InboxFilters, who: Principal) -> InboxFilters:
    """A sub-account's inbox holds its stores, without other agents' products."""
    if who.store_ids is None:
        return filters
    return replace(filters, visible_store_ids=who.store_ids, viewer_id=who.account_id)


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
def get_conversation(conversation_id: int, kefu: KefuDep, who: InboxViewer) -> ConversationDetail:
    check_conversation(kefu, who, conversation_id)
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conversation_id, kefu.clock.now())
    if detail is None:
        raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
    return detail


@router.put("/conversations/{conversation_id}/colour-mark", status_code=204)
def put_mark(conversation_id: int, body: MarkIn, kefu: KefuDep, who: Marker) -> None:
    check_conversation(kefu, who, conversation_id)
    mark = body.colour_mark.value if body.colour_mark else None
    inbox.set_mark(
        conversation_id, mark, account_id=who.account_id, uow=kefu.uow(), clock=kefu.clock
    )


@router.put("/conversations/{conversation_id}/assignee", status_code=204)
def put_assignee(conversation_id: int, body: AssigneeIn, kefu: KefuDep, who: Assigner) -> None:
    check_conversation(kefu, who, conversation_id)
    inbox.assign(
        conversation_id,
        body.assignee_id,
        account_id=who.account_id,
        uow=kefu.uow(),
        clock=kefu.clock,
    )


@router.post("/conversations/{conversation_id}/close", status_code=204)
def post_close(conversation_id: int, kefu: KefuDep, who: Closer) -> None:
    check_conversation(kefu, who, conversation_id)
    inbox.close(conversation_id, account_id=who.account_id, uow=kefu.uow(), clock=kefu.clock)


@router.post("/conversations/{conversation_id}/reopen", status_code=204)
def post_reopen(conversation_id: int, kefu: KefuDep, who: Closer) -> None:
    check_conversation(kefu, who, conversation_id)
    inbox.reopen(conversation_id, account_id=who.account_id, uow=kefu.uow(), clock=kefu.clock)


@router.post("/conversations/{conversation_id}/read", status_code=204)
def post_read(conversation_id: int, kefu: KefuDep, who: InboxViewer) -> None:
    check_conversation(kefu, who, conversation_id)
    inbox.mark_read(conversation_id, uow=kefu.uow(), clock=kefu.clock)


@router.get(
    "/colour-marks",
    response_model=list[MarkMeaningOut],
    summary="The five colour marks and their meanings",
)
def colour_marks(_who: SignedIn) -> list[MarkMeaningOut]:
    return [
        MarkMeaningOut(mark=m.mark, meaning_en=m.meaning_en, meaning_zh=m.meaning_zh)
        for m in MARK_LEGEND
    ]


@router.get("/filters", summary="Stores, accounts and languages to filter the inbox by")
def filter_options(kefu: KefuDep, who: InboxViewer) -> dict[str, list[tuple[str, str]]]:
    with kefu.uow() as uow:
        return visible_options(uow.queries.filter_options(), who)


def visible_options(
    options: dict[str, list[tuple[str, str]]], who: Principal
) -> dict[str, list[tuple[str, str]]]:
    return {
        **options,
        "stores": [(i, name) for i, name in options["stores"] if who.sees_store(int(i))],
    }


@router.put(
    "/messages/{message_id}/intent",
    status_code=204,
    summary="Correct the intent of a buyer message (kept as a training example)",
)
def put_intent(message_id: int, body: IntentIn, kefu: KefuDep, who: IntentCorrector) -> None:
    check_message(kefu, who, message_id)
    inbox.correct_intent(
        message_id, body.intent, account_id=who.account_id, uow=kefu.uow(), clock=kefu.clock
    )


@router.get("/intents", response_model=list[IntentOut], summary="Intent ids, groups and labels")
def intents(_who: SignedIn) -> list[IntentOut]:
    zh = translations("zh_CN").gettext
    return [
        IntentOut(
            intent=i,
            group=group_of(i),
            label_en=LABELS["intent"][i],
            label_zh=zh(LABELS["intent"][i]),
        )
        for i in INTENTS
    ]
