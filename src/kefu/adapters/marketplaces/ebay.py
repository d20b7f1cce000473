"""eBay member messages over the REST Message API, `/commerce/message/v1` (issue 18).

Sources (docs/channels.md "eBay" lists what each says):

* eBay's OpenAPI document of the Message API, "M2M Public API Service" 1.0.0
  (developer.ebay.com/api-docs/master/commerce/message/openapi/3/commerce_message_v1_oas3.json;
  a copy of 2025-11-10: github.com/jdbhartley/ebay-mcp
  docs/sell-apps/communication/commerce_message_v1_oas3.json): paths `GET /conversation`
  (conversation_type FROM_EBAY | FROM_MEMBERS required; conversation_status, start_time,
  end_time — FROM_MEMBERS only —, other_party_username, reference_type/id; limit default
  25, max 50; offset zero-based, "synchronized up with the limit"), `GET
  /conversation/{conversation_id}`, `POST /update_conversation` (read, or conversationStatus
  ACTIVE | ARCHIVE | DELETE), `POST /bulk_update_conversation` (up to 10), `POST
  /send_message` (conversationId or otherPartyUsername, messageText ≤ 2000, messageMedia ≤ 5
  of IMAGE | PDF | DOC | TXT over HTTPS, `reference` = a LISTING, not a client reference);
  schemas ConversationDetail, MessageDetail, SendMessageResponse; `x-response-codes`
  355001–355022 (domain API_MESSAGE) and 335000; OAuth scope
  `https://api.ebay.com/oauth/api_scope/commerce.message`.
* The error envelope `{"errors": [{errorId, domain, category, message, longMessage,
  parameters}]}`: the same document's `Error` schema and eBay's "Handling errors" page
  (developer.ebay.com/api-docs/static/handling-error-messages.html). The common errors 1001
  "Invalid access token" (OAuth, HTTP 401) and 2001 "Too many requests." (ACCESS, HTTP 429)
  are not in the OpenAPI document; their bodies are as captured from live eBay answers in
  public test suites (⚠ not eBay's own page).
* No HTML in a body: Trading API MemberMessageType.Body ("HTML formatting is not allowed in
  the body of the message. If plain HTML is used, an error occurs"); the Message API
  documents no error id for it (⚠).
* Immutable user ids: eBay's "Data handling update" (developer.ebay.com/api-docs/static/
  data-handling-update.html): from 26 Sep 2025, for developers in affected jurisdictions
  (China among them), every username field of U.S. users carries the immutable user id.
  The Message API has no separate user id field, so the party's value is the key; the
  seller's own ids come from the Identity API `GET /commerce/identity/v1/user/` (userId,
  "the eBay immutable user ID … can always be used to identify the user", and username).
* OAuth refresh: `POST /identity/v1/oauth2/token` with grant_type=refresh_token, Basic
  client_id:client_secret (eBay's "Using a refresh token to update a User access token").

The Trading API's GetMemberMessages / AddMemberMessageRTQ / AddMemberMessageAAQToPartner
are the older route to the same messages; kefu does not build both (docs/channels.md).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from kefu.adapters.marketplaces.ebay_oauth import EbayOAuth
from kefu.adapters.marketplaces.metering import Meter
from kefu.domain.channel_limits import ChannelLimits
from kefu.domain.moments import parse_moment
from kefu.domain.oauth import needs_renewal
from kefu.services.ports import (
    CallBudget,
    CallLimiter,
    ChannelError,
    ConversationState,
    OutgoingReply,
    PulledPage,
    StateChange,
    TokenRefused,
    TokenSink,
)

API = "https://api.ebay.com"
MESSAGE_PATH = "/commerce/message/v1"
IDENTITY_PATH = "/commerce/identity/v1/user/"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
PLATFORM = "ebay"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

MEMBERS, EBAY = "FROM_MEMBERS", "FROM_EBAY"
PAGE_SIZE = 50  # "Default: 25, Maximum: 50" (getConversations, getConversation)
BULK_MAX = 10  # bulkUpdateConversation: "up to 10 conversations"
MEDIA_MAX = 5  # sendMessage: "Up to five individual forms of media"
TEXT_MAX = 2000  # messageText: "Max length: 2000 characters"
MESSAGE_PAGES = 40  # at most 2,000 messages of one conversation are read back
RATE_LIMIT_WAIT = 60.0  # seconds, when a 429 carries no Retry-After

# Call budgets as data (docs/channels.md "Rate limits"), shared by every worker through
# kefu.services.ports.CallLimiter. eBay's "API Call Limits" page gives REST APIs a daily
# quota per application (the Message API's default: 5,000 a day ⚠ recalled, raised by the
# Application Growth Check; the day starts at midnight Pacific time): a bucket of 5,000
# a day, at most 250 at once. The Trading API's AddMemberMessageAAQToPartner allows a
# seller 75 calls in 60 s, then blocks the seller for 100 s: evenly spaced, never more
# than 75 in any 60 s (kefu does not call it yet; the budget is here for when it does).
BUDGETS: Mapping[str, CallBudget] = {
    "message": CallBudget(calls=5000, seconds=86_400.0, burst=250),
    "trading_aaq": CallBudget(calls=75, seconds=60.0, burst=1),
}
TRADING_BLOCK_SECONDS = 100.0  # AAQ over budget: the seller is blocked this long


def budget_key(credentials: Credentials, store: str) -> str:
    """REST quotas count per application (client id); without one, per store."""
    return f"{PLATFORM}:message:{credentials.client_id or store}"


# Channel limits as data (issue 18 "Sync"); the policy gate reads them.
LIMITS: Mapping[str, object] = {
    "page_size": PAGE_SIZE,
    "bulk_update": BULK_MAX,
    "attachments": MEDIA_MAX,
    "attachment_types": ("IMAGE", "PDF", "DOC", "TXT"),
    "attachment_scheme": "https",
    "text_chars": TEXT_MAX,
    "plain_text": True,  # no HTML
    "marks": False,  # eBay has no colour labels nor a handled flag
}
MEDIA_TYPES: Mapping[str, str] = {
    "jpg": "IMAGE",
    "jpeg": "IMAGE",
    "png": "IMAGE",
    "gif": "IMAGE",
    "webp": "IMAGE",
    "pdf": "PDF",
    "doc": "DOC",
    "docx": "DOC",
    "txt": "TXT",
}
# What the policy gate checks before a reply is written (kefu.domain.channel_limits).
CHANNEL_LIMITS = ChannelLimits(
    text_chars=TEXT_MAX,
    attachments=MEDIA_MAX,
    attachment_types=frozenset(MEDIA_TYPES),
    https_only=True,
)
_HTML = re.compile(
    r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>|&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I
)
# Retryable eBay error ids: its own failures (335000 "Internal server error"; 10007 in the
# older APIs) and throttling (2001).
RETRYABLE_IDS = frozenset({335000, 10007, 2001})


def has_html(text: str) -> bool:
    """Whether a body holds HTML (a tag or an entity), which eBay does not take."""
    return bool(_HTML.search(text))


def iso(millis: int) -> str:
    """eBay's date format: ISO 8601 in UTC with milliseconds (2024-11-06T10:00:00.000Z)."""
    moment = datetime.fromtimestamp(millis // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def millis(value: object) -> int | None:
    """An eBay date (ISO 8601 with a zone) in milliseconds since the epoch."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _listed(container: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    value = container.get(name)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def latest_at(conversation: Mapping[str, Any]) -> int:
    """When a conversation last changed: its latest message, else its creation."""
    latest = conversation.get("latestMessage")
    when = millis(latest.get("createdDate")) if isinstance(latest, dict) else None
    return when or millis(conversation.get("createdDate")) or 0


def state_of(conversation: Mapping[str, Any]) -> ConversationState:
    """A ConversationDetail as kefu's conversation state: read from unreadCount, closed
    from conversationStatus ARCHIVE / ACTIVE (kept only where the owner lets a close
    archive: `EbayClient.state_fields`); eBay has no handled flag nor marks."""
    unread = conversation.get("unreadCount")
    status = conversation.get("conversationStatus")
    when = latest_at(conversation)
    return ConversationState(
        ref=str(conversation["conversationId"]),
        read=(int(unread) == 0)
        if isinstance(unread, int | str) and str(unread).isdigit()
        else None,
        closed={"ARCHIVE": True, "ACTIVE": False}.get(str(status)),
        updated_at=datetime.fromtimestamp(when / 1000, UTC) if when else None,
    )


def _media_urls(message: Mapping[str, Any]) -> list[str]:
    urls = []
    for media in _listed(message, "messageMedia"):
        url = media.get("mediaUrl")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            urls.append(url)
    return urls


def other_party(
    conversation: Mapping[str, Any], messages: Sequence[Mapping[str, Any]], seller: frozenset[str]
) -> str:
    """The member the shop talks with: the side of the messages that is not the seller."""
    candidates: list[Mapping[str, Any]] = list(messages)
    latest = conversation.get("latestMessage")
    if isinstance(latest, dict):
        candidates.append(latest)
    for message in candidates:
        for key in ("senderUsername", "recipientUsername"):
            value = message.get(key)
            if isinstance(value, str) and value.strip() and value not in seller:
                return value.strip()
    return "ebay"


def row_of(
    store: str,
    conversation: Mapping[str, Any],
    message: Mapping[str, Any],
    *,
    buyer: str,
    seller: frozenset[str],
) -> dict[str, Any]:
    """One MessageDetail of a conversation as a row of kefu's message format."""
    sent = millis(message.get("createdDate"))
    row: dict[str, Any] = {
        "store": store,
        "message_id": str(message["messageId"]),
        "conversation_id": str(conversation["conversationId"]),
        "buyer_id": buyer,
        "sent_at": iso(sent) if sent else None,
        "text": str(message.get("messageBody") or ""),
        "origin": "product_page" if conversation.get("referenceType") == "LISTING" else None,
    }
    if row["origin"] is None:
        del row["origin"]
    attachments = _media_urls(message)
    if attachments:
        row["attachments"] = attachments
    if conversation.get("conversationType") == EBAY:
        row["kind"] = "notice"
    elif str(message.get("senderUsername") or "") in seller:
        row["direction"] = "shop"
    return row


@dataclass
class Cursor:
    """Where a sync stands, handed to kefu as JSON and back.

    A pass first lists the buyers' conversations (FROM_MEMBERS) whose latest message is in
    [since, until], newest first, by lowering `end_time` to the oldest one seen (`upper`)
    instead of paging by offset, so a conversation that changes or is archived during the
    pass shifts nothing: it only leaves the window (newer than `until`) and the next pass
    lists it, reading its messages back to `floor` (the previous pass's `since`). Offset
    paging (`offset`) is used only inside one millisecond shared by more than a page, with
    `skip` holding those already taken at exactly `upper`. Then eBay's notices (FROM_EBAY,
    which take no time filter) are paged by offset, newest first, down to `since`, each
    read back to `floor`.
    """

    since: int
    floor: int
    until: int | None = None
    upper: int | None = None
    offset: int = 0
    skip: list[str] = field(default_factory=list)
    phase: str = "members"  # then "notices"

    def dump(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "since": self.since,
                "floor": self.floor,
                "until": self.until,
                "upper": self.upper,
                "offset": self.offset,
                "skip": self.skip,
                "phase": self.phase,
            },
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, text: str | None, since: datetime) -> Cursor:
        start = int(since.timestamp() * 1000)
        if not text:
            return cls(since=start, floor=start)
        try:
            data = json.loads(text)
            phase = str(data.get("phase", "members"))
            if phase not in ("members", "notices"):
                raise ValueError(phase)
            return cls(
                since=int(data["since"]),
                floor=int(data["floor"]),
                until=None if data.get("until") is None else int(data["until"]),
                upper=None if data.get("upper") is None else int(data["upper"]),
                offset=int(data.get("offset", 0)),
                skip=[str(ref) for ref in data.get("skip", [])],
                phase=phase,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ChannelError(
                "the stored eBay sync position is unreadable; reconnect the store",
                retryable=False,
            ) from exc


@dataclass(frozen=True)
class Credentials:
    access_token: str
    refresh_token: str = ""
    client_id: str = ""
    client_secret: str = ""
    marketplace_id: str = ""  # kept for the order APIs; the Message API takes no such header
    seller_username: str = ""  # the seller's username or user id; else asked of Identity


def identity_base(base_url: str) -> str:
    """The Identity API lives on `apiz.` beside `api.` (api.ebay.com → apiz.ebay.com)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host.startswith("api."):
        netloc = parts.netloc.replace(host, "apiz." + host.removeprefix("api."), 1)
        return urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")
    return base_url.rstrip("/")


class EbayClient:
    """A store's eBay connection (kefu.services.ports.MarketplaceClient)."""

    def __init__(
        self,
        store: str,
        credentials: Credentials,
        *,
        base_url: str = API,
        client: httpx.Client | None = None,
        page_size: int = PAGE_SIZE,
        archive_when_handled: bool = False,
        expires_at: datetime | None = None,
        on_tokens: TokenSink | None = None,
        clock: Callable[[], float] = time.time,
        limiter: CallLimiter | None = None,
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.page_size = page_size
        self.archive_when_handled = archive_when_handled
        self.meter = Meter(limiter)
        self.access_token = credentials.access_token
        self.expires_at = expires_at  # renewed ahead of time when known
        self.on_tokens = on_tokens  # told each renewed grant, to store it sealed
        self.clock = clock
        self.calls = 0
        self._seller: frozenset[str] | None = (
            frozenset({credentials.seller_username}) if credentials.seller_username else None
        )
        self._types: dict[str, str] = {}  # conversation id -> FROM_MEMBERS | FROM_EBAY

    @property
    def state_fields(self) -> frozenset[str]:
        """Read state both ways; closed ↔ ARCHIVE too when the owner lets a close archive
        (ports.StateFields)."""
        return frozenset({"read", "closed"} if self.archive_when_handled else {"read"})

    @classmethod
    def from_credentials(
        cls, base_url: str, values: Mapping[str, str], **options: Any
    ) -> EbayClient:
        """From a store connection's opened credentials (kefu.services.ports
        MarketplaceFactory): store, access_token, expires_at (ISO 8601); refresh_token,
        client_id, client_secret (to renew the token), marketplace_id, seller_username;
        archive_when_handled ("true": a conversation closed in kefu is archived on eBay)."""
        missing = [k for k in ("store", "access_token") if not values.get(k)]
        if missing:
            raise ChannelError(f"the eBay connection lacks {', '.join(missing)}", retryable=False)
        credentials = Credentials(
            access_token=values["access_token"],
            refresh_token=values.get("refresh_token", ""),
            client_id=values.get("client_id", ""),
            client_secret=values.get("client_secret", ""),
            marketplace_id=values.get("marketplace_id", ""),
            seller_username=values.get("seller_username", ""),
        )
        # The owner's choice, kept with the connection: closing in kefu archives on eBay.
        archive = values.get("archive_when_handled", "").strip().lower() in ("1", "true", "yes")
        options.setdefault("archive_when_handled", archive)
        return cls(
            values["store"],
            credentials,
            base_url=base_url or API,
            expires_at=parse_moment(values.get("expires_at")),
            **options,
        )

    def close(self) -> None:
        self.client.close()

    # HTTP

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        body: object = None,
        base: str | None = None,
    ) -> dict[str, Any]:
        """One call with the bearer token (renewed once on 401 when a refresh token is
        held); the answer's JSON object ({} for 204)."""
        url = (base or self.base_url + MESSAGE_PATH) + path
        key = budget_key(self.credentials, self.store)
        self.meter.take(key, BUDGETS["message"])
        renewed = self.fresh_token()
        response = self._send(method, url, params, body)
        if response.status_code == 401 and self._can_refresh() and not renewed:
            self.refresh()
            self.meter.take(key, BUDGETS["message"])
            response = self._send(method, url, params, body)
        try:
            return _answer(f"{method} {path}", response)
        except ChannelError as exc:
            self.meter.refused(key, exc)
            raise

    def fresh_token(self) -> bool:
        """Renew the access token first when it is near its end (and a refresh token is
        held); whether it was renewed. The Trading API's calls take the same token."""
        if self._can_refresh() and needs_renewal(self.expires_at, self._now()):
            self.refresh()
            return True
        return False

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _send(
        self, method: str, url: str, params: Mapping[str, object] | None, body: object
    ) -> httpx.Response:
        self.calls += 1
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        headers = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"}
        try:
            if body is None:
                return self.client.request(method, url, params=query, headers=headers)
            return self.client.request(method, url, params=query, headers=headers, json=body)
        except httpx.TimeoutException as exc:
            raise ChannelError(f"eBay did not answer {method} {url} in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"eBay unreachable: {exc.__class__.__name__}") from exc

    def _can_refresh(self) -> bool:
        c = self.credentials
        return bool(c.refresh_token and c.client_id and c.client_secret)

    def refresh(self) -> None:
        """A new user access token from the refresh token (eBay's OAuth, ebay_oauth.py),
        used by this client and handed to `on_tokens` to be stored for the next run."""
        c = self.credentials
        oauth = EbayOAuth(
            c.client_id,
            c.client_secret,
            base_url=self.base_url,
            client=self.client,
            clock=self.clock,
        )
        self.calls += 1
        grant = oauth.refresh(c.refresh_token)
        self.access_token, self.expires_at = grant.access_token, grant.expires_at
        if self.on_tokens is not None:
            self.on_tokens(grant)

    # The seller

    def seller(self) -> frozenset[str]:
        """The shop's own ids as messages show them: the given username, else the
        Identity API's userId and username (one call, remembered)."""
        if self._seller is None:
            user = self.request("GET", IDENTITY_PATH, base=identity_base(self.base_url))
            ids = {str(user[k]) for k in ("userId", "username") if user.get(k)}
            if not ids:
                raise ChannelError(
                    "eBay's Identity API did not say who the seller is; give seller_username",
                    retryable=False,
                )
            self._seller = frozenset(ids)
        return self._seller

    # Pull

    def conversations(
        self,
        kind: str,
        *,
        offset: int = 0,
        start: int | None = None,
        end: int | None = None,
        **filters: object,
    ) -> list[dict[str, Any]]:
        params: dict[str, object] = {
            "conversation_type": kind,
            "limit": self.page_size,
            "offset": offset,
            "start_time": iso(start) if start is not None else None,
            "end_time": iso(end) if end is not None else None,
            **filters,
        }
        found = _listed(self.request("GET", "/conversation", params=params), "conversations")
        for conversation in found:
            self._types[str(conversation["conversationId"])] = kind
        return found

    def messages(self, conversation_id: str, kind: str = MEMBERS) -> Iterator[dict[str, Any]]:
        """A conversation's messages, page by page (at most MESSAGE_PAGES pages)."""
        for page in range(MESSAGE_PAGES):
            answer = self.request(
                "GET",
                f"/conversation/{conversation_id}",
                params={
                    "conversation_type": kind,
                    "limit": self.page_size,
                    "offset": page * self.page_size,
                },
            )
            batch = _listed(answer, "messages")
            yield from batch
            total = answer.get("total")
            seen = (page + 1) * self.page_size
            if len(batch) < self.page_size or (isinstance(total, int) and seen >= total):
                return

    def _rows(
        self, conversation: Mapping[str, Any], kind: str, floor: int
    ) -> list[dict[str, object]]:
        seller = self.seller() if kind == MEMBERS else frozenset()
        ref = str(conversation["conversationId"])
        found = [
            m for m in self.messages(ref, kind) if (millis(m.get("createdDate")) or 0) >= floor
        ]
        buyer = other_party(conversation, found, seller) if kind == MEMBERS else _sender(found)
        return [row_of(self.store, conversation, m, buyer=buyer, seller=seller) for m in found]

    def pull(self, cursor: str | None, since: datetime) -> PulledPage:
        position = Cursor.load(cursor, since)
        if position.phase == "notices":
            return self._pull_notices(position)
        start = position.since
        if position.upper is not None and position.upper <= start:
            start = position.upper - 1  # eBay wants start_time < end_time
        listed = self.conversations(
            MEMBERS, offset=position.offset, start=start, end=position.upper
        )
        if position.until is None:  # a new pass: its end is the newest change listed now
            position.until = max([latest_at(c) for c in listed] + [position.since])
            position.upper = position.until
        fresh = [c for c in listed if latest_at(c) >= position.since and not _taken(c, position)]
        rows: list[dict[str, object]] = []
        for conversation in fresh:
            rows.extend(self._rows(conversation, MEMBERS, position.floor))
        rows.sort(key=lambda r: str(r["sent_at"]))
        states = [state_of(c) for c in fresh]
        following = _advance(position, listed, len(listed) < self.page_size)
        return PulledPage(rows=rows, states=states, cursor=following.dump(), done=False)

    def _pull_notices(self, position: Cursor) -> PulledPage:
        listed = self.conversations(EBAY, offset=position.offset)
        recent = [c for c in listed if latest_at(c) >= position.since]
        rows: list[dict[str, object]] = []
        for conversation in recent:
            rows.extend(self._rows(conversation, EBAY, position.floor))
        rows.sort(key=lambda r: str(r["sent_at"]))
        # Newest first (⚠ the order eBay's own site shows; not stated in the API): once one
        # is older than the floor, the rest are too.
        done = len(listed) < self.page_size or len(recent) < len(listed)
        if done:
            assert position.until is not None  # noqa: S101 - set when the pass began
            following = Cursor(since=position.until, floor=position.since)
        else:
            following = Cursor(
                position.since,
                position.floor,
                position.until,
                position.upper,
                position.offset + self.page_size,
                [],
                "notices",
            )
        return PulledPage(rows=rows, states=[], cursor=following.dump(), done=done)

    def recent_states(self, limit: int) -> list[ConversationState]:
        """The read states of the `limit` most recently active buyer conversations (eBay has
        no marks nor a handled flag: those stay unknown)."""
        states: list[ConversationState] = []
        offset = 0
        while len(states) < limit:
            batch = self.conversations(MEMBERS, offset=offset)
            states.extend(state_of(c) for c in batch)
            if len(batch) < self.page_size:
                break
            offset += self.page_size
        return states[:limit]

    # Send

    def sent_already(self, conversation_id: str, text: str) -> str | None:
        """Our message with this text after the buyer's last message, if the thread has one."""
        seller = self.seller()
        listed = self.messages(conversation_id, self._types.get(conversation_id, MEMBERS))
        # Newest first; messages of the same millisecond keep the API's order, reversed.
        thread = sorted(
            enumerate(listed), key=lambda n: (millis(n[1].get("createdDate")) or 0, n[0])
        )
        for _, message in reversed(thread):
            if str(message.get("senderUsername") or "") not in seller:
                return None
            if str(message.get("messageBody") or "").strip() == text.strip():
                return str(message["messageId"])
        return None

    def send(self, reply: OutgoingReply) -> str:
        media = check_reply(reply.text, reply.attachments)
        if reply.attempts > 0:
            # The Message API takes no client reference (its `reference` names a listing),
            # so a retry first looks at the thread.
            earlier = self.sent_already(reply.conversation_ref, reply.text)
            if earlier is not None:
                return earlier
        body: dict[str, object] = {
            "conversationId": reply.conversation_ref,
            "messageText": reply.text,
        }
        if media:
            body["messageMedia"] = media
        answer = self.request("POST", "/send_message", body=body)
        if not answer.get("messageId"):
            raise ChannelError("eBay took the message but gave no messageId")
        return str(answer["messageId"])

    # Push

    def _kind(self, change: StateChange) -> str:
        """eBay wants the conversation's type with every update: a notice's is FROM_EBAY."""
        return EBAY if change.notice else self._types.get(change.ref, MEMBERS)

    def push(self, change: StateChange) -> None:
        """Read/unread with updateConversation. A person's close archives (ARCHIVE; ACTIVE
        again when reopened), only with `archive_when_handled`: an answer alone (`handled`)
        never archives (an archived conversation leaves the seller's eBay inbox while the
        buyer may still write). eBay has no colour marks (not pushed)."""
        if change.read is not None:
            body = {
                "conversationId": change.ref,
                "conversationType": self._kind(change),
                "read": change.read,
            }
            self.request("POST", "/update_conversation", body=body)
        if self.archive_when_handled and change.closed is not None:
            status = "ARCHIVE" if change.closed else "ACTIVE"
            body = {
                "conversationId": change.ref,
                "conversationType": self._kind(change),
                "conversationStatus": status,
            }
            self.request("POST", "/update_conversation", body=body)

    def push_many(self, changes: Sequence[StateChange]) -> list[str]:
        """Read states of many conversations, 10 a call (bulkUpdateConversation READ /
        UNREAD); the refs eBay did not update."""
        wanted = [c for c in changes if c.read is not None]
        failed: list[str] = []
        for start in range(0, len(wanted), BULK_MAX):
            chunk = wanted[start : start + BULK_MAX]
            body = {
                "conversations": [
                    {
                        "conversationId": c.ref,
                        "conversationType": self._kind(c),
                        "conversationStatus": "READ" if c.read else "UNREAD",
                    }
                    for c in chunk
                ]
            }
            answer = self.request("POST", "/bulk_update_conversation", body=body)
            for result in _listed(answer, "conversationsResponse"):
                if str(result.get("updateStatus", "")).upper() not in ("SUCCESS", "SUCCESSFUL"):
                    failed.append(str(result.get("conversationId")))
        return failed


def check_reply(text: str, attachments: Sequence[str]) -> list[dict[str, str]]:
    """What eBay would refuse, refused before the call (not retryable, in words); the
    messageMedia of the attachments."""
    if not text.strip() and not attachments:
        raise ChannelError("an eBay message needs text or an attachment", retryable=False)
    if len(text) > TEXT_MAX:
        raise ChannelError(
            f"eBay takes at most {TEXT_MAX} characters a message ({len(text)})", retryable=False
        )
    if has_html(text):
        raise ChannelError("eBay takes no HTML in a message: send plain text", retryable=False)
    if len(attachments) > MEDIA_MAX:
        raise ChannelError(
            f"eBay takes at most {MEDIA_MAX} attachments a message ({len(attachments)})",
            retryable=False,
        )
    media = []
    for url in attachments:
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "attachment"
        kind = MEDIA_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
        if not url.startswith("https://") or kind is None:
            raise ChannelError(
                f"eBay takes only https links to images, PDF, DOC or TXT files, not {url[:80]}",
                retryable=False,
            )
        media.append({"mediaName": name[:100], "mediaType": kind, "mediaUrl": url})
    return media


def _sender(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in messages:
        value = message.get("senderUsername")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "ebay"


def _taken(conversation: Mapping[str, Any], position: Cursor) -> bool:
    return (
        latest_at(conversation) == position.upper
        and str(conversation["conversationId"]) in position.skip
    )


def _advance(position: Cursor, listed: list[dict[str, Any]], done: bool) -> Cursor:
    if done:  # the buyers' part is over: eBay's notices next, from the first page
        return Cursor(
            position.since, position.floor, position.until, position.upper, 0, [], "notices"
        )
    oldest = min(latest_at(c) for c in listed)
    at_oldest = [str(c["conversationId"]) for c in listed if latest_at(c) == oldest]
    if oldest == position.upper:  # a whole page of one millisecond: page within it
        skip = sorted(set(position.skip) | set(at_oldest))
        return Cursor(
            position.since,
            position.floor,
            position.until,
            oldest,
            position.offset + len(listed),
            skip,
        )
    return Cursor(position.since, position.floor, position.until, oldest, 0, sorted(at_oldest))


def _answer(call: str, response: httpx.Response) -> dict[str, Any]:
    if response.status_code in (200, 201, 204) and not response.content:
        return {}
    try:
        body = response.json() if response.content else {}
    except ValueError:
        body = None
    if response.status_code in (200, 201):
        if not isinstance(body, dict):
            raise ChannelError(f"eBay answered {call} with something not a JSON object")
        return body
    raise refusal(call, response.status_code, body, response.headers.get("retry-after"))


def refusal(call: str, status: int, body: object, retry_after: str | None) -> ChannelError:
    """An eBay error answer as a ChannelError that says why, in eBay's words."""
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    error_id = first.get("errorId")
    parts = [str(first[k]) for k in ("message", "longMessage") if first.get(k)]
    words = " ".join(dict.fromkeys(parts)) or "no reason given"
    detail = f"HTTP {status}" + (f", error {error_id}" if error_id is not None else "")
    if status == 429 or error_id == 2001:
        wait = _seconds(retry_after)
        return ChannelError(
            f"eBay rate limit on {call}: {words} ({detail})",
            retry_after=wait if wait is not None else RATE_LIMIT_WAIT,
        )
    if status == 401:
        return TokenRefused(
            f"eBay refused the access token on {call}: {words} ({detail}); reconnect needed"
        )
    if status == 403:
        return TokenRefused(
            f"eBay forbade {call}: {words} ({detail}); the token may lack the "
            "commerce.message scope: reconnect needed"
        )
    retryable = status >= 500 or error_id in RETRYABLE_IDS
    return ChannelError(f"eBay refused {call}: {words} ({detail})", retryable=retryable)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
