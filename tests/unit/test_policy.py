"""The polling policies: pure functions from what the gate knows to the next delay."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from gate.api.history import History
from gate.config.settings import PollSettings, Project, RunChoice, Settings
from gate.pace.policy import (
    CAP,
    FLOOR,
    PRICE,
    RAMP,
    STOPPING_DELAY,
    TAIL,
    Adaptive,
    FixedInterval,
    PollContext,
    wait_cost_rate,
)
from gate.wait.policies import LearnsHistory, WorkflowPolicies
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN

rng = random.Random(1)
AROUND_600 = tuple(600 * math.exp(rng.gauss(0, 0.03)) for _ in range(30))  # a steady 10-minute workflow
SPREAD = tuple(60 * 30 ** rng.random() for _ in range(30))  # anything from 1 to 30 minutes
TIGHT = (600.0,) * 30  # every past run took the same time: the hazard spikes


def at(age: float, status: str = "IN_PROGRESS") -> PollContext:
    return PollContext(elapsed=age, polls=1, status=status, run_age=age)


def schedule(policy: Adaptive, *, start: float = 0.0, until: float) -> list[tuple[float, float]]:
    """(age, wait) for every poll from `start` to `until`, as the loop would make them."""
    polls, age = [], start
    while age < until:
        wait = policy(at(age))
        polls.append((age, wait))
        age += wait
    return polls


@pytest.mark.parametrize("durations", [(), (600.0,), TIGHT, AROUND_600, SPREAD, (1.0,) * 30, (0.001, 5.0) * 15])
@pytest.mark.parametrize("age", [0.0, 0.4, 3.0, 30.0, 100.0, 599.0, 600.0, 600.4, 700.0, 5000.0, 1e6])
def test_never_below_the_floor_nor_above_the_cap(durations: tuple[float, ...], age: float) -> None:
    wait = Adaptive(durations=durations)(at(age))
    assert FLOOR <= wait <= CAP


@pytest.mark.parametrize("throttled", [1, 5, 1000])
@pytest.mark.parametrize("durations", [(), AROUND_600, TIGHT])
@pytest.mark.parametrize("age", [0.0, 5.0, 599.0, 5000.0])
def test_throttling_is_not_the_policys_business(durations: tuple[float, ...], age: float, throttled: int) -> None:
    """The gate's own rate (gate.pace.rate) spaces calls out once throttled; the poll policy asks what it would ask,
    so the gate goes back to its schedule as soon as the service lets it."""
    policy = Adaptive(durations=durations)
    assert policy(PollContext(elapsed=age, polls=9, status="IN_PROGRESS", run_age=age, throttled=throttled)) == \
        policy(at(age))


def test_an_explicit_interval_stays_fixed_after_throttling() -> None:
    assert FixedInterval(3.0)(PollContext(elapsed=60.0, polls=9, status="IN_PROGRESS", throttled=4)) == 3.0


@pytest.mark.parametrize("durations", [(), AROUND_600, SPREAD, TIGHT])
@pytest.mark.parametrize("age", [0.0, 1.0, 5.0, 10.0, 20.0, 30.0])
def test_dense_in_the_first_seconds_whatever_the_history(durations: tuple[float, ...], age: float) -> None:
    assert Adaptive(durations=durations)(at(age)) <= round(FLOOR + RAMP * age, 1)


def test_the_first_poll_after_the_start_comes_after_the_floor() -> None:
    assert Adaptive(durations=AROUND_600)(at(0.0)) == FLOOR


def test_dense_around_the_predicted_end() -> None:
    polls = schedule(Adaptive(durations=AROUND_600), until=700)
    q1, _, q3 = statistics.quantiles(AROUND_600, n=4)
    central = [wait for age, wait in polls if q1 <= age <= q3]  # where half the past runs ended
    assert central and max(central) <= 3.5
    likely = [wait for age, wait in polls if min(AROUND_600) - TAIL <= age <= max(AROUND_600)]
    assert max(likely) <= TAIL
    quiet = [wait for age, wait in polls if 60 <= age < min(AROUND_600) - TAIL]
    assert len(quiet) <= len(likely)  # the quiet eight minutes before cost fewer polls than the likely minute


def test_sparse_far_from_the_predicted_end() -> None:
    policy = Adaptive(durations=AROUND_600)
    assert policy(at(200.0)) >= 20.0
    assert policy(at(300.0)) >= policy(at(550.0)) * 3


def test_a_wait_never_jumps_into_the_predicted_end() -> None:
    # From far away, a long wait stops short of the earliest past run rather than running into it: only a wait of at
    # most TAIL reaches past it (a notice at most TAIL late).
    polls, earliest = schedule(Adaptive(durations=AROUND_600), start=300, until=640), min(AROUND_600)
    long = [(age, wait) for age, wait in polls if wait > TAIL]
    assert len(long) >= 4  # far from the end the schedule is sparse: the rule below is about real long waits
    for age, wait in long:
        assert age + wait <= earliest
    [crossing] = [wait for age, wait in polls if age < earliest < age + wait]
    assert crossing <= TAIL


@pytest.mark.parametrize(("durations", "why"), [
    ((), "no history"),
    ((600.0, 610.0), "a short one"),
    (AROUND_600, "past every past run"),
])
def test_with_too_little_to_predict_from_the_wait_is_bounded(durations: tuple[float, ...], why: str) -> None:
    policy = Adaptive(durations=durations)
    ages = [1000.0, 3000.0] if durations else [100.0, 300.0, 1000.0, 3000.0]
    assert [policy(at(age)) for age in ages] == [TAIL] * len(ages), why


def test_a_stopping_run_is_watched_closely() -> None:
    assert Adaptive(durations=AROUND_600)(at(200.0, "STOPPING")) == STOPPING_DELAY


def test_the_policy_is_pure() -> None:
    policy = Adaptive(durations=SPREAD)
    first = [policy(at(age)) for age in (5.0, 120.0, 700.0)]
    assert [policy(at(age)) for age in (5.0, 120.0, 700.0)] == first
    assert [Adaptive(durations=SPREAD)(at(age)) for age in (5.0, 120.0, 700.0)] == first


def test_without_a_run_age_the_gate_s_own_elapsed_time_stands_in() -> None:
    policy = Adaptive(durations=AROUND_600)
    assert policy(PollContext(elapsed=200.0, polls=3, status="IN_PROGRESS")) == policy(at(200.0))


def test_unusable_durations_are_dropped() -> None:
    assert Adaptive(durations=(math.nan, -5.0, 0.0, math.inf, 300.0)).durations == (300.0,)
    assert len(Adaptive(durations=(300.0,) * 80).durations) == 50


def constant_hazard(rate: float) -> list[tuple[float, float]]:
    return [(x / 10, 1 - math.exp(-rate * x / 10)) for x in range(1, 1201)]


def best(ends: list[tuple[float, float]], **objective: float) -> float:
    waits = [x for x, _ in ends]
    return min(waits, key=lambda w: wait_cost_rate(w, ends, **objective))


def test_the_cost_gives_the_square_root_law_when_lateness_is_free() -> None:
    # A constant hazard h: the best wait is sqrt(2 · price / h).
    for rate in (0.001, 0.004):
        assert best(constant_hazard(rate), price=PRICE, penalty=0.0, tail=TAIL) == pytest.approx(
            math.sqrt(2 * PRICE / rate), rel=0.05)


def test_the_cost_sticks_at_the_tail_once_a_late_notice_is_dearer_than_a_poll() -> None:
    assert best(constant_hazard(0.004), price=PRICE, penalty=20.0, tail=TAIL) == TAIL
    # Where the run seldom ends, a late notice is too unlikely to be worth the polls.
    assert best(constant_hazard(0.0002), price=PRICE, penalty=20.0, tail=TAIL) > 2 * TAIL


def settings(interval: float | None) -> Settings:
    project = Project(space=SPACE, project=PROJECT, endpoint="https://example.invalid", token=TOKEN)
    return Settings(command="wait", project=project, run=RunChoice(run_ids=(RUN_ID,)), polling=PollSettings(interval=interval))


def test_an_explicit_interval_is_a_fixed_interval() -> None:
    policy = WorkflowPolicies(interval=settings(7.5).polling.interval,
                              load=lambda _id, _left: History(AROUND_600)).for_workflow("w")
    assert {policy(at(age)) for age in (0.0, 600.0, 5000.0)} == {7.5}
    assert WorkflowPolicies(interval=7.5).for_workflow("w") == FixedInterval(7.5)  # no history to learn: plain


def test_without_an_interval_the_policy_learns_the_workflow_s_history() -> None:
    policy = WorkflowPolicies(interval=settings(None).polling.interval,
                              load=lambda _id, _left: History(AROUND_600)).for_workflow("w")
    assert isinstance(policy, LearnsHistory)
    context = PollContext(elapsed=200.0, polls=1, status="IN_PROGRESS", run_age=200.0, workflow_id="w")
    assert policy(context) == Adaptive(durations=AROUND_600)(context)
    assert WorkflowPolicies(interval=settings(None).polling.interval).for_workflow("w") == Adaptive()


def test_the_simulation_runs_the_same_policy_through_the_real_loop() -> None:
    from scripts.bench.simulation import SimRun, simulate

    run = SimRun(kind="history", run_id="r", workflow_id="w", duration=605.0, final="SUCCEEDED", gate_start=2.0,
                 history={"items": [{"id": f"p{i}", "workflowId": "w", "status": "SUCCEEDED",
                                     "startTime": "2026-01-01T00:00:00.000Z",
                                     "endTime": f"2026-01-01T00:{10 + i % 3 - 1:02d}:00.000Z"} for i in range(30)]})
    fixed, ours = simulate(run, 3.0), simulate(run, None)
    assert fixed.calls == 202 and fixed.latency < 3.0
    assert ours.calls < fixed.calls / 2 and ours.latency <= TAIL
