"""Amazon's Selling Partner API: Orders v0 for shop data, Messaging v1 for the proactive
messages Amazon allows per order (issue 18). Buyer messages themselves come by the
Buyer-Seller Messaging e-mail relay (docs/mail.md): the SP-API has no message-reading call.

Sources (docs/channels.md "Amazon" lists what each says), github.com/amzn/
selling-partner-api-models at 34dc93f (2026-08-05):

* `models/orders-api-model/ordersV0.json`: `GET /orders/v0/orders` (MarketplaceIds
  required, ≤ 50; CreatedAfter or LastUpdatedAfter required, "after (or at)";
  MaxResultsPerPage 1–100, default 100; NextToken), `GET /orders/v0/orders/{orderId}/
  orderItems` (NextToken), `…/buyerInfo` (BuyerEmail, "the anonymized email address of
  the buyer"), `…/address`; the Order, OrderItem (ItemPrice = unit price × quantity), Money
  and Error schemas; getOrders 0.0167 requests/s burst 20, getOrderItems 0.5/s burst 30.
* `models/messaging-api-model/messaging.json`: `GET /messaging/v1/orders/{amazonOrderId}
  ?marketplaceIds=` (HAL `_links.actions[]` {href, name}), `POST …/messages/{action}` →
  201, the Create*Request schemas (text lengths, attachments ≤ 5), 1 request/s burst 5,
  errors `{"errors": [{code, message, details}]}`.
* Login with Amazon (LWA): `POST https://api.amazon.com/auth/o2/token` form
  (grant_type refresh_token | authorization_code, client_id, client_secret) →
  {access_token, refresh_token, token_type, expires_in 3600}; the SP-API call carries it as
  `x-amz-access-token`. Website authorization: Seller Central
  `/apps/authorize/consent?application_id=…&state=…&version=beta` → the redirect URI with
  `spapi_oauth_code`, `state`, `selling_partner_id`. ⚠ Recalled from the SP-API developer
  guide ("Authorizing Selling Partner API applications"), not fetched.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from kefu.domain.channel_limits import ChannelLimits
from kefu.domain.moments import parse_moment
from kefu.services.ports import (
    CallBudget,
    CallLimiter,
    ChannelError,
    OutgoingReply,
    PulledPage,
    StateChange,
    TokenGrant,
    TokenSink,
)

PLATFORM = "amazon"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 - a URL
SELLER_CENTRAL = "https://sellercentral.amazon.com"
# Regional SP-API endpoints (the developer guide's "SP-API Endpoints"; ⚠ recalled).
ENDPOINTS: Mapping[str, str] = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
US_MARKETPLACE = "ATVPDKIKX0DER"
PAGE_SIZE = 100  # MaxResultsPerPage: "Value must be 1 - 100. Default 100."
TOKEN_MARGIN = 300.0  # renew this many seconds before the hour is up
ORDER_ID = re.compile(r"\b(\d{3}-\d{7}-\d{7})\b")  # "in 3-7-7 format"

# Usage plans as data (the models' "Usage Plan" tables), by operation.
BUDGETS: Mapping[str, CallBudget] = {
    "messaging": CallBudget(1, 1.0, burst=5),
    "orders": CallBudget(1, 60.0, burst=20),  # getOrders: 0.0167/s
    "orderItems": CallBudget(1, 2.0, burst=30),  # 0.5/s
    "buyerInfo": CallBudget(1, 2.0, burst=30),
    "address": CallBudget(1, 2.0, burst=30),
}
# Orders a page by default: each order costs an orderItems (and maybe a buyerInfo) call,
# whose burst is 30, so a page of 25 fits in one burst; a run goes on at the next page.
DEFAULT_PAGE = 25

# Amazon's OrderStatus → kefu's OrderStatus (docs/channels.md "Amazon").
ORDER_STATUSES: Mapping[str, str] = {
    "PendingAvailability": "received",
    "Pending": "received",
    "Unshipped": "paid",
    "PartiallyShipped": "shipped",  # ⚠ some items only: kefu has no "partly shipped"
    "Shipped": "shipped",
    "InvoiceUnconfirmed": "shipped",
    "Canceled": "cancelled",
    "Unfulfillable": "cancelled",
}


@dataclass(frozen=True)
class ActionRule:
    """What one Messaging action's body may hold (messaging.json Create*Request)."""

    text_max: int | None = None  # None: the action carries no text
    text_required: bool = False
    attachments_max: int = 0
    attachments_min: int = 0
    dates: tuple[str, ...] = ()


