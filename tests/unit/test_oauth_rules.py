"""The rules of connecting a store by OAuth (kefu.domain.oauth): a state is used once,
for minutes, by the account that started it; tokens are renewed ahead of their end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.oauth import (
    RENEW_AHEAD,
    STATE_TTL,
    StateProblem,
    expiry,
    needs_renewal,
    state_problem,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def problem(**given: object) -> StateProblem | None:
    values: dict[str, object] = {
        "found": True,
        "used_at": None,
        "expires_at": NOW + STATE_TTL,
        "account_matches": True,
        "now": NOW,
    }
    return state_problem(**{**values, **given})  # type: ignore[arg-type]


def test_a_fresh_state_of_the_same_account_is_good() -> None:
    assert problem() is None
    assert problem(now=NOW + STATE_TTL - timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"found": False}, StateProblem.UNKNOWN),
        ({"expires_at": None}, StateProblem.UNKNOWN),
        ({"used_at": NOW - timedelta(seconds=5)}, StateProblem.USED),
        ({"now": NOW + STATE_TTL}, StateProblem.EXPIRED),  # the end itself is too late
        ({"account_matches": False}, StateProblem.OTHER_ACCOUNT),
        # Used and expired: "used" says more (a replay), and a replay never connects.
        ({"used_at": NOW, "now": NOW + 2 * STATE_TTL}, StateProblem.USED),
    ],
)
def test_states_refused(given: dict[str, object], expected: StateProblem) -> None:
    assert problem(**given) == expected


def test_a_state_lives_minutes_not_hours() -> None:
    assert timedelta(minutes=5) <= STATE_TTL <= timedelta(minutes=30)


def test_a_token_is_renewed_when_less_than_five_minutes_are_left() -> None:
    assert timedelta(minutes=5) == RENEW_AHEAD
    assert needs_renewal(NOW + timedelta(minutes=4, seconds=59), NOW)
    assert needs_renewal(NOW - timedelta(hours=1), NOW)  # already over
    assert not needs_renewal(NOW + timedelta(minutes=5), NOW)
    assert not needs_renewal(NOW + timedelta(hours=2), NOW)
    assert not needs_renewal(None, NOW)  # unknown: the platform's 401 renews it


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (7200, NOW + timedelta(hours=2)),
        ("47304000", NOW + timedelta(seconds=47304000)),
        (None, None),
        (True, None),
        ("soon", None),
        (0, None),
        (-5, None),
    ],
)
def test_expires_in_as_a_moment(seconds: object, expected: datetime | None) -> None:
    assert expiry(NOW, seconds) == expected
