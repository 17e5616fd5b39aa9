"""Azure Pipelines: output variables and the failure issue, read back the way the agent reads them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from gate.config.inputs import in_azure_pipelines
from gate.config.variables import output_name
from gate.errors import ExitCode
from gate.report.formats import azure
from gate.result import RESULT_KEYS, Result, ResultKind
from tests.conftest import PROJECT, RUN_ID, SPACE, WORKFLOW_ID, run_document

NAMES = [output_name(key) for key in RESULT_KEYS]
JSON_KEYS = {"status-reasons", "response"}


@dataclass
class AgentCommand:
    area: str
    event: str
    properties: dict[str, str] = field(default_factory=dict)
    data: str = ""


def agent_unescape(text: str) -> str:
    """CommandStringConvertor.Unescape with DecodePercents on (the default since 2021)."""
    for token, replacement in ((";", "%3B"), ("\r", "%0D"), ("\n", "%0A"), ("]", "%5D")):
        text = text.replace(replacement, token)
    return text.replace("%AZP25", "%")


def agent_lines(output: str) -> list[str]:
    """What the agent's ProcessInvoker hands on: .NET ReadLine ends a line at \\r, \\n or \\r\\n."""
    return re.split(r"\r\n|\r|\n", output.removesuffix("\n"))


def agent_parse(line: str) -> AgentCommand | None:
    """Port of the agent's Command.TryParse: the first `##vso[` anywhere in the line, info up to the next `]`."""
    start = line.find("##vso[")
    if start < 0:
        return None
    end = line.find("]", start)
    if end < 0:
        return None
    info = line[start + len("##vso["):end]
    name, _, props = info.partition(" ")
    area_event = [part for part in name.split(".") if part]
    if len(area_event) != 2:
        return None
    command = AgentCommand(*area_event)
    for prop in (p for p in props.split(";") if p):
        pair = [part for part in prop.split("=", 1) if part]
        if len(pair) == 2:
            command.properties[pair[0]] = agent_unescape(pair[1])
    command.data = agent_unescape(line[end + 1:])
    return command


def run_agent(output: str) -> list[AgentCommand]:
    commands = [agent_parse(line) for line in agent_lines(output)]
    assert all(c is not None for c in commands), "a line the agent would only log"
    return commands  # type: ignore[return-value]


def make_result(kind: ResultKind = "failure", exit_code: ExitCode = ExitCode.RUN_FAILED, **doc: Any) -> Result:
    status = doc.pop("status", "FAILED")
    response = run_document(status, **({"statusReasons": [{"message": "Action Build failed: exit code 1"}]} | doc))
    return Result(kind=kind, exit_code=exit_code, space=SPACE, project=PROJECT, run_id=RUN_ID, polls=3,
                  response=response, message=f"the run ended {status}")


HOSTILE_REASONS = [
    "x\n##vso[task.complete result=Succeeded;]done",
    "x\r##vso[task.setvariable variable=CODECATALYST_GATE_RESULT;isOutput=true]success",
    "literal %0A, %0D, %3B, %5D, %AZP25, %25 and 100%",
    "semi;colon ] bracket [ ##VSO[task.logissue type=warning]case",
    "##[error]fake error line",
    "#\u200b#vso[task.complete]  \u2028 \u2029 \u0085 \x7f café 🚀",
]


def test_detected_only_when_tf_build_is_true() -> None:
    detected = in_azure_pipelines
    assert detected({"TF_BUILD": "True"}) and detected({"TF_BUILD": "true"})
    assert detected({"TF_BUILD": " TRUE "})
    assert not detected({}) and not detected({"TF_BUILD": ""}) and not detected({"TF_BUILD": "False"})


def test_every_key_is_an_output_variable_read_back_exactly() -> None:
    result = make_result("success", ExitCode.SUCCESS, status="SUCCEEDED", statusReasons=[])
    commands = run_agent(azure.commands_text(result))
    assert [(c.area, c.event) for c in commands] == [("task", "setvariable")] * len(RESULT_KEYS)
    assert [c.properties for c in commands] == [{"variable": n, "isOutput": "true"} for n in NAMES]
    assert {c.properties["variable"]: c.data for c in commands} == {
        output_name(k): v for k, v in result.to_strings().items()}


def test_hostile_text_starts_no_command_and_round_trips() -> None:
    reasons = [{"message": text} for text in HOSTILE_REASONS]
    # A scalar the schema would refuse, as if it got through: escaping alone must hold it.
    result = make_result(status="FAILED\n##vso[task.complete result=Succeeded]%0A;]%AZP25\r\n", statusReasons=reasons)
    output = azure.commands_text(result)
    commands = run_agent(output)
    assert len(commands) == len(RESULT_KEYS) + 1
    assert [c.properties.get("variable") for c in commands[:-1]] == NAMES
    assert (commands[-1].area, commands[-1].event, commands[-1].properties) == ("task", "logissue", {"type": "error"})
    values = {c.properties["variable"]: c.data for c in commands[:-1]}
    strings = result.to_strings()
    for key in RESULT_KEYS:
        if key in JSON_KEYS:
            assert json.loads(values[output_name(key)]) == result.to_dict()[key]  # the same JSON value
        else:
            assert values[output_name(key)] == strings[key]  # byte for byte, even hostile
    # A later step that prints a JSON variable prints no command either.
    for key in JSON_KEYS:
        assert not re.search("##vso|##\\[|\u200b|\u2028", values[output_name(key)], re.IGNORECASE)


