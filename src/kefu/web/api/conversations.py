"""Conversations: list with filters, detail, reply, colour mark, assignee, close, reopen, read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kefu.domain.conversations import MARK_LEGEND
from kefu.domain.intents import INTENTS, group_of
from kefu.domain.subintents import UNDER
from kefu.services import appeals, inbox, views
from kefu.services.readmodels import ConversationDetail, InboxPage
from kefu.web.deps import KefuDep
from kefu.web.i18n import translations
from kefu.web.labels import LABELS
from kefu.web.params import Id
from kefu.web.schemas import (
    AssigneeIn,
    InboxQuery,
    IntentIn,
    IntentOut,
    MarkIn,
    MarkMeaningOut,
    SubIntentOut,
)
from kefu.web.security import (
    Closer,
    InboxViewer,
    IntentCorrector,
    Marker,
    Replier,
    SignedIn,
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
    return views.inbox_page(who, query.filters(me=who.account_id), uow=kefu.uow())


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
def get_conversation(conversation_id: Id, kefu: KefuDep, who: InboxViewer) -> ConversationDetail:
    return views.conversation(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)


@router.put("/conversations/{conversation_id}/colour-mark", status_code=204)
def put_mark(conversation_id: Id, body: MarkIn, kefu: KefuDep, who: Marker) -> None:
    mark = body.colour_mark.value if body.colour_mark else None
    inbox.set_mark(who, conversation_id, mark, uow=kefu.uow(), clock=kefu.clock)


@router.put("/conversations/{conversation_id}/assignee", status_code=204)
def put_assignee(conversation_id: Id, body: AssigneeIn, kefu: KefuDep, who: Replier) -> None:
    """A lead assigns; an agent may hand over a conversation they hold (services/inbox)."""
    inbox.assign(who, conversation_id, body.assignee_id, uow=kefu.uow(), clock=kefu.clock)


@router.post("/conversations/{conversation_id}/close", status_code=204)
def post_close(conversation_id: Id, kefu: KefuDep, who: Closer) -> None:
    inbox.close(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)


@router.post("/conversations/{conversation_id}/reopen", status_code=204)
def post_reopen(conversation_id: Id, kefu: KefuDep, who: Closer) -> None:
    inbox.reopen(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)


@router.post(
    "/conversations/{conversation_id}/appeal",
    status_code=204,
    summary="Ask Wish support to step in on this Wish ticket (409 in words if it cannot)",
)
def post_appeal(conversation_id: Id, kefu: KefuDep, who: Closer) -> None:
    appeals.appeal_to_support(
        who, conversation_id, uow_factory=kefu.uow, deps=kefu.marketplaces, clock=kefu.clock
    )


@router.post("/conversations/{conversation_id}/read", status_code=204)
def post_read(conversation_id: Id, kefu: KefuDep, who: InboxViewer) -> None:
    inbox.mark_read(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)


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
    return views.filter_options(who, uow=kefu.uow())


@router.put(
    "/messages/{message_id}/intent",
    status_code=204,
    summary="Correct the intent of a buyer message (kept as a training example)",
)
def put_intent(message_id: Id, body: IntentIn, kefu: KefuDep, who: IntentCorrector) -> None:
    """A sub-intent must sit under the intent given (422 otherwise)."""
    inbox.correct_intent(
        who,
        message_id,
        body.intent,
        sub_intent=body.sub_intent,
        uow=kefu.uow(),
        clock=kefu.clock,
    )


@router.get(
    "/intents",
    response_model=list[IntentOut],
    summary="Intent ids, groups and labels, with the sub-intents under each",
)
def intents(_who: SignedIn) -> list[IntentOut]:
    zh = translations("zh_CN").gettext
    return [
        IntentOut(
            intent=i,
            group=group_of(i),
            label_en=LABELS["intent"][i],
            label_zh=zh(LABELS["intent"][i]),
            sub_intents=[
                SubIntentOut(
                    sub_intent=s,
                    label_en=LABELS["sub_intent"][s],
                    label_zh=zh(LABELS["sub_intent"][s]),
                )
                for s in UNDER.get(i, ())
            ],
        )
        for i in INTENTS
    ]
