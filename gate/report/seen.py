"""What the displays know between the loop's events: the status, and when the loop acts next."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

EPSILON = 1e-6  # float slack when comparing clock readings


@dataclass
class Seen:
    """What the displays know between events: the status, and when the loop acts next."""

    origin: float | None = None  # clock reading at which the gate's elapsed time was 0
    status: str | None = None
    next_at: float | None = None
    retry: int = 0  # the attempt the loop is waiting to make, 0 when the next act is a normal poll
    runs: dict[str, str] = field(default_factory=dict)  # several runs: each one's last status

    def anchor(self, now: float, elapsed: float) -> None:
        self.origin = now - elapsed

    def saw_status(self, now: float, elapsed: float, status: str, run_id: str | None = None) -> None:
        """A status; with `run_id` (several runs gated at once) the status shown is the group's, counted."""
        self.anchor(now, elapsed)
        if run_id is not None:
            self.runs[run_id] = status
            counts: dict[str, int] = {}
            for each in self.runs.values():
                counts[each] = counts.get(each, 0) + 1
            status = ", ".join(f"{n} {each}" for each, n in counts.items())
        self.status, self.next_at, self.retry = status, None, 0

    def will_act(self, now: float, elapsed: float, delay: float, *, retry: int = 0) -> None:
        """The loop sleeps `delay`, then polls (retry 0) or makes retry attempt `retry`."""
        self.anchor(now, elapsed)
        self.next_at, self.retry = now + delay, retry

    def elapsed(self, now: float) -> float:
        if self.origin is None:
            self.origin = now
        return now - self.origin

    def next_in(self, now: float) -> str | None:
        """`next poll in 7s` or `retry 2 in 3s`; None when nothing is scheduled or it is due."""
        if self.next_at is None or self.next_at - now <= EPSILON:
            return None
        return f"{f'retry {self.retry}' if self.retry else 'next poll'} in {math.ceil(self.next_at - now - EPSILON)}s"

    def countdown(self, now: float, *, ellipsis: str) -> str:
        if self.next_at is None:
            return "" if self.status else f"waiting for the first answer{ellipsis}"
        return self.next_in(now) or (f"retrying{ellipsis}" if self.retry else f"polling{ellipsis}")
