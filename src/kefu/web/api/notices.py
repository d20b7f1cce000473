"""Platform notices per store (docs/channels.md "Notices"): what eBay and AliExpress tell
the shop, apart from the buyers' inbox; the work is services/notices.py's."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, field_validator, model_validator

from kefu.services import notices
from kefu.services.ports import NoticePage
from kefu.web.deps import KefuDep
from kefu.web.i18n import negotiate
from kefu.web.params import IdValue
from kefu.web.security import InboxViewer

router = APIRouter(prefix="/api/v1", tags=["notices"])


class NoticesQuery(BaseModel):
    store: str | None = Field(None, max_length=64, description="a store's code; all given")
    platform: Literal["aliexpress", "amazon", "ebay", "wish"] | None = None
    unread: bool = Field(False, description="only the unread ones")
    page: int = Field(1, ge=1, le=notices.MAX_PAGE)

    @field_validator("*", mode="before")
    @classmethod
    def empty_is_none(cls, value: object) -> object:
        """A form's "all" option sends an empty value: no filter."""
        return None if value == "" else value


class NoticesReadIn(BaseModel):
    """Either the notices' ids, or a store whose unread notices all become read."""

    ids: list[IdValue] | None = Field(None, min_length=1, max_length=notices.MAX_IDS)
    store: str | None = Field(None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def one_of(self) -> NoticesReadIn:
        if (self.ids is None) == (self.store is None):
            raise ValueError("give either ids or store")
        return self


class NoticesReadOut(BaseModel):
    marked: int = Field(description="how many were unread until now")


def reader_language(request: Request, kefu: KefuDep) -> str:
    """The language whose stored translation is shown beside a notice: the screen's."""
    return "zh" if negotiate(request, kefu.settings.default_locale) == "zh_CN" else "en"


@router.get(
    "/notices",
    response_model=NoticePage,
    summary="Platform notices of the stores given to you, newest first (50 a page)",
)
def list_notices(
    request: Request, kefu: KefuDep, who: InboxViewer, query: Annotated[NoticesQuery, Query()]
) -> NoticePage:
    return notices.list_notices(
        who,
        store=query.store,
        platform=query.platform,
        unread=query.unread,
        page=query.page,
        language=reader_language(request, kefu),
        uow=kefu.uow(),
    )


@router.post(
    "/notices/read",
    response_model=NoticesReadOut,
    summary="Mark notices read, by id or every unread one of a store (eBay's too, at the "
    "next sync)",
)
def read_notices(body: NoticesReadIn, kefu: KefuDep, who: InboxViewer) -> NoticesReadOut:
    marked = notices.mark_read(
        who, ids=body.ids, store=body.store, uow=kefu.uow(), clock=kefu.clock
    )
    return NoticesReadOut(marked=marked)
