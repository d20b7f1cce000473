"""Marketplace clients: one per connected store, speaking its platform's documented API.

Each module implements `kefu.services.ports.MarketplaceClient` for one platform
(docs/channels.md); `sandbox` is our local server with the same faces, for tests and the
demo.
"""
