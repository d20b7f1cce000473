"""Wish refund tickets as cases, and the refund and tracking change on the order (issue 20;
docs/channels.md "Cases").

Sources: Wish's V3 OpenAPI 3.0.65 (the copy in github.com/api-evangelist/wish,
`openapi/wish-tickets-api-openapi.yml` and `openapi/wish-orders-api-openapi.yml`):

* `GET /api/v3/tickets` (`updated_at_min`, `sort_by=updated_at.asc`, `limit`; no offset:
  the page moves `updated_at_min` on) — a ticket with a `refund_reason` (or a sub_label
  that names a refund) is a refund request: a case of kind refund, ref "ticket:<id>", its
  order `orders[0].id`, its conversation the ticket itself. Ticket states AWAITING_MERCHANT
  / AWAITING_USER / AWAITING_WISH / CLOSED / PERMANENTLY_CLOSED.
* `PUT /api/v3/orders/{id}/refund` — RefundOrder {refund_reason (RefundReason, required),
  refund_reason_note}: Wish refunds the whole order (the API takes no amount).
* `PUT /api/v3/orders/{id}/tracking` {tracking_number, shipping_provider, origin_country ⚠}
  — change the tracking number of a shipped order (SPEC §2).
* `GET /api/v3/orders/{id}` (GetOrder): read first, so that a refund or tracking change
  whose answer was lost is not written twice (a refunded order, the same newest number).
* `PUT /api/v3/tickets/{id}` {state CLOSED | AWAITING_WISH}: close, or appeal to Wish.

Wish gives no deadline on a ticket: kefu computes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from kefu.adapters.marketplaces.platform_cases import check_decision, split_ref
from kefu.adapters.marketplaces.wish import CLOSED_STATES, WishClient, buyer_id, iso, order_number
from kefu.domain.cases.model import CaseAction, CaseKind, CaseReason, CaseState, Solution
from kefu.domain.moments import parse_moment
from kefu.services.ports import (
    CaseDecision,
    CasePage,
    ChannelError,
    PlatformCase,
    PlatformCaseStep,
)

VERSION = "wish-cases/1"
PAGE_SIZE = 100
PAGE_MAX = 500  # "Limit can range from 1 to 500 items"
ORIGIN_COUNTRY = "CN"  # ⚠ where the parcels leave from, for a tracking change

S, R, A = CaseState, CaseReason, CaseAction

TICKET_STATES: Mapping[str, CaseState] = {
    "AWAITING_MERCHANT": S.OPEN,
    "AWAITING_USER": S.OPEN,  # the shop answered; the buyer's move (platform_state says)
    "AWAITING_WISH": S.ESCALATED,
    "CLOSED": S.CLOSED,
    "PERMANENTLY_CLOSED": S.CLOSED,
}
# RefundReason (the orders document) → kefu's reason.
REFUND_REASONS: Mapping[str, CaseReason] = {
    "UNABLE_TO_SHIP": R.OUT_OF_STOCK,
    "ITEM_RETURNED_TO_SENDER": R.NOT_RECEIVED,
    "ITEM_IS_DAMAGED": R.DAMAGED,
    "SHIPPING_TAKING_TOO_LONG": R.LATE_DELIVERY,
    "ITEM_DOES_NOT_FIT": R.SIZE_FIT,
    "RECEIVED_WRONG_ITEM": R.WRONG_ITEM,
    "ITEM_IS_COUNTERFEIT": R.SOURCE_OF_GOODS,
    "ITEM_DOES_NOT_WORK_AS_DESCRIBED": R.NOT_AS_DESCRIBED,
    "ITEM_DOES_NOT_MATCH_LISTING": R.NOT_AS_DESCRIBED,
    "ITEM_MARKED_DELIVERED_BUT_DID_NOT_ARRIVE": R.NOT_RECEIVED,
    "MERCHANT_SENT_TO_WRONG_ADDRESS": R.NOT_RECEIVED,
    "REPLACEMENT_NEVER_RECEIVED": R.NOT_RECEIVED,
    "WRONG_COLOR": R.WRONG_ITEM,
    "ITEM_IS_POOR_QUALITY": R.QUALITY,
    "INCOMPLETE_ORDER": R.MISSING_PARTS,
    "MERCHANT_OUT_OF_STOCK": R.OUT_OF_STOCK,
    "EMPTY_PACKAGE": R.MISSING_PARTS,
    "PRODUCT_LISTING_MISSING_INFO": R.NOT_AS_DESCRIBED,
    "ITEM_DID_NOT_MEET_EXPECTATIONS": R.QUALITY,
    "RECEIVED_NOTE_FROM_MERCHANT": R.OTHER,
    "MERCHANT_REPORTED_ORDER": R.OTHER,
    "MERCHANT_REPORTED_BUYER_FRAUD": R.OTHER,
}
DECISIONS = frozenset({A.REFUND, A.SHIP, A.CLOSE, A.ESCALATE})


def is_refund_ticket(ticket: Mapping[str, Any]) -> bool:
    return bool(ticket.get("refund_reason")) or "refund" in str(ticket.get("sub_label")).lower()


def ticket_of(ticket: Mapping[str, Any]) -> PlatformCase:
    """A refund ticket as a case of kind refund."""
    ticket_id = str(ticket.get("id") or "")
    raw = str(ticket.get("state") or "")
    opened = parse_moment(ticket.get("opened_at"))
    if opened is None:
        raise ChannelError(f"Wish gave ticket {ticket_id} without a date", retryable=False)
    updated = parse_moment(ticket.get("updated_at")) or opened
    resolution = ticket.get("resolution_info")
    steps = []
    if isinstance(resolution, Mapping) and (closed := parse_moment(resolution.get("closed_at"))):
        who = str(resolution.get("closed_by") or "").upper()
        actor = {"MERCHANT": "seller", "USER": "buyer"}.get(who, "platform")
        steps.append(PlatformCaseStep(f"closed:{ticket_id}:{iso(closed)}", closed, "close", actor))
    replies = ticket.get("replies")
    first = replies[0] if isinstance(replies, list) and replies else {}
    return PlatformCase(
        ref=f"ticket:{ticket_id}",
        kind=CaseKind.REFUND.value,
        state=TICKET_STATES.get(raw, S.OPEN).value,
        platform_state=raw,
        order_number=order_number(ticket),
        buyer_ref=buyer_id(ticket),
        conversation_ref=ticket_id,
        reason=REFUND_REASONS.get(str(ticket.get("refund_reason")), R.OTHER).value,
        opened_at=opened,
        updated_at=updated,
        respond_by=None,
        refund_cents=None,
        currency=None,
        solution=Solution.FULL_REFUND.value,
        steps=tuple(steps),
        description=str(first.get("message") or "") if isinstance(first, Mapping) else "",
    )


class WishCases:
    """A store's Wish refund tickets (kefu.services.ports.CaseClient), with the message
    client's token and calls."""

    def __init__(self, api: WishClient, *, page_size: int = PAGE_SIZE) -> None:
        self.api = api
        self.page_size = page_size

    def close(self) -> None:
        """Close its HTTP client: each one is built for one sync pass or one step."""
        self.api.close()

    def pull_cases(self, cursor: str | None, since: datetime) -> CasePage:
        """Tickets changed since the cursor, oldest change first; the refund ones."""
        start = _load(cursor) or since
        listed = self.api.tickets(updated_at_min=iso(start), limit=self.page_size)
        cases = [ticket_of(t) for t in listed if is_refund_ticket(t)]
        latest = [m for m in (parse_moment(t.get("updated_at")) for t in listed) if m]
        following = max(latest) if latest else start
        done = len(listed) < self.page_size
        if not done and following <= start:
            # A whole page changed at one moment: read all of that moment (the list takes
            # up to 500), then go on past it.
            at_once = self.api.tickets(
                updated_at_min=iso(start), updated_at_max=iso(start), limit=PAGE_MAX
            )
            cases = [ticket_of(t) for t in at_once if is_refund_ticket(t)]
            following = start + timedelta(milliseconds=1)
        return CasePage(cases, _dump(following), done)

    def can_decide(self, case_ref: str, action: str) -> bool:
        return case_ref.startswith("ticket:") and action in DECISIONS

    def decide(self, decision: CaseDecision) -> str:
        _, ticket_id = split_ref(decision.case_ref, ("ticket",), "Wish")
        check_decision(decision, "Wish")
        action = CaseAction(decision.action)
        if action not in DECISIONS:
            raise ChannelError(
                f"Wish takes no {action.value} step on a ticket by API", retryable=False
            )
        if action is A.CLOSE:
            self.api.update(ticket_id, "CLOSED")
            return f"ticket:{ticket_id}:closed"
        if action is A.ESCALATE:
            self.api.appeal(ticket_id)
            return f"ticket:{ticket_id}:appealed"
        ticket = self.api.ticket(ticket_id)
        order = decision.order_number or order_number(ticket)
        if not order:
            raise ChannelError(f"Wish ticket {ticket_id} names no order", retryable=False)
        # A write whose answer was lost shows on the order: it is not written twice.
        current = self.api.call("GET", f"/api/v3/orders/{order}")
        current = current if isinstance(current, dict) else {}
        if action is A.SHIP:
            tracked = current.get("tracking_information")
            latest = tracked[0] if isinstance(tracked, list) and tracked else {}
            if decision.tracking_number and latest.get("tracking_number") == (
                decision.tracking_number
            ):
                return f"order:{order}:tracking:{decision.tracking_number}"
            if not decision.tracking_number or not decision.carrier:
                raise ChannelError(
                    "a tracking change needs the tracking number and the carrier",
                    retryable=False,
                )
            self.api.call(
                "PUT",
                f"/api/v3/orders/{order}/tracking",
                body={
                    "tracking_number": decision.tracking_number,
                    "shipping_provider": decision.carrier,
                    "origin_country": ORIGIN_COUNTRY,
                },
            )
            return f"order:{order}:tracking:{decision.tracking_number}"
        if current.get("state") == "REFUNDED":
            return f"order:{order}:refunded"
        if str(ticket.get("state")) in CLOSED_STATES:
            raise ChannelError(
                f"the Wish ticket {ticket_id} is closed: no refund from it", retryable=False
            )
        given = ticket.get("refund_reason")
        reason = str(given) if given in REFUND_REASONS else "ITEM_DID_NOT_MEET_EXPECTATIONS"
        body = {"refund_reason": reason} | (
            {"refund_reason_note": decision.note} if decision.note else {}
        )
        self.api.call("PUT", f"/api/v3/orders/{order}/refund", body=body)
        return f"order:{order}:refunded"


def _load(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    try:
        data = json.loads(cursor)
        if data.get("v") != VERSION:
            raise ValueError(data.get("v"))
        return datetime.fromisoformat(data["min"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ChannelError(
            "the stored Wish case position is unreadable; reconnect the store", retryable=False
        ) from exc


def _dump(moment: datetime) -> str:
    body = {"v": VERSION, "min": moment.astimezone(UTC).isoformat()}
    return json.dumps(body, separators=(",", ":"))
