"""AliExpress message centre over the open platform's signed gateway (issue 18).

Sources (docs/channels.md "AliExpress" lists them with what each says):

* Gateway and signing: AliExpress's `iop-sdk-python-20220609` (`IopClient.execute` and
  `sign`, copied in github.com/hypo69/hypo src/suppliers/aliexpress/api/_examples/iop/
  base.py): every parameter but `sign`, sorted by name, concatenated as name+value (an API
  name containing "/" is put in front; the method-style names of `/sync` are not),
  HMAC-SHA256 with the app secret, upper-case hex; `sign_method=sha256`, the timestamp in
  milliseconds, the access token in `session`.
* Methods and fields: the TOP SDKs' request/response classes of
  `aliexpress.message.redefining.versiontwo.*` (Python: github.com/bayborodin/
  aliexpress-sdk aliexpress/api/rest/AliexpressMessageRedefiningVersiontwo*Request.py;
  .NET: Top.Api.Request/Response of the same names) and the older PHP SDK's parameter
  classes (github.com/xiajian/aliexpress_php_sdk com/alibaba/openapi/sdk/aeopenapi/param/
  ApiQueryMsgRelationListParam, RelationResult, DetailResult, ApiAddMsgParam,
  ApiUpdateMsgRankParam…).
* Errors: `{"error_response": {"code", "msg", "sub_code", "sub_msg", "request_id"}}`
  (the TOP SDK's `RestApi.getResponse`, aliexpress/api/base.py of bayborodin/aliexpress-sdk).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from kefu.adapters.marketplaces.metering import Meter
from kefu.domain.channel_limits import ChannelLimits
from kefu.services.ports import (
    CallBudget,
    CallLimiter,
    ChannelError,
    ConversationState,
    OutgoingReply,
    PulledPage,
    StateChange,
    TokenRefused,
)

GATEWAY = "https://api-sg.aliexpress.com"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
PLATFORM = "aliexpress"

RELATIONS = "aliexpress.message.redefining.versiontwo.querymsgrelationlist"
DETAILS = "aliexpress.message.redefining.versiontwo.querymsgdetaillist"
MARK_READ = "aliexpress.message.redefining.versiontwo.updatemsgread"
MARK_PROCESSED = "aliexpress.message.redefining.versiontwo.updatemsgprocessed"
MARK_RANK = "aliexpress.message.redefining.versiontwo.updatemsgrank"
ADD_MESSAGE = "aliexpress.message.redefining.versiontwo.addmsg"
METHODS = (RELATIONS, DETAILS, MARK_READ, MARK_PROCESSED, MARK_RANK, ADD_MESSAGE)

PAGE_SIZE = 100  # "pageSize取值范围(0~100)"
REACHABLE_ROWS = 5000  # "最多返回前5000条数据": only the first 5,000 rows of a listing

# Channel limits as data (issue 18 "Sync"): what the message centre takes.
LIMITS: Mapping[str, object] = {
    "page_size": PAGE_SIZE,
    "reachable_rows": REACHABLE_ROWS,
    "ranks": (0, 1, 2, 3, 4, 5),
    "plain_text": True,
    "attachments": "one image by URL (create_param.img_path)",
}
# What the policy gate checks before a reply is written (kefu.domain.channel_limits): the
# SDKs state no length for addmsg's content (⚠ none checked) and one image by URL
# (create_param.img_path; ⚠ the image kinds are ours).
CHANNEL_LIMITS = ChannelLimits(
    text_chars=None,
    attachments=1,
    attachment_types=frozenset({"jpg", "jpeg", "png", "gif", "webp"}),
)

# Colour label 0–5 = white, red, orange, green, blue, purple (RelationResult.rank).
RANK_COLOURS = ("white", "red", "orange", "green", "blue", "purple")
# kefu's five marks (SPEC §7) → AliExpress ranks; there is no yellow: "reshipped" is orange.
MARK_RANKS: Mapping[str, int] = {"yellow": 2, "red": 1, "green": 3, "blue": 4, "purple": 5}
RANK_MARKS: Mapping[int, str] = {rank: mark for mark, rank in MARK_RANKS.items()}

# Retryable platform errors: throttling and the platform's own failures (TOP's public
# error table: 7 App Call Limited, 10 Service Currently Unavailable, 15 with an isp.*
# sub-code = the service provider failed); everything else (signature, session,
# permissions, arguments, isv.* sub-codes) is ours to fix.
RETRYABLE_CODES = frozenset({"7", "10"})
# The session (access token) is missing (26) or invalid / expired (27): reconnect.
SESSION_CODES = frozenset({"26", "27"})

# Call budgets as data (docs/channels.md "Rate limits"), shared by every worker through
# kefu.services.ports.CallLimiter. The gateway limits calls per app key ("API access count
# limitation": per app per day, set in the console; per API per second or per day, when
# exceeded "all applications will be banned for a second"), answering code 7 "App Call
# Limited … This ban will last for N more seconds". The per-second figure is not
# published: 15 a second, evenly spaced, is kefu's own ⚠ — below the 20 kefu's sandbox
# bans at, since calls let go on time reach the gateway with the network's jitter; a ban
# pauses the key for as long as it lasts.
BUDGETS: Mapping[str, CallBudget] = {"gateway": CallBudget(calls=15, seconds=1.0, burst=1)}


def budget_key(app_key: str) -> str:
    """The gateway counts per app key: every store of one app shares its budget."""
    return f"{PLATFORM}:gateway:{app_key}"


_BAN = re.compile(r"(\d+)\s*more\s*second", re.IGNORECASE)


def rank_of_mark(mark: str | None) -> int:
    """The AliExpress rank for a kefu mark (None or unknown: 0, white)."""
    return MARK_RANKS.get(mark or "", 0)


def mark_of_rank(rank: int | None) -> str | None:
    """The kefu mark for an AliExpress rank (0, white, is no mark)."""
    return RANK_MARKS.get(rank) if rank is not None else None


def sign(secret: str, params: Mapping[str, str], api: str | None = None) -> str:
    """The gateway signature of `params` (everything but `sign` itself)."""
    text = "".join(f"{name}{params[name]}" for name in sorted(params) if name != "sign")
    if api and "/" in api:
        text = api + text
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return digest.upper()


def response_key(method: str) -> str:
    """Where a method's answer sits: `<method with dots as underscores>_response`."""
    return method.replace(".", "_") + "_response"


