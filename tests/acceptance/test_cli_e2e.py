"""`codecatalyst-gate wait` as a subprocess against the emulator over loopback HTTP: every exit code, end to end."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from gate.defaults import MAX_RETRIES as DEFAULT_MAX_RETRIES
from gate.emulator import STUCK_RUN_ID
from tests.acceptance.conftest import (
    FAILURE_STATUSES,
    GATE,
    PROJECT,
    RESULT_KEYS,
    SPACE,
    TOKEN,
    clean_env,
    requests_seen,
    run_gate,
    wait_args,
)

pytestmark = pytest.mark.e2e

PREFIX = "codecatalyst-gate:"


def status_lines(stderr: str) -> list[str]:
    """The statuses the gate reported on stderr, in order (`codecatalyst-gate: [00:01] status X`)."""
    return [line.rsplit(" status ", 1)[1] for line in stderr.splitlines()
            if line.startswith(PREFIX) and "] status " in line]


def read_result(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def assert_no_secret(*texts: str, secret: str = TOKEN) -> None:
    for text in texts:
        assert secret not in text


# --- the run ends ------------------------------------------------------------------------------------------------


def test_a_succeeding_run_exits_0_with_the_result_on_stdout_and_in_the_file(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(step=1)  # VALIDATING 1 s, PROVISIONING 1 s, IN_PROGRESS 2 s, then SUCCEEDED
    run = emulator.start_run(workflow="MyDemoWorkflow")
    out = tmp_path / "result.json"
    done = run_gate(*wait_args(emulator, run.id, "--json", "--output-file", str(out)))
    assert done.returncode == 0, done.stderr
    result = done.json()
    assert list(result) == RESULT_KEYS
    assert read_result(out) == result
    assert (result["result"], result["status"], result["exit-code"]) == ("success", "SUCCEEDED", 0)
    assert (result["run-id"], result["space"], result["project"]) == (run.id, SPACE, PROJECT)
    assert result["workflow-id"] == result["response"]["workflowId"] == "c0dec47a-0000-4000-8000-000000000001"
    assert result["duration-seconds"] == 4.0 and result["status-reasons"] == []
    assert result["end-time"] == result["response"]["endTime"] and result["start-time"] < result["end-time"]
    assert result["run-url"].endswith(f"/runs/{run.id}")
    # One poll a second of the run's time: 0 VALIDATING, 1 PROVISIONING, 2 and 3 IN_PROGRESS, 4 SUCCEEDED.
    assert result["polls"] == 5 and requests_seen(emulator) == [200] * 5
    assert status_lines(done.stderr) == ["VALIDATING", "PROVISIONING", "IN_PROGRESS", "SUCCEEDED"]
    assert f"{PREFIX} result success (status SUCCEEDED, exit 0), run took 00:04" in done.stderr
    # --interval: a fixed interval; one ListWorkflowRuns all the same, for the usual duration (issue 22); one
    # GetWorkflow for the workflow's name (issue 29).
    assert {r.path for r in emulator.requests} == {
        f"/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{run.id}",
        f"/v1/spaces/{SPACE}/projects/{PROJECT}/workflows/{result['workflow-id']}",
        f"/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns?workflowId={result['workflow-id']}&maxResults=50"}
    assert len(requests_seen(emulator, "ListWorkflowRuns")) == 1 and result["usual-duration-seconds"] is not None
    assert requests_seen(emulator, "GetWorkflow") == [200] and result["workflow-name"] == "MyDemoWorkflow"
    assert "adaptive polling" not in done.stderr


def test_the_console_script_is_the_same_gate(start_emulator) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", timeline=[["IN_PROGRESS", 1]], final="SUCCEEDED",
                             started_ago=5)
    script = Path(GATE[0]).with_name("codecatalyst-gate")
    if not script.exists():
        pytest.skip(f"no console script next to {GATE[0]} (the project is not installed in this interpreter's venv)")
    done = subprocess.run([str(script), *wait_args(emulator, run.id, "--json")], capture_output=True, text=True,
                          env=clean_env(CODECATALYST_TOKEN=TOKEN), timeout=30)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == "success"


@pytest.mark.parametrize("status", FAILURE_STATUSES)
def test_every_other_terminal_status_exits_1(start_emulator, tmp_path: Path, status: str) -> None:
    emulator = start_emulator(step=1)
    reasons = [{"message": f"the run ended {status.lower()} on purpose"}]
    run = emulator.start_run(workflow="MyDemoWorkflow", timeline=[["IN_PROGRESS", 1]],
                             final={"status": status, "statusReasons": reasons})
    out = tmp_path / "result.json"
    done = run_gate(*wait_args(emulator, run.id, "--json", "--output-file", str(out)))
    assert done.returncode == 1, done.stderr
    result = done.json()
    assert list(result) == RESULT_KEYS and read_result(out) == result
    assert (result["result"], result["status"], result["exit-code"]) == ("failure", status, 1)
    assert result["status-reasons"] == reasons and result["polls"] == 2
    assert status_lines(done.stderr) == ["IN_PROGRESS", status]
    assert f"{PREFIX} the run ended {status}" in done.stderr
    assert f"{PREFIX} reason: the run ended {status.lower()} on purpose" in done.stderr


@pytest.mark.parametrize("flags", [["--success-status", "STOPPED"],
                                   ["--success-status", "SUCCEEDED,STOPPED"]], ids=["one", "comma-separated"])
def test_success_status_lets_another_terminal_status_pass(start_emulator, flags: list[str]) -> None:
    # Without the flag this run fails the gate (test_every_other_terminal_status_exits_1[STOPPED]).
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", timeline=[["STOPPING", 1]], final="STOPPED", started_ago=5)
    done = run_gate(*wait_args(emulator, run.id, "--json", *flags))
    assert done.returncode == 0, done.stderr
    assert (done.json()["result"], done.json()["status"], done.json()["exit-code"]) == ("success", "STOPPED", 0)


# --- the default, adaptive polling -------------------------------------------------------------------------------


def adaptive_args(emulator: Any, run_id: str, *extra: str) -> list[str]:
    """`wait` as a user types it: no --interval, so the adaptive policy is in charge."""
    return ["wait", "--space", SPACE, "--project", PROJECT, "--run-id", run_id, "--endpoint", emulator.base_url,
            *extra]


def quick_run(start_emulator) -> tuple[Any, Any]:
    """A run that started just now (by the gate's clock too) and succeeds on the second poll."""
    emulator = start_emulator(step=1, now=time.time())
    return emulator, emulator.start_run(workflow="MyDemoWorkflow", timeline=[["IN_PROGRESS", 1]], final="SUCCEEDED")


def test_without_interval_the_gate_reads_the_history_once_and_says_so(start_emulator) -> None:
    emulator, run = quick_run(start_emulator)
    done = run_gate(*adaptive_args(emulator, run.id, "--json"))
    assert done.returncode == 0, done.stderr
    assert requests_seen(emulator, "ListWorkflowRuns") == [200]  # once, after the first poll
    assert requests_seen(emulator) == [200, 200]
    assert f"{PREFIX} adaptive polling from 3 past runs of this workflow (median " in done.stderr
    assert done.json()["result"] == "success"


def test_refused_history_still_waits_and_says_why(start_emulator) -> None:
    emulator, run = quick_run(start_emulator)
    emulator.add_fault({"kind": "access-denied", "operation": "ListWorkflowRuns"})
    done = run_gate(*adaptive_args(emulator, run.id, "--json"))
    assert done.returncode == 0, done.stderr
    assert requests_seen(emulator, "ListWorkflowRuns") == [403]
    assert (f"{PREFIX} adaptive polling without history: ListWorkflowRuns refused: HTTP 403 AccessDeniedException"
            in done.stderr)
    assert done.json()["result"] == "success"


# --- transient trouble: retried ---------------------------------------------------------------------------------


def retry_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "; retry " in line]


