"""Routing on a real database: new live conversations get an owner, and the sweep hands
on what agents off shift, deactivated or no longer given the store hold."""

from __future__ import annotations

from typing import Any

import pytest

from kefu.bootstrap import Kefu
from kefu.services import inbox, routing
from kefu.services.readmodels import InboxFilters
from kefu.services.routing import route_new
from tests.factories import make_message
from tests.fakes import FixedClock

# NOW (tests/factories.py) is Friday 2026-11-20 12:00 UTC = 20:00 in Beijing.
DAY = {str(d): ["09:00", "18:00"] for d in range(7)}
EVENING = {str(d): ["18:00", "23:59"] for d in range(7)}


@pytest.fixture
def team(kefu: Kefu) -> dict[str, int]:
    """lina (pre-sale, es) works days, chenjie (pre-sale, es too) evenings; both have
    ali-global. wangwei (after-sale) has every store and no shift."""
    with kefu.uow() as uow:
        stores = {s.code: s.id for s in uow.queries.stores()}
        ids = {}
        for name, shift, languages, codes in (
            ("lina", DAY, ["en", "es"], ["ali-global"]),
            ("chenjie", EVENING, ["en", "es"], ["ali-global"]),
            ("wangwei", None, ["en"], list(stores)),
            ("zhangmin", None, ["fr"], []),
        ):
            account = uow.auth.account_by_username(name)
            assert account is not None
            uow.auth.update_account(account.id, shift=shift, languages=languages)
            uow.auth.set_stores(account.id, [stores[c] for c in codes])
            ids[name] = account.id
        uow.commit()
    return ids


def owners(kefu: Kefu) -> dict[str, Any]:
    """Buyer name → the account id that owns their open conversation."""
    with kefu.uow() as uow:
        names = {r.id: r.buyer_name for r in uow.queries.inbox_page(InboxFilters()).rows}
        everyone = [a.id for a in uow.auth.accounts()]
        rows = [*uow.auth.open_conversations(everyone), *uow.auth.open_conversations(None)]
    return {names[r.id]: r.assignee_id for r in rows}


def test_a_new_pre_sale_conversation_goes_to_the_pre_sale_agent_on_shift(
    kefu: Kefu, team: dict[str, int]
) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock, route=route_new)
    assert owners(kefu) == {"Ana García": team["chenjie"]}  # lina's day is over


def test_without_routing_an_import_leaves_conversations_unowned(
    kefu: Kefu, team: dict[str, int]
) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)
    assert owners(kefu) == {"Ana García": None}


def test_the_sweep_moves_work_from_agents_who_went_off_shift(
    kefu: Kefu, team: dict[str, int], clock: FixedClock
) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock, route=route_new)
    clock.advance(hours=13)  # 09:00 in Beijing: chenjie is off, lina is on
    report = routing.sweep(kefu.uow(), kefu.clock)
    assert (report.moved, report.given) == (1, 0)
    assert owners(kefu) == {"Ana García": team["lina"]}


def test_a_deactivated_agent_or_a_store_taken_away_hands_work_on(
    kefu: Kefu, team: dict[str, int]
) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock, route=route_new)
    with kefu.uow() as uow:
        uow.auth.update_account(team["chenjie"], active=False)
        uow.commit()
    routing.sweep(kefu.uow(), kefu.clock)
    assert owners(kefu) == {"Ana García": team["wangwei"]}  # the only one on shift
    with kefu.uow() as uow:
        uow.auth.set_stores(team["wangwei"], [])
        uow.commit()
    report = routing.sweep(kefu.uow(), kefu.clock)
    assert report.moved == 0  # nobody else on shift has the store: it stays with him
    assert owners(kefu) == {"Ana García": team["wangwei"]}


def test_unowned_conversations_get_an_owner_once_someone_is_on_shift(
    kefu: Kefu, team: dict[str, int], clock: FixedClock
) -> None:
    inbox.ingest([make_message(1)], kefu.uow(), kefu.clock)  # imported: nobody owns it
    report = routing.sweep(kefu.uow(), kefu.clock)
    assert report.given == 1 and owners(kefu)["Ana García"] == team["chenjie"]
    with kefu.uow() as uow:
        actions = [
            r.action
            for r in uow.auth.audit_page(
                account_id=None, action="route", since=None, until=None, limit=10, offset=0
            )
        ]
    assert actions == ["route"]