# Each action's body, from the schemas. Which actions an order allows is never taken from
# here: only GET /messaging/v1/orders/{id} says that. ⚠ text_required is ours (the schemas
# give minLength 1 but no required list); negativeFeedbackRemoval and amazonMotors are
# gone from the current model and kept as the older model had them.
ACTIONS: Mapping[str, ActionRule] = {
    "confirmCustomizationDetails": ActionRule(800, True, attachments_max=5),
    "confirmDeliveryDetails": ActionRule(2000, True),
    "legalDisclosure": ActionRule(attachments_max=5),
    "confirmOrderDetails": ActionRule(2000, True),
    "confirmServiceDetails": ActionRule(2000, True),
    "warranty": ActionRule(
        attachments_max=5, attachments_min=1, dates=("coverageStartDate", "coverageEndDate")
    ),
    "digitalAccessKey": ActionRule(400, True, attachments_max=5),
    "unexpectedProblem": ActionRule(2000, True),
    # InvoiceRequest says attachments minLength 1, but the model's own 201 pair sends no
    # body: the published example wins.
    "invoice": ActionRule(attachments_max=5),
    "negativeFeedbackRemoval": ActionRule(),
    "amazonMotors": ActionRule(attachments_max=5, attachments_min=1),
}
# "Do not include HTML or email addresses" (every text property of the schemas).
HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")

# Channel limits as data (issue 18 "Sync").
LIMITS: Mapping[str, object] = {
    "page_size": PAGE_SIZE,
    "messaging_budget": "1 request/s, burst 5",
    "text": "plain text; no HTML, no e-mail addresses; links only about the action",
    "attachments": "≤ 5, uploaded first through the Uploads API (not built)",
    "replies": "by the Buyer-Seller Messaging mail relay (docs/mail.md)",
}


# What the policy gate checks before a reply is written (kefu.domain.channel_limits):
# replies to Amazon buyers go by the mail relay, which states no text length; the mail
# channel holds each file to 10 MB and all to 20 MB (docs/mail.md); ⚠ the count is ours.
CHANNEL_LIMITS = ChannelLimits(text_chars=None, attachments=10)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def _money(value: object) -> tuple[str, Decimal] | None:
    if not isinstance(value, dict):
        return None
    try:
        amount = Decimal(_text(value.get("Amount")))
    except InvalidOperation:
        return None
    currency = _text(value.get("CurrencyCode")).upper()
    return (currency, amount) if currency and amount.is_finite() else None


def order_line(item: Mapping[str, Any]) -> dict[str, object]:
    """An OrderItem as an import line: ItemPrice is the price of all the units, kefu's
    line price is one unit's."""
    line: dict[str, object] = {
        "sku": _text(item.get("SellerSKU")) or _text(item.get("ASIN")),
        "title": _text(item.get("Title"))[:300],
    }
    quantity = item.get("QuantityOrdered")
    if isinstance(quantity, int) and quantity > 0:
        line["quantity"] = quantity
        price = _money(item.get("ItemPrice"))
        if price is not None:
            line["price"] = str((price[1] / quantity).quantize(Decimal("0.01")))
    return {k: v for k, v in line.items() if v != ""}


