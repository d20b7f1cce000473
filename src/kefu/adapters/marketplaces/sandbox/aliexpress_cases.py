"""The sandbox AliExpress face's disputes: the `aliexpress.issue.*` methods that
kefu.adapters.marketplaces.aliexpress_cases names, through the same signed `/sync`
gateway (docs/channels.md "Cases").

It refuses what the platform refuses: a missing issue_id or query_dto (40), a page_size
outside 1–50 or an issue_status it does not know (41), an issue it does not have, an
answer (agree, a seller's solution, an image) to an issue that is no longer being
processed, a solution id that is not the buyer's, a seller's refund above the most the
issue allows (refund_money_max), an image that is not a JPEG, PNG or WebP by its bytes or
is over 2 MB ⚠ (15 with an isv.* sub-code, as the order book does). ⚠ The sub-codes are
the sandbox's own. `faults.fail_next()` makes the next answer (agree, save, upload) fail.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kefu.adapters.marketplaces.aliexpress_cases import IMAGE_MAX, image_kind
from kefu.adapters.marketplaces.sandbox.aliexpress import Refused, _invalid, _missing, _object
from kefu.adapters.marketplaces.sandbox.platform_cases import DecisionFaults

if TYPE_CHECKING:
    from kefu.adapters.marketplaces.sandbox.aliexpress import AliExpressFace

ZONE = ZoneInfo("America/Los_Angeles")
FORMAT = "%Y-%m-%d %H:%M:%S"
PAGE_SIZE_MAX = 50
LIST_STATUSES = ("processing", "canceled", "finish")
LIST = "aliexpress.issue.issuelist.get"
DETAIL = "aliexpress.issue.detail.get"
AGREE = "aliexpress.issue.solution.agree"
SAVE = "aliexpress.issue.solution.save"
UPLOAD = "aliexpress.issue.image.upload"
DECISIONS = (AGREE, SAVE, UPLOAD)
DAY = 86_400
PROCESSING = ("WAIT_SELLER_CONFIRM_REFUND", "SELLER_REFUSE_REFUND")


def _isv(code: str, words: str) -> Refused:
    return Refused(15, "Remote service error", f"isv.{code}", words)


@dataclass
class Offer:
    id: int
    owner: str  # buyer, seller, platform
    kind: str  # refund, return_and_refund
    amount_cents: int
    currency: str
    content: str
    created: int  # epoch seconds
    status: str = "wait_reach"
    reached: int | None = None

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "solution_owner": self.owner,
            "solution_type": self.kind,
            "refund_money": {
                "amount": f"{self.amount_cents / 100:.2f}",
                "currency_code": self.currency,
                "cent": self.amount_cents,
            },
            "content": self.content,
            "is_default": self.owner == "buyer",
            "status": self.status,
            "gmt_create": _when(self.created),
            "reached_time": _when(self.reached) if self.reached else None,
        }


@dataclass
class Issue:
    issue_id: int
    order_id: int
    buyer: str
    reason: str
    status: str
    created: int
    modified: int
    max_cents: int
    currency: str
    offers: list[Offer] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    @property
    def list_status(self) -> str:
        if self.status == "canceled":
            return "canceled"
        return "finish" if self.status == "finish" else "processing"

    def summary(self) -> dict[str, Any]:
        return {
            "issue_id": self.issue_id,
            "order_id": self.order_id,
            "parent_order_id": self.order_id,
            "buyer_login_id": self.buyer,
            "issue_status": self.list_status,
            "reason_chinese": self.reason,
            "reason_english": self.reason,
            "gmt_create": _when(self.created),
            "gmt_modified": _when(self.modified),
        }

    def detail(self) -> dict[str, Any]:
        """The detail's fields (the gateway puts them under `result`)."""

        def offered(owner: str) -> dict[str, Any]:
            return {"solution_api_dto": [o.document() for o in self.offers if o.owner == owner]}

        return {
            "id": self.issue_id,
            "order_id": self.order_id,
            "buyer_login_id": self.buyer,
            "issue_status": self.status,
            "issue_reason": self.reason,
            "gmt_create": _when(self.created),
            "refund_money_max": {
                "amount": f"{self.max_cents / 100:.2f}",
                "currency_code": self.currency,
                "cent": self.max_cents,
            },
            "buyer_solution_list": offered("buyer"),
            "seller_solution_list": offered("seller"),
            "platform_solution_list": offered("platform"),
            "buyer_evidence": {"string": list(self.evidence)},
        }


