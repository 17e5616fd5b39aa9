"""Issue 16, a newcomer's first five minutes: every missing input in one message, `--token` refused with how to pass
one, click's errors in the gate's style, exit codes per command in --help, validate and an interactive stdin, and
name and UUID rules said in words."""

from __future__ import annotations

import io
import re

import pytest
import responses
from click.testing import CliRunner

from gate import app
from gate.api.schema import violations
from gate.config.validation import NAME_RULE, UUID_RULE, validate_run_id, validate_space
from gate.doors import action, cli
from gate.doors.cli import main
from gate.errors import COMMAND_EXIT_CODES, ExitCode, InputError
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, answer_get_workflow, run_document

ARGS = ["--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID]
TYPED = "ccpat-typed-on-the-command-line-5ecret"  # what a user passes to --token: it must never be repeated


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("CODECATALYST_SPACE", "CODECATALYST_PROJECT", "CODECATALYST_RUN_ID", "CODECATALYST_ENDPOINT",
                 "CODECATALYST_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def wire():
    """Any request not registered fails the test: a usage error must send nothing."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer_get_workflow(mock)
        yield mock


def error_lines(text: str) -> list[str]:
    return [line.removeprefix("codecatalyst-gate: error: ") for line in text.splitlines()
            if line.startswith("codecatalyst-gate: error: ")]


def exit_codes_in_help(text: str) -> list[int]:
    block = text.split("Exit codes:", 1)[1]
    return [int(m) for m in re.findall(r"^\s+(\d+)  ", block, re.M)]


# 2. Every missing input at once, named as the user can set it.

def test_wait_without_arguments_names_every_missing_input_in_one_message(runner: CliRunner,
                                                                          wire: responses.RequestsMock) -> None:
    outcome = runner.invoke(main, ["wait"])
    assert outcome.exit_code == ExitCode.USAGE and len(wire.calls) == 0
    assert error_lines(outcome.stderr) == [
        "CODECATALYST_TOKEN: a CodeCatalyst personal access token is required; set CODECATALYST_TOKEN or pass "
        "--token-file (or set AWS_BEARER_TOKEN_CODECATALYST, or --profile / AWS_PROFILE after `aws sso login`)",
        "--space is required (or set CODECATALYST_SPACE)",
        "--project is required (or set CODECATALYST_PROJECT)",
        "--run-id is required (or set CODECATALYST_RUN_ID), or pick the run with --workflow NAME|ID and --start or "
        "--latest",
    ]
    assert "''" not in outcome.stderr and "is invalid" not in outcome.stderr


def test_an_action_input_missing_is_named_as_the_input() -> None:
    err = io.StringIO()
    env = {"INPUT_SPACE": SPACE, "INPUT_TOKEN": TOKEN, "INPUT_RUN-ID": RUN_ID}
    assert app.main(action.raw_inputs(env), command="wait", env={}, stdout=io.StringIO(), stderr=err) == 2
    assert error_lines(err.getvalue()) == ["input 'project' is required"]


def test_a_value_given_but_wrong_still_shows_the_value() -> None:
    assert str(InputError("--space", "../x", "must be x")) == "--space: '../x' is invalid: must be x"
    assert str(InputError("--space", "", "is required")) == "--space is required"


@pytest.mark.parametrize("content", ["", "\n", "  \n\t\n"], ids=["empty", "newline", "blank"])
def test_an_empty_token_file_names_its_path(runner: CliRunner, wire: responses.RequestsMock, tmp_path,
                                            content: str) -> None:
    path = tmp_path / "token"
    path.write_text(content)
    outcome = runner.invoke(main, ["wait", *ARGS, "--token-file", str(path)])
    assert outcome.exit_code == 2 and len(wire.calls) == 0
    assert error_lines(outcome.stderr) == [f"--token-file: '{path}' is invalid: the file is empty: it must hold "
                                           "the token"]


def test_a_bad_token_file_names_its_path_never_its_content(runner: CliRunner, wire: responses.RequestsMock,
                                                           tmp_path) -> None:
    path = tmp_path / "token"
    path.write_text(f"{TYPED} and more\n")
    outcome = runner.invoke(main, ["wait", *ARGS, "--token-file", str(path)])
    assert outcome.exit_code == 2 and len(wire.calls) == 0
    assert str(path) in outcome.stderr and TYPED not in outcome.output + outcome.stderr


# 3. --token is a known mistake.

@pytest.mark.parametrize("args", [
    ["wait", *ARGS, "--token", TYPED],
    ["wait", f"--token={TYPED}", *ARGS],
    ["wait", "--token"],
    ["get", *ARGS, "--token", TYPED],
], ids=["wait", "wait-equals", "wait-no-value", "get"])
def test_token_on_the_command_line_is_refused_with_how_to_pass_one(runner: CliRunner, wire: responses.RequestsMock,
                                                                   args: list[str]) -> None:
    outcome = runner.invoke(main, args)
    assert outcome.exit_code == ExitCode.USAGE and len(wire.calls) == 0
    lines = error_lines(outcome.stderr)
    assert lines[0].startswith("--token: tokens are never taken on the command line")
    text = "\n".join(lines)
    for way in ("CODECATALYST_TOKEN", "read -rsp 'CodeCatalyst token: '", "--token-file PATH",
                "AWS_BEARER_TOKEN_CODECATALYST", "aws sso login"):
        assert way in text
    assert TYPED not in outcome.output + outcome.stderr
    assert "No such option" not in outcome.stderr and "Did you mean" not in outcome.stderr


def test_token_is_not_in_the_help(runner: CliRunner) -> None:
    assert "--token " not in runner.invoke(main, ["wait", "--help"]).output


# click's own usage errors in the gate's style.

@pytest.mark.parametrize(("args", "said"), [
    (["wait", "--bogus"], "No such option '--bogus'"),
    (["wait", *ARGS, "extra"], "Got unexpected extra argument (extra)"),
    (["nope"], "No such command 'nope'"),
    (["emulator", "--port", "x"], "Invalid value for '--port'"),
    (["validate", "/no/such/file.json"], "No such file or directory"),
], ids=["unknown-option", "extra-argument", "unknown-command", "bad-value", "missing-file"])
def test_click_usage_errors_speak_the_gates_style(runner: CliRunner, args: list[str], said: str) -> None:
    outcome = runner.invoke(main, args)
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("codecatalyst-gate: error: ") and said in outcome.stderr
    assert "Usage:" not in outcome.stderr and "\nError:" not in "\n" + outcome.stderr
    assert outcome.stderr.rstrip().endswith("--help'")


# 4. Help that is true per command.

@pytest.mark.parametrize(("command", "codes"), [
    (["wait"], [0, 1, 2, 3, 4, 5, 6, 7, 70, 130, 143]),
    (["get"], [0, 2, 4, 5, 6, 70, 130, 143]),
    (["validate"], [0, 2, 5]),
    (["schema"], [0]),
    (["emulator"], [0, 1, 2]),
    (["emulator", "start-run"], [0, 1, 2]),
])
def test_each_command_lists_the_exit_codes_it_can_return(runner: CliRunner, command: list[str],
                                                         codes: list[int]) -> None:
    outcome = runner.invoke(main, [*command, "--help"])
    assert outcome.exit_code == 0
    assert exit_codes_in_help(outcome.output) == codes


def test_gets_help_says_a_failed_run_is_exit_0(runner: CliRunner) -> None:
    text = runner.invoke(main, ["get", "--help"]).output
    assert "result still written" not in text and "result was still written" not in text
    assert "FAILED included" in text


def test_get_on_a_failed_run_exits_0_as_its_help_says(runner: CliRunner, wire: responses.RequestsMock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODECATALYST_TOKEN", TOKEN)
    wire.get(re.compile(r".*/workflowRuns/.*"), json=run_document("FAILED"))
    assert runner.invoke(main, ["get", *ARGS]).exit_code == 0 in COMMAND_EXIT_CODES["get"]


def test_get_without_a_run_id_names_only_what_get_takes(runner: CliRunner, wire: responses.RequestsMock,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODECATALYST_TOKEN", TOKEN)
    outcome = runner.invoke(main, ["get", "--space", "ExampleCorp", "--project", "MyDemoProject"])
    assert outcome.exit_code == ExitCode.USAGE and len(wire.calls) == 0
    assert error_lines(outcome.stderr) == ["--run-id is required (or set CODECATALYST_RUN_ID)"]


def test_ctrl_c_in_get_is_130_not_clicks_1(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setenv("CODECATALYST_TOKEN", TOKEN)
    monkeypatch.setattr(app, "main", interrupted)
    outcome = runner.invoke(main, ["get", *ARGS])
    assert outcome.exit_code == 130 and "Aborted" not in outcome.output + outcome.stderr


def test_validate_without_file_refuses_an_interactive_stdin(runner: CliRunner,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "stdin_is_terminal", lambda: True)
    outcome = runner.invoke(main, ["validate"])
    assert outcome.exit_code == 2
    lines = error_lines(outcome.stderr)
    assert lines[0] == "validate: no FILE given and stdin is a terminal"
    assert "or - to read stdin" in lines[1]


def test_validate_without_file_reads_a_piped_stdin(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "stdin_is_terminal", lambda: False)
    outcome = runner.invoke(main, ["validate"], input=b'{"id": 1}')
    assert outcome.exit_code == 5 and "stdin: does not match the GetWorkflowRun schema" in outcome.stderr


# 5. Rules in words.

def test_a_bad_name_says_the_rule_in_words_not_the_regex() -> None:
    with pytest.raises(InputError) as caught:
        validate_space("a/b")
    assert str(caught.value) == f"--space: 'a/b' is invalid: must be {NAME_RULE} (nothing else, no spaces)"
    assert NAME_RULE == "letters and digits, with single '-', '_' or '.' between them"


def test_a_bad_run_id_says_what_a_uuid_looks_like() -> None:
    with pytest.raises(InputError) as caught:
        validate_run_id("1234")
    assert "must be a UUID like 0f8fad5b-d9cb-469f-a165-70867728950e" in str(caught.value) == (
        f"--run-id: '1234' is invalid: must be {UUID_RULE} (nothing before or after it)")


def test_schema_pattern_violations_say_the_rule_in_words() -> None:
    found = violations(run_document(spaceName="a/b", id="not-a-uuid"))
    assert f"$.spaceName: 'a/b' is not {NAME_RULE}" in found
    assert f"$.id: 'not-a-uuid' is not {UUID_RULE}" in found
    assert not any("(?!" in line or "[a-zA-Z0-9]" in line for line in found)


def test_the_bare_command_still_shows_its_help_as_click_does(runner: CliRunner) -> None:
    outcome = runner.invoke(main, [])
    text = outcome.output + outcome.stderr
    assert text.startswith("Usage: ") and "codecatalyst-gate: error:" not in text
    assert "Commands:" in text
