"""The Amazon order's messages on the conversation's side panel (docs/channels.md
"Amazon"): the kinds Amazon offers for the order now, each a button that sends it once."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from kefu.domain.errors import DomainError
from kefu.services import amazon_messages
from kefu.services.access import Principal
from kefu.services.outgoing import PolicyBlocked
from kefu.web.deps import KefuDep
from kefu.web.security import Replier
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)

Code = Annotated[str, Path(min_length=1, max_length=64)]
Number = Annotated[str, Path(min_length=1, max_length=64)]
Action = Annotated[str, Path(min_length=1, max_length=64)]


def _panel(
    request: Request,
    kefu: KefuDep,
    who: Principal,
    code: str,
    number: str,
    *,
    sent: amazon_messages.OrderMessage | None = None,
    problem: str | None = None,
) -> Response:
    actions: list[str] = []
    unavailable = None
    try:
        actions = amazon_messages.actions(who, code, number, uow=kefu.uow(), deps=kefu.marketplaces)
    except DomainError as exc:
        unavailable = exc.message
    context = {
        "unavailable": unavailable,
        "code": code,
        "number": number,
        "actions": actions,
        "sent": sent,
        "problem": problem,
        "client_key": uuid.uuid4().hex,
    }
    return render_page(request, "partials/amazon_actions.html", context)


@router.get("/amazon/{code}/{number}/actions")
def actions_panel(
    code: Code, number: Number, request: Request, kefu: KefuDep, who: Replier
) -> Response:
    return _panel(request, kefu, who, code, number)


@router.post("/amazon/{code}/{number}/actions/{action}")
def send_action(
    code: Code,
    number: Number,
    action: Action,
    request: Request,
    kefu: KefuDep,
    who: Replier,
    client_key: Annotated[str, Form(min_length=1, max_length=128)],
    text: Annotated[str, Form(max_length=amazon_messages.MAX_TEXT)] = "",
) -> Response:
    try:
        done = amazon_messages.send(
            who,
            code,
            number,
            action,
            text=text or None,
            client_key=client_key,
            uow_factory=kefu.uow,
            deps=kefu.marketplaces,
            gate=kefu.gate,
            clock=kefu.clock,
        )
    except PolicyBlocked as blocked:
        problem = "; ".join(f.message for f in blocked.result.findings)
        return _panel(request, kefu, who, code, number, problem=problem)
    except DomainError as exc:
        return _panel(request, kefu, who, code, number, problem=exc.message)
    return _panel(request, kefu, who, code, number, sent=done.message)