def test_a_throttled_poll_is_retried_with_real_jitter_and_noted(start_emulator) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)  # already SUCCEEDED
    emulator.add_fault({"kind": "throttle", "operation": "GetWorkflowRun", "count": 1})
    done = run_gate(*wait_args(emulator, run.id, "--json"))
    assert done.returncode == 0, done.stderr
    assert requests_seen(emulator) == [429, 200] and done.json()["polls"] == 2
    [line] = retry_lines(done.stderr)
    assert "HTTP 429 ThrottlingException: Rate exceeded; retry 1 in " in line
    delay = float(line.rsplit(" in ", 1)[1].rstrip("s"))
    assert 0.1 <= delay <= 2.0  # full jitter over [0, 2 s] for the first retry, never under --interval


@pytest.mark.parametrize(("faults", "seen", "reasons"), [
    pytest.param([{"kind": "throttle", "count": 3}], [429, 429, 429, 200],
                 ["HTTP 429 ThrottlingException: Rate exceeded"] * 3, id="3x429"),
    pytest.param([{"kind": "server-error", "status": 500}, {"kind": "server-error", "status": 503}], [500, 503, 200],
                 ["HTTP 500 HTTP500: (not a JSON error body)", "HTTP 503 HTTP503: (not a JSON error body)"],
                 id="500-then-503"),
    pytest.param([{"kind": "drop-connection"}], [None, 200], ["connection closed by 127.0.0.1:"], id="dropped-connection"),
])
def test_transient_failures_are_retried_then_the_verdict_comes(start_emulator, faults: list[dict[str, Any]],
                                                                seen: list[int | None], reasons: list[str]) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    for fault in faults:
        emulator.add_fault({"operation": "GetWorkflowRun", **fault})
    done = run_gate(*wait_args(emulator, run.id, "--json"), jitter=False)
    assert done.returncode == 0, done.stderr
    assert requests_seen(emulator) == seen and done.json()["polls"] == len(seen)
    lines = retry_lines(done.stderr)
    assert len(lines) == len(reasons)
    for attempt, (line, reason) in enumerate(zip(lines, reasons, strict=True), start=1):
        assert reason in line and line.endswith(f"; retry {attempt} in 0.1s")


