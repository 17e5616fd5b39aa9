"""Polling policies: what the gate knows now → how long to wait before the next poll (pure).

`Adaptive` treats each wait as a bet. From the workflow's past durations it predicts when the run ends
(a survival curve), and picks the wait with the least expected cost per second waited, where one poll
costs PRICE, each second between the end and its notice costs 1, and a notice more than TAIL seconds
late costs PENALTY more. That polls densely around the predicted end and sparsely far from it. Where the
prediction rests on too little (no history, a short one, or a run older than nearly every past run) it
cannot bet, so it bounds the worst case instead: never more than TAIL seconds between polls. Two guards
hold: never more often than FLOOR, and never longer than FLOOR + RAMP × the run's age (runs fail in their
first seconds, in VALIDATING or PROVISIONING). Throttling is not the policy's business: once the service
has throttled the gate, the gate's own request rate (gate.pace.rate) spaces its calls out, whatever the
policy asks.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

FLOOR = 1.0  # seconds: never poll more often, whatever the prediction says
CAP = 60.0  # seconds: never wait longer, so a prediction that is far off costs at most this
RAMP = 0.2  # a wait is at most FLOOR + RAMP × run age: a run that fails at 20 s is noticed by 25 s
STOPPING_DELAY = 2.0  # a run that is being stopped ends within seconds
# The objective, in seconds of detection delay (see `Adaptive`). PRICE: what one poll is worth (the call
# budget's exchange rate). TAIL: a notice later than this is late (the goal is 6 s; the request itself takes
# some of it). PENALTY: what a late notice costs on top of its delay. Chosen on the simulation's seeds 1-5
# and 7-16, never on the bench's seed 6.
PRICE = 0.15
TAIL = 5.2
PENALTY = 60.0
# Below this many past runs still ahead of the run's age, a hazard estimate is noise: bound the wait.
MIN_AHEAD = 3.0
# What the gate believes beyond its history: a run may end far from every past duration. A new run ends
# before all n past runs with chance 1/(n+1) (exchangeability), so the prior is worth PRIOR_WEIGHT = 1 past
# run: a Lomax law (shape 1) whose median is the workflow's median past duration, PRIOR_SCALE without one.
PRIOR_SCALE = 300.0
PRIOR_WEIGHT = 1.0
# Each past duration is smoothed into a log-normal bump, in log-seconds as wide as the gap to its
# NEIGHBOURS-th nearest past run, but never narrower than the sample's Silverman width, nor MIN_WIDTH (2%).
NEIGHBOURS = 3
MIN_WIDTH = 0.02
MAX_HISTORY = 50
WAIT_STEP = 1.25  # candidate waits: FLOOR × WAIT_STEP^k, and the limit itself


@dataclass(frozen=True, kw_only=True)
class PollContext:
    """What the wait knows now: the one state that the poll policy and the retry policy (gate.pace.retry) read."""

    elapsed: float  # seconds since the gate started
    polls: int  # GetWorkflowRun calls made so far
    status: str | None  # the status seen on the last answer; None before the first
    run_age: float | None = None  # seconds since the run's startTime, when the response says
    workflow_id: str | None = None  # the run's workflow, when the response says
    throttled: int = 0  # times the service throttled this wait (HTTP 429, ThrottlingException); a burst is once
    remaining: float | None = None  # seconds left before the deadline; None: no deadline
    failures: int = 0  # transient failures in a row, the last one included
    outages: int = 0  # of those, the ones that were not throttling: only these count toward giving up
    reached: bool = True  # the endpoint has sent at least one HTTP answer in this wait


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
    spread: float = min(statistics.stdev(logs), (q3 - q1) / 1.349) or statistics.stdev(logs)
    return max(MIN_WIDTH, 0.9 * spread * math.pow(len(logs), -0.2))


def kernel_widths(durations: Sequence[float], *, neighbours: int = NEIGHBOURS) -> tuple[float, ...]:
    """One bump width per past run: a lone failure at 40% of the usual time speaks for the gap it sits
    in, while runs in the usual cluster stay sharp (an adaptive kernel density estimate)."""
    base = kernel_width(durations)
    logs = [math.log(d) for d in durations]
    k = min(neighbours, len(logs) - 1)
    if k < 1:
        return (base,) * len(logs)
    return tuple(max(base, sorted(abs(x - y) for y in logs)[k]) for x in logs)


def runs_ahead(age: float, durations: Sequence[float], widths: Sequence[float]) -> float:
    """How many past runs (each smoothed) lasted longer than `age`."""
    log_age = math.log(max(age, 1e-3))
    return sum(math.erfc((log_age - math.log(d)) / (w * math.sqrt(2))) / 2
               for d, w in zip(durations, widths, strict=True))


def survival(age: float, durations: Sequence[float], widths: Sequence[float], *,
             prior_scale: float = PRIOR_SCALE, prior_weight: float = PRIOR_WEIGHT) -> float:
    """Unnormalised chance that a run lasts longer than `age`: the prior plus the smoothed past runs."""
    return prior_weight * prior_scale / (prior_scale + max(age, 0.0)) + runs_ahead(age, durations, widths)


def wait_cost_rate(wait: float, ends: Sequence[tuple[float, float]], *, price: float, penalty: float,
                   tail: float) -> float:
    """Expected cost per second of one wait, given `ends`: (x, chance the run ends within x seconds).

    The poll costs `price`; a run that ends x seconds into the wait is noticed wait − x late, so the
    expected delay is the integral of that chance over the wait; it is late when it ends in the first
    wait − tail seconds.
    """
    delay, previous = 0.0, (0.0, 0.0)
    for x, chance in ends:
        if x > wait:
            break
        delay += (x - previous[0]) * (chance + previous[1]) / 2
        previous = (x, chance)
    late = _interpolate(ends, wait - tail) if wait > tail else 0.0
    return (price + delay + penalty * late) / wait


def _interpolate(points: Sequence[tuple[float, float]], x: float) -> float:
    """Piecewise-linear through (0, 0) and `points` (sorted by x), flat past the last one."""
    below = (0.0, 0.0)
    for point in points:
        if point[0] >= x:
            span = point[0] - below[0]
            return below[1] + (point[1] - below[1]) * ((x - below[0]) / span if span else 1.0)
        below = point
    return below[1]


def candidate_waits(floor: float, limit: float, *, tail: float) -> list[float]:
    """Waits worth comparing: a geometric ladder from the floor, the limit, and the tail itself."""
    waits, wait = [], floor
    while wait < limit:
        waits.append(wait)
        wait *= WAIT_STEP
    waits.append(limit)
    if floor < tail < limit:
        waits.append(tail)
    return sorted(set(waits))


@dataclass(frozen=True, kw_only=True)
class Adaptive:
    """The default policy: the cheapest expected wait over the workflow's past durations (pure)."""

    durations: tuple[float, ...] = ()  # past runs' endTime − startTime, seconds, newest first
    floor: float = FLOOR
    cap: float = CAP
    ramp: float = RAMP
    price: float = PRICE
    tail: float = TAIL
    penalty: float = PENALTY
    min_ahead: float = MIN_AHEAD
    prior_scale: float | None = None  # None: the median past duration (PRIOR_SCALE without history)
    prior_weight: float = PRIOR_WEIGHT
    neighbours: int = NEIGHBOURS
    widths: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        kept = tuple(d for d in self.durations if math.isfinite(d) and d > 0)[:MAX_HISTORY]
        object.__setattr__(self, "durations", kept)
        object.__setattr__(self, "widths", kernel_widths(kept, neighbours=self.neighbours))
        if self.prior_scale is None:  # the workflow's own time scale: its median past run
            object.__setattr__(self, "prior_scale", sorted(kept)[len(kept) // 2] if kept else PRIOR_SCALE)

    def _survival(self, age: float) -> float:
        assert self.prior_scale is not None  # set in __post_init__
        return survival(age, self.durations, self.widths,
                        prior_scale=self.prior_scale, prior_weight=self.prior_weight)

    def __call__(self, context: PollContext) -> float:
        age = context.elapsed if context.run_age is None else context.run_age
        limit = max(self.floor, min(self.cap, self.floor + self.ramp * age))
        if context.status == "STOPPING":
            limit = min(limit, max(self.floor, STOPPING_DELAY))
        # Tenths of a second: the schedule is exact to state and to test.
        return max(self.floor, round(self.best_wait(age, limit), 1))

    def best_wait(self, age: float, limit: float) -> float:
        """The wait in [floor, limit] with the least expected cost per second (TAIL where it can't tell)."""
        if runs_ahead(age, self.durations, self.widths) < self.min_ahead:
            return max(self.floor, min(limit, self.tail))
        waits = candidate_waits(self.floor, limit, tail=self.tail)
        now = self._survival(age)
        grid = sorted({*waits, *(w - self.tail for w in waits if w > self.tail)})
        ends = [(x, 1.0 - self._survival(age + x) / now) for x in grid]
        return min(waits, key=lambda w: wait_cost_rate(w, ends, price=self.price, penalty=self.penalty,
                                                        tail=self.tail))
