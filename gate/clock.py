"""Time, injected: the real loop uses the system clock; unit tests use a fake one and never sleep."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds."""

    def sleep(self, seconds: float) -> None:
        """Block for `seconds`; a signal handler that raises interrupts it."""


# Python runs a signal's handler between bytecodes. A signal that lands after the last check but before the sleep's
# system call does not interrupt that call, so its handler waits for the sleep to end: sleeping in slices bounds
# how late SIGINT or SIGTERM can end the wait.
SIGNAL_SLICE = 0.25


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(left, SIGNAL_SLICE))


class Deadline:
    """When the gate must give up: `timeout` seconds after it was made (None: never)."""

    def __init__(self, clock: Clock, timeout: float | None) -> None:
        self._clock, self.timeout = clock, timeout
        self._at = None if timeout is None else clock.now() + timeout

    def remaining(self) -> float | None:
        return None if self._at is None else max(0.0, self._at - self._clock.now())

    def passed(self) -> bool:
        return self._at is not None and self._clock.now() >= self._at

    def sleep(self, seconds: float) -> None:
        """Sleep, but never past the deadline."""
        remaining = self.remaining()
        self._clock.sleep(seconds if remaining is None else min(seconds, remaining))
