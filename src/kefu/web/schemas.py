"""Pydantic request and response models of the JSON API (the contract in /docs)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from kefu.domain.errors import InvalidInput
from kefu.domain.messages import MAX_ID_CHARS
from kefu.domain.types import ColourMark, Direction, MessageKind, Origin
from kefu.services.readmodels import PAGE_SIZE, InboxFilters
from kefu.web.params import MAX_ID, IdValue


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
    direction: Literal["buyer", "shop"] = Field(
        Direction.BUYER.value, description="who wrote it: 'shop' for history"
    )
    attachments: list[str] = Field(default_factory=list, description="http(s) URLs")
    automatic: bool = Field(
        False, description="a shop message in history that was an automatic reply"
    )
    kind: MessageKind = Field(
        MessageKind.BUYER,
        description="'buyer' (a conversation message), or 'notice' / 'system' for a line the "
        "marketplace wrote into the thread: shown there, never waiting work nor counted",
    )


class MessageBatchIn(BaseModel):
    messages: list[IncomingMessageIn]


class RowErrorOut(BaseModel):
    row: int | None = Field(description="1-based position of the message in the request")
    field: str
    reason: str
    value: str | None = None


class RatingIn(BaseModel):
    """A buyer's rating of the service in one conversation. Types are loose on purpose:
    kefu's own parser checks each field and names what is wrong, row by row."""

    model_config = ConfigDict(extra="allow")
    store: str | None = Field(default=None, examples=["ali-global"])
    rating_id: str | int | None = Field(default=None, description="the platform's id")
    conversation_id: str | int | None = Field(
        default=None, description="the platform's conversation id, as on its messages"
    )
    # Any JSON: true must not pass for 1, nor 4.5 fail the whole batch; the parser
    # names what is wrong with the row.
    score: Any = Field(default=None, description="a whole number, 1 (very bad) to 5 (very good)")
    rated_at: str | None = Field(default=None, examples=["2026-11-20T08:15:00+08:00"])
    comment: str | None = None


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
    assignee_id: IdValue | None


class MarkMeaningOut(BaseModel):
    mark: ColourMark
    meaning_en: str
    meaning_zh: str


Intent = Literal[
    "product_stock",
    "product_price",
    "product_size",
    "product_detail",
    "wholesale_sample",
    "shipping_method",
    "shipping_time",
    "order_tracking",
    "not_received",
    "customs_duty",
    "payment",
    "cancel_order",
    "change_order",
    "refund",
    "return_exchange",
    "damaged_defective",
    "wrong_item",
    "usage_help",
    "coupon_discount",
    "review_feedback",
    "complaint",
    "greeting_thanks",
    "account",
    "other",
]
# The sub-intents of domain.intents.SUB_INTENTS (a unit test holds the two equal).
SubIntent = Literal[
    "short_shipment",
    "not_as_described",
    "low_declaration",
    "customs_hold",
    "invoice",
    "samples",
]
IntentGroup = Literal[
    "product", "logistics", "customs", "payment", "order", "after_sale", "relationship", "other"
]


