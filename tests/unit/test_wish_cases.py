"""Wish refund tickets mapped to kefu's cases (kefu.adapters.marketplaces.wish_cases) from
tests/data/recorded/wish/cases (see its README), and every state and refund reason the
mapping knows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from kefu.adapters.marketplaces import wish_cases
from kefu.adapters.marketplaces.wish_cases import is_refund_ticket, ticket_of
from kefu.domain.cases.model import CaseKind, CaseReason, CaseState
from kefu.domain.cases.workflows import WORKFLOWS

FIXTURE = Path(__file__).parents[1] / "data" / "recorded" / "wish" / "cases"


def tickets() -> list[dict[str, object]]:
    data = json.loads((FIXTURE / "tickets.response.json").read_text())["data"]
    assert isinstance(data, list)
    return data


def test_refund_tickets_become_refund_cases_and_questions_do_not() -> None:
    listed = tickets()
    cases = [ticket_of(t) for t in listed if is_refund_ticket(t)]
    assert len(listed) == 3 and len(cases) == 2
    damaged, closed = cases
    assert damaged.ref == "ticket:5f00000000000000000000a1"
    assert damaged.conversation_ref == "5f00000000000000000000a1"  # the ticket is the talk
    assert (damaged.kind, damaged.state, damaged.reason) == ("refund", "open", "damaged")
    assert damaged.order_number == "5d00000000000000000000b1"
    assert damaged.description == "El vestido llegó roto."
    assert damaged.respond_by is None and damaged.refund_cents is None
    assert (closed.state, closed.reason) == ("closed", CaseReason.LATE_DELIVERY)
    assert [(s.action, s.actor, s.at) for s in closed.steps] == [
        ("close", "seller", datetime(2026, 11, 22, 9, tzinfo=UTC))
    ]


def test_every_ticket_state_and_refund_reason_maps() -> None:
    table = WORKFLOWS[CaseKind.REFUND]
    known = set(table) | {s for moves in table.values() for s in moves.values()}
    base = tickets()[0]
    walked = 0
    for raw, expected in wish_cases.TICKET_STATES.items():
        case = ticket_of({**base, "state": raw})
        assert (case.state, case.platform_state) == (expected.value, raw)
        assert expected in known | {CaseState.CLOSED}
        walked += 1
    for reason, mapped in wish_cases.REFUND_REASONS.items():
        assert ticket_of({**base, "refund_reason": reason}).reason == mapped.value
        walked += 1
    assert walked == 5 + 22


class FakeTickets:
    """The list call of WishClient: tickets with updated_at >= min (and <= max), oldest
    first, `limit` of them."""

    def __init__(self, listed: list[dict[str, object]]) -> None:
        self.listed = listed
        self.calls = 0

    def tickets(
        self, *, updated_at_min: str, updated_at_max: str | None = None, limit: int
    ) -> list[dict[str, object]]:
        self.calls += 1
        return [
            t
            for t in self.listed
            if str(t["updated_at"]) >= updated_at_min
            and (updated_at_max is None or str(t["updated_at"]) <= updated_at_max)
        ][:limit]


def test_a_full_page_changed_at_one_moment_is_read_whole_then_passed() -> None:
    base = tickets()[0]
    same = [{**base, "id": f"t{n}", "updated_at": "2026-12-04T10:00:00.000Z"} for n in range(3)]
    later = {**base, "id": "t9", "updated_at": "2026-12-04T11:00:00.000Z"}
    api = FakeTickets([*same, later])
    client = wish_cases.WishCases(api, page_size=2)  # type: ignore[arg-type]
    cursor, refs, pages = None, [], 0
    while True:
        page = client.pull_cases(cursor, datetime(2026, 12, 4, 10, tzinfo=UTC))
        pages += 1
        refs += [c.ref for c in page.cases]
        cursor = page.cursor
        if page.done:
            break
    assert sorted(set(refs)) == ["ticket:t0", "ticket:t1", "ticket:t2", "ticket:t9"]
    assert pages == 2
