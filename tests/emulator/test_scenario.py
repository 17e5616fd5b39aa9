"""Scenario files: the seed, merging, built-ins, the README's example, and errors that name the JSON path."""

from __future__ import annotations

import json
import re
import statistics
import uuid
from pathlib import Path

import pytest

import gate.emulator
from gate.emulator import (
    BROKEN_WORKFLOW_ID,
    HOSTILE_RUN_ID,
    HOSTILE_WORKFLOW_ID,
    MY_DEMO_WORKFLOW_ID,
    STUCK_RUN_ID,
    ScenarioError,
    load_scenario,
)
from gate.emulator.seed import NAMESPACE, default_workflow_id, history_run_id

README = Path(gate.emulator.__file__).with_name("README.md")


def test_the_seed_has_the_documented_project_workflows_and_ids() -> None:
    scenario = load_scenario(None)
    assert (scenario.space, scenario.project) == ("ExampleCorp", "MyDemoProject")
    demo, broken = scenario.workflows
    assert (demo.name, demo.id, demo.plan.final_status) == ("MyDemoWorkflow", MY_DEMO_WORKFLOW_ID, "SUCCEEDED")
    assert [s for s, _ in demo.plan.steps] == ["VALIDATING", "PROVISIONING", "IN_PROGRESS"]
    assert demo.plan.duration == 4
    assert (broken.name, broken.id, broken.plan.final_status) == ("BrokenWorkflow", BROKEN_WORKFLOW_ID, "FAILED")
    assert broken.plan.final_reasons == ({"message": "Action Build failed: exit code 1"},)
    assert len(demo.history) >= 3 and len(broken.history) >= 3
    assert demo.history[0].id == history_run_id(MY_DEMO_WORKFLOW_ID, 0)
    assert all(h.started_ago >= h.duration > 0 for w in scenario.workflows for h in w.history)
    # Drawn like the runs (issue 31): a seeded run is within half to twice its workflow's usual duration.
    for workflow in scenario.workflows:
        finished = [h.duration for h in workflow.history if h.status in ("SUCCEEDED", "FAILED")]
        assert workflow.plan.duration / 2 <= statistics.median(finished) <= workflow.plan.duration * 2
    assert MY_DEMO_WORKFLOW_ID in README.read_text() and BROKEN_WORKFLOW_ID in README.read_text()


def test_a_seeded_name_updates_that_workflow_and_new_names_add_one() -> None:
    scenario = load_scenario({"workflows": [{"name": "MyDemoWorkflow", "final": None}, {"name": "Nightly"}]})
    demo = scenario.workflow("MyDemoWorkflow")
    assert demo is not None and demo.id == MY_DEMO_WORKFLOW_ID and demo.plan.final_status is None
    nightly = scenario.workflow("Nightly")
    assert nightly is not None and nightly.id == default_workflow_id("Nightly") and nightly.plan.final_status == "SUCCEEDED"
    assert scenario.workflow(nightly.id.upper()) is nightly
    assert nightly.id == str(uuid.uuid5(NAMESPACE, "Nightly"))


def test_seed_false_keeps_only_the_scenarios_workflows() -> None:
    scenario = load_scenario({"seed": False, "workflows": [{"name": "Only", "history": 120}]})
    assert [w.name for w in scenario.workflows] == ["Only"]
    history = scenario.workflows[0].history
    assert len(history) == 120 and len({h.id for h in history}) == 120
    # A counted history is drawn like the workflow's runs (4 s by default): within 15 % either way, and varied.
    durations = [h.duration for h in history]
    assert all(4 * 0.85 <= d <= 4 * 1.15 for d in durations) and len(set(durations)) > 10
    never_ends = load_scenario({"seed": False, "workflows": [{"name": "Stuck", "final": None, "history": 3}]})
    assert all(150 <= h.duration < 240 for h in never_ends.workflows[0].history)  # no runs to draw from


