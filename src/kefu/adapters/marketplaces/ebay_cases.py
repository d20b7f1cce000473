"""eBay after-sale cases over the Post-Order API v2 (issue 20; docs/channels.md "Cases").

Sources: eBay's Post-Order API reference (developer.ebay.com/Devzone/post-order, versions
2.7.8–2.8.0: the call pages, ReturnSummaryType, ReturnCountFilterEnum, the return
`status`/`state` values, the field index) — ⚠ the OpenAPI document post_order_api.json
v2.10.0 that PLATFORMS.md names could not be fetched here; field names marked ⚠ are
recalled from the reference pages, not read in it. tests/data/recorded/ebay/cases/README.md
says how the fixtures were made.

* `GET /post-order/v2/cancellation/search` (creation_date_range_from/_to, limit, offset):
  `{cancellations[], paginationOutput{limit, offset, totalEntries, totalPages}, total}`;
  a cancellation has cancelId, legacyOrderId, requestorType, cancelReason, cancelState,
  cancelStatus, requestRefundAmount{value, currency}, cancelRequestDate{value},
  sellerResponseDueDate{value}, buyerLoginName ⚠, activityHistories[] ⚠.
  `POST /cancellation/{cancelId}/approve`, `POST /cancellation/{cancelId}/reject`
  ({shipmentDate, trackingNumber} when it shipped).
* `GET /post-order/v2/return/search` (return_state ALL_OPEN | CLOSED …, creation_date_range_
  from/_to, limit, offset): `{members[], paginationOutput, total}`; a member (ReturnSummary)
  has returnId, orderId, buyerLoginName, currentType (MONEY_BACK | REPLACEMENT), state,
  status, creationInfo{item{itemId, transactionId, returnQuantity}, reason, comments
  {content}, creationDate{value}}, sellerResponseDue{activityDue, respondByDate{value}},
  sellerTotalRefund{estimatedRefundAmount{value, currency}}, sellerAvailableOptions[].
  `POST /return/{returnId}/decide` {decision APPROVE | DECLINE | OFFER_PARTIAL_REFUND …
  (DecisionEnum, 2.8.0), comments{content}, partialRefundAmount} → {refundStatus}; ⚠ eBay
  asks EU/UK sellers' calls to it (and to the refunds) to carry its Digital Signatures
  headers, which kefu does not send yet; `POST /return/{returnId}/issue_refund`
  {refundDetail{itemizedRefundDetail[], totalAmount}, comments} → {refundStatus};
  `POST /return/{returnId}/mark_as_received`.
* `GET /post-order/v2/inquiry/search` (inquiry_creation_date_range_from/_to, limit,
  offset): `{members[], paginationOutput, totalNumberOfInquiries}`; a member has
  inquiryId, itemId, transactionId, buyer, inquiryStatusEnum (OPEN, WAITING_SELLER_RESPONSE,
  WAITING_BUYER_RESPONSE, PENDING, CLOSED, CLOSED_WITH_ESCALATION, CS_CLOSED, OTHER),
  claimAmount, creationDate, lastModifiedDate, respondByDate. `POST /inquiry/{id}/
  provide_shipment_info` {trackingNumber, shippingCarrierName}, `…/issue_refund`,
  `…/escalate` {escalateInquiryReason, comments}.
* `GET /post-order/v2/casemanagement/search` (case_creation_date_range_from/_to, limit,
  offset) ⚠ (one of the calls eBay decommissions in 2026; kefu reads it while it
  answers): members with caseId, caseType, caseStatusEnum, claimAmount, creationDate,
  lastModifiedDate, respondByDate; `POST /casemanagement/{caseId}/issue_refund`.

Every call carries `Authorization: IAF <user token>` (the Post-Order API's OAuth form) and
`X-EBAY-C-MARKETPLACE-ID`. Dates come as `{"value": ISO 8601}`. The deadline eBay gives is
kept (sellerResponseDue.respondByDate, sellerResponseDueDate, respondByDate).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from kefu.adapters.marketplaces.ebay import EbayClient, refusal
from kefu.adapters.marketplaces.orders import dig
from kefu.adapters.marketplaces.platform_cases import (
    cents,
    check_decision,
    decimal_text,
    next_page,
    split_ref,
    step_ref,
)
from kefu.domain.cases.model import CaseAction, CaseKind, CaseReason, CaseState, Solution
from kefu.domain.moments import iso_millis, parse_moment
from kefu.services.ports import (
    CallBudget,
    CaseDecision,
    CasePage,
    ChannelError,
    PlatformCase,
    PlatformCaseStep,
    TokenRefused,
)

POST_ORDER_PATH = "/post-order/v2"
PAGE_SIZE = 50
DEFAULT_MARKETPLACE = "EBAY_US"
PLATFORM = "ebay"
# The Post-Order API's call budget (docs/channels.md "Rate limits"): eBay's "API Call
# Limits" page gives it a daily quota per application; kefu keeps the Message API's figure
# (⚠ not read for this API), a bucket of its own.
BUDGET = CallBudget(calls=5000, seconds=86_400.0, burst=250)

A, S, R = CaseAction, CaseState, CaseReason

# cancelStatus → kefu's state (docs/cases.md "Platform states").
CANCEL_STATES: Mapping[str, CaseState] = {
    "CANCEL_REQUESTED": S.OPEN,
    "CANCEL_PENDING": S.APPROVED,  # approved, the refund is on its way
    "CANCEL_REJECTED": S.DECLINED,
    "CANCEL_CLOSED_WITH_REFUND": S.CLOSED,
    "CANCEL_CLOSED_UNKNOWN_REFUND": S.CLOSED,
    "CANCEL_CLOSED_NO_REFUND": S.CLOSED,
    "CANCEL_CLOSED_FOR_COMMITMENT": S.CLOSED,  # an unpaid order cancelled: nothing to refund
    "INVALID": S.CANCELLED,  # "the cancellation request is not valid"
}
CANCEL_REASONS: Mapping[str, CaseReason] = {
    "BUYER_ASKED_CANCEL": R.CHANGED_MIND,
    "ORDER_MISTAKE": R.CHANGED_MIND,
    "FOUND_CHEAPER_PRICE": R.PRICE,
    "OUT_OF_STOCK_OR_CANNOT_FULFILL": R.OUT_OF_STOCK,
    "WONT_ARRIVE_IN_TIME": R.LATE_DELIVERY,
}
# A return's `state` (ReturnStateEnum) → kefu's state.
# A return's `status` (ReturnStatusEnum, the seller's view) → kefu's state; `state`
# (ReturnStateEnum) is read when there is no status, hence its words too.
RETURN_STATES: Mapping[str, CaseState] = {
    # ReturnStatusEnum
    "RETURN_REQUESTED": S.OPEN,
    "RETURN_REQUESTED_TIMEOUT": S.OPEN,  # unanswered: overdue, still the seller's move
    "PARTIAL_REFUND_REQUESTED": S.OPEN,
    "PARTIAL_REFUND_DECLINED": S.OPEN,
    "PARTIAL_REFUND_FAILED": S.OPEN,
    "REPLACEMENT_REQUESTED": S.OPEN,
    "WAITING_FOR_RMA": S.OPEN,
    "REPLACEMENT_WAITING_FOR_RMA": S.OPEN,
    "RETURN_LABEL_REQUESTED": S.APPROVED,
    "REPLACEMENT_LABEL_REQUESTED": S.APPROVED,
    "WAITING_FOR_RETURN_LABEL": S.APPROVED,
    "READY_FOR_SHIPPING": S.APPROVED,
    "ITEM_SHIPPED": S.RETURN_SHIPPED,
    "ITEM_DELIVERED": S.RETURN_RECEIVED,
    "RETURN_REJECTED": S.DECLINED,
    "ESCALATED": S.ESCALATED,
    "PARTIAL_REFUND_INITIATED": S.REFUNDED,
    "LESS_THAN_A_FULL_REFUND_ISSUED": S.REFUNDED,
    "REPLACEMENT_SHIPPED": S.SHIPPED,
    "REPLACEMENT_DELIVERED": S.DELIVERED,
    "REPLACED": S.DELIVERED,
    "REPLACEMENT_CLOSED": S.CLOSED,
    "CLOSED": S.CLOSED,
    # ReturnStateEnum
    "INITIAL": S.OPEN,
    "ITEM_KEPT": S.OPEN,  # the buyer would keep the item: the seller approves or not
    "ITEM_READY_TO_SHIP": S.APPROVED,
    "AUTO_REFUND_INITIATED": S.REFUNDED,
    "PARTIAL_REFUND_AS_PAYOUT_INITIATED": S.REFUNDED,
    "PARTIAL_REFUND_NON_PAYPAL_INITIATED": S.REFUNDED,
    # ⚠ the sandbox's words after an approval and a full refund (not read in eBay's lists)
    "RETURN_ACCEPTED": S.APPROVED,
    "REFUND_ISSUED": S.REFUNDED,
}
RETURN_REASONS: Mapping[str, CaseReason] = {
    "ARRIVED_DAMAGED": R.DAMAGED,
    "DEFECTIVE_ITEM": R.QUALITY,
    "NOT_AS_DESCRIBED": R.NOT_AS_DESCRIBED,
    "DIFFERENT_FROM_LISTING": R.NOT_AS_DESCRIBED,
    "MISSING_PARTS": R.MISSING_PARTS,
    "WRONG_ITEM": R.WRONG_ITEM,
    "WRONG_SIZE": R.SIZE_FIT,
    "DOES_NOT_FIT": R.SIZE_FIT,
    "NO_LONGER_NEED_ITEM": R.CHANGED_MIND,
    "ORDERED_ACCIDENTALLY": R.CHANGED_MIND,
    "ORDERED_WRONG_ITEM": R.CHANGED_MIND,
    "CHANGED_MIND": R.CHANGED_MIND,
    "FOUND_BETTER_PRICE": R.PRICE,
    "ARRIVED_LATE": R.LATE_DELIVERY,
    "FAKE_OR_COUNTERFEIT": R.SOURCE_OF_GOODS,
}
# inquiryStatusEnum → kefu's state (an item-not-received inquiry).
INQUIRY_STATES: Mapping[str, CaseState] = {
    "OPEN": S.OPEN,
    "WAITING_SELLER_RESPONSE": S.OPEN,
    "OTHER": S.OPEN,
    "WAITING_BUYER_RESPONSE": S.PROPOSED,
    "PENDING": S.PROPOSED,
    "CLOSED_WITH_ESCALATION": S.ESCALATED,
    "CLOSED": S.CLOSED,
    "CS_CLOSED": S.CLOSED,
}
# caseStatusEnum → kefu's state (a case eBay's customer service holds: a dispute).
CASE_STATES: Mapping[str, CaseState] = {
    "OPEN": S.ESCALATED,
    "WAITING_SELLER_RESPONSE": S.ESCALATED,
    "WAITING_BUYER_RESPONSE": S.ESCALATED,
    "WAITING_CS": S.ESCALATED,
    "ON_HOLD": S.ESCALATED,
    "OTHER": S.ESCALATED,
    "CLOSED": S.CLOSED,
    "CS_CLOSED": S.CLOSED,
}
CASE_REASONS: Mapping[str, CaseReason] = {
    "INR": R.NOT_RECEIVED,
    "ITEM_NOT_RECEIVED": R.NOT_RECEIVED,
    "SNAD": R.NOT_AS_DESCRIBED,
    "NOT_AS_DESCRIBED": R.NOT_AS_DESCRIBED,
    "RETURN": R.OTHER,
}
# CancelActivityTypeEnum → the step it records (the buyer's opening is none).
CANCEL_ACTIVITIES: Mapping[str, CaseAction] = {
    "SELLER_APPROVE": A.APPROVE,
    "SELLER_REJECT": A.DECLINE,
    "BUYER_CONFIRM_REFUND": A.REFUND,  # the buyer confirmed the refund came
}

# The lists a pass reads, in order; each is one source of platform_cases.next_page.
SOURCES = ("cancellation", "return:ALL_OPEN", "return:CLOSED", "inquiry", "casemanagement")

# Which steps go to eBay by API, per kind of ref (the others stay local).
DECISIONS: Mapping[str, frozenset[CaseAction]] = {
    "cancel": frozenset({A.APPROVE, A.DECLINE}),
    "return": frozenset({A.APPROVE, A.DECLINE, A.REFUND, A.RECEIVE_RETURN}),
    "inquiry": frozenset({A.SHIP, A.PROPOSE, A.REFUND, A.ESCALATE}),
    "case": frozenset({A.REFUND}),
}


# Where each step written by API leads: a refused retry whose case is already there had
# landed the first time. A refund that closed an inquiry or case cannot be told from a
# close without one, so those are not judged (the refusal shows).
LANDED: Mapping[tuple[str, CaseAction], frozenset[CaseState]] = {
    ("cancel", A.APPROVE): frozenset({S.APPROVED, S.CLOSED}),
    ("cancel", A.DECLINE): frozenset({S.DECLINED}),
    ("return", A.APPROVE): frozenset({S.APPROVED, S.RETURN_SHIPPED, S.RETURN_RECEIVED, S.REFUNDED}),
    ("return", A.DECLINE): frozenset({S.DECLINED}),
    ("return", A.RECEIVE_RETURN): frozenset({S.RETURN_RECEIVED, S.REFUNDED}),
    ("return", A.REFUND): frozenset({S.REFUNDED}),
    ("inquiry", A.SHIP): frozenset({S.PROPOSED}),
    ("inquiry", A.PROPOSE): frozenset({S.PROPOSED}),
    ("inquiry", A.ESCALATE): frozenset({S.ESCALATED}),
}


def _date(value: object) -> datetime | None:
    """eBay's `{"value": "…"}` dates (a plain string is read too)."""
    return parse_moment(value.get("value") if isinstance(value, Mapping) else value)


