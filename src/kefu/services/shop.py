"""The shop's stores: listed for whoever is given them; added, changed, archived and
restored by the main account alone (SPEC §7: never a sub-account). docs/stores.md.

A store's opening hours and holiday calendar are its reply settings (`ShopFacts`), the
one place hours are kept: a new store gets default settings in its own zone with its
holiday country, and a store's holiday country is read and changed there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kefu.domain.errors import DomainError, FieldError, RowErrors
from kefu.domain.permissions import Permission
from kefu.domain.shopfacts import ShopFacts
from kefu.domain.stores import StoreDraft, name_problems, store_problems, zone_problems
from kefu.services import access
from kefu.services.access import Principal, require
from kefu.services.ports import Clock, StoreChecks, StoreRef, UnitOfWork

KEEP = "\0keep"  # update_store: leave the holiday country as it is


class Conflict(DomainError):
    """The thing to be made exists already (a store code taken)."""

    code = "conflict"


@dataclass(frozen=True)
class StoreView:
    """A store as the Stores page, the API and `kefu store list` show it."""

    code: str
    name: str
    platform: str
    site: str
    currency: str
    timezone: str
    holiday_country: str | None
    archived_at: datetime | None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


def given_stores(by: Principal, *, uow: UnitOfWork) -> list[StoreRef]:
    """The stores given to `by` (every store for the main account), archived ones left out."""
    require(by, Permission.VIEW_INBOX)
    with uow:
        return access.stores(uow, by)


def shop_stores(by: Principal, *, uow: UnitOfWork) -> list[StoreView]:
    """Every store, archived ones too, for the main account's Stores page."""
    require(by, Permission.MANAGE_SHOP)
    with uow:
        return [_view(uow, s) for s in access.stores(uow, by, archived=True)]


def create_store(
    by: Principal, draft: StoreDraft, *, checks: StoreChecks, uow: UnitOfWork, clock: Clock
) -> StoreView:
    """A new store, with default reply settings in its zone and holiday calendar.
    RowErrors names every bad field; Conflict when the code is taken (archived or not)."""
    require(by, Permission.MANAGE_SHOP)
    draft = draft.cleaned()
    errors = store_problems(
        draft, currencies=checks.currencies, holiday_countries=checks.holiday_countries
    )
    if errors:
        raise RowErrors(errors)
    now = clock.now()
    with uow:
        if any(s.code == draft.code for s in uow.queries.stores()):
            raise Conflict(f"a store with the code {draft.code!r} exists already", field="code")
        store_id = uow.auth.add_store(
            code=draft.code,
            name=draft.name,
            platform=draft.platform,
            site=draft.site,
            currency=draft.currency,
            timezone=draft.timezone,
            now=now,
        )
        facts = ShopFacts(timezone=draft.timezone, holiday_country=draft.holiday_country)
        uow.replies.save_facts(store_id, facts, now)
        after = {
            "code": draft.code,
            "name": draft.name,
            "platform": draft.platform,
            "site": draft.site,
            "currency": draft.currency,
            "timezone": draft.timezone,
            "holiday_country": draft.holiday_country,
        }
        _audit(uow, now, by, "store_create", store_id, None, after)
        view = _view(uow, access.store_by_id(uow, by, store_id))
        uow.commit()
    return view


