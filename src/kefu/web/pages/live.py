"""Live updates (docs/team.md "Working together"): the event stream every signed-in page
opens, the presence heartbeat of an open conversation, internal notes posted from the
thread, and the notifications page.

The stream polls a cheap change marker in the database (three primary-key maxima) every
POLL_SECONDS and reads more only when it moved, so it works the same with several server
processes and needs no in-memory publish/subscribe. It ends when the browser goes away,
when the server shuts down, and after STREAM_SECONDS (the browser reconnects by itself).
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from kefu.bootstrap import Kefu
from kefu.domain.errors import DomainError
from kefu.services import notes, notifications, presence
from kefu.services.access import Principal
from kefu.services.ports import NotificationView, Presence
from kefu.web.deps import KefuDep
from kefu.web.i18n import negotiate, translations
from kefu.web.pages.inbox import _after_action
from kefu.web.params import MAX_ID, Id
from kefu.web.security import InboxViewer, SignedIn
from kefu.web.templating import render_page

router = APIRouter(include_in_schema=False)

POLL_SECONDS = 2.0
TICK_SECONDS = 0.25
STREAM_SECONDS = 300.0
RETRY_MS = 3000
MAX_STREAMS_PER_ACCOUNT = 5
BUSY_RETRY_MS = 60000  # a tab over the limit tries again a minute later


@dataclass
class Streams:
    """The open streams of this process, per account, and whether it is shutting down."""

    open: dict[int, int] = field(default_factory=dict)
    stopping: bool = False
    watching: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, account_id: int) -> bool:
        with self.lock:
            if self.open.get(account_id, 0) >= MAX_STREAMS_PER_ACCOUNT:
                return False
            self.open[account_id] = self.open.get(account_id, 0) + 1
            return True

    def leave(self, account_id: int) -> None:
        with self.lock:
            self.open[account_id] -= 1
            if not self.open[account_id]:
                del self.open[account_id]


def streams_of(app: FastAPI) -> Streams:
    found: Streams | None = getattr(app.state, "live_streams", None)
    if found is None:
        found = app.state.live_streams = Streams()
    return found


def _watch_shutdown(streams: Streams) -> None:
    """Uvicorn waits for open responses before it stops, and an event stream never ends by
    itself: chain its SIGINT/SIGTERM handlers so that every stream ends on the next tick."""
    if streams.watching or threading.current_thread() is not threading.main_thread():
        return
    streams.watching = True
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous = signal.getsignal(sig)

        def stop(number: int, frame: FrameType | None, previous: Any = previous) -> None:
            streams.stopping = True
            if callable(previous):
                previous(number, frame)

        signal.signal(sig, stop)


# --- the event stream -------------------------------------------------------------------------


@router.get("/events")
async def events(
    request: Request,
    kefu: KefuDep,
    who: SignedIn,
    conversation: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    once: bool = False,
) -> Response:
    """Server-sent events: `unread` (the count for the tab title), `inbox` (the list
    changed), `notification` (for a desktop notification and a sound) and, with
    `conversation`, `presence` (who else has it open). `once` sends the current state and
    ends (for a client that cannot keep a stream open). Over MAX_STREAMS_PER_ACCOUNT in
    this process, the stream says `busy` and ends; the browser retries a minute later."""
    if "text/event-stream" not in request.headers.get("accept", ""):
        return Response("this is an event stream: ask with Accept: text/event-stream", 406)
    if conversation is not None:  # a conversation the person may not see is refused now
        await asyncio.to_thread(
            presence.others, who, conversation, uow=kefu.uow(), clock=kefu.clock
        )
    streams = streams_of(request.app)
    _watch_shutdown(streams)
    locale = negotiate(request, kefu.settings.default_locale)
    feed = Feed(kefu, who, conversation, translations(locale).gettext)
    return StreamingResponse(
        _stream(request, streams, feed, once),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(request: Request, streams: Streams, feed: Feed, once: bool) -> AsyncIterator[str]:
    # Counted here, not in the handler: a stream that never starts is never counted.
    if not streams.enter(feed.who.account_id):
        yield f"retry: {BUSY_RETRY_MS}\n\n" + sse("busy", {"limit": MAX_STREAMS_PER_ACCOUNT})
        return
    try:
        yield f"retry: {RETRY_MS}\n\n"
        for name, data in await asyncio.to_thread(feed.first):
            yield sse(name, data)
        if once:
            return
        ends = time.monotonic() + STREAM_SECONDS
        next_poll = time.monotonic() + POLL_SECONDS
        while time.monotonic() < ends and not streams.stopping:
            if await request.is_disconnected():
                return
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + POLL_SECONDS
                for name, data in await asyncio.to_thread(feed.changes):
                    yield sse(name, data)
            await asyncio.sleep(TICK_SECONDS)
    finally:
        streams.leave(feed.who.account_id)


def sse(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


Event = tuple[str, dict[str, Any]]


class Feed:
    """What one stream has told its browser, and what changed since (runs in a thread)."""

    def __init__(
        self, kefu: Kefu, who: Principal, conversation: int | None, gettext: Callable[[str], str]
    ) -> None:
        self.kefu, self.who, self.conversation, self._ = kefu, who, conversation, gettext
        self.version: tuple[int, int, int] = (0, 0, 0)
        self.count = -1
        self.last_message = 0  # the largest message id at the last look
        self.last_notification = 0
        self.people: list[tuple[str, str]] | None = None

    def first(self) -> list[Event]:
        self.version = notifications.version(uow=self.kefu.uow())
        self.last_message = self.version[0]
        seen = notifications.listed(self.who, uow=self.kefu.uow(), limit=1)
        self.last_notification = seen[0].id if seen else 0
        return self._unread() + self._presence()

    def changes(self) -> list[Event]:
        out = self._presence()
        version = notifications.version(uow=self.kefu.uow())
        if version == self.version:
            return out
        self.version = version
        out.append(("inbox", {"version": list(version)}))
        return out + self._unread() + self._notifications()

    def _unread(self) -> list[Event]:
        counts = notifications.counts(self.who, uow=self.kefu.uow())
        if counts.total == self.count:
            return []
        self.count = counts.total
        return [
            (
                "unread",
                {
                    "count": counts.total,
                    "notifications": counts.notifications,
                    "conversations": counts.conversations,
                },
            )
        ]

    def _notifications(self) -> list[Event]:
        _ = self._
        fresh = [
            n
            for n in notifications.listed(self.who, uow=self.kefu.uow(), unread_only=True, limit=5)
            if n.id > self.last_notification
        ]
        if fresh:
            self.last_notification = max(n.id for n in fresh)
        out = [("notification", self._describe(n)) for n in reversed(fresh)]
        after, self.last_message = self.last_message, self.version[0]
        for m in notifications.new_buyer_messages(self.who, after, uow=self.kefu.uow()):
            out.append(
                (
                    "notification",
                    {
                        "kind": "assigned_message",
                        "title": _("New message from %(name)s")
                        % {"name": m.buyer_name or _("Buyer")},
                        "body": m.preview,
                        "url": f"/conversations/{m.conversation_id}",
                        "tag": f"message-{m.message_id}",
                    },
                )
            )
        return out

    def _describe(self, n: NotificationView) -> dict[str, Any]:
        _ = self._
        actor = n.actor_name or _("Someone")
        title = (
            _("%(name)s mentioned you") % {"name": actor}
            if n.kind == "mention"
            else _("%(name)s passed a conversation to you") % {"name": actor}
        )
        return {
            "kind": n.kind,
            "title": title,
            "body": n.excerpt or (n.buyer_name or ""),
            "url": f"/conversations/{n.conversation_id}",
            "tag": f"notification-{n.id}",
        }

    def _presence(self) -> list[Event]:
        if self.conversation is None:
            return []
        try:
            found = presence.others(
                self.who, self.conversation, uow=self.kefu.uow(), clock=self.kefu.clock
            )
        except DomainError:
            return []
        people = [(p.name, p.state) for p in found]
        if people == self.people:
            return []
        self.people = people
        return [("presence", {"people": [{"name": n, "state": s} for n, s in people]})]


# --- presence ---------------------------------------------------------------------------------


@router.post("/conversations/{conversation_id}/presence")
def presence_beat(
    conversation_id: Id,
    request: Request,
    kefu: KefuDep,
    who: InboxViewer,
    state: Annotated[str, Form(max_length=8)] = "viewing",
) -> Response:
    """The open conversation's heartbeat (every ~10 s, and when the agent types); answers
    with the warning about the others there."""
    others = presence.heartbeat(who, conversation_id, state, uow=kefu.uow(), clock=kefu.clock)
    return _presence_banner(request, conversation_id, others)


@router.get("/conversations/{conversation_id}/presence")
def presence_view(
    conversation_id: Id, request: Request, kefu: KefuDep, who: InboxViewer
) -> Response:
    others = presence.others(who, conversation_id, uow=kefu.uow(), clock=kefu.clock)
    return _presence_banner(request, conversation_id, others)


def _presence_banner(request: Request, conversation_id: int, others: list[Presence]) -> Response:
    return render_page(
        request,
        "partials/presence.html",
        {"conversation_id": conversation_id, "others": others},
    )


# --- notes ------------------------------------------------------------------------------------


@router.post("/conversations/{conversation_id}/notes")
def note_action(
    conversation_id: Id,
    request: Request,
    kefu: KefuDep,
    who: InboxViewer,
    text: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Add an internal note; a refused one stays in the box with the reason in words."""
    try:
        notes.add_note(who, conversation_id, text, uow=kefu.uow(), clock=kefu.clock)
    except DomainError as refused:
        if request.headers.get("HX-Request") != "true":
            raise
        response = render_page(
            request,
            "partials/note_form.html",
            {
                "c": {"id": conversation_id},
                "note_draft": text,
                "note_error": refused,
                "mentionable": notes.teammates(who, conversation_id, uow=kefu.uow()),
            },
        )
        response.headers["HX-Retarget"] = "#note-form"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    # The whole conversation again, so the note appears in the thread in its place.
    return _after_action(request, kefu, who, conversation_id)


# --- the notifications page -------------------------------------------------------------------


@router.get("/notifications")
def notifications_page(request: Request, kefu: KefuDep, who: SignedIn) -> Response:
    return render_page(
        request,
        "pages/notifications.html",
        {"nav": "notifications", "items": notifications.listed(who, uow=kefu.uow(), limit=100)},
    )


@router.post("/notifications/read")
def notifications_read(
    request: Request,
    kefu: KefuDep,
    who: SignedIn,
    notification_id: Annotated[str, Form(max_length=19)] = "",
) -> Response:
    """One notification (`notification_id`), or all of them when it is empty."""
    target = notification_id.strip()
    ids = [int(target)] if target.isascii() and target.isdigit() else None
    if target and ids is None:
        ids = []
    notifications.mark_read(who, ids, uow=kefu.uow(), clock=kefu.clock)
    return RedirectResponse("/notifications", status_code=303)
