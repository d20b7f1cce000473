"""The Stores page's "Connect with eBay/Wish" (docs/channels.md "Connecting a store"):
the button sends the owner to the platform's consent page; the platform sends the browser
back to `/stores/oauth/callback`, which connects the store and returns to the Stores page
with the result in words. The work and every check are services/oauth.py's."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from kefu.domain.errors import DomainError
from kefu.services import oauth
from kefu.web.deps import KefuDep
from kefu.web.errors import field_errors, status_for
from kefu.web.pages.team import StoreCode, _shop
from kefu.web.security import ShopManager

router = APIRouter(include_in_schema=False)

QueryText = Annotated[str, Query(max_length=oauth.MAX_CODE_CHARS)]


@router.post("/shop/{code}/connection/authorize")
async def shop_authorize(
    request: Request, kefu: KefuDep, who: ShopManager, code: StoreCode
) -> Response:
    """Start "Connect with …": the app's keys are kept sealed with a one-time state, and
    the page links to the platform's consent page."""
    form = await request.form()
    keys = {
        name[4:68]: str(value)[: oauth.MAX_KEY_CHARS + 1]
        for name, value in list(form.items())[:20]
        if name.startswith("app_")
    }
    try:
        url = oauth.start(
            who,
            code,
            app_keys=keys,
            base_url=str(form.get("base_url", ""))[:400],
            deps=kefu.oauth,
            uow=kefu.uow(),
            clock=kefu.clock,
        )
    except DomainError as exc:
        extra = {"errors": field_errors(exc), "editing": code}
        return _shop(request, kefu, who, extra, status_for(exc))
    # A link, not a redirect: kefu's CSP (form-action 'self') stops a form's redirect to
    # another site, and the owner sees where the browser goes.
    return _shop(request, kefu, who, {"editing": code, "oauth_url": (code, url)})


@router.get("/stores/oauth/callback")
def oauth_callback(
    kefu: KefuDep,
    who: ShopManager,
    state: QueryText = "",
    code: QueryText = "",
    spapi_oauth_code: QueryText = "",
    error: QueryText = "",
    error_description: QueryText = "",
) -> Response:
    """Where eBay, Wish and Amazon send the owner back (Amazon names its code
    `spapi_oauth_code`): the store is connected (or not) and the Stores page says which,
    in words."""
    try:
        done = oauth.finish(
            who,
            state=state,
            code=code or spapi_oauth_code or None,
            error=error or None,
            description=error_description or None,
            deps=kefu.oauth,
            uow_factory=kefu.uow,
            clock=kefu.clock,
        )
        result, store = "connected", done.store_code
    except oauth.ConnectRefused as refused:
        result, store = refused.reason, refused.store or ""
    query = urlencode({"oauth": result, "store": store})
    return RedirectResponse(f"/shop?{query}#connection-{store}", status_code=303)
