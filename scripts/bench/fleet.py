"""A fleet of gates, simulated: N gates started within START_SPREAD seconds, each the real wait loop with the real
policies, pacing and retry step, all on one virtual clock, against one server that allows LIMIT requests per second
(a token bucket of BURST, shared: one token, one space) and answers the rest 429 ThrottlingException without
Retry-After (the service documents none).

Each gate is what `wait --run-id` runs: the loop, its history (ListWorkflowRuns) and its workflow's name
(GetWorkflow), each call through the gate's pacing. Each gate runs in a thread, but only one runs at a time: a gate
that sleeps parks until the scheduler moves the clock to its wake-up time and hands it the turn, so the result is
the same every time for a seed.
"""

from __future__ import annotations

import heapq
import itertools
import random
import statistics
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from gate.api.history import History, durations_from
from gate.clock import Deadline
from gate.config.settings import PollSettings, RetrySettings
from gate.errors import TransientError
from gate.pace.pacing import Pacing
from gate.pace.policy import FLOOR
from gate.pace.retry import RetryPolicy
from gate.runref import RunRef
from gate.wait.loop import Rules, wait_for_runs
from gate.wait.policies import WorkflowPolicies
from gate.wait.watch import workflow_names
from scripts.bench.simulation import EPOCH, PROJECT, SPACE, SimRun, _Quiet, _stamp, make_runs, percentile, status_at

LIMIT = 10.0  # requests per second, shared by the whole fleet
BURST = 10.0
START_SPREAD = 10.0  # every gate starts within this many seconds of the first
FLEET_SEED = 27
WINDOW = 60.0


class Scheduler:
    """One virtual clock for every gate; the gate whose wake-up time is earliest runs, alone, until it sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self._queue: list[tuple[float, int, threading.Event]] = []
        self._seq = itertools.count()
        self._turn_over = threading.Event()

    def park(self, wake: float) -> None:
        """Called by a gate's thread: wait (in virtual time) until `wake`."""
        event = threading.Event()
        heapq.heappush(self._queue, (wake, next(self._seq), event))
        self._turn_over.set()
        event.wait()

    def start(self, at: float, body: Callable[[], None]) -> None:
        event = threading.Event()
        heapq.heappush(self._queue, (at, next(self._seq), event))

        def run() -> None:
            event.wait()
            try:
                body()
            finally:
                self._turn_over.set()

        threading.Thread(target=run, daemon=True).start()

    def run(self) -> None:
        while self._queue:
            wake, _, event = heapq.heappop(self._queue)
            self.t = max(self.t, wake)
            self._turn_over.clear()
            event.set()
            self._turn_over.wait()


class GateClock:
    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler

    def now(self) -> float:
        return self._scheduler.t

    def sleep(self, seconds: float) -> None:
        self._scheduler.park(self._scheduler.t + max(0.0, seconds))


