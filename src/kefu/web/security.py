"""Who is asking, and may they: sessions, API tokens, CSRF, and each route's declared need.

Every route declares what it needs with `Depends(Require(...))` — a permission, or
`Access.PUBLIC` / `Access.SIGNED_IN` — and a test walks the app to prove none is missing.
Browser sessions must echo their CSRF token on every write (a hidden form field, or the
`X-CSRF-Token` header HTMX sends); API tokens travel in a header no other site can set, so
they need none.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from kefu.bootstrap import Kefu
from kefu.domain.permissions import Access, Need, Permission
from kefu.services.access import Forbidden, NotSignedIn, Principal
from kefu.web.deps import KefuDep

SESSION_COOKIE = "kefu_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Declared for the OpenAPI schema, so /docs offers "Authorize" with a token.
bearer = HTTPBearer(auto_error=False, description="an API token: Authorization: Bearer kefu_…")
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)


def resolve(request: Request, kefu: Kefu) -> Principal | None:
    """The principal of this request, worked out once per request."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    principal = None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        principal = kefu.auth.token_principal(header[7:].strip(), uow=kefu.uow(), clock=kefu.clock)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        principal = kefu.auth.session_principal(cookie, uow=kefu.uow(), clock=kefu.clock)
    request.state.principal = principal
    return principal


class Require:
    """A route's declared need; also checks CSRF on a browser session's writes."""

    def __init__(self, need: Need) -> None:
        self.need = need

    def __repr__(self) -> str:
        return f"Require({self.need.value})"

    async def __call__(
        self,
        request: Request,
        kefu: KefuDep,
        _token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        _cookie: Annotated[str | None, Depends(session_cookie)],
    ) -> Principal | None:
        principal = resolve(request, kefu)
        if self.need is Access.PUBLIC:
            return principal
        if principal is None:
            raise NotSignedIn("sign in first")
        if isinstance(self.need, Permission) and not principal.can(self.need):
            raise Forbidden(f"your role may not do this ({self.need.value})")
        if request.method not in SAFE_METHODS and principal.csrf is not None:
            await _check_csrf(request, principal.csrf)
        return principal


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()  # FastAPI reuses the parsed form for the endpoint
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden("the form is out of date or came from another site; reload the page")


# What routes take as the acting person; each alias is one declared need.
Anyone = Annotated[Principal | None, Depends(Require(Access.PUBLIC))]
SignedIn = Annotated[Principal, Depends(Require(Access.SIGNED_IN))]
InboxViewer = Annotated[Principal, Depends(Require(Permission.VIEW_INBOX))]
Replier = Annotated[Principal, Depends(Require(Permission.REPLY))]
Marker = Annotated[Principal, Depends(Require(Permission.MARK))]
Closer = Annotated[Principal, Depends(Require(Permission.CLOSE))]
IntentCorrector = Annotated[Principal, Depends(Require(Permission.CORRECT_INTENT))]
Importer = Annotated[Principal, Depends(Require(Permission.IMPORT_MESSAGES))]
ReportViewer = Annotated[Principal, Depends(Require(Permission.VIEW_REPORTS))]
TemplateManager = Annotated[Principal, Depends(Require(Permission.MANAGE_TEMPLATES))]
RoutingManager = Annotated[Principal, Depends(Require(Permission.MANAGE_ROUTING))]
AccountManager = Annotated[Principal, Depends(Require(Permission.MANAGE_ACCOUNTS))]
AuditViewer = Annotated[Principal, Depends(Require(Permission.VIEW_AUDIT))]
TokenManager = Annotated[Principal, Depends(Require(Permission.MANAGE_TOKENS))]
ShopManager = Annotated[Principal, Depends(Require(Permission.MANAGE_SHOP))]
DataImporter = Annotated[Principal, Depends(Require(Permission.IMPORT_DATA))]
# Model versions (docs/triage.md "Model versions"): retrain, activate, schedule, labelled files.
ModelManager = Annotated[Principal, Depends(Require(Permission.MANAGE_MODEL))]
