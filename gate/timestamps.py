"""Times, read one way: every time the gate reads (an answer's, a listing item's, a CI payload's, `--since`) goes
through `parse_time`, with one rule for a time without an offset.

A time is RFC 3339 as the API writes it: a date, `T` (or `t`, or a space), a time with seconds and optional
fractions, and its offset, `Z` or ±hh:mm. A time without an offset names no moment (RFC 3339 requires one, and the
API always writes it), so it is no time at all: None, never a guess at UTC or at the local zone. Every time read is
therefore zoned, and any two compare and subtract.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)", re.ASCII)
MAX_LENGTH = 64  # longer than any RFC 3339 time worth reading: the rest is not read at all


def parse_time(value: Any) -> datetime | None:
    """The time `value` names, zoned; None for anything else: not a string, too long, not RFC 3339, a time without
    an offset, or a date or offset that does not exist (February 30th, +24:00)."""
    if not isinstance(value, str) or len(value) > MAX_LENGTH or not _RFC3339.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.upper())  # Python 3.11 reads Z, and T or a space between
    except ValueError:
        return None


def parse_rfc3339(text: str) -> datetime:
    """`parse_time` where a time must be there: ValueError instead of None."""
    moment = parse_time(text)
    if moment is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time with a UTC offset")
    return moment


def duration_seconds(start: Any, end: Any) -> float | None:
    """end − start in seconds (to the millisecond); None when either is not a time."""
    started, ended = parse_time(start), parse_time(end)
    if started is None or ended is None:
        return None
    return round((ended - started).total_seconds(), 3)


def ended_before(end: Any, moment: datetime | None) -> bool:
    """Whether an answer's endTime is before `moment`; False when either is unknown."""
    ended = parse_time(end)
    return moment is not None and ended is not None and ended < moment
