"""The owner's pages: the team's accounts (stores, role, languages, shift), the shop's
stores, and the audit log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from kefu.domain.errors import DomainError, FieldError, InvalidInput, NotFound, RowErrors
from kefu.domain.geo import BUYER_LANGUAGES
from kefu.domain.permissions import Role
from kefu.domain.routing import parse_shift
from kefu.services import routing, shop
from kefu.services.auth import NewAccount
from kefu.web.deps import KefuDep
from kefu.web.errors import field_errors
from kefu.web.i18n import negotiate
from kefu.web.security import (
    AccountManager,
    AuditViewer,
    RoutingManager,
    ShopManager,
    visible_store,
)
from kefu.web.templating import cldr, render

router = APIRouter(include_in_schema=False)

ROLES = [r.value for r in Role if r is not Role.OWNER]
LANGUAGES = ("zh", *BUYER_LANGUAGES)
AUDIT_PAGE = 50


@router.get("/team")
def team_page(request: Request, kefu: KefuDep, who: AccountManager) -> Response:
    return _team(request, kefu, {})


@router.post("/team")
async def create_account(request: Request, kefu: KefuDep, who: AccountManager) -> Response:
    form = await request.form()
    try:
        fields = _account_fields(form)
        new = NewAccount(
            username=str(form.get("username", "")),
            password=str(form.get("password", "")),
            **fields,
        )
        account_id = kefu.auth.create_account(who, new, uow=kefu.uow(), clock=kefu.clock)
    except DomainError as exc:
        return _team(request, kefu, {"errors": field_errors(exc), "form": _echo(form)}, 422)
    return RedirectResponse(f"/team/{account_id}?saved=1", status_code=303)


@router.get("/team/{account_id}")
def account_page(
    request: Request,
    kefu: KefuDep,
    who: AccountManager,
    account_id: int,
    saved: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    return _edit(request, kefu, account_id, {"saved": bool(saved)})


@router.post("/team/{account_id}")
async def update_account(
    request: Request, kefu: KefuDep, who: AccountManager, account_id: int
) -> Response:
    form = await request.form()
    try:
        fields = _account_fields(form)
        kefu.auth.update_account(
            who,
            account_id,
            display_name=fields["display_name"],
            role=fields["role"],
            store_ids=fields["store_ids"],
            languages=fields["languages"],
            timezone=fields["timezone"],
            shift=fields["shift"],
            active=form.get("active") == "on",
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        # A deactivated agent, or one whose stores or shift changed, hands work on now.
        routing.sweep(kefu.uow(), kefu.clock)
    except DomainError as exc:
        return _edit(request, kefu, account_id, {"errors": field_errors(exc)}, 422)
    return RedirectResponse(f"/team/{account_id}?saved=1", status_code=303)


@router.post("/team/{account_id}/products")
async def set_products(
    request: Request, kefu: KefuDep, who: AccountManager, account_id: int
) -> Response:
    form = await request.form()
    chosen = [int(str(v)) for v in form.getlist("products") if str(v).isdigit()]
    kefu.auth.set_products(who, account_id, chosen, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse(f"/team/{account_id}?saved=1#products", status_code=303)


@router.post("/team/{account_id}/password")
async def reset_password(
    request: Request, kefu: KefuDep, who: AccountManager, account_id: int
) -> Response:
    form = await request.form()
    try:
        kefu.auth.reset_password(
            who, account_id, str(form.get("password", "")), uow=kefu.uow(), clock=kefu.clock
        )
    except DomainError as exc:
        return _edit(request, kefu, account_id, {"errors": field_errors(exc)}, 422)
    return RedirectResponse(f"/team/{account_id}?saved=1", status_code=303)


@router.get("/shifts")
def shifts_page(request: Request, kefu: KefuDep, who: RoutingManager) -> Response:
    return _shifts(request, kefu, {})


@router.post("/shifts/{account_id}")
async def save_shift(
    request: Request, kefu: KefuDep, who: RoutingManager, account_id: int
) -> Response:
    """A lead changes an agent's hours; work they no longer cover is handed on at once."""
    form = await request.form()
    try:
        shift, errors = _shift_fields(form)
        if errors:
            raise RowErrors(errors)
        kefu.auth.set_shift(
            who,
            account_id,
            timezone=str(form.get("timezone", ""))[:64],
            shift=shift,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
        routing.sweep(kefu.uow(), kefu.clock)
    except DomainError as exc:
        return _shifts(request, kefu, {"errors": field_errors(exc)}, 422)
    return RedirectResponse("/shifts?saved=1", status_code=303)


def _shifts(request: Request, kefu: KefuDep, extra: dict[str, Any], status: int = 200) -> Response:
    with kefu.uow() as uow:
        agents = [a for a in uow.auth.accounts() if a.role in routing.TEAMS and a.active]
    context = {
        **_common(request, kefu),
        "nav": "shifts",
        "agents": agents,
        "errors": [],
        "saved": "saved" in request.query_params,
    }
    name = "pages/shifts.html"
    return render(request.app.state.templates, request, name, {**context, **extra}, status)


@router.get("/audit")
def audit_page(
    request: Request,
    kefu: KefuDep,
    who: AuditViewer,
    account: Annotated[str, Query(max_length=12)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Newest first; filter by person, action and days (UTC). Empty fields mean any."""
    who_id = int(account) if account.isdigit() else None
    first, last = _day(start, "from"), _day(end, "to")
    since = datetime.combine(first, time.min, UTC) if first else None
    until = datetime.combine(last, time.min, UTC) + timedelta(days=1) if last else None
    with kefu.uow() as uow:
        rows = uow.auth.audit_page(
            account_id=who_id,
            action=action or None,
            since=since,
            until=until,
            limit=AUDIT_PAGE + 1,
            offset=(page - 1) * AUDIT_PAGE,
        )
        actions = uow.auth.audit_actions()
        people = uow.auth.accounts()
    return render(
        request.app.state.templates,
        request,
        "pages/audit.html",
        {
            "nav": "audit",
            "rows": rows[:AUDIT_PAGE],
            "more": len(rows) > AUDIT_PAGE,
            "page": page,
            "actions": actions,
            "people": people,
            "chosen": {"account": who_id, "action": action, "from": first, "to": last},
            "as_json": lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True, default=str),
            "page_query": lambda n: urlencode({**request.query_params, "page": n}),
        },
    )


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"'{name}' is a day like 2026-11-01", field=name) from None


def _account_fields(form: FormData) -> dict[str, Any]:
    """The parts of the account form shared by creating and editing; RowErrors if bad."""
    shift, errors = _shift_fields(form)
    stores = []
    for value in form.getlist("stores"):
        if str(value).isdigit():
            stores.append(int(str(value)))
        else:
            errors.append(FieldError("stores", "is a list of store ids", value=str(value)))
    if errors:
        raise RowErrors(errors)
    return {
        "display_name": str(form.get("display_name", "")),
        "role": str(form.get("role", "")),
        "store_ids": frozenset(stores),
        "languages": tuple(str(v) for v in form.getlist("languages") if str(v) in LANGUAGES),
        "timezone": str(form.get("timezone", "Asia/Shanghai")) or "Asia/Shanghai",
        "shift": shift,
    }


def _shift_fields(form: FormData) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """The seven day rows of a shift form; None when "always available" is ticked."""
    if form.get("always_on") == "on":
        return None, []
    shift: dict[str, Any] = {}
    for day in range(7):
        start, end = str(form.get(f"start_{day}", "")), str(form.get(f"end_{day}", ""))
        if start or end:
            shift[str(day)] = [start, end]
    try:
        parse_shift(shift)
    except RowErrors as exc:
        return shift, exc.errors
    return shift, []


def _echo(form: FormData) -> dict[str, Any]:
    """What the owner typed, to show again with the errors (never the password)."""
    return {
        "username": form.get("username", ""),
        "display_name": form.get("display_name", ""),
        "role": form.get("role", ""),
        "timezone": form.get("timezone", "Asia/Shanghai"),
        "stores": {int(str(s)) for s in form.getlist("stores") if str(s).isdigit()},
        "languages": set(map(str, form.getlist("languages"))),
    }


def _common(request: Request, kefu: KefuDep) -> dict[str, Any]:
    locale = negotiate(request, kefu.settings.default_locale)
    with kefu.uow() as uow:
        stores = uow.queries.stores()
    return {
        "nav": "team",
        "stores": stores,
        "roles": ROLES,
        "languages": LANGUAGES,
        "weekdays": [cldr(locale).days["format"]["abbreviated"][d] for d in range(7)],
    }


def _team(request: Request, kefu: KefuDep, extra: dict[str, Any], status: int = 200) -> Response:
    with kefu.uow() as uow:
        accounts = uow.auth.accounts()
    context = {**_common(request, kefu), "accounts": accounts, "form": {}, "errors": []}
    return render(
        request.app.state.templates, request, "pages/team.html", {**context, **extra}, status
    )


def _edit(
    request: Request, kefu: KefuDep, account_id: int, extra: dict[str, Any], status: int = 200
) -> Response:
    with kefu.uow() as uow:
        account = uow.auth.account(account_id)
        products = uow.auth.products_of(account.store_ids) if account else []
        names = {a.id: a.display_name for a in uow.auth.accounts()}
    if account is None:
        raise NotFound(f"no account {account_id}", id=account_id)
    context = {
        **_common(request, kefu),
        "account": account,
        "products": products,
        "names": names,
        "errors": [],
        "saved": False,
    }
    return render(
        request.app.state.templates,
        request,
        "pages/team_account.html",
        {**context, **extra},
        status,
    )


@router.get("/shop")
def shop_page(request: Request, kefu: KefuDep, who: ShopManager) -> Response:
    return _shop(request, kefu, {})


@router.post("/shop/{code}")
async def shop_update(request: Request, kefu: KefuDep, who: ShopManager, code: str) -> Response:
    form = await request.form()
    store = visible_store(kefu, who, code)
    try:
        shop.update_store(
            who,
            store,
            name=str(form.get("name", ""))[:300],
            timezone=str(form.get("timezone", ""))[:100],
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    except DomainError as exc:
        return _shop(request, kefu, {"errors": field_errors(exc)}, 422)
    return RedirectResponse("/shop?saved=1", status_code=303)


def _shop(request: Request, kefu: KefuDep, extra: dict[str, Any], status: int = 200) -> Response:
    with kefu.uow() as uow:
        stores = uow.queries.stores()
    context = {
        "nav": "shop",
        "stores": stores,
        "errors": [],
        "saved": "saved" in request.query_params,
    }
    return render(
        request.app.state.templates, request, "pages/shop.html", {**context, **extra}, status
    )
