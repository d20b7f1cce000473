"""The deadlines board (docs/deadlines.md) and the owner's limits on risky after-sale
actions; the work is services/deadlines.py's and services/case_limits.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, field_validator

from kefu.domain.cases.limits import MAX_REFUND_USD_CENTS, CaseLimits
from kefu.domain.deadline_board import BoardFilters, BoardItem, BoardPage, Urgency
from kefu.services import case_limits, deadlines
from kefu.services.access import Principal
from kefu.web.deps import KefuDep
from kefu.web.params import Id, IdValue
from kefu.web.security import AccountManager, InboxViewer

router = APIRouter(prefix="/api/v1", tags=["deadlines"])


class DeadlinesQuery(BaseModel):
    store: IdValue | None = Field(None, description="a store's id; all stores given")
    holder: Literal["me"] | IdValue | None = Field(
        None, description='"me" or a person\'s id: only the items they hold'
    )
    kind: str | None = Field(
        None, max_length=16, description='a case kind, or "conversation" (unanswered ones)'
    )
    only: Literal["overdue", "at_risk"] | None = Field(
        None, description="only the overdue, or only the at-risk (not yet overdue) items"
    )
    page: int = Field(1, ge=1, le=deadlines.MAX_PAGE)

    @field_validator("*", mode="before")
    @classmethod
    def empty_is_none(cls, value: object) -> object:
        """A form's "all" option sends an empty value: no filter."""
        return None if value == "" else value

    def filters(self, who: Principal) -> BoardFilters:
        holder = who.account_id if self.holder == "me" else self.holder
        return BoardFilters(
            store_id=self.store,
            holder_id=holder if isinstance(holder, int) else None,
            kind=self.kind,
            urgency=Urgency(self.only) if self.only else None,
            page=self.page,
        )


class ItemOut(BaseModel):
    kind: Literal["case", "conversation"]
    id: int
    due_at: datetime
    seconds_left: int = Field(description="negative when overdue")
    urgency: Literal["overdue", "at_risk", "on_time"]
    clock: Literal["platform", "shop", "reply"] = Field(
        description="which clock is due first: the case's platform or shop clock, or the "
        "platform's reply window for a buyer message"
    )
    store_id: int
    store_name: str
    platform: str
    buyer_name: str | None
    holder_id: int | None
    holder_name: str | None
    case_kind: str | None
    case_state: str | None
    conversation_id: int | None
    platform_due_at: datetime | None
    platform_due_source: str | None = Field(description="platform (given) or computed")
    platform_due_rule: str | None
    shop_due_at: datetime | None
    shop_due_rule: str | None


class AgentOut(BaseModel):
    holder_id: int | None = Field(description="null: nobody holds these items")
    holder_name: str | None
    overdue: int
    at_risk: int


class DeadlinesOut(BaseModel):
    items: list[ItemOut]
    total: int
    overdue: int
    at_risk: int = Field(description="at risk, not yet overdue")
    page: int
    page_size: int
    by_agent: list[AgentOut] = Field(description="only for a lead or the owner; else empty")


def _item(i: BoardItem, now: datetime) -> ItemOut:
    return ItemOut(
        kind=i.kind.value,
        id=i.id,
        due_at=i.due_at,
        seconds_left=int(i.left(now).total_seconds()),
        urgency=i.urgency(now).value,
        clock=i.clock.value,
        store_id=i.store_id,
        store_name=i.store_name,
        platform=i.platform,
        buyer_name=i.buyer_name,
        holder_id=i.holder_id,
        holder_name=i.holder_name,
        case_kind=i.case_kind,
        case_state=i.case_state,
        conversation_id=i.conversation_id,
        platform_due_at=i.platform_due_at,
        platform_due_source=i.platform_due_source,
        platform_due_rule=i.platform_due_rule,
        shop_due_at=i.shop_due_at,
        shop_due_rule=i.shop_due_rule,
    )


def board_out(page: BoardPage) -> DeadlinesOut:
    return DeadlinesOut(
        items=[_item(i, page.now) for i in page.items],
        total=page.total,
        overdue=page.overdue,
        at_risk=page.at_risk,
        page=page.page,
        page_size=page.page_size,
        by_agent=[AgentOut(**a.__dict__) for a in page.by_agent],
    )


@router.get(
    "/deadlines",
    response_model=DeadlinesOut,
    summary="Open cases and unanswered conversations you see, by time left, overdue first "
    "(50 a page)",
)
def list_deadlines(
    kefu: KefuDep, who: InboxViewer, query: Annotated[DeadlinesQuery, Query()]
) -> DeadlinesOut:
    page = deadlines.board(who, query.filters(who), uow=kefu.uow(), clock=kefu.clock)
    return board_out(page)


class CaseLimitsIO(BaseModel):
    max_refund_usd: float | None = Field(
        None,
        ge=0,
        le=MAX_REFUND_USD_CENTS / 100,
        description="the largest refund the person may give alone, in USD; null: any",
    )
    may_decline_return: bool = True
    may_refuse_dispute: bool = True

    def limits(self) -> CaseLimits:
        cents = None if self.max_refund_usd is None else round(self.max_refund_usd * 100)
        return CaseLimits(cents, self.may_decline_return, self.may_refuse_dispute)

    @classmethod
    def of(cls, limits: CaseLimits) -> CaseLimitsIO:
        cents = limits.max_refund_usd_cents
        return cls(
            max_refund_usd=None if cents is None else cents / 100,
            may_decline_return=limits.may_decline_return,
            may_refuse_dispute=limits.may_refuse_dispute,
        )


@router.get(
    "/accounts/{account_id}/case-limits",
    response_model=CaseLimitsIO,
    summary="A person's limits on risky after-sale actions (the owner only)",
)
def get_case_limits(kefu: KefuDep, who: AccountManager, account_id: Id) -> CaseLimitsIO:
    return CaseLimitsIO.of(case_limits.limits_of(who, account_id, uow=kefu.uow()))


@router.put(
    "/accounts/{account_id}/case-limits",
    response_model=CaseLimitsIO,
    summary="Set a person's limits on risky after-sale actions (the owner only; audited)",
)
def put_case_limits(
    kefu: KefuDep, who: AccountManager, account_id: Id, body: CaseLimitsIO
) -> CaseLimitsIO:
    saved = case_limits.set_limits(who, account_id, body.limits(), uow=kefu.uow(), clock=kefu.clock)
    return CaseLimitsIO.of(saved)
