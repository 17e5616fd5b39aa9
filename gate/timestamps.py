"""RFC 3339 timestamps as the API writes them, read leniently (None for anything else)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)")


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp from an answer, or None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))  # RFC 3339 allows both
    except ValueError:
        return None


def duration_seconds(start: Any, end: Any) -> float | None:
    started, ended = parse_time(start), parse_time(end)
    if started is None or ended is None:
        return None
    return round((ended - started).total_seconds(), 3)


def ended_before(end: Any, moment: datetime | None) -> bool:
    """Whether an answer's endTime (RFC 3339 with an offset) is before `moment`; False when either is unknown."""
    ended = parse_time(end)
    return moment is not None and ended is not None and ended.tzinfo is not None and ended < moment


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 timestamp with its offset (server answers are schema-checked for `date-time`)."""
    if not _RFC3339.fullmatch(text):
        raise ValueError(f"{text!r} is not an RFC 3339 date-time with a UTC offset")
    return datetime.fromisoformat(text.upper())  # Python 3.11 reads Z
