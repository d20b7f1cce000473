"""The owner's pages: the team's accounts (stores, role, languages, shift), the shop's
stores; the leads' too: shifts and the audit log. Each handler parses the form, calls one
use case (which decides what the person may do and see) and renders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from kefu.domain.cases.limits import CaseLimits
from kefu.domain.errors import DomainError, FieldError, InvalidInput, RowErrors
from kefu.domain.geo import BUYER_LANGUAGES
from kefu.domain.mail import MAX_PASSWORD, MailboxDraft
from kefu.domain.permissions import Role
from kefu.domain.routing import parse_shift
from kefu.domain.stores import SITES, StoreDraft
from kefu.services import case_limits, connections, mail, oauth, shop, sync
from kefu.services.auth import AuditQuery, NewAccount
from kefu.services.sync import MAX_CREDENTIAL_CHARS
from kefu.web.audit_view import AuditWords
from kefu.web.deps import KefuDep
from kefu.web.errors import field_errors, status_for
from kefu.web.i18n import negotiate, translations
from kefu.web.labels import N_
from kefu.web.params import MAX_ID, Id
from kefu.web.security import AccountManager, AuditViewer, RoutingManager, ShopManager
from kefu.web.templating import cldr, render

router = APIRouter(include_in_schema=False)

StoreCode = Annotated[str, Path(min_length=1, max_length=64)]
ROLES = [r.value for r in Role if r is not Role.OWNER]
LANGUAGES = ("zh", *BUYER_LANGUAGES)
# A new sub-account's form starts with real hours (Monday to Friday, 09:00–18:00), not
# placeholders that look like values but save nothing.
DEFAULT_SHIFT = {str(day): ["09:00", "18:00"] for day in range(5)}
NO_SHIFT_HOURS = N_("give the hours of at least one day, or tick “No shift: always available”")


@router.get("/team")
def team_page(request: Request, kefu: KefuDep, who: AccountManager) -> Response:
    return _team(request, kefu, who, {})


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
        extra = {"errors": field_errors(exc), "form": _echo(form)}
        return _team(request, kefu, who, extra, 422)
    return RedirectResponse(f"/team/{account_id}?saved=1", status_code=303)


@router.get("/team/{account_id}")
def account_page(
    request: Request,
    kefu: KefuDep,
    who: AccountManager,
    account_id: Id,
    saved: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    return _edit(request, kefu, who, account_id, {"saved": bool(saved)})


@router.post("/team/{account_id}")
async def update_account(
    request: Request, kefu: KefuDep, who: AccountManager, account_id: Id
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
    except DomainError as exc:
        return _edit(request, kefu, who, account_id, {"errors": field_errors(exc)}, 422)
    return RedirectResponse(f"/team/{account_id}?saved=1", status_code=303)


@router.post("/team/{account_id}/products")
async def set_products(
    request: Request, kefu: KefuDep, who: AccountManager, account_id: Id
) -> Response:
    form = await request.form()
    chosen = _ids(form.getlist("products"), "products")
    kefu.auth.set_products(who, account_id, chosen, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse(f"/team/{account_id}?saved=1#products", status_code=303)


@router.post("/team/{account_id}/password")
async def reset_password(
    request: Request, kefu: KefuDep, who: AccountManager, account_id: Id
) -> Response:
    form = await request.form()
    try:
        kefu.auth.reset_password(
            who, account_id, str(form.get("password", "")), uow=kefu.uow(), clock=kefu.clock
        )
    except DomainError as exc:
        return _edit(request, kefu, who, account_id, {"errors": field_errors(exc)}, 422)
    return RedirectResponse(f"/team/{account_id}?saved=1", status_code=303)


@router.get("/shifts")
def shifts_page(request: Request, kefu: KefuDep, who: RoutingManager) -> Response:
    return _shifts(request, kefu, who, {})


@router.post("/shifts/{account_id}")
async def save_shift(
    request: Request, kefu: KefuDep, who: RoutingManager, account_id: Id
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
    except RowErrors as exc:
        return _shifts(request, kefu, who, {"errors": field_errors(exc)}, 422)
    return RedirectResponse("/shifts?saved=1", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request,
    kefu: KefuDep,
    who: AuditViewer,
    account: Annotated[str, Query(max_length=19)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Newest first; filter by person, action and days (UTC). Empty fields mean any."""
    person = next(iter(_ids([account], "account")), None) if account else None
    first, last = _day(start, "from"), _day(end, "to")
    query = AuditQuery(
        account_id=person,
        action=action or None,
        since=datetime.combine(first, time.min, UTC) if first else None,
        until=datetime.combine(last, time.min, UTC) + timedelta(days=1) if last else None,
        page=page,
    )
    found = kefu.auth.audit_page(who, query, uow=kefu.uow())
    locale = negotiate(request, kefu.settings.default_locale)
    words = AuditWords(translations(locale).gettext, found.names, found.stores)
    return render(
        request.app.state.templates,
        request,
        "pages/audit.html",
        {
            "nav": "audit",
            "lines": [words.line(r) for r in found.rows],
            "more": found.more,
            "page": page,
            "actions": [(a, words.action(a)) for a in found.actions],
            "people": found.people,
            "chosen": {"account": person, "action": action, "from": first, "to": last},
            "page_query": lambda n: urlencode({**request.query_params, "page": n}),
        },
    )


