"""The sandbox's eBay face: the REST Message API `/commerce/message/v1`, in memory.

It speaks the format of the sources named in kefu.adapters.marketplaces.ebay (eBay's
OpenAPI document of the Message API; the common error envelope `{"errors": [{errorId,
domain, category, message, longMessage}]}`) and refuses what eBay refuses:

* a missing, unknown or expired bearer token (401, errorId 1001, domain OAuth);
* `conversation_type` missing (355017) or not FROM_EBAY / FROM_MEMBERS (355002), a
  `conversation_status` eBay does not know (355001), `limit` outside 1–50 (355009), an
  `offset` that is negative or not a multiple of the limit (355008), dates that are not
  ISO 8601 with a zone (355005), `start_time` not before `end_time` (355004);
* an unknown conversation (355007), more than 10 conversations in a bulk update (355019);
* a message with neither conversationId nor otherPartyUsername (355018), an unknown
  otherPartyUsername (355006), no text and no media (355015), text over 2,000 characters
  (355013), more than 5 media (355010), a media type eBay does not know (355011), a media
  field missing (355012), a media URL that is not https (355014), HTML in the text (⚠ eBay
  documents the refusal, not its id: the sandbox answers 355024);
* more calls a second than `rate_limit` (429 with Retry-After, errorId 2001, domain ACCESS).

It also serves the Identity API's `GET /commerce/identity/v1/user/` (who the seller is) and
the OAuth refresh `POST /identity/v1/oauth2/token`. With `immutable_ids` (the default, as
eBay answers developers in China since 26 Sep 2025) every username field of a buyer
carries the buyer's immutable user id. Test helpers make a buyer write, add an eBay
notice, read a conversation back, and inject HTTP faults. The clock is injectable; nothing
is random.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kefu.adapters.marketplaces.sandbox.consent import (
    CODE_SECONDS,
    Grant,
    back_to,
    new_code,
    page,
    refusal_page,
)

LIMIT_MAX = 50
BULK_MAX = 10
MEDIA_MAX = 5
TEXT_MAX = 2000
TYPES = ("FROM_MEMBERS", "FROM_EBAY")
STATUSES = ("ACTIVE", "ARCHIVE", "DELETE", "READ", "UNREAD")
MEDIA_TYPES = ("IMAGE", "PDF", "DOC", "TXT")
_HTML = re.compile(
    r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>|&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I
)


class Refused(Exception):
    """A refusal in eBay's words: HTTP status and one error of the envelope."""

    def __init__(
        self,
        status: int,
        error_id: int,
        message: str,
        *,
        domain: str = "API_MESSAGE",
        category: str = "REQUEST",
        long_message: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error: dict[str, object] = {
            "errorId": error_id,
            "domain": domain,
            "category": category,
            "message": message,
        }
        if long_message:
            self.error["longMessage"] = long_message


def _bad(error_id: int, message: str) -> Refused:
    return Refused(400, error_id, message)


def invalid_token() -> Refused:
    return Refused(
        401,
        1001,
        "Invalid access token",
        domain="OAuth",
        long_message=(
            "Invalid access token. Check the value of the Authorization HTTP request header."
        ),
    )


def too_many() -> Refused:
    return Refused(
        429,
        2001,
        "Too many requests.",
        domain="ACCESS",
        long_message="The request limit has been reached for the resource.",
    )


def iso(millis: int) -> str:
    moment = datetime.fromtimestamp(millis // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


@dataclass
class Message:
    message_id: str
    body: str
    sender: str
    recipient: str
    created: int
    read: bool = False
    media: list[dict[str, str]] = field(default_factory=list)
    subject: str = ""

    def detail(self) -> dict[str, object]:
        detail: dict[str, object] = {
            "messageId": self.message_id,
            "messageBody": self.body,
            "senderUsername": self.sender,
            "recipientUsername": self.recipient,
            "createdDate": iso(self.created),
            "readStatus": self.read,
            "subject": self.subject,
        }
        if self.media:
            detail["messageMedia"] = list(self.media)
        return detail


@dataclass
class Conversation:
    conversation_id: str
    kind: str
    title: str
    other: str  # the other party as messages show it (username or immutable id)
    reference_id: str = ""
    status: str = "ACTIVE"
    created: int = 0
    messages: list[Message] = field(default_factory=list)

    def latest(self) -> int:
        return self.messages[-1].created if self.messages else self.created

    def unread(self, seller: str) -> int:
        return sum(1 for m in self.messages if not m.read and m.sender != seller)

    def detail(self, seller: str) -> dict[str, object]:
        detail: dict[str, object] = {
            "conversationId": self.conversation_id,
            "conversationStatus": self.status,
            "conversationTitle": self.title,
            "conversationType": self.kind,
            "createdDate": iso(self.created),
            "unreadCount": self.unread(seller),
        }
        if self.reference_id:
            detail["referenceType"] = "LISTING"
            detail["referenceId"] = self.reference_id
        if self.messages:
            detail["latestMessage"] = self.messages[-1].detail()
        return detail


@dataclass
class Buyer:
    username: str
    user_id: str


class EbayFace:
    """The face's state; tests and the demo seed it and read it back."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        rate_limit: int | None = None,
        seller_username: str = "kefu-demo-shop",
        seller_user_id: str = "sellr0001",
        immutable_ids: bool = True,
        client_id: str = "kefu-sandbox-app",
        client_secret: str = "kefu-sandbox-secret",  # noqa: S107 - the sandbox's own
    ) -> None:
        self.clock = clock
        self.rate_limit = rate_limit
        self.seller = (seller_username, seller_user_id)
        self.immutable_ids = immutable_ids
        self.app = (client_id, client_secret)
        self.lock = threading.RLock()
        self.tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.refresh_tokens: dict[str, float] = {}
        self.buyers: dict[str, Buyer] = {}  # by username
        self.conversations: dict[str, Conversation] = {}
        self.calls: list[str] = []  # every call, "METHOD /path"
        self.faults: list[tuple[int, float | None]] = []
        self._window: tuple[int, int] = (0, 0)
        self._ids = itertools.count(100_000_001)
        self._conversation_ids = itertools.count(1)
        self._user_ids = itertools.count(1)
        self._tokens = itertools.count(1)
        self.ru_names: dict[str, str] = {}  # RuName -> its accept URL (consent, OAuth)
        self.codes: dict[str, Grant] = {}  # authorization codes given
        self.consent: str | None = None  # None: the consent page; "approve" / "deny"
        # Its orders (ebay_orders imports this module's refusals, hence here).
        from kefu.adapters.marketplaces.sandbox.ebay_orders import OrderBook

        self.orders = OrderBook(self)
        # Its after-sale cases (Post-Order API v2; sandbox/ebay_cases.py).
        from kefu.adapters.marketplaces.sandbox.ebay_cases import CaseBook

        self.cases = CaseBook(self)

    # Seeding and reading back (test helpers)

    def now_ms(self) -> int:
        return round(self.clock() * 1000)

    def grant(self, token: str, expires_at: float, refresh_token: str | None = None) -> None:
        self.tokens[token] = expires_at
        if refresh_token:
            self.refresh_tokens[refresh_token] = expires_at + 18 * 30 * 86400

    def shown(self, username: str) -> str:
        """How a buyer appears in username fields (the immutable id when `immutable_ids`)."""
        buyer = self.buyers.get(username)
        return buyer.user_id if buyer and self.immutable_ids else username

    def open_conversation(
        self, buyer: str, *, title: str = "", listing: str = "", conversation_id: str = ""
    ) -> str:
        """A FROM_MEMBERS conversation with a buyer (by username), empty until written."""
        with self.lock:
            if buyer not in self.buyers:
                self.buyers[buyer] = Buyer(buyer, f"u{next(self._user_ids):010d}")
            ref = conversation_id or f"c{next(self._conversation_ids):09d}"
            self.conversations[ref] = Conversation(
                ref,
                "FROM_MEMBERS",
                title or f"Message from {buyer}",
                self.shown(buyer),
                reference_id=listing,
                created=self.now_ms(),
            )
            return ref

    def buyer_writes(self, ref: str, text: str, *, media: tuple[str, ...] = ()) -> str:
        """A buyer message arrives: the conversation is active and unread again."""
        with self.lock:
            conversation = self.conversations[ref]
            attached = [
                {"mediaName": u.rsplit("/", 1)[-1], "mediaType": "IMAGE", "mediaUrl": u}
                for u in media
            ]
            message = self._append(conversation, text, conversation.other, self.seller[0], attached)
            conversation.status = "ACTIVE"
            return message.message_id

    def shop_writes(self, ref: str, text: str) -> str:
        with self.lock:
            conversation = self.conversations[ref]
            return self._append(
                conversation, text, self.seller[0], conversation.other, []
            ).message_id

    def ebay_notice(self, text: str, *, title: str = "A note from eBay", ref: str = "") -> str:
        """A message from eBay (FROM_EBAY) in a conversation of its own; its id."""
        with self.lock:
            ref = ref or f"e{next(self._conversation_ids):09d}"
            if ref not in self.conversations:
                self.conversations[ref] = Conversation(
                    ref, "FROM_EBAY", title, "eBay", created=self.now_ms()
                )
            return self._append(
                self.conversations[ref], text, "eBay", self.seller[0], []
            ).message_id

    def conversation(self, ref: str) -> dict[str, Any]:
        """What the seller's eBay inbox shows of a conversation."""
        with self.lock:
            c = self.conversations[ref]
            return {
                "type": c.kind,
                "status": c.status,
                "unread": c.unread(self.seller[0]),
                "read": c.unread(self.seller[0]) == 0,
                "messages": [
                    {
                        "id": m.message_id,
                        "text": m.body,
                        "own": m.sender == self.seller[0],
                        "media": len(m.media),
                    }
                    for m in c.messages
                ],
            }

    def seller_archives(self, ref: str, archived: bool = True) -> None:
        """The seller archives a conversation (or makes it active) on eBay's own site."""
        with self.lock:
            self.conversations[ref].status = "ARCHIVE" if archived else "ACTIVE"

    def seller_reads(self, ref: str, read: bool = True) -> None:
        """The seller marks a conversation read (or unread) on eBay's own site."""
        with self.lock:
            _set_read(self.conversations[ref], read, self.seller[0])

    def fail(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        """The next `count` calls answer this HTTP status (with Retry-After when given)."""
        self.faults.extend([(status, retry_after)] * count)

    def _append(
        self,
        conversation: Conversation,
        text: str,
        sender: str,
        recipient: str,
        media: list[dict[str, str]],
    ) -> Message:
        message = Message(
            str(next(self._ids)),
            text,
            sender,
            recipient,
            self.now_ms(),
            read=sender == self.seller[0],
            media=media,
            subject=conversation.title,
        )
        conversation.messages.append(message)
        return message

    # OAuth: the consent page and the authorization-code grant (kefu.adapters.marketplaces
    # .ebay_oauth names eBay's pages)

    def add_ru_name(self, ru_name: str, accept_url: str) -> None:
        """Register the app's RuName and the accept URL eBay sends the browser to."""
        self.ru_names[ru_name] = accept_url

    def authorize(self, query: Mapping[str, str], decision: str | None) -> Response:
        """`GET /oauth2/authorize`: a wrong app, RuName or response_type is an error page;
        then the consent page, or with a decision the browser goes back to the accept URL
        with `code` (single use, 299 s) and `state`, or `error=access_denied` (⚠ eBay's
        decline goes to the RuName's decline URL; kefu's callback takes both)."""
        with self.lock:
            self.calls.append("GET /oauth2/authorize")
            ru_name = query.get("redirect_uri", "")
            if query.get("client_id") != self.app[0]:
                return refusal_page("eBay", "unauthorized_client: unknown client_id")
            if ru_name not in self.ru_names:
                return refusal_page("eBay", "invalid_request: unknown redirect_uri (RuName)")
            if query.get("response_type") != "code" or not query.get("scope", "").strip():
                return refusal_page("eBay", "invalid_request: response_type=code and a scope")
            decision = decision or self.consent
            if decision is None:
                return page("eBay", self.app[0], "authorize", query)
            state = {"state": query["state"]} if query.get("state") else {}
            if decision != "approve":
                return back_to(self.ru_names[ru_name], {**state, "error": "access_denied"})
            code = new_code("v^1.1#i^1#sbx#")
            self.codes[code] = Grant(self.app[0], ru_name, self.clock() + CODE_SECONDS)
            answer = {**state, "code": code, "expires_in": str(CODE_SECONDS)}
            return back_to(self.ru_names[ru_name], answer)

    def _token(self, headers: Mapping[str, str], body: object) -> dict[str, Any]:
        form = body if isinstance(body, dict) else {}
        if form.get("grant_type") == "authorization_code":
            return self._exchange(headers, form)
        return self._refresh(headers, body)

    def _exchange(self, headers: Mapping[str, str], form: Mapping[str, Any]) -> dict[str, Any]:
        """The code for a user token (2 h) and a refresh token (18 months): refused with
        eBay's OAuth errors for a wrong client, and for a code unknown, used, expired or
        given for another RuName (invalid_grant)."""
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        try:
            pair = base64.b64decode(encoded).decode() if scheme.lower() == "basic" else ""
        except ValueError:
            pair = ""
        if pair != f"{self.app[0]}:{self.app[1]}":
            raise _OAuthRefused("invalid_client", "client authentication failed")
        grant = self.codes.get(str(form.get("code", "")))
        if grant is None or grant.used or grant.expires_at <= self.clock():
            raise _OAuthRefused(
                "invalid_grant",
                "the provided authorization grant code is invalid or was issued to another client",
            )
        grant.used = True  # one use, even when the rest of the request is wrong
        if form.get("redirect_uri") != grant.redirect_uri:
            raise _OAuthRefused(
                "invalid_grant", "the redirect_uri does not match the one of the authorization"
            )
        number = next(self._tokens)
        token, refresh = f"v^1.1#sbx#{number:06d}", f"v^1.1#r^1#sbx#{number:06d}"
        self.tokens[token] = self.clock() + 7200
        self.refresh_tokens[refresh] = self.clock() + 47304000
        return {
            "access_token": token,
            "expires_in": 7200,
            "refresh_token": refresh,
            "refresh_token_expires_in": 47304000,
            "token_type": "User Access Token",
        }

    # The API

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: object,
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        """One call: (status, JSON answer or None for 204, headers)."""
        with self.lock:
            self.calls.append(f"{method} {path}")
            try:
                self._throttle()
                if path == "/identity/v1/oauth2/token":
                    return 200, self._token(headers, body), {}
                if path.startswith("/post-order/v2/"):
                    return self._post_order(method, path, query, headers, body)
                self._authenticate(headers)
                status, answer = self._dispatch(method, path, query, body)
                return status, answer, {}
            except _OAuthRefused as refused:
                return 400, refused.oauth, {}
            except Refused as refusal:
                extra = {"Retry-After": "1"} if refusal.status == 429 else {}
                return refusal.status, {"errors": [refusal.error]}, extra

    def _post_order(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: object,
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        from kefu.adapters.marketplaces.sandbox.ebay_cases import PostOrderRefused

        try:
            self.cases.authenticate(headers)
            status, answer = self.cases.dispatch(method, path, query, body)
        except PostOrderRefused as refusal:
            return refusal.status, refusal.body, {}
        return status, answer, {}

    def _throttle(self) -> None:
        if self.rate_limit is None:
            return
        second = int(self.clock())
        start, count = self._window
        count = count + 1 if start == second else 1
        self._window = (second, count)
        if count > self.rate_limit:
            raise too_many()

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        value = headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise invalid_token()
        expiry = self.tokens.get(token.strip())
        if expiry is None or expiry <= self.clock():
            raise invalid_token()

    def _refresh(self, headers: Mapping[str, str], body: object) -> dict[str, Any]:
        form = body if isinstance(body, dict) else {}
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        try:
            pair = base64.b64decode(encoded).decode() if scheme.lower() == "basic" else ""
        except ValueError:
            pair = ""
        if pair != f"{self.app[0]}:{self.app[1]}":
            raise _OAuthRefused("invalid_client", "client authentication failed")
        if form.get("grant_type") != "refresh_token":
            raise _OAuthRefused("unsupported_grant_type", "grant type in request is not supported")
        expiry = self.refresh_tokens.get(str(form.get("refresh_token", "")))
        if expiry is None or expiry <= self.clock():
            raise _OAuthRefused(
                "invalid_grant",
                "the provided authorization refresh token is invalid or was issued to another "
                "client",
            )
        token = f"v^1.1#sbx#{next(self._tokens):06d}"
        self.tokens[token] = self.clock() + 7200
        return {"access_token": token, "expires_in": 7200, "token_type": "User Access Token"}

    def _dispatch(
        self, method: str, path: str, query: Mapping[str, str], body: object
    ) -> tuple[int, dict[str, Any] | None]:
        if method == "GET" and path == "/commerce/identity/v1/user/":
            return 200, {
                "userId": self.seller[1],
                "username": self.seller[0],
                "accountType": "BUSINESS",
                "registrationMarketplaceId": "EBAY_US",
                "status": "CONFIRMED",
            }
        if path.startswith("/sell/fulfillment/v1/"):
            return self.orders.dispatch(method, path, query)
        prefix = "/commerce/message/v1"
        if not path.startswith(prefix):
            raise Refused(404, 2002, "Resource not found", domain="API_MESSAGE")
        rest = path.removeprefix(prefix)
        data = body if isinstance(body, dict) else {}
        if method == "GET" and rest == "/conversation":
            return 200, self._list(query)
        if method == "GET" and rest.startswith("/conversation/"):
            return 200, self._thread(rest.removeprefix("/conversation/"), query)
        if method == "POST" and rest == "/send_message":
            return 201, self._send(data)
        if method == "POST" and rest == "/update_conversation":
            self._update(data)
            return 204, None
        if method == "POST" and rest == "/bulk_update_conversation":
            return 200, self._bulk(data)
        raise Refused(404, 2002, "Resource not found", domain="API_MESSAGE")

    def _known(self, ref: object) -> Conversation:
        conversation = self.conversations.get(str(ref or ""))
        if conversation is None or conversation.status == "DELETE":
            raise _bad(355007, "Invalid or unrecognized conversation_id value.")
        return conversation

    def _list(self, query: Mapping[str, str]) -> dict[str, Any]:
        kind = _kind(query.get("conversation_type"))
        limit, offset = _paging(query)
        status = query.get("conversation_status")
        if status is not None and status not in STATUSES:
            raise _bad(
                355001,
                "Invalid conversation_status value. Please see documentation for valid values.",
            )
        start, end = _date(query.get("start_time")), _date(query.get("end_time"))
        if start is not None and end is not None and start >= end:
            raise _bad(355004, "The start_time must be an earlier date than end_time.")
        other = query.get("other_party_username")
        seller = self.seller[0]
        chosen = [
            c
            for c in self.conversations.values()
            if c.kind == kind
            and c.messages
            and _status_matches(c, status, seller)
            and (kind == "FROM_EBAY" or start is None or c.latest() >= start)
            and (kind == "FROM_EBAY" or end is None or c.latest() <= end)
            and (other is None or c.other == other)
        ]
        chosen.sort(key=lambda c: (c.latest(), c.conversation_id), reverse=True)
        window = chosen[offset : offset + limit]
        answer: dict[str, Any] = {
            "conversations": [c.detail(seller) for c in window],
            "href": f"/commerce/message/v1/conversation?limit={limit}&offset={offset}",
            "limit": limit,
            "offset": offset,
            "total": len(chosen),
        }
        if offset + limit < len(chosen):
            answer["next"] = (
                f"/commerce/message/v1/conversation?limit={limit}&offset={offset + limit}"
            )
        return answer

    def _thread(self, ref: str, query: Mapping[str, str]) -> dict[str, Any]:
        kind = _kind(query.get("conversation_type"))
        limit, offset = _paging(query)
        conversation = self._known(ref)
        if conversation.kind != kind:
            raise _bad(355007, "Invalid or unrecognized conversation_id value.")
        messages = conversation.messages[offset : offset + limit]
        return {
            "conversationStatus": conversation.status,
            "conversationTitle": conversation.title,
            "conversationType": conversation.kind,
            "messages": [m.detail() for m in messages],
            "limit": limit,
            "offset": offset,
            "total": len(conversation.messages),
        }

    def _send(self, data: Mapping[str, Any]) -> dict[str, Any]:
        ref, other = data.get("conversationId"), data.get("otherPartyUsername")
        text, media = _checked_message(data)
        if ref:
            conversation = self._known(ref)
            if conversation.kind != "FROM_MEMBERS":
                raise _bad(355007, "Invalid or unrecognized conversation_id value.")
        else:
            matches = [
                c
                for c in self.conversations.values()
                if c.kind == "FROM_MEMBERS" and c.other == other
            ]
            if (
                not matches
                and str(other) not in self.buyers
                and str(other) not in {b.user_id for b in self.buyers.values()}
            ):
                raise _bad(355006, "Invalid or unrecognized otherPartyUsername value.")
            conversation = (
                matches[0]
                if matches
                else self.conversations[self.open_conversation(self._username(str(other)))]
            )
        attached = [dict(item) for item in media]
        message = self._append(conversation, text, self.seller[0], conversation.other, attached)
        detail = message.detail()
        return {
            "createdDate": detail["createdDate"],
            "messageBody": message.body,
            "messageId": message.message_id,
            "messageMedia": attached,
            "readStatus": False,
            "recipientUserName": message.recipient,
            "senderUserName": message.sender,
            "subject": message.subject,
        }

    def _username(self, shown: str) -> str:
        for buyer in self.buyers.values():
            if shown in (buyer.username, buyer.user_id):
                return buyer.username
        return shown

    def _update(self, data: Mapping[str, Any]) -> None:
        kind = data.get("conversationType")
        if kind not in TYPES:
            raise _bad(
                355002, "Invalid conversationType value. Please see documentation for valid values."
            )
        conversation = self._known(data.get("conversationId"))
        if conversation.kind != kind:
            raise _bad(355007, "Invalid or unrecognized conversation_id value.")
        if "read" in data and isinstance(data["read"], bool):
            _set_read(conversation, data["read"], self.seller[0])
            return
        status = data.get("conversationStatus")
        if status not in ("ACTIVE", "ARCHIVE", "DELETE"):
            raise _bad(
                355001,
                "Invalid conversationStatus value. Please see documentation for valid values.",
            )
        conversation.status = str(status)

    def _bulk(self, data: Mapping[str, Any]) -> dict[str, Any]:
        items = data.get("conversations")
        if not isinstance(items, list):
            items = []
        if len(items) > BULK_MAX:
            raise _bad(
                355019,
                "The number of conversations for batch update exceeds the limit, a maximum of "
                f"{BULK_MAX} conversations is allowed per request.",
            )
        for item in items:
            if not isinstance(item, dict) or item.get("conversationType") not in TYPES:
                raise _bad(
                    355002,
                    "Invalid conversationType value. Please see documentation for valid values.",
                )
            if item.get("conversationStatus") not in STATUSES:
                raise _bad(
                    355001,
                    "Invalid conversationStatus value. Please see documentation for valid values.",
                )
        results = []
        for item in items:
            conversation = self.conversations.get(str(item.get("conversationId", "")))
            if conversation is None or conversation.kind != item["conversationType"]:
                results.append(
                    {"conversationId": item.get("conversationId"), "updateStatus": "FAILURE"}
                )
                continue
            status = item["conversationStatus"]
            if status in ("READ", "UNREAD"):
                _set_read(conversation, status == "READ", self.seller[0])
            else:
                conversation.status = status
            results.append(
                {"conversationId": conversation.conversation_id, "updateStatus": "SUCCESS"}
            )
        failures = sum(1 for r in results if r["updateStatus"] != "SUCCESS")
        return {
            "conversationsMetadata": {
                "totalConversationsCount": len(results),
                "updateSuccessCount": len(results) - failures,
                "updateFailureCount": failures,
            },
            "conversationsResponse": results,
        }


def _checked_message(data: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """A sendMessage body's text and media, or eBay's refusal of them."""
    ref, other = data.get("conversationId"), data.get("otherPartyUsername")
    text = data.get("messageText")
    text = text if isinstance(text, str) else ""
    media = data.get("messageMedia") or []
    if not ref and not other:
        raise _bad(355018, "conversationId and otherPartyUsername cannot both be empty.")
    if not isinstance(media, list):
        raise _bad(
            355012, "All fields under messageMedia are required. Please add missing field(s)."
        )
    if not text.strip() and not media:
        raise _bad(355015, "Please pass message text or upload one of more media attachments.")
    if len(text) > TEXT_MAX:
        raise _bad(
            355013,
            f"The messageText string exceeds the maximum character threshold of {TEXT_MAX}. "
            "Please modify the message text to meet this requirement.",
        )
    if _HTML.search(text):
        raise _bad(355024, "HTML is not allowed in messageText; send plain text.")
    if len(media) > MEDIA_MAX:
        raise _bad(
            355010,
            f"The maximum amount of media that may be sent is {MEDIA_MAX}. Please reduce the "
            f"number of media in the messageMedia array to {MEDIA_MAX} and try again.",
        )
    for item in media:
        _check_media(item)
    return text, media


def _check_media(item: object) -> None:
    fields = ("mediaName", "mediaType", "mediaUrl")
    if not isinstance(item, dict) or not all(item.get(k) for k in fields):
        raise _bad(
            355012, "All fields under messageMedia are required. Please add missing field(s)."
        )
    if item["mediaType"] not in MEDIA_TYPES:
        raise _bad(355011, "Invalid mediaType value. Please see documentation for valid values.")
    if not str(item["mediaUrl"]).startswith("https://"):
        raise _bad(355014, "Invalid mediaUrl. Please see documentation.")


class _OAuthRefused(Refused):
    """The OAuth token endpoint's own shape: {"error", "error_description"} with 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(400, 0, description)
        self.oauth = {"error": error, "error_description": description}


def _set_read(conversation: Conversation, read: bool, seller: str) -> None:
    for message in conversation.messages:
        if message.sender != seller:
            message.read = read
    if (
        not read
        and conversation.messages
        and all(m.sender == seller for m in conversation.messages)
    ):
        conversation.messages[-1].read = False


def _status_matches(conversation: Conversation, status: str | None, seller: str) -> bool:
    if status is None:
        return conversation.status != "DELETE"
    if status == "READ":
        return conversation.status != "DELETE" and conversation.unread(seller) == 0
    if status == "UNREAD":
        return conversation.status != "DELETE" and conversation.unread(seller) > 0
    return conversation.status == status


def _kind(value: str | None) -> str:
    if not value:
        raise _bad(
            355017,
            "The required conversation_type query parameter is either missing or has an invalid "
            "value. Please include this parameter and use a supported value.",
        )
    if value not in TYPES:
        raise _bad(
            355002, "Invalid conversation_type value. Please see documentation for valid values."
        )
    return value


def _paging(query: Mapping[str, str]) -> tuple[int, int]:
    try:
        limit = int(query.get("limit", "25"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= LIMIT_MAX:
        raise _bad(
            355009,
            "Invalid limit. The limit value must be a positive integer value that does not "
            f"exceed {LIMIT_MAX}.",
        )
    try:
        offset = int(query.get("offset", "0"))
    except ValueError:
        offset = -1
    if offset < 0 or offset % limit:
        raise _bad(
            355008,
            "Invalid offset. The offset value must be a positive integer value and synchronized up "
            "with the limit value. If the limit value is 20, value offset values would be 0, 20, "
            "40, etc.",
        )
    return limit, offset


def _date(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _bad(
            355005,
            "Invalid date format used for one or both date filters. Please use ISO 8601 dates "
            "with UTC offset.",
        )
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def create_ebay_app(face: EbayFace) -> Starlette:
    """The face as an ASGI app: the Message API under `/commerce/message/v1`, the Identity
    API's `/commerce/identity/v1/user/` and the OAuth `/identity/v1/oauth2/token`."""

    async def endpoint(request: Request) -> Response:
        with face.lock:
            fault = face.faults.pop(0) if face.faults else None
        if fault is not None:
            status, retry_after = fault
            headers = {"Retry-After": str(int(retry_after))} if retry_after else {}
            return JSONResponse(
                {"errors": [{"errorId": 0, "message": "injected fault"}]}, status, headers=headers
            )
        path = "/" + request.path_params["path"]
        decision_fault = None
        if request.method == "POST" and path.startswith("/post-order/"):
            decision_fault = face.cases.faults.take()  # the switch for decisions only
            if decision_fault is not None and not decision_fault.applied:
                await asyncio.sleep(decision_fault.delay)
                return JSONResponse(
                    {"error": [{"errorId": 0, "message": "injected fault"}]},
                    decision_fault.status,
                )
        raw = (await request.body()).decode("utf-8", errors="replace")
        body: object = None
        if raw:
            if request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                body = dict(parse_qsl(raw, keep_blank_values=True))
            else:
                try:
                    body = json.loads(raw)
                except ValueError:
                    return JSONResponse(
                        {
                            "errors": [
                                {
                                    "errorId": 2004,
                                    "domain": "ACCESS",
                                    "category": "REQUEST",
                                    "message": "Request body is not valid JSON",
                                }
                            ]
                        },
                        400,
                    )
        status, answer, headers = face.handle(
            request.method, path, dict(request.query_params), dict(request.headers), body
        )
        if decision_fault is not None:  # taken, and the answer lost on the way
            await asyncio.sleep(decision_fault.delay)
            return JSONResponse(
                {"error": [{"errorId": 0, "message": "injected fault"}]}, decision_fault.status
            )
        if answer is None:
            return Response(status_code=status)
        return JSONResponse(answer, status, headers=headers)

    return Starlette(
        routes=[
            Route("/oauth2/authorize", consent_endpoint(face), methods=["GET", "POST"]),
            Route("/{path:path}", endpoint, methods=["GET", "POST"]),
        ]
    )


def consent_endpoint(face: EbayFace) -> Callable[[Request], Awaitable[Response]]:
    """`/oauth2/authorize`: GET shows the consent page (or answers at once with
    `face.consent`); the page's buttons POST the decision with the same query."""

    async def consent(request: Request) -> Response:
        if request.method == "POST":
            form = {k: str(v) for k, v in (await request.form()).items()}
            decision = form.pop("decision", "deny")
            return face.authorize(form, "approve" if decision == "approve" else "deny")
        return face.authorize(dict(request.query_params), None)

    return consent
