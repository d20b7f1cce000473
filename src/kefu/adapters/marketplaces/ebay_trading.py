"""eBay's Trading API for what the Message API does not carry: buyers' questions about a
listing (Ask Seller a Question, ASQ) and the seller's answers, and messages to an order's
buyer (docs/channels.md "eBay Trading").

Sources (eBay Trading API reference, version 1423+, developer.ebay.com/devzone/xml/docs/
reference/ebay/):
* GetMemberMessages — `MailMessageType` required (AskSellerQuestion); for ASQ an ItemID or
  a `StartCreationTime`/`EndCreationTime` range; `MessageStatus` Answered | Unanswered;
  `Pagination.EntriesPerPage` 25 (default), 50, 100 or 200 ("a value of zero or less or
  greater than 200 … fails with an error"), `PageNumber`. The answer: `MemberMessage.
  MemberMessageExchange[]` with `Item.ItemID`/`Title`, `Question` (MemberMessageType:
  `MessageID`, `SenderID`, `SenderEmail`, `RecipientID`, `Subject`, `Body`,
  `MessageType`, `QuestionType`, `DisplayToPublic`), `Response[]` (the answers' text),
  `CreationDate`, `LastModifiedDate`, `MessageStatus`; `HasMoreItems`, `PaginationResult`.
* AddMemberMessageRTQ — `ItemID`, `MemberMessage{Body, ParentMessageID, RecipientID,
  DisplayToPublic, EmailCopyToSender}`; "ParentMessageID … the MessageID returned from
  GetMemberMessages", "RecipientID … the user ID of the original sender".
* AddMemberMessageAAQToPartner — `ItemID`, `MemberMessage{Subject, Body, QuestionType,
  RecipientID}` "up to 90 days after the creation of the order line item"; QuestionType
  CustomizedSubject | General | MultipleItemShipping | Payment | Shipping (Knowledge Base
  1955 uses CustomizedSubject with a subject of the seller's).
* Both Add calls: "Per (seller) user ID, no more than 75 … calls … within any 60-second
  interval … the application … is blocked … until the block is reset after 100 seconds."
* MemberMessageType.Body: "HTML formatting is not allowed"; plain text, 2,000 characters
  (Trading user guide; the Message API's own limit is the same).
* Headers: `X-EBAY-API-CALL-NAME`, `X-EBAY-API-SITEID`, `X-EBAY-API-COMPATIBILITY-LEVEL`
  and the OAuth user token in `X-EBAY-API-IAF-TOKEN`; XML in the `urn:ebay:apis:
  eBLBaseComponents` namespace, `Ack` Success | Warning | Failure with `Errors{ShortMessage,
  LongMessage, ErrorCode, SeverityCode}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element, SubElement, tostring

import httpx
from defusedxml.ElementTree import ParseError, fromstring

from kefu.domain.moments import iso_millis
from kefu.services.ports import CallBudget, CallLimiter, ChannelError

NS = "urn:ebay:apis:eBLBaseComponents"
PATH = "/ws/api.dll"
COMPATIBILITY_LEVEL = "1423"
PAGE_SIZES = (25, 50, 100, 200)
PAGE_SIZE = 200
MAX_PAGES = 100  # a listing's questions read back for an answer: at most 20,000
TEXT_MAX = 2000
CONTACT_DAYS = 90  # AddMemberMessageAAQToPartner: within 90 days of the order line
# "no more than 75 … calls … within any 60-second interval"; then blocked for 100 s.
ADD_BUDGET = CallBudget(75, 60.0)
BLOCKED_SECONDS = 100.0
ADD_CALLS = ("AddMemberMessageRTQ", "AddMemberMessageAAQToPartner")
# The Trading API's site ids for the marketplaces kefu's stores sell on (eBay's SiteCodeType).
SITE_IDS: Mapping[str, int] = {
    "EBAY_US": 0,
    "EBAY_CA": 2,
    "EBAY_GB": 3,
    "EBAY_AU": 15,
    "EBAY_AT": 16,
    "EBAY_FR": 71,
    "EBAY_DE": 77,
    "EBAY_IT": 101,
    "EBAY_NL": 146,
    "EBAY_ES": 186,
    "EBAY_CH": 193,
    "EBAY_IE": 205,
    "EBAY_PL": 212,
    "EBAY_BE": 23,
}
# Error codes that mean "come back later": eBay's own failures and call limits (⚠ recalled:
# 10007 "Internal error", 518 "Call usage limit has been reached", 21919144 "blocked").
RETRYABLE_CODES = frozenset({"10007", "518", "21919144"})
TOKEN_CODES = frozenset({"931", "932", "21916984", "21917053"})  # auth token refused/expired


@dataclass(frozen=True)
class Question:
    """One Ask-Seller-a-Question exchange: the buyer's question and the answers given."""

    message_id: str
    item_id: str
    item_title: str
    sender: str  # the asker's eBay user ID
    subject: str
    body: str
    created: datetime
    modified: datetime
    answered: bool
    responses: tuple[str, ...]


