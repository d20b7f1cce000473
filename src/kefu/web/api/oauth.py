"""Connecting a store by OAuth through the API (docs/channels.md "Connecting a store"):
the consent URL to open, and the platform's answer handed back (for a client that serves
its own redirect, or `kefu store authorize`). The work is services/oauth.py's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, StringConstraints

from kefu.services import oauth
from kefu.web.api.stores import ERRORS, ErrorOut
from kefu.web.deps import KefuDep
from kefu.web.security import ShopManager

router = APIRouter(prefix="/api/v1", tags=["marketplaces"])

Code = Annotated[str, Path(min_length=1, max_length=64, description="the store's code")]
KeyName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
KeyValue = Annotated[str, StringConstraints(max_length=oauth.MAX_KEY_CHARS)]
Answer = Annotated[str, StringConstraints(max_length=oauth.MAX_CODE_CHARS)]


class AuthorizeIn(BaseModel):
    app: dict[KeyName, KeyValue] = Field(
        max_length=10,
        description="the app's keys (eBay: client_id, client_secret, ru_name — the RuName "
        "whose accept URL is kefu's /stores/oauth/callback; Wish: client_id, client_secret)",
    )
    base_url: str = Field(
        "",
        max_length=300,
        description="the platform's API address; empty: the platform's own "
        "(https://api.ebay.com, https://merchant.wish.com)",
    )


class AuthorizeOut(BaseModel):
    url: str = Field(description="the platform's consent page: open it in a browser")


class CallbackIn(BaseModel):
    state: Answer = Field(description="as the platform sent it back")
    code: Answer = Field("", description="the authorization code, when the seller agreed")
    error: Answer = Field("", description="the platform's error (access_denied…), if any")


class ConnectedOut(BaseModel):
    store: str
    platform: str
    expires_at: str | None = Field(description="when the access token ends (ISO 8601)")


@router.post(
    "/stores/{code}/connection/authorize",
    response_model=AuthorizeOut,
    summary="Start connecting a store by OAuth (eBay, Wish): the consent URL to open",
    description="The app's keys are sealed with KEFU_SECRET_KEY beside a one-time state "
    "(15 minutes, this account and store only). After the seller agrees, the platform "
    "sends the browser to /stores/oauth/callback, or the client posts what it got to "
    "/api/v1/stores/oauth/callback. 422 names a missing key or a platform without OAuth.",
    responses={
        **ERRORS,
        503: {"model": ErrorOut, "description": "no KEFU_SECRET_KEY to seal the keys"},
    },
)
def post_authorize(code: Code, body: AuthorizeIn, kefu: KefuDep, who: ShopManager) -> AuthorizeOut:
    url = oauth.start(
        who,
        code,
        app_keys=body.app,
        base_url=body.base_url,
        deps=kefu.oauth,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    return AuthorizeOut(url=url)


@router.post(
    "/stores/oauth/callback",
    response_model=ConnectedOut,
    summary="Finish connecting a store by OAuth with what the platform sent back",
    description="The state is used up whatever follows. 422 (`field: oauth`) says why the "
    "store was not connected: an unknown, used or expired state, one of another account, "
    "the seller's refusal, or the platform's refusal of the code.",
    responses={**ERRORS, 503: {"model": ErrorOut, "description": "no KEFU_SECRET_KEY"}},
)
def post_callback(body: CallbackIn, kefu: KefuDep, who: ShopManager) -> ConnectedOut:
    done = oauth.finish(
        who,
        state=body.state,
        code=body.code or None,
        error=body.error or None,
        deps=kefu.oauth,
        uow_factory=kefu.uow,
        clock=kefu.clock,
    )
    expires = done.expires_at.isoformat() if done.expires_at else None
    return ConnectedOut(store=done.store_code, platform=done.platform, expires_at=expires)
