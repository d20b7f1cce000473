"""A store's mailbox (main account only; passwords never returned) and the "no response
needed" action of a conversation (docs/mail.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from kefu.domain.errors import NotFound
from kefu.domain.mail import (
    MAX_ADDRESS,
    MAX_FOLDER,
    MAX_HOST,
    MAX_PASSWORD,
    MAX_USER,
    MailboxDraft,
)
from kefu.services import inbox, mail
from kefu.web.api.stores import ERRORS, ErrorOut
from kefu.web.deps import KefuDep
from kefu.web.params import Id
from kefu.web.security import Replier, ShopManager

router = APIRouter(prefix="/api/v1", tags=["mail"])

Code = Annotated[str, Path(min_length=1, max_length=64, description="the store's code")]
SecurityIn = Literal["tls", "starttls", "plain"]
Port = Annotated[int, Field(ge=1, le=65535)]


class MailboxIn(BaseModel):
    address: str = Field(
        max_length=MAX_ADDRESS,
        description="the store's address (Amazon: its approved sender address)",
    )
    imap_host: str = Field(max_length=MAX_HOST)
    imap_port: Port = 993
    imap_security: SecurityIn = Field(
        "tls", description="tls (IMAPS), starttls; plain only to 127.0.0.1"
    )
    imap_user: str = Field(max_length=MAX_USER)
    imap_password: str = Field(
        "", max_length=MAX_PASSWORD, description="empty: keep the stored one"
    )
    folder: str = Field("INBOX", max_length=MAX_FOLDER)
    smtp_host: str = Field(max_length=MAX_HOST)
    smtp_port: Port = 587
    smtp_security: SecurityIn = Field(
        "starttls", description="tls (SMTPS), starttls; plain only to 127.0.0.1"
    )
    smtp_user: str = Field(max_length=MAX_USER)
    smtp_password: str = Field(
        "", max_length=MAX_PASSWORD, description="empty: keep the stored one"
    )
    amazon_relay: bool = Field(False, description="receives Amazon Buyer-Seller Messaging mail")
    enabled: bool = True


class HealthOut(BaseModel):
    last_pull_at: datetime | None
    last_success_at: datetime | None
    last_pulled: int
    total_pulled: int
    error_code: str | None = Field(
        description="auth_failed, connect_failed, tls_failed, timeout, folder_missing, "
        "protocol_error, no_secret_key"
    )
    error_detail: str | None = Field(description="the server's words")
    error_at: datetime | None


class MailboxOut(BaseModel):
    store: str
    address: str
    imap_host: str
    imap_port: int
    imap_security: str
    imap_user: str
    imap_password: str = Field(description="masked: never the password")
    folder: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str = Field(description="masked: never the password")
    amazon_relay: bool
    enabled: bool
    health: HealthOut


def _out(view: mail.MailboxView) -> MailboxOut:
    return MailboxOut(
        store=view.store_code,
        address=view.address,
        imap_host=view.imap_host,
        imap_port=view.imap_port,
        imap_security=view.imap_security,
        imap_user=view.imap_user,
        imap_password=view.imap_password,
        folder=view.folder,
        smtp_host=view.smtp_host,
        smtp_port=view.smtp_port,
        smtp_security=view.smtp_security,
        smtp_user=view.smtp_user,
        smtp_password=view.smtp_password,
        amazon_relay=view.amazon_relay,
        enabled=view.enabled,
        health=HealthOut(
            last_pull_at=view.last_pull_at,
            last_success_at=view.last_success_at,
            last_pulled=view.last_pulled,
            total_pulled=view.total_pulled,
            error_code=view.error_code,
            error_detail=view.error_detail,
            error_at=view.error_at,
        ),
    )


@router.get(
    "/stores/{code}/mailbox",
    response_model=MailboxOut,
    summary="A store's mailbox with its health (main account only; passwords masked)",
    responses={404: {"model": ErrorOut, "description": "no such store, or it has no mailbox"}},
)
def get_mailbox(code: Code, kefu: KefuDep, who: ShopManager) -> MailboxOut:
    view = mail.mailbox(who, code, uow=kefu.uow())
    if view is None:
        raise NotFound(f"the store {code!r} has no mailbox")
    return _out(view)


@router.put(
    "/stores/{code}/mailbox",
    response_model=MailboxOut,
    summary="Set or change a store's mailbox (main account only)",
    responses={
        **ERRORS,
        503: {"model": ErrorOut, "description": "no KEFU_SECRET_KEY to seal the passwords"},
    },
)
def put_mailbox(code: Code, body: MailboxIn, kefu: KefuDep, who: ShopManager) -> MailboxOut:
    draft = MailboxDraft(**body.model_dump())
    view = mail.set_mailbox(
        who, code, draft, secrets=kefu.secrets, uow=kefu.uow(), clock=kefu.clock
    )
    return _out(view)


@router.delete(
    "/stores/{code}/mailbox",
    status_code=204,
    summary="Remove a store's mailbox; its conversations stay (main account only)",
    responses={404: {"model": ErrorOut, "description": "no store with this code"}},
)
def delete_mailbox(code: Code, kefu: KefuDep, who: ShopManager) -> Response:
    mail.remove_mailbox(who, code, uow=kefu.uow(), clock=kefu.clock)
    return Response(status_code=204)


class NoResponseOut(BaseModel):
    marked: int = Field(description="buyer messages marked as needing no response")


@router.post(
    "/conversations/{conversation_id}/no-response-needed",
    response_model=NoResponseOut,
    summary="Mark what the buyer wrote since the last answer as needing no response",
    description="SPEC §13 (Amazon): the messages leave the response-time KPIs and the "
    "conversation stops waiting. 409 when nothing is waiting.",
    responses={
        404: {"model": ErrorOut, "description": "no such conversation"},
        409: {"model": ErrorOut, "description": "no buyer message is waiting"},
    },
)
def post_no_response_needed(conversation_id: Id, kefu: KefuDep, who: Replier) -> NoResponseOut:
    marked = inbox.no_response_needed(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)
    return NoResponseOut(marked=marked)
