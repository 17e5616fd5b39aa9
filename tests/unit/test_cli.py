"""The CLI: flags and env vars into settings, no request on bad input, documented exit codes, no token leaks."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner

from gate.doors.cli import main
from gate.errors import Cancelled, ExitCode
from gate.result import RESULT_KEYS
from gate.wait.signals import cancel_on_signals
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, answer_get_workflow, run_document

ENDPOINT = "https://codecatalyst.global.api.aws"
URL = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{RUN_ID}"
ARGS = ["--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("CODECATALYST_SPACE", "CODECATALYST_PROJECT", "CODECATALYST_RUN_ID", "CODECATALYST_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CODECATALYST_TOKEN", TOKEN)
    return CliRunner()


@pytest.fixture
def wire():
    """Any request not registered fails the test: bad input must send nothing."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer_get_workflow(mock)
        yield mock


def test_success_prints_result_json_and_exits_0(runner: CliRunner, wire: responses.RequestsMock) -> None:
    wire.get(URL, json=run_document("SUCCEEDED"))
    outcome = runner.invoke(main, ["wait", *ARGS, "--json"])
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    assert list(result) == list(RESULT_KEYS)
    assert (result["result"], result["status"], result["exit-code"], result["polls"]) == ("success", "SUCCEEDED", 0, 1)
    assert result["duration-seconds"] == 205.5
    assert "status SUCCEEDED" in outcome.stderr


def test_failed_run_exits_1_and_output_file_is_written(runner: CliRunner, wire: responses.RequestsMock,
                                                       tmp_path: Path) -> None:
    wire.get(URL, json=run_document("FAILED", statusReasons=[{"message": "Build failed"}]))
    out = tmp_path / "result.json"
    outcome = runner.invoke(main, ["wait", *ARGS, "--output-file", str(out)])
    assert outcome.exit_code == 1
    assert outcome.stdout == ""
    written = json.loads(out.read_text())
    assert written["result"] == "failure" and written["status-reasons"] == [{"message": "Build failed"}]


def test_success_status_option(runner: CliRunner, wire: responses.RequestsMock) -> None:
    wire.get(URL, json=run_document("SUPERSEDED"))
    assert runner.invoke(main, ["wait", *ARGS, "--success-status", "succeeded,superseded"]).exit_code == 0
    assert runner.invoke(main, ["wait", *ARGS]).exit_code == 1


def test_env_vars_stand_in_for_flags(runner: CliRunner, wire: responses.RequestsMock,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODECATALYST_SPACE", SPACE)
    monkeypatch.setenv("CODECATALYST_PROJECT", PROJECT)
    monkeypatch.setenv("CODECATALYST_RUN_ID", RUN_ID)
    monkeypatch.setenv("CODECATALYST_ENDPOINT", "http://127.0.0.1:9")
    wire.get(f"http://127.0.0.1:9/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{RUN_ID}",
             json=run_document())
    assert runner.invoke(main, ["wait"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--space", "../x", "--project", PROJECT, "--run-id", RUN_ID],
         "--space: '../x' is invalid: must be letters and digits, with single '-', '_' or '.' between them"),
        (["--space", SPACE, "--project", "a/b", "--run-id", RUN_ID],
         "--project: 'a/b' is invalid: must be letters and digits"),
        (["--space", SPACE, "--project", PROJECT, "--run-id", "example-workflow-run-id-123abc"],
         "--run-id: 'example-workflow-run-id-123abc' is invalid: must be a UUID like 0f8fad5b-d9cb-469f-a165-"),
        (["--space", SPACE, "--project", PROJECT], "--run-id is required (or set CODECATALYST_RUN_ID)"),
        ([*ARGS, "--endpoint", "http://example.com"], "plain http is allowed only for loopback"),
        ([*ARGS, "--fips", "--endpoint", ENDPOINT], "cannot be combined with --fips"),
        ([*ARGS, "--interval", "0.01"], "--interval: '0.01' is invalid: must be at least 0.1 seconds"),
        ([*ARGS, "--timeout", "-5"], "--timeout: '-5' is invalid: must be a duration"),
        ([*ARGS, "--success-status", "IN_PROGRESS"], "--success-status: 'IN_PROGRESS' is invalid: must be a terminal"),
        ([*ARGS, "--heartbeat", "0.5"], "--heartbeat: '0.5' is invalid: must be 0 (off) or at least 1 second"),
        ([*ARGS, "--heartbeat", "-1"], "--heartbeat: '-1' is invalid: must be a duration"),
        ([*ARGS, "--dotenv", "/no/such/folder/out.env"], "--dotenv: '/no/such/folder/out.env' is invalid: its folder"),
        ([*ARGS, "--output-file", "/no/such/folder/r.json"], "--output-file: '/no/such/folder/r.json' is invalid"),
        ([*ARGS, "--junit-xml", "/no/such/folder/j.xml"], "--junit-xml: '/no/such/folder/j.xml' is invalid: its folder"),
    ],
)
def test_bad_input_exits_2_and_sends_nothing(runner: CliRunner, wire: responses.RequestsMock,
                                             args: list[str], message: str) -> None:
    outcome = runner.invoke(main, ["wait", *args])
    assert outcome.exit_code == ExitCode.USAGE, outcome.output
    assert message in outcome.stderr
    assert len(wire.calls) == 0


