"""kefu's sandbox marketplace: one Starlette server with a face per platform.

Each face speaks its platform's documented format and refuses what the platform refuses
(docs/channels.md): AliExpress at `/aliexpress` (its gateway: `POST /aliexpress/sync`),
eBay at `/ebay` (`/ebay/commerce/message/v1/…`; the Trading API at `/ebay/ws/api.dll`),
Wish at `/wish` (`/wish/api/v3/…`), Amazon at `/amazon` (SP-API `/amazon/orders/v0/…`,
`/amazon/messaging/v1/…`; LWA `/amazon/auth/o2/token`; consent
`/amazon/apps/authorize/consent`). Each of the first three also holds after-sale cases
(`sandbox/*_cases.py`; docs/channels.md "Cases"): eBay's Post-Order API at
`/ebay/post-order/v2/…`, AliExpress's `aliexpress.issue.*` through its gateway, Wish's
refund and tracking change at `/wish/api/v3/orders/{id}/…`.
"""

from __future__ import annotations

import asyncio
import threading

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from kefu.adapters.marketplaces.sandbox.aliexpress import AliExpressFace, create_aliexpress_app
from kefu.adapters.marketplaces.sandbox.amazon import AmazonFace, create_amazon_app
from kefu.adapters.marketplaces.sandbox.ebay import EbayFace, create_ebay_app
from kefu.adapters.marketplaces.sandbox.ebay_trading import TradingFace, create_trading_app
from kefu.adapters.marketplaces.sandbox.wish import WishFace, create_wish_app


class Pace:
    """How slowly the sandbox answers: the next `count` requests to any face wait
    `seconds` first, as a platform's slow pages do (a client's timeout must turn them into
    a retryable failure, and the next sync go on from its cursor)."""

    def __init__(self) -> None:
        self._waits: list[float] = []
        self._lock = threading.Lock()

    def slow(self, seconds: float, count: int = 1) -> None:
        with self._lock:
            self._waits.extend([seconds] * count)

    def next_wait(self) -> float:
        with self._lock:
            return self._waits.pop(0) if self._waits else 0.0


class _Paced:
    def __init__(self, app: ASGIApp, pace: Pace) -> None:
        self.app, self.pace = app, pace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            wait = self.pace.next_wait()
            if wait:
                await asyncio.sleep(wait)
        await self.app(scope, receive, send)


def create_marketplace_sandbox(
    aliexpress: AliExpressFace | None = None,
    ebay: EbayFace | None = None,
    wish: WishFace | None = None,
    ebay_trading: TradingFace | None = None,
    amazon: AmazonFace | None = None,
    pace: Pace | None = None,
) -> Starlette:
    """The sandbox server; pass faces to seed them and to read them back in tests, and a
    `Pace` to make its pages slow."""
    amazon_face = amazon or AmazonFace()
    faces = (aliexpress or AliExpressFace(), ebay or EbayFace(), wish or WishFace())
    trading = ebay_trading or TradingFace(faces[1])
    app = Starlette(
        routes=[
            Mount("/aliexpress", app=create_aliexpress_app(faces[0])),
            Mount("/ebay/ws", app=create_trading_app(trading)),  # before /ebay: it is inside
            Mount("/ebay", app=create_ebay_app(faces[1])),
            Mount("/wish", app=create_wish_app(faces[2])),
            Mount("/amazon", app=create_amazon_app(amazon_face)),
        ]
    )
    app.state.aliexpress, app.state.ebay, app.state.wish = faces
    app.state.ebay_trading = trading
    app.state.amazon = amazon_face
    app.state.pace = pace or Pace()
    app.add_middleware(_Paced, pace=app.state.pace)
    return app


__all__ = [
    "AliExpressFace",
    "AmazonFace",
    "EbayFace",
    "Pace",
    "TradingFace",
    "WishFace",
    "create_aliexpress_app",
    "create_amazon_app",
    "create_ebay_app",
    "create_marketplace_sandbox",
    "create_trading_app",
    "create_wish_app",
]