def _money(value: object) -> tuple[int | None, str | None]:
    if not isinstance(value, Mapping):
        return None, None
    currency = value.get("currency")
    return cents(value.get("value")), str(currency) if currency else None


def _required_date(value: object, what: str) -> datetime:
    moment = _date(value)
    if moment is None:
        raise ChannelError(f"eBay gave {what} without a date", retryable=False)
    return moment


def cancellation_of(doc: Mapping[str, Any]) -> PlatformCase:
    """A cancellation request (cancellation/search) as a case of kind cancellation."""
    status = str(doc.get("cancelStatus") or "")
    state = CANCEL_STATES.get(status) or (
        S.CLOSED if doc.get("cancelState") == "CLOSED" else S.OPEN
    )
    opened = _required_date(doc.get("cancelRequestDate"), f"cancellation {doc.get('cancelId')}")
    refund, currency = _money(doc.get("requestRefundAmount"))
    steps = []
    for activity in doc.get("activityHistories") or []:
        action = CANCEL_ACTIVITIES.get(str(activity.get("activityType")))
        at = _date(activity.get("actionDate"))
        if action is not None and at is not None:
            party = str(activity.get("activityParty") or "").lower()
            steps.append(
                PlatformCaseStep(
                    step_ref(doc.get("cancelId"), activity.get("activityType"), at),
                    at,
                    action.value,
                    party if party in ("buyer", "seller") else "platform",
                )
            )
    updated = max([opened, *(s.at for s in steps), *_dates(doc, "cancelCloseDate")])
    return PlatformCase(
        ref=f"cancel:{doc.get('cancelId')}",
        kind=CaseKind.CANCELLATION.value,
        state=state.value,
        platform_state=status or str(doc.get("cancelState") or ""),
        order_number=_text(doc.get("legacyOrderId")),
        buyer_ref=_text(doc.get("buyerLoginName")),
        conversation_ref=None,
        reason=CANCEL_REASONS.get(str(doc.get("cancelReason")), R.OTHER).value,
        opened_at=opened,
        updated_at=updated,
        respond_by=_date(doc.get("sellerResponseDueDate")),
        refund_cents=refund,
        currency=currency,
        solution=Solution.FULL_REFUND.value,
        steps=tuple(sorted(steps, key=lambda s: s.at)),
    )