def update_store(
    by: Principal,
    code: str,
    *,
    name: str,
    timezone: str,
    site: str | None = None,
    currency: str | None = None,
    holiday_country: str | None = KEEP,
    checks: StoreChecks | None = None,
    uow: UnitOfWork,
    clock: Clock,
) -> StoreView:
    """Rename a store, change the zone its days are counted in (KPIs), its site, currency
    or holiday country (None or "": no public holidays). None for site or currency, KEEP
    for the holiday country: left as they are. Code and platform never change."""
    require(by, Permission.MANAGE_SHOP)
    name, timezone = name.strip(), timezone.strip()
    errors = name_problems(name) + zone_problems(timezone)
    now = clock.now()
    with uow:
        store = access.store(uow, by, code, archived=True)
        facts, _ = uow.replies.settings(store.id)
        country = facts.holiday_country if holiday_country == KEEP else holiday_country
        draft = StoreDraft(
            code=store.code,
            platform=store.platform,
            site=store.site if site is None else site,
            name=name,
            currency=store.currency if currency is None else currency,
            timezone=timezone,
            holiday_country=country,
        ).cleaned()
        if site is None or draft.site == store.site.lower():
            # kept exactly as stored (a store made before the site list: "UK")
            draft = replace(draft, site=store.site)
        errors += _changed_problems(store, draft, facts, checks)
        if errors:
            raise RowErrors(errors)
        before = _fields(store, facts.holiday_country)
        after = {
            "name": draft.name,
            "timezone": draft.timezone,
            "site": draft.site,
            "currency": draft.currency,
            "holiday_country": draft.holiday_country,
        }
        uow.auth.update_store(
            store.id,
            name=draft.name,
            timezone=draft.timezone,
            site=draft.site,
            currency=draft.currency,
        )
        if draft.holiday_country != facts.holiday_country:
            uow.replies.save_facts(
                store.id, replace(facts, holiday_country=draft.holiday_country), now
            )
        if draft.timezone != store.timezone:
            # The KPI facts keep store-local days: re-derived in this transaction, so the
            # report never counts the store's days in its old zone (docs/kpis.md).
            uow.inbox.rebuild_kpi_facts(store.code)
        _audit(uow, now, by, "store_update", store.id, before, after)
        view = _view(uow, access.store_by_id(uow, by, store.id))
        uow.commit()
    return view


def archive_store(by: Principal, code: str, *, uow: UnitOfWork, clock: Clock) -> bool:
    """Archive a store: its history stays; it leaves the inbox, routing and imports.
    Archiving an archived store changes nothing (False)."""
    return _set_archived(by, code, archive=True, uow=uow, clock=clock)


def restore_store(by: Principal, code: str, *, uow: UnitOfWork, clock: Clock) -> bool:
    """Bring an archived store back; False when it was not archived."""
    return _set_archived(by, code, archive=False, uow=uow, clock=clock)


def _set_archived(
    by: Principal, code: str, *, archive: bool, uow: UnitOfWork, clock: Clock
) -> bool:
    require(by, Permission.MANAGE_SHOP)
    now = clock.now()
    with uow:
        store = access.store(uow, by, code, archived=True)
        if (store.archived_at is not None) == archive:
            return False
        uow.auth.set_store_archived(store.id, now if archive else None)
        action = "store_archive" if archive else "store_restore"
        before = {"archived_at": store.archived_at.isoformat() if store.archived_at else None}
        after = {"archived_at": now.isoformat() if archive else None}
        _audit(uow, now, by, action, store.id, before, after)
        uow.commit()
    return True


def _changed_problems(
    store: StoreRef, draft: StoreDraft, facts: ShopFacts, checks: StoreChecks | None
) -> list[FieldError]:
    """The checks of a new store, for the fields that changed (name and zone are checked
    always); a store made before the site list keeps its old site until it is changed."""
    changed = {
        "site": draft.site != store.site,
        "currency": draft.currency != store.currency,
        "holiday_country": draft.holiday_country != facts.holiday_country,
    }
    if not any(changed.values()):
        return []
    if checks is None:
        raise ValueError("update_store needs the checks to change site, currency or holidays")
    problems = store_problems(
        draft, currencies=checks.currencies, holiday_countries=checks.holiday_countries
    )
    return [p for p in problems if changed.get(p.field, False)]


def _fields(store: StoreRef, holiday_country: str | None) -> dict[str, Any]:
    return {
        "name": store.name,
        "timezone": store.timezone,
        "site": store.site,
        "currency": store.currency,
        "holiday_country": holiday_country,
    }


def _view(uow: UnitOfWork, store: StoreRef) -> StoreView:
    facts, _ = uow.replies.settings(store.id)
    return StoreView(
        code=store.code,
        name=store.name,
        platform=store.platform,
        site=store.site,
        currency=store.currency,
        timezone=store.timezone,
        holiday_country=facts.holiday_country,
        archived_at=store.archived_at,
    )


def _audit(
    uow: UnitOfWork,
    now: datetime,
    by: Principal,
    action: str,
    store_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    uow.inbox.audit(
        at=now,
        account_id=by.account_id,
        action=action,
        entity_type="store",
        entity_id=store_id,
        before=before,
        after=after,
    )
