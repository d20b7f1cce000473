"""One table: domain errors → HTTP status; JSON for the API, an HTML fragment for pages."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kefu.domain.errors import (
    DomainError,
    FieldError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    RowErrors,
)
from kefu.services.access import Forbidden, NotSignedIn
from kefu.services.amazon_messages import MarketplaceRefused
from kefu.services.auth import SignInFailed, Throttled
from kefu.services.mail import NoSecretKey
from kefu.services.outgoing import PolicyBlocked
from kefu.services.ports import ConcurrentWriteError
from kefu.services.shop import Conflict
from kefu.web.i18n import translations
from kefu.web.templating import render

STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    InvalidInput: 422,
    RowErrors: 422,
    InvalidTransition: 409,
    Conflict: 409,
    PolicyBlocked: 422,
    SignInFailed: 401,
    NotSignedIn: 401,
    Forbidden: 403,
    Throttled: 429,
    NoSecretKey: 503,
    MarketplaceRefused: 502,
}


def status_for(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        status = status_for(exc)
        headers = _headers(exc)
        if isinstance(exc, NotSignedIn) and not request.url.path.startswith("/api/"):
            return _to_sign_in(request)
        if request.url.path.startswith("/api/"):
            body: dict[str, object] = {"error": exc.code, "message": exc.message, **_params(exc)}
            if isinstance(exc, RowErrors):
                body["errors"] = [e.__dict__ for e in exc.errors]
            if isinstance(exc, PolicyBlocked):
                body["findings"] = [
                    {**f.__dict__, "rule": f.rule.value, "severity": f.severity.value}
                    for f in exc.result.findings
                ]
            return JSONResponse(body, status_code=status, headers=headers)
        locale = request.cookies.get("kefu_locale", request.app.state.kefu.settings.default_locale)
        text = translations(locale if locale in ("zh_CN", "en") else "en").gettext(exc.message)
        if request.method == "GET" and request.headers.get("HX-Request") != "true":
            # A page opened by URL keeps the layout, so the agent can navigate on.
            return render(
                request.app.state.templates,
                request,
                "pages/error.html",
                {"message": text, "status": status},
                status_code=status,
            )
        return HTMLResponse(
            f'<div class="flash error" role="alert">{escape(text)}</div>',
            status_code=status,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """The API answers with FastAPI's JSON detail; a page says in words what is wrong."""
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return HTMLResponse(
            f'<div class="flash error" role="alert">{escape(problems)}</div>', status_code=422
        )

    @app.exception_handler(ConcurrentWriteError)
    async def busy(request: Request, exc: ConcurrentWriteError) -> Response:
        return JSONResponse(
            {"error": "busy", "message": "another write to the same data happened; retry"},
            status_code=503,
            headers={"Retry-After": "1"},
        )


def field_errors(exc: DomainError) -> list[FieldError]:
    """A domain error as the list of field problems a form shows beside its fields."""
    if isinstance(exc, RowErrors):
        return exc.errors
    return [FieldError(str(exc.params.get("field", "form")), exc.message)]


def _headers(exc: DomainError) -> dict[str, str]:
    if isinstance(exc, Throttled):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, NotSignedIn | SignInFailed):
        return {"WWW-Authenticate": 'Bearer realm="kefu"'}
    return {}


def _to_sign_in(request: Request) -> Response:
    """A page asked for without a session: to the sign-in page, and back afterwards.
    HTMX follows redirects inside the fragment, so it is told to load the page instead."""
    target = "/sign-in?" + urlencode({"next": _local_path(request)})
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _local_path(request: Request) -> str:
    """Where to come back to: the page asked for, or the inbox after a refused write."""
    if request.method != "GET":
        return "/"
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _params(exc: DomainError) -> dict[str, object]:
    return {
        k: v for k, v in exc.params.items() if isinstance(v, str | int | float | bool) or v is None
    }
