"""Polling policies: what the gate knows now → how long to wait before the next poll (pure).

`Adaptive` spends polls where the run is likely to end. From the workflow's past durations it estimates
the hazard h(a): the chance per second that a run which has lasted `a` seconds ends now. Waiting d
seconds costs about h·d·d/2 seconds of expected detection delay; one poll costs PRICE seconds. Their
sum per second of waiting is least at d = sqrt(2·PRICE / h) (the square-root law), so the gate polls
densely around the predicted end and sparsely where runs seldom end. Then three guards: never more often
than FLOOR, never longer than a tenth of the run's age past the floor (runs fail in their first seconds,
in VALIDATING or PROVISIONING), never longer than CAP.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

FLOOR = 1.0  # seconds: never poll more often, whatever the estimate says
CAP = 60.0  # seconds: never wait longer, so an estimate that is far off costs at most this
RAMP = 0.1  # the wait is at most FLOOR + RAMP × run age: dense in the first seconds, where runs fail
PRICE = 0.15  # seconds of expected detection delay that one poll is worth (the trade-off's one knob)
STOPPING_DELAY = 2.0  # a run that is being stopped ends within seconds
# What the gate believes before it has seen any history: a run ends with hazard 1/(PRIOR_SCALE + age)
# (a Lomax law with shape 1: median PRIOR_SCALE, long tail). It also keeps a little belief in runs
# that end far from every past duration, worth PRIOR_WEIGHT past runs.
PRIOR_SCALE = 300.0
PRIOR_WEIGHT = 1.0
# Each past duration is smoothed into a log-normal bump: width in log-seconds, from the spread of the
# sample (Silverman's rule), but never narrower than MIN_WIDTH (2%: clocks, queues, caches).
MIN_WIDTH = 0.02
MAX_HISTORY = 50
LOOKAHEAD_POINTS = 8  # hazard samples across a proposed wait
LOOKAHEAD_ROUNDS = 8  # shortenings tried; each one at least halves the excess in practice


@dataclass(frozen=True, kw_only=True)
class PollContext:
    """What a policy may base its next delay on."""

    elapsed: float  # seconds since the gate started
    polls: int  # GetWorkflowRun calls made so far
    status: str  # the status seen on the last poll
    run_age: float | None = None  # seconds since the run's startTime, when the response says
    workflow_id: str | None = None  # the run's workflow, when the response says


class PollPolicy(Protocol):
    def __call__(self, context: PollContext) -> float: ...


@dataclass(frozen=True)
class FixedInterval:
    """The same delay every time: what `--interval` asks for."""

    seconds: float

    def __call__(self, context: PollContext) -> float:
        return self.seconds


def kernel_width(durations: Sequence[float]) -> float:
    """Silverman's rule of thumb in log-seconds, with MIN_WIDTH as its floor."""
    if len(durations) < 2:
        return max(MIN_WIDTH, 0.1)
    logs = sorted(math.log(d) for d in durations)
    q1, _, q3 = statistics.quantiles(logs, n=4)
    spread = min(statistics.stdev(logs), (q3 - q1) / 1.349) or statistics.stdev(logs)
    return max(MIN_WIDTH, 0.9 * spread * len(logs) ** -0.2)


def hazard(age: float, durations: Sequence[float], *, width: float,
           prior_scale: float = PRIOR_SCALE, prior_weight: float = PRIOR_WEIGHT) -> float:
    """Per-second chance that a run of this age ends now: density over survival of the mixture."""
    age = max(age, 1e-3)
    density = prior_weight / (prior_scale + age) ** 2 * prior_scale  # Lomax(1, scale): f = s/(s+a)²
    survival = prior_weight * prior_scale / (prior_scale + age)  # S = s/(s+a)
    for d in durations:
        z = (math.log(age) - math.log(d)) / width
        density += math.exp(-z * z / 2) / (width * age * math.sqrt(2 * math.pi))
        survival += math.erfc(z / math.sqrt(2)) / 2
    return density / survival if survival > 0 else math.inf


@dataclass(frozen=True, kw_only=True)
class Adaptive:
    """The default policy: the square-root law over the workflow's past durations (pure)."""

    durations: tuple[float, ...] = ()  # past runs' endTime − startTime, seconds, newest first
    floor: float = FLOOR
    cap: float = CAP
    ramp: float = RAMP
    price: float = PRICE
    prior_scale: float = PRIOR_SCALE
    prior_weight: float = PRIOR_WEIGHT
    power: float = 1.0
    width: float = field(init=False)

    def __post_init__(self) -> None:
        kept = tuple(d for d in self.durations if math.isfinite(d) and d > 0)[:MAX_HISTORY]
        object.__setattr__(self, "durations", kept)
        object.__setattr__(self, "width", kernel_width(kept))

    def _hazard(self, age: float) -> float:
        return hazard(age, self.durations, width=self.width,
                      prior_scale=self.prior_scale, prior_weight=self.prior_weight)

    def __call__(self, context: PollContext) -> float:
        age = context.elapsed if context.run_age is None else context.run_age
        delay = min(self.cap, self.floor + self.ramp * age)
        if context.status == "STOPPING":
            delay = min(delay, STOPPING_DELAY)
        # The law must hold across the whole wait, not just at its start: a long wait that would run into
        # the likely end is cut to what the highest hazard inside it allows, until it fits.
        for _ in range(LOOKAHEAD_ROUNDS):
            peak = max(self._hazard(age + delay * k / LOOKAHEAD_POINTS) for k in range(LOOKAHEAD_POINTS + 1))
            fits = ((self.power + 1) * self.price / (self.power * peak)) ** (1 / (self.power + 1)) if peak > 0 else math.inf
            if fits >= delay or delay <= self.floor:
                break
            delay = max(self.floor, fits)
        # Tenths of a second: the schedule is exact to state and to test.
        return round(max(self.floor, delay), 1)
