"""Bulk actions and saved views on a real database, through the use cases and the API."""

from __future__ import annotations

from sqlalchemy import select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.domain.bulk import BulkAction, Outcome
from kefu.services import bulk_actions, inbox, views
from kefu.services.bulk_actions import BulkRequest
from tests.factories import acting
from tests.web import signed_in


def _closes(kefu: Kefu) -> list[int]:
    with kefu.session_factory() as session:
        rows = session.scalars(select(t.AuditEntry.entity_id).where(t.AuditEntry.action == "close"))
        return [int(r) for r in rows]


def test_bulk_close_twice_changes_each_conversation_once(kefu: Kefu, team: dict[str, int]) -> None:
    ids = (team["ali"], team["ebay"])
    request = BulkRequest(BulkAction.CLOSE, ids)
    first = bulk_actions.run(acting(kefu), request, uow_factory=kefu.uow, clock=kefu.clock)
    again = bulk_actions.run(acting(kefu), request, uow_factory=kefu.uow, clock=kefu.clock)
    assert [i.outcome for i in first.items] == [Outcome.DONE, Outcome.DONE]
    assert [i.outcome for i in again.items] == [Outcome.ALREADY, Outcome.ALREADY]
    assert sorted(_closes(kefu)) == sorted(ids)


def test_an_agent_closes_what_they_see_and_the_rest_is_refused_one_by_one(
    kefu: Kefu, team: dict[str, int]
) -> None:
    lina = acting(kefu, team["lina"])
    request = BulkRequest(BulkAction.CLOSE, (team["ebay"], team["ali"], team["ebay"]))
    report = bulk_actions.run(lina, request, uow_factory=kefu.uow, clock=kefu.clock)
    outcomes = [(i.conversation_id, i.outcome, i.code) for i in report.items]
    assert outcomes == [
        (team["ebay"], Outcome.REFUSED, "not_found"),
        (team["ali"], Outcome.DONE, None),
    ]
    assert _closes(kefu) == [team["ali"]]


def test_bulk_assign_checks_the_assignee_against_each_store(
    kefu: Kefu, team: dict[str, int]
) -> None:
    request = BulkRequest(BulkAction.ASSIGN, (team["ali"], team["ebay"]), assignee_id=team["lina"])
    report = bulk_actions.run(acting(kefu), request, uow_factory=kefu.uow, clock=kefu.clock)
    assert [(i.outcome, i.code) for i in report.items] == [
        (Outcome.DONE, None),
        (Outcome.REFUSED, "invalid_input"),
    ]
    assert report.items[1].reason == "this agent is not given the conversation's store"
    with kefu.uow() as uow:
        detail = uow.queries.conversation_detail(team["ali"], kefu.clock.now())
    assert detail is not None and detail.assignee_id == team["lina"]


def test_bulk_through_the_api_with_clear_errors(kefu: Kefu, team: dict[str, int]) -> None:
    with signed_in(kefu) as client:
        done = client.post(
            "/api/v1/conversations/bulk",
            json={"action": "mark", "ids": [team["ali"], team["ebay"]], "colour_mark": "red"},
        )
        assert done.status_code == 200, done.text
        assert (done.json()["done"], done.json()["refused"]) == (2, 0)
        too_many = client.post(
            "/api/v1/conversations/bulk", json={"action": "close", "ids": list(range(1, 202))}
        )
        assert too_many.status_code == 422
        assert "200" in too_many.text
        unknown = client.post("/api/v1/conversations/bulk", json={"action": "burn", "ids": [1]})
        assert unknown.status_code == 422
    with signed_in(kefu, "lina") as client:
        refused = client.post(
            "/api/v1/conversations/bulk", json={"action": "assign", "ids": [team["ali"]]}
        )
        assert refused.status_code == 403
        assert refused.json()["error"] == "forbidden"


def test_saved_views_per_person_through_the_api(kefu: Kefu, team: dict[str, int]) -> None:
    with signed_in(kefu, "lina") as client:
        made = client.post(
            "/api/v1/views", json={"name": " Red ", "query": "?colour_mark=red&page=2"}
        )
        assert made.status_code == 200, made.text
        assert made.json() | {"id": 0} == {
            "id": 0,
            "name": "Red",
            "query": "colour_mark=red",
            "position": 1,
        }
        again = client.post("/api/v1/views", json={"name": "Red", "query": "state=closed"})
        client.post("/api/v1/views", json={"name": "Mine", "query": "assignee=me"})
        listed = client.get("/api/v1/views").json()
        assert [(v["name"], v["query"]) for v in listed] == [
            ("Red", "state=closed"),
            ("Mine", "assignee=me"),
        ]
        assert again.json()["id"] == made.json()["id"]
        bad = client.post("/api/v1/views", json={"name": "x", "query": "drop=1"})
        assert bad.status_code == 422 and "not an inbox filter: drop" in bad.text
        long_name = client.post("/api/v1/views", json={"name": "x" * 61, "query": ""})
        assert long_name.status_code == 422
    with signed_in(kefu) as client:
        assert client.get("/api/v1/views").json() == []
        assert client.delete(f"/api/v1/views/{made.json()['id']}").status_code == 404
    with signed_in(kefu, "lina") as client:
        assert client.delete(f"/api/v1/views/{made.json()['id']}").status_code == 204
        assert [v["name"] for v in client.get("/api/v1/views").json()] == ["Mine"]
    assert len(views.saved_views(acting(kefu, team["lina"]), uow=kefu.uow())) == 1


