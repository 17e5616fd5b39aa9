"""Each fault kind over real HTTP, and that faults fire for the first N matching requests, then stop."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from gate.api.schema import violations
from gate.emulator import BROKEN_WORKFLOW_ID, MY_DEMO_WORKFLOW_ID
from gate.emulator.model import ERROR_STATUS
from tests.emulator.conftest import Api, error_of


@pytest.fixture
def run_id(emulator) -> str:
    return emulator.start_run(workflow="MyDemoWorkflow").id


def statuses(api: Api, run_id: str, n: int) -> list[int]:
    return [api.get_run(run_id).status_code for _ in range(n)]


def test_throttle_n_times_then_answers(emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "throttle", "operation": "GetWorkflowRun", "count": 2})
    first = api.get_run(run_id)
    assert error_of(first) == (429, "ThrottlingException", "Rate exceeded")
    assert statuses(api, run_id, 3) == [429, 200, 200]
    assert [r.fault for r in emulator.requests] == ["throttle", "throttle", None, None]


def test_faults_fire_in_order_each_for_its_count(emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "throttle", "count": 2})
    emulator.add_fault({"kind": "server-error", "status": 502})
    emulator.add_fault({"kind": "access-denied"})
    assert statuses(api, run_id, 5) == [429, 429, 502, 403, 200]
    assert [count for _, count in emulator.faults.fired()] == [2, 1, 1]


def test_a_server_error_is_an_html_gateway_page(emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "server-error", "status": 504})
    answer = api.get_run(run_id)
    assert answer.status_code == 504 and answer.headers["Content-Type"] == "text/html"
    assert "x-amzn-ErrorType" not in answer.headers
    assert "<title>504 Gateway Timeout</title>" in answer.text
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.text)


@pytest.mark.parametrize(("error_type", "status"), sorted(ERROR_STATUS.items()))
def test_any_model_error_can_be_injected(emulator, api: Api, run_id: str, error_type: str, status: int) -> None:
    emulator.add_fault({"kind": "error", "errorType": error_type, "message": "injected"})
    assert error_of(api.get_run(run_id)) == (status, error_type, "injected")
    assert api.get_run(run_id).status_code == 200


def test_slow_answers_are_late_but_whole(emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "slow", "delay": 0.3})
    started = time.monotonic()
    answer = api.get_run(run_id)
    assert time.monotonic() - started >= 0.3 and answer.status_code == 200 and violations(answer.json()) == []
    emulator.add_fault({"kind": "slow", "delay": 2})
    with pytest.raises(requests.ReadTimeout):
        api.get_run(run_id, timeout=0.2)
    assert api.get_run(run_id).status_code == 200


def test_malformed_and_empty_bodies_keep_the_200(emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "malformed-json"})
    emulator.add_fault({"kind": "empty-body"})
    cut = api.get_run(run_id)
    assert cut.status_code == 200 and cut.headers["Content-Type"] == "application/json"
    assert cut.text.startswith('{"spaceName"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)
    empty = api.get_run(run_id)
    assert (empty.status_code, empty.content, empty.headers["Content-Length"]) == (200, b"", "0")
    assert violations(api.get_run(run_id).json()) == []


def test_schema_violations_break_the_gates_schema(emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "schema-violation"})
    emulator.add_fault({"kind": "schema-violation", "patch": {"id": "../../etc"}, "remove": ["startTime"]})
    assert any(v.startswith("$.status: 'EXPLODED'") for v in violations(api.get_run(run_id).json()))
    found = violations(api.get_run(run_id).json())
    assert "$: 'startTime' is a required property" in found and any(v.startswith("$.id:") for v in found)
    assert violations(api.get_run(run_id).json()) == []


def test_a_dropped_connection_gets_no_answer(emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "drop-connection", "operation": "GetWorkflowRun"})
    with pytest.raises(requests.ConnectionError):
        api.get_run(run_id)
    assert api.get_run(run_id).status_code == 200
    assert [r.status for r in emulator.requests] == [None, 200]


def test_a_lost_start_answer_is_recovered_by_the_client_token(emulator, api: Api) -> None:
    emulator.add_fault({"kind": "drop-connection", "operation": "StartWorkflowRun"})
    with pytest.raises(requests.ConnectionError):
        api.start(MY_DEMO_WORKFLOW_ID, client_token="retry-me")
    retried = api.start(MY_DEMO_WORKFLOW_ID, client_token="retry-me").json()
    created = [r for r in emulator.state.runs(workflow_id=MY_DEMO_WORKFLOW_ID) if r.client_token == "retry-me"]
    assert [r.id for r in created] == [retried["id"]]


def test_faults_keyed_by_run_workflow_and_operation(emulator, api: Api) -> None:
    demo = emulator.start_run(workflow="MyDemoWorkflow").id
    other = emulator.start_run(workflow="MyDemoWorkflow").id
    broken = emulator.start_run(workflow="BrokenWorkflow").id
    emulator.add_fault({"kind": "throttle", "runId": demo.upper(), "count": "always"})
    emulator.add_fault({"kind": "server-error", "workflow": "BrokenWorkflow", "count": "always"})
    emulator.add_fault({"kind": "access-denied", "operation": "ListWorkflows", "count": "always"})
    assert [api.get_run(demo).status_code for _ in range(3)] == [429] * 3
    assert api.get_run(other).status_code == 200
    assert api.get_run(broken).status_code == 500
    assert api.start(BROKEN_WORKFLOW_ID).status_code == 500
    assert api.list_runs(params={"workflowId": BROKEN_WORKFLOW_ID}).status_code == 500
    assert api.list_runs(params={"workflowId": MY_DEMO_WORKFLOW_ID}).status_code == 200
    assert api.request("GET", f"workflows/{BROKEN_WORKFLOW_ID}").status_code == 500
    assert api.request("POST", "workflows").status_code == 403


def test_after_lets_the_first_matching_requests_through(emulator, api: Api, run_id: str) -> None:
    emulator.add_fault({"kind": "throttle", "after": 2, "count": 2})
    assert statuses(api, run_id, 6) == [200, 200, 429, 429, 200, 200]


def test_requests_refused_before_faults_do_not_use_them_up(emulator, api: Api, make_api, run_id: str) -> None:
    emulator.add_fault({"kind": "throttle"})
    assert make_api(emulator, token=None).get_run(run_id).status_code == 403
    assert api.get_run("not-a-uuid").status_code == 400
    assert api.get_run(run_id).status_code == 429


def test_scenario_faults_and_a_run_that_never_ends(make_emulator, make_api, manual_clock) -> None:
    emulator = make_emulator(scenario={"workflows": [{"name": "MyDemoWorkflow", "final": None}],
                                       "faults": [{"kind": "throttle", "workflow": "MyDemoWorkflow"}]})
    api = make_api(emulator)
    run = emulator.start_run()
    assert api.get_run(run.id).status_code == 429
    manual_clock.advance(30 * 86400)
    doc = api.get_run(run.id).json()
    assert (doc["status"], "endTime" in doc, violations(doc)) == ("IN_PROGRESS", False, [])


def test_stop_cuts_a_pending_delay_short_and_leaves_no_thread(make_emulator, make_api) -> None:
    before = set(threading.enumerate())
    emulator = make_emulator()
    api = make_api(emulator)
    emulator.add_fault({"kind": "slow", "delay": 30})
    errors: list[BaseException] = []

    def call() -> None:
        try:
            api.list_runs(timeout=10)
        except requests.RequestException as e:
            errors.append(e)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while emulator.faults.fired()[0][1] == 0 and time.monotonic() < deadline:  # the handler is waiting
        time.sleep(0.01)
    started = time.monotonic()
    emulator.stop()
    caller.join(5)
    assert time.monotonic() - started < 2 and not caller.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], requests.ConnectionError)
    assert set(threading.enumerate()) - before == set()