def items(container: object, name: str) -> list[dict[str, Any]]:
    """A TOP list: `[...]`, or in JSON `{"<item name>": [...]}`."""
    if isinstance(container, dict):
        container = container.get(name, [])
    if not isinstance(container, list):
        return []
    return [item for item in container if isinstance(item, dict)]


def _millis(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat().replace("+00:00", "Z")


def _flag(value: object) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    return None


def _rank(value: object) -> int | None:
    text = str(value).strip().lower().removeprefix("rank") if value is not None else ""
    return int(text) if text.isdigit() and int(text) < len(RANK_COLOURS) else None


def state_of(relation: Mapping[str, Any]) -> ConversationState:
    """A relation record (RelationResultDomain) as kefu's conversation state."""
    when = _millis(relation.get("message_time"))
    owner = relation.get("child_name") or relation.get("child_id") or None
    rank = _rank(relation.get("rank"))
    return ConversationState(
        ref=str(relation["channel_id"]),
        read=_flag(relation.get("read_stat")),
        handled=_flag(relation.get("deal_stat")),
        mark=mark_of_rank(rank),
        mark_known=rank is not None,
        owner=str(owner) if owner not in (None, 0, "0") else None,
        updated_at=datetime.fromtimestamp(when / 1000, UTC) if when else None,
    )


def _order_number(relation: Mapping[str, Any], detail: Mapping[str, Any]) -> str | None:
    order = _millis(relation.get("order_id"))  # an id, not a time; same parsing
    if order is None and str(detail.get("message_type", "")).lower() == "order":
        order = _millis(detail.get("extern_id"))
    return str(order) if order else None


def _attachments(detail: Mapping[str, Any]) -> list[str]:
    urls = []
    for image in items(detail.get("file_path_list"), "file_path"):
        url = image.get("l_path") or image.get("m_path") or image.get("s_path")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            urls.append(url)
    return urls


def _is_notice(relation: Mapping[str, Any], detail: Mapping[str, Any]) -> bool:
    """A platform line: a system message type, or a sender that is neither side (id 0)."""
    kind = str(detail.get("message_type", "")).lower()
    return kind in ("system", "notice") or str(detail.get("sender_ali_id", "")) == "0"


def _is_buyer(relation: Mapping[str, Any], detail: Mapping[str, Any]) -> bool:
    buyer = relation.get("other_ali_id")
    if buyer not in (None, "", 0, "0") and detail.get("sender_ali_id") is not None:
        return str(detail["sender_ali_id"]) == str(buyer)
    summary = detail.get("summary") if isinstance(detail.get("summary"), dict) else {}
    login = summary.get("sender_login_id") if summary else None
    if login:
        return str(login) == str(relation.get("other_login_id"))
    return str(detail.get("sender_name", "")) == str(relation.get("other_name", ""))


def row_of(store: str, relation: Mapping[str, Any], detail: Mapping[str, Any]) -> dict[str, Any]:
    """One message (MessageDetailDomain) of a relation as a row of kefu's message format."""
    sent = _millis(detail.get("gmt_create"))
    row: dict[str, Any] = {
        "store": store,
        "message_id": str(detail["id"]),
        "conversation_id": str(relation["channel_id"]),
        "buyer_id": str(relation.get("other_login_id") or relation.get("other_ali_id")),
        "sent_at": iso(sent) if sent else None,
        "text": str(detail.get("content") or ""),
        "origin": "order_detail" if _millis(relation.get("order_id")) else "message_center",
    }
    if relation.get("other_name"):
        row["buyer_name"] = str(relation["other_name"])
    order = _order_number(relation, detail)
    if order:
        row["order_number"] = order
    attachments = _attachments(detail)
    if attachments:
        row["attachments"] = attachments
    if _is_notice(relation, detail):
        row["kind"] = "notice"
    elif not _is_buyer(relation, detail):
        row["direction"] = "shop"
    return row


@dataclass
class Cursor:
    """Where a sync stands, handed to kefu as JSON and back.

    A pass lists the conversations changed in [since, until], newest first, by moving the
    upper bound down (`upper`) instead of paging, so the 5,000-row cap is never reached
    and a conversation that changes during the pass only leaves the window (it is newer
    than `until` and is listed by the next pass). Messages are read back to `floor`, the
    previous pass's `since`, so one that left the window before its turn loses nothing.
    `page` > 1 only inside a run of more than a page of conversations with the same
    millisecond; `skip` holds those already taken at exactly `upper`.
    """

    since: int
    floor: int
    until: int | None = None
    upper: int | None = None
    page: int = 1
    skip: list[str] = field(default_factory=list)

    def dump(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "since": self.since,
                "floor": self.floor,
                "until": self.until,
                "upper": self.upper,
                "page": self.page,
                "skip": self.skip,
            },
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, text: str | None, since: datetime) -> Cursor:
        start = int(since.timestamp() * 1000)
        if not text:
            return cls(since=start, floor=start)
        try:
            data = json.loads(text)
            return cls(
                since=int(data["since"]),
                floor=int(data["floor"]),
                until=None if data.get("until") is None else int(data["until"]),
                upper=None if data.get("upper") is None else int(data["upper"]),
                page=int(data.get("page", 1)),
                skip=[str(ref) for ref in data.get("skip", [])],
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ChannelError(
                "the stored AliExpress sync position is unreadable; reconnect the store",
                retryable=False,
            ) from exc


@dataclass(frozen=True)
class Credentials:
    app_key: str
    app_secret: str
    access_token: str
    seller_login_id: str = ""


class AliExpressClient:
    """A store's AliExpress connection (kefu.services.ports.MarketplaceClient)."""

    # rank, dealStat and readStat: all of kefu's state both ways (ports.StateFields).
    state_fields = frozenset({"mark", "handled", "read"})

    def __init__(
        self,
        store: str,
        credentials: Credentials,
        *,
        base_url: str = GATEWAY,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
        page_size: int = PAGE_SIZE,
        limiter: CallLimiter | None = None,
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.clock = clock
        self.page_size = page_size
        self.meter = Meter(limiter)
        self.calls = 0
        self._relations: dict[str, dict[str, Any]] = {}

    @classmethod
    def from_credentials(
        cls, base_url: str, values: Mapping[str, str], **options: Any
    ) -> AliExpressClient:
        """From a store connection's opened credentials (kefu.services.ports
        MarketplaceFactory): store, app_key, app_secret, access_token, seller_login_id."""
        missing = [
            k for k in ("store", "app_key", "app_secret", "access_token") if not values.get(k)
        ]
        if missing:
            raise ChannelError(
                f"the AliExpress connection lacks {', '.join(missing)}", retryable=False
            )
        credentials = Credentials(
            values["app_key"],
            values["app_secret"],
            values["access_token"],
            values.get("seller_login_id", ""),
        )
        return cls(values["store"], credentials, base_url=base_url or GATEWAY, **options)

    def close(self) -> None:
        self.client.close()

    # The gateway

    def signed(self, method: str, params: Mapping[str, object]) -> dict[str, str]:
        """System and business parameters of one call, signed."""
        values = {
            "app_key": self.credentials.app_key,
            "method": method,
            "session": self.credentials.access_token,
            "sign_method": "sha256",
            "timestamp": str(int(self.clock() * 1000)),
            "format": "json",
            "simplify": "false",
        }
        for name, value in params.items():
            if value is not None:
                values[name] = _text(value)
        values["sign"] = sign(self.credentials.app_secret, values, method)
        return values

    def call(self, method: str, params: Mapping[str, object]) -> dict[str, Any]:
        """POST one method to `/sync`; its answer (what sits under `<method>_response`),
        within the app's call budget."""
        key = budget_key(self.credentials.app_key)
        self.meter.take(key, BUDGETS["gateway"])
        try:
            return self._call(method, params)
        except ChannelError as exc:
            self.meter.refused(key, exc)
            raise

    def _call(self, method: str, params: Mapping[str, object]) -> dict[str, Any]:
        self.calls += 1
        try:
            response = self.client.post(f"{self.base_url}/sync", data=self.signed(method, params))
        except httpx.TimeoutException as exc:
            raise ChannelError(f"AliExpress did not answer {method} in time") from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"AliExpress unreachable: {exc.__class__.__name__}") from exc
        body = _answer(method, response)
        if "error_response" in body:
            raise _refusal(method, body["error_response"])
        answer = body.get(response_key(method))
        if not isinstance(answer, dict):
            raise ChannelError(f"AliExpress answered {method} without {response_key(method)}")
        result = answer.get("result")
        if isinstance(result, dict) and _flag(result.get("is_success")) is False:
            raise ChannelError(
                f"AliExpress refused {method}: {result.get('error_msg') or 'no reason given'}"
                f" (error {result.get('error_code')})",
                retryable=False,
            )
        return answer

    # Pull

    def relations(
        self, *, start: int | None, end: int | None, page: int = 1, **filters: object
    ) -> list[dict[str, Any]]:
        query: dict[str, object] = {"current_page": page, "page_size": self.page_size}
        if start is not None:
            query["start_time"] = start
        if end is not None:
            query["end_time"] = end
        query.update({k: v for k, v in filters.items() if v is not None})
        answer = self.call(RELATIONS, {"query": query})
        return items(_result(answer).get("relation_list"), "relation_result")

    def details(self, channel_id: str, page: int = 1) -> list[dict[str, Any]]:
        answer = self.call(
            DETAILS, {"channel_id": channel_id, "current_page": page, "page_size": self.page_size}
        )
        return items(_result(answer).get("message_detail_list"), "message_detail")

    def messages_since(self, channel_id: str, floor: int) -> Iterator[dict[str, Any]]:
        """A channel's messages back to `floor` (ms), newest first, within the reachable rows."""
        for page in range(1, REACHABLE_ROWS // self.page_size + 1):
            batch = self.details(channel_id, page)
            for detail in batch:
                sent = _millis(detail.get("gmt_create")) or 0
                if sent < floor:
                    return
                yield detail
            if len(batch) < self.page_size:
                return

    def pull(self, cursor: str | None, since: datetime) -> PulledPage:
        position = Cursor.load(cursor, since)
        relations = self.relations(start=position.since, end=position.upper, page=position.page)
        if position.until is None:  # a new pass: its end is the newest change listed now
            times = [_millis(r.get("message_time")) or 0 for r in relations]
            position.until = max(times, default=position.since)
            position.upper = position.until
        fresh = [r for r in relations if not _taken(r, position)]
        rows: list[dict[str, object]] = []
        for relation in fresh:
            channel = str(relation["channel_id"])
            self._relations[channel] = relation
            for detail in self.messages_since(channel, position.floor):
                rows.append(row_of(self.store, relation, detail))
        rows.reverse()  # oldest first, as a thread is read
        states = [state_of(r) for r in fresh]
        done = len(relations) < self.page_size
        following = _advance(position, relations, done)
        return PulledPage(rows=rows, states=states, cursor=following.dump(), done=done)

    # Send

    def relation(self, channel_id: str) -> dict[str, Any]:
        """The relation record of a channel: remembered from a pull, else found in the list."""
        known = self._relations.get(channel_id)
        if known is not None:
            return known
        for page in range(1, REACHABLE_ROWS // self.page_size + 1):
            batch = self.relations(start=None, end=None, page=page)
            for relation in batch:
                self._relations[str(relation["channel_id"])] = relation
            if channel_id in self._relations:
                return self._relations[channel_id]
            if len(batch) < self.page_size:
                break
        raise ChannelError(
            f"AliExpress conversation {channel_id} is not among the shop's latest 5,000",
            retryable=False,
        )

    def sent_already(self, relation: Mapping[str, Any], text: str) -> str | None:
        """Our reply with this text after the buyer's last message, if the thread has one."""
        for detail in self.details(str(relation["channel_id"])):  # newest first
            if _is_buyer(relation, detail) and not _is_notice(relation, detail):
                return None
            if str(detail.get("content") or "").strip() == text.strip():
                return str(detail["id"])
        return None

    def send(self, reply: OutgoingReply) -> str:
        relation = self.relation(reply.conversation_ref)
        if reply.attempts > 0:
            earlier = self.sent_already(relation, reply.text)
            if earlier is not None:
                return earlier
        order = _millis(relation.get("order_id"))
        create = {
            "buyer_id": relation.get("other_login_id"),
            "seller_id": self.credentials.seller_login_id or None,
            "content": reply.text,
            "message_type": "order" if order else "member",
            "extern_id": order or 0,  # "member时请输入0"
            # One image a message, by URL; the gate refuses more (CHANNEL_LIMITS).
            "img_path": reply.attachments[0] if reply.attachments else None,
        }
        answer = self.call(
            ADD_MESSAGE, {"create_param": {k: v for k, v in create.items() if v is not None}}
        )
        result = _result(answer)
        for key in ("message_id", "msg_id", "id"):
            if result.get(key):
                return str(result[key])
        posted = self.sent_already(relation, reply.text)
        if posted is None:
            raise ChannelError("AliExpress took the reply but does not show it yet")
        return posted

    # Push

    def push(self, change: StateChange) -> None:
        """kefu's read/handled/mark as updatemsgread, updatemsgprocessed (dealStat) and
        updatemsgrank (the mark's rank, RANK_COLOURS); each sets a value, so a retry is
        harmless."""
        if change.read is False:
            raise ChannelError(
                "AliExpress cannot mark a conversation unread through its API", retryable=False
            )
        if change.set_mark and change.mark is not None and change.mark not in MARK_RANKS:
            raise ChannelError(
                f"AliExpress has no rank for the mark {change.mark!r}", retryable=False
            )
        if change.read is True:
            self.call(MARK_READ, {"channel_id": change.ref})
        if change.handled is not None:
            self.call(MARK_PROCESSED, {"channel_id": change.ref, "deal_stat": int(change.handled)})
        if change.set_mark:
            self.call(MARK_RANK, {"channel_id": change.ref, "rank": rank_of_mark(change.mark)})

    def recent_states(self, limit: int) -> list[ConversationState]:
        """The latest conversations' states, newest first (a rank or dealStat set on the
        platform does not move a conversation's message_time, so the cursor's window
        does not list it)."""
        states: list[ConversationState] = []
        pages = max(1, min(limit, REACHABLE_ROWS) // self.page_size)
        for page in range(1, pages + 1):
            batch = self.relations(start=None, end=None, page=page)
            for relation in batch:
                self._relations[str(relation["channel_id"])] = relation
            states.extend(state_of(r) for r in batch)
            if len(batch) < self.page_size:
                break
        return states[:limit]


def _text(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _result(answer: Mapping[str, Any]) -> dict[str, Any]:
    result = answer.get("result")
    return result if isinstance(result, dict) else {}


def _taken(relation: Mapping[str, Any], position: Cursor) -> bool:
    return (
        _millis(relation.get("message_time")) == position.upper
        and str(relation["channel_id"]) in position.skip
    )


def _advance(position: Cursor, relations: list[dict[str, Any]], done: bool) -> Cursor:
    if done:  # the pass is over: the next one starts where this one ended
        assert position.until is not None  # noqa: S101 - set when the pass began
        return Cursor(since=position.until, floor=position.since)
    oldest = min(_millis(r.get("message_time")) or 0 for r in relations)
    at_oldest = [
        str(r["channel_id"]) for r in relations if _millis(r.get("message_time")) == oldest
    ]
    if oldest == position.upper:  # a whole page of one millisecond: page within it
        skip = sorted(set(position.skip) | set(at_oldest))
        return Cursor(
            position.since, position.floor, position.until, oldest, position.page + 1, skip
        )
    return Cursor(position.since, position.floor, position.until, oldest, 1, sorted(at_oldest))


def _answer(method: str, response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 429 or response.status_code >= 500:
        raise ChannelError(
            f"AliExpress answered {method} with HTTP {response.status_code}",
            retry_after=_seconds(response.headers.get("retry-after")),
        )
    if response.status_code != 200:
        raise ChannelError(
            f"AliExpress answered {method} with HTTP {response.status_code}: {response.text[:200]}",
            retryable=False,
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise ChannelError(f"AliExpress answered {method} with something not JSON") from exc
    if not isinstance(body, dict):
        raise ChannelError(f"AliExpress answered {method} with something not an object")
    return body


def _refusal(method: str, error: object) -> ChannelError:
    fields = error if isinstance(error, dict) else {}
    code = str(fields.get("code", ""))
    sub_code = str(fields.get("sub_code") or "")
    words = (
        "; ".join(str(part) for part in (fields.get("msg"), fields.get("sub_msg")) if part)
        or "no reason given"
    )
    if code in SESSION_CODES:
        return TokenRefused(f"AliExpress refused {method}: {words} (code {code}); reconnect needed")
    retryable = code in RETRYABLE_CODES or sub_code.startswith("isp.")
    ban = _BAN.search(str(fields.get("sub_msg") or ""))
    detail = f"code {code}" + (f", {sub_code}" if sub_code else "")
    return ChannelError(
        f"AliExpress refused {method}: {words} ({detail})",
        retryable=retryable,
        retry_after=float(ban.group(1)) if ban else (1.0 if code == "7" else None),
    )


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
