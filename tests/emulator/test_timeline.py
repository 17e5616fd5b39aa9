"""A run's status as a pure function of time, and the timestamps it is written with."""

from __future__ import annotations

import pytest

from gate.emulator.clock import ManualClock, parse_rfc3339, rfc3339
from gate.emulator.timeline import RunPlan, phase_at

PLAN = RunPlan((("VALIDATING", 1.0), ("PROVISIONING", 1.0), ("IN_PROGRESS", 2.0)), "SUCCEEDED")


@pytest.mark.parametrize(("elapsed", "status", "since", "ended"), [
    (-5.0, "VALIDATING", 0.0, None),
    (0.0, "VALIDATING", 0.0, None),
    (0.999, "VALIDATING", 0.0, None),
    (1.0, "PROVISIONING", 1.0, None),
    (2.0, "IN_PROGRESS", 2.0, None),
    (3.999, "IN_PROGRESS", 2.0, None),
    (4.0, "SUCCEEDED", 4.0, 4.0),
    (1e6, "SUCCEEDED", 4.0, 4.0),
])
def test_a_run_walks_its_steps_then_ends(elapsed: float, status: str, since: float, ended: float | None) -> None:
    phase = phase_at(PLAN, started=100.0, now=100.0 + elapsed)
    assert (phase.status, phase.since - 100.0, None if phase.ended is None else phase.ended - 100.0) == (
        status, since, ended)


def test_final_reasons_appear_only_at_the_end() -> None:
    plan = RunPlan((("IN_PROGRESS", 1.0),), "FAILED", ({"message": "boom"},))
    assert phase_at(plan, started=0, now=0.5).reasons == ()
    assert phase_at(plan, started=0, now=1).reasons == ({"message": "boom"},)


def test_a_run_that_never_ends_stays_in_its_last_step() -> None:
    plan = RunPlan((("VALIDATING", 1.0), ("IN_PROGRESS", 1.0)), None)
    phase = phase_at(plan, started=0, now=10 * 86400)
    assert (phase.status, phase.since, phase.ended) == ("IN_PROGRESS", 1.0, None)
    assert plan.duration is None


def test_zero_second_steps_are_skipped_and_no_steps_means_done_at_once() -> None:
    plan = RunPlan((("VALIDATING", 0.0), ("IN_PROGRESS", 1.0)), "SUCCEEDED")
    assert phase_at(plan, started=0, now=0).status == "IN_PROGRESS"
    assert phase_at(RunPlan((), "CANCELLED"), started=5, now=5).ended == 5


@pytest.mark.parametrize(("epoch", "text"), [
    (0.0, "1970-01-01T00:00:00.000Z"),
    (1795589132.123, "2026-11-25T06:45:32.123Z"),
    (1795589132.9996, "2026-11-25T06:45:33.000Z"),
])
def test_timestamps_are_utc_with_milliseconds(epoch: float, text: str) -> None:
    assert rfc3339(epoch) == text
    assert rfc3339(parse_rfc3339(text)) == text


def test_manual_clock_moves_only_forward() -> None:
    clock = ManualClock("2026-11-25T06:45:00Z")
    assert rfc3339(clock()) == "2026-11-25T06:45:00.000Z"
    assert clock.advance(1.5) == clock()
    assert rfc3339(clock()) == "2026-11-25T06:45:01.500Z"
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        parse_rfc3339("2026-11-25T06:45:00")