@dataclass(frozen=True)
class Seed:
    """A dispute to put into the face (seed_cases): the order, the buyer, the reason in
    the platform's words, what the buyer asks (refund in cents of `max_cents`, or a
    return), `age_days` since it was opened, and its status (processing by default)."""

    order_id: int
    buyer: str = "ru1000000001"
    reason: str = "Product damaged"
    refund_cents: int = 1500
    max_cents: int = 1500
    currency: str = "USD"
    wants_return: bool = False
    age_days: float = 0.0
    status: str = "WAIT_SELLER_CONFIRM_REFUND"
    evidence: tuple[str, ...] = ()
    content: str = "The item arrived broken."


class IssueBook:
    """The face's disputes; tests and the demo open and read them."""

    def __init__(self, face: AliExpressFace) -> None:
        self.face = face
        self.issues: dict[int, Issue] = {}
        self.images: list[tuple[int, str, int]] = []  # issue, extension, size
        self.faults = DecisionFaults()
        self.files: Mapping[str, bytes] = {}  # the file parts of the call being answered
        self._ids = itertools.count(8_000_000_001)
        self._offer_ids = itertools.count(9_000_001)

    def open(self, seed: Seed) -> str:
        with self.face.lock:
            now = int(self.face.clock())
            created = now - round(seed.age_days * DAY)
            issue = Issue(
                next(self._ids),
                seed.order_id,
                seed.buyer,
                seed.reason,
                seed.status,
                created,
                created,
                seed.max_cents,
                seed.currency,
                evidence=list(seed.evidence),
            )
            issue.offers.append(
                Offer(
                    next(self._offer_ids),
                    "buyer",
                    "return_and_refund" if seed.wants_return else "refund",
                    seed.refund_cents,
                    seed.currency,
                    seed.content,
                    created,
                )
            )
            self.issues[issue.issue_id] = issue
            return f"issue:{issue.issue_id}"

    def issue(self, ref: str) -> Issue:
        return self.issues[int(ref.removeprefix("issue:"))]

    def close(self, ref: str, status: str = "finish") -> None:
        """The platform closes the issue (or the buyer cancels it: "canceled")."""
        with self.face.lock:
            issue = self.issue(ref)
            issue.status, issue.modified = status, int(self.face.clock())

    # The gateway

    def dispatch(self, method: str, params: Mapping[str, str]) -> dict[str, Any] | None:
        """The answer to an issue method, or None for a method that is not one."""
        if method == LIST:
            return self._list(_object(params, "query_dto"))
        if method == DETAIL:
            return self._known(params).detail()
        if method == AGREE:
            return self._agree(params)
        if method == SAVE:
            return self._save(_object(params, "param_dto"))
        if method == UPLOAD:
            return self._upload(params)
        return None

    def _known(self, params: Mapping[str, Any]) -> Issue:
        raw = params.get("issue_id")
        if raw in (None, ""):
            raise _missing("issue_id")
        try:
            issue = self.issues.get(int(str(raw)))
        except ValueError:
            issue = None
        if issue is None:
            raise _isv("ISSUE_NOT_EXIST", f"the issue {raw} does not exist")
        return issue

    def _open(self, params: Mapping[str, Any]) -> Issue:
        issue = self._known(params)
        if issue.status not in PROCESSING:
            raise _isv("ISSUE_STATUS_ERROR", f"the issue is {issue.status}: it takes no answer")
        return issue

    def _list(self, query: Mapping[str, Any]) -> dict[str, Any]:
        try:
            page = int(query.get("current_page") or 1)
            size = int(query.get("page_size") or 20)
        except (TypeError, ValueError) as exc:
            raise _invalid("page_size", "current_page and page_size are numbers") from exc
        if not 1 <= size <= PAGE_SIZE_MAX or page < 1:
            raise _invalid("page_size", f"page_size must be between 1 and {PAGE_SIZE_MAX}")
        status = query.get("issue_status")
        if status not in (None, "", *LIST_STATUSES):
            raise _invalid("issue_status", f"issue_status must be one of {LIST_STATUSES}")
        chosen = [i for i in self.issues.values() if not status or i.list_status == status]
        chosen.sort(key=lambda i: (i.modified, i.issue_id), reverse=True)
        window = chosen[(page - 1) * size : page * size]
        return {
            "data_list": {"issue_api_issue_dto": [i.summary() for i in window]},
            "total_item": len(chosen),
            "current_page": page,
            "page_size": size,
        }

    def _agree(self, params: Mapping[str, str]) -> dict[str, Any]:
        issue = self._open(params)
        wanted = params.get("solution_id")
        offer = next((o for o in issue.offers if str(o.id) == wanted), None)
        if offer is None or offer.owner != "buyer":
            raise _isv("SOLUTION_NOT_EXIST", f"the buyer has no solution {wanted}")
        now = int(self.face.clock())
        offer.status, offer.reached = "reached", now
        issue.status, issue.modified = (
            "WAIT_BUYER_SEND_GOODS" if offer.kind == "return_and_refund" else "ACCEPTISSUE",
            now,
        )
        return {"success": True}

    def _save(self, dto: Mapping[str, Any]) -> dict[str, Any]:
        issue = self._open(dto)
        kind = dto.get("add_solution_type")
        if kind not in ("refund", "return_and_refund"):
            raise _invalid("add_solution_type", "add_solution_type: refund or return_and_refund")
        try:
            amount = int(dto.get("refund_amount"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise _missing("refund_amount") from exc
        if amount < 0 or amount > issue.max_cents:
            raise _isv(
                "REFUND_AMOUNT_EXCEED",
                f"the refund {amount} is more than the most this issue allows "
                f"({issue.max_cents} {issue.currency} cents)",
            )
        if dto.get("refund_amount_currency") != issue.currency:
            raise _invalid("refund_amount_currency", f"the issue is in {issue.currency}")
        now = int(self.face.clock())
        offer = Offer(
            next(self._offer_ids),
            "seller",
            str(kind),
            amount,
            issue.currency,
            str(dto.get("solution_context") or ""),
            now,
        )
        issue.offers.append(offer)
        issue.status, issue.modified = "SELLER_REFUSE_REFUND", now
        return {"success": True, "data": offer.id}

    def _upload(self, params: Mapping[str, str]) -> dict[str, Any]:
        issue = self._open(params)
        data = self.files.get("image_bytes")
        if not data:
            raise _missing("image_bytes")
        if image_kind(data) is None:
            raise _isv("IMAGE_TYPE_ERROR", "only JPEG, PNG or WebP images are taken")
        if len(data) > IMAGE_MAX:
            raise _isv("IMAGE_SIZE_ERROR", "the image is over 2 MB")
        extension = params.get("extension") or "jpg"
        self.images.append((issue.issue_id, extension, len(data)))
        url = f"https://ae01.alicdn.com/kf/sandbox{len(self.images):06d}.{extension}"
        return {"success": True, "data": url}


def seed_cases(face: AliExpressFace, seeds: Iterable[Seed]) -> list[str]:
    """Put disputes into the face (the demo, end-to-end tests); their kefu refs."""
    return [face.issues.open(seed) for seed in seeds]


def _when(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, ZONE).strftime(FORMAT)