def order_record(
    order: Mapping[str, Any],
    items: list[dict[str, Any]],
    buyer: Mapping[str, Any] | None = None,
    address: Mapping[str, Any] | None = None,
) -> dict[str, object]:
    """An Order (with its items, buyer info and address where the role allows them) as an
    item of the import API's orders batch (docs/imports.md)."""
    number = _text(order.get("AmazonOrderId"))
    info = {**(order.get("BuyerInfo") or {}), **(buyer or {})}
    email = _text(info.get("BuyerEmail")).lower()
    record: dict[str, object] = {
        "order_number": number,
        # The relay alias is the buyer's identity on the store, as mail from it is keyed
        # (docs/mail.md); without the role that shows it, the order is its own buyer.
        "buyer_id": email or f"amazon-order-{number}",
        "status": ORDER_STATUSES.get(_text(order.get("OrderStatus")), "received"),
        "placed_at": _text(order.get("PurchaseDate")),
        "updated_at": _text(order.get("LastUpdateDate")),
    }
    if email:
        record["buyer_email"] = email
    if _text(info.get("BuyerName")):
        record["buyer_name"] = _text(info["BuyerName"])[:200]
    total = _money(order.get("OrderTotal"))
    if total is not None:
        record["currency"], record["total"] = total[0], str(total[1])
    shipping = [_money(i.get("ShippingPrice")) for i in items]
    if any(s is not None for s in shipping):
        record["shipping"] = str(sum((s[1] for s in shipping if s is not None), Decimal(0)))
        if "currency" not in record:
            record["currency"] = next(s[0] for s in shipping if s is not None)
    if _text(order.get("LatestDeliveryDate")):
        record["promised_delivery_at"] = _text(order["LatestDeliveryDate"])
    where = {**(order.get("ShippingAddress") or {}), **(address or {})}
    country = _text(where.get("CountryCode")).upper()
    if len(country) == 2:
        record["ship_to_country"] = country
    lines = [order_line(i) for i in items]
    if lines:
        record["lines"] = lines
    return record


@dataclass
class Cursor:
    """Where a sync stands: the LastUpdatedAfter of this pass, the NextToken of its next
    page, and the newest LastUpdateDate seen so far in the pass (the next pass's start).

    "After (or at)" is inclusive, so a pass re-reads the orders at its start; the import
    upserts make that a no-op. A crash before kefu stores the cursor re-reads a page.
    """

    after: str
    next_token: str | None = None
    newest: str | None = None

    def dump(self) -> str:
        return json.dumps(
            {"v": 1, "after": self.after, "next": self.next_token, "newest": self.newest},
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, text: str | None, since: datetime) -> Cursor:
        if not text:
            return cls(after=iso(since))
        try:
            data = json.loads(text)
            after = str(data["after"])
            newest = data.get("newest")
            if parse_moment(after) is None or (newest is not None and parse_moment(newest) is None):
                raise ValueError(after)
            token = data.get("next")
            return cls(after, str(token) if token else None, str(newest) if newest else None)
        except (ValueError, KeyError, TypeError) as exc:
            raise ChannelError(
                "the stored Amazon sync position is unreadable; reconnect the store",
                retryable=False,
            ) from exc

    def advance(self, orders: list[dict[str, Any]], next_token: str | None) -> Cursor:
        seen = [parse_moment(o.get("LastUpdateDate")) for o in orders]
        newest = max((t for t in (*seen, parse_moment(self.newest)) if t is not None), default=None)
        if next_token:
            return Cursor(self.after, next_token, iso(newest) if newest else self.newest)
        return Cursor(iso(newest) if newest else self.after)


