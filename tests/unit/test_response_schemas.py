"""The ListWorkflows, ListWorkflowRuns, StartWorkflowRun and GetWorkflow schemas: the model's shapes, clear failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.api import schema
from gate.emulator import RELEASE_WORKFLOW_ID, ManualClock, load_scenario
from gate.emulator.operations import get_workflow, list_workflow_runs, list_workflows, start_workflow_run
from gate.emulator.state import EmulatorState
from gate.errors import ExitCode, InvalidResponse
from tests.conftest import PROJECT, RUN_ID, SPACE, WORKFLOW_ID

MODEL = json.loads((Path(__file__).parent.parent / "spec" / "codecatalyst-workflows-model.json").read_text())
SHAPES = MODEL["shapes"]
FILES = {
    "ListWorkflowsResponse": (schema.LIST_WORKFLOWS_SCHEMA, "WorkflowSummary"),
    "ListWorkflowRunsResponse": (schema.LIST_WORKFLOW_RUNS_SCHEMA, "WorkflowRunSummary"),
    "StartWorkflowRunResponse": (schema.START_WORKFLOW_RUN_SCHEMA, None),
    "GetWorkflowResponse": (schema.GET_WORKFLOW_SCHEMA, "WorkflowDefinition"),
}


def shipped(name: str) -> dict[str, Any]:
    return json.loads(schema.schema_text(name))


@pytest.mark.parametrize("output", sorted(FILES))
def test_each_schema_is_valid_2020_12_and_has_the_models_members(output: str) -> None:
    import jsonschema

    file, item = FILES[output]
    doc = shipped(file)
    jsonschema.Draft202012Validator.check_schema(doc)
    assert sorted(doc["properties"]) == sorted(SHAPES[output]["members"])
    assert sorted(doc.get("required", [])) == sorted(SHAPES[output].get("required", []))
    if item:
        sub = doc["$defs"][item]
        assert sorted(sub["properties"]) == sorted(SHAPES[item]["members"])
        assert sorted(sub["required"]) == sorted(SHAPES[item]["required"])


def test_enums_are_the_models() -> None:
    defs = shipped(schema.LIST_WORKFLOWS_SCHEMA)["$defs"]
    for name in ("WorkflowRunMode", "WorkflowStatus"):
        assert defs[name]["enum"] == SHAPES[name]["enum"]
    assert shipped(schema.LIST_WORKFLOW_RUNS_SCHEMA)["$defs"]["WorkflowRunStatus"]["enum"] == \
        SHAPES["WorkflowRunStatus"]["enum"]
    repo = defs["SourceRepositoryNameString"]
    assert SHAPES["SourceRepositoryNameString"]["pattern"] in repo["pattern"].replace("(?!.*\\n)", "")
    assert (repo["minLength"], repo["maxLength"]) == (1, 100)


@pytest.fixture
def state() -> EmulatorState:
    return EmulatorState(scenario=load_scenario("busy"), clock=ManualClock())


def test_what_the_emulator_answers_passes(state: EmulatorState) -> None:
    params = {"spaceName": SPACE, "projectName": PROJECT}
    started = start_workflow_run(state, params | {"workflowId": RELEASE_WORKFLOW_ID})
    assert schema.validate_start_workflow_run(started, space=SPACE, project=PROJECT.upper(),
                                              workflow_id=RELEASE_WORKFLOW_ID.upper()) == started
    page = list_workflows(state, params)
    assert schema.validate_list_workflows(page) == page and "nextToken" in page
    runs = list_workflow_runs(state, params | {"workflowId": RELEASE_WORKFLOW_ID})
    assert schema.validate_list_workflow_runs(runs, workflow_id=RELEASE_WORKFLOW_ID) == runs
    assert schema.validate_list_workflows({}) == {} and schema.validate_list_workflow_runs({"items": []})
    answer = get_workflow(state, params | {"id": RELEASE_WORKFLOW_ID})
    assert schema.validate_get_workflow(answer, space=SPACE.lower(), project=PROJECT,
                                        workflow_id=RELEASE_WORKFLOW_ID.upper()) == answer


def test_get_workflow_enums_and_patterns_are_the_list_items() -> None:
    """One workflow, described the same way as in ListWorkflows: the same enums, names and timestamps."""
    own, listed = shipped(schema.GET_WORKFLOW_SCHEMA)["$defs"], shipped(schema.LIST_WORKFLOWS_SCHEMA)["$defs"]
    for name in ("WorkflowRunMode", "WorkflowStatus", "SourceRepositoryNameString", "Uuid", "Timestamp"):
        assert own[name] == listed[name], name
    assert own["WorkflowRunMode"]["enum"] == SHAPES["WorkflowRunMode"]["enum"]
    assert own["NameString"] == shipped(schema.START_WORKFLOW_RUN_SCHEMA)["$defs"]["NameString"]


def workflow(**overrides: Any) -> dict[str, Any]:
    item = {"id": WORKFLOW_ID, "name": "Deploy", "sourceRepositoryName": "MyDemoRepo", "sourceBranchName": "main",
            "definition": {"path": ".codecatalyst/workflows/Deploy.yaml"}, "createdTime": "2026-11-01T10:00:00.000Z",
            "lastUpdatedTime": "2026-11-02T10:00:00.000Z", "runMode": "PARALLEL", "status": "ACTIVE"}
    return {k: v for k, v in (item | overrides).items() if v is not None}


def run(**overrides: Any) -> dict[str, Any]:
    item = {"id": RUN_ID, "workflowId": WORKFLOW_ID, "workflowName": "Deploy", "status": "IN_PROGRESS",
            "statusReasons": [], "startTime": "2026-11-25T10:00:00.000Z", "lastUpdatedTime": "2026-11-25T10:00:01Z"}
    return {k: v for k, v in (item | overrides).items() if v is not None}


def failure(call: Any, document: Any, **kwargs: Any) -> str:
    with pytest.raises(InvalidResponse) as caught:
        call(document, **kwargs)
    assert caught.value.exit_code == ExitCode.INVALID_RESPONSE
    return str(caught.value)


@pytest.mark.parametrize(("document", "expected"), [
    ({"items": [workflow(name=None)]}, "$.items[0]: 'name' is a required property"),
    ({"items": [workflow(runMode="SOMETIMES")]}, "$.items[0].runMode: 'SOMETIMES' is not one of"),
    ({"items": [workflow(sourceRepositoryName="repo.git")]},
     "$.items[0].sourceRepositoryName: 'repo.git' does not match"),
    ({"items": [workflow(sourceBranchName="")]}, "$.items[0].sourceBranchName: '' should be non-empty"),
    ({"items": [workflow(definition={})]}, "$.items[0].definition: 'path' is a required property"),
    ({"items": [workflow(id="not-a-uuid")]}, "$.items[0].id: 'not-a-uuid' is too short"),
    ({"items": [workflow(createdTime="yesterday")]}, "$.items[0].createdTime: 'yesterday' is not a 'date-time'"),
    ({"items": {}}, "$.items: {} is not of type 'array'"),
    ({"items": [], "nextToken": 5}, "$.nextToken: 5 is not of type 'string'"),
])
def test_a_broken_list_workflows_page_says_where_and_why(document: dict[str, Any], expected: str) -> None:
    message = failure(schema.validate_list_workflows, document)
    assert message.startswith("ListWorkflows response: does not match the ListWorkflows schema\n  ")
    assert expected in message


@pytest.mark.parametrize(("document", "kwargs", "expected"), [
    ({"items": [run(workflowName=None)]}, {}, "$.items[0]: 'workflowName' is a required property"),
    ({"items": [run(status="EXPLODED")]}, {}, "$.items[0].status: 'EXPLODED' is not one of"),
    ({"items": [run(startTime="2026-11-25 10:00")]}, {}, "$.items[0].startTime: '2026-11-25 10:00' is not a"),
    ({"items": [run(), run(workflowId="a1b2c3d4-5678-90ab-cdef-999999999999")]}, {"workflow_id": WORKFLOW_ID},
     "$.items[1].workflowId: 'a1b2c3d4-5678-90ab-cdef-999999999999' is not the workflowId that was asked for"),
])
def test_a_broken_list_workflow_runs_page_says_where_and_why(document: dict[str, Any], kwargs: dict[str, Any],
                                                             expected: str) -> None:
    assert expected in failure(schema.validate_list_workflow_runs, document, **kwargs)


@pytest.mark.parametrize(("document", "expected"), [
    ([], "StartWorkflowRun response: $ must be a JSON object, got list"),
    ({"spaceName": SPACE, "projectName": PROJECT, "workflowId": WORKFLOW_ID}, "$: 'id' is a required property"),
    ({"spaceName": SPACE, "projectName": PROJECT, "workflowId": WORKFLOW_ID, "id": RUN_ID + "\n"},
     "$.id: "),
    ({"spaceName": "OtherCorp", "projectName": PROJECT, "workflowId": WORKFLOW_ID, "id": RUN_ID},
     "$.spaceName: 'OtherCorp' is not the spaceName that was asked for ('ExampleCorp')"),
    ({"spaceName": SPACE, "projectName": PROJECT, "workflowId": RUN_ID, "id": RUN_ID},
     f"$.workflowId: '{RUN_ID}' is not the workflowId that was asked for"),
])
def test_a_broken_start_answer_says_where_and_why(document: Any, expected: str) -> None:
    message = failure(schema.validate_start_workflow_run, document, space=SPACE, project=PROJECT,
                      workflow_id=WORKFLOW_ID)
    assert expected in message


def get_workflow_answer(**overrides: Any) -> dict[str, Any]:
    doc = {"spaceName": SPACE, "projectName": PROJECT, **workflow(), **overrides}
    return {k: v for k, v in doc.items() if v is not None}


@pytest.mark.parametrize(("document", "expected"), [
    ([], "GetWorkflow response: $ must be a JSON object, got list"),
    (get_workflow_answer(name=None), "$: 'name' is a required property"),
    (get_workflow_answer(name=7), "$.name: 7 is not of type 'string'"),
    (get_workflow_answer(status="PAUSED"), "$.status: 'PAUSED' is not one of"),
    (get_workflow_answer(definition={"file": "x"}), "$.definition: 'path' is a required property"),
    (get_workflow_answer(lastUpdatedTime="now"), "$.lastUpdatedTime: 'now' is not a 'date-time'"),
    (get_workflow_answer(id=RUN_ID), f"$.id: '{RUN_ID}' is not the id that was asked for ('{WORKFLOW_ID}')"),
    (get_workflow_answer(projectName="OtherProject"),
     "$.projectName: 'OtherProject' is not the projectName that was asked for"),
])
def test_a_broken_get_workflow_answer_says_where_and_why(document: Any, expected: str) -> None:
    message = failure(schema.validate_get_workflow, document, space=SPACE, project=PROJECT, workflow_id=WORKFLOW_ID)
    assert expected in message


def test_get_workflow_run_validation_is_unchanged() -> None:
    assert schema.violations({"id": RUN_ID}) == schema.violations({"id": RUN_ID}, schema=schema.SCHEMA_FILE)
    start = schema.violations({"id": RUN_ID}, schema=schema.START_WORKFLOW_RUN_SCHEMA)
    assert start != schema.violations({"id": RUN_ID})