class Server:
    """One rate limit for the fleet: a token bucket; every request is recorded as (time, answered)."""

    def __init__(self, rate: float = LIMIT, burst: float = BURST) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, 0.0
        self.log: list[tuple[float, bool]] = []

    def take(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        ok = self.tokens >= 1.0
        self.tokens -= ok
        self.log.append((now, ok))
        if not ok:
            raise TransientError("HTTP 429 ThrottlingException: Rate exceeded", status=429, throttled=True)


@dataclass
class GateOutcome:
    run: SimRun
    began: float  # the gate's start
    ends: float  # the run's end
    result: str = ""
    noticed: float | None = None
    calls: int = 0


class _Reader:
    space, project = SPACE, PROJECT

    def __init__(self, gate: GateOutcome, server: Server, clock: GateClock) -> None:
        self.gate, self.server, self.clock = gate, server, clock

    def get_run(self, run_id: str, *, remaining: float | None) -> dict[str, Any]:
        gate, now = self.gate, self.clock.now()
        gate.calls += 1
        self.server.take(now)
        run = gate.run
        started = gate.began - run.gate_start
        status = status_at(run, now - started)
        doc = {"spaceName": SPACE, "projectName": PROJECT, "id": run.run_id, "workflowId": run.workflow_id,
               "status": status, "statusReasons": [], "startTime": _stamp(started), "lastUpdatedTime": _stamp(now)}
        if status == run.final:
            doc["endTime"] = _stamp(gate.ends)
            gate.noticed = now if gate.noticed is None else gate.noticed
        return doc

    def list_runs(self, workflow_id: str, *, max_results: int, remaining: float | None) -> dict[str, Any]:
        raise AssertionError("one run per gate: no listing")


def gate_body(gate: GateOutcome, server: Server, scheduler: Scheduler, seed: int) -> Callable[[], None]:
    def body() -> None:
        clock = GateClock(scheduler)
        rng = random.Random(seed)
        pacing = Pacing(clock=clock, deadline=Deadline(clock, PollSettings().timeout), progress=_Quiet(),
                        retry=RetryPolicy(settings=RetrySettings(uniform=rng.uniform), floor=FLOOR),
                        utc_now=lambda: EPOCH + timedelta(seconds=clock.now()),
                        spread=lambda: rng.uniform(0.8, 1.2))

        def load(workflow_id: str, remaining: float | None) -> History:  # as gate.wait.watch loads it
            pacing.before_call()
            gate.calls += 1
            try:
                server.take(clock.now())
            except TransientError as e:
                return History((), f"ListWorkflowRuns failed ({e.reason})")
            if gate.run.history is None:
                return History((), "ListWorkflowRuns failed (ApiRefused)")
            return durations_from(gate.run.history, workflow_id=workflow_id, run_id=gate.run.run_id)

        class NamesApi:  # GetWorkflow, which a gate given a run ID calls once for the workflow's name
            def get_workflow(self, workflow_id: str, *, remaining: float | None) -> dict[str, Any]:
                gate.calls += 1
                server.take(clock.now())
                return {"id": workflow_id, "name": "W"}

        names = workflow_names(SimpleNamespace(polling=SimpleNamespace(interval=None)), NamesApi(),  # type: ignore[arg-type]
                               pacing, {})
        [result] = wait_for_runs([RunRef(gate.run.run_id)], reader=_Reader(gate, server, clock), pacing=pacing,
                                 policies=WorkflowPolicies(load=load),
                                 rules=Rules(success_statuses=frozenset({"SUCCEEDED"}), names=names))
        gate.result = result.kind
    return body


@dataclass(frozen=True)
class FleetRow:
    gates: int
    wrong: int  # verdicts that are not the run's
    early: int  # gates that ended without a verdict before their deadline
    mean_rate: float  # requests per second over the fleet's life
    worst_window: float  # requests per second in the worst WINDOW after the first minute
    throttled_share: float
    p50: float
    p95: float
    calls: float  # per gate
    floor_p50: float
    floor_p95: float
    requests: int
    unavoidable: int  # first requests refused whatever the clients do (first_calls_refused)


def simulate_fleet(n: int, *, seed: int = FLEET_SEED) -> tuple[FleetRow, list[GateOutcome]]:
    rng = random.Random(seed * 1000 + n)
    pool = make_runs()
    gates = []
    for _ in range(n):
        run = rng.choice(pool)
        began = rng.uniform(0.0, START_SPREAD)
        gates.append(GateOutcome(run, began, began - run.gate_start + run.duration))
    scheduler, server = Scheduler(), Server()
    for index, gate in enumerate(gates):
        scheduler.start(gate.began, gate_body(gate, server, scheduler, seed=rng.getrandbits(32) + index))
    scheduler.run()
    return summarize(gates, server), gates


def worst_window(times: list[float], *, after: float, width: float = WINDOW) -> float:
    """The most requests in any `width` seconds that start at or after `after`, per second."""
    later = sorted(t for t in times if t >= after)
    best, low = 0, 0
    for high, t in enumerate(later):
        while t - later[low] > width:
            low += 1
        best = max(best, high - low + 1)
    return best / width


def floor_latencies(gates: list[GateOutcome], limit: float = LIMIT, samples: int = 20) -> list[float]:
    """The notice latency if the limit were shared perfectly: at a run's end, every gate still waiting polls once
    every (gates waiting) / limit seconds (never more often than the policy's floor), so the end is noticed
    uniformly within that period."""
    out = []
    for gate in gates:
        waiting = sum(1 for g in gates if g.began <= gate.ends < max(g.ends, g.began))
        period = max(FLOOR, (waiting + 1) / limit)
        out += [period * (k + 0.5) / samples for k in range(samples)]
    return out


def first_calls_refused(gates: list[GateOutcome], rate: float = LIMIT, burst: float = BURST) -> int:
    """How many gates' first requests the limit refuses even if no gate sent anything else: a gate knows nothing of
    the fleet before its first answer, so no client rule can avoid these."""
    server = Server(rate, burst)
    refused = 0
    for gate in sorted(gates, key=lambda g: g.began):
        try:
            server.take(gate.began)
        except TransientError:
            refused += 1
    return refused


def summarize(gates: list[GateOutcome], server: Server) -> FleetRow:
    expected = {"SUCCEEDED": "success", "FAILED": "failure"}
    latencies = [g.noticed - max(g.ends, g.began) for g in gates if g.noticed is not None]
    times = [t for t, _ in server.log]
    span = max(times) - min(times) if times else 1.0
    floor = floor_latencies(gates)
    return FleetRow(
        gates=len(gates),
        wrong=sum(g.result in ("success", "failure") and g.result != expected[g.run.final] for g in gates),
        early=sum(g.result not in ("success", "failure") for g in gates),
        mean_rate=len(times) / span, worst_window=worst_window(times, after=min(times) + WINDOW),
        throttled_share=sum(not ok for _, ok in server.log) / len(server.log),
        p50=percentile(latencies, 50), p95=percentile(latencies, 95),
        calls=statistics.fmean(g.calls for g in gates),
        floor_p50=percentile(floor, 50), floor_p95=percentile(floor, 95),
        requests=len(server.log), unavoidable=first_calls_refused(gates))


if __name__ == "__main__":
    import sys
    import time

    for size in [int(a) for a in sys.argv[1:]] or [10, 100, 1000]:
        began = time.perf_counter()
        row, _ = simulate_fleet(size)
        print(row, f"({time.perf_counter() - began:.0f} s)", flush=True)