def test_failure_issue_names_the_status_and_reasons_on_one_line() -> None:
    reasons = [{"message": "Build failed"}, {"message": "x\n##vso[task.complete result=Succeeded]"}]
    issue = azure.failure_issue(make_result(statusReasons=reasons))
    assert issue is not None
    [command] = run_agent(issue)
    assert (command.event, command.properties) == ("logissue", {"type": "error"})
    # Issue 31: the issue names the run and its workflow.
    assert command.data.startswith(f"CodeCatalyst gate: failure (FAILED): run {RUN_ID} (workflow {WORKFLOW_ID}): "
                                   "the run ended FAILED: Build failed; x\\n")
    assert "##vso" not in command.data.lower() and "**vso[task.complete" in command.data


def test_no_issue_on_success() -> None:
    result = make_result("success", ExitCode.SUCCESS, status="SUCCEEDED", statusReasons=[])
    assert azure.failure_issue(result) is None
    assert "logissue" not in azure.commands_text(result)


@pytest.mark.parametrize(("raw", "data", "prop"), [
    ("100%", "100%AZP25", "100%AZP25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("a;b]c", "a;b]c", "a%3Bb%5Dc"),
])
def test_escapes_are_the_task_libs(raw: str, data: str, prop: str) -> None:
    assert azure.escape_data(raw) == data and azure.escape_property(raw) == prop
    assert agent_unescape(azure.escape_data(raw)) == raw and agent_unescape(azure.escape_property(raw)) == raw


def test_the_agent_port_finds_commands_anywhere_in_a_line() -> None:
    """Why stderr lines matter too: text before `##vso[` does not stop the agent."""
    command = agent_parse("codecatalyst-gate: reason ##vso[task.complete result=Succeeded;]done")
    assert command is not None and (command.event, command.properties) == ("complete", {"result": "Succeeded"})


# -- The summary tab (issue 22, item 4) ----------------------------------------------------------------------------

def azure_sink(tmp_path: Any, *, json_stdout: bool = False) -> tuple[Any, Any, Any]:
    import io

    from gate.config.settings import OutputTargets
    from gate.report.redact import Redactor
    from gate.report.sink import Sink
    from tests.conftest import TOKEN

    out, err = io.StringIO(), io.StringIO()
    targets = OutputTargets(azure=True, azure_summary_dir=tmp_path, json_stdout=json_stdout)
    return Sink(targets, redactor=Redactor(TOKEN), stdout=out, stderr=err), out, err


def test_the_summary_is_written_then_attached(tmp_path: Any) -> None:
    from pathlib import Path

    from tests.conftest import TOKEN

    sink, out, _ = azure_sink(tmp_path)
    sink.result(make_result(statusReasons=[{"message": reason} for reason in [*HOSTILE_REASONS, TOKEN]]))
    commands = run_agent(out.getvalue())
    upload = commands[-1]
    assert (upload.area, upload.event, upload.properties) == ("task", "uploadsummary", {})
    path = Path(upload.data)
    assert path.is_absolute() and path.name == azure.SUMMARY_NAME and path.parent.parent == tmp_path
    text = path.read_text(encoding="utf-8")
    assert "CodeCatalyst workflow run" in text and "semi\\;colon \\] bracket" in text  # the reasons, escaped
    assert "##vso" not in text.lower() and TOKEN not in text
    assert "```" not in text  # Azure's summary draws no Mermaid: no timeline block
    assert [c.event for c in commands[:-1]] == ["setvariable"] * len(RESULT_KEYS) + ["logissue"]
    assert not sink.not_written


def test_two_gates_in_one_job_keep_their_own_summaries(tmp_path: Any) -> None:
    paths = []
    for _ in range(2):
        sink, out, _ = azure_sink(tmp_path)
        sink.result(make_result())
        paths.append(run_agent(out.getvalue())[-1].data)
    assert len(set(paths)) == 2


def test_with_json_on_stdout_the_attachment_goes_to_stderr(tmp_path: Any) -> None:
    sink, out, err = azure_sink(tmp_path, json_stdout=True)
    sink.result(make_result(kind="success", exit_code=ExitCode.SUCCESS, status="SUCCEEDED"))
    assert json.loads(out.getvalue())["result"] == "success"
    assert run_agent(err.getvalue())[-1].event == "uploadsummary"


def test_a_summary_that_cannot_be_written_is_not_attached(tmp_path: Any) -> None:
    sink, out, _ = azure_sink(tmp_path / "gone")
    sink.result(make_result())
    assert "uploadsummary" not in out.getvalue()  # the agent would fail the step on a missing file
    assert [p.what for p in sink.not_written] == ["Azure summary"]


def test_the_agent_temp_folder_only_in_azure_and_only_when_it_is_there(tmp_path: Any) -> None:
    from gate.config.inputs import azure_summary_dir

    assert azure_summary_dir({"TF_BUILD": "True", "AGENT_TEMPDIRECTORY": str(tmp_path)}) == tmp_path
    assert azure_summary_dir({"TF_BUILD": "True", "AGENT_TEMPDIRECTORY": str(tmp_path / "not-mounted")}) is None
    assert azure_summary_dir({"TF_BUILD": "True"}) is None
    assert azure_summary_dir({"AGENT_TEMPDIRECTORY": str(tmp_path)}) is None