def return_of(doc: Mapping[str, Any]) -> PlatformCase:
    """A return request (return/search member): kind return, or exchange when the buyer
    asked for a replacement."""
    raw = str(doc.get("status") or doc.get("state") or "")
    replacement = doc.get("currentType") == "REPLACEMENT"
    info: Mapping[str, Any] = _mapping(doc.get("creationInfo"))
    opened = _required_date(info.get("creationDate"), f"return {doc.get('returnId')}")
    refund, currency = _money(dig(doc, "sellerTotalRefund", "estimatedRefundAmount"))
    item = _mapping(info.get("item"))
    lines: tuple[tuple[str, int], ...] = ()
    if item.get("itemId"):
        lines = ((str(item["itemId"]), _count(item.get("returnQuantity"))),)
    if replacement:
        solution = Solution.EXCHANGE
    elif raw.startswith("PARTIAL_REFUND"):
        solution = Solution.PARTIAL_REFUND
    else:
        solution = Solution.RETURN
    state = RETURN_STATES.get(raw, S.OPEN)
    return PlatformCase(
        ref=f"return:{doc.get('returnId')}",
        kind=(CaseKind.EXCHANGE if replacement else CaseKind.RETURN).value,
        state=state.value,
        platform_state=raw,
        order_number=_text(doc.get("orderId")),
        buyer_ref=_text(doc.get("buyerLoginName")),
        conversation_ref=None,
        reason=RETURN_REASONS.get(str(info.get("reason")), R.OTHER).value,
        opened_at=opened,
        updated_at=max([opened, *_dates(doc, "lastModifiedDate")]),
        respond_by=_date(dig(doc, "sellerResponseDue", "respondByDate")),
        refund_cents=refund,
        currency=currency,
        solution=solution.value,
        lines=lines,
        description=str(dig(info, "comments", "content") or ""),
    )


