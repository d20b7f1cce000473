"""Customs facts the duty answers state (docs/customs.md): GET and PUT a store's set, or
the defaults every store starts from (no `store`; changed by the main account only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from kefu.domain.customs import (
    MAX_FACTS,
    MAX_SOURCE,
    MAX_SUMMARY,
    MAX_URL,
    CustomsFact,
    RuleKind,
    fact_from,
)
from kefu.domain.errors import RowErrors
from kefu.services import customs
from kefu.web.deps import KefuDep
from kefu.web.security import TemplateManager

router = APIRouter(prefix="/api/v1", tags=["replies"])

StoreCode = Annotated[
    str | None,
    Query(max_length=64, description="the store's code; without it, the defaults"),
]


class CustomsFactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = Field(max_length=8, description="ISO country code (US) or EU")
    kind: RuleKind
    summary: str = Field(max_length=MAX_SUMMARY * 2, description="for the agent, not the buyer")
    source: str = Field(max_length=MAX_SOURCE * 2, description="named in the buyer's answer")
    source_url: str = Field(max_length=MAX_URL * 2, description="for agents: never sent")
    as_of: date = Field(description="the day the fact was checked against its source")
    threshold: int | None = Field(default=None, description="vat_at_checkout: whole units")
    currency: str | None = Field(default=None, max_length=3)
    since: date | None = Field(default=None, description="the day the rule took effect")


class CustomsFactOut(CustomsFactIn):
    own: bool = Field(description="the store's own fact (else a default it keeps)")


class CustomsFactsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: list[CustomsFactIn] = Field(max_length=MAX_FACTS * 2)


class CustomsFactsOut(BaseModel):
    store: str | None
    facts: list[CustomsFactOut]


@router.get(
    "/customs-facts",
    response_model=CustomsFactsOut,
    summary="The customs facts a store's duty answers state: its own and the defaults",
)
def get_customs_facts(
    kefu: KefuDep, who: TemplateManager, store: StoreCode = None
) -> CustomsFactsOut:
    found = customs.list_facts(who, store, uow=kefu.uow())
    own = {(f.region, f.kind) for f in found.own} if store is not None else set()
    return CustomsFactsOut(
        store=found.store,
        facts=[
            CustomsFactOut(**f.to_dict(), own=(f.region, f.kind) in own) for f in found.effective
        ],
    )


@router.put(
    "/customs-facts",
    status_code=204,
    summary="Replace a store's own customs facts (or the defaults), whole",
)
def put_customs_facts(
    body: CustomsFactsIn, kefu: KefuDep, who: TemplateManager, store: StoreCode = None
) -> None:
    customs.save_facts(who, store, facts_in(body), uow=kefu.uow(), clock=kefu.clock)


def facts_in(body: CustomsFactsIn) -> list[CustomsFact]:
    """Every fact read; the errors of all rows reported at once."""
    out: list[CustomsFact] = []
    errors = []
    for row, item in enumerate(body.facts, start=1):
        try:
            out.append(fact_from(item.model_dump(mode="json"), row))
        except RowErrors as exc:
            errors += exc.errors
    if errors:
        raise RowErrors(errors)
    return out