def ask_ref(item_id: str, sender: str) -> str:
    """kefu's conversation for a buyer's questions about one listing."""
    return f"asq:{item_id}:{sender}"


def parse_ref(ref: str) -> tuple[str, str] | None:
    """(item id, buyer) of an ASQ conversation ref, else None."""
    if not ref.startswith("asq:"):
        return None
    item, _, sender = ref[4:].partition(":")
    return (item, sender) if item and sender else None


def rows_of(question: Question, store: str) -> list[dict[str, object]]:
    """kefu's message rows (README "Message format") of one exchange: the question, then
    each answer given on eBay (the Response strings carry no id or time of their own: they
    are numbered after the question and dated at its last change)."""
    ref = ask_ref(question.item_id, question.sender)
    rows: list[dict[str, object]] = [
        {
            "store": store,
            "message_id": f"asq-{question.message_id}",
            "conversation_id": ref,
            "buyer_id": question.sender,
            "buyer_name": question.sender,
            "sent_at": question.created.isoformat(),
            "text": question.body,
            "origin": "product_page",
        }
    ]
    for n, text in enumerate(question.responses, 1):
        rows.append(
            {
                "store": store,
                "message_id": f"asq-{question.message_id}-r{n}",
                "conversation_id": ref,
                "buyer_id": question.sender,
                "sent_at": question.modified.isoformat(),
                "text": text,
                "direction": "shop",
            }
        )
    return rows


