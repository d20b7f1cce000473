"""Customs facts in `customs_facts` (docs/customs.md): the figures in `value`, one row per
store (None: the defaults), destination and kind."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.domain.customs import CustomsFact, RuleKind, fact_from

PACKAGED = "data/customs_facts.toml"


@cache
def packaged_defaults() -> tuple[CustomsFact, ...]:
    """The defaults shipped with kefu, read once; a bad file fails loudly at start."""
    text = (resources.files("kefu") / PACKAGED).read_text(encoding="utf-8")
    rows = tomllib.loads(text).get("facts", [])
    return tuple(fact_from(row, n) for n, row in enumerate(rows, start=1))


class SqlCustomsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def facts(self, store_id: int | None) -> list[CustomsFact]:
        owner = (
            t.CustomsFact.store_id.is_(None)
            if store_id is None
            else (t.CustomsFact.store_id == store_id)
        )
        rows = self.session.scalars(
            select(t.CustomsFact).where(owner).order_by(t.CustomsFact.region, t.CustomsFact.key)
        )
        return [_fact(r) for r in rows]

    def replace(self, store_id: int | None, facts: Sequence[CustomsFact], now: datetime) -> None:
        owner = (
            t.CustomsFact.store_id.is_(None)
            if store_id is None
            else (t.CustomsFact.store_id == store_id)
        )
        self.session.execute(delete(t.CustomsFact).where(owner))
        self.session.add_all(_row(store_id, f, now) for f in facts)
        self.session.flush()

    def add_missing_defaults(self, facts: Sequence[CustomsFact], now: datetime) -> int:
        stored = {(f.region, f.kind) for f in self.facts(None)}
        new = [f for f in facts if (f.region, f.kind) not in stored]
        self.session.add_all(_row(None, f, now) for f in new)
        self.session.flush()
        return len(new)


def _row(store_id: int | None, f: CustomsFact, now: datetime) -> t.CustomsFact:
    value: dict[str, Any] = {
        "threshold": f.threshold,
        "currency": f.currency,
        "since": f.since.isoformat() if f.since else None,
        "source": f.source,
    }
    return t.CustomsFact(
        store_id=store_id,
        region=f.region,
        key=f.kind.value,
        value=value,
        summary=f.summary,
        source_url=f.source_url,
        as_of=f.as_of,
        updated_at=now,
    )


def _fact(r: t.CustomsFact) -> CustomsFact:
    since = r.value.get("since")
    return CustomsFact(
        region=r.region,
        kind=RuleKind(r.key),
        summary=r.summary,
        source=str(r.value.get("source") or ""),
        source_url=r.source_url,
        as_of=r.as_of,
        threshold=r.value.get("threshold"),
        currency=r.value.get("currency"),
        since=date.fromisoformat(since) if since else None,
    )
