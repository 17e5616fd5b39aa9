"""The result says how often and how long the service throttled the gate (issue 27, item 1), end to end: the real
CLI, and the Action's own entrypoint, against the emulator's throttle faults. `throttled` is `{"count": N,
"seconds": S}`: N the 429 answers, S for each burst of them the time from its first to the answer that ended it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.emulator import Emulator
from tests.acceptance.conftest import PROJECT, SPACE, run_gate, wait_args
from tests.acceptance.test_action_e2e import run_action, runner_env

pytestmark = pytest.mark.e2e

THROTTLE_TWICE = {"kind": "throttle", "operation": "GetWorkflowRun", "count": 2}


def answers(emulator: Emulator, operation: str = "GetWorkflowRun") -> list[tuple[int | None, float]]:
    return [(r.status, r.at) for r in list(emulator.requests) if r.operation == operation]


def test_a_gate_throttled_twice_then_answered_exits_0_and_its_output_file_says_so(start_emulator,
                                                                                   tmp_path: Path) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)  # already SUCCEEDED
    emulator.add_fault(THROTTLE_TWICE)
    done = run_gate(*wait_args(emulator, run.id, "--output-file", str(tmp_path / "result.json")), jitter=False)
    assert done.returncode == 0, done.stderr
    seen = answers(emulator)
    assert [status for status, _ in seen] == [429, 429, 200]
    throttled = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))["throttled"]
    assert throttled["count"] == 2
    assert abs(throttled["seconds"] - (seen[-1][1] - seen[0][1])) < 0.5  # the first 429 to the answer, as the server saw
    assert done.stderr.count("Throttled: 2 times over ") == 1 and "throttled the gate" not in done.stderr


def test_a_gate_never_throttled_counts_none(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    done = run_gate(*wait_args(emulator, run.id, "--output-file", str(tmp_path / "result.json")))
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))["throttled"] == {"count": 0,
                                                                                                "seconds": 0}
    assert "Throttled" not in done.stderr


def test_a_start_throttled_twice_says_so(start_emulator) -> None:
    emulator = start_emulator()
    emulator.add_fault({"kind": "throttle", "operation": "StartWorkflowRun", "count": 2})
    done = run_gate("start", "--space", SPACE, "--project", PROJECT, "--workflow", "MyDemoWorkflow", "--endpoint",
                    emulator.base_url, "--json", jitter=False)
    assert done.returncode == 0, done.stderr
    assert [status for status, _ in answers(emulator, "StartWorkflowRun")] == [429, 429, 200]
    assert done.json()["throttled"]["count"] == 2 and done.json()["throttled"]["seconds"] > 0


def test_the_value_reaches_the_action_s_outputs_and_its_summary(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    emulator.add_fault(THROTTLE_TWICE)
    env = runner_env(emulator, tmp_path, run.id)
    env["CODECATALYST_RETRY_BASE"] = "0"
    action = run_action(env)
    assert action.returncode == 0, action.stdout + action.stderr
    throttled = json.loads(action.outputs["throttled"])
    assert throttled["count"] == 2 and throttled["seconds"] > 0
    assert action.summary.count("Throttled") == 1 and "| Throttled | 2 times over " in action.summary


def test_a_timeout_says_it_once_in_its_heading(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow")
    emulator.add_fault({"kind": "throttle", "operation": "GetWorkflowRun", "count": "always", "after": 1})
    action = run_action(runner_env(emulator, tmp_path, run.id, timeout="3"))
    assert action.returncode == 3, action.stdout + action.stderr
    count = json.loads(action.outputs["throttled"])["count"]
    assert count == sum(status == 429 for status, _ in answers(emulator)) > 0
    assert action.summary.count("throttled the gate") == 1 and "| Throttled |" not in action.summary
