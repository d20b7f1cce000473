"""The signed-in person's notifications: mentions in notes and conversations handed to
them (docs/team.md "Working together")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kefu.services import notifications
from kefu.services.notifications import MAX_LIST, MAX_MARK
from kefu.web.deps import KefuDep
from kefu.web.params import IdValue
from kefu.web.security import SignedIn

router = APIRouter(prefix="/api/v1", tags=["team"])


class NotificationOut(BaseModel):
    id: int
    kind: Literal["mention", "handover", "assigned_message", "breach", "case_breach"] = Field(
        description="breach: a buyer waits past the reply window; case_breach: a case past a "
        "deadline (docs/deadlines.md)"
    )
    conversation_id: int
    buyer_name: str | None
    actor_name: str | None
    excerpt: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationsOut(BaseModel):
    unread: int = Field(description="unread notifications")
    unread_conversations: int = Field(
        description="open conversations assigned to you with something unread"
    )
    items: list[NotificationOut]


class ReadIn(BaseModel):
    ids: list[IdValue] | None = Field(
        default=None, max_length=MAX_MARK, description="these notifications; all when omitted"
    )


class ReadOut(BaseModel):
    marked: int


@router.get("/notifications", response_model=NotificationsOut, summary="Your notifications")
def get_notifications(
    kefu: KefuDep,
    who: SignedIn,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
) -> NotificationsOut:
    counts = notifications.counts(who, uow=kefu.uow())
    found = notifications.listed(who, uow=kefu.uow(), unread_only=unread_only, limit=limit)
    return NotificationsOut(
        unread=counts.notifications,
        unread_conversations=counts.conversations,
        items=[NotificationOut(**n.__dict__) for n in found],
    )


@router.post(
    "/notifications/read",
    response_model=ReadOut,
    summary="Mark notifications read (all when no ids are given); again changes nothing",
)
def post_read(body: ReadIn, kefu: KefuDep, who: SignedIn) -> ReadOut:
    marked = notifications.mark_read(who, body.ids, uow=kefu.uow(), clock=kefu.clock)
    return ReadOut(marked=marked)
