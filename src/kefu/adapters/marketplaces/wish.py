"""Wish customer tickets over the merchant API v3 (issue 18).

Sources (docs/channels.md "Wish" lists them with what each says):

* Wish Marketplace V3 OpenAPI 3.0.65, harvested from merchant.wish.com/api/openapi_spec/get
  (copy: github.com/api-evangelist/wish `openapi/wish-tickets-api-openapi.yml`):
  `GET /api/v3/tickets` (types ORDER / PRE_PURCHASE / POST_CUSTOMER_SUPPORT, states
  AWAITING_WISH / AWAITING_USER / AWAITING_MERCHANT / CLOSED / PERMANENTLY_CLOSED, `limit`
  1–500 default 50, `sort_by=updated_at.asc|desc`, `updated_at_min` / `updated_at_max`),
  `GET` / `PUT /api/v3/tickets/{id}` (state CLOSED closes, AWAITING_WISH appeals to Wish,
  AWAITING_MERCHANT re-opens a CLOSED ticket; PERMANENTLY_CLOSED never re-opens),
  `POST /api/v3/tickets/{id}/replies` `{"message"}` (≤ 2,000 characters, "only … in the
  AWAITING_MERCHANT state"); the Ticket, Reply and APIError schemas; every answer is
  `{"message", "code", "data"}` with code 0 on success; "Pagination" pages by moving
  `{attribute}_min` / `_max` (inclusive), there is no offset; "Rate-Limiting": 429 with
  `Wish-Rate-Limit-Reset`; dates `YYYY-MM-DDTHH:mm:ss.sssZ`.
* OAuth: `openapi/wish-oauth-api-openapi.yml` of the same copy (`GET
  /api/v3/oauth/refresh_token` with client_id, client_secret, refresh_token,
  grant_type=refresh_token; codes 1006 no token / unknown app, 1007 expired, 1008 revoked,
  1002 account disabled); `errors/wish-problem-types.yml` (401 `{"message": "Missing access
  token in authorization header", "code": 1012, "data": {}}`, observed live).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kefu.adapters.marketplaces.metering import Meter
from kefu.adapters.marketplaces.wish_oauth import WishOAuth
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

API = "https://merchant.wish.com"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
PLATFORM = "wish"

PAGE_SIZE = 500  # "Limit can range from 1 to 500 items and the default is 50"
MAX_REPLY_CHARS = 2000  # ReplyTicket.message: "with a max of 2000 characters"
STATES = ("AWAITING_WISH", "AWAITING_USER", "AWAITING_MERCHANT", "CLOSED", "PERMANENTLY_CLOSED")
TYPES = ("ORDER", "PRE_PURCHASE", "POST_CUSTOMER_SUPPORT")
SENDERS = ("USER", "MERCHANT", "WISH_SUPPORT", "WISH_AUTOMATED_SUPPORT", "LIVE_CHAT")
# Wish's own side of a ticket: its lines are notices in kefu, never waiting work.
WISH_SENDERS = frozenset({"WISH_SUPPORT", "WISH_AUTOMATED_SUPPORT", "LIVE_CHAT"})
CLOSED_STATES = frozenset({"CLOSED", "PERMANENTLY_CLOSED"})
# The token is refused: kefu cannot go on without the owner connecting the store again.
TOKEN_CODES = frozenset({1002, 1006, 1007, 1008, 1012})

# Call budgets as data (docs/channels.md "Rate limits"), shared by every worker through
# kefu.services.ports.CallLimiter. The V3 spec's "Rate-Limiting" says only that a client
# over its limit gets 429 with `Wish-Rate-Limit-Reset`, not the figure: 5 calls a second
# per merchant, evenly spaced, is kefu's own ⚠; a 429 pauses the key until the reset.
BUDGETS: Mapping[str, CallBudget] = {"merchant": CallBudget(calls=5, seconds=1.0, burst=1)}


def budget_key(store: str) -> str:
    """Wish counts per merchant account: a store is one."""
    return f"{PLATFORM}:merchant:{store}"


# Channel limits as data (issue 18 "Sync"): what a ticket reply takes.
LIMITS: Mapping[str, object] = {
    "page_size": PAGE_SIZE,
    "reply_chars": MAX_REPLY_CHARS,
    "format": "markdown text (kefu sends plain text)",
    "attachments": "none: a reply is only a message",
    "reply_only_when": "AWAITING_MERCHANT",
    "supporting_file_links_expire_minutes": 60,
}
# What the policy gate checks before a reply is written (kefu.domain.channel_limits): a
# reply is only a message.
CHANNEL_LIMITS = ChannelLimits(text_chars=MAX_REPLY_CHARS, attachments=0)


def iso(moment: datetime) -> str:
    """Wish's date format: `YYYY-MM-DDTHH:mm:ss.sssZ` in UTC."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def reply_id(ticket_id: str, reply: Mapping[str, Any]) -> str:
    """Replies carry no id: ours is the ticket id and a digest of when, who and what, so
    the answer to our POST and the reply read back later give the same id."""
    when = parse_moment(reply.get("replied_at"))
    key = "|".join(
        (iso(when) if when else "", _text(reply.get("sender")), _text(reply.get("message")))
    )
    return f"{ticket_id}.{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _ids(values: object) -> list[str]:
    if not isinstance(values, list):
        return []
    return [_text(v.get("id")) for v in values if isinstance(v, dict) and _text(v.get("id"))]


