"""The gate's own request rate, adapted to the service's answers (pure; the time comes in as `now`).

The model is botocore's `adaptive` retry mode: a client-side token bucket, off until the service first throttles;
then each "slow down" halves the rate the gate allows itself (DECREASE, of the rate it really sent at), and each
answer raises it a little (INCREASE per answer, at most twice the rate the gate is really sending at, so a quiet
gate does not bank a rate it never tried). A streak of "slow down" answers also spaces the retries out
exponentially (gate.pace.retry), which the measured rate then follows. Growth per
answer rather than per second keeps a fleet's throttled share near INCREASE / (1 - DECREASE) whatever its size:
a gate with a small share of the limit gets few answers, so it climbs slowly. Nothing here changes the polling of a
gate that the service never throttled.
"""

from __future__ import annotations

from dataclasses import dataclass

DECREASE = 0.5  # the share of its rate a gate keeps after a "slow down"
INCREASE = 0.05  # the share of its rate a gate gains per answer
START_RATE = 1.0  # requests per second assumed for a gate throttled before it measured its own pace
MIN_RATE = 1 / 120  # never slower than a request every 2 minutes (the deadline still ends the gate)
SMOOTHING = 0.3  # weight of the newest gap in the measured sending rate


@dataclass
class AdaptiveRate:
    """A token bucket of one token, refilled at `rate` requests per second once the service has throttled."""

    rate: float | None = None  # None: not limiting (never throttled)
    ready_at: float = 0.0  # when the next token is there
    sent_rate: float | None = None  # the measured sending rate (smoothed), requests per second
    last_sent: float | None = None

    @property
    def limiting(self) -> bool:
        return self.rate is not None

    def wait(self, now: float) -> float:
        """Seconds until the next request may go (0: now)."""
        return max(0.0, self.ready_at - now) if self.rate is not None else 0.0

    def sent(self, now: float, *, spread: float = 1.0) -> None:
        """A request goes now: it takes the token, and counts toward the measured rate. `spread` stretches or
        shrinks the gap to the next token (a jitter around 1), so gates throttled together part ways."""
        if self.last_sent is not None and now > self.last_sent:
            gap_rate = 1.0 / (now - self.last_sent)
            self.sent_rate = gap_rate if self.sent_rate is None else \
                SMOOTHING * gap_rate + (1 - SMOOTHING) * self.sent_rate
        self.last_sent = now
        if self.rate is not None:
            self.ready_at = max(self.ready_at, now) + spread / self.rate

    def throttled(self, now: float, *, spread: float = 1.0) -> None:
        """The service said "slow down": the rate drops to DECREASE of what the gate sent at (or allowed itself,
        if less), and the next token comes that much later after the last request (`spread`: the jitter)."""
        pace = self.sent_rate or START_RATE
        base = pace if self.rate is None else min(pace, self.rate)
        self.rate = max(MIN_RATE, base * DECREASE)
        self.ready_at = max(self.ready_at, (now if self.last_sent is None else self.last_sent) + spread / self.rate)

    def answered(self, now: float) -> None:
        """An answer: the rate climbs by INCREASE, never past twice the measured sending rate."""
        if self.rate is None:
            return
        ceiling = 2 * self.sent_rate if self.sent_rate else self.rate
        self.rate = max(self.rate, min(self.rate * (1 + INCREASE), ceiling))
