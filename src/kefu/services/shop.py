"""The shop's stores: listed for whoever is given them; managed by the main account alone
(SPEC §7: never a sub-account)."""

from __future__ import annotations

import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Principal, require
from kefu.services.ports import Clock, StoreRef, UnitOfWork

MAX_NAME = 200
# Control and format characters (a NUL, a terminal escape, a right-to-left override, a
# zero-width space) would hide or disguise a store's name on every page and report.
HIDDEN = frozenset({"Cc", "Cf"})


def given_stores(by: Principal, *, uow: UnitOfWork) -> list[StoreRef]:
    """The stores given to `by` (every store for the main account)."""
    require(by, Permission.VIEW_INBOX)
    with uow:
        return access.stores(uow, by)


def shop_stores(by: Principal, *, uow: UnitOfWork) -> list[StoreRef]:
    """Every store, for the main account's Stores page."""
    require(by, Permission.MANAGE_SHOP)
    with uow:
        return access.stores(uow, by)


def update_store(
    by: Principal, code: str, *, name: str, timezone: str, uow: UnitOfWork, clock: Clock
) -> None:
    """Rename a store or change the zone its days are counted in (KPIs, hours)."""
    require(by, Permission.MANAGE_SHOP)
    name = name.strip()
    errors = _name_problems(name)
    try:
        if len(timezone) > 64:
            raise ValueError(timezone)
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(FieldError("timezone", "is not an IANA time zone", value=timezone[:64]))
    now = clock.now()
    with uow:
        store = access.store(uow, by, code)
        if errors:
            raise RowErrors(errors)
        uow.auth.update_store(store.id, name=name, timezone=timezone)
        uow.inbox.audit(
            at=now,
            account_id=by.account_id,
            action="store_update",
            entity_type="store",
            entity_id=store.id,
            before={"name": store.name, "timezone": store.timezone},
            after={"name": name, "timezone": timezone},
        )
        uow.commit()


def _name_problems(name: str) -> list[FieldError]:
    errors = []
    if not name or len(name) > MAX_NAME:
        errors.append(FieldError("name", f"is 1–{MAX_NAME} characters"))
    if any(unicodedata.category(c) in HIDDEN for c in name):
        errors.append(FieldError("name", "may not hold control or invisible formatting characters"))
    return errors
