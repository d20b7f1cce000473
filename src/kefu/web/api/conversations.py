"""Conversations: list with filters, detail, reply, colour mark, assignee, close, reopen, read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kefu.domain.conversations import MARK_LEGEND
from kefu.domain.errors import NotFound
from kefu.domain.intents import INTENTS, group_of
from kefu.services import inbox
from kefu.services.readmodels import ConversationDetail, InboxPage
from kefu.web.deps import AccountDep, KefuDep
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

router = APIRouter(prefix="/api/v1", tags=["conversations"])


@router.get(
    "/conversations",
    response_model=InboxPage,
    summary="The inbox: needing an answer first, by priority, then the longest wait",
)
def list_conversations(kefu: KefuDep, query: Annotated[InboxQuery, Query()]) -> InboxPage:
    with kefu.uow() as uow:
        return uow.queries.inbox_page(query.filters())


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
def get_conversation(conversation_id: int, kefu: KefuDep) -> ConversationDetail:
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conversation_id, kefu.clock.now())
    if detail is None:
        raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
    return detail


@router.put("/conversations/{conversation_id}/colour-mark", status_code=204)
def put_mark(conversation_id: int, body: MarkIn, kefu: KefuDep, account: AccountDep) -> None:
    mark = body.colour_mark.value if body.colour_mark else None
    inbox.set_mark(conversation_id, mark, account_id=account, uow=kefu.uow(), clock=kefu.clock)


@router.put("/conversations/{conversation_id}/assignee", status_code=204)
def put_assignee(
    conversation_id: int, body: AssigneeIn, kefu: KefuDep, account: AccountDep
) -> None:
    inbox.assign(
        conversation_id, body.assignee_id, account_id=account, uow=kefu.uow(), clock=kefu.clock
    )


@router.post("/conversations/{conversation_id}/close", status_code=204)
def post_close(conversation_id: int, kefu: KefuDep, account: AccountDep) -> None:
    inbox.close(conversation_id, account_id=account, uow=kefu.uow(), clock=kefu.clock)


@router.post("/conversations/{conversation_id}/reopen", status_code=204)
def post_reopen(conversation_id: int, kefu: KefuDep, account: AccountDep) -> None:
    inbox.reopen(conversation_id, account_id=account, uow=kefu.uow(), clock=kefu.clock)


@router.post("/conversations/{conversation_id}/read", status_code=204)
def post_read(conversation_id: int, kefu: KefuDep) -> None:
    inbox.mark_read(conversation_id, uow=kefu.uow(), clock=kefu.clock)


@router.get(
    "/colour-marks",
    response_model=list[MarkMeaningOut],
    summary="The five colour marks and their meanings",
)
def colour_marks() -> list[MarkMeaningOut]:
    return [
        MarkMeaningOut(mark=m.mark, meaning_en=m.meaning_en, meaning_zh=m.meaning_zh)
        for m in MARK_LEGEND
    ]


@router.get("/filters", summary="Stores, accounts and languages to filter the inbox by")
def filter_options(kefu: KefuDep) -> dict[str, list[tuple[str, str]]]:
    with kefu.uow() as uow:
        return uow.queries.filter_options()


@router.put(
    "/messages/{message_id}/intent",
    status_code=204,
    summary="Correct the intent of a buyer message (kept as a training example)",
)
def put_intent(message_id: int, body: IntentIn, kefu: KefuDep, account: AccountDep) -> None:
    inbox.correct_intent(
        message_id, body.intent, account_id=account, uow=kefu.uow(), clock=kefu.clock
    )


@router.get("/intents", response_model=list[IntentOut], summary="Intent ids, groups and labels")
def intents() -> list[IntentOut]:
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
