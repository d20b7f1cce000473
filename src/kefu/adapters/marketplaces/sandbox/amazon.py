"""The sandbox's Amazon face: SP-API Orders v0 and Messaging v1, and Login with Amazon,
in memory.

It speaks the formats of the sources named in kefu.adapters.marketplaces.amazon and
refuses what the SP-API refuses, each time with `{"errors": [{code, message, details}]}`:

* a missing, unknown or expired `x-amz-access-token` (403 Unauthorized);
* getOrders without MarketplaceIds, without (or with both) CreatedAfter and
  LastUpdatedAfter, with a date that is not ISO 8601, MaxResultsPerPage outside 1–100, or
  an unknown NextToken (400 InvalidInput);
* an order id not in 3-7-7 form (400 InvalidInput), an unknown one (Orders: 404 NotFound;
  Messaging: 400 InvalidInput, as the model's sandbox pair for 123-1234567-0000000);
* buyerInfo or address when the app's role does not include them (403 Unauthorized);
* Messaging without exactly one marketplaceIds, an action not offered for that order, a
  body its schema refuses (missing text, text too long, HTML or an e-mail address, too
  many or too few attachments, a field the action does not take) (400 InvalidInput);
* Messaging calls past 1 a second after a burst of 5 (429 QuotaExceeded).

LWA: `POST /auth/o2/token` (refresh_token and authorization_code grants; `invalid_grant`,
`invalid_client`), and the consent page `GET /apps/authorize/consent` redirecting to the
redirect URI with `spapi_oauth_code`, `state` and `selling_partner_id`. ⚠ The wording of
the refusals is ours where the models give only the code. The clock is injectable; ids
are deterministic.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kefu.adapters.marketplaces.amazon import ORDER_ID, body_problem

PAGE_MAX = 100
TOKEN_SECONDS = 3600
RATE, BURST = 1.0, 5  # Messaging: 1 request a second, burst 5


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details

    def body(self) -> dict[str, object]:
        return {"errors": [{"code": self.code, "message": self.message, "details": self.details}]}


def _invalid(details: str) -> Refused:
    return Refused(400, "InvalidInput", "Invalid Input", details)


def _denied(details: str) -> Refused:
    return Refused(403, "Unauthorized", "Access to requested resource is denied.", details)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(name: str, value: str) -> float:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid(f"{name} must be in ISO 8601 format") from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@dataclass
class Item:
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    asin: str = "B000000000"
    shipping: Decimal = Decimal("0.00")


@dataclass
class Order:
    id: str
    purchased: float
    updated: float
    status: str
    currency: str
    items: list[Item]
    buyer_email: str
    buyer_name: str
    country: str
    marketplace_id: str
    latest_delivery: float | None = None

    def total(self) -> Decimal:
        return sum((i.unit_price * i.quantity + i.shipping for i in self.items), Decimal(0))

    def document(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "AmazonOrderId": self.id,
            "PurchaseDate": _iso(self.purchased),
            "LastUpdateDate": _iso(self.updated),
            "OrderStatus": self.status,
            "FulfillmentChannel": "MFN",
            "SalesChannel": "Amazon.com",
            "OrderTotal": {"CurrencyCode": self.currency, "Amount": f"{self.total():.2f}"},
            "NumberOfItemsShipped": 0,
            "NumberOfItemsUnshipped": sum(i.quantity for i in self.items),
            "MarketplaceId": self.marketplace_id,
            "OrderType": "StandardOrder",
            "IsBusinessOrder": False,
            "IsPrime": False,
            "ShippingAddress": {"CountryCode": self.country},  # no PII without the role
        }
        if self.latest_delivery is not None:
            doc["LatestDeliveryDate"] = _iso(self.latest_delivery)
        return doc

    def items_document(self) -> list[dict[str, object]]:
        return [
            {
                "ASIN": item.asin,
                "OrderItemId": f"{self.id.replace('-', '')[:12]}{n:02d}",
                "SellerSKU": item.sku,
                "Title": item.title,
                "QuantityOrdered": item.quantity,
                "QuantityShipped": 0,
                "ItemPrice": {
                    "CurrencyCode": self.currency,
                    "Amount": f"{item.unit_price * item.quantity:.2f}",
                },
                "ShippingPrice": {"CurrencyCode": self.currency, "Amount": f"{item.shipping:.2f}"},
            }
            for n, item in enumerate(self.items, 1)
        ]


@dataclass
class Sent:
    order_id: str
    action: str
    body: dict[str, Any]
    at: float


@dataclass
class App:
    secret: str
    redirect_uris: set[str] = field(default_factory=set)


class AmazonFace:
    """The face's state; tests and the demo seed it and read it back."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        marketplace_id: str = "ATVPDKIKX0DER",
        selling_partner_id: str = "A2SANDBOXSELLER",
        roles: frozenset[str] = frozenset({"buyerInfo", "address"}),
        rate_limited: bool = True,
    ) -> None:
        self.clock = clock
        self.marketplace_id = marketplace_id
        self.selling_partner_id = selling_partner_id
        self.roles = set(roles)  # "buyerInfo", "address": restricted parts the app may read
        self.rate_limited = rate_limited
        self.lock = threading.RLock()
        self.apps: dict[str, App] = {}  # client id -> app
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> client id
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (client id, redirect uri)
        self.tokens: dict[str, float] = {}  # access token -> expiry
        self.orders: dict[str, Order] = {}
        self.allowed: dict[str, list[str]] = {}  # order id -> actions offered
        self.sent: list[Sent] = []
        self.calls: list[str] = []
        self.faults: list[tuple[int, float | None]] = []
        # NextToken -> (which date filters, from when, orders already given, page size)
        self.next_tokens: dict[str, tuple[str, float, int, int]] = {}
        self._bucket = (float(BURST), 0.0)  # (tokens, at)
        self._ids = itertools.count(1)
        self._grants = itertools.count(1)

    # Seeding and reading back (test helpers)

    def add_app(
        self, client_id: str, secret: str, refresh_token: str, redirect_uris: tuple[str, ...] = ()
    ) -> None:
        self.apps[client_id] = App(secret, set(redirect_uris))
        self.refresh_tokens[refresh_token] = client_id

    def grant(self, token: str, expires_at: float) -> None:
        self.tokens[token] = expires_at

    def add_order(
        self,
        items: list[Item],
        *,
        status: str = "Unshipped",
        buyer_email: str | None = None,
        buyer_name: str = "Jane Doe",
        currency: str = "USD",
        country: str = "US",
        order_id: str | None = None,
        purchased: float | None = None,
        latest_delivery: float | None = None,
        actions: tuple[str, ...] = ("unexpectedProblem",),
    ) -> str:
        """A buyer places an order; Amazon offers these Messaging actions for it."""
        with self.lock:
            n = next(self._ids)
            order_id = order_id or f"111-{n:07d}-{(n * 7919) % 10**7:07d}"
            now = self.clock()
            self.orders[order_id] = Order(
                id=order_id,
                purchased=purchased if purchased is not None else now,
                updated=now,
                status=status,
                currency=currency,
                items=items,
                buyer_email=buyer_email or f"buyer{n:04d}@marketplace.amazon.com",
                buyer_name=buyer_name,
                country=country,
                marketplace_id=self.marketplace_id,
                latest_delivery=latest_delivery,
            )
            self.allowed[order_id] = list(actions)
            return order_id

    def update_order(self, order_id: str, status: str) -> None:
        with self.lock:
            order = self.orders[order_id]
            order.status, order.updated = status, self.clock()

    def allow(self, order_id: str, *actions: str) -> None:
        """The actions Amazon offers for the order from now on (replacing the earlier)."""
        with self.lock:
            self.allowed[order_id] = list(actions)

    def messages(self, order_id: str | None = None) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if order_id is None or s.order_id == order_id]

    def fail(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        self.faults.extend([(status, retry_after)] * count)

    # LWA

    def token(self, form: Mapping[str, str]) -> tuple[int, dict[str, object]]:
        with self.lock:
            self.calls.append(f"POST /auth/o2/token {form.get('grant_type', '')}")
            app = self.apps.get(form.get("client_id", ""))
            if app is None or app.secret != form.get("client_secret"):
                return 401, {"error": "invalid_client", "error_description": "Client auth failed"}
            grant = form.get("grant_type")
            if grant == "refresh_token":
                if self.refresh_tokens.get(form.get("refresh_token", "")) != form["client_id"]:
                    return 400, _grant_error("The request has an invalid grant parameter")
                refresh = form["refresh_token"]  # LWA keeps the refresh token
            elif grant == "authorization_code":
                code = self.codes.pop(form.get("code", ""), None)
                if code is None or code != (form["client_id"], form.get("redirect_uri", "")):
                    return 400, _grant_error("The authorization code is invalid or used")
                refresh = f"Atzr|sandbox-refresh-{next(self._grants)}"
                self.refresh_tokens[refresh] = form["client_id"]
            else:
                return 400, {"error": "unsupported_grant_type", "error_description": str(grant)}
            access = f"Atza|sandbox-access-{next(self._grants)}"
            self.tokens[access] = self.clock() + TOKEN_SECONDS
            return 200, {
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "bearer",
                "expires_in": TOKEN_SECONDS,
            }

    def consent(self, params: Mapping[str, str]) -> tuple[int, str]:
        """(302, where to) or (400, why): the seller grants the app at once."""
        with self.lock:
            client = next(
                (c for c, a in self.apps.items() if c == params.get("application_id")), None
            )
            if client is None:
                return 400, "unknown application_id"
            if not params.get("state"):
                return 400, "state is required"
            redirect = params.get("redirect_uri", "")
            uris = self.apps[client].redirect_uris
            if not redirect or (uris and redirect not in uris):
                return 400, "redirect_uri is not one of the app's"
            code = f"ANsandboxcode{next(self._grants)}"
            self.codes[code] = (client, redirect)
            answer = {
                "spapi_oauth_code": code,
                "state": params["state"],
                "selling_partner_id": self.selling_partner_id,
            }
            return 302, f"{redirect}{'&' if '?' in redirect else '?'}{urlencode(answer)}"

    # The SP-API

    def handle(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: Mapping[str, Any] | None,
        token: str,
    ) -> tuple[int, dict[str, object], dict[str, str]]:
        """One call: (HTTP status, answer document, headers)."""
        with self.lock:
            self.calls.append(f"{method} {path}")
            headers = {"x-amzn-RequestId": f"sandbox-request-{len(self.calls)}"}
            try:
                self._authenticate(token)
                parts = path.strip("/").split("/")
                if parts[:3] == ["orders", "v0", "orders"] and method == "GET":
                    return 200, self._orders(parts[3:], params), headers
                if parts[:3] == ["messaging", "v1", "orders"] and len(parts) >= 4:
                    headers["x-amzn-RateLimit-Limit"] = str(RATE)
                    self._throttle()
                    status, document, more = self._messaging(
                        method, parts[3], parts[4:], params, body
                    )
                    return status, document, headers | more
                raise Refused(404, "NotFound", "Resource not found", f"{method} {path}")
            except Refused as refusal:
                return refusal.status, refusal.body(), headers

    def _authenticate(self, token: str) -> None:
        if not token:
            raise _denied("The access token you provided is revoked, malformed or invalid.")
        expiry = self.tokens.get(token)
        if expiry is None:
            raise _denied("The access token you provided is revoked, malformed or invalid.")
        if expiry <= self.clock():
            raise _denied("The access token you provided has expired.")

    def _throttle(self) -> None:
        if not self.rate_limited:
            return
        tokens, at = self._bucket
        now = self.clock()
        tokens = min(float(BURST), tokens + (now - at) * RATE)
        if tokens < 1.0:
            self._bucket = (tokens, now)
            raise Refused(
                429, "QuotaExceeded", "You exceeded your quota for the requested resource."
            )
        self._bucket = (tokens - 1.0, now)

    def _order(self, order_id: str, missing: Refused) -> Order:
        if not ORDER_ID.fullmatch(order_id):
            raise _invalid(f"{order_id} is not an order id in 3-7-7 format")
        order = self.orders.get(order_id)
        if order is None:
            raise missing
        return order

    def _orders(self, rest: list[str], params: Mapping[str, str]) -> dict[str, object]:
        if not rest:
            return {"payload": self._list(params)}
        order = self._order(rest[0], Refused(404, "NotFound", "Order not found", rest[0]))
        part = rest[1] if len(rest) > 1 else ""
        if part == "":
            return {"payload": order.document()}
        if part == "orderItems" and len(rest) == 2:
            return {"payload": {"AmazonOrderId": order.id, "OrderItems": order.items_document()}}
        if part in ("buyerInfo", "address") and len(rest) == 2:
            if part not in self.roles:
                raise _denied("The application's role does not include this information.")
            if part == "buyerInfo":
                info = {"BuyerEmail": order.buyer_email, "BuyerName": order.buyer_name}
                return {"payload": {"AmazonOrderId": order.id, **info}}
            where = {"Name": order.buyer_name, "CountryCode": order.country}
            return {"payload": {"AmazonOrderId": order.id, "ShippingAddress": where}}
        raise Refused(404, "NotFound", "Resource not found", "/".join(rest))

    def _list(self, params: Mapping[str, str]) -> dict[str, object]:
        markets = [m for m in params.get("MarketplaceIds", "").split(",") if m]
        if not markets:
            raise _invalid("MarketplaceIds is required")
        if len(markets) > 50:
            raise _invalid("MarketplaceIds: at most 50")
        token = params.get("NextToken")
        if token:
            if token not in self.next_tokens:
                raise _invalid("Invalid NextToken")
            by, after, skip, size = self.next_tokens[token]
        else:
            created, updated = params.get("CreatedAfter"), params.get("LastUpdatedAfter")
            if bool(created) == bool(updated):
                raise _invalid("Exactly one of CreatedAfter or LastUpdatedAfter is required")
            try:
                size = int(params.get("MaxResultsPerPage") or PAGE_MAX)
            except ValueError as exc:
                raise _invalid("MaxResultsPerPage must be an integer") from exc
            if not 1 <= size <= PAGE_MAX:
                raise _invalid("MaxResultsPerPage must be 1 - 100")
            by = "LastUpdatedAfter" if updated else "CreatedAfter"
            after, skip = _parse(by, updated or created or ""), 0
        chosen = sorted(
            (
                o
                for o in self.orders.values()
                if o.marketplace_id in markets
                # "after (or at)", to the second as Amazon shows times
                and int(o.updated if by == "LastUpdatedAfter" else o.purchased) >= int(after)
            ),
            key=lambda o: (int(o.updated), o.id),
        )
        page = chosen[skip : skip + size]
        payload: dict[str, object] = {"Orders": [o.document() for o in page]}
        if skip + size < len(chosen):
            next_token = f"sandbox-next-{len(self.next_tokens) + 1}"
            self.next_tokens[next_token] = (by, after, skip + size, size)
            payload["NextToken"] = next_token
        return payload

    def _messaging(
        self,
        method: str,
        order_id: str,
        rest: list[str],
        params: Mapping[str, str],
        body: Mapping[str, Any] | None,
    ) -> tuple[int, dict[str, object], dict[str, str]]:
        headers = {"x-amzn-RateLimit-Limit": str(RATE)}
        markets = [m for m in params.get("marketplaceIds", "").split(",") if m]
        if len(markets) != 1:
            raise _invalid("marketplaceIds: exactly one marketplace")
        order = self._order(order_id, _invalid(f"{order_id} is not an order of this seller"))
        allowed = self.allowed.get(order.id, [])
        if method == "GET" and not rest:
            base = f"/messaging/v1/orders/{order.id}"
            query = f"?marketplaceIds={markets[0]}"
            actions = [{"href": f"{base}/messages/{name}{query}", "name": name} for name in allowed]
            actions.append({"href": f"{base}/attributes{query}", "name": "attributes"})
            links = {"actions": actions, "self": {"href": f"{base}{query}"}}
            return 200, {"_links": links, "_embedded": {"actions": []}}, headers
        if method == "GET" and rest == ["attributes"]:
            return 200, {"buyer": {"locale": "en-US"}}, headers
        if method == "POST" and len(rest) == 2 and rest[0] == "messages":
            action = rest[1]
            if action not in allowed:
                raise _invalid(f"{action} is not available for order {order.id}")
            problem = body_problem(action, body or {})
            if problem is not None:
                raise _invalid(problem)
            self.sent.append(Sent(order.id, action, dict(body or {}), self.clock()))
            return 201, {}, headers
        raise Refused(404, "NotFound", "Resource not found", "/".join(rest))


def _grant_error(words: str) -> dict[str, object]:
    return {"error": "invalid_grant", "error_description": words}


def create_amazon_app(face: AmazonFace) -> Starlette:
    """The face as an ASGI app: the SP-API paths, `/auth/o2/token` and the consent page."""

    async def api(request: Request) -> Response:
        with face.lock:
            fault = face.faults.pop(0) if face.faults else None
        if fault is not None:
            status, wait = fault
            headers = {"Retry-After": str(int(wait))} if wait else {}
            document = Refused(status, "InternalFailure", "injected fault").body()
            return JSONResponse(document, status, headers=headers)
        body: dict[str, Any] | None = None
        if request.method == "POST":
            try:
                parsed = await request.json()
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                return JSONResponse(_invalid("the body must be a JSON object").body(), 400)
            body = parsed
        params = {k: ",".join(request.query_params.getlist(k)) for k in request.query_params}
        path = request.scope["path"]
        root = request.scope.get("root_path", "")
        if root and path.startswith(root):  # mounted (the sandbox serves it at /amazon)
            path = path[len(root) :]
        status, document, headers = face.handle(
            request.method, path, params, body, request.headers.get("x-amz-access-token", "")
        )
        return JSONResponse(document, status, headers=headers)

    async def token(request: Request) -> Response:
        form = await request.form()
        status, document = face.token({k: str(v) for k, v in form.items()})
        return JSONResponse(document, status)

    async def consent(request: Request) -> Response:
        status, where = face.consent(dict(request.query_params))
        if status == 302:
            return RedirectResponse(where, 302)
        return Response(where, 400, media_type="text/plain")

    return Starlette(
        routes=[
            Route("/auth/o2/token", token, methods=["POST"]),
            Route("/apps/authorize/consent", consent, methods=["GET"]),
            Route("/orders/v0/{rest:path}", api, methods=["GET"]),
            Route("/messaging/v1/{rest:path}", api, methods=["GET", "POST"]),
        ]
    )
