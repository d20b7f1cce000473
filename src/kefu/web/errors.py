"""One table: domain errors → HTTP status; JSON for the API, words in the agent's language
for pages: a page in the layout when a browser opened the address, a fragment for HTMX."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu.domain.cases.limits import RiskyActionRefused
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
from kefu.web.i18n import message_in_words, negotiate, translations
from kefu.web.labels import LABELS
from kefu.web.security import resolve
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
    RiskyActionRefused: 403,  # the owner's limit on this person's after-sale steps
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
    app.add_exception_handler(DomainError, domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(ConcurrentWriteError, busy)  # type: ignore[arg-type]


async def domain_error(request: Request, exc: DomainError) -> Response:
    status = status_for(exc)
    headers = _headers(exc)
    if isinstance(exc, NotSignedIn) and not request.url.path.startswith("/api/"):
        return _to_sign_in(request)
    if request.url.path.startswith("/api/"):
        return _api_error(exc, status, headers)
    text = in_words(exc, _locale(request))
    if request.method == "GET" and request.headers.get("HX-Request") != "true":
        # A page opened by URL keeps the layout, so the agent can navigate on.
        return _error_page(request, status, [], headers, headline=text)
    return _fragment([text], status, headers)


def _api_error(exc: DomainError, status: int, headers: dict[str, str]) -> Response:
    body: dict[str, object] = {"error": exc.code, "message": exc.message, **_params(exc)}
    if isinstance(exc, RowErrors):
        body["errors"] = [e.__dict__ for e in exc.errors]
    if isinstance(exc, PolicyBlocked):
        body["findings"] = [
            {**f.__dict__, "rule": f.rule.value, "severity": f.severity.value}
            for f in exc.result.findings
        ]
    return JSONResponse(body, status_code=status, headers=headers)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """An unknown address or a refused method: a page in the agent's language for a
    browser, FastAPI's JSON for the API and for clients that do not ask for HTML."""
    if not _wants_page(request):
        return await http_exception_handler(request, exc)
    # No route ran, so no one resolved the session: do it, so the page keeps the person's nav.
    await run_in_threadpool(resolve, request, request.app.state.kefu)
    return _error_page(request, exc.status_code, [], dict(exc.headers or {}))


async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """The API answers with FastAPI's JSON detail; a page says in words what is wrong."""
    if request.url.path.startswith("/api/"):
        return await request_validation_exception_handler(request, exc)
    problems = [invalid_field(e, _locale(request)) for e in exc.errors()]
    if _wants_page(request):
        return _error_page(request, 422, problems, {})
    return _fragment(problems, 422, {})


async def busy(request: Request, exc: ConcurrentWriteError) -> Response:
    headers = {"Retry-After": "1"}
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {"error": "busy", "message": "another write to the same data happened; retry"},
            status_code=503,
            headers=headers,
        )
    gettext = translations(_locale(request)).gettext
    return _fragment([gettext(LABELS["error"]["busy"])], 503, headers)


def _locale(request: Request) -> str:
    return negotiate(request, request.app.state.kefu.settings.default_locale)


def in_words(exc: DomainError, locale: str) -> str:
    """A domain error as a person reads it: its own message when the catalog translates it
    (or in English, or by its pattern), else the wording of its code, filled from its
    parameters."""
    gettext = translations(locale).gettext
    own = message_in_words(exc.message, locale)
    if own is not None:
        return own
    wording = gettext(LABELS["error"].get(exc.code, LABELS["error"]["domain_error"]))
    try:
        text = wording.format(**exc.params)
    except (KeyError, IndexError, ValueError):
        text = wording
    field = exc.params.get("field")
    if isinstance(field, str) and field in LABELS["field"]:
        return f"{gettext(LABELS['field'][field])}: {text}"
    return text


def invalid_field(error: Any, locale: str) -> str:
    """One of Pydantic's validation errors as "where: what", in the agent's language;
    an unknown kind keeps Pydantic's English message."""
    gettext = translations(locale).gettext
    where = [str(p) for p in error.get("loc", ())[1:]]
    name = where[0] if where else "form"
    label = LABELS["field"].get(name)
    shown = gettext(label) if label else ".".join(where) or gettext(LABELS["field"]["form"])
    kind = LABELS["validation"].get(str(error.get("type", "")))
    if kind is None:
        return f"{shown}: {error.get('msg', '')}"
    try:
        what = gettext(kind).format(**dict(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        what = gettext(kind)
    return f"{shown}: {what}"


def _wants_page(request: Request) -> bool:
    """A browser opening an address (not the API, not an HTMX swap) is answered with a page."""
    return (
        not request.url.path.startswith("/api/")
        and request.headers.get("HX-Request") != "true"
        and "text/html" in request.headers.get("accept", "")
    )


def _error_page(
    request: Request,
    status: int,
    problems: list[str],
    headers: dict[str, str],
    headline: str | None = None,
) -> Response:
    """What went wrong (the error's own words, else its status's) inside the layout, in the
    agent's language, with the problems listed beneath."""
    response = render(
        request.app.state.templates,
        request,
        "pages/error.html",
        {
            "status": status,
            "headline": headline or LABELS["http_status"].get(str(status)),
            "problems": problems,
        },
        status_code=status,
    )
    response.headers.update(headers)
    return response


def _fragment(problems: list[str], status: int, headers: dict[str, str]) -> Response:
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    body = (
        f'<div class="flash error" role="alert">{escape(problems[0])}</div>'
        if len(problems) == 1
        else f'<div class="flash error" role="alert"><ul>{items}</ul></div>'
    )
    return HTMLResponse(body, status_code=status, headers=headers)


def field_errors(exc: DomainError) -> list[FieldError]:
    """A domain error as the list of field problems a form shows beside its fields; the
    message is kept as the template, so the page translates it (or its code's wording)."""
    if isinstance(exc, RowErrors):
        return exc.errors
    field = str(exc.params.get("field", "form"))
    words = tuple((k, str(v)) for k, v in exc.params.items())
    return [
        FieldError(field, exc.message, template=exc.message, params=(("code", exc.code), *words))
    ]


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
