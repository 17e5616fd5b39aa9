"""A fleet of gates for real, and throttling end to end (issue 27): every gate here is the real CLI in its own process.

All of them start together when the module's first test asks, so the module takes as long as its longest gate (about
two minutes: the one with --timeout 100, and the one throttled for 75 s):
- 30 gates against `codecatalyst-gate emulator --rate-limit 3`, one token, runs ending 25 s in, every fourth failing;
  a 31st throttled from its second poll on, with --timeout 100 (tests/acceptance/fleet.py);
- a gate whose run is throttled for its first 75 s, with the default deadline;
- a gate answered twice 429 with Retry-After: 3.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from gate.emulator import Emulator
from tests.acceptance.conftest import PROJECT, SPACE, TOKEN, Finished, run_gate
from tests.acceptance.fleet import RUN_SECONDS, Fleet, expected_exit, run_fleet

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]  # the module's gates all run at once, for about two minutes

FLEET, RATE = 30, 3.0
THROTTLED, THROTTLED_TIMEOUT = FLEET, 100.0  # the 31st gate: throttled from its second poll on
THROTTLED_FOR = 75.0


def lone_gate(*faults: dict[str, object], started_ago: float = 0.0) -> tuple[Finished, list[tuple[int | None, float]]]:
    """One gate against its own emulator with these faults; its exit, and (status, time) of each GetWorkflowRun. The
    run takes 40 s: its first poll finds it going, however slowly the machine starts the gate."""
    long_run = {"workflows": [{"name": "MyDemoWorkflow", "timeline": [["IN_PROGRESS", 40]], "final": "SUCCEEDED"}]}
    with Emulator(token=TOKEN, scenario=long_run) as emulator:
        run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=started_ago)
        for fault in faults:
            emulator.add_fault(fault)
        done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--run-id", run.id, "--endpoint",
                        emulator.base_url, "--json", timeout=240)
        seen = [(r.status, r.at) for r in emulator.requests if r.operation == "GetWorkflowRun"]
    return done, seen


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future]]:
    workdir = tmp_path_factory.mktemp("fleet")
    with ThreadPoolExecutor(max_workers=3) as pool:
        yield {
            "fleet": pool.submit(run_fleet, Path(workdir), FLEET + 1, RATE, timeout=120.0,
                                 throttled={THROTTLED: THROTTLED_TIMEOUT}),
            "throttled for a while": pool.submit(lone_gate, {
                "kind": "throttle", "operation": "GetWorkflowRun", "after": 1, "count": "always",
                "until": THROTTLED_FOR}),
            "retry-after": pool.submit(lone_gate, {"kind": "throttle", "operation": "GetWorkflowRun", "count": 2,
                                                   "retryAfter": 3}, started_ago=60),
        }


@pytest.fixture(scope="module")
def fleet(started: dict[str, Future]) -> Fleet:
    return started["fleet"].result(timeout=400)


def test_every_gate_of_the_fleet_gets_its_runs_verdict_and_none_ends_early(fleet: Fleet) -> None:
    gates = fleet.gates[:FLEET]
    assert [g.code for g in gates] == [expected_exit(g.index) for g in gates]
    assert all(g.ended is not None and g.ended >= RUN_SECONDS for g in gates)
    print(f"\n{fleet.figures(range(FLEET))}")  # the figures the note gives (pytest -s shows them)
    assert fleet.throttled < fleet.requests


def test_a_gate_throttled_from_its_second_poll_on_ends_at_its_deadline_with_exit_3(fleet: Fleet) -> None:
    gate = fleet.gates[THROTTLED]
    assert gate.code == 3
    assert gate.ended is not None and THROTTLED_TIMEOUT <= gate.ended - gate.started <= THROTTLED_TIMEOUT + 15
    assert fleet.workdir is not None
    result = json.loads((fleet.workdir / f"gate-{THROTTLED}.json").read_text(encoding="utf-8"))
    assert (result["result"], result["exit-code"]) == ("timeout", 3)
    assert result["status"] in ("VALIDATING", "PROVISIONING", "IN_PROGRESS")  # what its one answered poll said
    log = (fleet.workdir / f"gate-{THROTTLED}.log").read_text(encoding="utf-8")
    assert f"timed out after 100s; the run is still {result['status']}; the service throttled the gate " in log
    assert "unavailable" not in log


def test_throttled_for_75_seconds_then_the_run_s_own_verdict(started: dict[str, Future]) -> None:
    done, seen = started["throttled for a while"].result(timeout=400)
    assert done.returncode == 0, done.stderr
    assert done.json()["result"] == "success" and done.seconds >= THROTTLED_FOR
    assert [status for status, _ in seen][:2] == [200, 429] and seen[-1][0] == 200
    assert done.json()["throttled"]["count"] == sum(status == 429 for status, _ in seen)
    first_429 = next(at for status, at in seen if status == 429)
    assert abs(done.json()["throttled"]["seconds"] - (seen[-1][1] - first_429)) < 2  # from the first 429 to the answer
    assert "Throttled: " in done.stderr and "unavailable" not in done.stderr


def test_each_retry_after_is_waited_for(started: dict[str, Future]) -> None:
    done, seen = started["retry-after"].result(timeout=400)
    assert done.returncode == 0, done.stderr
    assert [status for status, _ in seen] == [429, 429, 200]
    assert done.json()["throttled"]["count"] == 2 and done.json()["throttled"]["seconds"] >= 6.0
    gaps = [later - earlier for (_, earlier), (_, later) in zip(seen, seen[1:], strict=False)]
    assert all(gap >= 3.0 for gap in gaps), gaps
