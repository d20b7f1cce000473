"""Signing in and out, the first-run set-up, and a person's own account and API tokens."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kefu.domain.errors import DomainError, FieldError, RowErrors
from kefu.domain.permissions import Permission, permissions_of
from kefu.services.auth import SESSION_MAX, SignInFailed, Throttled
from kefu.web.deps import KefuDep
from kefu.web.errors import field_errors, in_words
from kefu.web.i18n import negotiate
from kefu.web.labels import N_
from kefu.web.params import Id
from kefu.web.security import SESSION_COOKIE, Anyone, SignedIn, TokenManager
from kefu.web.templating import render

router = APIRouter(include_in_schema=False)

# Sign-in and set-up forms are posted before there is a session: a cookie set with the
# form must come back with it (double submit), so another site cannot post them.
FORM_COOKIE = "kefu_form"

# Rights the marketplaces know but kefu never exercises (SPEC §7): a token form offering
# them would promise something kefu cannot do, so only kefu's own rights are offered.
NOT_KEFU_RIGHTS = frozenset(
    {Permission.COLLECT_PAYMENTS, Permission.WITHDRAW_MONEY, Permission.ENROL_MARKETING}
)


def _safe_next(target: str) -> str:
    """Only local paths are followed after signing in (no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _form_page(
    request: Request, name: str, context: dict[str, object], status: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request.app.state.templates, request, name, {**context, "form_token": token}, status
    )
    response.set_cookie(
        FORM_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
    )
    return response


def _form_ok(request: Request, sent: str) -> bool:
    expected = request.cookies.get(FORM_COOKIE, "")
    return bool(expected) and hmac.compare_digest(sent, expected)


@router.get("/sign-in")
def sign_in_page(request: Request, kefu: KefuDep, who: Anyone, next: str = "/") -> Response:
    if kefu.auth.needs_setup(kefu.uow()):
        return RedirectResponse("/setup", status_code=303)
    if who is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _form_page(request, "pages/sign_in.html", {"next": _safe_next(next)})


@router.post("/sign-in")
def sign_in_action(
    request: Request,
    kefu: KefuDep,
    _who: Anyone,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    form_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    context: dict[str, object] = {"next": _safe_next(next), "username": username}
    if not _form_ok(request, form_token):
        context["error"] = N_("The sign-in form expired; please try again.")
        return _form_page(request, "pages/sign_in.html", context, 400)
    try:
        token, _ = kefu.auth.sign_in(
            username,
            password,
            address=_address(request),
            user_agent=request.headers.get("user-agent", ""),
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    except (SignInFailed, Throttled) as exc:
        context["error"] = in_words(exc, negotiate(request, kefu.settings.default_locale))
        status = 429 if isinstance(exc, Throttled) else 401
        response = _form_page(request, "pages/sign_in.html", context, status)
        if isinstance(exc, Throttled):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(SESSION_MAX.total_seconds()),
    )
    response.delete_cookie(FORM_COOKIE)
    return response


@router.post("/sign-out")
def sign_out_action(
    kefu: KefuDep,
    who: SignedIn,
    everywhere: Annotated[str, Form()] = "",
) -> Response:
    kefu.auth.sign_out(who, everywhere=everywhere == "on", uow=kefu.uow(), clock=kefu.clock)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/setup")
def setup_page(request: Request, kefu: KefuDep, _who: Anyone) -> Response:
    if not kefu.auth.needs_setup(kefu.uow()):
        return RedirectResponse("/sign-in", status_code=303)
    return _form_page(request, "pages/setup.html", {})


@router.post("/setup")
def setup_action(
    request: Request,
    kefu: KefuDep,
    _who: Anyone,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
    form_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The first person to open an empty kefu creates the main account, then signs in."""
    context: dict[str, object] = {"username": username, "display_name": display_name}
    try:
        if not _form_ok(request, form_token):
            raise RowErrors([FieldError("form", N_("the form expired; please try again"))])
        if password != repeat:
            raise RowErrors([FieldError("repeat", N_("the two passwords differ"))])
        kefu.auth.set_up_owner(username, display_name, password, uow=kefu.uow(), clock=kefu.clock)
    except DomainError as exc:
        context["errors"] = field_errors(exc)
        return _form_page(request, "pages/setup.html", context, 422)
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/account")
def account_page(request: Request, kefu: KefuDep, who: SignedIn) -> Response:
    return _account(request, kefu, who)


@router.post("/account/password")
def change_password(
    request: Request,
    kefu: KefuDep,
    who: SignedIn,
    current: Annotated[str, Form(max_length=1024)] = "",
    new: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Other sessions of the account end; this one stays signed in. Wrong current
    passwords are throttled like sign-ins (429 with Retry-After)."""
    try:
        if new != repeat:
            raise RowErrors([FieldError("repeat", N_("the two new passwords differ"))])
        kefu.auth.change_password(
            who, current, new, address=_address(request), uow=kefu.uow(), clock=kefu.clock
        )
    except Throttled as exc:
        response = _account(request, kefu, who, errors=field_errors(exc), status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except DomainError as exc:
        return _account(request, kefu, who, errors=field_errors(exc), status=422)
    return _account(request, kefu, who, notice="password_changed")


@router.post("/account/tokens")
async def create_token(request: Request, kefu: KefuDep, who: TokenManager) -> Response:
    form = await request.form()
    name = str(form.get("name", ""))[:200]
    scopes = [str(s) for s in form.getlist("scopes")]
    try:
        secret = kefu.auth.issue_token(who, name, scopes, uow=kefu.uow(), clock=kefu.clock)
    except DomainError as exc:
        return _account(request, kefu, who, errors=field_errors(exc), status=422)
    return _account(request, kefu, who, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, kefu: KefuDep, who: TokenManager, token_id: Id) -> Response:
    kefu.auth.revoke_token(who, token_id, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse("/account#tokens", status_code=303)


def _account(
    request: Request,
    kefu: KefuDep,
    who: SignedIn,
    *,
    errors: list[FieldError] | None = None,
    notice: str | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> Response:
    mine = kefu.auth.my_account(who, uow=kefu.uow())
    return render(
        request.app.state.templates,
        request,
        "pages/account.html",
        {
            "nav": "account",
            "errors": errors or [],
            "notice": notice,
            "new_token": new_token,
            "tokens": mine.tokens,
            "owners": mine.owners,
            "manages_tokens": who.can(Permission.MANAGE_TOKENS),
            "grantable": sorted(
                p.value
                for p in permissions_of(who.role, is_main=who.is_main)
                if p not in NOT_KEFU_RIGHTS
            ),
        },
        status,
    )
