"""kefu's sandbox marketplace: one Starlette server with a face per platform.

Each face speaks its platform's documented format and refuses what the platform refuses
(docs/channels.md). Only AliExpress so far, at `/aliexpress` (its gateway: `POST
/aliexpress/sync`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from kefu.adapters.marketplaces.sandbox.aliexpress import AliExpressFace, create_aliexpress_app


def create_marketplace_sandbox(aliexpress: AliExpressFace | None = None) -> Starlette:
    """The sandbox server; pass a face to seed it and to read it back in tests."""
    face = aliexpress or AliExpressFace()
    app = Starlette(routes=[Mount("/aliexpress", app=create_aliexpress_app(face))])
    app.state.aliexpress = face
    return app


__all__ = ["AliExpressFace", "create_aliexpress_app", "create_marketplace_sandbox"]
