"""The sandbox's Wish face: merchant API v3 tickets, in memory.

It speaks the format of the sources named in kefu.adapters.marketplaces.wish (the V3
OpenAPI's Ticket, Reply and APIError schemas; every answer `{"message", "code", "data"}`,
code 0 on success) and refuses what Wish refuses:

* no `Authorization: Bearer` token (401, code 1012 "Missing access token in authorization
  header"), an unknown token (401, 1006), an expired one (401, 1007);
* `limit` outside 1–500, an unknown state or type, a `sort_by` other than updated_at,
  a date that is not ISO 8601 (400, code 1001);
* a ticket it does not know (400, code 1004);
* a reply to a ticket not AWAITING_MERCHANT, an empty reply or one over 2,000 characters,
  an update to a state other than CLOSED / AWAITING_WISH / AWAITING_MERCHANT, re-opening a
  ticket that is not CLOSED (a PERMANENTLY_CLOSED ticket never re-opens) (400, code 1001);
* more calls a second than `rate_limit` (429 with `Retry-After` and
  `Wish-Rate-Limit-Reset`).

Codes 1012, 1006 and 1007 are Wish's published ones; 1001 is the published "invalid
parameter" code of the OAuth API; 1004 for an unknown ticket is ours (docs/channels.md).
Test helpers open tickets, make the buyer and Wish support write, read a ticket back and
inject HTTP faults. The clock is injectable; ids are deterministic.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

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

LIMIT_MAX = 500
LIMIT_DEFAULT = 50
REPLY_MAX = 2000
STATES = ("AWAITING_WISH", "AWAITING_USER", "AWAITING_MERCHANT", "CLOSED", "PERMANENTLY_CLOSED")
TYPES = ("ORDER", "PRE_PURCHASE", "POST_CUSTOMER_SUPPORT")
UPDATES = ("CLOSED", "AWAITING_MERCHANT", "AWAITING_WISH")


class Refused(Exception):
    """A refusal in Wish's words: HTTP status and `{"message", "code", "data"}`."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, object]:
        return {"message": self.message, "code": self.code, "data": {}}


def _invalid(message: str) -> Refused:
    return Refused(400, 1001, message)


