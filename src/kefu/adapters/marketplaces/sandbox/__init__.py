"""kefu's sandbox marketplace: one Starlette server with a face per platform.

Each face speaks its platform's documented format and refuses what the platform refuses
(docs/channels.md): AliExpress at `/aliexpress` (its gateway: `POST /aliexpress/sync`),
eBay at `/ebay` (`/ebay/commerce/message/v1/…`; the Trading API at `/ebay/ws/api.dll`),
Wish at `/wish` (`/wish/api/v3/…`), Amazon at `/amazon` (SP-API `/amazon/orders/v0/…`,
`/amazon/messaging/v1/…`; LWA `/amazon/auth/o2/token`; consent
`/amazon/apps/authorize/consent`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from kefu.adapters.marketplaces.sandbox.aliexpress import AliExpressFace, create_aliexpress_app
from kefu.adapters.marketplaces.sandbox.amazon import AmazonFace, create_amazon_app
from kefu.adapters.marketplaces.sandbox.ebay import EbayFace, create_ebay_app
from kefu.adapters.marketplaces.sandbox.ebay_trading import TradingFace, create_trading_app
from kefu.adapters.marketplaces.sandbox.wish import WishFace, create_wish_app


def create_marketplace_sandbox(
    aliexpress: AliExpressFace | None = None,
    ebay: EbayFace | None = None,
    wish: WishFace | None = None,
    ebay_trading: TradingFace | None = None,
    amazon: AmazonFace | None = None,
) -> Starlette:
    """The sandbox server; pass faces to seed them and to read them back in tests."""
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
    return app


__all__ = [
    "AliExpressFace",
    "AmazonFace",
    "EbayFace",
    "TradingFace",
    "WishFace",
    "create_aliexpress_app",
    "create_amazon_app",
    "create_ebay_app",
    "create_marketplace_sandbox",
    "create_trading_app",
    "create_wish_app",
]
