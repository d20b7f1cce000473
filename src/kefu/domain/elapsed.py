"""Waiting time as a person reads it: "3 h 12 min" or "3小时12分", never a timestamp.

Pure rules (no Babel, no clock): the caller gives the two instants and the UI language.
Two units at most, the largest first, so a row stays short: minutes under a day, days
and hours beyond it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# (day, hour, minute) units and the joiner of each UI language.
_UNITS: dict[str, tuple[str, str, str, str]] = {
    "zh_CN": ("天", "小时", "分", ""),
    "en": (" d", " h", " min", " "),
}


def elapsed_parts(delta: timedelta) -> tuple[int, int, int]:
    """Whole days, hours and minutes of a duration; a negative one (clock skew) is zero."""
    minutes = max(0, int(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes


def format_elapsed(delta: timedelta, locale: str = "en") -> str:
    """'3 h 12 min' / '3小时12分'; '2 d 5 h' / '2天5小时'; '0 min' / '0分' under a minute."""
    day, hour, minute, joiner = _UNITS.get(locale, _UNITS["en"])
    days, hours, minutes = elapsed_parts(delta)
    if days:
        parts = [f"{days}{day}"] + ([f"{hours}{hour}"] if hours else [])
    elif hours:
        parts = [f"{hours}{hour}"] + ([f"{minutes}{minute}"] if minutes else [])
    else:
        parts = [f"{minutes}{minute}"]
    return joiner.join(parts)


def waited(since: datetime, now: datetime, locale: str = "en") -> str:
    """How long it has waited since `since`, at `now`."""
    return format_elapsed(now - since, locale)
