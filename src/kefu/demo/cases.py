"""The demo's after-sale cases (docs/cases.md): opened by its agents from conversations that
ask for them, some days ago, and moved a step or two — so the cases list, the deadlines and
the colour marks have something to show before anyone clicks. Opened through the same use
cases an agent's click goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.bootstrap import Kefu
from kefu.demo.conversations import DAMAGED_ORDER_NUMBER
from kefu.services import cases
from kefu.services.auth import principal_of
from kefu.services.cases import NewCase, StepRequest
from kefu.services.readmodels import InboxFilters


@dataclass(frozen=True)
class Plan:
    """One demo case: from the first open conversation with `intent` and an order."""

    intent: str
    kind: str
    reason: str
    solution: str | None
    days_ago: float
    steps: tuple[tuple[str, dict[str, str]], ...] = ()
    refund_share: float | None = None  # of the order total, for refunds
    agent: str = "wangwei"
    description: str = ""


PLANS = (
    Plan(
        "not_received", "reshipment", "not_received", "reship", 3.0,
        (("ship", {"tracking_number": "LX900000019CN", "carrier": "China Post"}),),
        description="Parcel lost in transit; reshipped.",
    ),
    Plan(
        "damaged_defective", "return", "quality", "return", 6.0, (("approve", {}),),
        agent="zhangmin", description="Stopped working after two days.",
    ),
    Plan(
        "product_size", "refund", "size_fit", "partial_refund", 2.0, (("refund", {}),),
        refund_share=0.3, description="Too small; keeps it with a partial refund.",
    ),
    Plan("wrong_item", "exchange", "wrong_item", "exchange", 8.0,
         description="Received blue instead of pink."),
    Plan("cancel_order", "cancellation", "changed_mind", None, 1.0),
    Plan("complaint", "complaint", "service", None, 4.0, (("classify", {}),),
         description="Unhappy with how long the first answer took."),
    Plan("refund", "refund", "late_delivery", "full_refund", 12.0),
)  # fmt: skip


@dataclass
class _At:
    """The moment a demo case was opened or moved (the demo's own past)."""

    at: datetime

    def now(self) -> datetime:
        return self.at


def open_demo_cases(kefu: Kefu, now: datetime) -> int:
    """Open each plan's case on its first fitting conversation; how many were opened."""
    with kefu.uow() as uow:
        people = {a.username: principal_of(a) for a in uow.auth.accounts()}
    opened, used = 0, set()
    for plan in PLANS:
        with kefu.uow() as uow:
            rows = uow.queries.inbox_page(
                InboxFilters(intent=plan.intent, state="active", page_size=50)
            ).rows
        row = next(
            (
                r
                for r in rows
                # SPEC §8's example is left for the agent to open.
                if r.order_number not in (None, DAMAGED_ORDER_NUMBER) and r.id not in used
            ),
            None,
        )
        if row is None:
            continue
        used.add(row.id)
        who = people[plan.agent]
        at = _At(now - timedelta(days=plan.days_ago))
        order = cases.conversation_order(who, row.id, uow=kefu.uow())
        lines: tuple[tuple[int, int], ...] = ()
        if order is not None and plan.kind in ("return", "exchange", "repair"):
            lines = ((order.lines[0][0], 1),)
        refund = None
        if order is not None and plan.refund_share:
            refund = max(1, round(order.total_cents * plan.refund_share))
        case_id = cases.open_case(
            who,
            row.id,
            NewCase(
                plan.kind,
                plan.reason,
                plan.solution,
                lines=lines,
                refund_cents=refund,
                description=plan.description,
            ),
            uow=kefu.uow(),
            clock=at,
            deps=kefu.case_deps,
        )
        for n, (action, extra) in enumerate(plan.steps, start=1):
            at.at += timedelta(hours=3 * n)
            cases.take_step(
                who,
                case_id,
                StepRequest(action, reason=plan.description, **extra),  # type: ignore[arg-type]
                uow_factory=kefu.uow,
                clock=at,
                deps=kefu.case_deps,
            )
        opened += 1
    return opened
