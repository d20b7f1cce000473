"""kefu's sandbox marketplace served over real HTTP on loopback, for the tests that drive
kefu's own clients through a live server (sync, the Stores page, the browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from kefu.adapters.marketplaces.sandbox import (
    AliExpressFace,
    EbayFace,
    WishFace,
    create_marketplace_sandbox,
)

APP_KEY, SECRET, TOKEN = "500100", "sandbox-secret", "token-ali-global"


def aliexpress_face(
    app_key: str = APP_KEY, secret: str = SECRET, token: str = TOKEN
) -> AliExpressFace:
    """An AliExpress face on the real clock that knows the test's app and token."""
    face = AliExpressFace()
    face.add_app(app_key, secret)
    face.grant(token, time.time() + 3600)
    return face


@contextmanager
def serve_sandbox(face: AliExpressFace) -> Iterator[str]:
    """The sandbox on a free port until the block ends; yields the AliExpress base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_marketplace_sandbox(face), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/aliexpress"
    finally:
        server.should_exit = True
        thread.join(5)


@contextmanager
def serve_marketplace(
    aliexpress: AliExpressFace | None = None,
    ebay: EbayFace | None = None,
    wish: WishFace | None = None,
) -> Iterator[str]:
    """The sandbox with every face on a free port until the block ends; yields its root
    (`{root}/aliexpress`, `{root}/ebay`, `{root}/wish`)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_marketplace_sandbox(aliexpress, ebay, wish)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
