"""The eBay face's Trading API (`POST /ebay/ws/api.dll`): buyers' questions about listings
(GetMemberMessages, AddMemberMessageRTQ) and messages to an order's buyer
(AddMemberMessageAAQToPartner), in eBay's XML, refusing what eBay refuses
(docs/channels.md "eBay Trading"; kefu.adapters.marketplaces.ebay_trading names the
sources). It shares the eBay face's clock and OAuth tokens.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml.ElementTree import ParseError, fromstring
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kefu.adapters.marketplaces.ebay_trading import child, child_text, local_name
from kefu.adapters.marketplaces.sandbox.ebay import EbayFace
from kefu.domain.moments import iso_millis

NS = "urn:ebay:apis:eBLBaseComponents"
CALLS = ("GetMemberMessages", "AddMemberMessageRTQ", "AddMemberMessageAAQToPartner")
ADD_LIMIT, ADD_WINDOW, BLOCKED = 75, 60.0, 100.0
TEXT_MAX = 2000
QUESTION_TYPES = ("CustomizedSubject", "General", "MultipleItemShipping", "Payment", "Shipping")


@dataclass
class Asked:
    message_id: str
    item_id: str
    title: str
    sender: str
    subject: str
    body: str
    created: float
    modified: float
    responses: list[str] = field(default_factory=list)


@dataclass
class Contact:
    item_id: str
    recipient: str
    subject: str
    body: str
    at: float


class Refused(Exception):
    def __init__(self, code: str, short: str, long: str = "") -> None:
        super().__init__(short)
        self.code, self.short, self.long = code, short, long or short


class TradingFace:
    """Listings' questions and orders' buyers of the eBay face's seller."""

    def __init__(self, ebay: EbayFace) -> None:
        self.ebay = ebay
        self.asked: dict[str, Asked] = {}
        self.orders: dict[tuple[str, str], float] = {}  # (item, buyer) -> ordered at
        self.contacts: list[Contact] = []
        self.calls: list[str] = []
        self._add_calls: deque[float] = deque()
        self._blocked_until = 0.0
        self._ids = itertools.count(2_000_000_001)

    # Seeding and reading back

    def buyer_asks(
        self, item_id: str, sender: str, body: str, *, title: str = "", message_id: str = ""
    ) -> str:
        """A buyer asks about a listing (Ask Seller a Question)."""
        with self.ebay.lock:
            now = self.ebay.clock()
            message_id = message_id or str(next(self._ids))
            self.asked[message_id] = Asked(
                message_id,
                item_id,
                title or f"Item {item_id}",
                sender,
                f"Question about item {item_id}",
                body,
                now,
                now,
            )
            return message_id

    def buyer_orders(self, item_id: str, buyer: str, *, days_ago: float = 0) -> None:
        self.orders[(item_id, buyer)] = self.ebay.clock() - days_ago * 86400

    # The API

    def handle(self, headers: dict[str, str], body: bytes) -> Element:
        name = headers.get("x-ebay-api-call-name", "")
        self.calls.append(name)
        if name not in CALLS:
            raise Refused("2", "Unsupported API call.", f"The API call {name!r} is invalid.")
        if not headers.get("x-ebay-api-siteid", "").isdigit():
            raise Refused("37", "Input data is invalid.", "X-EBAY-API-SITEID is missing.")
        if not headers.get("x-ebay-api-compatibility-level", "").isdigit():
            raise Refused("10012", "Invalid value for header X-EBAY-API-COMPATIBILITY-LEVEL.")
        token = headers.get("x-ebay-api-iaf-token", "")
        expiry = self.ebay.tokens.get(token)
        if expiry is None:
            raise Refused("931", "Auth token is invalid.")
        if expiry <= self.ebay.clock():
            raise Refused("932", "Auth token is hard expired.")
        try:
            request = fromstring(body)
        except ParseError:
            raise Refused("5", "XML Parse error.") from None
        if local_name(request.tag) != f"{name}Request":
            raise Refused("37", "Input data is invalid.", f"The root must be {name}Request.")
        if name == "GetMemberMessages":
            return self._get(request)
        self._count_add()
        if name == "AddMemberMessageRTQ":
            return self._answer(request)
        return self._contact(request)

    def _count_add(self) -> None:
        """75 Add calls per seller in any 60 s; past that, blocked for 100 s."""
        now = self.ebay.clock()
        if now < self._blocked_until:
            raise Refused("518", "Call usage limit has been reached.")
        while self._add_calls and self._add_calls[0] <= now - ADD_WINDOW:
            self._add_calls.popleft()
        if len(self._add_calls) >= ADD_LIMIT:
            self._blocked_until = now + BLOCKED
            raise Refused("518", "Call usage limit has been reached.")
        self._add_calls.append(now)

    def _get(self, request: Element) -> Element:
        kind = child_text(request, "MailMessageType")
        if not kind:
            raise Refused("37", "Input data is invalid.", "MailMessageType is required.")
        if kind != "AskSellerQuestion":
            raise Refused(
                "37",
                "Input data is invalid.",
                f"MailMessageType {kind} is not supported by GetMemberMessages here.",
            )
        item = child_text(request, "ItemID")
        start, end = (
            _date(child_text(request, "StartCreationTime")),
            _date(child_text(request, "EndCreationTime")),
        )
        if not item and (start is None or end is None):
            raise Refused(
                "37",
                "Input data is invalid.",
                "For ASQ messages, either the ItemID, or a date range, or both must be included.",
            )
        if start is not None and end is not None and end < start:
            raise Refused("37", "Input data is invalid.", "EndCreationTime is before start.")
        pagination = child(request, "Pagination")
        size = _int(child_text(pagination, "EntriesPerPage")) if pagination is not None else 25
        page = _int(child_text(pagination, "PageNumber")) if pagination is not None else 1
        if size is None or size <= 0 or size > 200:
            raise Refused("37", "Input data is invalid.", "EntriesPerPage must be 1 to 200.")
        size = 25 if size < 25 else max(s for s in (25, 50, 100, 200) if s <= size)
        page = max(page or 1, 1)
        status = child_text(request, "MessageStatus")
        found = sorted(
            (
                a
                for a in self.asked.values()
                if (not item or a.item_id == item)
                and (start is None or a.created >= start.timestamp())
                and (end is None or a.created <= end.timestamp())
                and (not status or status == ("Answered" if a.responses else "Unanswered"))
            ),
            key=lambda a: (a.created, a.message_id),
        )
        chosen = found[(page - 1) * size : page * size]
        root = _root("GetMemberMessages")
        if chosen:
            messages = SubElement(root, "MemberMessage")
            for a in chosen:
                _exchange(messages, a, self.ebay.seller[0])
        pages = max(1, -(-len(found) // size))
        result = SubElement(root, "PaginationResult")
        _add(result, "TotalNumberOfPages", str(pages))
        _add(result, "TotalNumberOfEntries", str(len(found)))
        _add(root, "HasMoreItems", "true" if page < pages else "false")
        return root

    def _answer(self, request: Element) -> Element:
        message = child(request, "MemberMessage")
        if message is None:
            raise Refused("37", "Input data is invalid.", "MemberMessage is required.")
        body = _body(message)
        parent = self.asked.get(child_text(message, "ParentMessageID"))
        if parent is None:
            raise Refused("20004", "Invalid ParentMessageID.")
        if child_text(message, "RecipientID") != parent.sender:
            raise Refused("20003", "Invalid RecipientID.", "Not the sender of the question.")
        item = child_text(request, "ItemID")
        if item and item != parent.item_id:
            raise Refused("20002", "Invalid ItemID.")
        parent.responses.append(body)
        parent.modified = self.ebay.clock()
        return _root("AddMemberMessageRTQ")

    def _contact(self, request: Element) -> Element:
        message = child(request, "MemberMessage")
        item = child_text(request, "ItemID")
        if message is None or not item:
            raise Refused("37", "Input data is invalid.", "ItemID and MemberMessage are required.")
        body = _body(message)
        kind = child_text(message, "QuestionType")
        if kind not in QUESTION_TYPES:
            raise Refused("37", "Input data is invalid.", "QuestionType is required.")
        recipient = child_text(message, "RecipientID")
        ordered = self.orders.get((item, recipient))
        if ordered is None:
            raise Refused("20003", "Invalid RecipientID.", "No order of this item with them.")
        if self.ebay.clock() - ordered > 90 * 86400:
            raise Refused(
                "20951",
                "The order is more than 90 days old.",
                "Messages to order partners are allowed up to 90 days after the order.",
            )
        self.contacts.append(
            Contact(item, recipient, child_text(message, "Subject"), body, self.ebay.clock())
        )
        return _root("AddMemberMessageAAQToPartner")


def create_trading_app(face: TradingFace) -> Starlette:
    """The Trading face as an ASGI app: `POST /api.dll`, mounted at `/ebay/ws`."""

    async def endpoint(request: Request) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = await request.body()
        with face.ebay.lock:
            try:
                root = face.handle(headers, body)
            except Refused as refused:
                root = _root(headers.get("x-ebay-api-call-name", "") or "Unknown", "Failure")
                error = SubElement(root, "Errors")
                _add(error, "ShortMessage", refused.short)
                _add(error, "LongMessage", refused.long)
                _add(error, "ErrorCode", refused.code)
                _add(error, "SeverityCode", "Error")
                _add(error, "ErrorClassification", "RequestError")
        document = b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root)
        return Response(document, 200, media_type="text/xml")

    return Starlette(routes=[Route("/api.dll", endpoint, methods=["POST"])])


def _exchange(parent: Element, asked: Asked, seller: str) -> None:
    exchange = SubElement(parent, "MemberMessageExchange")
    item = SubElement(exchange, "Item")
    _add(item, "ItemID", asked.item_id)
    _add(item, "Title", asked.title)
    question = SubElement(exchange, "Question")
    _add(question, "MessageType", "AskSellerQuestion")
    _add(question, "QuestionType", "General")
    _add(question, "DisplayToPublic", "false")
    _add(question, "SenderID", asked.sender)
    _add(question, "RecipientID", seller)
    _add(question, "Subject", asked.subject)
    _add(question, "Body", asked.body)
    _add(question, "MessageID", asked.message_id)
    for text in asked.responses:
        _add(exchange, "Response", text)
    _add(exchange, "MessageStatus", "Answered" if asked.responses else "Unanswered")
    _add(exchange, "CreationDate", _iso(asked.created))
    _add(exchange, "LastModifiedDate", _iso(asked.modified))


def _body(message: Element) -> str:
    body = child_text(message, "Body")
    if not body:
        raise Refused("37", "Input data is invalid.", "Body is required.")
    if len(body) > TEXT_MAX:
        raise Refused("37", "Input data is invalid.", f"Body is longer than {TEXT_MAX}.")
    if "<" in body and ">" in body:
        raise Refused("20008", "HTML is not allowed in the body of the message.")
    return body


def _root(name: str, ack: str = "Success") -> Element:
    root = Element(f"{name}Response", {"xmlns": NS})
    _add(root, "Timestamp", _iso(datetime.now(UTC).timestamp()))
    _add(root, "Ack", ack)
    _add(root, "Version", "1423")
    return root


def _add(parent: Element, tag: str, text: str) -> None:
    SubElement(parent, tag).text = text


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Refused("37", "Input data is invalid.", f"{text!r} is not a date.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(epoch: float) -> str:
    return iso_millis(datetime.fromtimestamp(epoch, UTC))
