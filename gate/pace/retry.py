"""Retrying transient failures, as a policy beside the poll policy: when to give up, and how long to wait.

Pure: the jitter comes in through the settings (`RetrySettings.uniform`), so tests know every delay.
Both policies read the same state, `PollContext`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from gate.config import fields
from gate.config.settings import RetrySettings
from gate.defaults import MAX_RETRY_AFTER
from gate.errors import ServiceUnavailable, TransientError
from gate.pace.policy import PollContext
from gate.result import Throttled


@dataclass
class Streak:
    """Transient failures in a row, and what they said: how many bursts of "slow down" answers there were (a burst
    counts once in `throttled`; gate.pace.retry.Throttling counts each answer and the time) and whether the endpoint
    has ever answered. One per gate, changed only by gate.pace.pacing, for the picker and the wait loop alike; both
    policies read it through PollContext."""

    failures: int = 0
    outages: int = 0  # of the failures in a row, those that were not throttling
    throttled: int = 0
    throttled_now: bool = False  # the current streak already counted as one throttling
    reached: bool = False

    def noted(self, error: TransientError) -> None:
        """A failure seen, retried or not (a listing's is not: its runs are read one by one)."""
        if error.throttled and not self.throttled_now:
            self.throttled, self.throttled_now = self.throttled + 1, True
        self.reached = self.reached or error.reached

    def failed(self, error: TransientError) -> None:
        self.noted(error)
        self.failures += 1
        self.outages += not error.throttled

    def answered(self) -> None:
        self.failures, self.outages, self.throttled_now, self.reached = 0, 0, False, True


@dataclass
class Throttling:
    """How often and how long the service throttled the gate, over its whole life (the result's `throttled`):
    each "slow down" answer counts in `refusals`; `seconds` adds up, for each burst of them, the time from its first
    "slow down" to the next answer that was not one (a burst still going at the end counts up to then). One per
    gate, shared by each of its Pacings (the workflow-name lookup's too) and changed only by them."""

    refusals: int = 0
    seconds: float = 0.0  # of the bursts that ended
    began: float | None = None  # the first "slow down" of the burst still going

    def refused(self, now: float) -> None:
        self.refusals += 1
        if self.began is None:
            self.began = now

    def ended(self, now: float) -> None:
        """The service answered: a burst going ends."""
        if self.began is not None:
            self.seconds += max(0.0, now - self.began)
            self.began = None

    def seconds_at(self, now: float) -> float:
        """Seconds spent throttled so far, the burst still going included."""
        return self.seconds + (0.0 if self.began is None else max(0.0, now - self.began))

    def so_far(self, now: float) -> Throttled:
        """The result's `throttled` as of now."""
        return Throttled(self.refusals, self.seconds_at(now))


def backoff_delay(attempt: int, *, settings: RetrySettings, floor: float) -> float:
    """Delay before retry number `attempt` (1-based): capped exponential with full jitter, never below `floor`."""
    ceiling = min(settings.cap, settings.base * 2 ** min(attempt - 1, 64))
    if settings.uniform is None:
        return max(floor, random.uniform(0.0, ceiling))
    return max(floor, settings.uniform(0.0, ceiling))


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    settings: RetrySettings
    floor: float  # never retry sooner than a poll would come (the fixed interval, or the policy's floor)
    naming: Callable[[str], str] = fields.CLI  # what the user calls a field (the Action: its input)
    # None: throttling never gives up (the deadline ends the gate). A number: a call that only labels the run (a
    # workflow's name) gives up after this many "slow down" answers in a row, so it never holds a verdict up.
    throttle_budget: int | None = None

    def give_up(self, context: PollContext, error: TransientError) -> ServiceUnavailable | None:
        """Why to stop retrying now (the error to end with), or None to try again. Throttling is an answer, not an
        outage: it never gives up here (at the deadline the gate ends as any wait does, gate.pace.pacing). Every
        other reason is exit 6: the gate could not reach the service, or not for long enough, to judge the run."""
        if error.throttled:
            if self.throttle_budget is not None and context.failures > self.throttle_budget:
                return ServiceUnavailable(f"throttled {context.failures} times in a row; last: {error.reason}")
            return None
        outages = context.outages
        attempts = "1 attempt" if outages == 1 else f"{outages} attempts in a row"
        if not context.reached and outages > self.settings.first_contact_retries:
            return ServiceUnavailable(
                f"the endpoint never answered: {attempts} failed; last: {error.reason}. Check "
                f"{self.naming('endpoint')}, the network and any proxy (HTTPS_PROXY, NO_PROXY)")
        if outages > self.settings.max_retries:
            return ServiceUnavailable(f"the service is unavailable: {attempts} failed; last: {error.reason}")
        if context.remaining is not None and context.remaining <= 0:
            return ServiceUnavailable(f"the deadline passed while retrying, which cut the retries short "
                                      f"({attempts} failed); last: {error.reason}")
        return None

    def delay(self, context: PollContext, error: TransientError | None = None) -> float:
        """The backoff, or longer when the answer's Retry-After asks (capped: gate.pace.pacing sleeps no further
        than the deadline, and MAX_RETRY_AFTER without one)."""
        backoff = backoff_delay(context.failures, settings=self.settings, floor=self.floor)
        asked = None if error is None else error.retry_after
        return backoff if asked is None else max(backoff, min(asked, MAX_RETRY_AFTER))
