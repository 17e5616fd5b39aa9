"""The composition root and its one sink: every output of a result from one place, masked where it leaves;
a result that cannot be written is exit 7; a bug is exit 70, never a verdict."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
import responses

from gate import app
from gate.config.inputs import RawInputs
from gate.config.settings import OutputTargets
from gate.config.variables import output_name
from gate.errors import ExitCode
from gate.report.redact import Redactor
from gate.report.sink import Sink
from gate.result import Result
from gate.wait import watch
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, WORKFLOW_ID, run_document
from tests.unit.test_github import parse_output_file

ENDPOINT = "https://codecatalyst.example.test"
URL = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{RUN_ID}"


def result(status: str = "SUCCEEDED", **overrides: object) -> Result:
    code = ExitCode.SUCCESS if status == "SUCCEEDED" else ExitCode.RUN_FAILED
    return Result(kind="success" if status == "SUCCEEDED" else "failure", exit_code=code, space=SPACE,
                  project=PROJECT, run_id=RUN_ID, polls=3, response=run_document(status, **overrides))


def every_target(tmp_path: Path) -> OutputTargets:
    return OutputTargets(json_stdout=True, output_file=tmp_path / "result.json", dotenv_file=tmp_path / "result.env",
                         azure=True, github_output=tmp_path / "github_output", github_summary=tmp_path / "summary.md",
                         github_commands=True)


def test_one_sink_writes_every_target_from_one_encoding_with_the_token_masked(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    sink = Sink(every_target(tmp_path), redactor=Redactor(TOKEN), stdout=out, stderr=err)
    echoed = result("FAILED", statusReasons=[{"message": f"bearer {TOKEN} rejected"}])
    sink.result(echoed)
    assert sink.not_written == []
    masked = [{"message": "bearer *** rejected"}]
    expected = {  # written out by hand: what a later step reads, key by key
        "result": "failure", "status": "FAILED", "run-id": RUN_ID, "workflow-id": WORKFLOW_ID, "workflow-name": "",
        "space": SPACE, "project": PROJECT, "start-time": "2026-11-25T10:00:00.000Z",
        "end-time": "2026-11-25T10:03:25.500Z", "last-updated-time": "2026-11-25T10:03:25.500Z",
        "duration-seconds": "205.5", "usual-duration-seconds": "", "status-reasons": json.dumps(masked, separators=(",", ":")),
        "run-url": f"https://codecatalyst.aws/spaces/{SPACE}/projects/{PROJECT}/ci/workflows/{WORKFLOW_ID}/runs/{RUN_ID}",
        "started": "false", "followed": "[]", "stale": "false", "polls": "3", "api-calls": "", "throttled": "", "exit-code": "1",
        "attempts": '[{"run-id":"' + RUN_ID + '","status":"FAILED","duration-seconds":205.5,"run-url":"https://'
                    f'codecatalyst.aws/spaces/{SPACE}/projects/{PROJECT}/ci/workflows/{WORKFLOW_ID}/runs/{RUN_ID}"}}]',
    }
    outputs = dict(parse_output_file((tmp_path / "github_output").read_text()))
    assert json.loads(outputs.pop("response")) == run_document("FAILED", statusReasons=masked)
    assert outputs == expected
    env_values = dict(line.split("=", 1) for line in (tmp_path / "result.env").read_text().splitlines())
    assert env_values[output_name("status")] == expected["status"] == "FAILED"
    assert json.loads(env_values[output_name("status-reasons")]) == [{"message": "bearer *** rejected"}]
    assert json.loads((tmp_path / "result.json").read_text())["status-reasons"] == [{"message": "bearer *** rejected"}]
    assert "FAILED" in (tmp_path / "summary.md").read_text()
    printed = out.getvalue()
    assert "::error title=CodeCatalyst gate%3A failure (FAILED)::" in printed  # the annotation, on stdout
    assert "##vso[task.setvariable variable=CODECATALYST_GATE_STATUS;isOutput=true;]FAILED" in err.getvalue()
    everything = printed + err.getvalue() + "".join(p.read_text() for p in tmp_path.iterdir())
    assert TOKEN not in everything and "bearer *** rejected" in everything


@pytest.mark.parametrize("broken", ["output_file", "dotenv_file", "github_output", "github_summary"])
def test_a_file_that_cannot_be_written_is_exit_7_and_every_other_output_is_still_written(tmp_path: Path,
                                                                                          broken: str) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    targets = every_target(tmp_path)
    targets = OutputTargets(**{**targets.__dict__, broken: folder})  # a folder is never a writable file
    out, err = io.StringIO(), io.StringIO()
    sink = Sink(targets, redactor=Redactor(TOKEN), stdout=out, stderr=err)
    sink.result(result())
    assert [problem.path for problem in sink.not_written] == [str(folder)]
    assert app.verdict(result(), sink) == ExitCode.NOT_WRITTEN
    assert app.verdict(result("FAILED"), sink) == ExitCode.NOT_WRITTEN
    written = {name for name in ("output_file", "dotenv_file", "github_output", "github_summary") if name != broken}
    assert all(getattr(targets, name).is_file() for name in written)
    printed, _end = json.JSONDecoder().raw_decode(out.getvalue(), out.getvalue().index("{"))
    assert printed["result"] == "success"  # the verdict is still said
    errors = [line for line in out.getvalue().splitlines() if "result not written" in line]
    assert len(errors) == 2 and str(folder) in errors[0] and "Is a directory" in errors[0]
    assert "Traceback" not in out.getvalue() + err.getvalue()


def test_the_other_exit_codes_stay_when_a_file_cannot_be_written(tmp_path: Path) -> None:
    sink = Sink(OutputTargets(output_file=tmp_path), redactor=Redactor(), stdout=io.StringIO(), stderr=io.StringIO())
    timed_out = Result(kind="timeout", exit_code=ExitCode.TIMEOUT, space=SPACE, project=PROJECT, run_id=RUN_ID)
    sink.result(timed_out)
    assert sink.not_written and app.verdict(timed_out, sink) == ExitCode.TIMEOUT


@responses.activate
def test_a_bug_is_exit_70_with_a_report_line_and_the_traceback_never_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    responses.get(URL, json=run_document("IN_PROGRESS"))

    def broken(*_args: object, **_kwargs: object) -> Result:
        raise RuntimeError(f"a bug that mentions {TOKEN}\n::set-output name=result::success\n##vso[task.complete]")

    monkeypatch.setattr(watch, "wait_for_runs", broken)
    out, err = io.StringIO(), io.StringIO()
    raw = RawInputs(space=SPACE, project=PROJECT, run_id=RUN_ID, endpoint=ENDPOINT, token=TOKEN, interval="1")
    code = app.main(raw, command="wait", env={}, stdout=out, stderr=err)
    assert code == ExitCode.INTERNAL == 70
    assert "internal error: this is a bug in codecatalyst-gate; please report it" in err.getvalue()
    assert "Traceback (most recent call last)" in err.getvalue() and "RuntimeError: a bug that mentions ***" in err.getvalue()
    assert TOKEN not in out.getvalue() + err.getvalue()
    assert not any(line.lstrip().startswith("::") or "##vso[" in line for line in err.getvalue().splitlines())


def test_a_file_that_cannot_be_written_is_told_once_however_often_it_is_tried(tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "github_output"
    out = io.StringIO()
    sink = Sink(OutputTargets(github_output=missing, github_commands=True), redactor=Redactor(TOKEN), stdout=out,
                stderr=io.StringIO())
    sink.outputs({"run-id": RUN_ID, "started": "true"})  # early, as soon as the run is known
    sink.result(result())
    assert [p.path for p in sink.not_written] == [str(missing)]
    assert app.verdict(result(), sink) == ExitCode.NOT_WRITTEN
    assert out.getvalue().count("result not written") == 1


def test_a_workflow_name_from_the_server_is_masked_and_inert_in_every_output(tmp_path: Path) -> None:
    hostile = f"Build-{TOKEN}\n::warning::injected ##vso[task.setvariable variable=X]y"
    named = dataclasses.replace(result(), workflow_name=hostile)
    out, err = io.StringIO(), io.StringIO()
    Sink(every_target(tmp_path), redactor=Redactor(TOKEN), stdout=out, stderr=err).result(named)
    everything = out.getvalue() + err.getvalue() + "".join(p.read_text() for p in tmp_path.iterdir())
    assert TOKEN not in everything
    outputs = dict(parse_output_file((tmp_path / "github_output").read_text()))
    assert "\n" not in outputs["workflow-name"] and outputs["workflow-name"].startswith("Build-***")
    assert not any(line.lstrip().startswith("::warning") for line in everything.splitlines())
    assert "##vso[task.setvariable variable=X]" not in everything


def test_every_bad_input_is_told_at_once_and_nothing_is_sent() -> None:
    err = io.StringIO()
    raw = RawInputs(space="../x", project=None, run_id="nope", token="", interval="soon", endpoint="ftp://x")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        code = app.main(raw, command="wait", env={}, stdout=io.StringIO(), stderr=err)
        assert len(api.calls) == 0
    assert code == ExitCode.USAGE
    lines = err.getvalue().splitlines()
    # Each line starts with the field: "--space: '../x' is invalid: ...", or "--project is required (...)".
    fields = [line.split(" error: ", 1)[1].split(" ", 1)[0].rstrip(":") for line in lines]
    assert fields == ["CODECATALYST_TOKEN", "--space", "--project", "--run-id", "--endpoint", "--interval"]
    assert "--project is required (or set CODECATALYST_PROJECT)" in lines[2]


def test_json_outputs_are_inert_everywhere_and_keep_their_value(tmp_path: Path) -> None:
    reasons = [{"message": "a\u2028##vso[task.setvariable variable=X]y ##[group]z"}]
    out, err = io.StringIO(), io.StringIO()
    Sink(every_target(tmp_path), redactor=Redactor(TOKEN), stdout=out, stderr=err).result(
        result("FAILED", statusReasons=reasons))
    outputs = dict(parse_output_file((tmp_path / "github_output").read_text()))
    env_values = dict(line.split("=", 1) for line in (tmp_path / "result.env").read_text().splitlines())
    for text in (outputs["status-reasons"], outputs["response"], env_values["CODECATALYST_GATE_STATUS_REASONS"]):
        assert "##vso[" not in text and "##[" not in text and "\u2028" not in text
    assert json.loads(outputs["status-reasons"]) == reasons == json.loads(outputs["response"])["statusReasons"]
