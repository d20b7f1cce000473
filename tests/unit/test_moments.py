"""One reading of the platforms' ISO 8601 moments (kefu.domain.moments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.moments import parse_moment

AT = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-06T08:30:00Z", AT),  # eBay, Wish
        ("2026-12-06T08:30:00.000Z", AT),
        ("2026-12-06T16:30:00+08:00", AT),  # an offset: the same moment in UTC
        ("2026-12-06T00:30:00-08:00", AT),
        ("2026-12-06T08:30:00", AT),  # no zone: UTC
        ("2026-12-06", datetime(2026, 12, 6, tzinfo=UTC)),  # a date an owner typed
        ("", None),
        ("  ", None),
        ("next Tuesday", None),
        (None, None),
        (1765009800, None),  # epoch numbers are each adapter's own to read
    ],
)
def test_moments_read_one_way(text: object, expected: datetime | None) -> None:
    assert parse_moment(text) == expected


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_any_offset_reads_back_the_same_moment(moment: datetime, minutes: int) -> None:
    shown = moment.astimezone(timezone(timedelta(minutes=minutes))).isoformat()
    assert parse_moment(shown) == moment
