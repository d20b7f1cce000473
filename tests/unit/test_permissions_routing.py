"""Permissions (deny by default, SPEC §7) and routing (team, language, least loaded, shift)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.permissions import MAIN_ACCOUNT_ONLY, Permission, Role, allowed
from kefu.domain.routing import Agent, Router, Shift, choose
from kefu.domain.types import Stage

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS_9_TO_18 = {d: (time(9), time(18)) for d in range(5)}
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("permission", sorted(MAIN_ACCOUNT_ONLY))
@pytest.mark.parametrize("role", list(Role))
def test_sub_accounts_never_touch_money_the_shop_or_campaigns(
    role: Role, permission: Permission
) -> None:
    assert not allowed(role, permission, is_main=False)


def test_the_main_account_may_do_everything() -> None:
    assert all(allowed(Role.OWNER, p, is_main=True) for p in Permission)


def test_unknown_roles_are_refused_everything() -> None:
    assert not any(allowed("intern", p) for p in Permission)


def test_analysts_only_read_reports_and_agents_do_not_manage_accounts() -> None:
    assert [p for p in Permission if allowed(Role.ANALYST, p)] == [Permission.VIEW_REPORTS]
    assert allowed(Role.PRE_SALE, Permission.REPLY) and not allowed(
        Role.PRE_SALE, Permission.MANAGE_ACCOUNTS
    )
    assert allowed(Role.LEAD, Permission.MANAGE_ROUTING) and not allowed(
        Role.LEAD, Permission.MANAGE_ACCOUNTS
    )


def agent(
    i: int,
    team: Stage,
    languages: tuple[str, ...] = ("en",),
    *,
    stores: tuple[int, ...] = (1,),
    open_conversations: int = 0,
    shift: bool = True,
) -> Agent:
    return Agent(
        i,
        team,
        frozenset(languages),
        frozenset(stores),
        Shift(SHANGHAI, WEEKDAYS_9_TO_18) if shift else None,
        open_conversations,
    )


def test_stage_decides_the_team_then_language_then_the_lightest_load() -> None:
    team = [
        agent(1, Stage.PRE_SALE, ("en", "es"), open_conversations=3),
        agent(2, Stage.PRE_SALE, ("en", "es"), open_conversations=1),
        agent(3, Stage.PRE_SALE, ("en",)),
        agent(4, Stage.AFTER_SALE, ("en", "es")),
    ]
    assert choose(team, stage=Stage.PRE_SALE, language="es", store_id=1, at=MONDAY_10).id == 2
    assert choose(team, stage=Stage.PRE_SALE, language="ko", store_id=1, at=MONDAY_10).id == 3
    assert choose(team, stage=Stage.IN_SALE, language="es", store_id=1, at=MONDAY_10).id == 4
    assert choose(team, stage=Stage.AFTER_SALE, language="pt-BR", store_id=1, at=MONDAY_10).id == 4


def test_off_shift_and_other_stores_are_skipped_but_someone_on_shift_always_gets_it() -> None:
    night = datetime(2026, 11, 16, 22, 0, tzinfo=SHANGHAI)
    team = [
        agent(1, Stage.PRE_SALE),
        agent(2, Stage.AFTER_SALE, shift=False),
        agent(3, Stage.PRE_SALE, stores=(2,)),
    ]
    assert (
        choose(team, stage=Stage.PRE_SALE, language="en", store_id=1, at=night).id == 2
    )  # other team
    assert choose(team, stage=Stage.PRE_SALE, language="en", store_id=1, at=MONDAY_10).id == 1
    assert choose([team[0]], stage=Stage.PRE_SALE, language="en", store_id=1, at=night) is None


def test_a_night_shift_wraps_past_midnight() -> None:
    shift = Shift(SHANGHAI, {0: (time(22), time(6))})
    assert shift.covers(datetime(2026, 11, 16, 23, 0, tzinfo=SHANGHAI))
    assert shift.covers(datetime(2026, 11, 16, 5, 0, tzinfo=SHANGHAI))
    assert not shift.covers(datetime(2026, 11, 16, 12, 0, tzinfo=SHANGHAI))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Stage)),
            st.sampled_from(["en", "es", "ru", None]),
            st.integers(0, 7 * 24 * 60),
        ),
        max_size=200,
    )
)
def test_the_router_spreads_evenly_and_only_to_agents_on_shift_with_the_store(events) -> None:  # type: ignore[no-untyped-def]
    team = [
        agent(i, Stage.PRE_SALE if i < 3 else Stage.AFTER_SALE, ("en", "es", "ru"))
        for i in range(6)
    ]
    router = Router(team)
    start = datetime(2026, 11, 16, tzinfo=UTC)
    for stage, language, minute in sorted(events, key=lambda e: e[2]):
        at = start + timedelta(minutes=minute)
        chosen = router.assign(stage=stage, language=language, store_id=1, at=at)
        on_shift = [a for a in team if a.available(1, at)]
        assert (chosen is None) == (not on_shift)
        if chosen is not None:
            assert chosen.available(1, at)
    for members in (team[:3], team[3:]):
        loads = [a.open_conversations for a in members]
        assert max(loads) - min(loads) <= 1  # same skills, same shifts: at most one apart
