"""Saved inbox views (GET/POST/DELETE /api/v1/views) and bulk actions on a selection
(POST /api/v1/conversations/bulk): translated to services/views.py and bulk_actions.py."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from kefu.domain.bulk import MAX_BULK, BulkAction, BulkReport, Outcome
from kefu.domain.saved_views import MAX_NAME, MAX_QUERY, SavedView
from kefu.domain.types import ColourMark
from kefu.services import bulk_actions, views
from kefu.services.bulk_actions import BulkRequest
from kefu.web.deps import KefuDep
from kefu.web.params import Id, IdValue
from kefu.web.security import InboxViewer

router = APIRouter(prefix="/api/v1", tags=["views"])


class ViewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_NAME, examples=["Red after-sale"])
    query: str = Field(
        max_length=MAX_QUERY,
        description="the inbox's filters as a query string, e.g. 'state=active&colour_mark=red'",
    )


class ViewOut(BaseModel):
    id: int
    name: str
    query: str
    position: int


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["assign", "mark", "close", "reopen"]
    ids: list[IdValue] = Field(min_length=1, max_length=MAX_BULK)
    colour_mark: ColourMark | None = Field(None, description="mark: the mark; null clears it")
    assignee_id: IdValue | None = Field(None, description="assign: the account; null unassigns")


class BulkItemOut(BaseModel):
    conversation_id: int
    outcome: Literal["done", "already", "refused"]
    error: str | None = Field(None, description="a refusal's stable code")
    message: str | None = None


class BulkOut(BaseModel):
    action: str
    done: int
    already: int
    refused: int
    items: list[BulkItemOut]


def _out(view: SavedView) -> ViewOut:
    return ViewOut(id=view.id, name=view.name, query=view.query, position=view.position)


@router.get("/views", response_model=list[ViewOut], summary="My saved inbox views, in tab order")
def list_views(kefu: KefuDep, who: InboxViewer) -> list[ViewOut]:
    return [_out(v) for v in views.saved_views(who, uow=kefu.uow())]


@router.post(
    "/views",
    response_model=ViewOut,
    summary="Save filters under a name (the same name again replaces its filters)",
)
def save_view(body: ViewIn, kefu: KefuDep, who: InboxViewer) -> ViewOut:
    saved = views.save_view(who, body.name, body.query, uow=kefu.uow(), clock=kefu.clock)
    return _out(saved)


@router.delete("/views/{view_id}", status_code=204, summary="Delete one of my saved views")
def delete_view(view_id: Id, kefu: KefuDep, who: InboxViewer) -> None:
    views.delete_view(who, view_id, uow=kefu.uow())


@router.post(
    "/conversations/bulk",
    response_model=BulkOut,
    tags=["conversations"],
    summary="Assign, mark, close or reopen up to 200 conversations, each checked on its own",
)
def bulk(body: BulkIn, kefu: KefuDep, who: InboxViewer) -> BulkOut:
    request = BulkRequest(
        BulkAction(body.action),
        tuple(body.ids),
        colour_mark=body.colour_mark.value if body.colour_mark else None,
        assignee_id=body.assignee_id,
    )
    report = bulk_actions.run(who, request, uow_factory=kefu.uow, clock=kefu.clock)
    return bulk_out(report)


def bulk_out(report: BulkReport) -> BulkOut:
    return BulkOut(
        action=report.action.value,
        done=report.count(Outcome.DONE),
        already=report.count(Outcome.ALREADY),
        refused=report.count(Outcome.REFUSED),
        items=[
            BulkItemOut(
                conversation_id=i.conversation_id,
                outcome=i.outcome.value,
                error=i.code,
                message=i.reason,
            )
            for i in report.items
        ],
    )
