"""Messages a shop starts about an Amazon order through the SP-API's Messaging API
(docs/channels.md "Amazon"): the kinds Amazon offers for the order, and sending one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from kefu.services import amazon_messages
from kefu.web.api.stores import ERRORS, ErrorOut
from kefu.web.deps import KefuDep
from kefu.web.security import InboxViewer, Replier

router = APIRouter(prefix="/api/v1", tags=["marketplaces"])

Code = Annotated[str, Path(min_length=1, max_length=64, description="the store's code")]
Number = Annotated[
    str, Path(min_length=1, max_length=64, description="the Amazon order number (3-7-7)")
]
Action = Annotated[
    str, Path(min_length=1, max_length=64, description="one of the order's amazon-actions")
]
REFUSED: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    502: {"model": ErrorOut, "description": "Amazon refused or did not answer, in its words"},
}


class ActionsOut(BaseModel):
    actions: list[str] = Field(
        description="the messages Amazon allows for this order now, by Amazon's names "
        "(confirmDeliveryDetails, unexpectedProblem, warranty…)"
    )


class ActionIn(BaseModel):
    client_key: str = Field(
        min_length=1,
        max_length=128,
        description="yours, unique per message: the same key again sends nothing twice",
    )
    text: str | None = Field(
        None, max_length=amazon_messages.MAX_TEXT, description="the text, for actions with one"
    )


class ActionOut(BaseModel):
    order: str
    action: str
    state: str = Field(description="sent; pending (an earlier try's outcome unknown); failed")
    platform_ref: str | None
    error: str | None
    created_at: datetime


@router.get(
    "/orders/{code}/{number}/amazon-actions",
    response_model=ActionsOut,
    summary="The messages Amazon allows for an order of a connected Amazon store, now",
    responses=REFUSED,
)
def get_actions(code: Code, number: Number, kefu: KefuDep, who: Replier) -> ActionsOut:
    found = amazon_messages.actions(who, code, number, uow=kefu.uow(), deps=kefu.marketplaces)
    return ActionsOut(actions=found)


@router.get(
    "/orders/{code}/{number}/amazon-messages",
    response_model=list[ActionOut],
    summary="What kefu sent through Amazon's Messaging API for an order",
    responses=ERRORS,
)
def get_sent(code: Code, number: Number, kefu: KefuDep, who: InboxViewer) -> list[ActionOut]:
    return [_out(m) for m in amazon_messages.sent(who, code, number, uow=kefu.uow())]


@router.post(
    "/orders/{code}/{number}/amazon-actions/{action}",
    response_model=ActionOut,
    status_code=201,
    summary="Send a message Amazon offers for the order (the text passes the policy check)",
    description="Refused (422) when the text breaks a platform rule, and (502, in Amazon's "
    "words) when Amazon does not offer the action for this order now or refuses the body. "
    "The same client_key answers 200 with the first message and sends nothing.",
    responses=REFUSED,
)
def post_action(
    code: Code,
    number: Number,
    action: Action,
    body: ActionIn,
    kefu: KefuDep,
    who: Replier,
    response: Response,
) -> ActionOut:
    done = amazon_messages.send(
        who,
        code,
        number,
        action,
        text=body.text,
        client_key=body.client_key,
        uow_factory=kefu.uow,
        deps=kefu.marketplaces,
        gate=kefu.gate,
        clock=kefu.clock,
    )
    if done.repeated:
        response.status_code = 200
    return _out(done.message)


def _out(message: amazon_messages.OrderMessage) -> ActionOut:
    return ActionOut(
        order=message.order_number,
        action=message.action,
        state=message.state,
        platform_ref=message.platform_ref,
        error=message.error,
        created_at=message.created_at,
    )
