"""The Action's entry: inputs as the runner passes them, what it prints, writes and exits with."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import responses

from gate.doors import action
from gate.result import RESULT_KEYS
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, answer_get_workflow, run_document
from tests.unit.test_github import HOSTILE_REASONS, parse_output_file

ENDPOINT = "https://codecatalyst.example.test"
RUN_URL = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{RUN_ID}"
OUR_COMMANDS = re.compile(r"::(group|endgroup|stop-commands|error)\b|::[0-9a-f]{32}::$")


@pytest.fixture
def api() -> responses.RequestsMock:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer_get_workflow(mock)
        yield mock


def runner_env(tmp_path: Path, **inputs: str) -> dict[str, str]:
    """What the runner gives a Docker action: INPUT_<NAME> with hyphens kept, file-command paths."""
    values = {"space": SPACE, "project": PROJECT, "run-id": RUN_ID, "token": TOKEN, "endpoint": ENDPOINT,
              "interval": "", "timeout": "", "success-statuses": "", **inputs}
    env = {f"INPUT_{name.upper()}": value for name, value in values.items()}
    env["GITHUB_ACTIONS"] = "true"
    env["GITHUB_OUTPUT"] = str(tmp_path / "output")
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary")
    return env


def run_action(env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = action.run(env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def outputs(tmp_path: Path) -> dict[str, str]:
    pairs = parse_output_file((tmp_path / "output").read_text(encoding="utf-8"))
    assert [name for name, _ in pairs] == list(RESULT_KEYS)
    return dict(pairs)


def commands_outside_the_fence(log: str) -> list[str]:
    """Lines the runner would take as workflow commands: everything outside the stop-commands block."""
    live, fence, found = True, None, []
    for line in log.splitlines():
        if live and line.startswith("::stop-commands::"):
            fence, live = line.removeprefix("::stop-commands::"), False
            found.append(line)
        elif not live and line == f"::{fence}::":
            live = True
            found.append(line)
        elif live and line.startswith("::"):
            found.append(line)
    return found


def test_success_writes_outputs_and_summary_and_never_prints_the_token(api: responses.RequestsMock,
                                                                  tmp_path: Path) -> None:
    api.get(RUN_URL, json=run_document("SUCCEEDED"))
    code, log, _ = run_action(runner_env(tmp_path))
    assert code == 0
    assert TOKEN not in log
    found = outputs(tmp_path)
    assert found["result"] == "success" and found["status"] == "SUCCEEDED" and found["exit-code"] == "0"
    assert json.loads(found["response"])["id"] == RUN_ID
    assert "SUCCEEDED" in (tmp_path / "summary").read_text(encoding="utf-8")
    fence = re.search(r"^::stop-commands::(\w+)$", log, re.MULTILINE).group(1)
    names = [re.match(r"::([\w-]+)", line).group(1) for line in commands_outside_the_fence(log)]
    assert names == ["group", "stop-commands", fence, "endgroup"]


def test_outputs_are_appended_after_other_steps_outputs(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(RUN_URL, json=run_document("SUCCEEDED"))
    (tmp_path / "output").write_text("earlier=kept\n", encoding="utf-8")
    assert run_action(runner_env(tmp_path))[0] == 0
    pairs = parse_output_file((tmp_path / "output").read_text(encoding="utf-8"))
    assert pairs[0] == ("earlier", "kept") and len(pairs) == 1 + len(RESULT_KEYS)


def test_hostile_reasons_add_no_output_and_start_no_command(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(RUN_URL, json=run_document("FAILED", statusReasons=HOSTILE_REASONS))
    code, log, _ = run_action(runner_env(tmp_path))
    assert code == 1
    assert outputs(tmp_path)["result"] == "failure"
    live = commands_outside_the_fence(log)
    assert [OUR_COMMANDS.match(line) is not None for line in live] == [True] * len(live), live
    assert sum(line.startswith("::error ") for line in live) == 1
    assert "Build failed" in log  # the reasons are in the log, inside the fence


def test_a_token_echoed_by_the_server_appears_nowhere(api: responses.RequestsMock,
                                                                      tmp_path: Path) -> None:
    echoed = [{"message": f"bad credentials: Bearer {TOKEN}"}]
    api.get(RUN_URL, json=run_document("FAILED", statusReasons=echoed))
    code, log, err = run_action(runner_env(tmp_path))
    assert code == 1
    assert TOKEN not in log and "bad credentials: Bearer ***" in log
    assert TOKEN not in err
    assert TOKEN not in (tmp_path / "output").read_text(encoding="utf-8")
    assert TOKEN not in (tmp_path / "summary").read_text(encoding="utf-8")


@pytest.mark.parametrize(("inputs", "field", "rule"), [
    ({"run-id": "../x"}, "input 'run-id'", "UUID"),
    ({"space": "a/b"}, "input 'space'", ""),
    ({"interval": "soon"}, "input 'interval'", "must be a duration such as 90, 90s, 15m or 1h30m"),
    ({"success-statuses": "SUCCEEDED\nIN_PROGRESS"}, "input 'success-statuses'", "must be a terminal status"),
    ({"endpoint": "http://codecatalyst.example.test"}, "input 'endpoint'", "https"),
    ({"token": ""}, "input 'token'", "is required"),
])
def test_bad_input_is_an_annotation_naming_the_input_and_exit_2_with_nothing_sent(
        api: responses.RequestsMock, tmp_path: Path, inputs: dict[str, str], field: str, rule: str) -> None:
    code, log, _ = run_action(runner_env(tmp_path, **inputs))
    assert code == 2
    errors = [line for line in log.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1 and field in errors[0] and rule in errors[0]
    assert len(api.calls) == 0
    # The outputs say it too, for a later step (`if: always()`): result error, exit code 2.
    written = outputs(tmp_path)
    assert (written["result"], written["exit-code"], written["status"]) == ("error", "2", "")
    summary = (tmp_path / "summary").read_text(encoding="utf-8")
    # What was given and good is kept (issue 31): the space and project, unless the refusal names one of them.
    space_project = f"| Space / project | {'?' if 'space' in inputs else SPACE} / {PROJECT} |"
    assert "| Result | error |" in summary and space_project in summary and "None" not in summary
    assert (written["space"], written["project"]) == ("" if "space" in inputs else SPACE, PROJECT)
    assert written["run-id"] == ("" if "run-id" in inputs else RUN_ID)


def test_underscore_spelling_of_an_input_works(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(RUN_URL, json=run_document("SUCCEEDED"))
    env = runner_env(tmp_path)
    env["INPUT_RUN_ID"] = env.pop("INPUT_RUN-ID")
    assert run_action(env)[0] == 0


def test_newline_separated_success_statuses(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(RUN_URL, json=run_document("STOPPED"))
    code, _, _ = run_action(runner_env(tmp_path, **{"success-statuses": "SUCCEEDED\nSTOPPED\n"}))
    assert code == 0 and outputs(tmp_path)["result"] == "success"


def test_empty_inputs_mean_defaults_and_the_cli_variables_fill_in(api: responses.RequestsMock,
                                                                 tmp_path: Path) -> None:
    api.get(RUN_URL, json=run_document("SUCCEEDED"))
    env = runner_env(tmp_path, token="", space="")
    env.update(CODECATALYST_TOKEN=TOKEN, CODECATALYST_SPACE=SPACE)
    assert run_action(env)[0] == 0
    assert api.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_without_github_output_it_behaves_like_the_cli(api: responses.RequestsMock, tmp_path: Path) -> None:
    api.get(RUN_URL, json=run_document("FAILED"))
    env = runner_env(tmp_path)
    del env["GITHUB_OUTPUT"], env["GITHUB_STEP_SUMMARY"]
    code, out, err = run_action(env)
    assert code == 1
    assert json.loads(out)["result"] == "failure"  # stdout is the result object, and nothing else
    assert "::" not in err and "status FAILED" in err and TOKEN not in out + err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("runner", [True, False], ids=["GITHUB_ACTIONS=true", "GITHUB_OUTPUT-alone"])
def test_the_token_is_never_printed_with_or_without_the_runner(api: responses.RequestsMock, tmp_path: Path,
                                                               runner: bool) -> None:
    """Not even as `::add-mask::`: where no runner consumes that command, it would show the token as is."""
    api.get(RUN_URL, json=run_document("SUCCEEDED"))
    env = runner_env(tmp_path)
    if not runner:
        del env["GITHUB_ACTIONS"]
    code, log, err = run_action(env)
    assert code == 0 and outputs(tmp_path)["result"] == "success"
    assert TOKEN not in log + err
    assert TOKEN not in (tmp_path / "output").read_text(encoding="utf-8")


def test_the_junit_xml_input_writes_the_report(api: responses.RequestsMock, tmp_path: Path) -> None:
    from tests.unit.test_junit import read

    api.get(RUN_URL, json=run_document("SUCCEEDED"))
    report = tmp_path / "junit.xml"
    code, _, _ = run_action(runner_env(tmp_path, **{"junit-xml": str(report)}))
    assert code == 0
    [suite] = list(read(report.read_text(encoding="utf-8")))
    assert (suite.tests, suite.failures, suite.errors) == (1, 0, 0)
    assert outputs(tmp_path)["result"] == "success"


def test_a_junit_xml_input_in_a_missing_folder_is_bad_input(api: responses.RequestsMock, tmp_path: Path) -> None:
    code, out, _ = run_action(runner_env(tmp_path, **{"junit-xml": str(tmp_path / "gone" / "junit.xml")}))
    assert code == 2 and "input 'junit-xml'" in out and len(api.calls) == 0