def _order_number(doc: Mapping[str, Any], item: str | None, transaction: str | None) -> str | None:
    """The order id, else a one-line order's legacy id "itemId-transactionId"."""
    return _text(doc.get("orderId")) or (f"{item}-{transaction}" if item and transaction else None)


def inquiry_of(doc: Mapping[str, Any]) -> PlatformCase:
    """An item-not-received inquiry (inquiry/search member)."""
    raw = str(doc.get("inquiryStatusEnum") or doc.get("status") or "")
    opened = _required_date(doc.get("creationDate"), f"inquiry {doc.get('inquiryId')}")
    claim, currency = _money(doc.get("claimAmount"))
    item, transaction = _text(doc.get("itemId")), _text(doc.get("transactionId"))
    return PlatformCase(
        ref=f"inquiry:{doc.get('inquiryId')}",
        kind=CaseKind.NOT_RECEIVED.value,
        state=INQUIRY_STATES.get(raw, S.OPEN).value,
        platform_state=raw,
        order_number=_order_number(doc, item, transaction),
        buyer_ref=_text(doc.get("buyer")),
        conversation_ref=None,
        reason=R.NOT_RECEIVED.value,
        opened_at=opened,
        updated_at=max([opened, *_dates(doc, "lastModifiedDate")]),
        # the seller's deadline; else the day the buyer may ask eBay to step in
        respond_by=_date(doc.get("respondByDate")) or _date(doc.get("escalationDate")),
        refund_cents=claim,
        currency=currency,
        solution=None,
        lines=((item, 1),) if item else (),
    )


