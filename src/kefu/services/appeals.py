"""Ask the marketplace's own support to step in on a buyer's ticket (SPEC §2 "ask platform
support for help"; issue 18 "Wish close/appeal"; docs/channels.md "Wish"): on Wish, `PUT
/api/v3/tickets/{id}` with state AWAITING_WISH. A person asks it from the conversation; it
goes to the platform at once (not with the next sync: the person waits for the answer),
and is audited. The ticket then awaits Wish, which the next sync pulls as handled.
"""

from __future__ import annotations

from collections.abc import Callable

from kefu.domain.errors import InvalidTransition
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import ChannelError, Clock, UnitOfWork
from kefu.services.sync import SyncDeps, open_client

UowFactory = Callable[[], UnitOfWork]


class AppealRefused(InvalidTransition):
    """The platform refused, or cannot be asked: its words in `reason`."""

    code = "appeal_refused"


def appeal_to_support(
    who: Principal,
    conversation_id: int,
    *,
    uow_factory: UowFactory,
    deps: SyncDeps,
    clock: Clock,
) -> None:
    access.require(who, Permission.CLOSE)
    with uow_factory() as uow:
        access.conversation(uow, who, conversation_id)
        conv = uow.inbox.get_conversation(conversation_id)
        conn = uow.connections.connection(conv.store_id) if conv is not None else None
    if conv is None or conn is None or not conn.enabled or conn.platform != "wish":
        raise AppealRefused(
            "only a Wish ticket of a store connected to Wish can be appealed to Wish support"
        )
    client = None
    try:
        client = open_client(deps, conn)
        appeal = getattr(client, "appeal", None)  # ports.TicketAppeal
        if not callable(appeal):
            raise ChannelError("this platform's adapter cannot appeal", retryable=False)
        appeal(conv.platform_conversation_id)
    except ChannelError as exc:
        raise AppealRefused("Wish did not take the appeal", reason=str(exc)[:500]) from exc
    finally:
        close = getattr(client, "close", None)
        if client is not None and callable(close):
            close()
    with uow_factory() as uow:
        uow.inbox.audit(
            at=clock.now(),
            account_id=who.account_id,
            action="appeal_to_support",
            entity_type="conversation",
            entity_id=conversation_id,
            before={"ticket": conv.platform_conversation_id},
            after={"ticket_state": "AWAITING_WISH"},
        )
        uow.commit()
