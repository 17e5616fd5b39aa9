"""Polling, simulated: the real wait loop (`gate.wait.loop.wait_for_runs`) and the real per-workflow policies
(`gate.wait.policies.WorkflowPolicies`) on a virtual clock.

A fixed, seeded set of runs stands in for a CI system's day: 20 workflows whose typical durations run
from 1 to 30 minutes, each with its own run-to-run spread, some slow outliers and some failures part way;
runs of new workflows (no history); runs that fail in their first minute. Nothing sleeps: the clock
moves only when the loop sleeps, and GetWorkflowRun answers come from the run's timeline.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gate.api.history import History, durations_from
from gate.clock import Deadline
from gate.config.settings import PollSettings, RetrySettings
from gate.pace.pacing import Pacing
from gate.pace.policy import FLOOR
from gate.pace.retry import RetryPolicy
from gate.result import Result
from gate.runref import RunRef
from gate.wait.loop import Rules, wait_for_runs
from gate.wait.policies import WorkflowPolicies

SEED = 6  # the bench's runs; the policy's constants were chosen on other seeds
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
SPACE, PROJECT = "ExampleCorp", "MyDemoProject"
WORKFLOWS = 20
RUNS_PER_WORKFLOW = 10
HISTORY_RUNS = 30  # past runs each workflow's ListWorkflowRuns answer holds
NO_HISTORY_RUNS = 20
EARLY_FAILURES = 20
SLOW_SHARE = 0.05  # runs that take 1.2-2x longer (a cache miss, a busy fleet)
FAIL_SHARE = 0.10  # runs that fail part way through


@dataclass(frozen=True, kw_only=True)
class SimRun:
    kind: str  # "history", "no-history", "early-failure"
    run_id: str
    workflow_id: str
    duration: float  # seconds from startTime to the end
    final: str  # SUCCEEDED or FAILED
    gate_start: float  # run age when the gate starts
    history: dict[str, Any] | None  # the ListWorkflowRuns answer; None: refused


@dataclass(frozen=True)
class Outcome:
    calls: int  # GetWorkflowRun plus ListWorkflowRuns
    latency: float  # seconds from the run's end to the gate's noticing


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _stamp(seconds: float) -> str:
    return (EPOCH + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Workflow:
    def __init__(self, rng: random.Random, typical: float) -> None:
        self.rng, self.typical = rng, typical
        self.id = _uuid(rng)
        self.spread = rng.uniform(0.05, 0.20)  # run-to-run, as a log-normal's sigma

    def draw(self) -> tuple[float, str]:
        rng = self.rng
        duration = self.typical * math.exp(rng.gauss(0.0, self.spread))
        if rng.random() < SLOW_SHARE:
            duration *= rng.uniform(1.2, 2.0)
        if rng.random() < FAIL_SHARE:
            return duration * rng.uniform(0.2, 1.0), "FAILED"
        return duration, "SUCCEEDED"

    def history(self, count: int) -> dict[str, Any]:
        items, start = [], -3600.0
        for _ in range(count):
            duration, status = self.draw()
            items.append({"id": _uuid(self.rng), "workflowId": self.id, "workflowName": "W", "status": status,
                          "startTime": _stamp(start - duration), "endTime": _stamp(start),
                          "lastUpdatedTime": _stamp(start)})
            start -= duration + self.rng.uniform(600, 7200)
        return {"items": items}


def make_runs(seed: int = SEED) -> list[SimRun]:
    rng = random.Random(seed)
    typical = [60.0 * 30 ** (i / (WORKFLOWS - 1)) for i in range(WORKFLOWS)]  # 1 to 30 minutes
    workflows = [_Workflow(rng, t) for t in typical]
    runs: list[SimRun] = []
    for w in workflows:
        history = w.history(HISTORY_RUNS)
        for _ in range(RUNS_PER_WORKFLOW):
            duration, final = w.draw()
            runs.append(SimRun(kind="history", run_id=_uuid(rng), workflow_id=w.id, duration=duration,
                               final=final, gate_start=rng.uniform(0, 10), history=history))
    for i in range(NO_HISTORY_RUNS):
        w = _Workflow(rng, 60.0 * 30 ** rng.random())
        duration, final = w.draw()
        # A new workflow answers with no items; a token without ListWorkflowRuns rights, with a refusal.
        runs.append(SimRun(kind="no-history", run_id=_uuid(rng), workflow_id=w.id, duration=duration,
                           final=final, gate_start=rng.uniform(0, 10), history={"items": []} if i % 2 else None))
    for i in range(EARLY_FAILURES):
        w = workflows[i % WORKFLOWS]
        runs.append(SimRun(kind="early-failure", run_id=_uuid(rng), workflow_id=w.id,
                           duration=rng.uniform(2, 60), final="FAILED", gate_start=rng.uniform(0, 2),
                           history=w.history(HISTORY_RUNS)))
    return runs


def status_at(run: SimRun, age: float) -> str:
    if age >= run.duration:
        return run.final
    if age < 3:
        return "VALIDATING"
    return "PROVISIONING" if age < 20 else "IN_PROGRESS"


class VirtualClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


class _Quiet:
    def status_changed(self, **_: Any) -> None: ...
    def polled(self, **_: Any) -> None: ...
    def retrying(self, **_: Any) -> None: ...
    def history_learned(self, **_: Any) -> None: ...
    def note(self, text: str) -> None: ...
    def finished(self, result: Any) -> None: ...


class _Reader:
    """The API as the loop sees it, answered from the simulated runs' timelines."""

    space, project = SPACE, PROJECT

    def __init__(self, fetch: Callable[[str], dict[str, Any]],
                 listing: Callable[[str], list[dict[str, Any]]] | None = None) -> None:
        self.fetch, self.listing = fetch, listing

    def get_run(self, run_id: str, *, remaining: float | None) -> dict[str, Any]:
        return self.fetch(run_id)

    def list_runs(self, workflow_id: str, *, max_results: int, remaining: float | None) -> dict[str, Any]:
        assert self.listing is not None
        return {"items": self.listing(workflow_id)}