def errors_of(response: httpx.Response) -> str:
    """The platform's errors[].code/message/details, in one line."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or "no reason given"
    errors = body.get("errors") if isinstance(body, dict) else None
    parts = []
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict):
            words = ": ".join(
                _text(error.get(k)) for k in ("code", "message", "details") if _text(error.get(k))
            )
            parts.append(words)
    return "; ".join(p for p in parts if p) or "no reason given"


def retry_after(response: httpx.Response) -> float:
    """Seconds before the next call: `Retry-After` when given, else one call's share of the
    `x-amzn-RateLimit-Limit` rate (requests a second), else one second."""
    for name, invert in (("retry-after", False), ("x-amzn-ratelimit-limit", True)):
        try:
            value = float(response.headers.get(name, ""))
        except ValueError:
            continue
        if value > 0:
            return 1.0 / value if invert else value
    return 1.0


class Refusal(ChannelError):
    """A ChannelError that keeps the HTTP status (a 403 on buyerInfo is a role, not a fault)."""

    def __init__(
        self,
        message: str,
        status: int,
        *,
        retryable: bool,
        retry_after: float | None = None,
        reconnect: bool = False,
    ) -> None:
        super().__init__(message, retryable=retryable, retry_after=retry_after)
        self.status = status
        self.reconnect = reconnect  # the token itself is refused


def refused(what: str, response: httpx.Response) -> Refusal:
    """A non-2xx answer as a ChannelError: retryable for 429 and 5xx only."""
    status = response.status_code
    words = errors_of(response)
    if status == 429:
        return Refusal(
            f"Amazon rate limit reached for {what}: {words}",
            status,
            retryable=True,
            retry_after=retry_after(response),
        )
    if status >= 500:
        return Refusal(
            f"Amazon could not answer {what} (HTTP {status}): {words}", status, retryable=True
        )
    return Refusal(f"Amazon refused {what} (HTTP {status}): {words}", status, retryable=False)


def lwa_token(
    http: httpx.Client, url: str, form: Mapping[str, str], now: float, what: str
) -> TokenGrant:
    """One call to LWA's token endpoint; a refusal is not retryable (reconnect needed)."""
    try:
        response = http.post(url, data=dict(form))
    except httpx.TimeoutException as exc:
        raise ChannelError(f"Login with Amazon did not answer the {what} in time") from exc
    except httpx.HTTPError as exc:
        raise ChannelError(f"Login with Amazon unreachable: {exc.__class__.__name__}") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code == 429 or response.status_code >= 500:
        raise ChannelError(
            f"Login with Amazon could not answer the {what} (HTTP {response.status_code})",
            retry_after=retry_after(response) if response.status_code == 429 else None,
        )
    if response.status_code != 200 or not _text(body.get("access_token")):
        words = _text(body.get("error_description")) or _text(body.get("error"))
        raise ChannelError(
            f"Login with Amazon refused the {what}: {words or 'no reason given'}; reconnect needed",
            retryable=False,
        )
    try:
        lifetime = float(body.get("expires_in") or 3600)
    except (TypeError, ValueError):
        lifetime = 3600.0
    return TokenGrant(
        access_token=_text(body["access_token"]),
        expires_at=datetime.fromtimestamp(now + lifetime, UTC),
        refresh_token=_text(body.get("refresh_token")) or None,
    )


def token_url_for(base_url: str) -> str:
    """LWA for Amazon's own endpoints; a sandbox of ours serves it beside its SP-API."""
    host = urlsplit(base_url).hostname or ""
    if host.endswith(".amazon.com") or not host:
        return LWA_TOKEN_URL
    return f"{base_url.rstrip('/')}/auth/o2/token"


