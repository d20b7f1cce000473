"""The inbox screen and the conversation screen, with the agent's actions as HTMX posts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kefu.bootstrap import Kefu
from kefu.domain.bulk import MAX_BULK, BulkAction
from kefu.domain.errors import InvalidInput
from kefu.domain.permissions import Permission
from kefu.domain.policy import Finding, PolicyResult
from kefu.domain.saved_views import ACTIVE, MAX_QUERY, MINE, clean_query
from kefu.domain.subintents import correction
from kefu.domain.teamwork import ReplyCollision
from kefu.domain.termbase import WordsDisagree
from kefu.services import appeals, bulk_actions, inbox, views
from kefu.services.access import Principal
from kefu.services.bulk_actions import BulkRequest
from kefu.services.outgoing import PolicyBlocked
from kefu.web.api.views import bulk_out
from kefu.web.deps import KefuDep
from kefu.web.i18n import COOKIE, LOCALES
from kefu.web.pages.teamwork import thread_extras
from kefu.web.pages.translation import agent_language, translations_by_language
from kefu.web.params import MAX_ID, Id, IdValue
from kefu.web.schemas import InboxQuery
from kefu.web.security import (
    Anyone,
    Closer,
    InboxViewer,
    IntentCorrector,
    Marker,
    Replier,
)
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)
# A search longer than the Search page takes is cut there and refused in words.
MAX_SEARCH_URL = 1000
# Sent with every change made from the page: the list pane (hx-trigger) reloads itself.
CHANGED = "kefu-changed"
ACTIVE_STATE = "active"


@router.get("/")
def inbox_page(request: Request, kefu: KefuDep, who: InboxViewer) -> Response:
    """The split inbox with no conversation open; HTMX asks for the list alone. A search
    typed into the address (`/?q=…`) is the Search page's."""
    if q := request.query_params.get("q", "").strip():
        return RedirectResponse("/search?" + urlencode({"q": q[:MAX_SEARCH_URL]}), status_code=303)
    params = {k: v for k, v in request.query_params.items() if k != "q"}
    listing = _list_context(kefu, who, params)
    if request.headers.get("HX-Target") == "inbox-list":
        return render_page(request, "partials/inbox_list.html", listing)
    return render_page(request, "pages/inbox.html", {**listing, "c": None})


@router.get("/conversations/{conversation_id}")
def conversation_page(
    conversation_id: Id, request: Request, kefu: KefuDep, who: InboxViewer
) -> Response:
    """A row's click loads the conversation into the right pane (HTMX); opened by URL,
    the same conversation comes with the person's list beside it."""
    inbox.mark_read(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)
    if request.headers.get("HX-Target") == "conversation":
        return render_page(
            request,
            "partials/conversation_body.html",
            _conversation_context(request, kefu, who, conversation_id),
        )
    return _split_page(
        request, kefu, who, _conversation_context(request, kefu, who, conversation_id)
    )


@router.post("/conversations/bulk")
def bulk_action(
    request: Request,
    kefu: KefuDep,
    who: InboxViewer,
    action: Annotated[Literal["assign", "mark", "close", "reopen"], Form()],
    ids: Annotated[list[IdValue], Form(max_length=MAX_BULK)] = [],  # noqa: B006
    colour_mark: Annotated[str, Form(max_length=20)] = "",
    assignee_id: Annotated[str, Form(max_length=19)] = "",
) -> Response:
    """The list's bulk bar: a summary of what became of each selected conversation."""
    target = int(assignee_id) if assignee_id.isascii() and assignee_id.isdigit() else None
    if target is not None and not 1 <= target <= MAX_ID:
        raise InvalidInput("no active account with this id", field="assignee_id")
    report = bulk_actions.run(
        who,
        BulkRequest(BulkAction(action), tuple(ids), colour_mark or None, target),
        uow_factory=kefu.uow,
        clock=kefu.clock,
    )
    context = {"bulk_report": bulk_out(report)}
    if request.headers.get("HX-Request") != "true":
        return _split_page(request, kefu, who, {**context, "c": None})
    response = render_page(request, "partials/bulk_result.html", context)
    response.headers["HX-Trigger"] = CHANGED
    return response


