"""Customs facts: listed and edited by the people who set a store's replies (docs/customs.md).

A store's facts are its own plus the defaults it does not override; the defaults are
shipped with kefu (kefu/data/customs_facts.toml), loaded when the database is upgraded,
and edited by the main account only, since every store's answers state them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kefu.domain.customs import CustomsFact, effective, validated
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import Clock, UnitOfWork


@dataclass(frozen=True)
class CustomsFacts:
    store: str | None  # the store's code; None: the defaults
    own: list[CustomsFact]  # the store's rows (the defaults' rows for None)
    defaults: list[CustomsFact]
    effective: list[CustomsFact]  # what the store's duty answers state


def list_facts(who: Principal, store: str | None, *, uow: UnitOfWork) -> CustomsFacts:
    access.require(who, Permission.MANAGE_TEMPLATES)
    with uow:
        defaults = uow.customs.facts(None)
        if store is None:
            return CustomsFacts(None, defaults, defaults, defaults)
        ref = access.store(uow, who, store)
        own = uow.customs.facts(ref.id)
    return CustomsFacts(ref.code, own, defaults, effective(defaults, own))


def save_facts(
    who: Principal,
    store: str | None,
    facts: Sequence[CustomsFact],
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> None:
    """Replace a store's own facts (None: the defaults, main account only), whole: a set
    with one bad fact saves nothing and names each field and row."""
    access.require(who, Permission.MANAGE_TEMPLATES)
    if store is None:
        access.require(who, Permission.MANAGE_SHOP)
    checked = validated(facts)
    now = clock.now()
    with uow:
        store_id = access.store(uow, who, store).id if store is not None else None
        before = uow.customs.facts(store_id)
        uow.customs.replace(store_id, checked, now)
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="customs_facts",
            entity_type="store" if store_id is not None else "organisation",
            entity_id=store_id or 0,
            before={"facts": [f.to_dict() for f in before]},
            after={"facts": [f.to_dict() for f in checked]},
        )
        uow.commit()


def load_defaults(facts: Sequence[CustomsFact], *, uow: UnitOfWork, clock: Clock) -> int:
    """Add the shipped defaults the database lacks; the ones an owner edited stay."""
    checked = validated(facts)
    with uow:
        added = uow.customs.add_missing_defaults(checked, clock.now())
        uow.commit()
    return added
