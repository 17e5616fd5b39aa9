"""Issue 12's emulator: small pages clients must follow, workflows sharing a name, SUPERSEDED run mode,
malformed client tokens, and a StartWorkflowRun whose answer is lost after the run was created."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
import requests

from gate.emulator import (
    DEPLOY_MAIN_ID,
    DEPLOY_RELEASE_ID,
    DEPLOY_WEBSITE_ID,
    MY_DEMO_WORKFLOW_ID,
    RELEASE_WORKFLOW_ID,
    ScenarioError,
    load_scenario,
)
from tests.emulator.conftest import Api, error_of
from tests.emulator.shapes import output_violations


def all_pages(api: Api, tail: str, params: dict[str, Any] | None = None) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        query = dict(params or {}) | ({"nextToken": token} if token else {})
        response = api.request("POST", tail, params=query, json={})
        assert response.status_code == 200, response.text
        doc = response.json()
        assert output_violations("ListWorkflows" if tail == "workflows" else "ListWorkflowRuns", doc) == []
        pages.append(doc["items"])
        token = doc.get("nextToken")
        if token is None:
            return pages


def test_the_busy_scenario_pages_by_two_and_repeats_a_name(make_emulator, make_api) -> None:
    api = make_api(make_emulator(scenario="busy"))
    pages = all_pages(api, "workflows")
    assert [len(p) for p in pages] == [2, 2, 2]  # BrokenWorkflow, 3 x Deploy, MyDemoWorkflow, Release
    deploys = {(w["id"], w["sourceRepositoryName"], w["sourceBranchName"])
               for page in pages for w in page if w["name"] == "Deploy"}
    assert deploys == {(DEPLOY_MAIN_ID, "MyDemoRepo", "main"), (DEPLOY_RELEASE_ID, "MyDemoRepo", "release"),
                       (DEPLOY_WEBSITE_ID, "WebsiteRepo", "main")}
    release = next(w for page in pages for w in page if w["id"] == RELEASE_WORKFLOW_ID)
    assert release["runMode"] == "SUPERSEDED"
    runs = all_pages(api, "workflowRuns", {"workflowId": DEPLOY_MAIN_ID, "maxResults": 50})
    assert [len(p) for p in runs] == [2, 1]  # maxResults is an upper bound; the page size wins


def test_max_results_below_the_page_size_still_counts(make_emulator, make_api) -> None:
    api = make_api(make_emulator(scenario={"pageSize": 5, "workflows": [{"name": "Busy", "history": 7}]}))
    busy = api.request("POST", "workflowRuns", params={"maxResults": 3}, json={}).json()
    assert len(busy["items"]) == 3 and "nextToken" in busy


def test_the_page_size_argument_overrides_the_scenario(make_emulator, make_api) -> None:
    api = make_api(make_emulator(scenario={"pageSize": 5}, page_size=1))
    assert [len(p) for p in all_pages(api, "workflows")] == [1, 1]
    assert [len(p) for p in all_pages(api, "workflowRuns", {"workflowId": MY_DEMO_WORKFLOW_ID})] == [1, 1, 1, 1]
    with pytest.raises(ValueError, match="page_size"):
        make_emulator(page_size=0)


@pytest.mark.parametrize("token", ["garbage", "eyJraW5kIjoicnVucyJ9", "x" * 2049, ""])
def test_a_bad_list_workflows_next_token_is_a_400(api: Api, token: str) -> None:
    response = api.request("POST", "workflows", params={"nextToken": token}, json={})
    assert error_of(response)[:2] == (400, "ValidationException")


def test_a_runs_token_does_not_page_workflows(make_emulator, make_api) -> None:
    api = make_api(make_emulator(page_size=1))
    token = api.request("POST", "workflowRuns", json={}).json()["nextToken"]
    assert error_of(api.request("POST", "workflows", params={"nextToken": token}, json={}))[:2] == (
        400, "ValidationException")


@pytest.mark.parametrize("token", ["", "a" * 65, "-lead", "trail_", "two..dots", "sp ace", "ü"])
def test_a_malformed_client_token_is_the_models_400_and_starts_nothing(emulator, api: Api, token: str) -> None:
    before = len(emulator.state.runs())
    status, kind, message = error_of(api.start(MY_DEMO_WORKFLOW_ID, client_token=token))
    assert (status, kind) == (400, "ValidationException") and "clientToken" in message
    assert len(emulator.state.runs()) == before


def test_the_longest_client_token_is_fine(api: Api) -> None:
    token = "a" * 62 + "-b"
    assert api.start(MY_DEMO_WORKFLOW_ID, client_token=token).json() == \
        api.start(MY_DEMO_WORKFLOW_ID, client_token=token).json()


def test_same_names_need_their_own_place() -> None:
    scenario = load_scenario({"workflows": [
        {"name": "MyDemoWorkflow", "sourceBranchName": "feature"},  # a new workflow, not the seeded one
        {"name": "MyDemoWorkflow", "final": "FAILED"},  # updates the seeded one
    ]})
    demos = [w for w in scenario.workflows if w.name == "MyDemoWorkflow"]
    assert [(w.id == MY_DEMO_WORKFLOW_ID, w.source_branch, w.plan.final_status) for w in demos] == [
        (True, "main", "FAILED"), (False, "feature", "SUCCEEDED")]
    with pytest.raises(ValueError, match="2 workflows are named 'MyDemoWorkflow'"):
        scenario.workflow("MyDemoWorkflow")
    assert scenario.workflow(demos[1].id) is demos[1]
    with pytest.raises(ScenarioError, match="share a name, repository and branch"):
        load_scenario({"workflows": [{"name": "X", "id": DEPLOY_MAIN_ID}, {"name": "X", "id": DEPLOY_RELEASE_ID}]})
    with pytest.raises(ScenarioError, match=r"\$\.runs\[0\]\.workflow: 3 workflows are named 'Deploy'"):
        load_scenario({"workflows": _busy_workflows(),
                       "runs": [{"id": "c0dec47a-0000-4000-8000-0000000000aa", "workflow": "Deploy"}]})


def _busy_workflows() -> list[dict[str, Any]]:
    return json.loads(resources.files("gate.emulator").joinpath("scenario-busy.json").read_text())["workflows"]


def statuses(api: Api, *run_ids: str) -> list[tuple[str, str | None]]:
    docs = [api.get_run(run_id).json() for run_id in run_ids]
    return [(doc["status"], doc.get("endTime")) for doc in docs]


def test_a_newer_run_supersedes_the_older_active_one(make_emulator, make_api, manual_clock) -> None:
    emulator = make_emulator(scenario="busy")
    api = make_api(emulator)
    first = api.start(RELEASE_WORKFLOW_ID, client_token="push-1").json()["id"]
    manual_clock.advance(3)  # IN_PROGRESS
    second = api.start(RELEASE_WORKFLOW_ID, client_token="push-2").json()["id"]
    cut = statuses(api, first)[0]
    assert cut[0] == "SUPERSEDED" and cut[1] is not None
    assert statuses(api, second)[0] == ("VALIDATING", None)
    assert api.start(RELEASE_WORKFLOW_ID, client_token="push-2").json()["id"] == second  # no third run
    assert statuses(api, second)[0] == ("VALIDATING", None)  # the same token supersedes nothing
    manual_clock.advance(60)
    assert [s for s, _ in statuses(api, first, second)] == ["SUPERSEDED", "SUCCEEDED"]
    items = all_pages(api, "workflowRuns", {"workflowId": RELEASE_WORKFLOW_ID})
    listed = {i["id"]: (i["status"], i.get("endTime")) for page in items for i in page}
    assert listed[first] == cut and listed[second][0] == "SUCCEEDED"
    history = [s for rid, (s, _) in listed.items() if rid not in (first, second)]
    assert history == ["SUCCEEDED", "SUCCEEDED"]  # runs that had ended stay as they were


def test_parallel_runs_are_never_superseded(emulator, api: Api, manual_clock) -> None:
    first = api.start(MY_DEMO_WORKFLOW_ID).json()["id"]
    api.start(MY_DEMO_WORKFLOW_ID)
    manual_clock.advance(10)
    assert statuses(api, first)[0][0] == "SUCCEEDED"


def test_a_lost_start_answer_still_made_the_run_and_the_retry_finds_it(make_emulator, make_api) -> None:
    emulator = make_emulator(scenario="busy")
    emulator.add_fault({"kind": "drop-connection", "operation": "StartWorkflowRun"})
    api = make_api(emulator)
    with pytest.raises(requests.ConnectionError):
        api.start(DEPLOY_MAIN_ID, client_token="gh-1234-1-deploy")
    made = [r for r in emulator.state.runs(workflow_id=DEPLOY_MAIN_ID) if r.client_token == "gh-1234-1-deploy"]
    assert len(made) == 1
    again = api.start(DEPLOY_MAIN_ID, client_token="gh-1234-1-deploy")
    assert again.status_code == 200 and again.json()["id"] == made[0].id
    assert len(emulator.state.runs(workflow_id=DEPLOY_MAIN_ID)) == 3 + 1
    assert [(r.operation, r.status, r.fault) for r in emulator.requests] == [
        ("StartWorkflowRun", None, "drop-connection"), ("StartWorkflowRun", 200, None)]


@pytest.mark.parametrize(("page_size", "message"), [
    (0, "$.pageSize: must be >= 1"), ("2", "$.pageSize: must be an integer")])
def test_a_bad_page_size_names_its_json_path(page_size: Any, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario({"pageSize": page_size})
    assert str(caught.value) == message