@router.post("/views")
def save_view_action(
    kefu: KefuDep,
    who: InboxViewer,
    name: Annotated[str, Form(max_length=200)],
    query: Annotated[str, Form(max_length=MAX_QUERY)] = "",
) -> Response:
    """Save the list's filters as a tab; the list opens on the new view."""
    view = views.save_view(who, name, query, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse(f"/?{view.query}", status_code=303)


@router.post("/views/{view_id}/delete")
def delete_view_action(view_id: Id, kefu: KefuDep, who: InboxViewer) -> Response:
    views.delete_view(who, view_id, uow=kefu.uow())
    return RedirectResponse("/", status_code=303)


@router.post("/conversations/{conversation_id}/reply")
def reply_action(
    conversation_id: Id,
    request: Request,
    kefu: KefuDep,
    who: Replier,
    text: Annotated[str, Form(max_length=64 * 1024)],
    request_id: Annotated[str, Form(max_length=100)],
    template_key: Annotated[str, Form(max_length=40)] = "",
    override_reason: Annotated[str, Form(max_length=500)] = "",
    agent_text: Annotated[str, Form(max_length=64 * 1024)] = "",
    template_part: Annotated[str, Form(max_length=64 * 1024)] = "",
    answering_message_id: Annotated[str, Form(max_length=19)] = "",
    send_anyway: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    words = (agent_language(request, kefu), agent_text) if agent_text.strip() else None
    answering = int(answering_message_id) if answering_message_id.isdigit() else None
    try:
        kefu.replies.send(
            who,
            conversation_id,
            text,
            request_id=request_id,
            uow_factory=kefu.uow,
            clock=kefu.clock,
            template_key=template_key or None,
            override_reason=override_reason or None,
            agent_words=words,
            template_text=template_part,
            answering_message_id=answering if answering and answering <= MAX_ID else None,
            send_anyway=send_anyway == "on",
        )
    except (ReplyCollision, WordsDisagree) as refused:
        # Someone answered first (read it, then decide), or the term base moved: the
        # draft comes back with the reason.
        draft = _conversation_context(
            request,
            kefu,
            who,
            conversation_id,
            draft=text,
            template_key=template_key,
            agent_text=agent_text,
            template_part=template_part,
            problem=refused.message if isinstance(refused, WordsDisagree) else None,
        )
        if isinstance(refused, ReplyCollision):
            draft |= {"collision": refused, "answering_message_id": answering}
        return _body_or_page(request, kefu, who, draft)
    except PolicyBlocked as blocked:
        # The draft stays in the composer with each problem marked where it is.
        return _body_or_page(
            request,
            kefu,
            who,
            _conversation_context(
                request,
                kefu,
                who,
                conversation_id,
                draft=text,
                template_key=template_key,
                policy=blocked.result,
                agent_text=agent_text,
                template_part=template_part,
            ),
        )
    return _after_action(request, kefu, who, conversation_id, sent=True)


@router.post("/conversations/{conversation_id}/policy-check")
def policy_check_action(
    conversation_id: Id,
    request: Request,
    kefu: KefuDep,
    who: InboxViewer,
    text: Annotated[str, Form(max_length=64 * 1024)] = "",
) -> Response:
    """Checked as the agent types: the platform's rules, marked in the text."""
    result = kefu.replies.check_text(who, conversation_id, text, uow=kefu.uow(), clock=kefu.clock)
    return render_page(
        request, "partials/policy.html", {"policy": result, "segments": segments(result)}
    )


@router.post("/conversations/{conversation_id}/mark")
def mark_action(
    conversation_id: Id,
    request: Request,
    kefu: KefuDep,
    who: Marker,
    colour_mark: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    inbox.set_mark(who, conversation_id, colour_mark or None, uow=kefu.uow(), clock=kefu.clock)
    return _after_action(request, kefu, who, conversation_id)


@router.post("/conversations/{conversation_id}/assign")
def assign_action(
    conversation_id: Id,
    request: Request,
    kefu: KefuDep,
    who: Replier,  # a hand-over needs no right to assign: services/inbox.assign decides
    assignee_id: Annotated[str, Form(max_length=19)] = "",
) -> Response:
    target = int(assignee_id) if assignee_id.isascii() and assignee_id.isdigit() else None
    if target is not None and not 1 <= target <= MAX_ID:
        raise InvalidInput("no active account with this id", field="assignee_id")
    inbox.assign(who, conversation_id, target, uow=kefu.uow(), clock=kefu.clock)
    return _after_action(request, kefu, who, conversation_id)


@router.post("/conversations/{conversation_id}/close")
def close_action(conversation_id: Id, request: Request, kefu: KefuDep, who: Closer) -> Response:
    inbox.close(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)
    return _after_action(request, kefu, who, conversation_id)


@router.post("/conversations/{conversation_id}/no-response-needed")
def no_response_action(
    conversation_id: Id, request: Request, kefu: KefuDep, who: Replier
) -> Response:
    """SPEC §13: what the buyer wrote needs no answer; it leaves the response-time KPIs."""
    inbox.no_response_needed(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)
    return _after_action(request, kefu, who, conversation_id)


@router.post("/conversations/{conversation_id}/reopen")
def reopen_action(conversation_id: Id, request: Request, kefu: KefuDep, who: Closer) -> Response:
    inbox.reopen(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)
    return _after_action(request, kefu, who, conversation_id)


@router.post("/conversations/{conversation_id}/appeal")
def appeal_action(conversation_id: Id, request: Request, kefu: KefuDep, who: Closer) -> Response:
    """Ask Wish support to step in on the ticket (services/appeals.py); the page confirms."""
    appeals.appeal_to_support(
        who, conversation_id, uow_factory=kefu.uow, deps=kefu.marketplaces, clock=kefu.clock
    )
    return _after_action(request, kefu, who, conversation_id)


@router.post("/messages/{message_id}/intent")
def intent_action(
    message_id: Id,
    request: Request,
    kefu: KefuDep,
    who: IntentCorrector,
    intent: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Two clicks: open the menu under a buyer message, pick the right intent or a
    sub-intent listed under its parent (which then comes along)."""
    chosen, sub_intent = correction(intent)
    conversation_id = inbox.correct_intent(
        who, message_id, chosen, sub_intent=sub_intent, uow=kefu.uow(), clock=kefu.clock
    )
    return _after_action(request, kefu, who, conversation_id)


@router.post("/ui/locale")
def set_locale(
    _who: Anyone,
    locale: Annotated[str, Form()],
    next_url: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Switch the UI language; only local paths are followed back (no open redirect)."""
    target = next_url if next_url.startswith("/") and not next_url.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if locale in LOCALES:
        response.set_cookie(COOKIE, locale, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


def _after_action(
    request: Request, kefu: KefuDep, who: Principal, conversation_id: int, *, sent: bool = False
) -> Response:
    """HTMX swaps the conversation body in place and tells the list to refresh; a plain
    form post goes back to the page."""
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/conversations/{conversation_id}", status_code=303)
    response = render_page(
        request,
        "partials/conversation_body.html",
        {**_conversation_context(request, kefu, who, conversation_id), "sent": sent},
    )
    response.headers["HX-Trigger"] = CHANGED
    return response


def _body_or_page(
    request: Request, kefu: Kefu, who: Principal, conversation: dict[str, object]
) -> Response:
    """A refused send: the conversation body for HTMX, the whole split page otherwise."""
    if request.headers.get("HX-Request") == "true":
        return render_page(request, "partials/conversation_body.html", conversation)
    return _split_page(request, kefu, who, conversation)


def _split_page(request: Request, kefu: Kefu, who: Principal, extra: dict[str, object]) -> Response:
    """The list (the person's default view) on the left, `extra` (a conversation) right."""
    listing = _list_context(kefu, who, {})
    return render_page(request, "pages/inbox.html", {**listing, **extra})


def _list_context(kefu: Kefu, who: Principal, params: Mapping[str, str]) -> dict[str, object]:
    """The list's page, filters and view tabs. With no filters at all, the person's
    default view; without a state, closed conversations are hidden."""
    given = {k: v for k, v in params.items() if v}
    if not given:
        given = dict(parse_qsl(views.default_view(who)))
    given.setdefault("state", ACTIVE_STATE)
    try:
        query = InboxQuery.model_validate(given)
    except ValidationError as bad:
        # Said like any bad query parameter: "where: what", in the agent's language.
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in bad.errors()]
        ) from None
    result, options = views.inbox_screen(who, query.filters(me=who.account_id), uow=kefu.uow())
    selected = {k: v for k, v in given.items() if k != "page"}
    current = clean_query(urlencode(selected))
    return {
        "page": result,
        "options": options,
        "selected": selected,
        "state": selected["state"],
        "query_without_page": urlencode(selected),
        "saved_views": views.saved_views(who, uow=kefu.uow()),
        "mine_query": MINE,
        "open_query": ACTIVE,
        "current_view": current,
    }


def _conversation_context(
    request: Request,
    kefu: Kefu,
    who: Principal,
    conversation_id: int,
    *,
    draft: str = "",
    template_key: str = "",
    policy: PolicyResult | None = None,
    agent_text: str = "",
    template_part: str = "",
    problem: str | None = None,
) -> dict[str, object]:
    screen = views.conversation_screen(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)
    mine = agent_language(request, kefu)
    return {
        "c": screen.detail,
        "arrival": screen.arrival,
        "options": screen.options,
        "request_id": uuid.uuid4().hex,
        "suggestions": kefu.replies.suggestions(
            who, conversation_id, uow=kefu.uow(), clock=kefu.clock, agent_language=mine
        ),
        "withheld": kefu.replies.withheld(
            who, conversation_id, uow=kefu.uow(), clock=kefu.clock, agent_language=mine
        )
        if who.can(Permission.MANAGE_TEMPLATES)
        else [],
        "draft": draft,
        "agent_text": agent_text,
        "template_part": template_part,
        "send_problem": problem,
        "agent_language": mine,
        "translations": translations_by_language(screen.translations),
        "translation_enabled": kefu.translation.translator is not None,
        "template_key": template_key,
        "policy": policy,
        "segments": segments(policy) if policy else [],
        **thread_extras(kefu, who, screen.detail),
    }


def segments(result: PolicyResult) -> list[tuple[str, Finding | None]]:
    """The text cut at each finding, so the page can mark the exact places."""
    out: list[tuple[str, Finding | None]] = []
    position = 0
    for f in result.findings:
        if f.end <= f.start or f.start < position:
            continue
        out.append((result.text[position : f.start], None))
        out.append((result.text[f.start : f.end], f))
        position = f.end
    out.append((result.text[position:], None))
    return [(text, f) for text, f in out if text]