class InboxQuery(BaseModel):
    """Inbox filters as query parameters, shared by the API and the inbox page.

    Empty values (a form's "any" option) mean no filter.
    """

    store_id: IdValue | None = None
    platform: Literal["aliexpress", "amazon", "ebay", "wish"] | None = None
    stage: Literal["pre_sale", "in_sale", "after_sale"] | None = None
    state: Literal["unread", "open", "waiting", "closed", "active", "all"] | None = Field(
        None, description="'active': every state but closed; 'all' or empty: any state"
    )
    colour_mark: Literal["yellow", "blue", "green", "red", "purple"] | None = None
    assignee: str | None = Field(
        None, max_length=19, description="account id, 'me', or 'none' for unassigned"
    )
    language: str | None = Field(None, max_length=16)
    intent: Intent | None = None
    intent_group: IntentGroup | None = None
    sub_intent: SubIntent | None = Field(
        None, description="the latest buyer message's sub-intent (short_shipment…)"
    )
    mood: Literal["upset", "urgent", "threat"] | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(PAGE_SIZE, ge=1, le=200)

    @field_validator("*", mode="before")
    @classmethod
    def empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def filters(self, me: int | None = None) -> InboxFilters:
        """The filters; 'me' as the assignee is the acting person `me`."""
        unassigned = self.assignee == "none"
        assignee = str(me) if self.assignee == "me" and me is not None else self.assignee
        if assignee and not unassigned and not _an_id(assignee):
            raise InvalidInput("assignee must be an account id, 'me' or 'none'", field="assignee")
        return InboxFilters(
            store_id=self.store_id,
            platform=self.platform,
            stage=self.stage,
            state=self.state,
            colour_mark=self.colour_mark,
            assignee_id=int(assignee) if assignee and not unassigned else None,
            unassigned=unassigned,
            language=self.language,
            intent=self.intent,
            intent_group=self.intent_group,
            sub_intent=self.sub_intent,
            mood=self.mood,
            page=self.page or 1,
            page_size=self.page_size or PAGE_SIZE,
        )


def _an_id(text: str) -> bool:
    """ASCII digits only (str.isdigit takes '²'), within the range of a database id."""
    return text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID


class SubIntentOut(BaseModel):
    sub_intent: str
    label_en: str
    label_zh: str


class IntentIn(BaseModel):
    intent: Intent
    sub_intent: SubIntent | None = Field(
        None, description="a finer intent under `intent` (its parent must be `intent`)"
    )


class IntentOut(BaseModel):
    intent: str
    group: str
    label_en: str
    label_zh: str
    sub_intents: list[SubIntentOut] = Field(default_factory=list)


class ReplyWithPolicyIn(ReplyIn):
    template_key: str | None = Field(
        default=None, max_length=40, description="the suggestion this reply started from"
    )
    override_reason: str | None = Field(
        default=None,
        max_length=500,
        description="a lead's reason to send despite a policy block (logged; 10+ characters)",
    )
    agent_text: str | None = Field(
        default=None,
        max_length=64 * 1024,
        description="what the agent wrote when `text` is its translation; stored beside it",
    )
    agent_language: Literal["zh", "en"] = Field(
        default="zh", description="the language of agent_text"
    )
    template_text: str = Field(
        default="",
        max_length=64 * 1024,
        description="the filled template `text` starts with, if any: its numbers and links "
        "need not be in agent_text",
    )
    answering_message_id: IdValue | None = Field(
        default=None,
        description="the latest buyer message the agent read: the reply is refused (409 "
        "reply_collision) when someone else answered after it",
    )
    send_anyway: bool = Field(
        default=False, description="send even though someone else answered first"
    )


class TranslationOut(BaseModel):
    message_id: int
    language: str
    status: Literal["pending", "done", "failed", "refused"]
    origin: Literal["machine", "agent", "demo"]
    text: str | None
    provider: str | None
    error: str | None


class DraftIn(BaseModel):
    text: str = Field(max_length=8 * 1024, description="what the agent wrote")
    agent_language: Literal["zh", "en"] = "zh"


class DraftOut(BaseModel):
    buyer_language: str
    buyer_text: str | None = Field(description="what the buyer would receive; None: see problem")
    back_text: str | None = Field(description="buyer_text translated back, to check the meaning")
    problem: str | None
    problem_kind: str | None


class TranslateIn(BaseModel):
    language: Literal["zh", "en"]


class TermIn(BaseModel):
    forms: dict[str, str] = Field(description='{"zh": "真丝", "en": "mulberry silk"}')
    keep: bool = Field(default=False, description="never translated: kept as written")


class TermBaseIo(BaseModel):
    terms: list[TermIn]
    version: str | None = Field(default=None, description="set by kefu; ignored on PUT")


class UsageOut(BaseModel):
    provider: str
    day: date
    characters: int
    calls: int
    segments: int
    cache_hits: int
    errors: int
    latency_ms_total: float
    latency_ms_max: float