@pytest.mark.parametrize(("fault", "last"), [  # throttling never runs out: it is an answer (the next tests)
    pytest.param({"kind": "server-error", "status": 503}, "HTTP 503 HTTP503", id="503"),
    pytest.param({"kind": "drop-connection"}, "connection closed by 127.0.0.1:", id="dropped"),
])
def test_retries_run_out_exits_6(start_emulator, tmp_path: Path, fault: dict[str, Any], last: str) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    emulator.add_fault({**fault, "operation": "GetWorkflowRun", "count": "always"})
    out = tmp_path / "result.json"
    done = run_gate(*wait_args(emulator, run.id, "--output-file", str(out)), jitter=False)
    assert done.returncode == 6, done.stderr
    attempts = DEFAULT_MAX_RETRIES + 1
    assert len(requests_seen(emulator)) == attempts
    assert f"the service is unavailable: {attempts} attempts in a row failed; last: {last}" in done.stderr
    result = read_result(out)
    assert (result["result"], result["exit-code"], result["status"], result["polls"]) == ("error", 6, None, attempts)


def test_the_deadline_cuts_retries_short_exit_6(start_emulator) -> None:
    """The gate never saw the run: exit 6 says what stopped it (3 is for a run seen still going)."""
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    emulator.add_fault({"kind": "server-error", "status": 503, "operation": "GetWorkflowRun", "count": "always"})
    done = run_gate(*wait_args(emulator, run.id, "--timeout", "1", "--json"))  # real jitter: up to 2 s, 4 s, ...
    assert done.returncode == 6, done.stderr
    assert "the deadline passed while retrying, which cut the retries short" in done.stderr
    assert "last: HTTP 503 HTTP503" in done.stderr
    assert done.json()["result"] == "error" and done.seconds < 6


