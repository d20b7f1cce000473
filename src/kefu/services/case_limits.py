"""The owner's limits on each person's risky after-sale actions (docs/deadlines.md
"Limits"): the largest refund they may give alone, and whether they may decline a return
or refuse a dispute. The case use cases read them through `uow.case_limits.limits_of`.

Only the owner (the main account) reads and sets them; each change is audited.
"""

from __future__ import annotations

from kefu.domain.cases.limits import MAX_REFUND_USD_CENTS, CaseLimits
from kefu.domain.errors import InvalidInput, NotFound
from kefu.domain.permissions import Permission
from kefu.services import access
from kefu.services.access import Forbidden, Principal
from kefu.services.ports import CaseLimitsRow, Clock, UnitOfWork


def _owner(who: Principal) -> None:
    access.require(who, Permission.MANAGE_ACCOUNTS)
    if not who.is_main:
        raise Forbidden("only the owner sets the limits on risky actions")


def _account(uow: UnitOfWork, account_id: int) -> None:
    found = uow.auth.account(account_id)
    if found is None:
        raise NotFound(f"no account {account_id}", id=account_id)


def limits_of(who: Principal, account_id: int, *, uow: UnitOfWork) -> CaseLimits:
    _owner(who)
    with uow:
        _account(uow, account_id)
        row = uow.case_limits.limits_of(account_id)
    if row is None:
        return CaseLimits()
    return CaseLimits(row.max_refund_usd_cents, row.may_decline_return, row.may_refuse_dispute)


def set_limits(
    who: Principal, account_id: int, limits: CaseLimits, *, uow: UnitOfWork, clock: Clock
) -> CaseLimits:
    """Store the person's limits (setting the same again changes nothing but the time)."""
    _owner(who)
    cents = limits.max_refund_usd_cents
    if cents is not None and not 0 <= cents <= MAX_REFUND_USD_CENTS:
        raise InvalidInput(
            f"largest refund alone: 0 to {MAX_REFUND_USD_CENTS // 100} USD",
            field="max_refund_usd",
            value=cents / 100,
        )
    now = clock.now()
    with uow:
        _account(uow, account_id)
        before = uow.case_limits.limits_of(account_id)
        uow.case_limits.set_limits(
            CaseLimitsRow(
                account_id,
                cents,
                limits.may_decline_return,
                limits.may_refuse_dispute,
                now,
                who.account_id,
            )
        )
        uow.inbox.audit(
            at=now,
            account_id=who.account_id,
            action="set_case_limits",
            entity_type="account",
            entity_id=account_id,
            before=_audited(before) if before else None,
            after=_audited(limits),
        )
        uow.commit()
    return limits


def _audited(limits: CaseLimits | CaseLimitsRow) -> dict[str, object]:
    return {
        "max_refund_usd_cents": limits.max_refund_usd_cents,
        "may_decline_return": limits.may_decline_return,
        "may_refuse_dispute": limits.may_refuse_dispute,
    }
