"""Sign-in rules: password strength and throttling of failed attempts (team issue).

Throttling counts failures in a sliding window per account and per network address. An
account under attack from many addresses and one address trying many accounts are both
slowed; the lock ends by itself, so an attacker cannot lock the owner out for good.

An attempt whose password is still being checked counts as a failure: services/auth.py
records it before checking, so parallel guesses see each other and no more than the
limit are ever checked. A refused attempt is not counted, so refusals never make a lock
last longer. The current-password check of a password change counts the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_PASSWORD = 10
MAX_PASSWORD = 256  # hashing a megabyte "password" would be a cheap denial of service
COMMON = frozenset(
    {
        "password123",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "123456789a",
        "iloveyou12",
        "password12",
        "passw0rd12",
        "aaaaaaaaaa",
        "0000000000",
        "1111111111",
        "abcdefghij",
        "qwerty1234",
        "admin12345",
        "woaini1314",
    }
)


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a new password is refused; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"is shorter than {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        problems.append(f"is longer than {MAX_PASSWORD} characters")
    folded = password.casefold()
    if username and username.casefold() in folded:
        problems.append("contains the user name")
    if folded in COMMON or len(set(password)) < 4:
        problems.append("is too easy to guess")
    return problems


@dataclass(frozen=True)
class ThrottleRule:
    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    def wait(
        self,
        now: datetime,
        account_failures: Sequence[datetime],
        address_failures: Sequence[datetime],
    ) -> timedelta:
        """How long before the next attempt may be checked (zero: go ahead).

        Failures are the other attempts of the window that did not succeed, pending ones
        included. Once a key has `limit` of them, it waits until the oldest of the last
        `limit` leaves the window.
        """
        longest = timedelta(0)
        for failures, limit in (
            (account_failures, self.per_account),
            (address_failures, self.per_address),
        ):
            recent = sorted(f for f in failures if now - f < self.window)
            if len(recent) >= limit:
                longest = max(longest, recent[-limit] + self.window - now)
        return longest
