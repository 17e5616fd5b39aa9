"""Refusals over HTTP: auth, the model's checks, unknown things, and each error code's rest-json shape."""

from __future__ import annotations

import socket

import pytest
import requests

from gate.emulator import BROKEN_WORKFLOW_ID, MY_DEMO_WORKFLOW_ID
from gate.emulator.model import ERROR_STATUS
from tests.emulator.conftest import TOKEN, Api, error_of

RUN = "c0dec47a-0000-4000-8000-0000000000aa"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b"])
def test_a_missing_or_malformed_bearer_token_is_a_403(emulator, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    answer = requests.get(f"{emulator.base_url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns/{RUN}",
                          headers=headers, timeout=5)
    assert error_of(answer)[:2] == (403, "AccessDeniedException")


def test_any_bearer_token_works_unless_one_is_configured(make_emulator, make_api) -> None:
    open_door = make_emulator()
    assert make_api(open_door, token="whatever").list_runs().status_code == 200
    assert make_api(open_door, token=None).session.post(  # the scheme is case-insensitive
        f"{open_door.base_url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns",
        headers={"Authorization": "bearer x"}, timeout=5).status_code == 200
    locked = make_emulator(token=TOKEN)
    assert make_api(locked).list_runs().status_code == 200
    wrong = make_api(locked, token="sekrit-but-wrong").list_runs()
    assert error_of(wrong)[:2] == (403, "AccessDeniedException")
    assert "sekrit" not in wrong.text and "sekrit" not in str(wrong.headers)
    assert TOKEN not in wrong.text and TOKEN not in str(wrong.headers)
    assert not any("sekrit" in repr(r) or TOKEN in repr(r) for r in locked.requests)


@pytest.mark.parametrize("token", ["", "two words", "tab\there"])
def test_a_configured_token_must_be_usable(token: str) -> None:
    from gate.emulator import Emulator

    with pytest.raises(ValueError):
        Emulator(token=token)


@pytest.mark.parametrize(("method", "tail", "kwargs", "member"), [
    ("GET", "workflowRuns/not-a-uuid", {}, "id"),
    ("GET", f"workflowRuns/{RUN}0", {}, "id"),
    ("GET", f"workflowRuns/{RUN}%0A", {}, "id"),
    ("GET", f"workflowRuns/{RUN[:-1]}g", {}, "id"),
    ("GET", f"workflowRuns/{RUN}", {"space": "ab"}, "spaceName"),
    ("GET", f"workflowRuns/{RUN}", {"space": "a" * 64}, "spaceName"),
    ("GET", f"workflowRuns/{RUN}", {"space": "Example--Corp"}, "spaceName"),
    ("GET", f"workflowRuns/{RUN}", {"space": "Example%20Corp"}, "spaceName"),
    ("GET", f"workflowRuns/{RUN}", {"project": "My%2FDemo"}, "projectName"),
    ("GET", f"workflowRuns/{RUN}", {"project": "..%2F.."}, "projectName"),
    ("GET", "workflowRuns/", {}, "id"),
    ("GET", "workflows/MyDemoWorkflow", {}, "id"),
    ("POST", "workflows", {"project": "ab"}, "projectName"),
    ("PUT", "workflowRuns", {}, "workflowId"),
    ("PUT", "workflowRuns", {"params": {"workflowId": "MyDemoWorkflow"}}, "workflowId"),
    ("PUT", "workflowRuns", {"params": {"workflowId": MY_DEMO_WORKFLOW_ID}, "json": {"clientToken": "a..b"}},
     "clientToken"),
    ("PUT", "workflowRuns", {"params": {"workflowId": MY_DEMO_WORKFLOW_ID}, "json": {"clientToken": "a" * 65}},
     "clientToken"),
    ("POST", "workflowRuns", {"params": {"workflowId": "x"}}, "workflowId"),
])
def test_members_are_checked_against_the_models_whole_patterns_and_lengths(api: Api, method, tail, kwargs, member) -> None:
    status, error_type, message = error_of(api.request(method, tail, **kwargs))
    assert (status, error_type) == (400, "ValidationException")
    assert f"at '{member}'" in message


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_a_400(api: Api, body: bytes) -> None:
    answer = api.request("PUT", "workflowRuns", params={"workflowId": MY_DEMO_WORKFLOW_ID}, data=body)
    assert error_of(answer)[:2] == (400, "ValidationException")


def test_checks_follow_each_operations_own_shapes(api: Api) -> None:
    # ListWorkflows' spaceName is min 1 (no 3-63 NameString): "ab" passes the check and is simply unknown.
    assert error_of(api.request("POST", "workflows", space="ab"))[:2] == (404, "ResourceNotFoundException")
    assert error_of(api.request("GET", f"workflowRuns/{RUN}", space="ab"))[:2] == (400, "ValidationException")
    # ...and projectName is a NameString there, but min 1 for GetWorkflowRun.
    assert error_of(api.request("GET", f"workflowRuns/{RUN}", project="ab"))[:2] == (404, "ResourceNotFoundException")


@pytest.mark.parametrize(("method", "tail", "kwargs", "what"), [
    ("GET", f"workflowRuns/{RUN}", {"space": "OtherCorp"}, "space OtherCorp"),
    ("GET", f"workflowRuns/{RUN}", {"project": "OtherProject"}, "project OtherProject"),
    ("GET", f"workflowRuns/{RUN}", {}, f"workflow run {RUN}"),
    ("GET", f"workflows/{RUN}", {}, f"workflow {RUN}"),
    ("PUT", "workflowRuns", {"params": {"workflowId": RUN}}, f"workflow {RUN}"),
    ("POST", "workflowRuns", {"params": {"workflowId": RUN}}, f"workflow {RUN}"),
])
def test_unknown_resources_are_404(api: Api, method, tail, kwargs, what) -> None:
    status, error_type, message = error_of(api.request(method, tail, **kwargs))
    assert (status, error_type) == (404, "ResourceNotFoundException") and what in message


@pytest.mark.parametrize(("method", "path", "status", "error_type"), [
    ("GET", "/", 404, "UnknownOperationException"),
    ("GET", "/v1/spaces/ExampleCorp", 404, "UnknownOperationException"),
    ("GET", "/v1/spaces/ExampleCorp/projects/MyDemoProject/pipelines", 404, "UnknownOperationException"),
    ("POST", "/v1/Spaces/ExampleCorp/projects/MyDemoProject/workflowRuns", 404, "UnknownOperationException"),
    ("DELETE", f"/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns/{RUN}", 405, "MethodNotAllowedException"),
    ("GET", "/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns", 405, "MethodNotAllowedException"),
    ("PATCH", "/v1/spaces/ExampleCorp/projects/MyDemoProject/workflows", 405, "MethodNotAllowedException"),
])
def test_unknown_paths_and_methods_get_rest_json_errors(api: Api, method, path, status, error_type) -> None:
    answer = api.session.request(method, api.base_url + path, timeout=5)
    assert error_of(answer)[:2] == (status, error_type)
    if status == 405:
        assert answer.headers["Allow"] in ("GET", "POST, PUT", "POST")


def test_each_model_error_code_has_the_rest_json_shape(make_emulator, make_api, manual_clock) -> None:
    emulator = make_emulator(token=TOKEN, scenario={"maxActiveRuns": 1})
    api = make_api(emulator)
    api.start(MY_DEMO_WORKFLOW_ID, client_token="t1")
    emulator.add_fault({"kind": "throttle", "operation": "ListWorkflowRuns"})
    seen = {
        error_of(api.get_run("nope"))[:2],
        error_of(api.start(MY_DEMO_WORKFLOW_ID))[:2],  # quota
        error_of(make_api(emulator, token="wrong").list_runs())[:2],
        error_of(api.get_run(RUN))[:2],
        error_of(api.start(BROKEN_WORKFLOW_ID, client_token="t1"))[:2],
        error_of(api.list_runs())[:2],
    }
    assert seen == {(status, name) for name, status in ERROR_STATUS.items()}


def _raw(emulator, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_bad_content_length_is_a_400_and_chunked_bodies_are_read(emulator) -> None:
    path = b"/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns?workflowId=" + MY_DEMO_WORKFLOW_ID.encode()
    head = b"PUT " + path + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nConnection: close\r\n"
    bad = _raw(emulator, head + b"Content-Length: lots\r\n\r\n")
    assert bad.startswith(b"HTTP/1.1 400 ") and b"x-amzn-ErrorType: ValidationException" in bad
    body = b'{"clientToken": "chunky"}'
    chunked = _raw(emulator, head + b"Transfer-Encoding: chunked\r\n\r\n"
                   + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
    assert chunked.startswith(b"HTTP/1.1 200 ")
    assert emulator.state.runs()[0].client_token == "chunky"
