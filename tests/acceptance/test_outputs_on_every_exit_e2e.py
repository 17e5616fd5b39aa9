"""Outputs on every exit (issue 21): whenever an output's destination was given, the result is written, with its
error, whatever the exit code: a refused input (2) and a bug (70) included, so `artifacts:reports:dotenv`, Jenkins'
`readProperties` and a later step's `if: always()` read why instead of failing on a missing file."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gate import app
from gate.config.inputs import RawInputs
from gate.config.settings import OutputTargets
from tests.acceptance.conftest import PROJECT, SPACE, TOKEN, clean_env, run_gate

pytestmark = pytest.mark.e2e
RUN_ID = "3b8e5c2a-1f4d-4c6e-9a7b-2d1e0f9c8b7a"


def dotenv(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())


def refused_result(result: dict[str, Any], code: int, run_id: str | None = None) -> None:
    """An error result; it keeps the good values that were given (issue 31): the space, the project, the run ID."""
    assert (result["result"], result["exit-code"]) == ("error", code)
    assert [result[key] for key in ("status", "run-id", "space", "project", "response")] == [
        None, run_id, SPACE, PROJECT, None]


@pytest.mark.parametrize(("args", "env", "named"), [
    (["--run-id", RUN_ID, "--workflow", "Deploy", "--start"], {}, "--workflow: 'Deploy' is invalid: cannot be "
                                                                  "combined with --run-id"),
    (["--run-id", RUN_ID], {"CODECATALYST_TOKEN": ""}, "CODECATALYST_TOKEN: a CodeCatalyst personal access token is required"),
    (["--run-id", "../x"], {}, "--run-id: '../x' is invalid"),
], ids=["conflict", "no-token", "bad-run-id"])
def test_a_refused_input_is_written_to_every_output_asked_for(tmp_path: Path, args: list[str], env: dict[str, str],
                                                              named: str) -> None:
    out, dot = tmp_path / "result.json", tmp_path / "gate.env"
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, *args, "--json", "--output-file", str(out),
                    "--dotenv", str(dot), env=clean_env(**{"CODECATALYST_TOKEN": TOKEN, **env}))
    assert done.returncode == 2
    assert named in done.stderr
    kept = RUN_ID if args == ["--run-id", RUN_ID] else None  # one good run ID, and no error names it
    refused_result(done.json(), 2, kept)
    refused_result(json.loads(out.read_text(encoding="utf-8")), 2, kept)
    values = dotenv(dot)
    assert (values["CODECATALYST_GATE_RESULT"], values["CODECATALYST_GATE_EXIT_CODE"]) == ("error", "2")
    assert TOKEN not in done.stdout + done.stderr + out.read_text() + dot.read_text()


def test_a_refused_prefix_still_writes_the_result_under_the_default_one(tmp_path: Path) -> None:
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID, "--output-prefix", "CI-",
                    "--dotenv", str(tmp_path / "gate.env"))
    assert done.returncode == 2 and "--output-prefix: 'CI-' is invalid" in done.stderr
    assert dotenv(tmp_path / "gate.env")["CODECATALYST_GATE_RESULT"] == "error"


def test_a_refused_input_in_azure_sets_the_output_variables_and_one_error_issue() -> None:
    done = run_gate("wait", "--space", SPACE, "--project", "a/b", "--run-id", RUN_ID,
                    env=clean_env(CODECATALYST_TOKEN=TOKEN, TF_BUILD="True"))
    assert done.returncode == 2
    lines = done.stdout.splitlines()
    assert "##vso[task.setvariable variable=CODECATALYST_GATE_RESULT;isOutput=true;]error" in lines
    assert "##vso[task.setvariable variable=CODECATALYST_GATE_EXIT_CODE;isOutput=true;]2" in lines
    issues = [line for line in lines if line.startswith("##vso[task.logissue")]
    assert len(issues) == 1 and "--project" in issues[0]


def test_get_writes_no_result_on_refused_input() -> None:
    """`get` prints an answer, never a result object: a refusal is only told."""
    done = run_gate("get", "--space", SPACE, "--project", PROJECT, "--run-id", "../x",
                    env=clean_env(CODECATALYST_TOKEN=TOKEN, TF_BUILD="True"))
    assert done.returncode == 2 and done.stdout == "" and "--run-id" in done.stderr


def test_a_folder_that_does_not_exist_is_told_and_the_other_outputs_are_written(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "result.json"
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID, "--output-file",
                    str(missing), "--dotenv", str(tmp_path / "gate.env"))
    assert done.returncode == 2
    assert "--output-file" in done.stderr and "its folder must exist" in done.stderr
    assert f"--output-file: could not write {missing}" in done.stderr
    assert dotenv(tmp_path / "gate.env")["CODECATALYST_GATE_EXIT_CODE"] == "2"


def test_a_bug_is_exit_70_and_the_outputs_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> int:
        raise RuntimeError(f"a bug holding {TOKEN}")

    monkeypatch.setattr(app, "run", broken)
    out, err = io.StringIO(), io.StringIO()
    raw = RawInputs(space=SPACE, project=PROJECT, run_id=RUN_ID, token=TOKEN, output_prefix="GATE_",
                    outputs=OutputTargets(json_stdout=True, output_file=tmp_path / "result.json",
                                          dotenv_file=tmp_path / "gate.env"))
    assert app.main(raw, command="wait", stdout=out, stderr=err) == 70
    assert "internal error: this is a bug in codecatalyst-gate" in err.getvalue()
    refused_result(json.loads(out.getvalue()), 70, RUN_ID)
    refused_result(json.loads((tmp_path / "result.json").read_text(encoding="utf-8")), 70, RUN_ID)
    assert dotenv(tmp_path / "gate.env")["GATE_EXIT_CODE"] == "70"
    assert TOKEN not in out.getvalue() + err.getvalue()

