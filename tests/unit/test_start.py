"""`start` and the Action's `wait: 'false'` (issue 29, item 2): the run started once, its keys written to every
output asked for, exit 0 at once (no poll, no sleep); bad input exit 2 with nothing sent; its help, its own exit
codes."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from gate import app
from gate.config.inputs import RawInputs
from gate.config.settings import OutputTargets
from gate.doors import action
from gate.doors.cli import main
from gate.errors import COMMAND_EXIT_CODES, ExitCode, exit_codes_help
from gate.pick.idempotency import SYSTEMS
from gate.result import RESULT_KEYS, START_KEYS
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, WORKFLOW_ID, FakeClock
from tests.unit.test_github import parse_output_file

ENDPOINT = "https://codecatalyst.example.test"
BASE = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}"
LIST_URL = re.compile(re.escape(f"{BASE}/workflows") + r"\?.*")
START_URL = re.compile(re.escape(f"{BASE}/workflowRuns?workflowId={WORKFLOW_ID}"))
WORKFLOW = {"id": WORKFLOW_ID, "name": "Deploy", "sourceRepositoryName": "MyDemoRepo", "sourceBranchName": "main",
            "definition": {"path": ".codecatalyst/workflows/Deploy.yaml"}, "createdTime": "2026-11-01T10:00:00Z",
            "lastUpdatedTime": "2026-11-01T10:00:00Z", "runMode": "PARALLEL", "status": "ACTIVE"}
STARTED = {"spaceName": SPACE, "projectName": PROJECT, "id": RUN_ID, "workflowId": WORKFLOW_ID}
GITHUB = {"GITHUB_RUN_ID": "77", "GITHUB_REPOSITORY": "o/r", "GITHUB_JOB": "deploy", "GITHUB_ACTION": "start"}


@pytest.fixture
def wire() -> responses.RequestsMock:
    """ListWorkflows and StartWorkflowRun only: any other request (a poll) fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(LIST_URL, json={"items": [WORKFLOW]})
        mock.put(START_URL, json=STARTED)
        yield mock


def start(outputs: OutputTargets, env: dict[str, str] | None = None, **inputs: object) -> tuple[int, str, str, FakeClock]:
    clock, out, err = FakeClock(), io.StringIO(), io.StringIO()
    given: dict[str, object] = {"workflow": "Deploy", **inputs}
    raw = RawInputs(space=SPACE, project=PROJECT, endpoint=ENDPOINT, token=TOKEN, outputs=outputs,
                    **given)  # type: ignore[arg-type]
    code = app.main(raw, command="start", env=env or {}, stdout=out, stderr=err, clock=clock)
    return code, out.getvalue(), err.getvalue(), clock


def test_start_writes_what_it_knows_and_exits_0_without_a_poll_or_a_sleep(wire: responses.RequestsMock,
                                                                           tmp_path: Path) -> None:
    dotenv, file = tmp_path / "start.env", tmp_path / "start.json"
    code, out, err, clock = start(OutputTargets(json_stdout=True, output_file=file, dotenv_file=dotenv))
    assert code == ExitCode.SUCCESS, err
    result = json.loads(out)
    assert list(result) == list(START_KEYS) and json.loads(file.read_text()) == result
    assert (result["run-id"], result["workflow-id"], result["workflow-name"], result["started"]) == (
        RUN_ID, WORKFLOW_ID, "Deploy", True)
    assert result["run-url"].endswith(f"/ci/workflows/{WORKFLOW_ID}/runs/{RUN_ID}") and result["exit-code"] == 0
    assert result["api-calls"] == {"total": 2, "ListWorkflows": 1, "StartWorkflowRun": 1}
    assert [c.request.method for c in wire.calls] == ["POST", "PUT"]  # listed, started: nothing polled
    assert clock.sleeps == []  # it waits for nothing once the start call has answered
    assert f"CODECATALYST_GATE_RUN_ID={RUN_ID}" in dotenv.read_text().splitlines()
    assert "CODECATALYST_GATE_STATUS" not in dotenv.read_text()  # a start knows no status yet
    assert f"gate it later with `wait --run-id {RUN_ID}`" in err


def test_the_same_ci_step_derives_the_same_token_each_time(wire: responses.RequestsMock) -> None:
    for _ in range(2):
        assert start(OutputTargets(), env=GITHUB)[0] == ExitCode.SUCCESS
    tokens = [json.loads(c.request.body)["clientToken"] for c in wire.calls if c.request.method == "PUT"]
    assert len(tokens) == 2 and tokens[0] == tokens[1] and tokens[0].startswith(SYSTEMS[0].prefix + "-")


def test_a_refused_start_is_exit_4_with_every_key_saying_so(tmp_path: Path) -> None:
    file = tmp_path / "start.json"
    with responses.RequestsMock() as mock:
        mock.post(LIST_URL, json={"items": [WORKFLOW]})
        mock.put(START_URL, status=402, json={"message": "quota"},
                 headers={"x-amzn-ErrorType": "ServiceQuotaExceededException"})
        code, _, err, _ = start(OutputTargets(output_file=file))
    assert code == ExitCode.API_REFUSED
    result = json.loads(file.read_text())
    assert list(result) == list(RESULT_KEYS) and (result["result"], result["exit-code"]) == ("error", 4)
    assert "ServiceQuotaExceededException" in err


