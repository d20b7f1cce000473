"""Pydantic request and response models of the JSON API (the contract in /docs)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kefu.domain.messages import MAX_ID_CHARS
from kefu.domain.types import ColourMark, Direction, Origin


class IncomingMessageIn(BaseModel):
    """One buyer (or historical shop) message as a channel or integration delivers it.

    Documented here for the schema; every item is checked by kefu's one message
    parser so that the API, CSV and JSONL imports give the same per-row errors.
    """

    model_config = ConfigDict(extra="forbid")

    store: str = Field(max_length=MAX_ID_CHARS, description="store code, e.g. 'ali-main'")
    message_id: str = Field(
        max_length=MAX_ID_CHARS, description="the platform's message id; unique per store"
    )
    buyer_id: str = Field(max_length=MAX_ID_CHARS, description="the buyer's id on the platform")
    sent_at: str = Field(description="ISO 8601 with a time zone, e.g. 2026-11-20T08:15:00+08:00")
    text: str = Field("", description="message text, at most 64 KiB of UTF-8")
    conversation_id: str | None = Field(
        None, description="platform thread id; default: buyer + order"
    )
    buyer_name: str | None = None
    buyer_country: str | None = Field(None, description="ISO 3166 alpha-2")
    buyer_language: str | None = Field(None, description="language tag, e.g. 'es', 'pt-BR'")
    order_number: str | None = None
    product_sku: str | None = None
    origin: Origin = Origin.MESSAGE_CENTER
    direction: Direction = Direction.BUYER
    attachments: list[str] = Field(default_factory=list, description="http(s) URLs")


class MessageBatchIn(BaseModel):
    messages: list[IncomingMessageIn]


class RowErrorOut(BaseModel):
    row: int | None = Field(description="1-based position of the message in the request")
    field: str
    reason: str
    value: str | None = None


class IngestReportOut(BaseModel):
    received: int
    accepted: int
    duplicates: int
    errors: list[RowErrorOut]


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=64 * 1024)
    request_id: str = Field(
        min_length=1,
        max_length=100,
        description="client-chosen id; a retry with the same id stores nothing twice",
    )


class ReplyOut(BaseModel):
    created: bool


class MarkIn(BaseModel):
    colour_mark: ColourMark | None


class AssigneeIn(BaseModel):
    assignee_id: int | None


class MarkMeaningOut(BaseModel):
    mark: ColourMark
    meaning_en: str
    meaning_zh: str