def case_of(doc: Mapping[str, Any]) -> PlatformCase:
    """A case eBay's customer service holds (casemanagement/search member): a dispute."""
    raw = str(doc.get("caseStatusEnum") or doc.get("status") or "")
    opened = _required_date(doc.get("creationDate"), f"case {doc.get('caseId')}")
    claim, currency = _money(doc.get("claimAmount"))
    item, transaction = _text(doc.get("itemId")), _text(doc.get("transactionId"))
    return PlatformCase(
        ref=f"case:{doc.get('caseId')}",
        kind=CaseKind.DISPUTE.value,
        state=CASE_STATES.get(raw, S.ESCALATED).value,
        platform_state=raw,
        order_number=_order_number(doc, item, transaction),
        buyer_ref=_text(doc.get("buyer")),
        conversation_ref=None,
        reason=CASE_REASONS.get(str(doc.get("caseType")), R.OTHER).value,
        opened_at=opened,
        updated_at=max([opened, *_dates(doc, "lastModifiedDate")]),
        respond_by=_date(doc.get("respondByDate")),
        refund_cents=claim,
        currency=currency,
        solution=Solution.FULL_REFUND.value,
        lines=((item, 1),) if item else (),
    )


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _dates(doc: Mapping[str, Any], *names: str) -> list[datetime]:
    return [d for d in (_date(doc.get(n)) for n in names) if d is not None]


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _count(value: object) -> int:
    try:
        return max(int(str(value)), 1)
    except ValueError:
        return 1


