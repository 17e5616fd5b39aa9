"""Several runs, one verdict (issue 14), end to end against the emulator over loopback: mixed outcomes, the
precedence, fail-fast, one deadline, a bad entry in a list, the Action with a list, and batched polling counted
by the calls the emulator saw."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.emulator import STUCK_RUN_ID, Emulator, ManualClock
from tests.acceptance.conftest import PROJECT, RESULT_KEYS, SPACE, TOKEN, clean_env, run_gate
from tests.acceptance.test_action_e2e import parse_output_file, run_action, runner_env

pytestmark = pytest.mark.e2e
PREFIX = "codecatalyst-gate:"


def group_args(emulator: Emulator, *extra: str) -> list[str]:
    return ["wait", "--space", SPACE, "--project", PROJECT, "--endpoint", emulator.base_url, "--interval", "0.1",
            "--json", *extra]


def calls(emulator: Emulator, operation: str) -> int:
    return sum(1 for r in list(emulator.requests) if r.operation == operation)


def test_mixed_outcomes_one_verdict_and_every_run_in_runs(start_emulator) -> None:
    emulator = start_emulator(step=1)
    good = [emulator.start_run(workflow="MyDemoWorkflow").id for _ in range(2)]
    broken = emulator.start_run(workflow="BrokenWorkflow").id
    done = run_gate(*group_args(emulator, "--run-id", f"{good[0]},{broken}", "--run-id", good[1]))
    assert done.returncode == 1, done.stderr
    result = done.json()
    assert list(result) == [*RESULT_KEYS, "runs"]
    assert (result["result"], result["exit-code"], result["run-id"], result["status"]) == (
        "failure", 1, broken, "FAILED")  # the top-level keys are the run that decided the verdict
    assert [(r["run-id"], r["result"], r["exit-code"]) for r in result["runs"]] == [
        (good[0], "success", 0), (broken, "failure", 1), (good[1], "success", 0)]  # in the order given
    assert all(list(r) == RESULT_KEYS for r in result["runs"])
    for run_id in (*good, broken):  # one log line per change of any run
        assert f"] run {run_id} status " in done.stderr
    assert f"] run {broken} status FAILED" in done.stderr
    assert f"{PREFIX} result failure for 3 runs (exit 1)" in done.stderr


@pytest.fixture
def listing_moves_time() -> Any:
    """Emulators whose clock moves a second for every answer of the operations named (by default ListWorkflowRuns
    and GetWorkflowRun): batched polls see runs go through their statuses as single ones do."""
    started: list[Emulator] = []

    def start(*operations: str) -> Emulator:
        clock = ManualClock()
        moving = operations or ("ListWorkflowRuns", "GetWorkflowRun")

        def log(line: str) -> None:
            if any(f" {operation}" in line for operation in moving):
                clock.advance(1)

        started.append(Emulator(token=TOKEN, clock=clock, log=log).start())
        return started[-1]

    yield start
    for emulator in started:
        emulator.stop()


def test_all_succeeded_is_exit_0(listing_moves_time, tmp_path: Path) -> None:
    emulator = listing_moves_time()
    ids = [emulator.start_run(workflow="MyDemoWorkflow").id for _ in range(3)]
    env_file = tmp_path / "result.env"
    done = run_gate(*group_args(emulator, "--run-id", " , ".join(ids), "--dotenv", str(env_file)))
    assert done.returncode == 0, done.stderr
    assert done.json()["result"] == "success" and len(done.json()["runs"]) == 3
    variables = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert [r["run-id"] for r in json.loads(variables["CODECATALYST_GATE_RUNS"])] == ids


def test_the_precedence_puts_a_run_still_going_before_a_failed_one_and_one_deadline_holds(start_emulator) -> None:
    emulator = start_emulator(scenario="stuck")
    broken = emulator.start_run(workflow="BrokenWorkflow", started_ago=600).id
    done = run_gate(*group_args(emulator, "--run-id", f"{broken},{STUCK_RUN_ID}", "--timeout", "2"))
    assert done.returncode == 3, done.stderr
    runs = {r["run-id"]: r for r in done.json()["runs"]}
    assert (runs[broken]["result"], runs[STUCK_RUN_ID]["result"]) == ("failure", "timeout")
    assert done.seconds < 15  # one deadline for both, not one each


def test_fail_fast_stops_at_the_first_run_that_cannot_pass(start_emulator) -> None:
    emulator = start_emulator(scenario="stuck")
    broken = emulator.start_run(workflow="BrokenWorkflow", started_ago=600).id
    done = run_gate(*group_args(emulator, "--run-id", f"{STUCK_RUN_ID},{broken}", "--fail-fast", "--timeout", "1h"))
    assert done.returncode == 1, done.stderr
    runs = {r["run-id"]: r for r in done.json()["runs"]}
    assert (runs[STUCK_RUN_ID]["result"], runs[STUCK_RUN_ID]["exit-code"]) == ("skipped", 1) and runs[STUCK_RUN_ID]["status"] == "IN_PROGRESS"
    assert f"--fail-fast stopped the gate when run {broken} could no longer pass" in done.stderr
    top = done.json()  # the verdict is about the run that failed, not the one listed first and left
    assert (top["result"], top["run-id"], top["status"]) == ("failure", broken, "FAILED")


def test_a_bad_entry_in_a_list_is_named_and_nothing_is_sent(start_emulator) -> None:
    emulator = start_emulator()
    good = emulator.start_run(workflow="MyDemoWorkflow").id
    done = run_gate(*group_args(emulator, "--run-id", f"{good},not-a-run,{good}"))
    assert done.returncode == 2
    assert "--run-id: 'not-a-run' is invalid" in done.stderr
    assert len(emulator.requests) == 0


def test_a_start_that_fails_after_another_started_still_tells_the_started_run(start_emulator) -> None:
    emulator = start_emulator(step=1)
    emulator.add_fault({"kind": "access-denied", "operation": "StartWorkflowRun", "after": 1})
    done = run_gate(*group_args(emulator, "--workflow", "MyDemoWorkflow,BrokenWorkflow", "--start"))
    assert done.returncode == 4, done.stderr
    [started] = done.json()["runs"]
    assert (started["workflow-name"], started["started"], started["result"]) == ("MyDemoWorkflow", True, "error")
    assert started["run-id"] and f"run {started['run-id']}: error" in done.stderr and "not waited for" in done.stderr


def test_workflow_names_in_the_variable_are_split_on_commas_only(start_emulator) -> None:
    emulator = start_emulator(step=1)
    env = clean_env(CODECATALYST_TOKEN=TOKEN, CODECATALYST_WORKFLOW="No Such Workflow,BrokenWorkflow")
    done = run_gate(*group_args(emulator, "--start"), env=env)
    assert done.returncode == 2 and "CODECATALYST_WORKFLOW: 'No Such Workflow' is invalid" in done.stderr


def test_several_workflows_started_by_name_get_one_verdict(start_emulator) -> None:
    emulator = start_emulator(step=1)
    done = run_gate(*group_args(emulator, "--workflow", "MyDemoWorkflow", "--workflow", "BrokenWorkflow", "--start"))
    assert done.returncode == 1, done.stderr
    runs = done.json()["runs"]
    assert [(r["workflow-name"], r["started"], r["result"]) for r in runs] == [
        ("MyDemoWorkflow", True, "success"), ("BrokenWorkflow", True, "failure")]
    assert calls(emulator, "StartWorkflowRun") == 2 and calls(emulator, "ListWorkflows") == 1


def test_runs_of_one_workflow_are_polled_at_the_cost_of_about_one(listing_moves_time) -> None:
    """The runs go through their statuses while the gate reads them from one listing a round, and reads each with
    GetWorkflowRun twice: once to learn its workflow, once to confirm its end."""
    emulator = listing_moves_time("ListWorkflowRuns")  # time passes between rounds, not between a round's reads
    ids = [emulator.start_run(workflow="MyDemoWorkflow", started_ago=ago).id for ago in (0, 0.2, 0.4, 0.6, 0.8)]
    done = run_gate(*group_args(emulator, "--run-id", ",".join(ids)))
    assert done.returncode == 0, done.stderr
    assert calls(emulator, "GetWorkflowRun") == 2 * len(ids)
    rounds = calls(emulator, "ListWorkflowRuns") - 1  # one for the workflow's history
    assert 1 <= rounds <= 4, rounds  # five separate gates would have made a GetWorkflowRun each, every round
    assert sum(r["polls"] for r in done.json()["runs"]) == 2 * len(ids)


def test_the_action_takes_a_list_and_reports_every_run(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(step=1)
    good = emulator.start_run(workflow="MyDemoWorkflow").id
    broken = emulator.start_run(workflow="BrokenWorkflow").id
    action = run_action(runner_env(emulator, tmp_path, f"{good}\n{broken}\n"))
    assert action.returncode == 1, action.stdout + action.stderr
    outputs: dict[str, Any] = dict(parse_output_file(action.outputs_text))
    assert [name for name, _ in parse_output_file(action.outputs_text)] == [*RESULT_KEYS, "runs"]
    assert (outputs["result"], outputs["exit-code"], outputs["run-id"]) == ("failure", "1", broken)
    assert [r["run-id"] for r in json.loads(outputs["runs"])] == [good, broken]
    table = [line for line in action.summary.splitlines() if line.startswith("| [")]
    assert len(table) == 2 and broken in table[0] and good in table[1]  # worst first