def test_builtin_scenarios_load_by_name_and_match_the_documented_ids() -> None:
    hostile = load_scenario("hostile")
    assert hostile.runs[0].id == HOSTILE_RUN_ID and hostile.runs[0].workflow_id == HOSTILE_WORKFLOW_ID
    reasons = json.dumps(hostile.runs[0].plan.final_reasons)
    for needle in ("\\n::set-output name=x::y", "::error::", "##vso[task.setvariable variable=x]y",
                   "ghadelimiter_", "EOF\\nINJECTED=2\\nEOF", "%0A", "\\u2028", "\\u0000", "$("):
        assert needle in reasons, needle
    stuck = load_scenario("stuck")
    assert stuck.runs[0].id == STUCK_RUN_ID and stuck.runs[0].plan.final_status is None
    flaky = load_scenario("flaky")
    assert [f.kind for f in flaky.faults][:3] == ["throttle", "server-error", "server-error"]


def test_the_readme_example_is_a_valid_scenario() -> None:
    block = re.search(r"## Scenario files.*?```json\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    scenario = load_scenario(json.loads(block.group(1)))
    assert scenario.workflow("Nightly") is not None and scenario.max_active_runs == 10
    assert scenario.faults[1].workflow_id == scenario.workflow("Nightly").id


def test_a_file_path_is_read(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"project": "OtherProject"}))
    assert load_scenario(path).project == "OtherProject"
    assert load_scenario(str(path)).project == "OtherProject"


@pytest.mark.parametrize(("scenario", "message"), [
    ({"workflow": []}, "$: unknown key 'workflow'"),
    ({"space": "a b c"}, "$.space:"),
    ({"seed": "yes"}, "$.seed: must be true or false"),
    ({"workflows": [{"name": "X", "timeline": [["RUNNING", 1]]}]}, "$.workflows[0].timeline[0][0]: 'RUNNING'"),
    ({"workflows": [{"name": "X", "timeline": [["SUCCEEDED", 1]]}]}, "$.workflows[0].timeline[0][0]"),
    ({"workflows": [{"name": "X", "timeline": [["IN_PROGRESS", -1]]}]}, "$.workflows[0].timeline[0][1]: must be >= 0"),
    ({"workflows": [{"name": "X", "timeline": [], "final": None}]}, "$.workflows[0].final: a run that never ends"),
    ({"workflows": [{"name": "X", "final": "IN_PROGRESS"}]}, "$.workflows[0].final.status"),
    ({"workflows": [{"name": "X", "final": {"status": "FAILED", "statusReasons": ["boom"]}}]},
     "$.workflows[0].final.statusReasons[0]: a status reason must be a JSON object"),
    ({"workflows": [{"name": "X", "history": [{"status": "FAILED", "startedAgo": 10, "duration": 20}]}]},
     "$.workflows[0].history[0].startedAgo: must be >= 20"),
    ({"workflows": [{"name": "X", "id": "not-a-uuid"}]}, "$.workflows[0].id"),
    ({"workflows": [{"name": "X", "id": MY_DEMO_WORKFLOW_ID}]}, "two workflows share a id"),
    ({"runs": [{"id": HOSTILE_RUN_ID, "workflow": "Nope"}]}, "$.runs[0].workflow: no workflow 'Nope'"),
    ({"runs": [{"id": HOSTILE_RUN_ID, "workflow": "MyDemoWorkflow"}] * 2}, "two runs share an id"),
    ({"faults": [{"kind": "explode"}]}, "$.faults[0].kind: 'explode' must be one of"),
    ({"faults": [{"kind": "error", "errorType": "TeapotException"}]}, "$.faults[0].errorType"),
    ({"faults": [{"kind": "server-error", "status": 404}]}, "$.faults[0].status: must be >= 500"),
    ({"faults": [{"kind": "throttle", "count": 0}]}, "$.faults[0].count: must be >= 1"),
    ({"faults": [{"kind": "throttle", "status": 500}]}, "belong to kind 'server-error' or 'error'"),
    ({"faults": [{"kind": "throttle", "operation": "DeleteWorkflow"}]}, "$.faults[0].operation"),
    ({"faults": [{"kind": "throttle", "workflow": "Nope"}]}, "$.faults[0].workflow: no workflow 'Nope'"),
    ({"maxActiveRuns": 0}, "$.maxActiveRuns: must be >= 1"),
])
def test_bad_scenarios_are_refused_with_the_json_path(scenario: dict, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario)
    assert message in str(caught.value)


def test_a_missing_file_or_bad_json_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file, and not a built-in scenario"):
        load_scenario(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"faults": [}')
    with pytest.raises(ScenarioError, match=r"bad.json: not valid JSON: .* line 1 column 13"):
        load_scenario(bad)