# The Get call of one case, the container its answer holds the case in, its mapping.
DETAILS: Mapping[str, tuple[str, str | None, Callable[[Mapping[str, Any]], PlatformCase]]] = {
    "cancel": ("/cancellation/{}", "cancelDetail", cancellation_of),
    "return": ("/return/{}", "summary", return_of),
    "inquiry": ("/inquiry/{}", None, inquiry_of),
    "case": ("/casemanagement/{}", None, case_of),
}


class EbayCases:
    """A store's eBay cases (kefu.services.ports.CaseClient), with the message client's
    token, HTTP client and call budget."""

    def __init__(
        self,
        api: EbayClient,
        *,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.page_size = page_size
        self.clock = clock
        self.marketplace = api.credentials.marketplace_id or DEFAULT_MARKETPLACE

    def close(self) -> None:
        """Close its HTTP client: each one is built for one sync pass or one step."""
        self.api.close()

    # HTTP

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        body: object = None,
    ) -> dict[str, Any]:
        """One Post-Order call within its budget (the token renewed once on 401 when it
        can be)."""
        key = f"{PLATFORM}:post-order:{self.api.credentials.client_id or self.api.store}"
        self.api.meter.take(key, BUDGET)
        try:
            return self._call(method, path, params, body)
        except ChannelError as exc:
            self.api.meter.refused(key, exc)
            raise

    def _call(
        self, method: str, path: str, params: Mapping[str, object] | None, body: object
    ) -> dict[str, Any]:
        renewed = self.api.fresh_token()
        response = self._send(method, path, params, body)
        if response.status_code == 401 and not renewed and self.api.credentials.refresh_token:
            self.api.refresh()
            response = self._send(method, path, params, body)
        call = f"{method} {POST_ORDER_PATH}{path}"
        if response.status_code in (200, 201, 202, 204):
            if not response.content:
                return {}
            try:
                answer = response.json()
            except ValueError as exc:
                raise ChannelError(f"eBay answered {call} with something not JSON") from exc
            if not isinstance(answer, dict):
                raise ChannelError(f"eBay answered {call} with something not a JSON object")
            return answer
        try:
            body_read: object = response.json()
        except ValueError:
            body_read = None
        if isinstance(body_read, dict) and "errors" not in body_read:
            body_read = {"errors": body_read.get("error")}  # the Post-Order envelope
        if response.status_code == 403:
            raise TokenRefused(
                f"eBay forbade {call} (HTTP 403): the token may not cover the Post-Order "
                "API (scope sell.fulfillment); reconnect needed"
            )
        raise refusal(call, response.status_code, body_read, response.headers.get("retry-after"))

    def _send(
        self, method: str, path: str, params: Mapping[str, object] | None, body: object
    ) -> httpx.Response:
        url = f"{self.api.base_url}{POST_ORDER_PATH}{path}"
        headers = {
            "Authorization": f"IAF {self.api.access_token}",
            "X-EBAY-C-MARKETPLACE-ID": self.marketplace,
            "Accept": "application/json",
        }
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        try:
            if body is None:
                return self.api.client.request(method, url, params=query, headers=headers)
            return self.api.client.request(method, url, params=query, headers=headers, json=body)
        except httpx.TimeoutException as exc:
            raise ChannelError(f"eBay did not answer {method} {url} in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"eBay unreachable: {exc.__class__.__name__}") from exc

    # Pull

    def pull_cases(self, cursor: str | None, since: datetime) -> CasePage:
        now = datetime.fromtimestamp(self.clock(), UTC)
        return next_page(cursor, since, now, SOURCES, self.page_size, self.listing, "eBay")

    def listing(
        self, source: str, start: datetime, end: datetime, offset: int
    ) -> tuple[list[PlatformCase], int]:
        name, _, state = source.partition(":")
        window = (iso_millis(start), iso_millis(end))
        paging: dict[str, object] = {"limit": self.page_size, "offset": offset}
        if name == "cancellation":
            answer = self.call(
                "GET",
                "/cancellation/search",
                params={"creation_date_range_from": window[0], "creation_date_range_to": window[1]}
                | paging,
            )
            found = [cancellation_of(d) for d in _members(answer, "cancellations")]
        elif name == "return":
            answer = self.call(
                "GET",
                "/return/search",
                params={
                    "return_state": state,
                    "creation_date_range_from": window[0],
                    "creation_date_range_to": window[1],
                }
                | paging,
            )
            found = [return_of(d) for d in _members(answer, "members")]
        elif name == "inquiry":
            answer = self.call(
                "GET",
                "/inquiry/search",
                params={
                    "inquiry_creation_date_range_from": window[0],
                    "inquiry_creation_date_range_to": window[1],
                }
                | paging,
            )
            found = [inquiry_of(d) for d in _members(answer, "members")]
        else:
            answer = self.call(
                "GET",
                "/casemanagement/search",
                params={
                    "case_creation_date_range_from": window[0],
                    "case_creation_date_range_to": window[1],
                }
                | paging,
            )
            found = [case_of(d) for d in _members(answer, "members")]
        total = dig(answer, "paginationOutput", "totalEntries")
        try:
            return found, max(int(total), len(found))
        except (TypeError, ValueError):
            return found, len(found)

    # Decisions

    def can_decide(self, case_ref: str, action: str) -> bool:
        prefix = case_ref.partition(":")[0]
        return action in DECISIONS.get(prefix, frozenset())

    def decide(self, decision: CaseDecision) -> str:
        prefix, ident = split_ref(decision.case_ref, tuple(DECISIONS), "eBay")
        check_decision(decision, "eBay")
        action = CaseAction(decision.action)
        if action not in DECISIONS[prefix]:
            raise ChannelError(
                f"eBay takes no {action.value} step on a {prefix} by API", retryable=False
            )
        handler = {
            "cancel": self._cancel,
            "return": self._return,
            "inquiry": self._inquiry,
            "case": self._case,
        }[prefix]
        try:
            return handler(ident, action, decision)
        except ChannelError as exc:
            # A retry after an answer lost on the way meets a step eBay took already:
            # eBay refuses it, and the case as eBay has it now says whether it landed.
            if (
                exc.retryable
                or isinstance(exc, TokenRefused)
                or not self._landed(prefix, ident, action)
            ):
                raise
            return f"{decision.case_ref}:{action.value}:already"

    def _landed(self, prefix: str, ident: str, action: CaseAction) -> bool:
        """Whether eBay's case is already where `action` leads (LANDED); False when it
        cannot be read."""
        wanted = LANDED.get((prefix, action))
        if not wanted:
            return False
        path, container, mapper = DETAILS[prefix]
        try:
            answer = self.call("GET", path.format(ident), params={"fieldgroups": "SUMMARY"})
            case = mapper(_mapping(answer.get(container)) if container else answer)
        except ChannelError:
            return False
        return CaseState(case.state) in wanted

    def _cancel(self, ident: str, action: CaseAction, decision: CaseDecision) -> str:
        if action is A.APPROVE:
            self.call("POST", f"/cancellation/{ident}/approve")
            return f"cancel:{ident}:approved"
        body = {"trackingNumber": decision.tracking_number} if decision.tracking_number else {}
        self.call("POST", f"/cancellation/{ident}/reject", body=body)
        return f"cancel:{ident}:rejected"

    def _return(self, ident: str, action: CaseAction, decision: CaseDecision) -> str:
        comments = _comments(decision)
        if action in (A.APPROVE, A.DECLINE):
            choice = "APPROVE" if action is A.APPROVE else "DECLINE"
            self.call(
                "POST",
                f"/return/{ident}/decide",
                body={"decision": choice} | ({"comments": comments} if comments else {}),
            )
            return f"return:{ident}:{choice.lower()}"
        if action is A.RECEIVE_RETURN:
            self.call("POST", f"/return/{ident}/mark_as_received", body={})
            return f"return:{ident}:received"
        money = self._money(decision)
        answer = self.call(
            "POST",
            f"/return/{ident}/issue_refund",
            body={
                "refundDetail": {
                    "itemizedRefundDetail": [
                        {"refundAmount": money, "refundFeeType": "PURCHASE_PRICE"}
                    ],
                    "totalAmount": money,
                }
            }
            | ({"comments": comments} if comments else {}),
        )
        return f"return:{ident}:refund:{answer.get('refundStatus') or 'SUCCESS'}"

    def _inquiry(self, ident: str, action: CaseAction, decision: CaseDecision) -> str:
        comments = _comments(decision)
        if action in (A.SHIP, A.PROPOSE):
            if not decision.tracking_number:
                raise ChannelError(
                    "eBay needs a tracking number to answer an inquiry", retryable=False
                )
            self.call(
                "POST",
                f"/inquiry/{ident}/provide_shipment_info",
                body={
                    "trackingNumber": decision.tracking_number,
                    "shippingCarrierName": decision.carrier or "OTHER",
                },
            )
            return f"inquiry:{ident}:shipment"
        if action is A.ESCALATE:
            self.call(
                "POST",
                f"/inquiry/{ident}/escalate",
                body={"escalateInquiryReason": "OTHERS"}
                | ({"comments": comments} if comments else {}),
            )
            return f"inquiry:{ident}:escalated"
        answer = self.call(
            "POST",
            f"/inquiry/{ident}/issue_refund",
            body={"comments": comments} if comments else {},
        )
        return f"inquiry:{ident}:refund:{_refund_status(answer)}"

    def _case(self, ident: str, action: CaseAction, decision: CaseDecision) -> str:
        comments = _comments(decision)
        answer = self.call(
            "POST",
            f"/casemanagement/{ident}/issue_refund",
            body={"comments": comments} if comments else {},
        )
        return f"case:{ident}:refund:{_refund_status(answer)}"

    @staticmethod
    def _money(decision: CaseDecision) -> dict[str, str]:
        if decision.refund_cents is None or decision.refund_cents <= 0 or not decision.currency:
            raise ChannelError("a refund needs an amount and a currency", retryable=False)
        return {"value": decimal_text(decision.refund_cents), "currency": decision.currency}


def _refund_status(answer: Mapping[str, Any]) -> str:
    """VoluntaryRefundResponse.refundResult (⚠ its refundStatus field recalled)."""
    result = answer.get("refundResult")
    status = result.get("refundStatus") if isinstance(result, Mapping) else result
    return str(status or "SUCCESS")


def _comments(decision: CaseDecision) -> dict[str, str] | None:
    return {"content": decision.note} if decision.note else None


def _members(answer: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    found = answer.get(name)
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []
