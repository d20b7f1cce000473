"""Conversations: list with filters, detail, reply, colour mark, assignee, close, reopen, read."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from kefu.domain.conversations import MARK_LEGEND
from kefu.domain.errors import NotFound
from kefu.services import inbox
from kefu.services.readmodels import ConversationDetail, InboxFilters, InboxPage
from kefu.web.deps import AccountDep, KefuDep
from kefu.web.schemas import AssigneeIn, MarkIn, MarkMeaningOut, ReplyIn, ReplyOut

router = APIRouter(prefix="/api/v1", tags=["conversations"])

StageQ = Literal["pre_sale", "in_sale", "after_sale"]
StateQ = Literal["unread", "open", "waiting", "closed"]
MarkQ = Literal["yellow", "blue", "green", "red", "purple"]
PlatformQ = Literal["aliexpress", "amazon", "ebay", "wish"]


@router.get(
    "/conversations",
    response_model=InboxPage,
    summary="The inbox, highest priority and longest wait first",
)
def list_conversations(
    kefu: KefuDep,
    store_id: int | None = None,
    platform: PlatformQ | None = None,
    stage: StageQ | None = None,
    state: StateQ | None = None,
    colour_mark: MarkQ | None = None,
    assignee: Annotated[
        str | None, Query(description="account id, or 'none' for unassigned")
    ] = None,
    language: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboxPage:
    filters = make_filters(
        store_id, platform, stage, state, colour_mark, assignee, language, page, page_size
    )
    with kefu.uow() as uow:
        return uow.queries.inbox_page(filters)


def make_filters(
    store_id: int | None,
    platform: str | None,
    stage: str | None,
    state: str | None,
    colour_mark: str | None,
    assignee: str | None,
    language: str | None,
    page: int = 1,
    page_size: int = 50,
) -> InboxFilters:
    """Shared by the API and the inbox page so both filter the same way."""
    assignee_id: int | None = None
    unassigned = assignee == "none"
    if assignee and not unassigned:
        if not assignee.isdigit():
            from kefu.domain.errors import InvalidInput

            raise InvalidInput("assignee must be an account id or 'none'", field="assignee")
        assignee_id = int(assignee)
    return InboxFilters(
        store_id=store_id,
        platform=platform or None,
        stage=stage or None,
        state=state or None,
        colour_mark=colour_mark or None,
        assignee_id=assignee_id,
        unassigned=unassigned,
        language=language or None,
        page=page,
        page_size=page_size,
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
def get_conversation(conversation_id: int, kefu: KefuDep) -> ConversationDetail:
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conversation_id, kefu.clock.now())
    if detail is None:
        raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
    return detail


@router.post(
    "/conversations/{conversation_id}/replies",
    response_model=ReplyOut,
    status_code=201,
    summary="Reply to the buyer; the same request_id never sends twice",
)
def post_reply(
    conversation_id: int, body: ReplyIn, kefu: KefuDep, account: AccountDep, response: Response
) -> ReplyOut:
    created = inbox.reply(
        conversation_id,
        body.text,
        account_id=account,
        request_id=body.request_id,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    if not created:
        response.status_code = 200
    return ReplyOut(created=created)


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
