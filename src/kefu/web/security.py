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
from kefu.domain.errors import NotFound
from kefu.domain.permissions import Access, Need, Permission
from kefu.services.access import Forbidden, NotSignedIn, Principal
from kefu.services.ports import StoreRef
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


def check_conversation(kefu: Kefu, who: Principal, conversation_id: int) -> None:
    """A conversation of a store not given, or about another agent's products, is for
    them not there (404)."""
    if who.store_ids is None:
        return
    with kefu.uow() as uow:
        seen = uow.auth.conversation_visible(conversation_id, who.account_id, who.store_ids)
    if not seen:
        raise NotFound(f"no conversation {conversation_id}", id=conversation_id)


def check_message(kefu: Kefu, who: Principal, message_id: int) -> int:
    """The message's conversation id, when the person may see it; 404 otherwise."""
    with kefu.uow() as uow:
        conversation_id = uow.queries.conversation_of_message(message_id)
    if conversation_id is None:
        raise NotFound(f"no message {message_id}", id=message_id)
    check_conversation(kefu, who, conversation_id)
    return conversation_id


def visible_store(kefu: Kefu, who: Principal, code: str | None) -> StoreRef:
    """A store by code (the first visible one when None); 404 when not given to them."""
    with kefu.uow() as uow:
        stores = [s for s in uow.queries.stores() if who.sees_store(s.id)]
    if not stores:
        raise NotFound("no store is given to this account yet")
    if code is None:
        return stores[0]
    found = next((s for s in stores if s.code == code), None)
    if found is None:
        raise NotFound(f"no store {code!r}", store=code)
    return found


# What routes take as the acting person; each alias is one declared need.
Anyone = Annotated[Principal | None, Depends(Require(Access.PUBLIC))]
SignedIn = Annotated[Principal, Depends(Require(Access.SIGNED_IN))]
InboxViewer = Annotated[Principal, Depends(Require(Permission.VIEW_INBOX))]
Replier = Annotated[Principal, Depends(Require(Permission.REPLY))]
Marker = Annotated[Principal, Depends(Require(Permission.MARK))]
Assigner = Annotated[Principal, Depends(Require(Permission.ASSIGN))]
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