class TradingClient:
    """A store's Trading API calls, with the OAuth user token of its eBay connection."""

    def __init__(
        self,
        store: str,
        token: Callable[[], str],
        *,
        base_url: str,
        client: httpx.Client,
        seller: str,
        marketplace_id: str = "EBAY_US",
        limiter: CallLimiter | None = None,
        max_wait: float = 5.0,
    ) -> None:
        self.store = store
        self.token = token
        self.url = base_url.rstrip("/") + PATH
        self.client = client
        self.seller = seller
        self.site_id = SITE_IDS.get(marketplace_id, 0)
        self.limiter = limiter
        self.max_wait = max_wait
        self.calls = 0

    def call(self, name: str, body: Element) -> Element:
        """One call; the answer's root, or ChannelError in words (retryable or not)."""
        key = f"ebay-trading:{self.seller or self.store}"
        if self.limiter is not None and name in ADD_CALLS:
            self.limiter.acquire(key, ADD_BUDGET, max_wait=self.max_wait)
        headers = {
            "X-EBAY-API-CALL-NAME": name,
            "X-EBAY-API-SITEID": str(self.site_id),
            "X-EBAY-API-COMPATIBILITY-LEVEL": COMPATIBILITY_LEVEL,
            "X-EBAY-API-IAF-TOKEN": self.token(),
            "Content-Type": "text/xml",
        }
        self.calls += 1
        try:
            response = self.client.post(
                self.url,
                content=b'<?xml version="1.0" encoding="utf-8"?>' + tostring(body),
                headers=headers,
            )
        except httpx.TimeoutException as exc:
            raise ChannelError(f"eBay did not answer {name} in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"eBay unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ChannelError(f"eBay answered {name} with HTTP {response.status_code}")
        try:
            root = fromstring(response.content)
        except ParseError as exc:
            raise ChannelError(
                f"eBay's answer to {name} is not XML (HTTP {response.status_code})"
            ) from exc
        ack = child_text(root, "Ack")
        if ack in ("Success", "Warning"):
            return root
        error = child(root, "Errors")
        code = child_text(error, "ErrorCode") if error is not None else ""
        words = (
            child_text(error, "LongMessage") or child_text(error, "ShortMessage")
            if error is not None
            else ""
        ) or f"HTTP {response.status_code}"
        if code in RETRYABLE_CODES and name in ADD_CALLS and self.limiter is not None:
            self.limiter.pause(key, BLOCKED_SECONDS)
        retry = code in RETRYABLE_CODES
        hint = ": reconnect needed" if code in TOKEN_CODES else ""
        raise ChannelError(
            f"eBay refused {name}: {words} (error {code or '?'}){hint}",
            retryable=retry,
            retry_after=BLOCKED_SECONDS if retry and name in ADD_CALLS else None,
        )

    def questions(
        self,
        start: datetime,
        end: datetime,
        page: int = 1,
        size: int = PAGE_SIZE,
        *,
        item_id: str | None = None,
    ) -> tuple[list[Question], bool]:
        """Buyers' questions created in [start, end] (about one listing, if given), one
        page; whether more pages follow."""
        if size not in PAGE_SIZES:
            raise ValueError(f"GetMemberMessages pages hold {PAGE_SIZES}, not {size}")
        request = _request("GetMemberMessages")
        _add(request, "MailMessageType", "AskSellerQuestion")
        if item_id:
            _add(request, "ItemID", item_id)
        _add(request, "StartCreationTime", iso_millis(start))
        _add(request, "EndCreationTime", iso_millis(end))
        pagination = _add(request, "Pagination")
        _add(pagination, "EntriesPerPage", str(size))
        _add(pagination, "PageNumber", str(page))
        root = self.call("GetMemberMessages", request)
        found = [question_of(e) for e in _all(root, "MemberMessageExchange")]
        return [q for q in found if q is not None], child_text(root, "HasMoreItems") == "true"

    def questions_about(self, item_id: str, start: datetime, end: datetime) -> list[Question]:
        """Every question about one listing created in [start, end], all pages."""
        found: list[Question] = []
        for page in range(1, MAX_PAGES + 1):
            questions, more = self.questions(start, end, page, item_id=item_id)
            found += questions
            if not more:
                break
        return found

    def answer(self, item_id: str, parent_message_id: str, recipient: str, body: str) -> None:
        """Answer a buyer's question about a listing, privately (AddMemberMessageRTQ)."""
        request = _request("AddMemberMessageRTQ")
        _add(request, "ItemID", item_id)
        message = _add(request, "MemberMessage")
        _add(message, "Body", _checked(body))
        _add(message, "DisplayToPublic", "false")
        _add(message, "ParentMessageID", parent_message_id)
        _add(message, "RecipientID", recipient)
        self.call("AddMemberMessageRTQ", request)

    def contact(
        self,
        item_id: str,
        recipient: str,
        subject: str,
        body: str,
        *,
        ordered_at: datetime,
        now: datetime,
    ) -> None:
        """Write to an order's buyer (AddMemberMessageAAQToPartner), only within 90 days of
        the order line, as eBay allows."""
        if now - ordered_at > timedelta(days=CONTACT_DAYS):
            raise ChannelError(
                f"eBay lets a seller write to an order's buyer only within {CONTACT_DAYS} "
                f"days of the order (this one is {(now - ordered_at).days} days old)",
                retryable=False,
            )
        request = _request("AddMemberMessageAAQToPartner")
        _add(request, "ItemID", item_id)
        message = _add(request, "MemberMessage")
        _add(message, "Subject", subject[:100])
        _add(message, "Body", _checked(body))
        _add(message, "QuestionType", "CustomizedSubject")
        _add(message, "RecipientID", recipient)
        self.call("AddMemberMessageAAQToPartner", request)


def question_of(exchange: Element) -> Question | None:
    """One MemberMessageExchange; None when it lacks the question's id, item or sender."""
    item, question = child(exchange, "Item"), child(exchange, "Question")
    if item is None or question is None:
        return None
    message_id, item_id = child_text(question, "MessageID"), child_text(item, "ItemID")
    sender = child_text(question, "SenderID")
    created = _date(child_text(exchange, "CreationDate"))
    if not (message_id and item_id and sender and created):
        return None
    return Question(
        message_id=message_id,
        item_id=item_id,
        item_title=child_text(item, "Title"),
        sender=sender,
        subject=child_text(question, "Subject"),
        body=child_text(question, "Body"),
        created=created,
        modified=_date(child_text(exchange, "LastModifiedDate")) or created,
        answered=child_text(exchange, "MessageStatus") == "Answered",
        responses=tuple(
            (r.text or "").strip() for r in exchange if local_name(r.tag) == "Response" and r.text
        ),
    )


def _checked(body: str) -> str:
    if len(body) > TEXT_MAX:
        raise ChannelError(
            f"eBay takes at most {TEXT_MAX} characters a message ({len(body)})", retryable=False
        )
    if not body.strip():
        raise ChannelError("an eBay message needs text", retryable=False)
    return body


def _request(name: str) -> Element:
    return Element(f"{name}Request", {"xmlns": NS})


def _add(parent: Element, tag: str, text: str | None = None) -> Element:
    child = SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def child(node: Element, tag: str) -> Element | None:
    return next((c for c in node if local_name(c.tag) == tag), None)


def _all(node: Element, tag: str) -> list[Element]:
    return [e for e in node.iter() if local_name(e.tag) == tag]


def child_text(node: Element | None, tag: str) -> str:
    found = child(node, tag) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
