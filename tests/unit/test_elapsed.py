"""Elapsed waiting time in both UI languages (domain/elapsed.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.elapsed import elapsed_parts, format_elapsed, waited


@pytest.mark.parametrize(
    ("delta", "zh", "en"),
    [
        (timedelta(hours=3, minutes=12), "3小时12分", "3 h 12 min"),
        (timedelta(hours=3), "3小时", "3 h"),
        (timedelta(minutes=59, seconds=59), "59分", "59 min"),
        (timedelta(seconds=30), "0分", "0 min"),
        (timedelta(days=2, hours=5, minutes=40), "2天5小时", "2 d 5 h"),
        (timedelta(days=1), "1天", "1 d"),
        (timedelta(hours=-2), "0分", "0 min"),
    ],
)
def test_two_units_at_most_largest_first(delta: timedelta, zh: str, en: str) -> None:
    assert format_elapsed(delta, "zh_CN") == zh
    assert format_elapsed(delta, "en") == en


def test_an_unknown_locale_reads_english() -> None:
    assert format_elapsed(timedelta(minutes=5), "fr") == "5 min"


def test_parts_and_waited_between_two_instants() -> None:
    since = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    assert elapsed_parts(timedelta(days=1, hours=1, minutes=1, seconds=59)) == (1, 1, 1)
    assert waited(since, since + timedelta(hours=3, minutes=12), "zh_CN") == "3小时12分"
