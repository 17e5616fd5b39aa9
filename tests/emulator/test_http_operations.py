"""The five operations over real HTTP on 127.0.0.1: shapes per the model, and the gate's schema."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from gate.api.schema import violations
from gate.emulator import BROKEN_WORKFLOW_ID, HOSTILE_RUN_ID, MY_DEMO_WORKFLOW_ID, STUCK_RUN_ID, ManualClock
from gate.emulator.wire import parse_query
from tests.emulator.conftest import Api, error_of
from tests.emulator.shapes import output_violations


def test_get_workflow_run_passes_the_gate_schema_at_every_stage(emulator, api: Api, manual_clock: ManualClock) -> None:
    for workflow_id, final in ((MY_DEMO_WORKFLOW_ID, "SUCCEEDED"), (BROKEN_WORKFLOW_ID, "FAILED")):
        started = api.start(workflow_id)
        assert started.status_code == 200 and output_violations("StartWorkflowRun", started.json()) == []
        run_id = started.json()["id"]
        statuses = []
        for _ in range(10):
            answer = api.get_run(run_id)
            assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
            doc = answer.json()
            assert violations(doc) == [], doc
            assert output_violations("GetWorkflowRun", doc) == [], doc
            statuses.append(doc["status"])
            manual_clock.advance(0.5)
        assert list(dict.fromkeys(statuses)) == ["VALIDATING", "PROVISIONING", "IN_PROGRESS", final]
        assert ("endTime" in doc) and doc["lastUpdatedTime"] == doc["endTime"]


def test_history_hostile_and_stuck_runs_pass_the_gate_schema(make_emulator, make_api, manual_clock) -> None:
    for scenario, run_id, status in (("hostile", HOSTILE_RUN_ID, "FAILED"), ("stuck", STUCK_RUN_ID, "IN_PROGRESS")):
        api = make_api(make_emulator(scenario=scenario))
        manual_clock.advance(3600)
        doc = api.get_run(run_id).json()
        assert (doc["status"], violations(doc), output_violations("GetWorkflowRun", doc)) == (status, [], [])
        for item in api.list_runs().json()["items"]:
            assert violations(api.get_run(item["id"]).json()) == []


def test_hostile_text_arrives_byte_for_byte(make_emulator, make_api) -> None:
    emulator = make_emulator(scenario="hostile")
    doc = make_api(emulator).get_run(HOSTILE_RUN_ID).json()
    assert doc["statusReasons"] == list(emulator.scenario.workflow("HostileWorkflow").plan.final_reasons)
    assert any("\u0000" in r.get("message", "") for r in doc["statusReasons"])


def test_list_workflows_pages_by_name(api: Api) -> None:
    first = api.request("POST", "workflows", params={"maxResults": 1}, json={"sortBy": [{}]})
    assert first.status_code == 200 and output_violations("ListWorkflows", first.json()) == []
    second = api.request("POST", "workflows", params={"maxResults": 1, "nextToken": first.json()["nextToken"]})
    assert output_violations("ListWorkflows", second.json()) == []
    names = [first.json()["items"][0]["name"], second.json()["items"][0]["name"]]
    assert names == ["BrokenWorkflow", "MyDemoWorkflow"] and "nextToken" not in second.json()
    everything = api.request("POST", "workflows", data=b"").json()
    assert [w["id"] for w in everything["items"]] == [BROKEN_WORKFLOW_ID, MY_DEMO_WORKFLOW_ID]


def test_get_workflow(api: Api) -> None:
    doc = api.request("GET", f"workflows/{MY_DEMO_WORKFLOW_ID.upper()}").json()
    assert output_violations("GetWorkflow", doc) == []
    assert (doc["name"], doc["id"], doc["definition"]) == (
        "MyDemoWorkflow", MY_DEMO_WORKFLOW_ID, {"path": ".codecatalyst/workflows/MyDemoWorkflow.yaml"})


def test_start_is_idempotent_per_client_token(emulator, api: Api) -> None:
    one = api.start(MY_DEMO_WORKFLOW_ID, client_token="release-1.2.3").json()
    again = api.start(MY_DEMO_WORKFLOW_ID, client_token="release-1.2.3").json()
    other = api.start(MY_DEMO_WORKFLOW_ID, client_token="release-1.2.4").json()
    assert one == again and other["id"] != one["id"]
    assert error_of(api.start(BROKEN_WORKFLOW_ID, client_token="release-1.2.3"))[:2] == (409, "ConflictException")
    assert len(emulator.state.runs(workflow_id=MY_DEMO_WORKFLOW_ID)) == 4 + 2


def test_list_workflow_runs_newest_first_and_filtered(api: Api) -> None:
    new = api.start(BROKEN_WORKFLOW_ID).json()["id"]
    doc = api.list_runs().json()
    assert output_violations("ListWorkflowRuns", doc) == [] and "nextToken" not in doc
    starts = [item["startTime"] for item in doc["items"]]
    assert starts == sorted(starts, reverse=True) and doc["items"][0]["id"] == new
    assert doc["items"][0]["workflowName"] == "BrokenWorkflow" and len(doc["items"]) == 8
    mine = api.list_runs(params={"workflowId": MY_DEMO_WORKFLOW_ID}).json()["items"]
    assert {item["workflowId"] for item in mine} == {MY_DEMO_WORKFLOW_ID} and len(mine) == 4
    assert all("endTime" in item for item in mine)


def test_list_workflow_runs_pages_are_stable_while_runs_start(api: Api) -> None:
    pages, token = [], None
    while True:
        params = {"maxResults": 3} | ({"nextToken": token} if token else {})
        doc = api.list_runs(params=params).json()
        assert output_violations("ListWorkflowRuns", doc) == []
        pages.append([item["id"] for item in doc["items"]])
        api.start(MY_DEMO_WORKFLOW_ID)  # lands on page one, must not shift the pages being read
        token = doc.get("nextToken")
        if token is None:
            break
    ids = [i for page in pages for i in page]
    assert [len(p) for p in pages] == [3, 3, 1] and len(set(ids)) == 7


def test_the_default_page_is_50_and_max_results_is_1_to_50(make_emulator, make_api) -> None:
    api = make_api(make_emulator(scenario={"seed": False, "workflows": [{"name": "Busy", "history": 120}]}))
    first = api.list_runs().json()
    assert len(first["items"]) == 50 and "nextToken" in first
    second = api.list_runs(params={"nextToken": first["nextToken"], "maxResults": 50}).json()
    third = api.list_runs(params={"nextToken": second["nextToken"]}).json()
    assert (len(second["items"]), len(third["items"]), "nextToken" in third) == (50, 20, False)
    assert len({i["id"] for page in (first, second, third) for i in page["items"]}) == 120
    for bad in ("0", "51", "-1", "ten", ""):
        assert error_of(api.list_runs(params={"maxResults": bad}))[:2] == (400, "ValidationException"), bad


@pytest.mark.parametrize("token", ["garbage", "eyJraW5kIjoid29ya2Zsb3dzIn0", "x" * 2049, ""])
def test_a_foreign_or_broken_next_token_is_a_400(api: Api, token: str) -> None:
    assert error_of(api.list_runs(params={"nextToken": token}))[:2] == (400, "ValidationException")


def test_a_next_token_only_works_with_its_filter(api: Api) -> None:
    token = api.list_runs(params={"maxResults": 1}).json()["nextToken"]
    answer = api.list_runs(params={"maxResults": 1, "nextToken": token, "workflowId": MY_DEMO_WORKFLOW_ID})
    assert error_of(answer)[:2] == (400, "ValidationException")


def test_names_match_case_insensitively_and_path_segments_are_percent_decoded(api: Api) -> None:
    run_id = api.start(MY_DEMO_WORKFLOW_ID).json()["id"]
    doc = api.get_run(run_id.upper(), space="examplecorp", project="My%44emoProject").json()
    assert (doc["spaceName"], doc["projectName"], doc["id"]) == ("ExampleCorp", "MyDemoProject", run_id)
    assert violations(doc) == []


def test_sort_by_accepts_one_empty_criterion_only(api: Api) -> None:
    assert api.list_runs(body={"sortBy": [{}]}).status_code == 200
    assert api.list_runs(body={"sortBy": []}).status_code == 200
    assert error_of(api.list_runs(body={"sortBy": [{}, {}]}))[:2] == (400, "ValidationException")
    assert error_of(api.list_runs(body={"sortBy": "name"}))[:2] == (400, "ValidationException")


def test_responses_carry_a_request_id_and_keep_the_connection_alive(emulator, api: Api) -> None:
    first = api.list_runs()
    second = api.list_runs()
    assert first.headers["x-amzn-RequestId"] != second.headers["x-amzn-RequestId"]
    assert first.headers["Server"] == "codecatalyst-emulator"
    assert [r.operation for r in emulator.requests] == ["ListWorkflowRuns", "ListWorkflowRuns"]


def test_a_query_is_decoded_as_rfc_3986_says_so_a_form_style_plus_is_a_plus(api: Api) -> None:
    """The tokens hold a space (and base64's + / =): sent as the AWS SDKs send it (%20), the next page comes; sent
    form-style (a space as +), the token is another one and the emulator says so."""
    first = api.list_runs(params={"maxResults": 1}).json()
    token = first["nextToken"]
    assert " " in token
    url = api.url("workflowRuns")
    sdk_style = api.session.post(f"{url}?maxResults=1&nextToken={quote(token, safe='-_.~')}", json={}, timeout=5)
    assert sdk_style.status_code == 200 and sdk_style.json()["items"] != first["items"]
    form_style = api.session.post(f"{url}?{urlencode({'maxResults': 1, 'nextToken': token})}", json={}, timeout=5)
    assert "+" in form_style.request.url  # requests' own `params=` encoding is this one
    assert error_of(form_style) == (400, "ValidationException", "The nextToken is not valid for this request.")
    assert parse_query("a=1+2%202&b&a=3&%E2%9C%93=%2B") == {"a": ["1+2 2", "3"], "b": [""], "\u2713": ["+"]}