def test_missing_token_is_a_usage_error(runner: CliRunner, wire: responses.RequestsMock,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODECATALYST_TOKEN")
    outcome = runner.invoke(main, ["wait", *ARGS])
    assert outcome.exit_code == 2 and "CODECATALYST_TOKEN" in outcome.stderr and len(wire.calls) == 0


def test_token_file_is_read_and_wins(runner: CliRunner, wire: responses.RequestsMock, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file-token\n")
    wire.get(URL, json=run_document())
    assert runner.invoke(main, ["wait", *ARGS, "--token-file", str(token_file)]).exit_code == 0
    assert wire.calls[0].request.headers["Authorization"] == "Bearer from-file-token"


def test_there_is_no_token_flag(runner: CliRunner) -> None:
    assert runner.invoke(main, ["wait", *ARGS, "--token", "x"]).exit_code == 2


def test_api_refusal_exits_4_with_type_and_message(runner: CliRunner, wire: responses.RequestsMock) -> None:
    wire.get(URL, status=404, json={"message": "Workflow run not found"},
             headers={"x-amzn-ErrorType": "ResourceNotFoundException"})
    outcome = runner.invoke(main, ["wait", *ARGS, "--json"])
    assert outcome.exit_code == ExitCode.API_REFUSED
    assert "HTTP 404 ResourceNotFoundException: Workflow run not found" in outcome.stderr
    assert json.loads(outcome.stdout)["result"] == "error"


def test_schema_invalid_answer_exits_5_naming_the_path(runner: CliRunner, wire: responses.RequestsMock) -> None:
    wire.get(URL, json=run_document(status="DONE"))
    outcome = runner.invoke(main, ["wait", *ARGS])
    assert outcome.exit_code == ExitCode.INVALID_RESPONSE
    assert "$.status: 'DONE' is not one of" in outcome.stderr


def test_token_never_printed_even_when_echoed(runner: CliRunner, wire: responses.RequestsMock,
                                             tmp_path: Path) -> None:
    wire.get(URL, status=403, json={"message": f"bad token {TOKEN}"},
             headers={"x-amzn-ErrorType": "AccessDeniedException"})
    out = tmp_path / "r.json"
    outcome = runner.invoke(main, ["wait", *ARGS, "--json", "--output-file", str(out)])
    assert outcome.exit_code == 4
    assert TOKEN not in outcome.output and TOKEN not in out.read_text()
    assert "bad token ***" in outcome.stderr


def test_server_text_cannot_start_a_line(runner: CliRunner, wire: responses.RequestsMock) -> None:
    wire.get(URL, status=400, json={"message": "x\n::error::owned\n##vso[task.complete result=Succeeded]"},
             headers={"x-amzn-ErrorType": "ValidationException"})
    outcome = runner.invoke(main, ["wait", *ARGS])
    assert all(line.startswith("codecatalyst-gate: ") for line in outcome.stderr.splitlines())


def test_get_prints_the_validated_answer(runner: CliRunner, wire: responses.RequestsMock) -> None:
    wire.get(URL, json=run_document("IN_PROGRESS"))
    outcome = runner.invoke(main, ["get", *ARGS])
    assert outcome.exit_code == 0 and json.loads(outcome.stdout)["status"] == "IN_PROGRESS"


def test_schema_command_prints_the_schema(runner: CliRunner) -> None:
    outcome = runner.invoke(main, ["schema"])
    assert json.loads(outcome.stdout)["required"][0] == "spaceName"


def test_validate_lists_every_violation(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(run_document(status="X", id="nope")))
    outcome = runner.invoke(main, ["validate", str(bad)])
    assert outcome.exit_code == 5
    assert "$.id: 'nope'" in outcome.stderr and "$.status: 'X'" in outcome.stderr
    good = runner.invoke(main, ["validate", "-"], input=json.dumps(run_document()))
    assert good.exit_code == 0 and "valid GetWorkflowRun response" in good.stdout


def test_validate_takes_the_gates_own_result_file_by_its_response(runner: CliRunner, wire: responses.RequestsMock,
                                                                   tmp_path: Path) -> None:
    """Issue 23: the result object gave six "'id' is a required property" errors, with no word of `response`."""
    wire.get(URL, json=run_document("SUCCEEDED"))
    result = tmp_path / "result.json"
    assert runner.invoke(main, ["wait", *ARGS, "--output-file", str(result)]).exit_code == 0
    good = runner.invoke(main, ["validate", str(result)])
    assert good.exit_code == 0, good.stderr
    assert good.stdout == f"{result}: the gate's result object; its response is a valid GetWorkflowRun response\n"
    document = json.loads(result.read_text())
    document["response"]["id"] = "nope"
    bad = runner.invoke(main, ["validate", "-"], input=json.dumps(document))
    assert bad.exit_code == 5
    assert "stdin: the gate's result object; its GetWorkflowRun answer does not pass (the answer is under response)" \
        in bad.stderr
    assert "$.response.id: 'nope' is not a UUID" in bad.stderr and "required property" not in bad.stderr
    document["response"] = None  # no answer was ever valid: there is nothing to validate, and it says so
    empty = runner.invoke(main, ["validate", "-"], input=json.dumps(document))
    assert empty.exit_code == 5 and "$.response: null: the gate received no valid answer" in empty.stderr


def test_validate_takes_a_result_of_several_runs_by_each_runs_response(runner: CliRunner) -> None:
    answers = [run_document("SUCCEEDED"), run_document("FAILED", id="not-a-uuid")]
    document = {"result": "failure", "response": answers[1], "exit-code": 1,
                "runs": [{"result": "success", "response": answers[0]}, {"result": "failure", "response": answers[1]}]}
    outcome = runner.invoke(main, ["validate", "-"], input=json.dumps(document))
    assert outcome.exit_code == 5
    assert "$.runs[1].response.id: 'not-a-uuid'" in outcome.stderr and "$.runs[0]" not in outcome.stderr
    answers[1]["id"] = RUN_ID
    outcome = runner.invoke(main, ["validate", "-"], input=json.dumps(document))
    assert outcome.exit_code == 0
    assert "each of its 2 runs' responses is a valid GetWorkflowRun response" in outcome.stdout


def test_validate_the_page_sample_says_not_json(runner: CliRunner) -> None:
    from tests.unit.test_schema import page_sample_response

    outcome = runner.invoke(main, ["validate", "-"], input=page_sample_response())
    assert outcome.exit_code == 5 and "stdin: not valid JSON: Expecting ':' delimiter" in outcome.stderr


def test_help_documents_every_exit_code(runner: CliRunner) -> None:
    text = runner.invoke(main, ["wait", "--help"]).output
    for code in ExitCode:
        assert f" {int(code)}  " in text


@pytest.fixture
def restore_signal_handlers() -> Iterator[None]:
    """A cancellation leaves SIGINT and SIGTERM ignored (the process is ending); pytest's process is not."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in before.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_raises_cancelled_inside_the_block_only(signum: signal.Signals, restore_signal_handlers: None) -> None:
    with pytest.raises(Cancelled) as caught, cancel_on_signals():
        signal.raise_signal(signum)
        time.sleep(5)  # never reached: the handler raises first
    assert caught.value.signal_name == signum.name
    # The gate is ending: a second signal (the runner's SIGTERM after its SIGINT) must not kill it mid-write.
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN and signal.getsignal(signal.SIGTERM) is signal.SIG_IGN


def test_a_second_signal_while_cancelling_raises_nothing(restore_signal_handlers: None) -> None:
    with pytest.raises(Cancelled) as caught, cancel_on_signals():
        try:
            signal.raise_signal(signal.SIGINT)
        finally:
            signal.raise_signal(signal.SIGTERM)  # would replace the first Cancelled, from inside its handling
    assert caught.value.signal_name == "SIGINT"


def test_without_a_signal_the_previous_handlers_are_back() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with cancel_on_signals():
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
    assert {sig: signal.getsignal(sig) for sig in before} == before


HOSTILE_REASONS = [
    {"message": "Build failed\nCODECATALYST_GATE_RESULT=success"},
    {"message": "x\r\n##vso[task.setvariable variable=CODECATALYST_GATE_RESULT;isOutput=true]success"},
    {"message": "##vso[task.complete result=Succeeded;]done %0A%AZP25 ##[error]fake \u2028 y"},
]


def test_dotenv_file_holds_every_key(runner: CliRunner, wire: responses.RequestsMock, tmp_path: Path) -> None:
    from tests.unit.test_dotenv import NAMES, gitlab_parse

    wire.get(URL, json=run_document("SUCCEEDED"))
    env_file = tmp_path / "codecatalyst.env"
    outcome = runner.invoke(main, ["wait", *ARGS, "--dotenv", str(env_file)])
    assert outcome.exit_code == 0 and outcome.stdout == ""
    pairs = gitlab_parse(env_file.read_text())
    assert [key for key, _ in pairs] == NAMES
    assert ("CODECATALYST_GATE_STATUS", "SUCCEEDED") in pairs and ("CODECATALYST_GATE_RUN_ID", RUN_ID) in pairs


@pytest.mark.parametrize("by_env", [False, True], ids=["--junit-xml", "CODECATALYST_JUNIT_XML"])
def test_junit_report_is_written(runner: CliRunner, wire: responses.RequestsMock, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch, by_env: bool) -> None:
    from tests.unit.test_junit import read

    wire.get(URL, json=run_document("FAILED", statusReasons=HOSTILE_REASONS))
    report = tmp_path / "junit.xml"
    if by_env:
        monkeypatch.setenv("CODECATALYST_JUNIT_XML", str(report))
    outcome = runner.invoke(main, ["wait", *ARGS, *([] if by_env else ["--junit-xml", str(report)])])
    assert outcome.exit_code == 1, outcome.output
    [suite] = list(read(report.read_text(encoding="utf-8")))
    assert (suite.tests, suite.failures, suite.errors) == (1, 1, 0)


def test_dotenv_hostile_reasons_cannot_fake_a_key(runner: CliRunner, wire: responses.RequestsMock,
                                                  tmp_path: Path) -> None:
    from tests.unit.test_dotenv import NAMES, gitlab_parse, java_properties_parse

    wire.get(URL, json=run_document("FAILED", statusReasons=HOSTILE_REASONS))
    env_file = tmp_path / "codecatalyst.env"
    assert runner.invoke(main, ["wait", *ARGS, "--dotenv", str(env_file)]).exit_code == 1
    text = env_file.read_text()
    assert [key for key, _ in gitlab_parse(text)] == NAMES and list(java_properties_parse(text)) == NAMES
    assert dict(gitlab_parse(text))["CODECATALYST_GATE_RESULT"] == "failure"
    assert json.loads(dict(gitlab_parse(text))["CODECATALYST_GATE_STATUS_REASONS"]) == HOSTILE_REASONS


def test_azure_gets_output_variables_and_an_error_issue(runner: CliRunner, wire: responses.RequestsMock,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.test_azure import NAMES, run_agent

    monkeypatch.setenv("TF_BUILD", "True")
    wire.get(URL, json=run_document("FAILED", statusReasons=HOSTILE_REASONS))
    outcome = runner.invoke(main, ["wait", *ARGS])
    assert outcome.exit_code == 1
    commands = run_agent(outcome.stdout)
    assert [c.properties.get("variable") for c in commands] == [*NAMES, None]
    values = {c.properties["variable"]: c.data for c in commands[:-1]}
    assert values["CODECATALYST_GATE_RESULT"] == "failure" and values["CODECATALYST_GATE_STATUS"] == "FAILED"
    assert json.loads(values["CODECATALYST_GATE_STATUS_REASONS"]) == HOSTILE_REASONS
    assert (commands[-1].event, commands[-1].properties) == ("logissue", {"type": "error"})


def test_azure_with_json_keeps_stdout_pure_json(runner: CliRunner, wire: responses.RequestsMock,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.test_azure import NAMES, agent_parse

    monkeypatch.setenv("TF_BUILD", "true")
    wire.get(URL, json=run_document("SUCCEEDED"))
    outcome = runner.invoke(main, ["wait", *ARGS, "--json"])
    assert outcome.exit_code == 0 and json.loads(outcome.stdout)["status"] == "SUCCEEDED"
    commands = [c for c in map(agent_parse, outcome.stderr.splitlines()) if c]
    assert [c.properties["variable"] for c in commands] == NAMES


@pytest.mark.parametrize("command", [["wait", *ARGS, "--json"], ["get", *ARGS]], ids=["wait --json", "get"])
def test_json_on_stdout_hides_no_azure_command(runner: CliRunner, wire: responses.RequestsMock,
                                               monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    """The agent runs a `##vso[` found anywhere in a stdout line, JSON strings included."""
    from tests.unit.test_azure import agent_parse

    monkeypatch.setenv("TF_BUILD", "true")
    wire.get(URL, json=run_document("FAILED", statusReasons=HOSTILE_REASONS))
    outcome = runner.invoke(main, command)
    document = json.loads(outcome.stdout)
    assert document.get("status-reasons", document.get("statusReasons")) == HOSTILE_REASONS  # the same values
    assert [agent_parse(line) for line in outcome.stdout.splitlines() if agent_parse(line)] == []
    assert "##vso" not in outcome.stdout.lower() and "##[" not in outcome.stdout and "\u2028" not in outcome.stdout
    assert len(outcome.stdout.splitlines()) > 10  # still indented for people


def test_the_output_file_hides_no_azure_command(runner: CliRunner, wire: responses.RequestsMock,
                                                tmp_path: Path) -> None:
    """A later step may `cat` it into a log."""
    wire.get(URL, json=run_document("FAILED", statusReasons=HOSTILE_REASONS))
    out = tmp_path / "result.json"
    assert runner.invoke(main, ["wait", *ARGS, "--output-file", str(out)]).exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert json.loads(text)["status-reasons"] == HOSTILE_REASONS
    assert "##vso" not in text.lower() and "##[" not in text


def test_no_azure_commands_outside_azure(runner: CliRunner, wire: responses.RequestsMock,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_BUILD", raising=False)
    wire.get(URL, json=run_document("FAILED", statusReasons=HOSTILE_REASONS))
    outcome = runner.invoke(main, ["wait", *ARGS])
    assert outcome.exit_code == 1 and outcome.stdout == ""
    # Azure's agent would run a `##vso[` found anywhere in a stderr line: server text must never put one there.
    assert "##vso" not in outcome.stderr.lower() and "##[" not in outcome.stderr
    assert "reason: Build failed\\nCODECATALYST_GATE_RESULT=success" in outcome.stderr
    assert all(line.startswith("codecatalyst-gate: ") for line in outcome.stderr.splitlines())


def test_server_error_text_is_inert_on_stderr(runner: CliRunner, wire: responses.RequestsMock) -> None:
    wire.get(URL, status=400, json={"message": "bad ##vso[task.complete result=Succeeded] ##VSO[x] ##[error]"},
             headers={"x-amzn-ErrorType": "ValidationException"})
    outcome = runner.invoke(main, ["wait", *ARGS])
    assert outcome.exit_code == 4
    assert "##vso" not in outcome.stderr.lower() and "**vso[task.complete result=Succeeded]" in outcome.stderr


def test_quiet_prints_errors_only(runner: CliRunner, wire: responses.RequestsMock) -> None:
    wire.get(URL, json=run_document("SUCCEEDED"))
    quiet_success = runner.invoke(main, ["wait", *ARGS, "--quiet", "--json"])
    assert quiet_success.exit_code == 0 and quiet_success.stderr == ""
    assert json.loads(quiet_success.stdout)["result"] == "success"
    wire.replace(responses.GET, URL, json=run_document("FAILED", statusReasons=[{"message": "Build failed"}]))
    quiet_failure = runner.invoke(main, ["wait", *ARGS, "-q"])
    assert quiet_failure.exit_code == 1
    assert quiet_failure.stderr.splitlines()[:2] == ["codecatalyst-gate: the run ended FAILED",
                                                     "codecatalyst-gate: reason: Build failed"]
    assert "status FAILED" not in quiet_failure.stderr


def test_token_stays_out_of_azure_and_dotenv_outputs(runner: CliRunner, wire: responses.RequestsMock,
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TF_BUILD", "True")
    wire.get(URL, status=403, json={"message": f"bad token {TOKEN}"},
             headers={"x-amzn-ErrorType": "AccessDeniedException"})
    env_file = tmp_path / "out.env"
    outcome = runner.invoke(main, ["wait", *ARGS, "--dotenv", str(env_file)])
    assert outcome.exit_code == 4
    assert TOKEN not in outcome.output and TOKEN not in env_file.read_text()
    assert "bad token ***" in outcome.stdout  # in the error issue