def _wait(run_ids: Sequence[str], reader: _Reader, policies: WorkflowPolicies, clock: VirtualClock, *,
          began: float, timeout: float | None) -> list[Result]:
    """The real loop, as `wait` runs it, on the virtual clock."""
    pacing = Pacing(clock=clock, deadline=Deadline(clock, timeout), progress=_Quiet(), began=began,
                    retry=RetryPolicy(settings=RetrySettings(), floor=FLOOR),
                    utc_now=lambda: EPOCH + timedelta(seconds=clock.t))
    return wait_for_runs([RunRef(run_id) for run_id in run_ids], reader=reader, pacing=pacing, policies=policies,
                         rules=Rules(success_statuses=frozenset({"SUCCEEDED"})))


def simulate(run: SimRun, interval: float | None, **tuning: float) -> Outcome:
    """One run through the real loop with the policies `wait` uses for `--interval interval`."""
    clock = VirtualClock(run.gate_start)  # the clock reads the run's age

    def fetch(_run_id: str) -> dict[str, Any]:
        status = status_at(run, clock.t)
        doc = {"spaceName": SPACE, "projectName": PROJECT, "id": run.run_id, "workflowId": run.workflow_id,
               "status": status, "statusReasons": [], "startTime": _stamp(0), "lastUpdatedTime": _stamp(clock.t)}
        if status == run.final:
            doc["endTime"] = _stamp(run.duration)
        return doc

    loads: list[str] = []  # the ListWorkflowRuns calls for history: one per workflow at most

    def load(workflow_id: str, remaining: float | None) -> History:
        loads.append(workflow_id)
        if run.history is None:
            return History((), "ListWorkflowRuns failed (ApiRefused)")
        return durations_from(run.history, workflow_id=workflow_id, run_id=run.run_id)

    # A fixed interval stands for a plain poller (the comparison rows): it reads no history.
    policies = WorkflowPolicies(interval=interval, load=load if interval is None else None, **tuning)
    [result] = _wait([run.run_id], _Reader(fetch), policies, clock, began=clock.t,
                     timeout=PollSettings().timeout)
    if result.kind not in ("success", "failure"):
        raise RuntimeError(f"simulated run {run.run_id} ended {result.kind}: {result.message}")
    return Outcome(calls=result.polls + len(loads), latency=clock.t - max(run.duration, run.gate_start))


@dataclass(frozen=True)
class Row:
    name: str
    mean_calls: float
    p50: float
    p95: float