@router.get("/shop")
def shop_page(request: Request, kefu: KefuDep, who: ShopManager) -> Response:
    return _shop(request, kefu, who, {})


@router.post("/shop")
async def shop_create(request: Request, kefu: KefuDep, who: ShopManager) -> Response:
    form = await request.form()
    draft = StoreDraft(
        code=_text(form, "code", 80),
        platform=_text(form, "platform", 32),
        site=_text(form, "site", 32),
        name=_text(form, "name", 300),
        currency=_text(form, "currency", 8),
        timezone=_text(form, "timezone", 100),
        holiday_country=_text(form, "holiday_country", 8),
    )
    try:
        shop.create_store(who, draft, checks=kefu.store_checks, uow=kefu.uow(), clock=kefu.clock)
    except DomainError as exc:
        status = status_for(exc)
        return _shop(request, kefu, who, {"errors": field_errors(exc), "form": draft}, status)
    return RedirectResponse(f"/shop?saved=1#store-{draft.code.strip()}", status_code=303)


@router.post("/shop/{code}")
async def shop_update(
    request: Request, kefu: KefuDep, who: ShopManager, code: StoreCode
) -> Response:
    form = await request.form()
    try:
        shop.update_store(
            who,
            code,
            name=_text(form, "name", 300),
            timezone=_text(form, "timezone", 100),
            site=_text(form, "site", 32) if "site" in form else None,
            currency=_text(form, "currency", 8) if "currency" in form else None,
            holiday_country=(
                _text(form, "holiday_country", 8) if "holiday_country" in form else shop.KEEP
            ),
            checks=kefu.store_checks,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    except RowErrors as exc:
        return _shop(request, kefu, who, {"errors": field_errors(exc), "editing": code}, 422)
    return RedirectResponse(f"/shop?saved=1#store-{code}", status_code=303)


@router.post("/shop/{code}/mailbox")
async def shop_mailbox(
    request: Request, kefu: KefuDep, who: ShopManager, code: StoreCode
) -> Response:
    """Set or change the store's mailbox; empty password fields keep the stored ones."""
    form = await request.form()
    draft = MailboxDraft(
        address=_text(form, "address", 300),
        imap_host=_text(form, "imap_host", 300),
        imap_port=_port(form, "imap_port"),
        imap_security=_text(form, "imap_security", 16),
        imap_user=_text(form, "imap_user", 400),
        imap_password=_secret(form, "imap_password"),
        folder=_text(form, "folder", 250) or "INBOX",
        smtp_host=_text(form, "smtp_host", 300),
        smtp_port=_port(form, "smtp_port"),
        smtp_security=_text(form, "smtp_security", 16),
        smtp_user=_text(form, "smtp_user", 400),
        smtp_password=_secret(form, "smtp_password"),
        amazon_relay=form.get("amazon_relay") == "on",
        enabled=form.get("enabled") == "on",
    )
    try:
        mail.set_mailbox(who, code, draft, secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock)
    except (RowErrors, mail.NoSecretKey) as exc:
        extra = {"errors": field_errors(exc), "editing": code, "mailbox_form": draft}
        return _shop(request, kefu, who, extra, status_for(exc))
    return RedirectResponse(f"/shop?saved=1#mailbox-{code}", status_code=303)


@router.post("/shop/{code}/mailbox/remove")
def shop_mailbox_remove(kefu: KefuDep, who: ShopManager, code: StoreCode) -> Response:
    mail.remove_mailbox(who, code, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse(f"/shop?saved=1#store-{code}", status_code=303)


@router.post("/shop/{code}/connection")
async def shop_connection(
    request: Request, kefu: KefuDep, who: ShopManager, code: StoreCode
) -> Response:
    """Connect the store to its marketplace's API with every key it needs (docs/channels.md)."""
    form = await request.form()
    echo = {
        "base_url": _text(form, "base_url", 400),
        "interval_minutes": _text(form, "interval_minutes", 8),
        "backfill_days": _text(form, "backfill_days", 8),
    }
    keys = [k for k in form if k.startswith("credential_")][:10]
    try:
        connections.connect(
            who,
            code,
            base_url=echo["base_url"],
            credentials={k[11:75]: _secret(form, k, MAX_CREDENTIAL_CHARS) for k in keys},
            interval_minutes=_number(echo["interval_minutes"], "interval_minutes"),
            backfill_days=_number(echo["backfill_days"], "backfill_days"),
            secrets=kefu.secrets,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    except DomainError as exc:
        extra = {"errors": field_errors(exc), "editing": code, "connection_form": echo}
        return _shop(request, kefu, who, extra, status_for(exc))
    return RedirectResponse(f"/shop?saved=1#connection-{code}", status_code=303)


@router.post("/shop/{code}/connection/remove")
def shop_disconnect(kefu: KefuDep, who: ShopManager, code: StoreCode) -> Response:
    sync.disconnect_store(who, code, uow=kefu.uow())
    return RedirectResponse(f"/shop?saved=1#store-{code}", status_code=303)


@router.post("/shop/{code}/sync")
async def shop_sync(request: Request, kefu: KefuDep, who: ShopManager, code: StoreCode) -> Response:
    """Sync the store now; the page shows the report and the store's health."""
    report = await run_in_threadpool(
        sync.sync_now, who, code, uow_factory=kefu.uow, deps=kefu.marketplaces, clock=kefu.clock
    )
    return _shop(request, kefu, who, {"synced": (code, report), "editing": code})


def _number(value: str, name: str) -> int:
    if not (value.isascii() and value.isdecimal() and len(value) < 8):
        raise InvalidInput(f"{name}: is a whole number", field=name)
    return int(value)


def _port(form: FormData, name: str) -> int:
    value = _text(form, name, 8)
    return int(value) if value.isdigit() else 0


def _secret(form: FormData, name: str, limit: int = MAX_PASSWORD) -> str:
    """A password as typed (not trimmed), at most the domain's limit plus one."""
    value = form.get(name)
    return value[: limit + 1] if isinstance(value, str) else ""


@router.post("/shop/{code}/archive")
def shop_archive(kefu: KefuDep, who: ShopManager, code: StoreCode) -> Response:
    shop.archive_store(who, code, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse(f"/shop?saved=1#store-{code}", status_code=303)


@router.post("/shop/{code}/restore")
def shop_restore(kefu: KefuDep, who: ShopManager, code: StoreCode) -> Response:
    shop.restore_store(who, code, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse(f"/shop?saved=1#store-{code}", status_code=303)


# --- reading forms ------------------------------------------------------------------------


def _text(form: FormData, name: str, limit: int) -> str:
    """A text field, cut where no valid value could reach (the use case names the error)."""
    return str(form.get(name, ""))[:limit]


def _ids(values: Iterable[object], name: str) -> list[int]:
    """Database ids from form values; anything else (a '²', a 5000-digit number) is named,
    never a 500."""
    out, bad = [], []
    for value in map(str, values):
        if value.isascii() and value.isdecimal() and len(value) < 20 and 1 <= int(value) <= MAX_ID:
            out.append(int(value))
        else:
            bad.append(FieldError(name, "is a list of ids", value=value[:40]))
    if bad:
        raise RowErrors(bad)
    return out


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
    try:
        stores = _ids(form.getlist("stores"), "stores")
    except RowErrors as exc:
        errors += exc.errors
    if errors:
        raise RowErrors(errors)
    return {
        "display_name": str(form.get("display_name", "")),
        "role": str(form.get("role", "")),
        "store_ids": frozenset(stores),
        "languages": tuple(str(v) for v in form.getlist("languages") if str(v) in LANGUAGES),
        "timezone": str(form.get("timezone", "Asia/Shanghai"))[:64] or "Asia/Shanghai",
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
            shift[str(day)] = [start[:10], end[:10]]
    if not shift:
        # Seven empty days would save an agent who is never on shift, so routing skips them.
        return shift, [FieldError.about("shift", NO_SHIFT_HOURS)]
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
        "stores": {
            int(str(s)) for s in form.getlist("stores") if str(s).isascii() and str(s).isdecimal()
        },
        "languages": set(map(str, form.getlist("languages"))),
        "shift": _shift_fields(form)[0],
    }


# --- rendering ----------------------------------------------------------------------------


def _render(
    request: Request, kefu: KefuDep, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    locale = negotiate(request, kefu.settings.default_locale)
    shared = {
        "nav": "team",
        "roles": ROLES,
        "languages": LANGUAGES,
        "weekdays": [cldr(locale).days["format"]["abbreviated"][d] for d in range(7)],
        "errors": [],
        "saved": "saved" in request.query_params,
    }
    return render(request.app.state.templates, request, name, {**shared, **context}, status)


def _team(
    request: Request, kefu: KefuDep, who: AccountManager, extra: dict[str, Any], status: int = 200
) -> Response:
    view = kefu.auth.team(who, uow=kefu.uow())
    context = {
        "accounts": view.accounts,
        "with_password": view.with_password,
        "stores": view.stores,
        "form": {"shift": DEFAULT_SHIFT},
    }
    return _render(request, kefu, "pages/team.html", {**context, **extra}, status)


def _edit(
    request: Request,
    kefu: KefuDep,
    who: AccountManager,
    account_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    view = kefu.auth.agent(who, account_id, uow=kefu.uow())
    context = {
        "account": view.account,
        "products": view.products,
        "names": view.names,
        "stores": view.stores,
        # The owner's limits on this person's risky after-sale actions (docs/deadlines.md).
        "case_limits": case_limits.limits_of(who, account_id, uow=kefu.uow()),
    }
    return _render(request, kefu, "pages/team_account.html", {**context, **extra}, status)


def _shifts(
    request: Request, kefu: KefuDep, who: RoutingManager, extra: dict[str, Any], status: int = 200
) -> Response:
    agents = kefu.auth.shift_agents(who, uow=kefu.uow())
    context = {"nav": "shifts", "agents": agents}
    return _render(request, kefu, "pages/shifts.html", {**context, **extra}, status)


def _shop(
    request: Request, kefu: KefuDep, who: ShopManager, extra: dict[str, Any], status: int = 200
) -> Response:
    context = {
        "nav": "shop",
        "stores": shop.shop_stores(who, uow=kefu.uow()),
        # Each store's mailbox and its health (docs/mail.md), passwords masked.
        "mailboxes": mail.mailboxes(who, uow=kefu.uow()),
        # Each store's marketplace connection and its health (docs/channels.md), keys masked.
        "connections": connections.connections(who, secrets=kefu.secrets, uow=kefu.uow()),
        "connection_fields": connections.fields(),
        # "Connect with eBay/Wish" and what the platform's answer did (services/oauth.py).
        "oauth_platforms": oauth.platforms(kefu.oauth),
        "oauth_results": oauth.RESULTS,
        "oauth_callback": kefu.oauth.callback_url,
        "sites": {p.value: list(sites) for p, sites in SITES.items()},
        "form": None,
        "editing": None,
    }
    return _render(request, kefu, "pages/shop.html", {**context, **extra}, status)


# --- limits on risky after-sale actions (docs/deadlines.md "Limits") ----------------------


@router.post("/team/{account_id}/case-limits")
async def save_case_limits(
    request: Request, kefu: KefuDep, who: AccountManager, account_id: Id
) -> Response:
    """An empty amount is "any amount"; the use case checks the owner and the range."""
    form = await request.form()
    raw = str(form.get("max_refund_usd", "")).strip()
    try:
        cents = None if raw == "" else _usd_cents(raw)
        limits = CaseLimits(
            cents, form.get("may_decline_return") == "on", form.get("may_refuse_dispute") == "on"
        )
        case_limits.set_limits(who, account_id, limits, uow=kefu.uow(), clock=kefu.clock)
    except DomainError as exc:
        return _edit(request, kefu, who, account_id, {"errors": field_errors(exc)}, 422)
    return RedirectResponse(f"/team/{account_id}?saved=1#case-limits", status_code=303)


def _usd_cents(raw: str) -> int:
    """ "120" or "120.50" as cents; anything else names the field."""
    try:
        value = Decimal(raw[:20])
    except InvalidOperation:
        raise InvalidInput("not an amount in USD", field="max_refund_usd", value=raw[:20]) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise InvalidInput("an amount in USD with at most 2 decimals", field="max_refund_usd")
    return int(value * 100)