class AmazonOAuth:
    """Amazon's website authorization workflow for one app (kefu.services.ports.OAuthApp).
    The redirect also names the `selling_partner_id`: the connect flow keeps it."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        application_id: str,
        *,
        consent_base: str = SELLER_CENTRAL,
        token_url: str = LWA_TOKEN_URL,
        draft: bool = False,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.application_id = application_id
        self.consent_base = consent_base.rstrip("/")
        self.token_url = token_url
        self.draft = draft  # an app not yet published consents with version=beta
        self.client = client  # lent by the caller; else one per call, closed after it
        self.clock = clock

    KEYS = ("client_id", "client_secret", "application_id")

    @classmethod
    def from_keys(cls, base_url: str, keys: Mapping[str, str], **options: Any) -> AmazonOAuth:
        """From the app keys the owner gave (KEYS) and the store's SP-API address: Seller
        Central's consent page and LWA for Amazon's own endpoints, the sandbox's beside its
        SP-API otherwise."""
        missing = [k for k in cls.KEYS if not keys.get(k)]
        if missing:
            raise ChannelError(f"the Amazon app lacks {', '.join(missing)}", retryable=False)
        host = urlsplit(base_url).hostname or ""
        own = host.endswith(".amazon.com") or not host
        return cls(
            keys["client_id"],
            keys["client_secret"],
            keys["application_id"],
            consent_base=SELLER_CENTRAL if own else base_url,
            token_url=token_url_for(base_url),
            **options,
        )

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        params = {"application_id": self.application_id, "state": state}
        params["redirect_uri"] = redirect_uri
        if self.draft:
            params["version"] = "beta"
        return f"{self.consent_base}/apps/authorize/consent?{urlencode(params)}"

    def exchange(self, code: str, redirect_uri: str) -> TokenGrant:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return self._token(form, "authorization code")

    def refresh(self, refresh_token: str) -> TokenGrant:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return self._token(form, "token refresh")

    def _token(self, form: Mapping[str, str], what: str) -> TokenGrant:
        if self.client is not None:
            return lwa_token(self.client, self.token_url, form, self.clock(), what)
        with httpx.Client(timeout=TIMEOUT) as http:
            return lwa_token(http, self.token_url, form, self.clock(), what)


@dataclass
class Credentials:
    refresh_token: str
    client_id: str
    client_secret: str
    access_token: str = ""
    expires_at: float = 0.0  # epoch seconds


@dataclass(frozen=True)
class Action:
    """A message the order allows: its name and the path Amazon gave for it."""

    name: str
    path: str


class AmazonClient:
    """A store's SP-API connection (kefu.services.ports.MarketplaceClient)."""

    def __init__(
        self,
        store: str,
        credentials: Credentials,
        *,
        base_url: str = ENDPOINTS["na"],
        marketplace_id: str = US_MARKETPLACE,
        selling_partner_id: str = "",
        token_url: str | None = None,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        page_size: int = DEFAULT_PAGE,
        on_tokens: TokenSink | None = None,
        limiter: CallLimiter | None = None,
        max_wait: float = 10.0,
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError("an Amazon orders page holds 1–100 orders")
        self.store = store
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.marketplace_id = marketplace_id
        self.seller = selling_partner_id or store
        self.token_url = token_url or token_url_for(self.base_url)
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.clock = clock
        self.page_size = page_size
        self.on_tokens = on_tokens
        self.limiter = limiter
        self.max_wait = max_wait
        self.denied: set[str] = set()  # "buyerInfo", "address": the app's role lacks them
        self.calls = 0

    @classmethod
    def from_credentials(
        cls, base_url: str, values: Mapping[str, str], **options: Any
    ) -> AmazonClient:
        """From a store connection's opened credentials (MarketplaceFactory): store,
        refresh_token, client_id, client_secret; optional marketplace_id,
        selling_partner_id, region (na, eu, fe) or endpoint (a full SP-API base URL)."""
        missing = [
            k for k in ("store", "refresh_token", "client_id", "client_secret") if not values.get(k)
        ]
        if missing:
            raise ChannelError(f"the Amazon connection lacks {', '.join(missing)}", retryable=False)
        region = values.get("region", "").lower()
        if region and region not in ENDPOINTS:
            raise ChannelError(
                f"the Amazon region is one of {', '.join(ENDPOINTS)}, not {region!r}",
                retryable=False,
            )
        base = values.get("endpoint") or base_url or ENDPOINTS[region or "na"]
        credentials = Credentials(
            values["refresh_token"], values["client_id"], values["client_secret"]
        )
        return cls(
            values["store"],
            credentials,
            base_url=base,
            marketplace_id=values.get("marketplace_id") or US_MARKETPLACE,
            selling_partner_id=values.get("selling_partner_id", ""),
            **options,
        )

    def close(self) -> None:
        self.client.close()

    # Tokens

    def renew(self) -> None:
        """A new access token from the refresh token; handed to `on_tokens` to be stored."""
        c = self.credentials
        form = {
            "grant_type": "refresh_token",
            "refresh_token": c.refresh_token,
            "client_id": c.client_id,
            "client_secret": c.client_secret,
        }
        grant = lwa_token(self.client, self.token_url, form, self.clock(), "token refresh")
        c.access_token = grant.access_token
        c.expires_at = grant.expires_at.timestamp() if grant.expires_at else self.clock() + 3600
        if grant.refresh_token:
            c.refresh_token = grant.refresh_token
        if self.on_tokens is not None:
            self.on_tokens(grant)

    def token(self) -> str:
        c = self.credentials
        if not c.access_token or c.expires_at - TOKEN_MARGIN <= self.clock():
            self.renew()
        return c.access_token

    # HTTP

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, object] | None = None,
        budget: str | None = None,
        renewed: bool = False,
    ) -> httpx.Response:
        """One SP-API call, its 2xx answer. Under a budget the shared limiter is asked first
        and told of a 429; an expired token is renewed once."""
        what = f"{method} {path.split('?')[0]}"
        key = f"amazon:{budget}:{self.seller}"
        if budget is not None and self.limiter is not None:
            self.limiter.acquire(key, BUDGETS[budget], max_wait=self.max_wait)
        self.calls += 1
        try:
            response = self.client.request(
                method,
                f"{self.base_url}{path}",
                params=dict(params or {}),
                json=dict(body) if body is not None else None,
                headers={
                    "x-amz-access-token": self.token(),
                    "user-agent": "kefu (Language=Python)",
                },
            )
        except httpx.TimeoutException as exc:
            if method == "POST":
                # Amazon takes no client reference and shows no sent messages: a retry
                # could send it twice (docs/channels.md "Sending once").
                raise ChannelError(
                    f"Amazon did not answer {what} in time; whether the message went out is "
                    "unknown: check Buyer-Seller Messages in Seller Central before sending again",
                    retryable=False,
                ) from exc
            raise ChannelError(f"Amazon did not answer {what} in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"Amazon unreachable: {exc.__class__.__name__}") from exc
        if response.status_code == 403 and not renewed and _token_refused(response):
            self.renew()
            return self.call(method, path, params=params, body=body, budget=budget, renewed=True)
        if response.status_code >= 400:
            error = refused(what, response)
            if response.status_code == 429 and self.limiter is not None and budget is not None:
                self.limiter.pause(key, error.retry_after or 1.0)
            if response.status_code == 403 and _token_refused(response):
                error = Refusal(f"{error}; reconnect needed", 403, retryable=False, reconnect=True)
            raise error
        return response

    def get(self, path: str, params: Mapping[str, str | int], budget: str) -> dict[str, Any]:
        response = self.call("GET", path, params=params, budget=budget)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ChannelError(f"Amazon answered GET {path} with something not JSON")
        return body

    # Orders

    def orders_page(self, position: Cursor) -> tuple[list[dict[str, Any]], str | None]:
        params: dict[str, str | int] = {"MarketplaceIds": self.marketplace_id}
        if position.next_token:
            params["NextToken"] = position.next_token
        else:
            params["LastUpdatedAfter"] = position.after
            params["MaxResultsPerPage"] = self.page_size
        payload = self.get("/orders/v0/orders", params, "orders").get("payload") or {}
        orders = [o for o in payload.get("Orders") or [] if isinstance(o, dict)]
        return [o for o in orders if o.get("AmazonOrderId")], _text(
            payload.get("NextToken")
        ) or None

    def order_items(self, order_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(100):  # an order of more than 100 pages of items is not an order
            params: dict[str, str | int] = {"NextToken": token} if token else {}
            payload = self.get(f"/orders/v0/orders/{order_id}/orderItems", params, "orderItems")
            page = payload.get("payload") or {}
            items.extend(i for i in page.get("OrderItems") or [] if isinstance(i, dict))
            token = _text(page.get("NextToken")) or None
            if token is None:
                break
        return items

    def restricted(self, order_id: str, part: str) -> dict[str, Any] | None:
        """`buyerInfo` or `address` when the app's role allows it; a refusal is remembered
        so the next orders do not ask again."""
        if part in self.denied:
            return None
        try:
            payload = self.get(f"/orders/v0/orders/{order_id}/{part}", {}, part)
        except Refusal as exc:
            if exc.status != 403 or exc.reconnect:
                raise
            self.denied.add(part)
            return None
        found = payload.get("payload") or {}
        if part == "address":
            found = found.get("ShippingAddress") or {}
        return found if isinstance(found, dict) else None

    def record(self, order: dict[str, Any]) -> dict[str, object]:
        number = _text(order["AmazonOrderId"])
        buyer = None
        if not _text((order.get("BuyerInfo") or {}).get("BuyerEmail")):
            buyer = self.restricted(number, "buyerInfo")
        address = None
        if not _text((order.get("ShippingAddress") or {}).get("CountryCode")):
            address = self.restricted(number, "address")
        return order_record(order, self.order_items(number), buyer, address)

    # MarketplaceClient

    def pull(self, cursor: str | None, since: datetime) -> PulledPage:
        """A page of orders changed since the cursor, as import records. No messages:
        Amazon's buyer messages come by the mail relay."""
        position = Cursor.load(cursor, since)
        orders, next_token = self.orders_page(position)
        records = [self.record(o) for o in orders]
        return PulledPage(
            rows=[],
            states=[],
            cursor=position.advance(orders, next_token).dump(),
            done=next_token is None,
            records={"orders": records},
        )

    def push(self, change: StateChange) -> None:
        """Amazon keeps no read, handled or mark state a seller can set through the API:
        those stay in kefu."""

    def send(self, reply: OutgoingReply) -> str:
        """A reply that is not mail goes as the order's `unexpectedProblem` message, and only
        when Amazon offers it for that order."""
        found = ORDER_ID.search(reply.conversation_ref)
        if found is None:
            raise ChannelError(
                "this Amazon conversation names no order, and Amazon's API only messages "
                "about an order: reply by the Buyer-Seller Messaging mail relay",
                retryable=False,
            )
        if reply.attachments:
            raise ChannelError(
                "Amazon's unexpectedProblem message takes text only: send attachments by mail",
                retryable=False,
            )
        order = found.group(1)
        if "unexpectedProblem" not in self.actions(order):
            raise ChannelError(
                f"Amazon does not offer the unexpectedProblem message for order {order} now, "
                "and allows no free reply through its API: reply by the mail relay",
                retryable=False,
            )
        return self.send_action(order, "unexpectedProblem", {"text": reply.text})

    # Messaging

    def offered(self, order_id: str) -> list[Action]:
        """`GET /messaging/v1/orders/{id}`: the messages Amazon allows for that order now."""
        _order_id(order_id)
        body = self.get(
            f"/messaging/v1/orders/{order_id}", {"marketplaceIds": self.marketplace_id}, "messaging"
        )
        links = body.get("_links") or {}
        found = []
        for link in links.get("actions") or [] if isinstance(links, dict) else []:
            if not isinstance(link, dict) or not _text(link.get("name")):
                continue
            path = urlsplit(_text(link.get("href"))).path
            if "/messages/" in path:  # "attributes" is a read, not a message
                found.append(Action(_text(link["name"]), path))
        return found

    def actions(self, order_id: str) -> list[str]:
        return [a.name for a in self.offered(order_id)]

    def buyer_locale(self, order_id: str) -> str | None:
        """`GET …/attributes`: the buyer's language, in which Amazon wants the text."""
        _order_id(order_id)
        body = self.get(
            f"/messaging/v1/orders/{order_id}/attributes",
            {"marketplaceIds": self.marketplace_id},
            "messaging",
        )
        buyer = body.get("buyer") or {}
        return _text(buyer.get("locale")) or None if isinstance(buyer, dict) else None

    def send_action(self, order_id: str, action: str, body: Mapping[str, object]) -> str:
        """`POST` to the path Amazon gave for an action it offers for that order; a
        reference for the sent message (Amazon gives none but its request id)."""
        problem = body_problem(action, body)
        if problem is not None:
            raise ChannelError(problem, retryable=False)
        offered = {a.name: a for a in self.offered(order_id)}
        chosen = offered.get(action)
        if chosen is None:
            names = ", ".join(sorted(offered)) or "none"
            raise ChannelError(
                f"Amazon does not offer the {action} message for order {order_id} now "
                f"(it offers: {names})",
                retryable=False,
            )
        response = self.call(
            "POST",
            chosen.path,
            params={"marketplaceIds": self.marketplace_id},
            body=dict(body),
            budget="messaging",
        )
        request = response.headers.get("x-amzn-requestid") or f"{int(self.clock() * 1000)}"
        return f"{order_id}/{action}/{request}"


def _order_id(order_id: str) -> None:
    if not ORDER_ID.fullmatch(order_id):
        raise ChannelError(
            f"{order_id[:40]!r} is not an Amazon order id (3-7-7 digits)", retryable=False
        )


def body_problem(action: str, body: Mapping[str, object]) -> str | None:
    """What the action's schema refuses in this body, in words; None when it is good.
    The sandbox face refuses by the same rules (its recorded-refusal test checks them)."""
    rule = ACTIONS.get(action)
    if rule is None:
        return f"kefu does not know Amazon's {action} message"
    allowed = {"attachments"} if rule.attachments_max else set()
    allowed |= {"text"} if rule.text_max else set()
    allowed |= set(rule.dates)
    extra = sorted(set(body) - allowed)
    if extra:
        return f"{action} takes no {extra[0]}"
    for name in rule.dates:
        if name in body and parse_moment(body[name]) is None:
            return f"{action}: {name} must be a date-time"
    return _text_problem(action, rule, body.get("text")) or _files_problem(
        action, rule, body.get("attachments", [])
    )


def _text_problem(action: str, rule: ActionRule, text: object) -> str | None:
    if rule.text_max is None:
        return None
    if text is None or (isinstance(text, str) and not text.strip()):
        return f"{action}: text is required" if rule.text_required else None
    if not isinstance(text, str):
        return f"{action}: text must be text"
    if len(text) > rule.text_max:
        return f"{action}: text is at most {rule.text_max} characters ({len(text)})"
    if HTML.search(text) or EMAIL.search(text):
        return f"{action}: Amazon allows no HTML and no e-mail addresses in the text"
    return None


def _files_problem(action: str, rule: ActionRule, files: object) -> str | None:
    high = max(rule.attachments_max, rule.attachments_min)
    if not isinstance(files, list) or not rule.attachments_min <= len(files) <= high:
        return f"{action}: {rule.attachments_min}–{high} attachments"
    for item in files:
        if (
            not isinstance(item, dict)
            or not item.get("uploadDestinationId")
            or not item.get("fileName")
        ):
            return f"{action}: each attachment needs uploadDestinationId and fileName"
    return None


def _token_refused(response: httpx.Response) -> bool:
    """403 Unauthorized about the token itself (expired, missing, invalid), not the role."""
    words = errors_of(response).lower()
    return "unauthorized" in words and ("token" in words or "expired" in words)
