"""AliExpress disputes ("issues") over the open platform's signed gateway (issue 20;
docs/channels.md "Cases").

Sources: the open platform's issue methods as the TOP SDKs name them
(`AliexpressIssueIssuelistGetRequest`, `…IssueDetailGetRequest`, `…SolutionAgreeRequest`,
`…SolutionSaveRequest`, `…ImageUploadRequest`) and the open platform's pages for them;
⚠ the field names below are recalled from those pages, not read from a live answer.

* `aliexpress.issue.issuelist.get` — `query_dto` {current_page, page_size, issue_status
  processing | canceled | finish, order_no, buyer_login_id}; answer `result` {data_list
  .issue_api_issue_dto[] (issue_id, order_id, parent_order_id, buyer_login_id,
  issue_status, reason_chinese, reason_english, gmt_create, gmt_modified), total_item,
  current_page, page_size}, newest change first.
* `aliexpress.issue.detail.get` — issue_id, buyer_login_id; answer `result` {issue_status,
  issue_reason, issue_reason_id, refund_money_max{amount, currency_code, cent},
  buyer_solution_list / seller_solution_list / platform_solution_list .solution_api_dto[]
  (id, solution_type refund | return_and_refund, refund_money{amount, currency_code},
  content, solution_owner buyer | seller | platform, is_default, status, gmt_create,
  reached_time), buyer_evidence .string[] (⚠ the images' URLs), order_id, gmt_create}.
* `aliexpress.issue.solution.agree` — issue_id, buyer_login_id, solution_id (the buyer's
  solution the seller accepts; return_address_id for a return).
* `aliexpress.issue.solution.save` — `param_dto` {issue_id, buyer_login_id,
  add_seller_solution true, add_solution_type refund | return_and_refund, refund_amount
  (cents ⚠), refund_amount_currency, solution_context}: refuse the buyer's solution with
  the seller's own.
* `aliexpress.issue.image.upload` — issue_id, buyer_login_id, extension, image_bytes (a
  file part, not signed, as TOP signs no file); answer `result` {data: the image's URL}.

AliExpress gives no deadline in these answers: kefu computes it (5 days to respond, the
platform steps in at 7; docs/cases.md). A logistics dispute on an order shipped with the
platform's online shipping needs no seller answer: the issue API does not say which
shipping an order used, so `online_shipping` stays False here and the service reads it
from the order's parcels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kefu.adapters.marketplaces.aliexpress import (
    BUDGETS,
    AliExpressClient,
    _answer,
    _refusal,
    budget_key,
    items,
    response_key,
)
from kefu.adapters.marketplaces.platform_cases import (
    cents,
    check_decision,
    next_page,
    split_ref,
    step_ref,
)
from kefu.domain.cases.model import CaseAction, CaseKind, CaseReason, CaseState, Solution
from kefu.services.ports import (
    CaseDecision,
    CasePage,
    ChannelError,
    PlatformCase,
    PlatformCaseStep,
)

LIST = "aliexpress.issue.issuelist.get"
DETAIL = "aliexpress.issue.detail.get"
AGREE = "aliexpress.issue.solution.agree"
SAVE = "aliexpress.issue.solution.save"
UPLOAD = "aliexpress.issue.image.upload"
PAGE_SIZE = 20
PLATFORM_ZONE = ZoneInfo("America/Los_Angeles")  # ⚠ as the order API's zone-less times
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
IMAGE_MAX = 2 * 1024 * 1024  # ⚠ the upload's size limit, recalled
IMAGE_TYPES: Mapping[str, str] = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

S, R, A = CaseState, CaseReason, CaseAction

# issue_status (the detail's, finer than the list's) → kefu's state.
ISSUE_STATES: Mapping[str, CaseState] = {
    "WAIT_SELLER_CONFIRM_REFUND": S.OPEN,
    "SELLER_REFUSE_REFUND": S.PROPOSED,
    "ACCEPTISSUE": S.AGREED,
    "WAIT_BUYER_SEND_GOODS": S.AGREED,
    "WAIT_SELLER_RECEIVE_GOODS": S.AGREED,
    "SELLER_RESPONSE_ISSUE_TIMEOUT": S.AGREED,  # the buyer's solution took effect
    "ARBITRATING": S.ESCALATED,
    "processing": S.OPEN,
    "finish": S.CLOSED,
    "canceled": S.CANCELLED,
}
# Keywords of reason_english → kefu's reason, first match wins.
REASON_WORDS: tuple[tuple[str, CaseReason], ...] = (
    ("not received", R.NOT_RECEIVED),
    ("didn't receive", R.NOT_RECEIVED),
    ("shipping time", R.LATE_DELIVERY),
    ("delivery", R.LATE_DELIVERY),
    ("damage", R.DAMAGED),
    ("broken", R.DAMAGED),
    ("quality", R.QUALITY),
    ("not as described", R.NOT_AS_DESCRIBED),
    ("different", R.NOT_AS_DESCRIBED),
    ("wrong", R.WRONG_ITEM),
    ("missing", R.MISSING_PARTS),
    ("quantity", R.MISSING_PARTS),
    ("size", R.SIZE_FIT),
    ("fake", R.SOURCE_OF_GOODS),
    ("counterfeit", R.SOURCE_OF_GOODS),
)
SOURCES = ("processing", "finish", "canceled")
DECISIONS = frozenset({A.AGREE, A.PROPOSE})


def reason_of(words: object) -> CaseReason:
    text = str(words or "").lower()
    return next((reason for word, reason in REASON_WORDS if word in text), R.OTHER)


def _moment(value: object) -> datetime | None:
    """The platform's "yyyy-MM-dd HH:mm:ss" (its zone, ⚠) or milliseconds."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    try:
        local = datetime.strptime(str(value), TIME_FORMAT)
    except ValueError:
        return None
    return local.replace(tzinfo=PLATFORM_ZONE).astimezone(UTC)


