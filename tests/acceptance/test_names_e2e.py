"""Issue 29's names, end to end against the emulator over loopback: gated by run ID, the log, the result, the job
summary, the JUnit report and the timeline name the workflow (one GetWorkflow per workflow); a GetWorkflow that is
refused or throttled for good never changes the verdict, the ID stands in and the log says why; three runs whose IDs
share their first 8 characters get three timeline rows, drawn by Mermaid's own renderer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.emulator import BROKEN_WORKFLOW_ID, MY_DEMO_WORKFLOW_ID, Emulator
from tests.acceptance.conftest import TOKEN, requests_seen, run_gate, wait_args
from tests.acceptance.test_action_e2e import parse_output_file, run_action, runner_env
from tests.render.mermaid_cli import render
from tests.unit.test_junit import read as read_junit

pytestmark = pytest.mark.e2e
ALIKE = [f"0000000a-0000-4000-8000-00000000000{i}" for i in (1, 2, 3)]  # three IDs, one 8-character prefix


def test_gated_by_run_id_the_log_result_and_junit_name_the_workflow(start_emulator, tmp_path: Path) -> None:
    emulator: Emulator = start_emulator()
    ok = emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id
    broken = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id
    again = emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id
    junit = tmp_path / "junit.xml"
    done = run_gate(*wait_args(emulator, ok, "--run-id", broken, "--run-id", again, "--json",
                               "--junit-xml", str(junit)))
    assert done.returncode == 1, done.stderr
    print(done.stderr)
    assert f"workflow {MY_DEMO_WORKFLOW_ID} is MyDemoWorkflow" in done.stderr
    assert f"workflow {BROKEN_WORKFLOW_ID} is BrokenWorkflow" in done.stderr
    runs = {run["run-id"]: run["workflow-name"] for run in done.json()["runs"]}
    assert runs == {ok: "MyDemoWorkflow", broken: "BrokenWorkflow", again: "MyDemoWorkflow"}
    assert requests_seen(emulator, "GetWorkflow") == [200, 200]  # once per workflow, not per run
    [suite] = list(read_junit(junit.read_text(encoding="utf-8")))
    assert {case.name: case.classname for case in suite} == runs


@pytest.mark.parametrize(("fault", "why"), [
    ({"kind": "access-denied", "operation": "GetWorkflow",
      "count": "always"}, "GetWorkflow refused: HTTP 403 AccessDeniedException"),
    ({"kind": "throttle", "operation": "GetWorkflow", "count": "always"},
     "GetWorkflow failed: throttled"),  # the retry rules (gate.pace) give up; their words follow
])
def test_a_failing_get_workflow_never_changes_the_verdict(start_emulator, fault: dict, why: str) -> None:
    emulator: Emulator = start_emulator(scenario={"faults": [fault]})
    run_id = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id
    done = run_gate(*wait_args(emulator, run_id, "--json"), jitter=False)
    assert done.returncode == 1, done.stderr  # the run FAILED: the name's lookup changes nothing
    assert f"workflow {BROKEN_WORKFLOW_ID}: name unknown ({why}" in done.stderr
    result = done.json()
    assert (result["result"], result["workflow-name"], result["workflow-id"]) == ("failure", None, BROKEN_WORKFLOW_ID)


def test_the_summary_names_the_workflow_and_three_alike_ids_get_three_timeline_rows(start_emulator, mmdc: str,
                                                                                    tmp_path: Path) -> None:
    emulator: Emulator = start_emulator()
    for run_id in ALIKE:
        emulator.start_run(workflow="MyDemoWorkflow", run_id=run_id, started_ago=60)
    action = run_action(runner_env(emulator, tmp_path, "\n".join(ALIKE)))
    assert action.returncode == 0, action.stdout + action.stderr
    runs = json.loads(dict(parse_output_file(action.outputs_text))["runs"])
    assert [run["workflow-name"] for run in runs] == ["MyDemoWorkflow"] * 3
    assert action.summary.count("| MyDemoWorkflow |") == 3
    block = action.summary.split("```mermaid\n", 1)[1].split("```", 1)[0]
    drawing = render(mmdc, block, tmp_path)
    assert sorted(drawing.sections) == [f"MyDemoWorkflow {run_id}" for run_id in ALIKE]


def test_one_run_by_id_is_named_in_the_summary(start_emulator, tmp_path: Path) -> None:
    emulator: Emulator = start_emulator()
    run_id = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id
    action = run_action(runner_env(emulator, tmp_path, run_id))
    assert action.returncode == 1
    assert "| Workflow | BrokenWorkflow |" in action.summary
    assert dict(parse_output_file(action.outputs_text))["workflow-name"] == "BrokenWorkflow"
    assert TOKEN not in action.stdout + action.outputs_text + action.summary


def test_gated_by_run_id_the_polling_note_names_each_workflow(start_emulator) -> None:
    """The history's note names the workflow GetWorkflow named (not its ID), after the log said that name."""
    emulator: Emulator = start_emulator(step=1)
    ok = emulator.start_run(workflow="MyDemoWorkflow").id
    broken = emulator.start_run(workflow="BrokenWorkflow").id
    args = wait_args(emulator, f"{ok},{broken}")
    done = run_gate(*args[:args.index("--interval")])  # adaptive polling: the history is told
    assert done.returncode == 1, done.stderr
    for workflow_id, name in ((MY_DEMO_WORKFLOW_ID, "MyDemoWorkflow"), (BROKEN_WORKFLOW_ID, "BrokenWorkflow")):
        assert f"past runs of workflow {workflow_id}" not in done.stderr
        note = f"past runs of workflow {name} (median"
        assert note in done.stderr, done.stderr
        assert done.stderr.index(note) > done.stderr.index(f"workflow {workflow_id} is {name}")
    assert requests_seen(emulator, "GetWorkflow") == [200, 200]  # still once per workflow
