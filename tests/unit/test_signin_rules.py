"""Sign-in rules, the permission table and shifts: plain Python, no web or database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.errors import RowErrors
from kefu.domain.permissions import (
    MAIN_ACCOUNT_ONLY,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    allowed,
    permissions_of,
)
from kefu.domain.routing import parse_shift
from kefu.domain.signin import ThrottleRule, password_problems

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
RULE = ThrottleRule(per_account=5, per_address=20, window=timedelta(minutes=15))


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "shorter than 10"),
        ("x" * 257, "longer than 256"),
        ("lina-is-the-best", "user name"),
        ("password123", "too easy"),
        ("aaaaaaaaaaaa", "too easy"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    assert any(problem in p for p in password_problems(password, "lina"))


def test_a_long_unusual_password_is_accepted() -> None:
    assert password_problems("violet-harbour-1987", "lina") == []


def test_five_failures_lock_the_account_until_the_oldest_leaves_the_window() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (10, 8, 6, 4, 2)]
    assert RULE.wait(NOW, failures, []) == timedelta(minutes=5)
    assert RULE.wait(NOW + timedelta(minutes=5), failures, []) == timedelta(0)
    assert RULE.wait(NOW, failures[1:], []) == timedelta(0)


def test_one_address_trying_many_accounts_is_slowed() -> None:
    failures = [NOW - timedelta(seconds=s) for s in range(20)]
    assert RULE.wait(NOW, [], failures) > timedelta(0)


@given(
    st.lists(st.integers(0, 3600), max_size=40),
    st.lists(st.integers(0, 3600), max_size=40),
)
def test_the_wait_is_never_negative_nor_longer_than_the_window(
    account: list[int], address: list[int]
) -> None:
    wait = RULE.wait(
        NOW,
        [NOW - timedelta(seconds=s) for s in account],
        [NOW - timedelta(seconds=s) for s in address],
    )
    assert timedelta(0) <= wait <= RULE.window


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.OWNER])
@pytest.mark.parametrize("permission", sorted(MAIN_ACCOUNT_ONLY))
def test_a_sub_account_never_gets_what_spec_7_forbids(role: Role, permission: Permission) -> None:
    assert not allowed(role, permission, is_main=False)
    assert permission not in permissions_of(role)


def test_the_main_account_may_do_everything() -> None:
    assert permissions_of(Role.OWNER, is_main=True) == frozenset(Permission)


def test_unknown_roles_get_nothing_and_the_analyst_only_reads_reports() -> None:
    assert not any(allowed("intern", p) for p in Permission)
    assert permissions_of(Role.ANALYST) == {Permission.VIEW_REPORTS}
    assert all(
        permissions_of(r) <= ROLE_PERMISSIONS[Role.LEAD] | {Permission.VIEW_INBOX}
        for r in (Role.PRE_SALE, Role.AFTER_SALE)
    )


def test_shifts_parse_and_bad_days_are_named() -> None:
    assert parse_shift({"0": ["09:00", "18:00"], "5": ["22:00", "06:00"]}) == {
        0: (time(9), time(18)),
        5: (time(22), time(6)),
    }
    assert parse_shift(None) is None
    with pytest.raises(RowErrors) as caught:
        parse_shift({"1": ["9am", "6pm"], "9": ["09:00", "10:00"], "2": ["10:00", "10:00"]})
    assert sorted(e.field for e in caught.value.errors) == ["shift.1", "shift.2", "shift.9"]
