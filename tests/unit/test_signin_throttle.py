"""Sign-in throttling with an in-memory unit of work: each attempt is committed as pending
before its password is checked, the pending attempts of others count, a refused attempt
leaves nothing behind, and the current-password check of a password change is throttled
the same way."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import pytest

from kefu.domain.errors import InvalidInput
from kefu.domain.permissions import Role
from kefu.services.auth import Auth, SignInFailed, Throttled, principal_of
from kefu.services.ports import AccountRecord
from tests.factories import NOW
from tests.fakes import FixedClock

RIGHT = "right-password-2026"
NEW = "violet-harbour-1987"


@dataclass
class Attempt:
    at: datetime
    username: str
    address: str
    success: bool | None = None


@dataclass
class State:
    accounts: dict[str, AccountRecord] = field(default_factory=dict)
    attempts: dict[int, Attempt] = field(default_factory=dict)
    audit: list[str] = field(default_factory=list)
    sessions: int = 0
    next_id: int = 1


class FakeAuth:
    """The attempt and account parts of the AuthRepository port, over one State."""

    def __init__(self, state: State) -> None:
        self.s = state

    def account_by_username(self, username: str) -> AccountRecord | None:
        return self.s.accounts.get(username)

    def account(self, account_id: int) -> AccountRecord | None:
        return next((a for a in self.s.accounts.values() if a.id == account_id), None)

    def begin_attempt(self, *, at: datetime, username: str, address: str) -> int:
        attempt_id, self.s.next_id = self.s.next_id, self.s.next_id + 1
        self.s.attempts[attempt_id] = Attempt(at, username, address)
        return attempt_id

    def settle_attempt(self, attempt_id: int, *, success: bool) -> None:
        self.s.attempts[attempt_id].success = success

    def drop_attempt(self, attempt_id: int) -> None:
        del self.s.attempts[attempt_id]

    def failures_since(
        self, since: datetime, username: str, address: str, *, besides: int | None = None
    ) -> tuple[list[datetime], list[datetime]]:
        failed = [
            a
            for i, a in self.s.attempts.items()
            if i != besides and a.at >= since and a.success is not True
        ]
        return (
            [a.at for a in failed if a.username == username],
            [a.at for a in failed if a.address == address],
        )

    def set_password(self, account_id: int, password_hash: str, now: datetime) -> None:
        account = self.account(account_id)
        assert account is not None
        self.s.accounts[account.username] = replace(account, password_hash=password_hash)

    def add_session(self, key: str, **_: Any) -> None:
        self.s.sessions += 1

    def delete_sessions(self, account_id: int, keep: str | None = None) -> int:
        return 0


class FakeInbox:
    def __init__(self, state: State) -> None:
        self.s = state

    def audit(self, *, action: str, **_: Any) -> None:
        self.s.audit.append(action)


class FakeUnitOfWork:
    """Each `with` works on a copy of the committed state; `commit` publishes it."""

    def __init__(self, committed: State) -> None:
        self.committed = committed

    def __enter__(self) -> FakeUnitOfWork:
        self.work = copy.deepcopy(self.committed)
        self.auth, self.inbox = FakeAuth(self.work), FakeInbox(self.work)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        del self.work

    def commit(self) -> None:
        self.committed.__dict__.update(copy.deepcopy(self.work).__dict__)


class Hasher:
    """Plain-text 'hashes'; each verification looks at what is committed at that moment."""

    def __init__(self, state: State) -> None:
        self.state, self.verified, self.pending_seen = state, 0, []

    def hash(self, password: str) -> str:
        return f"plain:{password}"

    def verify(self, stored: str | None, password: str) -> bool:
        self.verified += 1
        self.pending_seen.append(sum(a.success is None for a in self.state.attempts.values()))
        return stored == f"plain:{password}"

    def needs_rehash(self, stored: str) -> bool:
        return False


@pytest.fixture
def state() -> State:
    lina = AccountRecord(
        id=2,
        username="lina",
        display_name="Li Na",
        role=Role.PRE_SALE.value,
        is_main=False,
        active=True,
        languages=("en",),
        store_ids=frozenset({1}),
        timezone="Asia/Shanghai",
        shift=None,
        password_hash=f"plain:{RIGHT}",
    )
    return State(accounts={"lina": lina})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _sign_in(
    auth: Auth, state: State, clock: FixedClock, password: str, address: str = "10.0.0.1"
) -> str:
    try:
        auth.sign_in(
            "lina",
            password,
            address=address,
            user_agent="test",
            uow=FakeUnitOfWork(state),  # type: ignore[arg-type]
            clock=clock,
        )
    except (SignInFailed, Throttled) as exc:
        return exc.code
    return "signed_in"


def test_the_attempt_is_committed_as_pending_before_the_password_is_checked(
    state: State, clock: FixedClock
) -> None:
    hasher = Hasher(state)
    assert _sign_in(Auth(hasher), state, clock, "wrong-guess") == "sign_in_failed"
    assert hasher.pending_seen == [1]  # others racing with this one would have counted it
    assert [a.success for a in state.attempts.values()] == [False]


def test_the_pending_attempts_of_others_count_as_failures(state: State, clock: FixedClock) -> None:
    for _ in range(5):  # five guesses of other requests, still being checked
        FakeAuth(state).begin_attempt(at=NOW, username="lina", address="10.9.9.9")
    hasher = Hasher(state)
    assert _sign_in(Auth(hasher), state, clock, RIGHT) == "throttled"
    assert hasher.verified == 0 and len(state.attempts) == 5  # the refusal left nothing


def test_a_refusal_does_not_make_the_lock_last_longer(state: State, clock: FixedClock) -> None:
    hasher = Hasher(state)
    auth = Auth(hasher)
    assert [_sign_in(auth, state, clock, "guess") for _ in range(5)] == ["sign_in_failed"] * 5
    clock.advance(minutes=14)
    assert [_sign_in(auth, state, clock, RIGHT) for _ in range(3)] == ["throttled"] * 3
    clock.advance(minutes=1)  # the first failure leaves the window; the refusals never count
    assert _sign_in(auth, state, clock, RIGHT) == "signed_in"
    assert hasher.verified == 6 and state.sessions == 1


def test_a_right_password_settles_its_attempt_as_a_success(state: State, clock: FixedClock) -> None:
    auth = Auth(Hasher(state))
    assert _sign_in(auth, state, clock, RIGHT) == "signed_in"
    assert [a.success for a in state.attempts.values()] == [True]
    assert state.audit == ["sign_in"]


def test_the_wait_lasts_until_the_oldest_counted_failure_leaves_the_window(
    state: State, clock: FixedClock
) -> None:
    auth = Auth(Hasher(state))
    for _ in range(5):
        _sign_in(auth, state, clock, "guess")
        clock.advance(minutes=1)
    with pytest.raises(Throttled) as refused:
        auth.sign_in(
            "lina",
            RIGHT,
            address="x",
            user_agent="t",
            uow=FakeUnitOfWork(state),
            clock=clock,  # type: ignore[arg-type]
        )
    assert refused.value.retry_after == int(timedelta(minutes=10).total_seconds()) + 1


def test_the_current_password_of_a_change_is_throttled_per_account_and_address(
    state: State, clock: FixedClock
) -> None:
    hasher = Hasher(state)
    auth = Auth(hasher)
    lina = principal_of(state.accounts["lina"])

    def change(current: str, address: str = "10.0.0.1") -> str:
        try:
            auth.change_password(
                lina,
                current,
                NEW,
                address=address,
                uow=FakeUnitOfWork(state),
                clock=clock,  # type: ignore[arg-type]
            )
        except (InvalidInput, Throttled) as exc:
            return exc.code
        return "changed"

    assert [change("guess") for _ in range(5)] == ["invalid_input"] * 5
    assert change(RIGHT) == "throttled"
    assert _sign_in(auth, state, clock, RIGHT, address="10.7.7.7") == "throttled"  # one count
    assert hasher.verified == 5
    clock.advance(minutes=16)
    for n in range(20):  # twenty failures from one address, on other accounts
        FakeAuth(state).begin_attempt(at=clock.now(), username=f"u{n}", address="10.0.0.1")
    assert change(RIGHT) == "throttled"
    assert change(RIGHT, address="10.0.0.2") == "changed"
    assert state.accounts["lina"].password_hash == f"plain:{NEW}"


def test_a_weak_new_password_spends_no_attempt(state: State, clock: FixedClock) -> None:
    hasher = Hasher(state)
    with pytest.raises(Exception, match="shorter"):
        Auth(hasher).change_password(
            principal_of(state.accounts["lina"]),
            RIGHT,
            "short",
            address="10.0.0.1",
            uow=FakeUnitOfWork(state),  # type: ignore[arg-type]
            clock=clock,
        )
    assert hasher.verified == 0 and state.attempts == {}