def test_a_gate_throttled_from_its_first_call_to_its_deadline_exits_3_never_6(start_emulator, tmp_path: Path) -> None:
    """Throttling is an answer, not an outage: the gate slows down (its rate halves with each 429) and keeps going
    until the deadline ends it as it ends any wait (exit 3), saying how often and how long it was throttled."""
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    emulator.add_fault({"kind": "throttle", "operation": "GetWorkflowRun", "count": "always"})
    out = tmp_path / "result.json"
    done = run_gate(*wait_args(emulator, run.id, "--timeout", "4", "--output-file", str(out)), jitter=False)
    assert done.returncode == 3, done.stderr
    throttled = requests_seen(emulator)
    assert len(throttled) >= 3 and set(throttled) == {429}
    assert (f"timed out after 4s; the run's status was never read; the service throttled the gate "
            f"{len(throttled)} times over ") in done.stderr
    assert "unavailable" not in done.stderr.lower() and 4 <= done.seconds < 10
    result = read_result(out)
    assert (result["result"], result["exit-code"], result["status"]) == ("timeout", 3, None)


@pytest.mark.parametrize("retry_after", ["7200", "Wed, 21 Oct 2099 07:28:00 GMT", "-5", "soon", "99999999999999999999"])
def test_a_retry_after_hours_long_or_unreadable_never_holds_the_gate_past_its_deadline(start_emulator,
                                                                                       retry_after: str) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    emulator.add_fault({"kind": "throttle", "operation": "GetWorkflowRun", "count": "always",
                        "retryAfter": retry_after})
    done = run_gate(*wait_args(emulator, run.id, "--timeout", "3", "--json"), jitter=False)
    assert done.returncode == 3, done.stderr
    assert done.json()["result"] == "timeout" and done.seconds < 8
    assert "Traceback" not in done.stderr


# --- answers the gate must not trust: exit 5, nothing retried ----------------------------------------------------


OTHER_ID = "0badc0de-0000-4000-8000-000000000000"


@pytest.mark.parametrize(("fault", "message"), [
    pytest.param({"kind": "malformed-json"}, "GetWorkflowRun response: not valid JSON: ", id="malformed-json"),
    pytest.param({"kind": "empty-body"}, "GetWorkflowRun response: the body is empty; expected a JSON object",
                 id="empty-body"),
    pytest.param({"kind": "schema-violation"}, "$.status: 'EXPLODED' is not one of", id="bad-status"),
    pytest.param({"kind": "schema-violation", "remove": ["startTime"]}, "$: 'startTime' is a required property",
                 id="missing-startTime"),
    pytest.param({"kind": "schema-violation", "remove": ["workflowId"]}, "$: 'workflowId' is a required property",
                 id="missing-workflowId"),
    pytest.param({"kind": "schema-violation", "patch": {"lastUpdatedTime": "yesterday"}},
                 "$.lastUpdatedTime: 'yesterday' is not a 'date-time'", id="bad-timestamp"),
    pytest.param({"kind": "schema-violation", "patch": {"statusReasons": "broken"}}, "$.statusReasons: ",
                 id="reasons-not-an-array"),
    pytest.param({"kind": "schema-violation", "patch": {"id": OTHER_ID}},
                 f"$.id: '{OTHER_ID}' is not the id that was asked for", id="another-run"),
    pytest.param({"kind": "schema-violation", "patch": {"spaceName": "OtherCorp"}},
                 "$.spaceName: 'OtherCorp' is not the spaceName that was asked for", id="another-space"),
    pytest.param({"kind": "schema-violation", "patch": {"projectName": "OtherProject"}},
                 "$.projectName: 'OtherProject' is not the projectName that was asked for", id="another-project"),
])
def test_an_invalid_answer_exits_5_naming_what_is_wrong(start_emulator, tmp_path: Path, fault: dict[str, Any],
                                                        message: str) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    emulator.add_fault({**fault, "operation": "GetWorkflowRun"})
    out = tmp_path / "result.json"
    done = run_gate(*wait_args(emulator, run.id, "--output-file", str(out)))
    assert done.returncode == 5, done.stderr
    assert message in done.stderr
    assert requests_seen(emulator) == [200]  # not retried: a broken answer is not a passing outage
    result = read_result(out)
    assert (result["result"], result["exit-code"], result["response"]) == ("error", 5, None)


# --- the API refuses: exit 4, nothing retried --------------------------------------------------------------------


