"""The owner's limits on each person's risky after-sale actions (docs/deadlines.md
"Limits"): one row per person in `case_limits`; no row, no limit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.services.ports import CaseLimitsRow


class SqlCaseLimitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def limits_of(self, account_id: int) -> CaseLimitsRow | None:
        row = self.session.get(t.CaseLimit, account_id)
        if row is None:
            return None
        return CaseLimitsRow(
            account_id=row.account_id,
            max_refund_usd_cents=row.max_refund_usd_cents,
            may_decline_return=row.may_decline_return,
            may_refuse_dispute=row.may_refuse_dispute,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    def set_limits(self, limits: CaseLimitsRow) -> None:
        """Insert or replace the person's row. Two first saves at once collide on the
        primary key; the unit of work reports it as a concurrent write."""
        row = self.session.get(t.CaseLimit, limits.account_id)
        if row is None:
            row = t.CaseLimit(account_id=limits.account_id)
            self.session.add(row)
        row.max_refund_usd_cents = limits.max_refund_usd_cents
        row.may_decline_return = limits.may_decline_return
        row.may_refuse_dispute = limits.may_refuse_dispute
        row.updated_at = limits.updated_at
        row.updated_by = limits.updated_by
        self.session.flush()
