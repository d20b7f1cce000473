"""Who else has a conversation open, and who is typing a reply (docs/team.md "Working
together"): a heartbeat from the open conversation writes one row per person; rows
fresher than PRESENCE_FRESH_SECONDS are shown to the others as a warning."""

from __future__ import annotations

from datetime import timedelta

from kefu.domain.permissions import Permission
from kefu.domain.teamwork import PRESENCE_FRESH_SECONDS, presence_state
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import Clock, ConcurrentWriteError, Presence, UnitOfWork


def heartbeat(
    who: Principal, conversation_id: int, state: str, *, uow: UnitOfWork, clock: Clock
) -> list[Presence]:
    """Record that the person views (or types in) the conversation; returns the others
    there now, so one request both beats and reads."""
    access.require(who, Permission.VIEW_INBOX)
    kind = presence_state(state)
    now = clock.now()
    try:
        with uow:
            access.conversation(uow, who, conversation_id)
            uow.team.touch_presence(conversation_id, who.account_id, kind.value, now)
            uow.commit()
    except ConcurrentWriteError:
        pass  # the person's other tab beat at the same moment: its row says the same
    return others(who, conversation_id, uow=uow, clock=clock)


def others(
    who: Principal, conversation_id: int, *, uow: UnitOfWork, clock: Clock
) -> list[Presence]:
    """The other people with the conversation open now (typing ones first)."""
    access.require(who, Permission.VIEW_INBOX)
    since = clock.now() - timedelta(seconds=PRESENCE_FRESH_SECONDS)
    with uow:
        access.conversation(uow, who, conversation_id)
        found = uow.team.presence(conversation_id, since)
    return sorted(
        (p for p in found if p.account_id != who.account_id),
        key=lambda p: (p.state != "typing", p.name),
    )
