"""The gate's time, its request rate and its one retry step, shared by the picker and the wait loop: how long it has
run, how long is left, transient failures in a row (one Streak per gate, changed only here), the rate the gate
allows itself once the service has throttled it (gate.pace.rate), and after each failure either the delay before
the next try or the error to stop with. Every PollContext is built here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

from gate.clock import Clock, Deadline
from gate.errors import DeadlineExceeded, TransientError
from gate.pace.policy import PollContext
from gate.pace.rate import AdaptiveRate
from gate.pace.retry import RetryPolicy, Streak, Throttling
from gate.report.progress import Progress
from gate.result import THROTTLED_PHRASE, Throttled

JITTER = 0.2  # once throttled, each gap between requests is stretched or shrunk by up to this share


def utc_now() -> datetime:
    return datetime.now(UTC)


def spread_draw() -> float:
    return random.uniform(1 - JITTER, 1 + JITTER)


class Pacing:
    def __init__(self, *, clock: Clock, deadline: Deadline, retry: RetryPolicy, progress: Progress,
                 began: float | None = None, utc_now: Callable[[], datetime] = utc_now,
                 spread: Callable[[], float] = spread_draw, throttling: Throttling | None = None) -> None:
        self.clock, self.deadline, self.retry, self.progress = clock, deadline, retry, progress
        self.began = clock.now() if began is None else began  # elapsed times count from the gate's start
        self.utc_now = utc_now
        self.streak = Streak()
        self.throttling = Throttling() if throttling is None else throttling  # the gate's: its Pacings share it
        self.rate = AdaptiveRate()
        self.spread = spread  # the jitter of the gaps between requests once throttled (seeded in tests)

    def elapsed(self) -> float:
        return self.clock.now() - self.began

    def context(self, *, polls: int = 0, status: str | None = None, started_at: datetime | None = None,
                workflow_id: str | None = None) -> PollContext:
        """What the policies read: this run's state (when there is one) and the gate's."""
        age = None if started_at is None else max(0.0, (self.utc_now() - started_at).total_seconds())
        streak = self.streak
        return PollContext(elapsed=self.elapsed(), polls=polls, status=status, run_age=age, workflow_id=workflow_id,
                           throttled=streak.throttled, remaining=self.deadline.remaining(),
                           failures=streak.failures, outages=streak.outages, reached=streak.reached)

    def before_call(self) -> None:
        """Each request waits here for the gate's own rate (only once the service has throttled it; never past
        the deadline), then goes."""
        wait = self.rate.wait(self.clock.now())
        if wait > 0:
            self.sleep(wait)
        self.rate.sent(self.clock.now(), spread=self.spread() if self.rate.limiting else 1.0)

    def reached(self) -> None:
        """An answer came (a streak of failures in this round may still go on)."""
        self.streak.reached = True
        self.rate.answered(self.clock.now())
        self.throttling.ended(self.clock.now())  # an answer that is not "slow down" ends a burst of them

    def noted(self, error: TransientError) -> None:
        """A failure that is not retried (a listing's: its runs are read one by one instead)."""
        self.streak.noted(error)
        if error.throttled:
            self.throttling.refused(self.clock.now())
            self.rate.throttled(self.clock.now(), spread=self.spread())

    def answered(self) -> None:
        """The round (or the call) got its answers: the streak of failures ends."""
        self.streak.answered()

    def after_failure(self, error: TransientError, *, what: str = "") -> float:
        """The retry step: counts the failure, then returns how long to wait before trying again, or raises the
        error to stop with: ServiceUnavailable (exit 6) for an outage, DeadlineExceeded (exit 3) when the deadline
        passed while the service throttled the gate."""
        now = self.clock.now()
        self.streak.failed(error)
        if error.throttled:
            self.throttling.refused(now)
            self.rate.throttled(now, spread=self.spread())
        state = self.context()
        stop = self.retry.give_up(state, error)
        if stop is not None:
            raise stop from None
        if error.throttled and self.deadline.passed():
            raise DeadlineExceeded(f"timed out after {self.deadline.timeout:g}s{self.throttling_note()}")
        delay = self.retry.delay(state, error)
        reason = f"{what}: {error.reason}" if what else error.reason
        self.progress.retrying(reason=reason, attempt=state.failures, delay=delay, elapsed=state.elapsed)
        return delay

    def throttled(self) -> Throttled:
        """How often and how long the service has throttled the gate so far (the result's `throttled`)."""
        return self.throttling.so_far(self.clock.now())

    def throttling_note(self) -> str:
        """How often and how long the service throttled the gate ("" when it never did), to end a message with."""
        throttled = self.throttled()
        return f"; {THROTTLED_PHRASE} {throttled.text}" if throttled.count else ""

    def sleep(self, seconds: float) -> None:
        """Sleep, never past the deadline."""
        self.deadline.sleep(seconds)
