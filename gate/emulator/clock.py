"""Wall-clock time, injected: run status is computed from it, so tests move time instead of sleeping."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

# Epoch seconds (UTC). time.time in real use; a ManualClock in tests and scenarios.
Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()


def rfc3339(epoch: float) -> str:
    """`2026-11-25T06:45:32.123Z`: UTC, millisecond precision, as CodeCatalyst writes timestamps."""
    millis = int(round(epoch * 1000))
    seconds, ms = divmod(millis, 1000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"


def parse_rfc3339(text: str) -> float:
    """The inverse of rfc3339 (any offset accepted), for pinning a ManualClock to a readable date."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add Z")
    return moment.timestamp()


class ManualClock:
    """A clock that moves only when told to; safe to read from the server's threads."""

    def __init__(self, start: float | str = "2026-11-25T06:45:00.000Z") -> None:
        self._lock = threading.Lock()
        self._now = parse_rfc3339(start) if isinstance(start, str) else float(start)

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move forward (never back: a run's history must not rewrite itself); returns the new time."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now
