"""sent_at (and a rating's rated_at) before 2000-01-01 is a row error naming the field:
year 1 once passed the parser and overflowed the KPI facts' local-day arithmetic."""

from __future__ import annotations

import pytest

from kefu.domain.errors import RowErrors
from kefu.domain.messages import parse_incoming
from tests.factories import NOW, make_message


@pytest.mark.parametrize("old", ["0001-01-01T00:00:00Z", "1999-12-31T23:59:59+00:00"])
def test_a_message_older_than_2000_is_refused_naming_sent_at(old: str) -> None:
    with pytest.raises(RowErrors) as caught:
        parse_incoming(make_message(sent_at=old), now=NOW, row=4)
    [error] = caught.value.errors
    assert (error.field, error.row, error.value) == ("sent_at", 4, old)
    assert error.reason == "is before 2000-01-01"


def test_the_first_moment_of_2000_is_accepted() -> None:
    msg = parse_incoming(make_message(sent_at="2000-01-01T00:00:00Z"), now=NOW, row=1)
    assert msg.sent_at.year == 2000
