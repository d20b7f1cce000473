"""Internal notes on a conversation: never sent to the buyer (docs/team.md "Working
together"); `@username` in the text notifies that teammate."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kefu.domain.teamwork import MAX_NOTE_CHARS
from kefu.services import notes
from kefu.web.deps import KefuDep
from kefu.web.params import Id
from kefu.web.security import InboxViewer

router = APIRouter(prefix="/api/v1", tags=["team"])


class NoteIn(BaseModel):
    text: str = Field(
        min_length=1,
        max_length=MAX_NOTE_CHARS * 2,  # the rule (4000 after trimming) is the service's
        description="the note; `@username` mentions a teammate who may see the conversation",
    )


class NoteOut(BaseModel):
    id: int
    author_id: int
    author_name: str
    text: str
    mentions: list[str] = Field(description="display names of the people mentioned")
    created_at: datetime


class NoteCreated(BaseModel):
    id: int


@router.post(
    "/conversations/{conversation_id}/notes",
    response_model=NoteCreated,
    status_code=201,
    summary="Add an internal note (never sent); mentions notify, a mention of someone who "
    "cannot see the conversation refuses the note (422 mention_refused)",
)
def post_note(conversation_id: Id, body: NoteIn, kefu: KefuDep, who: InboxViewer) -> NoteCreated:
    return NoteCreated(
        id=notes.add_note(who, conversation_id, body.text, uow=kefu.uow(), clock=kefu.clock)
    )


@router.get(
    "/conversations/{conversation_id}/notes",
    response_model=list[NoteOut],
    summary="The conversation's internal notes, oldest first",
)
def get_notes(conversation_id: Id, kefu: KefuDep, who: InboxViewer) -> list[NoteOut]:
    return [
        NoteOut(
            id=n.id,
            author_id=n.author_id,
            author_name=n.author_name,
            text=n.text,
            mentions=list(n.mentions),
            created_at=n.created_at,
        )
        for n in notes.notes(who, conversation_id, uow=kefu.uow())
    ]
