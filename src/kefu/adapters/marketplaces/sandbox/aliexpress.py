"""The sandbox's AliExpress face: the open platform's `/sync` gateway, in memory.

It speaks the format of the sources named in kefu.adapters.marketplaces.aliexpress (TOP
`aliexpress.message.redefining.versiontwo.*` methods, answers under
`<method>_response`, refusals as `{"error_response": {code, msg, sub_code, sub_msg,
request_id}}`, HTTP 200 either way) and refuses what the platform refuses:

* a missing or wrong signature (24, 25), an unknown app key (29), a missing, unknown or
  expired access token (26, 27), a timestamp missing or further than `skew` from its
  clock (30, 31), an unknown or missing method (21, 22), a sign method other than
  sha256/hmac-sha256 (41);
* missing business parameters (40), `page_size` outside 1–100 and rows beyond the first
  5,000 (41), a rank outside 0–5 (41), a channel or buyer it does not know (15, isv.*);
* more calls a second per app than `rate_limit` (7 App Call Limited, "This ban will last
  for N more seconds").

The error codes are those of the TOP gateway's public error table (docs/channels.md).
The signature is checked by its own code here, not the client's, so a client bug shows.
Test helpers make a buyer write, add a platform notice, set a rank or state as the seller
would in the message centre, read a channel back, and inject HTTP faults (5xx/429 with
Retry-After). The clock is injectable; nothing is random.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PAGE_SIZE_MAX = 100
REACHABLE_ROWS = 5000
RANKS = range(6)
PREFIX = "aliexpress.message.redefining.versiontwo."
SIGN_METHODS = ("sha256", "hmac-sha256")
# The dispute answers the fault switch fails (sandbox/aliexpress_cases.py).
DECISION_METHODS = (
    "aliexpress.issue.solution.agree",
    "aliexpress.issue.solution.save",
    "aliexpress.issue.image.upload",
)


class Refused(Exception):
    """A refusal in the platform's words."""

    def __init__(self, code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> None:
        super().__init__(msg)
        self.body: dict[str, object] = {"code": code, "msg": msg}
        if sub_code:
            self.body["sub_code"] = sub_code
        if sub_msg:
            self.body["sub_msg"] = sub_msg


def _missing(name: str) -> Refused:
    return Refused(40, "Missing required arguments", f"isv.missing-parameter:{name}", name)


def _invalid(name: str, why: str) -> Refused:
    return Refused(41, "Invalid arguments", f"isv.invalid-parameter:{name}", why)


@dataclass
class Message:
    id: int
    content: str
    gmt_create: int
    sender_ali_id: int
    sender_name: str
    sender_login_id: str
    message_type: str
    extern_id: int
    images: list[str] = field(default_factory=list)

    def detail(self) -> dict[str, object]:
        detail: dict[str, object] = {
            "id": self.id,
            "content": self.content,
            "gmt_create": self.gmt_create,
            "sender_ali_id": self.sender_ali_id,
            "sender_name": self.sender_name,
            "message_type": self.message_type,
            "extern_id": self.extern_id,
            "summary": {"sender_login_id": self.sender_login_id, "sender_name": self.sender_name},
        }
        if self.images:
            detail["file_path_list"] = {"file_path": [{"l_path": url} for url in self.images]}
        return detail


@dataclass
class Channel:
    channel_id: str
    buyer_login_id: str
    buyer_name: str
    buyer_ali_id: int
    order_id: int = 0
    child_id: int = 0
    child_name: str = ""
    read: bool = True
    handled: bool = True
    rank: int = 0
    unread: int = 0
    message_time: int = 0
    messages: list[Message] = field(default_factory=list)

    def relation(self) -> dict[str, object]:
        last = self.messages[-1] if self.messages else None
        return {
            "channel_id": self.channel_id,
            "child_id": self.child_id,
            "child_name": self.child_name,
            "deal_stat": "1" if self.handled else "0",
            "read_stat": "1" if self.read else "0",
            "rank": str(self.rank),
            "unread_count": self.unread,
            "last_message_id": last.id if last else 0,
            "last_message_content": last.content if last else "",
            "last_message_is_own": bool(last and last.sender_ali_id != self.buyer_ali_id),
            "message_time": self.message_time,
            "order_id": self.order_id,
            "other_ali_id": self.buyer_ali_id,
            "other_login_id": self.buyer_login_id,
            "other_name": self.buyer_name,
        }


class AliExpressFace:
    """The face's state; tests and the demo seed it and read it back."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        skew_seconds: float = 600.0,
        rate_limit: int | None = None,
        seller_login_id: str = "cn1000000001",
        seller_ali_id: int = 200000001,
        seller_name: str = "kefu demo shop",
    ) -> None:
        self.clock = clock
        self.skew_seconds = skew_seconds
        self.rate_limit = rate_limit
        self.seller = (seller_login_id, seller_ali_id, seller_name)
        self.lock = threading.RLock()
        self.apps: dict[str, str] = {}
        self.tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.channels: dict[str, Channel] = {}
        self.calls: list[str] = []  # every method asked, refused or not
        self.faults: list[tuple[int, float | None]] = []
        self._window: tuple[int, int] = (0, 0)  # (second, calls in it)
        self._ids = itertools.count(30_000_000_001)
        self._channel_ids = itertools.count(1_000_001)
        self._request_ids = itertools.count(1)
        # Its orders (aliexpress_orders imports this module's refusals, hence here).
        from kefu.adapters.marketplaces.sandbox.aliexpress_orders import OrderBook

        self.orders = OrderBook(self)
        # Its disputes (aliexpress.issue.*; sandbox/aliexpress_cases.py).
        from kefu.adapters.marketplaces.sandbox.aliexpress_cases import IssueBook

        self.issues = IssueBook(self)
        # Its tracking (aliexpress.logistics.redefining.querytrackingresult).
        from kefu.adapters.marketplaces.sandbox.aliexpress_tracking import TrackingBook

        self.tracking = TrackingBook()

    # Seeding and reading back (test helpers)

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def add_app(self, app_key: str, secret: str) -> None:
        self.apps[app_key] = secret

    def grant(self, token: str, expires_at: float) -> None:
        self.tokens[token] = expires_at

    def open_channel(
        self,
        buyer_login_id: str,
        buyer_name: str = "",
        *,
        order_id: int = 0,
        child: tuple[int, str] | None = None,
        channel_id: str | None = None,
    ) -> str:
        with self.lock:
            number = next(self._channel_ids)
            channel_id = channel_id or (str(order_id) if order_id else str(number))
            self.channels[channel_id] = Channel(
                channel_id=channel_id,
                buyer_login_id=buyer_login_id,
                buyer_name=buyer_name or buyer_login_id,
                buyer_ali_id=number,
                order_id=order_id,
                child_id=child[0] if child else 0,
                child_name=child[1] if child else "",
            )
            return channel_id

    def buyer_writes(self, channel_id: str, text: str, *, images: tuple[str, ...] = ()) -> int:
        """A buyer message arrives: the conversation is unread and unhandled again."""
        with self.lock:
            channel = self.channels[channel_id]
            message = self._append(
                channel,
                text,
                sender=(channel.buyer_ali_id, channel.buyer_name, channel.buyer_login_id),
                images=list(images),
            )
            channel.read, channel.handled = False, False
            channel.unread += 1
            return message.id

    def shop_writes(self, channel_id: str, text: str, *, images: tuple[str, ...] = ()) -> int:
        with self.lock:
            login, ali_id, name = self.seller
            channel = self.channels[channel_id]
            return self._append(channel, text, sender=(ali_id, name, login), images=list(images)).id

    def notice(self, channel_id: str, text: str) -> int:
        """A system message of the platform (sender id 0, type "system")."""
        with self.lock:
            channel = self.channels[channel_id]
            return self._append(channel, text, sender=(0, "AliExpress", ""), kind="system").id

    def channel(self, channel_id: str) -> dict[str, Any]:
        """What the seller's message centre shows of a channel."""
        with self.lock:
            channel = self.channels[channel_id]
            return {
                "read": channel.read,
                "handled": channel.handled,
                "rank": channel.rank,
                "unread": channel.unread,
                "messages": [
                    {"id": m.id, "content": m.content, "own": m.sender_ali_id == self.seller[1]}
                    for m in channel.messages
                ],
            }

    def seller_sets(
        self,
        channel_id: str,
        *,
        rank: int | None = None,
        handled: bool | None = None,
        read: bool | None = None,
    ) -> None:
        """The seller changes a conversation in AliExpress's own message centre: as on
        the platform, its message_time stays where it was."""
        with self.lock:
            channel = self.channels[channel_id]
            if rank is not None:
                if rank not in RANKS:
                    raise ValueError("rank must be 0-5")
                channel.rank = rank
            if handled is not None:
                channel.handled = handled
            if read is not None:
                channel.read = read
                channel.unread = 0 if read else channel.unread

    def fail(self, status: int, count: int = 1, retry_after: float | None = None) -> None:
        """The next `count` calls answer this HTTP status (with Retry-After when given)."""
        self.faults.extend([(status, retry_after)] * count)

    def _append(
        self,
        channel: Channel,
        text: str,
        *,
        sender: tuple[int, str, str],
        images: list[str] | None = None,
        kind: str | None = None,
    ) -> Message:
        now = self.now_ms()
        message = Message(
            id=next(self._ids),
            content=text,
            gmt_create=now,
            sender_ali_id=sender[0],
            sender_name=sender[1],
            sender_login_id=sender[2],
            message_type=kind or ("order" if channel.order_id else "member"),
            extern_id=channel.order_id,
            images=images or [],
        )
        channel.messages.append(message)
        channel.message_time = now
        return message

    # The gateway

    def handle(
        self, params: Mapping[str, str], files: Mapping[str, bytes] | None = None
    ) -> dict[str, Any]:
        """One call: the answer document (success or error_response); `files` are its
        file parts (an image upload), which the signature does not cover."""
        request_id = f"sbx{next(self._request_ids):010d}"
        with self.lock:
            self.issues.files = files or {}
            self.calls.append(params.get("method", ""))
            try:
                self._authenticate(params)
                self._throttle(params["app_key"])
                method = params["method"]
                result = self._dispatch(method, params)
            except Refused as refusal:
                return {"error_response": {**refusal.body, "request_id": request_id}}
        key = method.replace(".", "_") + "_response"
        return {key: {"result": {"is_success": True, **result}, "request_id": request_id}}

    def _authenticate(self, params: Mapping[str, str]) -> None:
        for name, code, words in (
            ("app_key", 28, "Missing app key"),
            ("method", 21, "Missing method"),
            ("timestamp", 30, "Missing timestamp"),
        ):
            if not params.get(name):
                raise Refused(code, words)
        secret = self.apps.get(params["app_key"])
        if secret is None:
            raise Refused(29, "Invalid app Key")
        if not params.get("sign"):
            raise Refused(24, "Missing signature")
        if params.get("sign_method", "") not in SIGN_METHODS:
            raise _invalid("sign_method", "sign_method must be sha256")
        if not hmac.compare_digest(params["sign"].upper(), _signature(secret, params)):
            raise Refused(25, "Invalid signature")
        self._check_time(params["timestamp"])
        self._check_session(params.get("session") or params.get("access_token") or "")

    def _check_time(self, stamp: str) -> None:
        try:
            sent = int(stamp) / 1000
        except ValueError as exc:
            raise Refused(31, "Invalid timestamp", "isv.invalid-parameter:timestamp") from exc
        if abs(sent - self.clock()) > self.skew_seconds:
            raise Refused(
                31,
                "Invalid timestamp",
                "isv.invalid-parameter:timestamp",
                f"the timestamp is more than {int(self.skew_seconds)} s from the server's clock",
            )

    def _check_session(self, token: str) -> None:
        if not token:
            raise Refused(26, "Missing session")
        expiry = self.tokens.get(token)
        if expiry is None:
            raise Refused(27, "Invalid session", "invalid-sessionkey", "unknown access token")
        if expiry <= self.clock():
            raise Refused(27, "Invalid session", "session-expired", "the access token expired")

    def _throttle(self, app_key: str) -> None:
        if self.rate_limit is None:
            return
        second = int(self.clock())
        start, count = self._window
        count = count + 1 if start == second else 1
        self._window = (second, count)
        if count > self.rate_limit:
            raise Refused(
                7,
                "App Call Limited",
                "accesscontrol.limited-by-api-access-count",
                "This ban will last for 1 more seconds",
            )

    def _dispatch(self, method: str, params: Mapping[str, str]) -> dict[str, Any]:
        handlers: dict[str, Callable[[Mapping[str, str]], dict[str, Any]]] = {
            "querymsgrelationlist": self._relations,
            "querymsgdetaillist": self._details,
            "updatemsgread": self._mark_read,
            "updatemsgprocessed": self._mark_processed,
            "updatemsgrank": self._mark_rank,
            "addmsg": self._add,
        }
        handler = handlers.get(method.removeprefix(PREFIX)) if method.startswith(PREFIX) else None
        if handler is None and (answer := self.orders.dispatch(method, params)) is not None:
            return answer
        if handler is None and (answer := self.issues.dispatch(method, params)) is not None:
            return answer
        if handler is None and (answer := self.tracking.dispatch(method, params)) is not None:
            return answer
        if handler is None:
            raise Refused(22, "Invalid method", sub_msg=f"unknown method {method}")
        return handler(params)

    def _known(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise Refused(
                15, "Remote service error", "isv.invalid-parameter:channel_id", "no such channel"
            )
        return channel

    def _relations(self, params: Mapping[str, str]) -> dict[str, Any]:
        query = _object(params, "query")
        page, size = _paging(query.get("current_page"), query.get("page_size"))
        start = _number(query, "start_time", 0)
        end = _number(query, "end_time", self.now_ms())
        rank = query.get("rank")
        if rank not in (None, "") and _rank(rank) is None:
            raise _invalid("rank", "rank must be 0-5")
        chosen = [
            c
            for c in self.channels.values()
            if c.messages
            and start <= c.message_time <= end
            and not (query.get("only_un_dealed") is True and c.handled)
            and not (query.get("only_un_readed") is True and c.read)
            and (rank in (None, "") or c.rank == _rank(rank))
        ]
        chosen.sort(key=lambda c: (c.message_time, int(c.channel_id)), reverse=True)
        window = chosen[(page - 1) * size : page * size]
        return {"relation_list": {"relation_result": [c.relation() for c in window]}}

    def _details(self, params: Mapping[str, str]) -> dict[str, Any]:
        channel = self._known(_required(params, "channel_id"))
        page, size = _paging(params.get("current_page"), params.get("page_size"))
        newest_first = list(reversed(channel.messages))[(page - 1) * size : page * size]
        return {"message_detail_list": {"message_detail": [m.detail() for m in newest_first]}}

    def _mark_read(self, params: Mapping[str, str]) -> dict[str, Any]:
        channel = self._known(_required(params, "channel_id"))
        channel.read, channel.unread = True, 0
        return {}

    def _mark_processed(self, params: Mapping[str, str]) -> dict[str, Any]:
        channel = self._known(_required(params, "channel_id"))
        stat = _required(params, "deal_stat")
        if stat not in ("0", "1"):
            raise _invalid("deal_stat", "deal_stat must be 0 or 1")
        channel.handled = stat == "1"
        return {}

    def _mark_rank(self, params: Mapping[str, str]) -> dict[str, Any]:
        channel = self._known(_required(params, "channel_id"))
        rank = _rank(_required(params, "rank"))
        if rank is None:
            raise _invalid("rank", "rank must be 0-5 (white, red, orange, green, blue, purple)")
        channel.rank = rank
        return {}

    def _add(self, params: Mapping[str, str]) -> dict[str, Any]:
        create = _object(params, "create_param")
        buyer, content = create.get("buyer_id"), create.get("content")
        if not buyer:
            raise _missing("create_param.buyer_id")
        image = create.get("img_path")
        if image is not None and (not isinstance(image, str) or not image.startswith("http")):
            raise _invalid("create_param.img_path", "img_path: the image's URL")
        # ⚠ Assumed: an image may go without words (the SDKs mark neither field required).
        if not isinstance(content, str) or not (content.strip() or image):
            raise _missing("create_param.content")
        if create.get("message_type") not in ("product", "member", "order"):
            raise _invalid("create_param.message_type", "message_type: product, member or order")
        extern = str(create.get("extern_id", "0"))
        matches = [
            c
            for c in self.channels.values()
            if c.buyer_login_id == buyer
            and (create["message_type"] != "order" or str(c.order_id) == extern)
        ]
        if not matches:
            raise Refused(
                15,
                "Remote service error",
                "isv.invalid-parameter:buyer_id",
                "no such buyer or order",
            )
        self.shop_writes(matches[0].channel_id, content, images=(image,) if image else ())
        return {}


def _signature(secret: str, params: Mapping[str, str]) -> str:
    text = "".join(name + params[name] for name in sorted(params) if name != "sign")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise _missing(name)
    return value


def _object(params: Mapping[str, str], name: str) -> dict[str, Any]:
    try:
        value = json.loads(_required(params, name))
    except ValueError as exc:
        raise _invalid(name, f"{name} is not JSON") from exc
    if not isinstance(value, dict):
        raise _invalid(name, f"{name} must be an object")
    return value


def _number(values: Mapping[str, Any], name: str, default: int) -> int:
    value = values.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _invalid(name, f"{name} must be a number") from exc


def _paging(page_value: object, size_value: object) -> tuple[int, int]:
    if page_value in (None, ""):
        raise _missing("current_page")
    if size_value in (None, ""):
        raise _missing("page_size")
    page = _number({"current_page": page_value}, "current_page", 1)
    size = _number({"page_size": size_value}, "page_size", 20)
    if not 1 <= size <= PAGE_SIZE_MAX:
        raise _invalid("page_size", "page_size must be between 1 and 100")
    if page < 1:
        raise _invalid("current_page", "current_page starts at 1")
    if page * size > REACHABLE_ROWS:
        raise _invalid("current_page", "only the first 5000 rows can be queried")
    return page, size


def _rank(value: object) -> int | None:
    text = str(value).strip().lower().removeprefix("rank")
    return int(text) if text.isdigit() and int(text) in RANKS else None


def create_aliexpress_app(face: AliExpressFace) -> Starlette:
    """The face as an ASGI app: `POST /sync` (parameters in the query string, the body
    form-encoded, or both, as the SDKs send them)."""

    async def gateway(request: Request) -> JSONResponse:
        with face.lock:
            fault = face.faults.pop(0) if face.faults else None
        if fault is not None:
            status, retry_after = fault
            headers = {"Retry-After": str(int(retry_after))} if retry_after else {}
            return JSONResponse({"error": "injected fault"}, status, headers=headers)
        params = dict(request.query_params)
        files: dict[str, bytes] = {}
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            async with request.form() as form:
                for name, value in form.multi_items():
                    if isinstance(value, str):
                        params[name] = value
                    else:
                        files[name] = await value.read()
        else:
            body = (await request.body()).decode("utf-8", errors="replace")
            params.update(parse_qsl(body, keep_blank_values=True))
        decision_fault = None
        if params.get("method") in DECISION_METHODS:
            decision_fault = face.issues.faults.take()  # the switch for decisions only
            if decision_fault is not None and not decision_fault.applied:
                await asyncio.sleep(decision_fault.delay)
                return JSONResponse({"error": "injected fault"}, decision_fault.status)
        answer = face.handle(params, files)
        if decision_fault is not None:  # taken, and the answer lost on the way
            await asyncio.sleep(decision_fault.delay)
            return JSONResponse({"error": "injected fault"}, decision_fault.status)
        return JSONResponse(answer)

    return Starlette(routes=[Route("/sync", gateway, methods=["POST"])])