def _money(value: object) -> tuple[int | None, str | None]:
    if not isinstance(value, Mapping):
        return None, None
    currency = value.get("currency_code")
    amount = cents(value.get("amount"))
    if amount is None and value.get("cent") is not None:
        amount = cents(value.get("cent"))
        amount = None if amount is None else amount // 100
    return amount, str(currency) if currency else None


def solutions(detail: Mapping[str, Any], owner: str) -> list[dict[str, Any]]:
    return items(detail.get(f"{owner}_solution_list"), "solution_api_dto")


def issue_of(summary: Mapping[str, Any], detail: Mapping[str, Any]) -> PlatformCase:
    """A dispute from its list entry and its detail."""
    issue_id = summary.get("issue_id") or detail.get("id")
    raw = str(detail.get("issue_status") or summary.get("issue_status") or "")
    opened = _moment(summary.get("gmt_create") or detail.get("gmt_create"))
    if opened is None:
        raise ChannelError(f"AliExpress gave issue {issue_id} without a date", retryable=False)
    buyer = solutions(detail, "buyer")
    wanted = next((s for s in buyer if s.get("is_default")), buyer[0] if buyer else {})
    refund, currency = _money(wanted.get("refund_money"))
    most, most_currency = _money(detail.get("refund_money_max"))
    if wanted.get("solution_type") == "return_and_refund":
        solution: str | None = Solution.RETURN.value
    elif refund is not None:
        full = most is None or refund >= most
        solution = (Solution.FULL_REFUND if full else Solution.PARTIAL_REFUND).value
    else:
        solution = None
    steps = []
    for owner, action in (("seller", A.PROPOSE), ("platform", A.ESCALATE)):
        for offer in solutions(detail, owner):
            at = _moment(offer.get("gmt_create"))
            if at is not None:
                steps.append(
                    PlatformCaseStep(
                        f"solution:{offer.get('id') or step_ref(issue_id, owner, at)}",
                        at,
                        action.value,
                        owner,
                        str(offer.get("content") or ""),
                    )
                )
    for offer in [*buyer, *solutions(detail, "seller"), *solutions(detail, "platform")]:
        reached = _moment(offer.get("reached_time"))
        if reached is not None and offer.get("status") == "reached":
            steps.append(
                PlatformCaseStep(f"reached:{offer.get('id')}", reached, A.AGREE.value, "platform")
            )
    updated = _moment(summary.get("gmt_modified")) or opened
    evidence = detail.get("buyer_evidence")
    urls = evidence.get("string") if isinstance(evidence, Mapping) else evidence
    return PlatformCase(
        ref=f"issue:{issue_id}",
        kind=CaseKind.DISPUTE.value,
        state=ISSUE_STATES.get(raw, S.OPEN).value,
        platform_state=raw,
        order_number=_text(summary.get("order_id") or detail.get("order_id")),
        buyer_ref=_text(summary.get("buyer_login_id") or detail.get("buyer_login_id")),
        conversation_ref=None,
        reason=reason_of(summary.get("reason_english") or detail.get("issue_reason")).value,
        opened_at=opened,
        updated_at=max(updated, *(s.at for s in steps)) if steps else updated,
        respond_by=None,
        refund_cents=refund if refund is not None else most,
        currency=currency or most_currency,
        solution=solution,
        evidence_urls=tuple(str(u) for u in urls if isinstance(u, str))
        if isinstance(urls, list)
        else (),
        steps=tuple(sorted(steps, key=lambda s: s.at)),
        description=str(wanted.get("content") or ""),
    )


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def image_kind(data: bytes) -> str | None:
    """The image's type by its first bytes (never by its name): JPEG, PNG or WebP."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class AliExpressCases:
    """A store's AliExpress disputes (kefu.services.ports.CaseClient) through the message
    client's signed gateway."""

    def __init__(
        self,
        api: AliExpressClient,
        *,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.page_size = page_size
        self.clock = clock

    def close(self) -> None:
        """Close its HTTP client: each one is built for one sync pass or one step."""
        self.api.close()

    def result(self, method: str, params: Mapping[str, object]) -> dict[str, Any]:
        answer = self.api.call(method, params)
        found = answer.get("result")
        return found if isinstance(found, dict) else {}

    # Pull

    def pull_cases(self, cursor: str | None, since: datetime) -> CasePage:
        now = datetime.fromtimestamp(self.clock(), UTC)
        return next_page(cursor, since, now, SOURCES, self.page_size, self.listing, "AliExpress")

    def listing(
        self, source: str, start: datetime, end: datetime, offset: int
    ) -> tuple[list[PlatformCase], int]:
        """One page of a status's list, newest change first; a page that reaches changes
        older than the pass's window ends that list (the closed lists only grow)."""
        page = offset // self.page_size + 1
        answer = self.result(
            LIST,
            {
                "query_dto": {
                    "current_page": page,
                    "page_size": self.page_size,
                    "issue_status": source,
                }
            },
        )
        listed = items(answer.get("data_list"), "issue_api_issue_dto")
        found, older = [], False
        for summary in listed:
            changed = _moment(summary.get("gmt_modified") or summary.get("gmt_create"))
            if changed is not None and changed < start:
                older = True
                continue
            detail = self.result(
                DETAIL,
                {
                    "issue_id": summary.get("issue_id"),
                    "buyer_login_id": summary.get("buyer_login_id"),
                },
            )
            found.append(issue_of(summary, detail))
        try:
            total = int(answer.get("total_item") or 0)
        except (TypeError, ValueError):
            total = len(listed)
        return found, offset + len(listed) if older else max(total, len(listed))

    # Decisions

    def can_decide(self, case_ref: str, action: str) -> bool:
        return case_ref.startswith("issue:") and action in DECISIONS

    def decide(self, decision: CaseDecision) -> str:
        _, issue_id = split_ref(decision.case_ref, ("issue",), "AliExpress")
        check_decision(decision, "AliExpress")
        action = CaseAction(decision.action)
        if action not in DECISIONS:
            raise ChannelError(
                f"AliExpress takes no {action.value} step on a dispute by API", retryable=False
            )
        detail = self.result(DETAIL, {"issue_id": issue_id})
        buyer = str(detail.get("buyer_login_id") or "")
        if action is A.AGREE:
            return self._agree(issue_id, buyer, detail, decision)
        return self._propose(issue_id, buyer, detail, decision)

    def _agree(
        self, issue_id: str, buyer: str, detail: Mapping[str, Any], decision: CaseDecision
    ) -> str:
        offers = solutions(detail, "buyer")
        wanted = next((s for s in offers if s.get("is_default")), offers[0] if offers else None)
        if wanted is None:
            raise ChannelError(
                f"AliExpress issue {issue_id} has no buyer solution to agree to", retryable=False
            )
        if wanted.get("status") == "reached":  # agreed already (an answer lost on the way)
            return f"issue:{issue_id}:agreed:{wanted.get('id')}"
        for mime, data in decision.evidence:
            self.upload(issue_id, buyer, mime, data)
        self.result(
            AGREE, {"issue_id": issue_id, "buyer_login_id": buyer, "solution_id": wanted.get("id")}
        )
        return f"issue:{issue_id}:agreed:{wanted.get('id')}"

    def _propose(
        self, issue_id: str, buyer: str, detail: Mapping[str, Any], decision: CaseDecision
    ) -> str:
        if decision.refund_cents is None or not decision.currency:
            raise ChannelError(
                "a seller's solution needs an amount and a currency", retryable=False
            )
        kind = "return_and_refund" if decision.solution == Solution.RETURN else "refund"
        # The same offer saved already (an answer lost on the way) is not saved twice.
        for offer in solutions(detail, "seller"):
            amount, _ = _money(offer.get("refund_money"))
            said = str(offer.get("content") or "")
            if (offer.get("solution_type"), amount) == (kind, decision.refund_cents) and (
                said.startswith(decision.note.strip())
            ):
                return f"issue:{issue_id}:solution:{offer.get('id')}"
        uploaded = [self.upload(issue_id, buyer, mime, data) for mime, data in decision.evidence]
        note = decision.note + "".join(f"\n{url}" for url in uploaded)
        answer = self.result(
            SAVE,
            {
                "param_dto": {
                    "issue_id": int(issue_id) if issue_id.isdigit() else issue_id,
                    "buyer_login_id": buyer,
                    "add_seller_solution": True,
                    "add_solution_type": kind,
                    "refund_amount": decision.refund_cents,
                    "refund_amount_currency": decision.currency,
                    "solution_context": note.strip(),
                }
            },
        )
        return f"issue:{issue_id}:solution:{answer.get('data') or 'saved'}"

    def upload(self, issue_id: str, buyer: str, mime: str, data: bytes) -> str:
        """`aliexpress.issue.image.upload`: the image's URL on the platform. Only JPEG, PNG
        and WebP up to IMAGE_MAX, checked by content."""
        kind = image_kind(data)
        if kind is None or kind != mime:
            raise ChannelError(
                f"evidence must be a JPEG, PNG or WebP image (this one is {kind or 'not one'})",
                retryable=False,
            )
        if len(data) > IMAGE_MAX:
            raise ChannelError(
                f"evidence images are at most {IMAGE_MAX // 1024} KB on AliExpress",
                retryable=False,
            )
        params = self.api.signed(
            UPLOAD,
            {"issue_id": issue_id, "buyer_login_id": buyer, "extension": IMAGE_TYPES[kind]},
        )
        files = {"image_bytes": (f"evidence.{IMAGE_TYPES[kind]}", data, kind)}
        self.api.meter.take(budget_key(self.api.credentials.app_key), BUDGETS["gateway"])
        try:
            response = self.api.client.post(f"{self.api.base_url}/sync", data=params, files=files)
        except httpx.TimeoutException as exc:
            raise ChannelError(f"AliExpress did not answer {UPLOAD} in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"AliExpress unreachable: {exc.__class__.__name__}") from exc
        body = _answer(UPLOAD, response)
        if "error_response" in body:
            raise _refusal(UPLOAD, body["error_response"])
        result = (body.get(response_key(UPLOAD)) or {}).get("result") or {}
        url = result.get("data") if isinstance(result, dict) else None
        if not url:
            raise ChannelError(f"AliExpress answered {UPLOAD} without the image's URL")
        return str(url)
