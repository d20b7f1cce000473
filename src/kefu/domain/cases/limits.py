"""Per-agent restrictions on risky after-sale actions, set by the owner (who may refund
above an amount, decline a return, refuse a dispute).

The owner is never limited: the service passes `limits=None` for the owner. Which steps
count as which risk:

- refunding above `max_refund_usd_cents`: any step that carries a refund amount (REFUND,
  or an AGREE or PROPOSE that gives money back), compared in US cents; a REFUND without an
  amount is refused when a limit is set, since it cannot be checked;
- declining a return: DECLINE on a return, exchange, repair, refund or cancellation — each
  turns down what the buyer asked for, and each counts against the shop on the platform;
- refusing a dispute: PROPOSE on a dispute — the shop refuses the buyer's solution with its
  own (AliExpress `issue.solution.save`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.domain.cases.model import CaseAction, CaseInputError, CaseKind
from kefu.domain.errors import DomainError

DECLINABLE = frozenset(
    {CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR, CaseKind.REFUND, CaseKind.CANCELLATION}
)
# A refund is bounded far above any order: a larger figure is a typing slip.
MAX_REFUND_USD_CENTS = 100_000_000


@dataclass(frozen=True)
class CaseLimits:
    """One agent's limits; the defaults limit nothing."""

    max_refund_usd_cents: int | None = None
    may_decline_return: bool = True
    may_refuse_dispute: bool = True


class RiskyActionRefused(DomainError):
    """The owner does not let this agent take this step; params name the action and the
    limit (`max_refund`, `decline_return`, `refuse_dispute`)."""

    code = "case_action_not_allowed"


def check_action(
    kind: CaseKind,
    action: CaseAction,
    *,
    limits: CaseLimits | None,
    refund_usd_cents: int | None,
) -> None:
    """Refuse a step this agent's limits forbid (module docstring: what counts)."""
    if refund_usd_cents is not None and not 0 <= refund_usd_cents <= MAX_REFUND_USD_CENTS:
        raise CaseInputError(
            "a refund must be between 0 and 1,000,000 USD",
            field="refund",
            value=str(refund_usd_cents),
        )
    if limits is None:
        return
    ceiling = limits.max_refund_usd_cents
    if ceiling is not None:
        if refund_usd_cents is None and action is CaseAction.REFUND:
            raise RiskyActionRefused(
                "a refund without an amount cannot be checked against the agent's limit",
                action=action.value,
                kind=kind.value,
                limit="max_refund",
                max_usd=_usd(ceiling),
                amount_usd="?",
            )
        if refund_usd_cents is not None and refund_usd_cents > ceiling:
            raise RiskyActionRefused(
                f"a refund of {_usd(refund_usd_cents)} USD is above the agent's limit of "
                f"{_usd(ceiling)} USD",
                action=action.value,
                kind=kind.value,
                limit="max_refund",
                max_usd=_usd(ceiling),
                amount_usd=_usd(refund_usd_cents),
            )
    if action is CaseAction.DECLINE and kind in DECLINABLE and not limits.may_decline_return:
        raise RiskyActionRefused(
            f"this agent may not decline a {kind.value} request",
            action=action.value,
            kind=kind.value,
            limit="decline_return",
        )
    if action is CaseAction.PROPOSE and kind is CaseKind.DISPUTE and not limits.may_refuse_dispute:
        raise RiskyActionRefused(
            "this agent may not refuse a dispute with the shop's own solution",
            action=action.value,
            kind=kind.value,
            limit="refuse_dispute",
        )


def _usd(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