class SuggestionOut(BaseModel):
    key: str
    title: str
    text: str
    language: str
    fell_back: bool = Field(description="the buyer's language has no text; English is used")
    gloss: str = Field(description="the same template in the agent's language")
    gloss_language: str


class TextIn(BaseModel):
    text: str = Field(max_length=64 * 1024)


class FindingOut(BaseModel):
    rule: str
    severity: Literal["block", "warn"]
    start: int
    end: int
    excerpt: str
    message: str
    fix: str | None = Field(
        None, description="what to put in place of start..end ('' removes it); null: no fix"
    )


class WithheldOut(BaseModel):
    """A template that fits the question but is not offered, and why."""

    key: str
    title: str
    reason: str = Field(description="a stable code: promised_day_past, other_carrier, …")
    message: str
    detail: str = ""


class PolicyOut(BaseModel):
    blocked: bool
    findings: list[FindingOut]


class TemplateOut(BaseModel):
    key: str
    title: dict[str, str]
    intents: list[str]
    when: dict[str, str]
    automatic: bool
    variables: dict[str, str]
    texts: dict[str, str]
    own_wording: list[str] = Field(description="languages where the store uses its own text")


class WordingIn(BaseModel):
    text: str | None = Field(
        max_length=5000, description="the store's own text; null returns to the packaged one"
    )


class KeywordIn(BaseModel):
    keyword: str = Field(max_length=2000)
    kind: Literal["text", "image", "coupon"]
    content: str = Field(max_length=5000, description="the reply (a text's default language)")
    texts: dict[str, str] = Field(
        default_factory=dict,
        max_length=20,
        description="a text reply in other buyer languages: {language: text}",
    )


class AutoRepliesIn(BaseModel):
    welcome_enabled: bool = False
    busy_enabled: bool = False
    busy_queue_size: int = 50
    keywords: list[KeywordIn] = Field(default_factory=list, max_length=50)


class BulkTierIn(BaseModel):
    min_quantity: int
    discount_percent: int


class FestivalIn(BaseModel):
    name: str = Field(max_length=40)
    start: tuple[int, int] = Field(description="(month, day)")
    end: tuple[int, int] = Field(description="(month, day)")


# JSON Schema's "time" format is RFC 3339's full-time, which demands an offset; a shop's
# opening hours are wall-clock times in the store's own zone, so the schema says so.
WallClock = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            "description": "local wall-clock time, HH:MM or HH:MM:SS",
        }
    ),
]


class ShopFactsIn(BaseModel):
    """A store's facts for templates; every field is checked by the domain (field named)."""

    signature: str = Field(default="", max_length=100)
    timezone: str = "Asia/Shanghai"
    opens: WallClock = time(9, 0)
    closes: WallClock = time(18, 0)
    workdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], max_length=7)
    holiday_country: str | None = Field(default="CN", max_length=2)
    extra_holidays: list[date] = Field(default_factory=list, max_length=366)
    handling_days: int = 3
    free_shipping_max_g: int = 2000
    free_method: str = Field(default="China Post Air Mail", max_length=100)
    express_methods: list[str] = Field(default_factory=lambda: ["UPS", "DHL"], max_length=10)
    transit_days: dict[str, tuple[int, int]] = Field(default_factory=lambda: {"*": (15, 45)})
    refund_days: tuple[int, int] = (3, 20)
    help_links: dict[str, str] = Field(default_factory=dict)
    bulk_tiers: list[BulkTierIn] = Field(
        default_factory=lambda: [
            BulkTierIn(min_quantity=10, discount_percent=5),
            BulkTierIn(min_quantity=50, discount_percent=10),
        ],
        max_length=10,
    )
    customs_discount_percent: int = 5
    few_left_below: int = 10
    festivals: list[FestivalIn] = Field(
        default_factory=lambda: [FestivalIn(name="11.11", start=(11, 1), end=(11, 20))],
        max_length=20,
    )


class ReplySettingsOut(BaseModel):
    store: str
    facts: ShopFactsIn
    auto_replies: AutoRepliesIn