def test_a_wrong_token_exits_4_access_denied(start_emulator) -> None:
    emulator = start_emulator()  # wants TOKEN exactly
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    wrong = "ccpat-not-the-right-one-1234"
    done = run_gate(*wait_args(emulator, run.id, "--json"), env=clean_env(CODECATALYST_TOKEN=wrong))
    assert done.returncode == 4, done.stderr
    assert "HTTP 403 AccessDeniedException: " in done.stderr
    assert requests_seen(emulator) == [403]
    assert done.json()["result"] == "error" and done.json()["exit-code"] == 4
    assert_no_secret(done.stdout, done.stderr, secret=wrong)


def test_an_unknown_run_exits_4_resource_not_found(start_emulator) -> None:
    emulator = start_emulator()
    missing = str(uuid.uuid4())
    done = run_gate(*wait_args(emulator, missing))
    assert done.returncode == 4, done.stderr
    assert f"HTTP 404 ResourceNotFoundException: The workflow run {missing} was not found." in done.stderr
    assert requests_seen(emulator) == [404]


@pytest.mark.parametrize(("fault", "expected"), [
    ({"kind": "error", "errorType": "ValidationException", "message": "bad request"},
     "HTTP 400 ValidationException: bad request"),
    ({"kind": "error", "errorType": "AccessDeniedException", "status": 401, "message": "not signed in"},
     "HTTP 401 AccessDeniedException: not signed in"),
    ({"kind": "error", "errorType": "ServiceQuotaExceededException", "message": "quota"},
     "HTTP 402 ServiceQuotaExceededException: quota"),
    ({"kind": "access-denied", "after": 1}, "HTTP 403 AccessDeniedException: "),  # revoked mid-wait
    ({"kind": "error", "errorType": "ConflictException", "message": "conflict"},
     "HTTP 409 ConflictException: conflict"),
], ids=["400", "401", "402", "403-mid-wait", "409"])
def test_every_refusal_exits_4_with_the_error_type_and_message(start_emulator, fault: dict[str, Any],
                                                               expected: str) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", final=None)
    emulator.add_fault({**fault, "operation": "GetWorkflowRun"})
    done = run_gate(*wait_args(emulator, run.id, "--json"))
    assert done.returncode == 4, done.stderr
    assert expected in done.stderr
    status = int(expected.split()[1])
    assert requests_seen(emulator) == [200] * fault.get("after", 0) + [status]


# --- the deadline -------------------------------------------------------------------------------------------------


