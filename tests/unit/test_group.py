"""Several runs, one verdict (gate.wait.loop and gate.verdict), driven by a fake clock: the precedence, batched polling that can only
save calls, fail-fast, one deadline, and throttling that widens the whole group's schedule."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from gate.config.settings import RetrySettings
from gate.errors import ApiRefused, Cancelled, ExitCode, InvalidResponse, TransientError
from gate.pace.policy import FixedInterval, PollContext
from gate.pace.retry import RetryPolicy
from gate.result import Result
from gate.verdict import PRECEDENCE, combined, worst_first
from tests.conftest import PROJECT, SPACE, WORKFLOW_ID, FakeClock, run_document
from tests.loopkit import Reader, drive

IDS = [f"a1b2c3d4-5678-90ab-cdef-00000000000{n}" for n in range(1, 5)]
SUCCESS = frozenset({"SUCCEEDED"})


def result(run_id: str, code: ExitCode) -> Result:
    kind = {ExitCode.SUCCESS: "success", ExitCode.RUN_FAILED: "failure", ExitCode.TIMEOUT: "timeout"}.get(code, "error")
    return Result(kind=kind, exit_code=code, space=SPACE, project=PROJECT, run_id=run_id)  # type: ignore[arg-type]


def test_the_verdict_is_the_most_serious_outcome_by_the_documented_precedence() -> None:
    failed, timed_out, refused = (result(IDS[0], ExitCode.RUN_FAILED), result(IDS[1], ExitCode.TIMEOUT),
                                  result(IDS[2], ExitCode.API_REFUSED))
    ok = result(IDS[3], ExitCode.SUCCESS)
    assert combined([ok, failed]).exit_code == ExitCode.RUN_FAILED
    assert combined([ok, failed, timed_out]).exit_code == ExitCode.TIMEOUT  # a run still going beats a failed one
    verdict = combined([failed, ok, refused, timed_out])  # a run the gate could not judge beats both
    assert (verdict.exit_code, verdict.run_id) == (ExitCode.API_REFUSED, IDS[2])
    assert [r.run_id for r in verdict.runs] == [IDS[0], IDS[3], IDS[2], IDS[1]]  # the runs in the order given
    assert [r.run_id for r in worst_first(verdict.runs)] == [IDS[2], IDS[1], IDS[0], IDS[3]]
    assert combined([ok]) is ok and not ok.runs  # one run: the result as it always was
    assert set(PRECEDENCE) == set(ExitCode) - {ExitCode.NOT_WRITTEN}  # 7 is applied after, by the sink's verdict


def test_a_run_fail_fast_skipped_never_decides_the_verdict() -> None:
    skipped = dataclasses.replace(result(IDS[0], ExitCode.RUN_FAILED), kind="skipped")
    failed, refused, ok = (result(IDS[1], ExitCode.RUN_FAILED), result(IDS[2], ExitCode.API_REFUSED),
                           result(IDS[3], ExitCode.SUCCESS))
    assert (combined([skipped, failed]).kind, combined([skipped, failed]).run_id) == ("failure", IDS[1])
    assert (combined([skipped, refused]).kind, combined([skipped, refused]).run_id) == ("error", IDS[2])
    assert [r.run_id for r in worst_first([skipped, ok, failed])] == [IDS[1], IDS[0], IDS[3]]
    assert combined([ok, skipped]).exit_code == ExitCode.RUN_FAILED  # a run not waited for: the gate cannot pass


class World:
    """Runs whose statuses change at given times; answers GetWorkflowRun and one ListWorkflowRuns page."""

    def __init__(self, clock: FakeClock, plans: dict[str, list[tuple[float, str]]], *,
                 listed: Callable[[str], bool] = lambda _run: True) -> None:
        self.clock, self.plans, self.listed = clock, plans, listed
        self.began = clock.t
        self.calls: list[str] = []
        self.list_errors: list[BaseException] = []
        self.get_errors: dict[str, BaseException] = {}

    def status(self, run_id: str) -> str:
        status = "VALIDATING"
        for at, next_status in self.plans[run_id]:
            if self.clock.t - self.began >= at:
                status = next_status
        return status

    def fetch(self, run_id: str, _remaining: float | None) -> dict[str, Any]:
        self.calls.append(f"get {run_id[-1]}")
        if run_id in self.get_errors:
            raise self.get_errors[run_id]
        return run_document(self.status(run_id), id=run_id)

    def listing(self, workflow_id: str, _remaining: float | None) -> list[dict[str, Any]]:
        self.calls.append("list")
        if self.list_errors:
            raise self.list_errors.pop(0)
        return [{"id": run_id, "workflowId": workflow_id, "status": self.status(run_id),
                 "startTime": "2026-11-25T10:00:00.000Z"} for run_id in self.plans if self.listed(run_id)]


def gate(world: World, clock: FakeClock, *, timeout: float | None = 3600.0, fail_fast: bool = False,
         max_retries: int = 8) -> list[Result]:
    retry = RetryPolicy(settings=RetrySettings(max_retries=max_retries, uniform=lambda low, high: high), floor=10.0)
    reader = Reader(lambda run_id, remaining: world.fetch(run_id, remaining), world.listing)
    return drive(list(world.plans), reader, clock=clock, retry=retry, policy=FixedInterval(10.0),
                 success_statuses=SUCCESS, timeout=timeout, fail_fast=fail_fast)


def test_runs_of_one_workflow_cost_one_listing_a_round_and_one_get_to_confirm_each_end(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(25, "SUCCEEDED")], IDS[1]: [(45, "FAILED")], IDS[2]: [(5, "IN_PROGRESS"),
                                                                                          (45, "SUCCEEDED")]})
    results = gate(world, clock)
    assert [(r.run_id, r.exit_code) for r in results] == [
        (IDS[0], ExitCode.SUCCESS), (IDS[1], ExitCode.RUN_FAILED), (IDS[2], ExitCode.SUCCESS)]
    assert world.calls == [
        "get 1", "get 2", "get 3",  # the first round learns each run's workflow
        "list", "list", "list", "get 1",  # 30 s: run 1 listed as ended, confirmed by its own answer
        "list", "list", "get 2", "get 3",  # 50 s: the other two
    ]
    assert combined(results).exit_code == ExitCode.RUN_FAILED
    assert [r.response["status"] for r in results] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]  # verdicts on answers
    assert clock.sleeps == [10.0] * 5


def test_a_run_the_listing_does_not_show_is_read_on_its_own_every_round(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(25, "SUCCEEDED")], IDS[1]: [(25, "SUCCEEDED")]},
                  listed=lambda run_id: run_id != IDS[1])  # older than the page the listing returns
    results = gate(world, clock)
    assert all(r.exit_code == ExitCode.SUCCESS for r in results)
    assert world.calls == ["get 1", "get 2", "list", "get 2", "list", "get 2", "list", "get 1", "get 2"]


@pytest.mark.parametrize("error", [ApiRefused(status=403, error_type="AccessDeniedException", message="no"),
                                   InvalidResponse("not a page")], ids=["refused", "invalid"])
def test_a_listing_that_fails_for_good_falls_back_to_reading_each_run(clock: FakeClock, error: Exception) -> None:
    world = World(clock, {IDS[0]: [(15, "SUCCEEDED")], IDS[1]: [(15, "SUCCEEDED")]})
    world.list_errors = [error]
    results = gate(world, clock)
    assert all(r.exit_code == ExitCode.SUCCESS for r in results)
    assert world.calls == ["get 1", "get 2", "list", "get 1", "get 2", "get 1", "get 2"]  # never listed again


def test_a_throttled_listing_widens_the_whole_group_and_loses_no_run(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(35, "SUCCEEDED")], IDS[1]: [(35, "SUCCEEDED")]})
    world.list_errors = [TransientError("HTTP 429 ThrottlingException", status=429, throttled=True)]
    seen: list[PollContext] = []

    def policy(context: PollContext) -> float:
        seen.append(context)
        return 10.0

    retry = RetryPolicy(settings=RetrySettings(uniform=lambda low, high: high), floor=10.0)
    results = drive(list(world.plans), Reader(world.fetch, world.listing), clock=clock, retry=retry, policy=policy,
                    success_statuses=SUCCESS)
    assert all(r.exit_code == ExitCode.SUCCESS for r in results)
    # The throttled round read both runs itself (no run lost, no failure counted: every GetWorkflowRun answered);
    # from then on every run's schedule knows the service said "slow down".
    assert world.calls[:5] == ["get 1", "get 2", "list", "get 1", "get 2"]
    throttled = [c.throttled for c in seen]  # a policy context per run still going, per round
    assert throttled[:2] == [0, 0] and len(throttled) > 2 and set(throttled[2:]) == {1}


def test_a_listing_throttled_for_good_loses_no_run_and_ends_nothing(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(35, "SUCCEEDED")], IDS[1]: [(35, "FAILED")]})
    world.list_errors = [TransientError("HTTP 429 ThrottlingException", status=429, throttled=True)] * 50
    results = gate(world, clock, max_retries=2)
    assert [(r.kind, r.exit_code) for r in results] == [("success", ExitCode.SUCCESS),
                                                        ("failure", ExitCode.RUN_FAILED)]


def test_one_run_refused_or_invalid_ends_alone_and_the_others_go_on(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(15, "SUCCEEDED")], IDS[1]: [(15, "SUCCEEDED")]})
    world.get_errors[IDS[1]] = InvalidResponse("$.status: 'EXPLODED' is not one of the statuses")
    results = gate(world, clock)
    assert [(r.kind, r.exit_code) for r in results] == [("success", ExitCode.SUCCESS),
                                                        ("error", ExitCode.INVALID_RESPONSE)]
    assert combined(results).exit_code == ExitCode.INVALID_RESPONSE


def test_fail_fast_stops_at_the_first_run_that_cannot_pass(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(5, "IN_PROGRESS")], IDS[1]: [(15, "FAILED")], IDS[2]: [(500, "SUCCEEDED")]})
    results = gate(world, clock, fail_fast=True)
    assert [(r.kind, r.exit_code) for r in results] == [
        ("skipped", ExitCode.RUN_FAILED), ("failure", ExitCode.RUN_FAILED), ("skipped", ExitCode.RUN_FAILED)]
    assert f"--fail-fast stopped the gate when run {IDS[1]} could no longer pass" in results[0].message
    # As it stood: read once more, so its result rests on a fresh answer, not on the first round's.
    assert results[0].response is not None and results[0].response["status"] == "IN_PROGRESS"
    assert (combined(results).kind, combined(results).run_id) == ("failure", IDS[1])  # the run that stopped it
    assert clock.t - 1000.0 == 20.0  # two rounds after the start, not 500 s
    other_clock = FakeClock()
    without = gate(World(other_clock, dict(world.plans)), other_clock)
    assert [r.kind for r in without] == ["timeout", "failure", "success"]  # without it, each to its end or the deadline


def test_one_deadline_for_all(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(15, "SUCCEEDED")], IDS[1]: [(5, "IN_PROGRESS")]})
    results = gate(world, clock, timeout=60.0)
    assert [(r.kind, r.exit_code) for r in results] == [("success", ExitCode.SUCCESS),
                                                        ("timeout", ExitCode.TIMEOUT)]
    assert sum(clock.sleeps) == pytest.approx(60.0)
    assert "the run is still IN_PROGRESS" in results[1].message


def test_a_signal_ends_every_run_still_going(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(5, "SUCCEEDED")], IDS[1]: [(500, "SUCCEEDED")]})

    class Interrupted(FakeClock):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            if self.t - 1000.0 >= 20:
                raise Cancelled("SIGTERM")

    ticking = Interrupted()
    world.clock = ticking
    results = gate(world, ticking)
    assert [(r.kind, r.exit_code) for r in results] == [("success", ExitCode.SUCCESS),
                                                        ("cancelled", ExitCode.SIGTERM)]
    assert combined(results).exit_code == ExitCode.SIGTERM


def test_a_signal_during_a_request_ends_every_run_not_only_that_one(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(500, "SUCCEEDED")], IDS[1]: [(500, "SUCCEEDED")]})
    world.get_errors[IDS[0]] = Cancelled("SIGINT")  # the handler raises inside the first run's request
    results = gate(world, clock)
    assert [(r.kind, r.exit_code) for r in results] == [("cancelled", ExitCode.SIGINT)] * 2
    assert clock.sleeps == []  # nothing polled on


def test_fail_fast_names_the_run_that_failed_not_one_it_stopped_watching(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(5, "IN_PROGRESS")], IDS[1]: [(15, "FAILED")]})  # the skipped run comes first
    verdict = combined(gate(world, clock, fail_fast=True))
    assert (verdict.kind, verdict.run_id, verdict.exit_code) == ("failure", IDS[1], ExitCode.RUN_FAILED)


def test_at_the_deadline_each_run_is_read_once_more(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(5, "IN_PROGRESS")], IDS[1]: [(5, "IN_PROGRESS"), (59, "SUCCEEDED")]})
    results = gate(world, clock, timeout=60.0)
    # Run 1 was last read in the first round (VALIDATING); at the deadline its result rests on a fresh answer.
    assert [(r.kind, r.response["status"]) for r in results] == [("timeout", "IN_PROGRESS"),
                                                                 ("success", "SUCCEEDED")]
    assert world.calls[-1] == "get 1" and "still IN_PROGRESS" in results[0].message


def test_runs_older_than_the_listed_page_stop_costing_a_listing(clock: FakeClock) -> None:
    world = World(clock, {IDS[0]: [(95, "SUCCEEDED")], IDS[1]: [(95, "SUCCEEDED")]}, listed=lambda _run: False)
    gate(world, clock)
    assert world.calls.count("list") == 3  # three rounds showing none of them, then read run by run


def test_runs_of_several_workflows_each_get_their_listing(clock: FakeClock) -> None:
    other = "a1b2c3d4-5678-90ab-cdef-999999999999"
    world = World(clock, {IDS[0]: [(15, "SUCCEEDED")], IDS[1]: [(15, "SUCCEEDED")]})
    original = world.fetch

    def fetch(run_id: str, remaining: float | None) -> dict[str, Any]:
        document = original(run_id, remaining)
        return {**document, "workflowId": other if run_id == IDS[1] else WORKFLOW_ID}

    world.fetch = fetch  # type: ignore[method-assign]
    gate(world, clock)
    assert "list" not in world.calls  # one run per workflow: nothing to batch, each is read on its own


def test_several_runs_are_stale_when_any_of_them_is() -> None:
    gate_began = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # after run_document's endTime
    fresh = result(IDS[0], ExitCode.SUCCESS)
    stale = dataclasses.replace(result(IDS[1], ExitCode.SUCCESS), response=run_document("SUCCEEDED", id=IDS[1]),
                                stale_if_ended_before=gate_began)
    verdict = combined([fresh, stale])
    assert verdict.run_id == IDS[0] and not fresh.stale and stale.stale
    assert verdict.stale and verdict.to_dict()["stale"] is True  # a stale pass in a group is never hidden
