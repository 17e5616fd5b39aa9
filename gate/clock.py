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