def order_number(ticket: Mapping[str, Any]) -> str | None:
    """The order the ticket is about: `orders[0].id` (v3); v2's `items[].Order.order_id`."""
    orders = _ids(ticket.get("orders"))
    if orders:
        return orders[0]
    for item in ticket.get("items") or []:
        order = item.get("Order") if isinstance(item, dict) else None
        if isinstance(order, dict) and _text(order.get("order_id")):
            return _text(order["order_id"])
    return None


def _buyer(ticket: Mapping[str, Any]) -> dict[str, Any]:
    info = ticket.get("buyer_info") or ticket.get("UserInfo") or {}
    return info if isinstance(info, dict) else {}


def buyer_id(ticket: Mapping[str, Any]) -> str:
    """v3's buyer_info has a name and a locale but no id (v2's UserInfo had one): without
    it the buyer is keyed on the ticket's order, else on the ticket."""
    given = _text(_buyer(ticket).get("id") or _buyer(ticket).get("user_id"))
    if given:
        return given
    order = order_number(ticket)
    return f"order-{order}" if order else f"ticket-{_text(ticket.get('id'))}"


def _language(locale: object) -> str | None:
    text = _text(locale).replace("_", "-")
    parts = text.split("-")
    if not text or not parts[0].isalpha() or not 2 <= len(parts[0]) <= 3:
        return None
    return text if all(p.isalnum() and 2 <= len(p) <= 8 for p in parts[1:]) else parts[0]


def handled(state: str) -> bool:
    """Handled in kefu's words: the ticket does not wait for the merchant."""
    return state != "AWAITING_MERCHANT"


def state_of(ticket: Mapping[str, Any]) -> ConversationState:
    """A ticket as kefu's conversation state. Wish has no read state, marks or owners."""
    return ConversationState(
        ref=_text(ticket["id"]),
        handled=handled(_text(ticket.get("state"))),
        closed=_text(ticket.get("state")) in CLOSED_STATES,
        updated_at=parse_moment(ticket.get("updated_at")),
    )


def opening(ticket: Mapping[str, Any]) -> str:
    """What the ticket is about, as the agent must see it (SPEC §2: the affected products,
    the order details, the items the buyer raised)."""
    parts = [f"Wish ticket: {_text(ticket.get('subject')) or '(no subject)'}"]
    kind = " / ".join(
        _text(ticket.get(k)) for k in ("type", "sub_label", "label", "sublabel") if ticket.get(k)
    )
    if kind:
        parts.append(f"type: {kind}")
    if ticket.get("refund_reason"):
        parts.append(f"refund reason: {_text(ticket['refund_reason'])}")
    order = order_number(ticket)
    orders = _ids(ticket.get("orders")) or ([order] if order else [])
    if orders:
        parts.append("orders: " + ", ".join(o for o in orders if o))
    products = _ids(ticket.get("products"))
    for item in ticket.get("items") or []:  # v2: items[].Order.product_id
        order = item.get("Order") if isinstance(item, dict) else None
        if isinstance(order, dict) and _text(order.get("product_id")):
            products.append(_text(order["product_id"]))
    if products:
        parts.append("products: " + ", ".join(dict.fromkeys(products)))
    return "\n".join(parts)