def test_a_run_that_never_ends_times_out_exit_3(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(scenario="stuck")
    out = tmp_path / "result.json"
    done = run_gate(*wait_args(emulator, STUCK_RUN_ID, "--timeout", "2", "--output-file", str(out),
                               interval="0.5"))
    assert done.returncode == 3, done.stderr
    assert 2 <= done.seconds < 6
    assert "timed out after 2s; the run is still IN_PROGRESS" in done.stderr
    result = read_result(out)
    assert (result["result"], result["status"], result["exit-code"]) == ("timeout", "IN_PROGRESS", 3)
    assert 3 <= len(requests_seen(emulator)) <= 6 and result["polls"] == len(requests_seen(emulator))


def test_the_gate_never_sleeps_past_its_deadline(start_emulator) -> None:
    emulator = start_emulator(scenario="stuck")
    done = run_gate(*wait_args(emulator, STUCK_RUN_ID, "--timeout", "1", interval="30"))
    assert done.returncode == 3, done.stderr
    assert done.seconds < 5  # the 30 s interval was cut at the deadline


# --- bad input: exit 2, nothing sent ------------------------------------------------------------------------------


VALID_ID = "c0dec47a-0000-4000-8000-00000000f0e1"


@pytest.mark.parametrize(("change", "named"), [
    pytest.param({"--run-id": "../x"}, ["--run-id", "'../x'", "UUID"], id="run-id-path"),
    pytest.param({"--run-id": VALID_ID + "/../x"}, ["--run-id", "nothing before or after it"], id="run-id-suffix"),
    pytest.param({"--run-id": "not-a-uuid"}, ["--run-id", "'not-a-uuid'"], id="run-id-word"),
    pytest.param({"--space": "a/b"}, ["--space", "'a/b'"], id="space-slash"),
    pytest.param({"--space": "ab"}, ["--space", "3-63"], id="space-short"),
    pytest.param({"--project": "My Project"}, ["--project", "'My Project'"], id="project-space"),
    pytest.param({"--endpoint": "http://example.com"}, ["--endpoint", "loopback"], id="plain-http-elsewhere"),
    pytest.param({"--success-status": "IN_PROGRESS"}, ["--success-status", "IN_PROGRESS"], id="not-terminal"),
    pytest.param({"--interval": "0.05"}, ["--interval", "0.1"], id="interval-too-short"),
    pytest.param({"--timeout": "-1"}, ["--timeout"], id="negative-timeout"),
])
def test_bad_input_exits_2_and_nothing_is_sent(start_emulator, change: dict[str, str], named: list[str]) -> None:
    emulator = start_emulator()
    args = dict(zip(*[iter(wait_args(emulator, VALID_ID)[1:])] * 2, strict=True))
    args.update(change)
    done = run_gate("wait", *[part for pair in args.items() for part in pair])
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    for fragment in named:
        assert fragment in done.stderr
    assert list(emulator.requests) == []


def test_no_token_exits_2_and_nothing_is_sent(start_emulator) -> None:
    emulator = start_emulator()
    done = run_gate(*wait_args(emulator, VALID_ID), env=clean_env())
    assert done.returncode == 2 and "CODECATALYST_TOKEN" in done.stderr
    assert list(emulator.requests) == []


# --- the token stays secret ----------------------------------------------------------------------------------------


def test_a_token_the_server_echoes_is_masked_everywhere(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    echo = [{"message": f"deploy failed: bearer {TOKEN} rejected"}, {"code": TOKEN, TOKEN: "as a key"}]
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10, final="FAILED",
                             overrides={"statusReasons": echo})
    raw = requests.get(f"{emulator.base_url}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{run.id}",
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert TOKEN in raw.text  # the server really does echo it: what follows is a real test
    out, env_file = tmp_path / "result.json", tmp_path / "result.env"
    done = run_gate(*wait_args(emulator, run.id, "--json", "--output-file", str(out), "--dotenv", str(env_file)))
    assert done.returncode == 1, done.stderr
    assert_no_secret(done.stdout, done.stderr, out.read_text(), env_file.read_text())
    assert done.json()["status-reasons"] == [{"message": "deploy failed: bearer *** rejected"},
                                              {"code": "***", "***": "as a key"}]
    assert "reason: deploy failed: bearer *** rejected" in done.stderr


def test_a_token_echoed_in_an_error_message_is_masked(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10)
    emulator.add_fault({"kind": "error", "errorType": "AccessDeniedException", "message": f"token {TOKEN} revoked"})
    out = tmp_path / "result.json"
    done = run_gate(*wait_args(emulator, run.id, "--json", "--output-file", str(out)))
    assert done.returncode == 4, done.stderr
    assert "HTTP 403 AccessDeniedException: token *** revoked" in done.stderr
    assert_no_secret(done.stdout, done.stderr, out.read_text())


def test_a_result_file_that_cannot_be_written_is_exit_7_with_every_other_output(start_emulator,
                                                                                  tmp_path: Path) -> None:
    emulator = start_emulator(step=1)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    env_file = tmp_path / "result.env"
    refused = "/proc/codecatalyst-gate-result.json"  # its folder exists, but takes no new file, even from root
    done = run_gate(*wait_args(emulator, run.id, "--json", "--output-file", refused, "--dotenv", str(env_file)))
    assert done.returncode == 7, done.stderr
    assert done.json()["result"] == "success" and "CODECATALYST_GATE_RESULT=success" in env_file.read_text()
    assert f"{PREFIX} result success (status SUCCEEDED, exit 0)" in done.stderr  # the verdict is still logged
    assert f"{PREFIX} error: --output-file: could not write {refused}: No such file or directory" in done.stderr
    assert "Traceback" not in done.stderr


def strings_in(value: Any) -> list[str]:
    """Every string in a JSON value, the keys of its objects included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


# Short tokens that occur all over an answer (in "ExampleCorp", "startTime", timestamps and IDs), and a realistic one.
REAL_TOKEN = "ccpat-7Hq2mX9vL4pR8sT1wY6zB3nD5fG0jK2cVa"
TOKENS = ["x", "a", "1", "Time", "Exam", REAL_TOKEN]
TOKEN_IDS = ["x", "a", "1", "Time", "Exam", "realistic"]
SHORT_TOKEN_WARNING = ("the token from CODECATALYST_TOKEN is shorter than 8 characters, so the gate does not mask it "
                       "in what it prints and writes (masking so short a text would alter the data); a real "
                       "CodeCatalyst token is longer")


def echoing_run(start_emulator: Any, token: str) -> tuple[Any, Any, dict[str, Any]]:
    """An emulator that wants `token`, a FAILED run whose status reason echoes it, and that run's answer as the
    server sends it (read directly, after the run ended: it no longer changes)."""
    emulator = start_emulator(token=token)
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10, final="FAILED",
                             overrides={"statusReasons": [{"message": f"bearer {token} rejected"}]})
    sent = requests.get(f"{emulator.base_url}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{run.id}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert sent.status_code == 200
    return emulator, run, sent.json()


def as_shown(token: str, sent: dict[str, Any]) -> dict[str, Any]:
    """The answer as the gate must show it: exactly as sent, but for a realistic token masked in the free text."""
    if len(token) < 8:
        return sent
    return {**sent, "statusReasons": [{"message": "bearer *** rejected"}]}


def assert_the_run_as_sent(result: dict[str, Any], sent: dict[str, Any]) -> None:
    """The result's structured values are the server's, to the character, under our own keys."""
    assert list(result) == RESULT_KEYS
    assert (result["space"], result["project"], result["run-id"], result["workflow-id"]) == (
        sent["spaceName"], sent["projectName"], sent["id"], sent["workflowId"]) == (
        SPACE, PROJECT, sent["id"], sent["workflowId"])
    assert (result["status"], result["start-time"], result["end-time"], result["last-updated-time"]) == (
        sent["status"], sent["startTime"], sent["endTime"], sent["lastUpdatedTime"])
    assert result["run-url"] == (f"https://codecatalyst.aws/spaces/{SPACE}/projects/{PROJECT}/ci/workflows/"
                                 f"{sent['workflowId']}/runs/{sent['id']}")


@pytest.mark.parametrize("token", TOKENS, ids=TOKEN_IDS)
def test_a_token_found_inside_the_answer_alters_no_value_and_a_real_one_never_leaves(start_emulator, tmp_path: Path,
                                                                                    token: str) -> None:
    """Masking `x` made "ExampleCorp" "E***ampleCorp" and `a` mangled even keys; masking `Time` inside the answer
    before the schema check made valid answers invalid (exit 5). Now the answer is validated as sent, a token under
    8 characters is not masked at all (a warning names its source), and a realistic one is masked in free text."""
    emulator, run, sent = echoing_run(start_emulator, token)
    env = clean_env(CODECATALYST_TOKEN=token)
    out, env_file = tmp_path / "result.json", tmp_path / "result.env"
    done = run_gate(*wait_args(emulator, run.id, "--json", "--output-file", str(out), "--dotenv", str(env_file)),
                    env=env)
    assert done.returncode == 1, done.stderr
    result = done.json()
    assert read_result(out) == result
    assert_the_run_as_sent(result, sent)
    assert (result["response"], result["status-reasons"]) == (as_shown(token, sent),
                                                              as_shown(token, sent)["statusReasons"])
    dotenv = dict(line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines())
    assert (dotenv["CODECATALYST_GATE_SPACE"], dotenv["CODECATALYST_GATE_RUN_ID"], dotenv["CODECATALYST_GATE_START_TIME"]) == (
        SPACE, sent["id"], sent["startTime"])
    assert dotenv["CODECATALYST_GATE_RUN_URL"] == result["run-url"]
    assert json.loads(dotenv["CODECATALYST_GATE_RESPONSE"]) == as_shown(token, sent)
    got = run_gate("get", "--space", SPACE, "--project", PROJECT, "--run-id", run.id, "--endpoint",
                   emulator.base_url, env=env)
    assert got.returncode == 0, got.stderr
    assert got.json() == as_shown(token, sent)
    warnings = [line for text in (done.stderr, got.stderr) for line in text.splitlines() if " warning: " in line]
    if len(token) < 8:
        assert warnings == [f"{PREFIX} warning: {SHORT_TOKEN_WARNING}"] * 2  # once per gate
        assert f"reason: bearer {token} rejected" in done.stderr
    else:
        assert warnings == []
        assert_no_secret(done.stdout, done.stderr, out.read_text(), env_file.read_text(), got.stdout, got.stderr,
                         secret=token)
        assert f"{PREFIX} reason: bearer *** rejected" in done.stderr


# --- signals -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_the_wait_at_once_and_the_result_is_still_written(start_emulator, start_gate, tmp_path: Path,
                                                                         signum: signal.Signals, code: int) -> None:
    emulator = start_emulator(scenario="stuck")
    out = tmp_path / "result.json"
    # A 30 s interval and an hour's timeout: only the signal can end this gate within the test's bounds.
    gate = start_gate([*GATE, *wait_args(emulator, STUCK_RUN_ID, "--json", "--output-file", str(out),
                                         interval="30")], env=clean_env(CODECATALYST_TOKEN=TOKEN))
    gate.wait_for("stderr", "status IN_PROGRESS")
    gate.signal(signum)
    done = gate.finish(timeout=10)
    assert done.returncode == code, done.stderr
    assert done.seconds < 2, done.stderr  # "within a second", with slack for a loaded machine
    result = read_result(out)
    assert list(result) == RESULT_KEYS and done.json() == result
    assert (result["result"], result["status"], result["exit-code"]) == ("cancelled", "IN_PROGRESS", code)
    assert f"cancelled by {signum.name}" in done.stderr
    assert requests_seen(emulator) == [200]


@pytest.mark.posix
def test_sigterm_during_a_slow_answer_ends_the_wait_at_once(start_emulator, start_gate, tmp_path: Path) -> None:
    emulator = start_emulator(scenario="stuck")
    slow = emulator.add_fault({"kind": "slow", "delay": 30, "operation": "GetWorkflowRun", "after": 1})
    out = tmp_path / "result.json"
    gate = start_gate([*GATE, *wait_args(emulator, STUCK_RUN_ID, "--output-file", str(out), interval="0.2")],
                      env=clean_env(CODECATALYST_TOKEN=TOKEN))
    gate.wait_for("stderr", "status IN_PROGRESS")
    # The second poll hangs on its answer. A moment more, so the gate is inside its read: a signal that lands in
    # the microseconds between sending the request and that system call is only handled when the read ends (Python
    # runs handlers between bytecodes), which no sleeping slice can shorten; that race is known and left alone.
    wait_until(lambda: any(f is slow and n == 1 for f, n in emulator.faults.fired()))
    time.sleep(0.3)
    gate.signal(signal.SIGTERM)
    done = gate.finish(timeout=10)
    assert done.returncode == 143, done.stderr
    assert done.seconds < 2, done.stderr
    assert read_result(out)["result"] == "cancelled"


def wait_until(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


@pytest.mark.posix
@pytest.mark.parametrize("gap", [0.002, 0.02], ids=["2ms", "20ms"])
def test_sigint_then_sigterm_close_together_still_exit_cleanly_with_the_result(start_emulator, start_gate,
                                                                                 tmp_path: Path, gap: float) -> None:
    """Ctrl-C pressed twice, or a supervisor's SIGTERM right after the terminal's SIGINT: the second signal must
    not kill the gate while it ends the first one's way, before or after the result is written."""
    emulator = start_emulator(scenario="stuck")
    out = tmp_path / "result.json"
    gate = start_gate([*GATE, *wait_args(emulator, STUCK_RUN_ID, "--json", "--output-file", str(out),
                                         interval="30")], env=clean_env(CODECATALYST_TOKEN=TOKEN))
    gate.wait_for("stderr", "status IN_PROGRESS")
    gate.signal(signal.SIGINT)
    time.sleep(gap)
    gate.signal(signal.SIGTERM)
    done = gate.finish(timeout=10)
    assert done.returncode in (130, 143), f"exit {done.returncode}; result file written: {out.exists()}"
    result = read_result(out)
    assert (result["result"], result["exit-code"]) == ("cancelled", done.returncode)
    assert done.json() == result
