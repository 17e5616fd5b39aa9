"""Issue 31, end to end: what a newcomer meets after the Quickstart. The gate counts its API calls as the emulator
counts the requests it got; a refused input keeps what was good."""

from __future__ import annotations

import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.acceptance.conftest import PROJECT, SPACE, run_gate

pytestmark = pytest.mark.e2e
RUN_ID = "c0dec47a-0000-4000-8000-0000000000ff"  # a run no emulator has


def operations_seen(emulator) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(str(r.operation) for r in list(emulator.requests))


def test_api_calls_are_the_requests_the_emulator_got_retries_included(start_emulator) -> None:
    # Two throttled polls: each retry is a request of its own, and counted.
    emulator = start_emulator(step=1, scenario={"faults": [
        {"kind": "throttle", "operation": "GetWorkflowRun", "count": 2, "after": 1}]})
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--endpoint", emulator.base_url,
                    "--workflow", "MyDemoWorkflow", "--start", "--interval", "0.1", "--json", jitter=False)
    assert done.returncode == 0, done.stderr
    calls = done.json()["api-calls"]
    seen = operations_seen(emulator)
    assert calls == {"total": sum(seen.values()), **seen}
    assert list(calls) == ["total", "ListWorkflows", "StartWorkflowRun", "GetWorkflowRun", "ListWorkflowRuns"]
    statuses = [r.status for r in list(emulator.requests) if r.operation == "GetWorkflowRun"]
    assert statuses.count(429) == 2, statuses  # the retries are in the count


def test_a_refused_input_keeps_the_good_values_and_made_no_call(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    out = tmp_path / "result.json"
    done = run_gate("wait", "--space", SPACE, "--project", "my project", "--endpoint", emulator.base_url,
                    "--run-id", "c0dec47a-0000-4000-8000-000000000001", "--output-file", str(out))
    assert done.returncode == 2 and "--project: 'my project' is invalid" in done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert (result["space"], result["project"], result["run-id"]) == (SPACE, None, "c0dec47a-0000-4000-8000-000000000001")
    assert result["run-url"] is None  # no project: no page to link to
    assert result["api-calls"] == {"total": 0} and list(emulator.requests) == []


# --- something else on the emulator's port ------------------------------------------------------------------------


class _Foreign(http.server.BaseHTTPRequestHandler):
    """Any web server: every request gets the same page."""

    status, body, content_type = 404, b"<html><body>Not Found</body></html>", "text/html"

    def _answer(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(params=[(404, "text/html"), (200, "text/plain")], ids=["html-404", "text-200"])
def foreign(request: pytest.FixtureRequest) -> Iterator[str]:
    """A loopback web server that is not CodeCatalyst, on port 0; its base URL."""
    status, content_type = request.param
    handler = type("Handler", (_Foreign,), {"status": status, "content_type": content_type,
                                            "body": b"<html>hi</html>" if status == 200 else _Foreign.body})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_start_run_against_another_server_is_one_line_and_exit_1(foreign: str) -> None:
    done = run_gate("emulator", "start-run", "--endpoint", foreign)
    assert done.returncode == 1, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"codecatalyst-gate: error: what answers at {foreign} is not the emulator: POST ")
    assert "--port 0" in line and "--endpoint" in line


@pytest.mark.parametrize("args", [["wait", "--workflow", "MyDemoWorkflow", "--start", "--timeout", "10"],
                                  ["wait", "--run-id", RUN_ID, "--timeout", "10"], ["get", "--run-id", RUN_ID]],
                         ids=["wait-start", "wait-run-id", "get"])
def test_the_gate_against_another_server_says_so_with_the_url_and_exits_5(foreign: str, args: list[str]) -> None:
    done = run_gate(*args, "--space", SPACE, "--project", PROJECT, "--endpoint", foreign)
    assert done.returncode == 5, done.stderr  # INVALID_RESPONSE: what answered is no CodeCatalyst answer
    assert "Traceback" not in done.stderr
    [told] = [line for line in done.stderr.splitlines() if " error: " in line]
    assert told.startswith(f"codecatalyst-gate: error: what answers at {foreign} is not CodeCatalyst (nor the "
                           "emulator): ")
    assert "check the endpoint" in told


# --- hints --------------------------------------------------------------------------------------------------------


def test_an_endpoint_with_a_path_is_refused_up_front(start_emulator) -> None:
    emulator = start_emulator()
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID,
                    "--endpoint", emulator.base_url + "/v1")
    assert done.returncode == 2 and list(emulator.requests) == []
    assert f"--endpoint: '{emulator.base_url}/v1' is invalid: must be the service's address alone, no path" \
        in done.stderr
    assert f"did you mean {emulator.base_url}?" in done.stderr
    started = run_gate("emulator", "start-run", "--endpoint", emulator.base_url + "/v1")
    assert started.returncode == 2 and f"did you mean {emulator.base_url}?" in started.stderr


def test_a_403_says_expiry_the_role_and_where_as_an_error_line(start_emulator) -> None:
    emulator = start_emulator(token="the-emulators-own-token")
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID,
                    "--endpoint", emulator.base_url)
    assert done.returncode == 4, done.stderr
    [told] = [line for line in done.stderr.splitlines() if " error: " in line]
    assert told.startswith("codecatalyst-gate: error: HTTP 403 AccessDeniedException: ")
    for words in (f"a role in project {PROJECT} of space {SPACE} that allows reading workflow runs",
                  "Contributor", "personal access tokens expire"):
        assert words in told


def test_a_404_on_a_run_says_to_check_the_id_and_the_project(start_emulator) -> None:
    emulator = start_emulator()
    done = run_gate("get", "--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID,
                    "--endpoint", emulator.base_url)
    assert done.returncode == 4, done.stderr
    assert f"no run {RUN_ID} in project {PROJECT} of space {SPACE}: check the run ID and the project" in done.stderr


@pytest.mark.parametrize(("body", "workflow"), [
    (b"[]", "MyDemoWorkflow"), (b'{"items": "abc"}', "MyDemoWorkflow"),
    (b'{"items": [{"name": "MyDemoWorkflow"}]}', "MyDemoWorkflow"),
    (b"{}", "c0dec47a-0000-4000-8000-000000000001"),  # by ID: straight to StartWorkflowRun, whose answer has no id
], ids=["a-list", "items-not-a-list", "an-item-without-id", "a-start-without-id"])
def test_start_run_on_json_no_emulator_sends_is_one_line_and_exit_1(body: bytes, workflow: str) -> None:
    handler = type("Handler", (_Foreign,), {"status": 200, "content_type": "application/json", "body": body})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        done = run_gate("emulator", "start-run", "--endpoint", f"http://127.0.0.1:{server.server_address[1]}",
                        "--workflow", workflow)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.splitlines()
    assert "is not the emulator" in line and "an answer the emulator never gives" in line
