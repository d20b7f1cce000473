"""kefu's local marketplace sandbox: an HTTP server that accepts replies like a platform.

It speaks the sandbox format documented in docs/replies.md:

    POST /v1/stores/{store}/conversations/{conversation}/messages
    Idempotency-Key: <key>          (required)
    {"text": "...", "attachments": ["https://..."], "automatic": false}
    → 201 {"id": "sbx-…", "duplicate": false}   first delivery
    → 200 {"id": "sbx-…", "duplicate": true}    same key again: nothing delivered twice

Faults can be injected for tests (`POST /v1/faults {"status": 429, "count": 2,
"retry_after": 5}`), and `GET /v1/stores/{store}/messages` lists what was delivered.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MAX_TEXT_BYTES = 64 * 1024


class SandboxState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_key: dict[tuple[str, str], dict[str, Any]] = {}
        self.faults: list[dict[str, Any]] = []
        self.ids = itertools.count(1)


def _problem(body: Any) -> tuple[int, str] | None:
    if not isinstance(body, dict):
        return 422, "body must be an object"
    text, attachments = body.get("text"), body.get("attachments", [])
    if not isinstance(text, str) or not isinstance(attachments, list):
        return 422, "text must be a string and attachments a list"
    if not text.strip() and not attachments:
        return 422, "empty message"
    if len(text.encode()) > MAX_TEXT_BYTES:
        return 413, "text longer than 64 KiB"
    return None


def create_sandbox(state: SandboxState | None = None) -> Starlette:
    state = state or SandboxState()

    async def post_message(request: Request) -> JSONResponse:
        store = request.path_params["store"]
        key = request.headers.get("idempotency-key", "").strip()
        if not key:
            return JSONResponse({"error": "Idempotency-Key header is required"}, status_code=400)
        with state.lock:
            if state.faults:
                fault = state.faults[0]
                fault["count"] -= 1
                if fault["count"] <= 0:
                    state.faults.pop(0)
                headers = (
                    {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") else {}
                )
                return JSONResponse({"error": "injected fault"}, fault["status"], headers=headers)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        problem = _problem(body)
        if problem:
            return JSONResponse({"error": problem[1]}, status_code=problem[0])
        text, attachments = body["text"], body.get("attachments", [])
        with state.lock:
            known = state.by_key.get((store, key))
            if known is not None:
                return JSONResponse({"id": known["id"], "duplicate": True}, status_code=200)
            record = {
                "id": f"sbx-{next(state.ids)}",
                "store": store,
                "conversation": request.path_params["conversation"],
                "text": text,
                "attachments": attachments,
                "automatic": bool(body.get("automatic", False)),
            }
            state.by_key[(store, key)] = record
        return JSONResponse({"id": record["id"], "duplicate": False}, status_code=201)

    async def list_messages(request: Request) -> JSONResponse:
        store = request.path_params["store"]
        with state.lock:
            rows = [r for (s, _), r in state.by_key.items() if s == store]
        return JSONResponse({"messages": rows})

    async def add_fault(request: Request) -> JSONResponse:
        body = await request.json()
        with state.lock:
            state.faults.append(
                {
                    "status": int(body.get("status", 500)),
                    "count": int(body.get("count", 1)),
                    "retry_after": body.get("retry_after"),
                }
            )
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route(
                "/v1/stores/{store}/conversations/{conversation}/messages",
                post_message,
                methods=["POST"],
            ),
            Route("/v1/stores/{store}/messages", list_messages, methods=["GET"]),
            Route("/v1/faults", add_fault, methods=["POST"]),
        ]
    )
