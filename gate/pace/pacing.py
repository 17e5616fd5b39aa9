"""The gate's time and its one retry step, shared by the picker and the wait loop: how long it has run, how long
is left, transient failures in a row (one Streak per gate), and after each failure either the delay before the
next try or the error to stop with. Every PollContext is built here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from gate.clock import Clock, Deadline
from gate.errors import TransientError
from gate.pace.policy import PollContext
from gate.pace.retry import RetryPolicy, Streak
from gate.report.progress import Progress


def utc_now() -> datetime:
    return datetime.now(UTC)


class Pacing:
    def __init__(self, *, clock: Clock, deadline: Deadline, retry: RetryPolicy, progress: Progress,
                 began: float | None = None, utc_now: Callable[[], datetime] = utc_now) -> None:
        self.clock, self.deadline, self.retry, self.progress = clock, deadline, retry, progress
        self.began = clock.now() if began is None else began  # elapsed times count from the gate's start
        self.utc_now = utc_now
        self.streak = Streak()

    def elapsed(self) -> float:
        return self.clock.now() - self.began

    def context(self, *, polls: int = 0, status: str | None = None, started_at: datetime | None = None,
                workflow_id: str | None = None) -> PollContext:
        """What the policies read: this run's state (when there is one) and the gate's."""
        age = None if started_at is None else max(0.0, (self.utc_now() - started_at).total_seconds())
        return PollContext(elapsed=self.elapsed(), polls=polls, status=status, run_age=age, workflow_id=workflow_id,
                           throttled=self.streak.throttled, remaining=self.deadline.remaining(),
                           failures=self.streak.failures, reached=self.streak.reached)

    def answered(self) -> None:
        self.streak.answered()

    def after_failure(self, error: TransientError, *, what: str = "") -> float:
        """The retry step: counts the failure, then returns how long to wait before trying again, or raises the
        error to stop with (ServiceUnavailable, exit 6)."""
        self.streak.failed(error)
        now = self.context()
        stop = self.retry.give_up(now, error)
        if stop is not None:
            raise stop from None
        delay = self.retry.delay(now)
        reason = f"{what}: {error.reason}" if what else error.reason
        self.progress.retrying(reason=reason, attempt=now.failures, delay=delay, elapsed=now.elapsed)
        return delay

    def sleep(self, seconds: float) -> None:
        """Sleep, never past the deadline."""
        self.deadline.sleep(seconds)
