"""The sandbox eBay face's cases: the Post-Order API v2 calls and formats that
kefu.adapters.marketplaces.ebay_cases names, in memory (docs/channels.md "Cases").

It refuses what eBay refuses: a missing or unknown token (401, 1001; the Post-Order API
takes `Authorization: IAF <token>`), no X-EBAY-C-MARKETPLACE-ID header (⚠ the sandbox is
stricter than eBay may be), an unknown cancellation, return, inquiry or case (404), a
cancellation approved or rejected when it is no longer waiting for the seller or past its
sellerResponseDueDate, a return decided twice, a refund above the order total (or, with
no order in the face, above what the buyer asked), a refund on a closed case, an inquiry
answered when closed, limit outside 1–200 and a negative offset. ⚠ The error ids are the
sandbox's own (eBay's Post-Order reference lists ids per call, not read here); the
envelope is the Post-Order one, `{"error": [{errorId, domain, severity, category,
message}]}`. `faults.fail_next()` makes the next decision fail (500, or a timeout).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kefu.adapters.marketplaces.sandbox.platform_cases import DecisionFaults

if TYPE_CHECKING:
    from kefu.adapters.marketplaces.sandbox.ebay import EbayFace

PREFIX = "/post-order/v2"
LIMIT_MAX = 200
DAY_MS = 86_400_000


class PostOrderRefused(Exception):
    """A refusal in the Post-Order API's envelope."""

    def __init__(self, status: int, error_id: int, message: str, domain: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = {
            "error": [
                {
                    "errorId": error_id,
                    "domain": domain,
                    "severity": "ERROR",
                    "category": "REQUEST",
                    "message": message,
                }
            ]
        }


def _date(millis: int | None) -> dict[str, str] | None:
    if millis is None:
        return None
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    return {"value": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"}


def _money(value: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{value:.2f}", "currency": currency}


@dataclass
class Case:
    """One case of any of the four lists; `kind` says which."""

    kind: str  # cancellation, return, inquiry, case
    ident: str
    order_id: str
    buyer: str
    reason: str
    status: str
    created: int  # ms
    due: int | None
    amount: Decimal
    currency: str
    item_id: str = "110000000001"
    transaction_id: str = "0"
    quantity: int = 1
    replacement: bool = False
    comments: str = ""
    modified: int = 0
    history: list[tuple[str, str, int]] = field(default_factory=list)  # type, party, ms
    refunds: list[Decimal] = field(default_factory=list)
    tracking: str | None = None

    def document(self) -> dict[str, Any]:
        if self.kind == "cancellation":
            return {
                "cancelId": self.ident,
                "marketplaceId": "EBAY_GB",
                "legacyOrderId": self.order_id,
                "buyerLoginName": self.buyer,
                "requestorType": "BUYER",
                "cancelReason": self.reason,
                "cancelState": _cancel_state(self.status),
                "cancelStatus": self.status,
                "requestRefundAmount": _money(self.amount, self.currency),
                "cancelRequestDate": _date(self.created),
                "sellerResponseDueDate": _date(self.due),
                "activityHistories": [
                    {"activityType": kind, "activityParty": party, "actionDate": _date(at)}
                    for kind, party, at in self.history
                ],
            }
        if self.kind == "return":
            return {
                "returnId": self.ident,
                "orderId": self.order_id,
                "buyerLoginName": self.buyer,
                "sellerLoginName": "kefu-demo-shop",
                "currentType": "REPLACEMENT" if self.replacement else "MONEY_BACK",
                "state": self.status,
                "status": self.status,
                "creationInfo": {
                    "item": {
                        "itemId": self.item_id,
                        "transactionId": self.transaction_id,
                        "returnQuantity": self.quantity,
                    },
                    "type": "REPLACEMENT" if self.replacement else "MONEY_BACK",
                    "reason": self.reason,
                    "reasonType": "SNAD" if self.reason != "NO_LONGER_NEED_ITEM" else "REMORSE",
                    "comments": {"content": self.comments},
                    "creationDate": _date(self.created),
                },
                "sellerResponseDue": (
                    {"activityDue": "SELLER_APPROVE_REQUEST", "respondByDate": _date(self.due)}
                    if self.due is not None and self.status == "RETURN_REQUESTED"
                    else None
                ),
                "sellerTotalRefund": {"estimatedRefundAmount": _money(self.amount, self.currency)},
            }
        key = "inquiry" if self.kind == "inquiry" else "case"
        document: dict[str, Any] = {
            f"{key}Id": self.ident,
            "itemId": self.item_id,
            "transactionId": self.transaction_id,
            "buyer": self.buyer,
            "seller": "kefu-demo-shop",
            f"{key}StatusEnum": self.status,
            "claimAmount": _money(self.amount, self.currency),
            "creationDate": _date(self.created),
            "lastModifiedDate": _date(self.modified or self.created),
            "respondByDate": _date(self.due),
        }
        if key == "case":
            document["caseType"] = self.reason
        return document


@dataclass(frozen=True)
class Seed:
    """A case to put into the face (seed_cases): `kind` cancellation, return,
    replacement, inquiry or case; `reason` in eBay's words; `age_days` how long ago the
    buyer opened it; `due_days` the seller's deadline after that (None: none given)."""

    kind: str
    order_id: str
    buyer: str = "buyer_gb_1"
    reason: str = ""
    amount: str = "25.00"
    currency: str = "GBP"
    age_days: float = 0.0
    due_days: float | None = 3.0
    status: str = ""
    comments: str = ""
    quantity: int = 1


DEFAULT_STATUS = {
    "cancellation": "CANCEL_REQUESTED",
    "return": "RETURN_REQUESTED",
    "inquiry": "WAITING_SELLER_RESPONSE",
    "case": "WAITING_SELLER_RESPONSE",
}
DEFAULT_REASON = {
    "cancellation": "BUYER_ASKED_CANCEL",
    "return": "ARRIVED_DAMAGED",
    "inquiry": "INR",
    "case": "SNAD",
}
PREFIXES = {"cancellation": "cancel", "return": "return", "inquiry": "inquiry", "case": "case"}


class CaseBook:
    """The face's cases; tests and the demo open, move and read them."""

    def __init__(self, face: EbayFace) -> None:
        self.face = face
        self.cases: dict[tuple[str, str], Case] = {}
        self.faults = DecisionFaults()
        self.decisions: list[tuple[str, str, dict[str, Any]]] = []  # (kind, id, body)
        self._ids = itertools.count(1)

    def open(self, seed: Seed) -> str:
        """Put one case in; its kefu ref ("return:5000000001")."""
        kind = "return" if seed.kind == "replacement" else seed.kind
        if kind not in DEFAULT_STATUS:
            raise ValueError(f"unknown eBay case kind {seed.kind!r}")
        with self.face.lock:
            number = next(self._ids)
            ident = f"{5000000000 + number}"
            created = self.face.now_ms() - round(seed.age_days * DAY_MS)
            due = None if seed.due_days is None else created + round(seed.due_days * DAY_MS)
            self.cases[(kind, ident)] = Case(
                kind=kind,
                ident=ident,
                order_id=seed.order_id,
                buyer=self.face.shown(seed.buyer) if seed.buyer in self.face.buyers else seed.buyer,
                reason=seed.reason or DEFAULT_REASON[kind],
                status=seed.status or DEFAULT_STATUS[kind],
                created=created,
                due=due,
                amount=Decimal(seed.amount),
                currency=seed.currency,
                quantity=seed.quantity,
                replacement=seed.kind == "replacement",
                comments=seed.comments,
                modified=created,
            )
            return f"{PREFIXES[kind]}:{ident}"

    def case(self, ref: str) -> Case:
        """A case by its kefu ref, to read back in tests."""
        prefix, _, ident = ref.partition(":")
        kind = {v: k for k, v in PREFIXES.items()}[prefix]
        return self.cases[(kind, ident)]

    # The API

    def authenticate(self, headers: Mapping[str, str]) -> None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        expiry = self.face.tokens.get(token.strip())
        if scheme.upper() not in ("IAF", "TOKEN") or expiry is None:
            raise PostOrderRefused(401, 1001, "Invalid access token", "OAuth")
        if expiry <= self.face.clock():
            raise PostOrderRefused(401, 1001, "Invalid access token", "OAuth")
        if not headers.get("x-ebay-c-marketplace-id"):
            raise PostOrderRefused(
                400, 1002, "Missing header X-EBAY-C-MARKETPLACE-ID", "API_POSTORDER"
            )

    def dispatch(
        self, method: str, path: str, query: Mapping[str, str], body: object
    ) -> tuple[int, dict[str, Any] | None]:
        parts = path.removeprefix(PREFIX).strip("/").split("/")
        parts[0] = "case" if parts[0] == "casemanagement" else parts[0]
        data = body if isinstance(body, dict) else {}
        if method == "GET" and len(parts) == 2 and parts[1] == "search":
            return 200, self._search(parts[0], query)
        if method == "GET" and len(parts) == 2:  # one case, in its Get call's container
            document = self._known(*parts).document()
            container = {"cancellation": "cancelDetail", "return": "summary"}.get(parts[0])
            return 200, {container: document} if container else document
        if method == "POST" and len(parts) == 3:
            kind, ident, verb = parts
            case = self._known(kind, ident)
            self.decisions.append((kind, ident, dict(data)))
            answer = self._decide(case, verb, data)
            case.modified = self.face.now_ms()
            return 200, answer
        raise PostOrderRefused(404, 2002, "Resource not found", "API_POSTORDER")

    def _known(self, kind: str, ident: str) -> Case:
        case = self.cases.get((kind, ident))
        if case is None:
            raise PostOrderRefused(404, 1100, f"The {kind} {ident} was not found", _domain(kind))
        return case

    def _search(self, kind: str, query: Mapping[str, str]) -> dict[str, Any]:
        if kind not in DEFAULT_STATUS:
            raise PostOrderRefused(404, 2002, "Resource not found", "API_POSTORDER")
        try:
            limit, offset = int(query.get("limit") or 25), int(query.get("offset") or 0)
        except ValueError:
            limit, offset = 0, -1
        if not 1 <= limit <= LIMIT_MAX or offset < 0:
            raise PostOrderRefused(400, 1101, "Invalid limit or offset", _domain(kind))
        low = _when(_param(query, kind, "from"))
        high = _when(_param(query, kind, "to"))
        chosen = [
            c
            for (k, _), c in self.cases.items()
            if k == kind
            and (low is None or c.created >= low)
            and (high is None or c.created <= high)
            and _state_matches(c, query.get("return_state"))
        ]
        chosen.sort(key=lambda c: (c.created, c.ident))
        page = [c.document() for c in chosen[offset : offset + limit]]
        pagination = {
            "limit": limit,
            "offset": offset,
            "totalEntries": len(chosen),
            "totalPages": -(-len(chosen) // limit),
        }
        if kind == "cancellation":
            return {"cancellations": page, "paginationOutput": pagination, "total": len(chosen)}
        answer: dict[str, Any] = {"members": page, "paginationOutput": pagination}
        answer["totalNumberOfInquiries" if kind == "inquiry" else "total"] = len(chosen)
        return answer

    def _decide(self, case: Case, verb: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
        now = self.face.now_ms()
        handler = {
            ("cancellation", "approve"): self._cancel_answer,
            ("cancellation", "reject"): self._cancel_answer,
            ("return", "decide"): self._return_decide,
            ("return", "issue_refund"): self._refund,
            ("return", "mark_as_received"): self._received,
            ("inquiry", "provide_shipment_info"): self._shipment,
            ("inquiry", "issue_refund"): self._refund,
            ("inquiry", "escalate"): self._escalate,
            ("case", "issue_refund"): self._refund,
        }.get((case.kind, verb))
        if handler is None:
            raise PostOrderRefused(404, 2002, "Resource not found", "API_POSTORDER")
        return handler(case, verb, data, now)

    def _cancel_answer(
        self, case: Case, verb: str, data: Mapping[str, Any], now: int
    ) -> dict[str, Any] | None:
        if case.status != "CANCEL_REQUESTED":
            raise PostOrderRefused(
                400,
                1117,
                f"The cancellation is {case.status}: it cannot be {verb}d now",
                "API_CANCELLATION",
            )
        if case.due is not None and now > case.due:
            raise PostOrderRefused(
                400,
                1118,
                "The seller's response period for this cancellation has ended",
                "API_CANCELLATION",
            )
        if verb == "approve":
            case.status = "CANCEL_PENDING"
            case.history.append(("SELLER_APPROVE", "SELLER", now))
        else:
            case.status = "CANCEL_REJECTED"
            case.history.append(("SELLER_REJECT", "SELLER", now))
        return None

    def _return_decide(
        self, case: Case, verb: str, data: Mapping[str, Any], now: int
    ) -> dict[str, Any] | None:
        decision = data.get("decision")
        if decision not in ("APPROVE", "DECLINE", "OFFER_PARTIAL_REFUND", "PROVIDE_RMA"):
            raise PostOrderRefused(400, 1603, f"Invalid decision {decision!r}", "API_RETURN")
        if case.status not in ("RETURN_REQUESTED", "RETURN_REQUESTED_TIMEOUT"):
            raise PostOrderRefused(
                400, 1604, f"The return is {case.status}: it was decided already", "API_RETURN"
            )
        case.status = "RETURN_ACCEPTED" if decision == "APPROVE" else "RETURN_REJECTED"
        return None

    def _received(
        self, case: Case, verb: str, data: Mapping[str, Any], now: int
    ) -> dict[str, Any] | None:
        if case.status not in ("RETURN_ACCEPTED", "ITEM_SHIPPED"):
            raise PostOrderRefused(
                400, 1605, f"The return is {case.status}: nothing to receive", "API_RETURN"
            )
        case.status = "ITEM_DELIVERED"
        return None

    def _refund(
        self, case: Case, verb: str, data: Mapping[str, Any], now: int
    ) -> dict[str, Any] | None:
        closed = case.status in ("CLOSED", "CS_CLOSED", "REFUND_ISSUED", "RETURN_REJECTED")
        if closed:
            raise PostOrderRefused(
                400,
                1606,
                f"The {case.kind} is {case.status}: no refund can be issued",
                _domain(case.kind),
            )
        if case.kind == "return":
            total = _amount(data, "refundDetail", "totalAmount")
            if total is None or total <= 0:
                raise PostOrderRefused(
                    400, 1607, "refundDetail.totalAmount is missing", "API_RETURN"
                )
            cap = self._order_total(case)
            if sum(case.refunds) + total > cap:
                raise PostOrderRefused(
                    400,
                    1608,
                    f"The refund {total} exceeds what the buyer paid ({cap} {case.currency})",
                    "API_RETURN",
                )
            case.refunds.append(total)
            case.status = "REFUND_ISSUED"
            return {"refundStatus": "SUCCESS"}
        case.refunds.append(case.amount)
        case.status = "CLOSED"
        return {"refundResult": {"refundStatus": "SUCCESS"}}

    def _shipment(
        self, case: Case, verb: str, data: Mapping[str, Any], now: int
    ) -> dict[str, Any] | None:
        if case.status not in ("OPEN", "WAITING_SELLER_RESPONSE"):
            raise PostOrderRefused(
                400, 2006, f"The inquiry is {case.status}: it takes no answer", "API_INQUIRY"
            )
        if not data.get("trackingNumber"):
            raise PostOrderRefused(400, 2007, "trackingNumber is missing", "API_INQUIRY")
        case.tracking = str(data["trackingNumber"])
        case.status = "WAITING_BUYER_RESPONSE"
        return None

    def _escalate(
        self, case: Case, verb: str, data: Mapping[str, Any], now: int
    ) -> dict[str, Any] | None:
        if case.status in ("CLOSED", "CS_CLOSED", "CLOSED_WITH_ESCALATION"):
            raise PostOrderRefused(
                400, 2006, f"The inquiry is {case.status}: it cannot be escalated", "API_INQUIRY"
            )
        case.status = "CLOSED_WITH_ESCALATION"
        return None

    def _order_total(self, case: Case) -> Decimal:
        order = self.face.orders.orders.get(case.order_id)
        if order is None:
            return case.amount
        return sum((q * Decimal(p) for _, _, q, p in order.lines), Decimal("4.00"))


def _cancel_state(status: str) -> str:
    """CancelStateEnum beside the CancelStatusEnum the book keeps."""
    if status == "CANCEL_REQUESTED":
        return "APPROVAL_PENDING"
    return "REFUND_PENDING" if status == "CANCEL_PENDING" else "CLOSED"


def seed_cases(face: EbayFace, seeds: Iterable[Seed]) -> list[str]:
    """Put cases into the face (the demo, end-to-end tests); their kefu refs in order."""
    return [face.cases.open(seed) for seed in seeds]


def _domain(kind: str) -> str:
    return {"cancellation": "API_CANCELLATION", "return": "API_RETURN"}.get(
        kind, "API_INQUIRY" if kind == "inquiry" else "API_CASE_MANAGEMENT"
    )


def _param(query: Mapping[str, str], kind: str, end: str) -> str | None:
    name = {
        "cancellation": "creation_date_range_",
        "return": "creation_date_range_",
        "inquiry": "inquiry_creation_date_range_",
        "case": "case_creation_date_range_",
    }[kind]
    return query.get(name + end)


def _when(text: str | None) -> int | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PostOrderRefused(400, 1102, f"Invalid date {text}", "API_POSTORDER") from None
    if moment.tzinfo is None:
        raise PostOrderRefused(400, 1102, f"Invalid date {text}: no zone", "API_POSTORDER")
    return round(moment.timestamp() * 1000)


def _state_matches(case: Case, wanted: str | None) -> bool:
    if case.kind != "return" or not wanted:
        return True
    closed = case.status in ("CLOSED", "REPLACEMENT_CLOSED", "RETURN_REJECTED", "REFUND_ISSUED")
    return closed if wanted == "CLOSED" else not closed


def _amount(data: Mapping[str, Any], *path: str) -> Decimal | None:
    value: Any = data
    for step in path:
        value = value.get(step) if isinstance(value, Mapping) else None
    raw = value.get("value") if isinstance(value, Mapping) else None
    try:
        return Decimal(str(raw)) if raw is not None else None
    except InvalidOperation:
        return None
