"""Team work over HTTP (docs/team.md "Working together"): the notes and notifications
API, the reply API's collision refusal, the event stream, presence and the pages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from kefu.bootstrap import Kefu
from kefu.services import inbox, notes
from kefu.web.app import create_app
from kefu.web.pages import live
from tests.factories import acting, make_message
from tests.web import sign_in, signed_in

STREAM = {"Accept": "text/event-stream"}


def _events(body: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in body.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_notes_and_notifications_through_the_api(kefu: Kefu, team: dict[str, int]) -> None:
    conv = team["ali"]
    with signed_in(kefu, "wangwei") as client:
        created = client.post(
            f"/api/v1/conversations/{conv}/notes", json={"text": "Call the carrier @zhangmin"}
        )
        assert created.status_code == 201, created.text
        listed = client.get(f"/api/v1/conversations/{conv}/notes").json()
        assert [(n["text"], n["mentions"]) for n in listed] == [
            ("Call the carrier @zhangmin", ["张敏 Zhang Min"])
        ]
        refused = client.post(
            f"/api/v1/conversations/{team['ebay']}/notes", json={"text": "@lina see this"}
        )
        assert refused.status_code == 422
        assert refused.json()["error"] == "mention_refused"
        assert refused.json()["name"] == "李娜 Li Na"
        assert (
            client.post(
                f"/api/v1/conversations/{conv}/notes", json={"text": "x" * 4001}
            ).status_code
            == 422
        )
    with signed_in(kefu, "zhangmin") as client:
        mine = client.get("/api/v1/notifications").json()
        assert mine["unread"] == 1
        assert [(i["kind"], i["actor_name"]) for i in mine["items"]] == [
            ("mention", "王伟 Wang Wei")
        ]
        assert client.post("/api/v1/notifications/read", json={}).json() == {"marked": 1}
        assert client.get("/api/v1/notifications").json()["unread"] == 0


def _last_buyer_message(kefu: Kefu, conversation_id: int) -> int:
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(conversation_id, kefu.clock.now())
    assert detail is not None
    return max(m.id for m in detail.messages if m.direction == "buyer")


def test_the_reply_api_refuses_a_second_answer_to_one_buyer_message(
    kefu: Kefu, team: dict[str, int]
) -> None:
    conv = team["ali"]
    seen = _last_buyer_message(kefu, conv)
    body = {"text": "Hola Ana", "answering_message_id": seen}
    with signed_in(kefu, "wangwei") as client:
        assert (
            client.post(
                f"/api/v1/conversations/{conv}/replies", json=body | {"request_id": "a"}
            ).status_code
            == 201
        )
    with signed_in(kefu, "zhangmin") as client:
        second = client.post(
            f"/api/v1/conversations/{conv}/replies", json=body | {"request_id": "b"}
        )
        assert second.status_code == 409
        assert second.json()["error"] == "reply_collision"
        assert second.json()["author"] == "王伟 Wang Wei"
        anyway = client.post(
            f"/api/v1/conversations/{conv}/replies",
            json=body | {"request_id": "b", "send_anyway": True},
        )
        assert anyway.status_code == 201


def test_the_reply_form_says_who_answered_first_with_and_without_htmx(
    kefu: Kefu, team: dict[str, int]
) -> None:
    conv = team["ali"]
    seen = str(_last_buyer_message(kefu, conv))
    with signed_in(kefu, "wangwei") as client:
        assert (
            client.post(
                f"/api/v1/conversations/{conv}/replies",
                json={"text": "Hola Ana", "request_id": "first"},
            ).status_code
            == 201
        )
    form = {"text": "Hola otra vez", "answering_message_id": seen}
    with signed_in(kefu, "zhangmin", locale="zh_CN") as client:
        for n, headers in enumerate(({"HX-Request": "true"}, {})):
            shown = client.post(
                f"/conversations/{conv}/reply",
                data=form | {"request_id": f"late-{n}"},
                headers=headers,
            )
            assert shown.status_code == 200, shown.text[:300]
            assert "王伟 Wang Wei" in shown.text and "Hola otra vez" in shown.text
            assert ("<html" in shown.text) == (not headers)


def test_the_event_stream_needs_a_session_and_sends_the_unread_count(
    kefu: Kefu, team: dict[str, int]
) -> None:
    with TestClient(create_app(kefu=kefu)) as anonymous:
        assert anonymous.get("/events", headers=STREAM, follow_redirects=False).status_code == 303
    inbox.assign(
        acting(kefu, "owner"),
        team["ali"],
        acting(kefu, "zhangmin").account_id,
        uow=kefu.uow(),
        clock=kefu.clock,
    )
    with signed_in(kefu, "zhangmin") as client:
        assert client.get("/events").status_code == 406
        with client.stream("GET", "/events?once=true", headers=STREAM) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            body = "".join(response.iter_text())
        assert body.startswith("retry: ")
        # one unread conversation assigned to zhangmin (a lead's assignment is no notification)
        assert _events(body) == [("unread", {"count": 1, "notifications": 0, "conversations": 1})]
        with_presence = client.get(
            f"/events?once=true&conversation={team['ali']}", headers=STREAM
        ).text
        assert ("presence", {"people": []}) in _events(with_presence)  # no one else there
        hidden = client.get(f"/events?once=true&conversation={10**6}", headers=STREAM)
        assert hidden.status_code == 404


class _Request:
    """Stands in for the browser's request: gone after `alive` checks."""

    def __init__(self, alive: int) -> None:
        self.alive = alive

    async def is_disconnected(self) -> bool:
        self.alive -= 1
        return self.alive < 0


