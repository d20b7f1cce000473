"""The words of an after-sale case: its kind, state, reason, proposed solution, and the
steps that moved it, each with who, when and why (SPEC §8).

States stay close to the platforms' own (eBay Post-Order, AliExpress issue, Wish ticket
states); docs/cases.md maps each platform state to one of these. One state set serves every
kind; `workflows` says which steps each kind allows from each state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kefu.domain.errors import InvalidInput, InvalidTransition


class CaseKind(StrEnum):
    RETURN = "return"  # buyer sends the item back for a refund
    EXCHANGE = "exchange"  # buyer sends it back, the shop sends a new one
    REPAIR = "repair"  # buyer sends it back, the shop repairs and returns it
    REFUND = "refund"  # money back without a return
    RESHIPMENT = "reshipment"  # the shop ships again (lost, damaged, missing parts)
    CANCELLATION = "cancellation"  # the order is cancelled before or after shipping
    DISPUTE = "dispute"  # the buyer asked the platform (AliExpress dispute, eBay case)
    NOT_RECEIVED = "not_received"  # item-not-received inquiry (eBay INR)
    COMPLAINT = "complaint"  # about the service, not an order line


class CaseState(StrEnum):
    OPEN = "open"  # requested / submitted, the shop has to answer
    APPROVED = "approved"  # the shop accepted the request
    DECLINED = "declined"  # the shop refused it
    TIMED_OUT = "timed_out"  # nobody answered in time (eBay: a cancellation counts as declined)
    RETURN_SHIPPED = "return_shipped"  # the buyer sent the item back
    RETURN_RECEIVED = "return_received"  # the item is back at the shop
    INSPECTED = "inspected"  # the shop checked the returned item
    SHIPPED = "shipped"  # a new, repaired or reshipped item is on its way, with tracking
    DELIVERED = "delivered"  # the buyer received it
    PROPOSED = "proposed"  # the shop proposed its own solution; the buyer has to answer
    AGREED = "agreed"  # both sides agreed a solution
    ESCALATED = "escalated"  # the platform steps in
    REFUNDED = "refunded"  # the money went back
    CLASSIFIED = "classified"  # complaint: received and classified
    HANDLING = "handling"  # complaint: someone works on it
    FIRST_FEEDBACK = "first_feedback"  # complaint: the buyer heard back once
    CLOSED = "closed"
    CANCELLED = "cancelled"  # withdrawn by the buyer, or opened by mistake


class CaseAction(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    TIME_OUT = "time_out"  # the sweep, never a person
    RETURN_SHIPPED = "return_shipped"  # the buyer's return parcel is on its way
    RECEIVE_RETURN = "receive_return"
    INSPECT = "inspect"
    SHIP = "ship"  # needs a tracking number
    CONFIRM_DELIVERY = "confirm_delivery"
    PROPOSE = "propose"  # refuse the buyer's solution with the shop's own
    AGREE = "agree"  # accept the buyer's (or platform's) solution
    ESCALATE = "escalate"
    REFUND = "refund"  # needs an amount
    CLASSIFY = "classify"
    START_HANDLING = "start_handling"
    FIRST_FEEDBACK = "first_feedback"
    FINAL_FEEDBACK = "final_feedback"
    CLOSE = "close"
    WITHDRAW = "withdraw"


class CaseReason(StrEnum):
    DAMAGED = "damaged"  # arrived broken
    QUALITY = "quality"  # defective, poor quality
    NOT_AS_DESCRIBED = "not_as_described"
    WRONG_ITEM = "wrong_item"
    MISSING_PARTS = "missing_parts"  # short shipment
    NOT_RECEIVED = "not_received"
    LATE_DELIVERY = "late_delivery"
    SIZE_FIT = "size_fit"
    CHANGED_MIND = "changed_mind"
    OUT_OF_STOCK = "out_of_stock"
    PRICE = "price"
    SOURCE_OF_GOODS = "source_of_goods"  # counterfeit claims
    SERVICE = "service"  # complaints about the service itself
    OTHER = "other"


# Reasons recorded as a product quality problem (SPEC §7 red mark, the quality report).
QUALITY_REASONS = frozenset(
    {CaseReason.DAMAGED, CaseReason.QUALITY, CaseReason.NOT_AS_DESCRIBED, CaseReason.MISSING_PARTS}
)
# Reasons that are about the parcel, not the goods (AliExpress logistics disputes).
LOGISTICS_REASONS = frozenset({CaseReason.NOT_RECEIVED, CaseReason.LATE_DELIVERY})


class Solution(StrEnum):
    FULL_REFUND = "full_refund"
    PARTIAL_REFUND = "partial_refund"
    RESHIP = "reship"
    RETURN = "return"  # return and refund
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COUPON = "coupon"


class PushState(StrEnum):
    """Whether a step reached the platform: `local` steps have nothing to send."""

    LOCAL = "local"
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # shown as "not sent to the platform", with the reason and a retry


class DueSource(StrEnum):
    PLATFORM = "platform"  # the platform gave the date (eBay respondByDate…)
    COMPUTED = "computed"  # kefu computed it from the rule named beside it


class CaseStepRefused(InvalidTransition):
    """A step this kind of case does not allow from its state (refunding a cancelled
    refund, closing a dispute twice, shipping an exchange before the return was inspected)."""

    code = "case_step_refused"


class CaseInputError(InvalidInput):
    """Case data that cannot be right: a refund above what was paid, a date before the
    order, a line of another order."""

    code = "case_invalid"


@dataclass(frozen=True)
class Step:
    """One move of a case; `actor_id` None: the platform or kefu's sweep did it."""

    action: CaseAction
    from_state: CaseState
    to_state: CaseState
    at: datetime
    actor_id: int | None
    reason: str = ""
    details: dict[str, object] = field(default_factory=dict)