def test_the_list_hides_closed_and_an_agent_starts_on_their_own(
    kefu: Kefu, team: dict[str, int]
) -> None:
    inbox.close(acting(kefu), team["ebay"], uow=kefu.uow(), clock=kefu.clock)
    inbox.assign(acting(kefu), team["ali"], team["lina"], uow=kefu.uow(), clock=kefu.clock)
    with signed_in(kefu) as client:
        page = client.get("/").text
        assert f'data-conversation-id="{team["ali"]}"' in page
        assert f'data-conversation-id="{team["ebay"]}"' not in page
        closed = client.get("/?state=closed").text
        assert f'data-conversation-id="{team["ebay"]}"' in closed
        every = client.get("/?state=all").text
        assert f'data-conversation-id="{team["ebay"]}"' in every
        api = client.get("/api/v1/conversations").json()
        assert api["total"] == 2  # the API keeps "any state" as its default
    with signed_in(kefu, "lina") as client:
        mine = client.get("/").text
        assert 'data-testid="view-mine" aria-current="page"' in mine
        assert f'data-conversation-id="{team["ali"]}"' in mine
        own = client.get("/api/v1/conversations?assignee=me&state=active").json()
        assert [r["id"] for r in own["rows"]] == [team["ali"]]


def test_the_bulk_bar_sums_up_in_english_and_the_list_reloads(
    kefu: Kefu, team: dict[str, int]
) -> None:
    inbox.close(acting(kefu), team["ebay"], uow=kefu.uow(), clock=kefu.clock)
    with signed_in(kefu, locale="en") as client:
        answer = client.post(
            "/conversations/bulk",
            data={"action": "close", "ids": [str(team["ali"]), str(team["ebay"]), "999"]},
            headers={"HX-Request": "true"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["HX-Trigger"] == "kefu-changed"
        summary = " ".join(answer.text.split())
        assert "1 closed, 1 already so, 1 not allowed:" in summary
        assert 'data-conversation-id="999">#999: not found, or not in your stores' in summary
        plain = client.post("/conversations/bulk", data={"action": "reopen", "ids": ["999"]})
        assert plain.status_code == 200 and 'data-testid="split"' in plain.text


def test_the_bulk_bar_in_chinese(kefu: Kefu, team: dict[str, int]) -> None:
    with signed_in(kefu, locale="zh_CN") as client:
        answer = client.post(
            "/conversations/bulk",
            data={"action": "mark", "colour_mark": "green", "ids": [str(team["ali"])]},
            headers={"HX-Request": "true"},
        )
        assert "已标记 1 个" in answer.text


def test_views_are_saved_and_deleted_from_the_page(kefu: Kefu, team: dict[str, int]) -> None:
    with signed_in(kefu, "lina") as client:
        saved = client.post(
            "/views",
            data={"name": "Red", "query": "colour_mark=red&page=3"},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == "/?colour_mark=red"
        page = client.get("/?colour_mark=red").text
        assert 'data-testid="saved-view"' in page
        view_id = client.get("/api/v1/views").json()[0]["id"]
        gone = client.post(f"/views/{view_id}/delete", follow_redirects=False)
        assert gone.status_code == 303 and client.get("/api/v1/views").json() == []


def test_a_row_loads_the_conversation_alone_and_a_send_is_confirmed(
    kefu: Kefu, team: dict[str, int]
) -> None:
    with signed_in(kefu, locale="en") as client:
        pane = client.get(
            f"/conversations/{team['ali']}",
            headers={"HX-Request": "true", "HX-Target": "conversation"},
        ).text
        assert pane.lstrip().startswith('<div class="conversation"')
        assert 'id="inbox-list"' not in pane
        full = client.get(f"/conversations/{team['ali']}").text
        assert 'id="inbox-list"' in full and 'class="conversation"' in full
        sent = client.post(
            f"/conversations/{team['ali']}/reply",
            data={"text": "Hola Ana, ya está en camino.", "request_id": "bulk-test-1"},
            headers={"HX-Request": "true"},
        )
        assert sent.status_code == 200, sent.text
        assert 'data-testid="sent-confirmation"' in sent.text
        assert "Hola Ana, ya está en camino." in sent.text
        assert sent.headers["HX-Trigger"] == "kefu-changed"