def percentile(values: Iterable[float], q: float) -> float:
    data = sorted(values)
    return statistics.quantiles(data, n=100, method="inclusive")[q - 1] if len(data) > 1 else data[0]


def summarize(name: str, outcomes: list[Outcome]) -> Row:
    return Row(name, statistics.fmean(o.calls for o in outcomes),
               percentile((o.latency for o in outcomes), 50), percentile((o.latency for o in outcomes), 95))


POLICIES: dict[str, float | None] = {"fixed 3 s": 3.0, "fixed 30 s": 30.0, "ours (adaptive)": None}


def run_all(runs: list[SimRun] | None = None,
            policies: dict[str, float | None] = POLICIES) -> tuple[list[Row], dict[str, list[Outcome]]]:
    runs = make_runs() if runs is None else runs
    outcomes = {name: [simulate(r, interval) for r in runs] for name, interval in policies.items()}
    rows = [summarize(name, found) for name, found in outcomes.items()]
    rows.append(Row("ideal", 1.0, 0.0, 0.0))
    return rows, outcomes


def by_kind(runs: list[SimRun], outcomes: list[Outcome]) -> dict[str, Row]:
    kinds: dict[str, list[Outcome]] = {}
    for r, o in zip(runs, outcomes, strict=True):
        kinds.setdefault(r.kind, []).append(o)
    return {k: summarize(k, v) for k, v in kinds.items()}


# --- several runs, one gate (issue 14) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    runs: int
    group_calls: int
    separate_calls: int
    p50: float
    p95: float


def simulate_group(runs: list[SimRun]) -> tuple[int, list[float]]:
    """Runs of one workflow gated together through the real loop; the gate starts at t = 0, run i started
    gate_start_i seconds before. Returns the API calls made and each run's detection latency."""
    clock = VirtualClock(0.0)
    by_id = {run.run_id: run for run in runs}
    calls, detected = 0, {}

    def doc(run: SimRun) -> dict[str, Any]:
        age = clock.t + run.gate_start
        status = status_at(run, age)
        answer = {"spaceName": SPACE, "projectName": PROJECT, "id": run.run_id, "workflowId": run.workflow_id,
                  "status": status, "statusReasons": [], "startTime": _stamp(-run.gate_start),
                  "lastUpdatedTime": _stamp(clock.t)}
        if status == run.final:
            answer["endTime"] = _stamp(run.duration - run.gate_start)
        return answer

    def fetch(run_id: str) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        answer = doc(by_id[run_id])
        if answer["status"] in ("SUCCEEDED", "FAILED"):
            detected.setdefault(run_id, clock.t)
        return answer

    def listing(workflow_id: str) -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        return [doc(run) for run in runs]

    def load(workflow_id: str, remaining: float | None) -> History:
        nonlocal calls
        calls += 1
        history = runs[0].history
        return durations_from(history, workflow_id=workflow_id) if history else History((), "refused")

    results = _wait([run.run_id for run in runs], _Reader(fetch, listing), WorkflowPolicies(load=load), clock,
                    began=0.0, timeout=None)
    if any(result.kind not in ("success", "failure") for result in results):
        raise RuntimeError(f"a simulated group ended {[r.kind for r in results]}")
    latencies = [detected[run.run_id] - max(run.duration - run.gate_start, 0.0) for run in runs]
    return calls, latencies


def group_rows(runs: list[SimRun], separate: dict[str, Outcome]) -> GroupRow:
    """Each workflow's runs of kind `history` (10 of one workflow, ending at spread-out times) as one group, against
    the same runs each gated on its own with the default policy (`separate`, by run ID)."""
    workflows: dict[str, list[SimRun]] = {}
    for run in runs:
        if run.kind == "history":
            workflows.setdefault(run.workflow_id, []).append(run)
    group_calls, separate_calls, latencies = 0, 0, []
    for members in workflows.values():
        calls, found = simulate_group(members)
        group_calls += calls
        latencies += found
        separate_calls += sum(separate[run.run_id].calls for run in members)
    outcomes = [Outcome(0, latency) for latency in latencies]
    row = summarize("group", outcomes)
    return GroupRow(sum(len(m) for m in workflows.values()), group_calls, separate_calls, row.p50, row.p95)
