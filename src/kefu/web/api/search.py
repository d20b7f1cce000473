"""`GET /api/v1/search` (docs/search.md): the search box's results as JSON; the work is
services/search.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, field_validator

from kefu.domain.search import MAX_PAGE_SIZE, MAX_QUERY_CHARS
from kefu.services import search
from kefu.web.deps import KefuDep
from kefu.web.security import InboxViewer

router = APIRouter(prefix="/api/v1", tags=["search"])
MAX_PAGE = 1000


class SearchQuery(BaseModel):
    q: str = Field(
        max_length=MAX_QUERY_CHARS,
        description="order or tracking number, buyer name, id or e-mail, SKU, or words in "
        'any language ("quoted words" as a phrase)',
    )
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)
    store: str | None = Field(None, max_length=64, description="a store's code; all given")

    @field_validator("store", mode="before")
    @classmethod
    def empty_is_none(cls, value: object) -> object:
        """A form's "all stores" option sends an empty value: no filter."""
        return None if value == "" else value


class SnippetOut(BaseModel):
    text: str = Field(
        description="a piece of the matching text (its translation when that "
        "is where the words are)"
    )
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) character offsets of the matches within `text`"
    )
    language: str | None = Field(
        description="the stored translation's language; null: the message as the buyer wrote it"
    )


class SearchHitOut(BaseModel):
    conversation_id: int
    store: str
    store_name: str
    buyer_name: str | None
    order_number: str | None
    last_message_at: datetime
    colour_mark: str | None
    status: str
    matched: str = Field(description="key (an identifier), name (the buyer's) or text")
    snippet: SnippetOut


class SearchOut(BaseModel):
    q: str
    total: int = Field(description="conversations found (at most a few thousand are ranked)")
    page: int
    page_size: int
    pages: int
    results: list[SearchHitOut]


def to_out(found: search.SearchPage) -> SearchOut:
    return SearchOut(
        q=found.query,
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
        results=[
            SearchHitOut(
                conversation_id=r.conversation_id,
                store=r.store_code,
                store_name=r.store_name,
                buyer_name=r.buyer_name,
                order_number=r.order_number,
                last_message_at=r.last_message_at,
                colour_mark=r.colour_mark,
                status=r.status,
                matched=r.matched,
                snippet=SnippetOut(
                    text=r.snippet.text,
                    highlights=list(r.snippet.marks),
                    language=r.snippet_language,
                ),
            )
            for r in found.results
        ],
    )


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Conversations you may see that match a query: identifiers first, then buyer "
    "names, then words in the messages and their translations",
)
def search_conversations(
    kefu: KefuDep, who: InboxViewer, query: Annotated[SearchQuery, Query()]
) -> SearchOut:
    return to_out(
        search.search(
            who,
            query.q,
            page=query.page,
            page_size=query.page_size,
            store=query.store,
            uow=kefu.uow(),
        )
    )