def _iso(ms: int) -> str:
    """Milliseconds since the epoch in Wish's format (integers: no float rounding)."""
    moment = datetime.fromtimestamp(ms // 1000, UTC) + timedelta(milliseconds=ms % 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(name: str, value: str) -> int:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid(f"{name} must be a date-time like 2020-04-08T23:59:59Z") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _ms(moment.timestamp())


@dataclass
class Reply:
    message: str
    replied_at: int  # ms
    sender: str
    files: list[str] = field(default_factory=list)

    def document(self) -> dict[str, object]:
        return {
            "message": self.message,
            "replied_at": _iso(self.replied_at),
            "sender": self.sender,
            "supporting_files": [
                {"url": url, "file_name": url.rsplit("/", 1)[-1]} for url in self.files
            ],
        }


@dataclass
class Ticket:
    id: str
    subject: str
    type: str
    buyer_name: str
    locale: str
    opened_at: int  # ms
    updated_at: int
    state: str = "AWAITING_MERCHANT"
    sub_label: str = ""
    refund_reason: str | None = None
    orders: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    closed_at: int | None = None
    closed_by: str | None = None

    def document(self, merchant_id: str) -> dict[str, object]:
        resolution: dict[str, object] = {}
        if self.closed_at is not None:
            resolution = {"closed_at": _iso(self.closed_at), "closed_by": self.closed_by}
        return {
            "id": self.id,
            "type": self.type,
            "subject": self.subject,
            "sub_label": self.sub_label,
            "state": self.state,
            "opened_at": _iso(self.opened_at),
            "updated_at": _iso(self.updated_at),
            "merchant_id": merchant_id,
            "refund_reason": self.refund_reason,
            "buyer_info": {"name": self.buyer_name, "locale": self.locale},
            "orders": [{"id": order} for order in self.orders],
            "products": [{"id": product} for product in self.products],
            "replies": [reply.document() for reply in self.replies],
            "resolution_info": resolution,
        }


class WishFace:
    """The face's state; tests and the demo seed it and read it back."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        rate_limit: int | None = None,
        merchant_id: str = "5e7a1b2c3d4e5f6a7b8c9d0e",
        token_days: float = 30.0,
    ) -> None:
        self.clock = clock
        self.rate_limit = rate_limit
        self.merchant_id = merchant_id
        self.token_seconds = token_days * 86400
        self.lock = threading.RLock()
        self.tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> client id
        self.apps: dict[str, str] = {}  # client id -> secret
        self.tickets: dict[str, Ticket] = {}
        self.calls: list[str] = []  # "METHOD path" of every call, refused or not
        self.faults: list[tuple[int, float | None]] = []
        self._window: tuple[int, int] = (0, 0)
        self._ticket_ids = itertools.count(1)
        self._order_ids = itertools.count(1)
        self._tokens = itertools.count(1)
        self.redirect_uris: dict[str, str] = {}  # client id -> the app's redirect URI
        self.issued: dict[str, str] = {}  # access token -> the client it was granted to
        self.codes: dict[str, Grant] = {}  # authorization codes given
        self.consent: str | None = None  # None: the consent page; "approve" / "deny"
        # Its orders (wish_orders imports this module's refusals, hence here).
        from kefu.adapters.marketplaces.sandbox.wish_orders import OrderBook

        self.orders = OrderBook(self)
        # Its refunds and tracking changes (sandbox/wish_cases.py).
        from kefu.adapters.marketplaces.sandbox.wish_cases import RefundBook

        self.refunds = RefundBook(self)

    # Seeding and reading back (test helpers)

    def now_ms(self) -> int:
        return _ms(self.clock())

    def grant(self, token: str, expires_at: float) -> None:
        self.tokens[token] = expires_at

    def add_app(self, client_id: str, secret: str, refresh_token: str) -> None:
        self.apps[client_id] = secret
        self.refresh_tokens[refresh_token] = client_id

    def buyer_opens(
        self,
        buyer_name: str,
        text: str,
        *,
        subject: str = "Where is my order?",
        ticket_type: str = "ORDER",
        order_id: str | None = None,
        products: tuple[str, ...] = (),
        locale: str = "en-US",
        sub_label: str = "",
        refund_reason: str | None = None,
        ticket_id: str | None = None,
    ) -> str:
        """A buyer opens a ticket: it awaits the merchant."""
        with self.lock:
            now = self.now_ms()
            ticket_id = ticket_id or f"5f{next(self._ticket_ids):022x}"
            orders = (
                [order_id or f"5e{next(self._order_ids):022x}"] if ticket_type == "ORDER" else []
            )
            self.tickets[ticket_id] = Ticket(
                id=ticket_id,
                subject=subject,
                type=ticket_type,
                buyer_name=buyer_name,
                locale=locale,
                opened_at=now,
                updated_at=now,
                sub_label=sub_label,
                refund_reason=refund_reason,
                orders=orders,
                products=list(products),
                replies=[Reply(text, now, "USER")],
            )
            return ticket_id

    def buyer_replies(self, ticket_id: str, text: str, *, files: tuple[str, ...] = ()) -> None:
        """The buyer writes again: the ticket awaits the merchant (a CLOSED one re-opens)."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            if ticket.state == "PERMANENTLY_CLOSED":
                raise ValueError("a permanently closed ticket takes no reply")
            self._reply(ticket, text, "USER", list(files))
            ticket.state = "AWAITING_MERCHANT"

    def wish_support_replies(
        self, ticket_id: str, text: str, *, state: str | None = None, automated: bool = False
    ) -> None:
        """Wish support writes in the ticket, and may move it (e.g. to AWAITING_MERCHANT)."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            sender = "WISH_AUTOMATED_SUPPORT" if automated else "WISH_SUPPORT"
            self._reply(ticket, text, sender, [])
            if state is not None:
                ticket.state = state

    def close_permanently(self, ticket_id: str) -> None:
        with self.lock:
            ticket = self.tickets[ticket_id]
            ticket.state, ticket.updated_at = "PERMANENTLY_CLOSED", self.now_ms()
            ticket.closed_at, ticket.closed_by = ticket.updated_at, "WISH_SUPPORT"

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """What Wish shows of a ticket (the API document)."""
        with self.lock:
            return self.tickets[ticket_id].document(self.merchant_id)

    def fail(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        """The next `count` calls answer this HTTP status (with Retry-After when given)."""
        self.faults.extend([(status, retry_after)] * count)

    def _reply(self, ticket: Ticket, text: str, sender: str, files: list[str]) -> Reply:
        now = self.now_ms()
        reply = Reply(text, now, sender, files)
        ticket.replies.append(reply)
        ticket.updated_at = now
        return reply

    # OAuth: the consent page and the authorization-code grant (kefu.adapters.marketplaces
    # .wish_oauth names Wish's documents)

    def set_redirect(self, client_id: str, redirect_uri: str) -> None:
        """The redirect URI set on the app at Wish (the exchange must repeat it)."""
        self.redirect_uris[client_id] = redirect_uri

    def authorize(self, query: Mapping[str, str], decision: str | None) -> Response:
        """`GET /v3/oauth/authorize?client_id&state`: an unknown app is an error page; then
        the consent page, or with a decision the browser goes to the app's redirect URI
        with `code` (single use, minutes) and `state`, or `error=access_denied` (⚠)."""
        with self.lock:
            self.calls.append("GET /v3/oauth/authorize")
            client_id = query.get("client_id", "")
            redirect = self.redirect_uris.get(client_id)
            if client_id not in self.apps or redirect is None:
                return refusal_page("Wish", "No app with this client_id and a redirect URI")
            decision = decision or self.consent
            if decision is None:
                return page("Wish", client_id, "authorize", query)
            state = {"state": query["state"]} if query.get("state") else {}
            if decision != "approve":
                return back_to(redirect, {**state, "error": "access_denied"})
            code = new_code("")
            self.codes[code] = Grant(client_id, redirect, self.clock() + CODE_SECONDS)
            return back_to(redirect, {**state, "code": code})

    def _exchange(self, params: Mapping[str, Any]) -> dict[str, object]:
        """`/api/v3/oauth/access_token`: Wish's published refusals (1001 grant_type, 10001
        credentials or redirect_url, 10008 unknown code, 10002 redeemed, 10004 expired)."""
        if params.get("grant_type") != "authorization_code":
            raise _invalid("grant_type must be set to 'authorization_code'")
        client = str(params.get("client_id", ""))
        grant = self.codes.get(str(params.get("code", "")))
        if (
            self.apps.get(client) is None
            or self.apps[client] != params.get("client_secret")
            or self.redirect_uris.get(client) != params.get("redirect_uri")
        ):
            raise Refused(
                400,
                10001,
                "Incorrect credentials. One of client_id, client_secret, or redirect_url does "
                "not match our records",
            )
        if grant is None or grant.client_id != client:
            raise Refused(400, 10008, "Incorrect authorization code provided")
        if grant.used:
            raise Refused(400, 10002, "The authorization code has already been redeemed")
        if grant.expires_at <= self.clock():
            raise Refused(400, 10004, "The authorization code has expired")
        grant.used = True
        number = next(self._tokens)
        token, refresh = f"wish-token-{number}", f"wish-refresh-{number}"
        expiry = self.clock() + self.token_seconds
        self.tokens[token] = expiry
        self.issued[token] = client
        self.refresh_tokens[refresh] = client
        return {
            "access_token": token,
            "refresh_token": refresh,
            "expiry_time": _iso(_ms(expiry)),
            "merchant_id": self.merchant_id,
            "scopes": ["tickets:read", "tickets:write"],
        }

    # The API

    def handle(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: Mapping[str, Any] | None,
        authorization: str,
    ) -> tuple[int, dict[str, object], dict[str, str]]:
        """One call: (HTTP status, answer document, headers)."""
        with self.lock:
            self.calls.append(f"{method} {path}")
            headers: dict[str, str] = {}
            try:
                if path == "/api/v3/oauth/refresh_token" and method == "GET":
                    return 200, _ok(self._refresh(params)), headers
                if path == "/api/v3/oauth/access_token":
                    return 200, _ok(self._exchange({**params, **(body or {})})), headers
                self._authenticate(authorization)
                remaining = self._throttle()
                if remaining is not None:
                    headers["Wish-Rate-Limit-Remaining"] = str(remaining)
                data = self._dispatch(method, path, params, body or {})
            except _Limited as limited:
                return 429, _fail(1020, "Too many requests"), limited.headers
            except Refused as refusal:
                return refusal.status, refusal.body(), headers
        return 200, _ok(data), headers

    def _authenticate(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused(401, 1012, "Missing access token in authorization header")
        expiry = self.tokens.get(token.strip())
        if expiry is None:
            raise Refused(401, 1006, "No access token found or the app does not exist")
        if expiry <= self.clock():
            raise Refused(401, 1007, "This access token has expired")

    def _refresh(self, params: Mapping[str, str]) -> dict[str, object]:
        if params.get("grant_type") != "refresh_token":
            raise _invalid("grant_type must be set to 'refresh_token'")
        client = self.refresh_tokens.get(params.get("refresh_token", ""))
        if (
            client is None
            or client != params.get("client_id")
            or (self.apps.get(client) != params.get("client_secret"))
        ):
            raise Refused(
                400, 10001, "Incorrect credentials. client_id or client_secret does not match"
            )
        number = next(self._tokens)
        token, refresh = f"wish-token-{number}", f"wish-refresh-{number}"
        expiry = self.clock() + self.token_seconds
        # "Existing access tokens will be revoked after calling this API."
        for old in [t for t, app in self.issued.items() if app == client]:
            self.tokens.pop(old, None)
            del self.issued[old]
        self.tokens[token] = expiry
        self.issued[token] = client
        del self.refresh_tokens[params["refresh_token"]]
        self.refresh_tokens[refresh] = client
        return {
            "access_token": token,
            "refresh_token": refresh,
            "expiry_time": _iso(_ms(expiry)),
            "merchant_id": self.merchant_id,
            "scopes": ["tickets:read", "tickets:write"],
        }

    def _throttle(self) -> int | None:
        if self.rate_limit is None:
            return None
        second = int(self.clock())
        start, count = self._window
        count = count + 1 if start == second else 1
        self._window = (second, count)
        if count > self.rate_limit:
            reset = second + 1
            raise _Limited(
                {
                    "Retry-After": str(max(1, int(reset - self.clock()))),
                    "Wish-Rate-Limit-Reset": _iso(reset * 1000),
                }
            )
        return self.rate_limit - count

    def _dispatch(
        self, method: str, path: str, params: Mapping[str, str], body: Mapping[str, Any]
    ) -> object:
        parts = path.strip("/").split("/")
        if parts[:3] == ["api", "v3", "orders"] and len(parts) == 5 and method == "PUT":
            return self.refunds.dispatch(parts[3], parts[4], body)
        if parts[:3] == ["api", "v3", "orders"] and len(parts) == 4 and method == "GET":
            return self.refunds.order(parts[3])
        if parts[:3] == ["api", "v3", "orders"]:
            return self.orders.dispatch(method, path, params)
        if parts[:3] != ["api", "v3", "tickets"]:
            raise Refused(404, 1004, f"No such endpoint: {method} {path}")
        if len(parts) == 3 and method == "GET":
            return self._list(params)
        if len(parts) == 4 and method == "GET":
            return self._known(parts[3]).document(self.merchant_id)
        if len(parts) == 4 and method == "PUT":
            return self._update(self._known(parts[3]), body)
        if len(parts) == 5 and parts[4] == "replies" and method == "POST":
            return self._reply_merchant(self._known(parts[3]), body)
        raise Refused(404, 1004, f"No such endpoint: {method} {path}")

    def _known(self, ticket_id: str) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise Refused(400, 1004, f"We could not find a ticket for id: '{ticket_id}'")
        return ticket

    def _list(self, params: Mapping[str, str]) -> list[dict[str, object]]:
        try:
            limit = int(params.get("limit") or LIMIT_DEFAULT)
        except ValueError as exc:
            raise _invalid("limit must be an integer") from exc
        if not 1 <= limit <= LIMIT_MAX:
            raise _invalid("Limit can range from 1 to 500 items")
        sort_by = params.get("sort_by") or "updated_at.desc"
        if sort_by not in ("updated_at", "updated_at.asc", "updated_at.desc"):
            raise _invalid("sort_by: enabled attributes are updated_at")
        states = _enums(params.get("states"), STATES, "states")
        types = _enums(params.get("types"), TYPES, "types")
        low = (
            _parse("updated_at_min", params["updated_at_min"])
            if params.get("updated_at_min")
            else None
        )
        high = (
            _parse("updated_at_max", params["updated_at_max"])
            if params.get("updated_at_max")
            else None
        )
        chosen = [
            t
            for t in self.tickets.values()
            if (not states or t.state in states)
            and (not types or t.type in types)
            and (low is None or t.updated_at >= low)
            and (high is None or t.updated_at <= high)
        ]
        chosen.sort(key=lambda t: (t.updated_at, t.id), reverse=sort_by.endswith(".desc"))
        return [t.document(self.merchant_id) for t in chosen[:limit]]

    def _reply_merchant(self, ticket: Ticket, body: Mapping[str, Any]) -> dict[str, object]:
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            raise _invalid("message is required")
        if len(message) > REPLY_MAX:
            raise _invalid("message: with a max of 2000 characters")
        if ticket.state != "AWAITING_MERCHANT":
            raise _invalid(
                "You can only reply to a ticket in the AWAITING_MERCHANT state "
                f"(this one is {ticket.state})"
            )
        reply = self._reply(ticket, message, "MERCHANT", [])
        ticket.state = "AWAITING_USER"  # "Our system will automatically update the ticket state"
        return reply.document()

    def _update(self, ticket: Ticket, body: Mapping[str, Any]) -> dict[str, object]:
        state = body.get("state")
        if state not in UPDATES:
            raise _invalid("state must be one of CLOSED, AWAITING_MERCHANT, AWAITING_WISH")
        if ticket.state == "PERMANENTLY_CLOSED":
            raise _invalid("Tickets in PERMANENTLY_CLOSED state can never be re-opened")
        if state == "AWAITING_MERCHANT" and ticket.state != "CLOSED":
            raise _invalid("Only a CLOSED ticket can be re-opened")
        now = self.now_ms()
        ticket.state, ticket.updated_at = str(state), now
        if state == "CLOSED":
            ticket.closed_at, ticket.closed_by = now, "MERCHANT"
        else:
            ticket.closed_at, ticket.closed_by = None, None
        return ticket.document(self.merchant_id)


class _Limited(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("rate limited")
        self.headers = headers


def _ms(epoch: float) -> int:
    return round(epoch * 1000)


def _ok(data: object) -> dict[str, object]:
    return {"message": "", "code": 0, "data": data}


def _fail(code: int, message: str) -> dict[str, object]:
    return {"message": message, "code": code, "data": {}}


def _enums(value: str | None, allowed: tuple[str, ...], name: str) -> set[str]:
    if not value:
        return set()
    chosen = {v.strip() for v in value.split(",") if v.strip()}
    unknown = sorted(chosen - set(allowed))
    if unknown:
        raise _invalid(f"{name}: {unknown[0]} is not one of {', '.join(allowed)}")
    return chosen


def create_wish_app(face: WishFace) -> Starlette:
    """The face as an ASGI app: `/api/v3/tickets…` and `/api/v3/oauth/refresh_token`."""

    async def endpoint(request: Request) -> JSONResponse:
        with face.lock:
            fault = face.faults.pop(0) if face.faults else None
        if fault is not None:
            status, retry_after = fault
            headers = {"Retry-After": str(int(retry_after))} if retry_after else {}
            return JSONResponse(_fail(-1, "injected fault"), status, headers=headers)
        decision_fault = None
        if request.method == "PUT":  # a write: the case book's switch for decisions
            decision_fault = face.refunds.faults.take()
            if decision_fault is not None and not decision_fault.applied:
                await asyncio.sleep(decision_fault.delay)
                return JSONResponse(_fail(-1, "injected fault"), decision_fault.status)
        body: dict[str, Any] | None = None
        if request.method in ("POST", "PUT"):
            try:
                parsed = await request.json()
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                return JSONResponse(_fail(1001, "the body must be a JSON object"), 400)
            body = parsed
        params = {k: ",".join(request.query_params.getlist(k)) for k in request.query_params}
        path = request.scope["path"]
        root = request.scope.get("root_path", "")
        if root and path.startswith(root):  # mounted (the sandbox serves it at /wish)
            path = path[len(root) :]
        status, document, headers = face.handle(
            request.method,
            path,
            params,
            body,
            request.headers.get("authorization", ""),
        )
        if decision_fault is not None:  # taken, and the answer lost on the way
            await asyncio.sleep(decision_fault.delay)
            return JSONResponse(_fail(-1, "injected fault"), decision_fault.status)
        return JSONResponse(document, status, headers=headers)

    methods = ["GET", "POST", "PUT"]
    return Starlette(
        routes=[
            Route("/api/v3/oauth/refresh_token", endpoint, methods=["GET"]),
            Route("/api/v3/oauth/access_token", endpoint, methods=["GET", "POST"]),
            Route("/v3/oauth/authorize", consent_endpoint(face), methods=["GET", "POST"]),
            Route("/api/v3/tickets", endpoint, methods=methods),
            Route("/api/v3/orders", endpoint, methods=["GET"]),
            Route("/api/v3/orders/{rest:path}", endpoint, methods=["GET", "PUT"]),
            Route("/api/v3/tickets/{rest:path}", endpoint, methods=methods),
        ]
    )


def consent_endpoint(face: WishFace) -> Callable[[Request], Awaitable[Response]]:
    """`/v3/oauth/authorize`: GET shows the consent page (or answers at once with
    `face.consent`); the page's buttons POST the decision with the same query."""

    async def consent(request: Request) -> Response:
        if request.method == "POST":
            form = {k: str(v) for k, v in (await request.form()).items()}
            decision = form.pop("decision", "deny")
            return face.authorize(form, "approve" if decision == "approve" else "deny")
        return face.authorize(dict(request.query_params), None)

    return consent
