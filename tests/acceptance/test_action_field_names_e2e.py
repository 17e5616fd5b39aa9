"""The Action names a field as its user gave it, end to end: the entrypoint as the runner starts it, against the
emulator, with values from CODECATALYST_* variables and from inputs, and result files it cannot write. A value from
a variable is named by that variable, one from an input by the input, one not given by the input that would give it;
no `--flag` appears in any log line, annotation, output, summary or write failure (gate.config.fields.Naming)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from gate.emulator import Emulator
from tests.acceptance.conftest import PROJECT, REPO, SPACE, TOKEN, clean_env
from tests.acceptance.test_action_e2e import ENTRYPOINT

pytestmark = pytest.mark.e2e

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


def run_entrypoint(tmp_path: Path, **variables: str) -> tuple[int, str]:
    """`python entrypoint.py` as the runner starts a Docker action; its exit code and all a user can read of it:
    the log (both streams), the step outputs and the step summary."""
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = clean_env(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary),
                    CODECATALYST_RETRY_BASE="0", INPUT_INTERVAL="0.1", **variables)
    done = subprocess.run(ENTRYPOINT, env=env, capture_output=True, text=True, timeout=60, cwd=REPO)
    files = "".join(path.read_text(encoding="utf-8") for path in (output, summary) if path.is_file())
    return done.returncode, done.stdout + done.stderr + files


def from_variables(emulator: Emulator, run_id: str, **more: str) -> dict[str, str]:
    return {"CODECATALYST_SPACE": SPACE, "CODECATALYST_PROJECT": PROJECT, "CODECATALYST_RUN_ID": run_id,
            "CODECATALYST_ENDPOINT": emulator.base_url, "CODECATALYST_TOKEN": TOKEN, **more}

FULL = "/dev/full"


def unwritable(tmp_path: Path) -> str:
    """A path the inputs accept where nothing can be written, even by root: /dev/full (a device, written in place,
    answers every write with ENOSPC). A folder is refused with the inputs now, before anything is sent."""
    if not Path(FULL).exists():
        pytest.skip(f"{FULL} is Linux's")
    return FULL


def test_values_from_variables_and_an_unwritable_junit_input_are_named_as_the_action_user_gave_them(
        start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(step=1)
    run_id = emulator.start_run(workflow="MyDemoWorkflow").id
    code, text = run_entrypoint(tmp_path, **from_variables(emulator, run_id), **{"INPUT_JUNIT-XML": unwritable(
        tmp_path)})
    assert code == 7, text  # the run succeeded; the report could not be written
    assert re.search(r"^::error title=CodeCatalyst gate%3A result not written::input 'junit-xml': could not write "
                     rf"{re.escape(FULL)}: ", text, re.M), text
    assert FLAG.findall(text) == [], text


def test_an_unwritable_junit_file_from_its_variable_is_named_by_the_variable(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(step=1)
    run_id = emulator.start_run(workflow="BrokenWorkflow").id
    code, text = run_entrypoint(tmp_path, **from_variables(emulator, run_id,
                                                           CODECATALYST_JUNIT_XML=unwritable(tmp_path)))
    assert code == 7, text
    assert "CODECATALYST_JUNIT_XML: could not write" in text and "input 'junit-xml'" not in text, text
    assert FLAG.findall(text) == [], text


def test_a_bad_project_from_its_variable_is_named_by_the_variable_and_the_unwritten_report_too(
        start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    code, text = run_entrypoint(tmp_path, **from_variables(emulator, "a1b2c3d4-5678-90ab-cdef-111111111111",
                                                           CODECATALYST_PROJECT="a/b"),
                                **{"INPUT_JUNIT-XML": unwritable(tmp_path)})
    assert code == 2, text
    assert "CODECATALYST_PROJECT: 'a/b' is invalid" in text and "input 'project'" not in text, text
    assert "input 'junit-xml': could not write" in text, text
    assert FLAG.findall(text) == [], text
    assert list(emulator.requests) == []  # bad input: nothing sent


def test_a_field_not_given_is_named_by_its_input_beside_one_from_a_variable(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    variables = from_variables(emulator, "", CODECATALYST_WORKFLOW="Release")
    del variables["CODECATALYST_RUN_ID"]
    code, text = run_entrypoint(tmp_path, **variables)
    assert code == 2, text
    assert "CODECATALYST_WORKFLOW: 'Release' is invalid: needs input 'start' (start a new run) or input 'latest'" \
        in text, text
    assert FLAG.findall(text) == [], text


def test_an_unreachable_endpoint_from_its_variable_is_named_by_the_variable(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    code, text = run_entrypoint(tmp_path, **from_variables(emulator, "a1b2c3d4-5678-90ab-cdef-111111111111",
                                                           CODECATALYST_ENDPOINT="http://127.0.0.1:9"))
    assert code == 6, text
    assert "Check CODECATALYST_ENDPOINT, the network" in text and "input 'endpoint'" not in text, text
    assert FLAG.findall(text) == [], text


def test_no_output_file_that_cannot_be_written_is_named_by_a_flag(start_emulator, tmp_path: Path) -> None:
    """Every file the Action writes unwritable at once: each write failure is told in the Action's words."""
    emulator = start_emulator(step=1)
    run_id = emulator.start_run(workflow="MyDemoWorkflow").id
    folders = {name: tmp_path / name for name in ("output", "summary")}  # runner-given: taken as they are
    for folder in folders.values():
        folder.mkdir()
    env = clean_env(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(folders["output"]),
                    GITHUB_STEP_SUMMARY=str(folders["summary"]), CODECATALYST_RETRY_BASE="0", INPUT_INTERVAL="0.1",
                    CODECATALYST_JUNIT_XML=unwritable(tmp_path), **from_variables(emulator, run_id))
    done = subprocess.run(ENTRYPOINT, env=env, capture_output=True, text=True, timeout=60, cwd=REPO)
    text = done.stdout + done.stderr
    assert done.returncode == 7, text
    told = re.findall(r"^::error title=CodeCatalyst gate%3A result not written::(.+?): could not write", text, re.M)
    assert sorted(set(told)) == ["$GITHUB_OUTPUT", "$GITHUB_STEP_SUMMARY", "CODECATALYST_JUNIT_XML"], text
    assert FLAG.findall(text) == [], text