def rows_of(store: str, ticket: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A ticket's opening (a notice naming what it is about) and each reply, as rows of
    kefu's message format, oldest first."""
    ticket_id = _text(ticket["id"])
    info = _buyer(ticket)
    base: dict[str, Any] = {
        "store": store,
        "conversation_id": ticket_id,
        "buyer_id": buyer_id(ticket),
        "origin": "customer_issue",
    }
    if _text(info.get("name")):
        base["buyer_name"] = _text(info["name"])
    language = _language(info.get("locale"))
    if language:
        base["buyer_language"] = language
    order = order_number(ticket)
    if order:
        base["order_number"] = order
    opened = parse_moment(ticket.get("opened_at") or ticket.get("open_date"))
    rows: list[dict[str, Any]] = []
    if opened is not None:
        rows.append(
            {
                **base,
                "message_id": f"{ticket_id}.opened",
                "sent_at": iso(opened),
                "text": opening(ticket),
                "kind": "notice",
            }
        )
    for reply in ticket.get("replies") or []:
        if not isinstance(reply, dict):
            continue
        sent = parse_moment(reply.get("replied_at"))
        row = {
            **base,
            "message_id": reply_id(ticket_id, reply),
            "sent_at": iso(sent) if sent else None,
            "text": _text(reply.get("message")),
        }
        files = [
            f["url"]
            for f in reply.get("supporting_files") or []
            if isinstance(f, dict) and _text(f.get("url")).startswith(("http://", "https://"))
        ]
        if files:
            row["attachments"] = files
        sender = _text(reply.get("sender")).upper()
        if sender in WISH_SENDERS:
            row["kind"] = "notice"
        elif sender == "MERCHANT":
            row["direction"] = "shop"
        rows.append(row)
    return rows


@dataclass
class Cursor:
    """Where a sync stands, handed to kefu as JSON and back.

    Tickets are listed oldest change first from `since` (`updated_at_min`, inclusive);
    `skip` holds the tickets already taken whose change is exactly at `since`, so the next
    page starts after them and nothing is read twice or skipped. A crash before kefu
    stores the cursor re-reads the same page (ingestion is idempotent on message ids).
    `limit` grows to 500 when a whole page shares one instant.
    """

    since: str
    skip: list[str] = field(default_factory=list)
    limit: int = 0  # 0: the client's page size

    def dump(self) -> str:
        return json.dumps(
            {"v": 1, "since": self.since, "skip": self.skip, "limit": self.limit},
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, text: str | None, since: datetime) -> Cursor:
        if not text:
            return cls(since=iso(since))
        try:
            data = json.loads(text)
            start = str(data["since"])
            if parse_moment(start) is None:
                raise ValueError(start)
            return cls(
                since=start,
                skip=[str(ref) for ref in data.get("skip", [])],
                limit=int(data.get("limit", 0)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ChannelError(
                "the stored Wish sync position is unreadable; reconnect the store",
                retryable=False,
            ) from exc


@dataclass
class Credentials:
    access_token: str
    refresh_token: str = ""
    client_id: str = ""
    client_secret: str = ""

    def can_refresh(self) -> bool:
        return bool(self.refresh_token and self.client_id and self.client_secret)


class WishClient:
    """A store's Wish connection (kefu.services.ports.MarketplaceClient)."""

    # A ticket's state is kefu's handled and closed; Wish has no read state nor marks.
    # Handled is only pulled: Wish moves the ticket itself when a reply posts.
    state_fields = frozenset({"handled", "closed"})
    pushed_fields = frozenset({"closed"})

    def __init__(
        self,
        store: str,
        credentials: Credentials,
        *,
        base_url: str = API,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        page_size: int = PAGE_SIZE,
        expires_at: datetime | None = None,
        on_tokens: TokenSink | None = None,
        limiter: CallLimiter | None = None,
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError("a Wish page holds 1–500 tickets")
        self.store = store
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.clock = clock
        self.page_size = page_size
        self.expires_at = expires_at  # renewed ahead of time when known
        self.on_tokens = on_tokens  # told each renewed grant, to store it sealed
        self.meter = Meter(limiter)
        self.calls = 0

    @classmethod
    def from_credentials(
        cls, base_url: str, values: Mapping[str, str], **options: Any
    ) -> WishClient:
        """From a store connection's opened credentials (kefu.services.ports
        MarketplaceFactory): store, access_token; optional expires_at (ISO 8601),
        refresh_token, client_id, client_secret (all three to refresh an expired token)."""
        missing = [k for k in ("store", "access_token") if not values.get(k)]
        if missing:
            raise ChannelError(f"the Wish connection lacks {', '.join(missing)}", retryable=False)
        credentials = Credentials(
            values["access_token"],
            values.get("refresh_token", ""),
            values.get("client_id", ""),
            values.get("client_secret", ""),
        )
        expires = parse_moment(values.get("expires_at"))
        return cls(
            values["store"], credentials, base_url=base_url or API, expires_at=expires, **options
        )

    def close(self) -> None:
        self.client.close()

    # HTTP

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | list[str]] | None = None,
        body: Mapping[str, object] | None = None,
        refreshed: bool = False,
    ) -> Any:
        """One API call; its `data`. A refused token is refreshed once when kefu holds a
        refresh token and the app's keys."""
        if (
            not refreshed
            and self.credentials.can_refresh()
            and needs_renewal(self.expires_at, datetime.fromtimestamp(self.clock(), UTC))
        ):
            self.refresh()
            refreshed = True
        self.calls += 1
        what = f"{method} {path}"
        key = budget_key(self.store)
        self.meter.take(key, BUDGETS["merchant"])
        try:
            response = self.client.request(
                method,
                f"{self.base_url}{path}",
                params=dict(params or {}),
                json=dict(body) if body is not None else None,
                headers={"Authorization": f"Bearer {self.credentials.access_token}"},
            )
        except httpx.TimeoutException as exc:
            raise ChannelError(f"Wish did not answer {what} in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"Wish unreachable: {exc.__class__.__name__}") from exc
        try:
            return _data(what, response, self.clock)
        except ChannelError as exc:
            self.meter.refused(key, exc)
            raise
        except _TokenRefused as refused:
            if refused.code == 1007 and not refreshed and self.credentials.can_refresh():
                self.refresh()
                return self.call(method, path, params=params, body=body, refreshed=True)
            raise TokenRefused(
                f"Wish refused the access token for {what}: {refused.words} (code "
                f"{refused.code}); reconnect needed"
            ) from None

    def refresh(self) -> None:
        """`GET /api/v3/oauth/refresh_token` (wish_oauth.py): new tokens — Wish revokes the
        old access token and may rotate the refresh token —, used by this client and handed
        to `on_tokens` to be stored for the next run."""
        c = self.credentials
        self.calls += 1
        oauth = WishOAuth(c.client_id, c.client_secret, base_url=self.base_url, client=self.client)
        grant = oauth.refresh(c.refresh_token)
        c.access_token = grant.access_token
        c.refresh_token = grant.refresh_token or c.refresh_token
        self.expires_at = grant.expires_at
        if self.on_tokens is not None:
            self.on_tokens(grant)

    # Tickets

    def tickets(
        self,
        *,
        updated_at_min: str | None = None,
        updated_at_max: str | None = None,
        limit: int | None = None,
        states: tuple[str, ...] = (),
        types: tuple[str, ...] = (),
    ) -> list[dict[str, Any]]:
        """`GET /api/v3/tickets`, oldest change first."""
        params: dict[str, str | int | list[str]] = {
            "limit": limit or self.page_size,
            "sort_by": "updated_at.asc",
        }
        if updated_at_min:
            params["updated_at_min"] = updated_at_min
        if updated_at_max:
            params["updated_at_max"] = updated_at_max
        if states:
            params["states"] = list(states)  # form style, exploded: states=A&states=B
        if types:
            params["types"] = list(types)
        data = self.call("GET", "/api/v3/tickets", params=params)
        if not isinstance(data, list):
            raise ChannelError("Wish answered the ticket list without a list")
        return [t for t in data if isinstance(t, dict) and t.get("id")]

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        data = self.call("GET", f"/api/v3/tickets/{ticket_id}")
        if not isinstance(data, dict) or not data.get("id"):
            raise ChannelError(f"Wish answered ticket {ticket_id} without a ticket")
        return data

    def update(self, ticket_id: str, state: str) -> dict[str, Any]:
        """`PUT /api/v3/tickets/{id}`: CLOSED, AWAITING_WISH (appeal) or AWAITING_MERCHANT
        (re-open a CLOSED ticket)."""
        data = self.call("PUT", f"/api/v3/tickets/{ticket_id}", body={"state": state})
        return data if isinstance(data, dict) else {}

    def appeal(self, ticket_id: str) -> None:
        """Ask Wish support to step in (SPEC §2: "ask platform support for help")."""
        self.update(ticket_id, "AWAITING_WISH")

    # MarketplaceClient

    def pull(self, cursor: str | None, since: datetime) -> PulledPage:
        position = Cursor.load(cursor, since)
        limit = position.limit or self.page_size
        listed = self.tickets(updated_at_min=position.since, limit=limit)
        fresh = [t for t in listed if not _taken(t, position)]
        rows: list[dict[str, object]] = []
        for ticket in fresh:
            rows.extend(rows_of(self.store, ticket))
        states = [state_of(t) for t in fresh]
        done = len(listed) < limit
        return PulledPage(
            rows=rows, states=states, cursor=_advance(position, listed, limit).dump(), done=done
        )

    def recent_states(self, limit: int) -> list[ConversationState]:
        """The states of the `limit` most recently changed tickets (newest first)."""
        params: dict[str, str | int | list[str]] = {
            "limit": max(1, min(limit, PAGE_SIZE)),
            "sort_by": "updated_at.desc",
        }
        data = self.call("GET", "/api/v3/tickets", params=params)
        listed = data if isinstance(data, list) else []
        return [state_of(t) for t in listed if isinstance(t, dict) and t.get("id")]

    def sent_already(self, ticket: Mapping[str, Any], text: str) -> str | None:
        """Our reply with this text after the buyer's last reply, if the ticket has one."""
        for reply in reversed(ticket.get("replies") or []):
            sender = _text(reply.get("sender")).upper()
            if sender == "USER":
                return None
            if sender == "MERCHANT" and _text(reply.get("message")) == text.strip():
                return reply_id(_text(ticket["id"]), reply)
        return None

    def send(self, reply: OutgoingReply) -> str:
        """`POST /api/v3/tickets/{id}/replies`. Wish takes no client reference, so a retry
        first reads the ticket and returns the reply already there."""
        if reply.attachments:
            raise ChannelError(
                "a Wish ticket reply is only a message: attachments cannot be sent",
                retryable=False,
            )
        if len(reply.text) > MAX_REPLY_CHARS:
            raise ChannelError(
                f"a Wish ticket reply is at most {MAX_REPLY_CHARS} characters ({len(reply.text)})",
                retryable=False,
            )
        ref = reply.conversation_ref
        if reply.attempts > 0:
            earlier = self.sent_already(self.ticket(ref), reply.text)
            if earlier is not None:
                return earlier
        data = self.call("POST", f"/api/v3/tickets/{ref}/replies", body={"message": reply.text})
        if isinstance(data, dict) and data.get("replied_at"):
            return reply_id(ref, data)
        posted = self.sent_already(self.ticket(ref), reply.text)
        if posted is None:
            raise ChannelError("Wish took the reply but does not show it yet")
        return posted

    def push(self, change: StateChange) -> None:
        """A person closed it → close the ticket; reopened it → re-open a CLOSED ticket,
        refused in words if PERMANENTLY_CLOSED (an open ticket that awaits the buyer or Wish
        stays as Wish has it). `handled` alone (an answer) is not pushed (`pushed_fields`):
        Wish moves the ticket on when the reply posts, and closing it there would end the
        buyer's ticket on every answer. Wish has no read state, colour marks or owners."""
        if change.closed is None:
            return
        ticket = self.ticket(change.ref)
        state = _text(ticket.get("state"))
        if change.closed and state not in CLOSED_STATES:
            self.update(change.ref, "CLOSED")
        elif not change.closed and state == "PERMANENTLY_CLOSED":
            raise ChannelError(
                f"Wish ticket {change.ref} is permanently closed and cannot be re-opened",
                retryable=False,
            )
        elif not change.closed and state == "CLOSED":
            self.update(change.ref, "AWAITING_MERCHANT")


def _taken(ticket: Mapping[str, Any], position: Cursor) -> bool:
    return _same(ticket.get("updated_at"), position.since) and _text(ticket["id"]) in position.skip


def _same(value: object, moment: str) -> bool:
    return parse_moment(value) == parse_moment(moment)


def _advance(position: Cursor, listed: list[dict[str, Any]], limit: int) -> Cursor:
    if not listed:
        return Cursor(position.since, position.skip)
    times = [parse_moment(t.get("updated_at")) for t in listed]
    newest = max((t for t in times if t is not None), default=parse_moment(position.since))
    assert newest is not None  # noqa: S101 - since is checked when loaded
    at_newest = [_text(t["id"]) for t, w in zip(listed, times, strict=True) if w == newest]
    if newest == parse_moment(position.since):
        skip = sorted(set(position.skip) | set(at_newest))
        if len(listed) >= limit and len(skip) >= PAGE_SIZE:
            # ⚠ 500 tickets changed in one millisecond: the API cannot page within it.
            later = datetime.fromtimestamp(newest.timestamp() + 0.001, UTC)
            return Cursor(iso(later))
        grow = PAGE_SIZE if len(listed) >= limit else position.limit
        return Cursor(position.since, skip, grow)
    return Cursor(iso(newest), sorted(at_newest))


class _TokenRefused(Exception):
    def __init__(self, code: int, words: str) -> None:
        super().__init__(words)
        self.code, self.words = code, words


def _data(what: str, response: httpx.Response, clock: Callable[[], float]) -> Any:
    """The `data` of an answer, or the refusal as a ChannelError (a refused token as
    _TokenRefused, for a refresh)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    fields = body if isinstance(body, dict) else {}
    words = _text(fields.get("message")) or "no reason given"
    try:
        code = int(fields.get("code", 0) or 0)
    except (TypeError, ValueError):
        code = -1
    status = response.status_code
    if status == 429:
        raise ChannelError(
            f"Wish rate limit reached for {what}",
            retry_after=_retry_after(response.headers, clock) or 1.0,
        )
    if status >= 500:
        raise ChannelError(
            f"Wish answered {what} with HTTP {status}",
            retry_after=_retry_after(response.headers, clock),
        )
    if status == 401 or code in TOKEN_CODES:
        raise _TokenRefused(code, words)
    if status == 403:
        raise ChannelError(
            f"Wish refused {what}: {words} (HTTP 403); reconnect with the tickets scopes",
            retryable=False,
        )
    if status != 200 or code != 0:
        raise ChannelError(
            f"Wish refused {what}: {words} (HTTP {status}, code {code})", retryable=False
        )
    if body is None:
        raise ChannelError(f"Wish answered {what} with something not JSON")
    return fields.get("data")


def _retry_after(headers: httpx.Headers, clock: Callable[[], float]) -> float | None:
    """Seconds to wait: `Retry-After` (seconds or an HTTP date), else Wish's
    `Wish-Rate-Limit-Reset` (the time the limiter resets: epoch seconds or a date)."""
    for name in ("retry-after", "wish-rate-limit-reset"):
        value = (headers.get(name) or "").strip()
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None:
            seconds = number - clock() if number > 1e9 else number
            return max(seconds, 0.0)
        moment = parse_moment(value)
        if moment is None:
            try:
                moment = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                continue
        return max(moment.timestamp() - clock(), 0.0)
    return None