@pytest.mark.parametrize(("inputs", "field", "rule"), [
    ({"workflow": None}, "--workflow", "is required"),
    ({"workflow": "Deploy,Test"}, "--workflow", "`start` starts one run"),
    ({"latest": True}, "--latest", "`start` only starts it"),
    ({"since": "2026-11-25T10:00:00Z"}, "--since", "`start` only starts it"),
    ({"workflow": None, "run_id": RUN_ID}, "--run-id", "gate it with `wait`"),
    ({"client_token": "bad token!"}, "--client-token", "is invalid"),
])
def test_bad_input_is_exit_2_naming_the_field_and_nothing_is_sent(inputs: dict[str, object], field: str,
                                                                  rule: str) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        code, _, err, _ = start(OutputTargets(), **inputs)
        assert len(mock.calls) == 0
    assert code == ExitCode.USAGE
    assert field in err and rule in err


def action_env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    values = {"space": SPACE, "project": PROJECT, "workflow": "Deploy", "token": TOKEN, "endpoint": ENDPOINT,
              **inputs}
    env = {f"INPUT_{name.upper()}": value for name, value in values.items()}
    (tmp_path / "output").write_text("")
    (tmp_path / "summary").write_text("")
    return env | {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "output"),
                  "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}


def test_the_action_with_wait_false_starts_and_writes_its_outputs(wire: responses.RequestsMock,
                                                                   tmp_path: Path) -> None:
    out = io.StringIO()
    code = action.run(action_env(tmp_path, start="true", wait="false"), stdout=out, stderr=io.StringIO())
    assert code == ExitCode.SUCCESS, out.getvalue()
    outputs = dict(parse_output_file((tmp_path / "output").read_text()))
    assert list(outputs) == list(START_KEYS) and outputs["run-id"] == RUN_ID and outputs["started"] == "true"
    assert (tmp_path / "summary").read_text() == ""  # nothing judged, so no summary
    assert len(wire.calls) == 2


@pytest.mark.parametrize(("inputs", "said"), [
    ({"wait": "false"}, "input 'start': 'false' is invalid: must be 'true' with input 'wait' 'false'"),
    ({"wait": "maybe", "start": "true"}, "input 'wait': 'maybe' is invalid: must be true or false"),
    ({"wait": "false", "start": "true", "latest": "true"}, "input 'latest'"),
])
def test_the_action_refuses_what_wait_false_cannot_do(tmp_path: Path, inputs: dict[str, str], said: str) -> None:
    out = io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        code = action.run(action_env(tmp_path, **inputs), stdout=out, stderr=io.StringIO())
        assert len(mock.calls) == 0
    assert code == ExitCode.USAGE and said in out.getvalue()


def test_start_help_lists_its_own_exit_codes_and_keys() -> None:
    outcome = CliRunner().invoke(main, ["start", "--help"])
    assert outcome.exit_code == 0
    text = " ".join(outcome.output.split())
    for code, meaning in COMMAND_EXIT_CODES["start"].items():
        assert f"{int(code)} {' '.join(meaning.split())}" in text
    assert "Keys written: " + ", ".join(START_KEYS) in text
    assert "--run-id" not in outcome.output and "--interval" not in outcome.output  # a start polls nothing
    # No 1: it judges nothing. 3: a start throttled (429, an answer) until the deadline ends as every gate does then.
    assert set(COMMAND_EXIT_CODES["start"]) == {0, 2, 3, 4, 5, 6, 7, 70, 130, 143}
    assert exit_codes_help("start").startswith("\b\nExit codes:")
    assert "start" in CliRunner().invoke(main, ["--help"]).output


def test_validate_tells_a_start_result_for_what_it_is(wire: responses.RequestsMock, tmp_path: Path) -> None:
    """B8: `validate` took a file of `start --output-file` for an answer with every field missing (7 errors of
    "'id' is a required property"); it holds a run ID and no answer, and says so in one line, still exit 5."""
    file = tmp_path / "start.json"
    assert start(OutputTargets(output_file=file))[0] == ExitCode.SUCCESS
    told = CliRunner().invoke(main, ["validate", str(file)])
    assert told.exit_code == ExitCode.INVALID_RESPONSE
    assert f"{file}: the result of `start`, which holds a run-id and no GetWorkflowRun answer to validate" \
        in told.stderr
    assert "required property" not in told.stderr and "`get --run-id` fetches one" in told.stderr
    answer = CliRunner().invoke(main, ["validate", "-"], input=json.dumps({"run-id": RUN_ID, "id": RUN_ID}))
    assert "the result of `start`" not in answer.stderr  # not START_KEYS alone: validated as an answer
