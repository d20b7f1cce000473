"""What team work adds to the conversation screen: internal notes placed in the thread by
time, the people a note may mention, whom the assign menu offers, and the buyer message
the composer answers (so a colliding reply is refused)."""

from __future__ import annotations

from typing import Any

from kefu.bootstrap import Kefu
from kefu.services import inbox, notes
from kefu.services.access import Principal
from kefu.services.ports import NoteView
from kefu.services.readmodels import ConversationDetail


def thread_extras(kefu: Kefu, who: Principal, detail: ConversationDetail) -> dict[str, Any]:
    found = notes.notes(who, detail.id, uow=kefu.uow())
    before, after = place_notes(found, [(m.id, m.sent_at) for m in detail.messages])
    buyer = [m.id for m in detail.messages if m.direction == "buyer"]
    choices = [(str(a.id), a.display_name) for a in inbox.assignees(who, detail.id, uow=kefu.uow())]
    if detail.assignee_id is not None and str(detail.assignee_id) not in dict(choices):
        choices.insert(0, (str(detail.assignee_id), detail.assignee_name or "—"))
    return {
        "notes_before": before,
        "notes_after": after,
        "mentionable": notes.teammates(who, detail.id, uow=kefu.uow()),
        "assignee_choices": choices,
        "answering_message_id": buyer[-1] if buyer else None,
    }


def place_notes(
    found: list[NoteView], messages: list[tuple[int, Any]]
) -> tuple[dict[int, list[NoteView]], list[NoteView]]:
    """Each note goes before the first message sent after it; the rest after the last."""
    before: dict[int, list[NoteView]] = {}
    after: list[NoteView] = []
    ordered = sorted(messages, key=lambda m: m[1])
    for note in found:
        nxt = next((mid for mid, at in ordered if at > note.created_at), None)
        if nxt is None:
            after.append(note)
        else:
            before.setdefault(nxt, []).append(note)
    return before, after
