"""Internal notes on a conversation (docs/team.md "Working together"): written by anyone
who may see the conversation, never sent to the buyer, never a message (so no KPI, outbox,
sync, preview or unread count sees one), audited; `@name` notifies that teammate."""

from __future__ import annotations

from kefu.domain.errors import NotFound
from kefu.domain.permissions import Permission, allowed
from kefu.domain.teamwork import MentionRefused, mentions, note_text
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import AccountRecord, Clock, NewNotification, NoteView, UnitOfWork


def add_note(
    who: Principal, conversation_id: int, text: str, *, uow: UnitOfWork, clock: Clock
) -> int:
    """Store the note and a notification for each person mentioned; a mention of someone
    who may not see the conversation refuses the whole note, naming them. Returns its id."""
    access.require(who, Permission.VIEW_INBOX)
    body = note_text(text)
    names = mentions(body)
    now = clock.now()
    with uow:
        access.conversation(uow, who, conversation_id)
        conv = uow.inbox.get_conversation(conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id}", id=conversation_id)
        people = [_mentionable(uow, conversation_id, name) for name in names]
        note_id = uow.team.add_note(
            conversation_id, conv.store_id, who.account_id, body, [p.id for p in people], now
        )
        uow.team.notify(
            [
                NewNotification(p.id, "mention", conversation_id, note_id, who.account_id, now)
                for p in people
                if p.id != who.account_id
            ]
        )
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="note",
            entity_type="conversation",
            entity_id=conversation_id,
            before=None,
            after={"note": note_id, "mentions": [p.id for p in people]},
        )
        uow.commit()
    return note_id


def notes(who: Principal, conversation_id: int, *, uow: UnitOfWork) -> list[NoteView]:
    """The conversation's notes, oldest first."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        access.conversation(uow, who, conversation_id)
        return uow.team.notes(conversation_id)


def teammates(who: Principal, conversation_id: int, *, uow: UnitOfWork) -> list[AccountRecord]:
    """The people a note on this conversation may mention: active, working the inbox, and
    able to see it — the suggestion list under the note box."""
    access.require(who, Permission.VIEW_INBOX)
    with uow:
        access.conversation(uow, who, conversation_id)
        return [
            a
            for a in uow.auth.accounts()
            if a.id != who.account_id and _sees(uow, conversation_id, a)
        ]


def _sees(uow: UnitOfWork, conversation_id: int, account: AccountRecord) -> bool:
    if not account.active or not allowed(
        account.role, Permission.VIEW_INBOX, is_main=account.is_main
    ):
        return False
    stores = None if account.is_main else account.store_ids
    return uow.auth.conversation_visible(conversation_id, account.id, stores)


def _mentionable(uow: UnitOfWork, conversation_id: int, name: str) -> AccountRecord:
    account = uow.auth.account_by_username(name)
    if account is None or not account.active:
        raise MentionRefused(
            f"no one on the team is called @{name}", field="text", name=name, reason="unknown"
        )
    if not _sees(uow, conversation_id, account):
        raise MentionRefused(
            f"{account.display_name} (@{account.username}) cannot see this conversation: "
            "mention someone who has its store",
            field="text",
            name=account.display_name,
            reason="cannot_see",
        )
    return account