def _run_apart(work: Coroutine[Any, Any, list[str]]) -> list[str]:
    """Run a coroutine on a loop of its own thread: in one pytest process the browser
    tests keep an event loop running in the main thread, where asyncio.run refuses."""
    with ThreadPoolExecutor(max_workers=1) as apart:
        return apart.submit(asyncio.run, work).result()


def test_the_stream_ends_when_the_browser_leaves_or_the_server_stops(
    kefu: Kefu, team: dict[str, int], monkeypatch: Any
) -> None:
    monkeypatch.setattr(live, "TICK_SECONDS", 0.01)
    monkeypatch.setattr(live, "POLL_SECONDS", 0.0)
    who = acting(kefu, "zhangmin")

    async def drain(streams: live.Streams, request: _Request) -> list[str]:
        feed = live.Feed(kefu, who, None, str)
        return [c async for c in live._stream(request, streams, feed, False)]  # type: ignore[arg-type]

    streams = live.Streams()
    chunks = _run_apart(drain(streams, _Request(alive=3)))
    assert chunks[0].startswith("retry: ") and streams.open == {}
    stopping = live.Streams(stopping=True)
    assert len(_run_apart(drain(stopping, _Request(alive=10**6)))) == 2  # retry, unread
    assert stopping.open == {}
    full = live.Streams()
    for _ in range(live.MAX_STREAMS_PER_ACCOUNT):
        assert full.enter(who.account_id)
    busy = _run_apart(drain(full, _Request(alive=10**6)))
    assert len(busy) == 1 and "event: busy" in busy[0]
    assert full.open == {who.account_id: live.MAX_STREAMS_PER_ACCOUNT}


def test_an_account_opens_at_most_five_streams() -> None:
    streams = live.Streams()
    assert [streams.enter(7) for _ in range(6)] == [True] * 5 + [False]
    streams.leave(7)
    assert streams.enter(7)


def test_the_conversation_page_shows_notes_presence_and_refusals_in_words(
    kefu: Kefu, team: dict[str, int]
) -> None:
    conv = team["ali"]
    with signed_in(kefu, "wangwei", locale="zh_CN") as client:
        hx = {"HX-Request": "true"}
        added = client.post(
            f"/conversations/{conv}/notes", data={"text": "退款已同意 @zhangmin"}, headers=hx
        )
        assert added.status_code == 200
        assert "内部备注" in added.text and "退款已同意 @zhangmin" in added.text
        refused = client.post(
            f"/conversations/{team['ebay']}/notes", data={"text": "@lina 看一下"}, headers=hx
        )
        assert refused.headers["HX-Retarget"] == "#note-form"
        assert "李娜 Li Na 看不到此会话" in refused.text
        page = client.get(f"/conversations/{conv}").text
        assert page.count('data-testid="note"') == 1
        assert "只有主管或负责此会话的客服可以重新分配" in page
        handover = client.post(
            f"/conversations/{conv}/assign", data={"assignee_id": str(team["lina"])}, headers=hx
        )
        assert handover.status_code == 409
        assert "你只能转交分配给你的会话" in handover.text
        client.post(f"/conversations/{conv}/presence", data={"state": "typing"})
    with signed_in(kefu, "zhangmin", locale="zh_CN") as client:
        banner = client.post(f"/conversations/{conv}/presence", data={"state": "viewing"}).text
        assert "王伟 Wang Wei 正在输入回复" in banner
        page = client.get("/notifications").text
        assert "王伟 Wang Wei 提到了你" in page
        sign_in(client, kefu, "zhangmin")


def test_the_stream_tells_of_a_new_message_and_a_mention_once(
    kefu: Kefu, team: dict[str, int]
) -> None:
    zhang = acting(kefu, "zhangmin")
    inbox.assign(
        acting(kefu, "owner"), team["ali"], zhang.account_id, uow=kefu.uow(), clock=kefu.clock
    )
    feed = live.Feed(kefu, zhang, None, str)
    feed.first()
    assert feed.changes() == []  # nothing moved
    inbox.ingest([make_message(70, text="where is it?")], kefu.uow(), kefu.clock)
    notes.add_note(
        acting(kefu, "wangwei"), team["ali"], "@zhangmin", uow=kefu.uow(), clock=kefu.clock
    )
    events = feed.changes()
    told = [(name, data.get("kind"), data.get("url")) for name, data in events]
    assert told == [
        ("inbox", None, None),
        ("unread", None, None),
        ("notification", "mention", f"/conversations/{team['ali']}"),
        ("notification", "assigned_message", f"/conversations/{team['ali']}"),
    ]
    assert events[-1][1]["body"] == "where is it?"
    assert feed.changes() == []  # each told once
