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
from gate.errors import ServiceUnavailable, TransientError
from gate.pace.policy import PollContext


@dataclass
class Streak:
    """Transient failures in a row, and what they said: how often the service throttled (a burst of "slow down"
    answers counts once) and whether the endpoint has ever answered. One per gate, kept by gate.pace.pacing for the
    picker and the wait loop alike; both policies read it through PollContext."""

    failures: int = 0
    throttled: int = 0
    throttled_now: bool = False  # the current streak already counted as one throttling
    reached: bool = False

    def failed(self, error: TransientError) -> None:
        if error.throttled and not self.throttled_now:
            self.throttled, self.throttled_now = self.throttled + 1, True
        self.failures += 1
        self.reached = self.reached or error.reached

    def answered(self) -> None:
        self.failures, self.throttled_now, self.reached = 0, False, True


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

    def give_up(self, context: PollContext, error: TransientError) -> ServiceUnavailable | None:
        """Why to stop retrying now (the error to end with), or None to try again. Every reason is exit 6: the
        gate could not reach the service, or not for long enough, to judge the run."""
        failures = context.failures
        attempts = "1 attempt" if failures == 1 else f"{failures} attempts in a row"
        if not context.reached and failures > self.settings.first_contact_retries:
            return ServiceUnavailable(
                f"the endpoint never answered: {attempts} failed; last: {error.reason}. Check "
                f"{self.naming('endpoint')}, the network and any proxy (HTTPS_PROXY, NO_PROXY)")
        if failures > self.settings.max_retries:
            return ServiceUnavailable(f"the service is unavailable: {attempts} failed; last: {error.reason}")
        if context.remaining is not None and context.remaining <= 0:
            return ServiceUnavailable(f"the deadline passed while retrying, which cut the retries short "
                                      f"({attempts} failed); last: {error.reason}")
        return None

    def delay(self, context: PollContext) -> float:
        return backoff_delay(context.failures, settings=self.settings, floor=self.floor)
