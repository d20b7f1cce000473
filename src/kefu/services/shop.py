"""Managing the shop's stores: the main account's alone (SPEC §7: never a sub-account)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.domain.errors import FieldError, RowErrors
from kefu.domain.permissions import Permission
from kefu.services.access import Forbidden, Principal
from kefu.services.ports import Clock, StoreRef, UnitOfWork


def update_store(
    by: Principal, store: StoreRef, *, name: str, timezone: str, uow: UnitOfWork, clock: Clock
) -> None:
    """Rename a store or change the zone its days are counted in (KPIs, hours)."""
    if not by.can(Permission.MANAGE_SHOP):
        raise Forbidden("only the main account manages the shop")
    errors = []
    if not name.strip() or len(name) > 200:
        errors.append(FieldError("name", "is 1–200 characters"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(FieldError("timezone", "is not an IANA time zone", value=timezone))
    if errors:
        raise RowErrors(errors)
    now = clock.now()
    with uow:
        uow.auth.update_store(store.id, name=name.strip(), timezone=timezone)
        uow.inbox.audit(
            at=now,
            account_id=by.account_id,
            action="store_update",
            entity_type="store",
            entity_id=store.id,
            before={"name": store.name, "timezone": store.timezone},
            after={"name": name.strip(), "timezone": timezone},
        )
        uow.commit()
