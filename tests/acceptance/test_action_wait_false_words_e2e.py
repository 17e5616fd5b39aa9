"""The Action's `wait: 'false'` speaks the Action's words end to end (the entrypoint as the runner starts it, against
the emulator): a started run is to be gated by a later step's input 'run-id', and inputs that go with waiting are all
refused at once, each with the text given. No `--flag`, no `start` command, no `wait --run-id` reaches the user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gate.emulator import MY_DEMO_WORKFLOW_ID
from tests.acceptance.conftest import PROJECT, SPACE, TOKEN
from tests.acceptance.test_action_field_names_e2e import FLAG, run_entrypoint

pytestmark = pytest.mark.e2e

CLI_WORDS = re.compile(r"`start`|wait --run-id|`wait`")


def start_only(emulator, **more: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"INPUT_SPACE": SPACE, "INPUT_PROJECT": PROJECT, "INPUT_WORKFLOW": "MyDemoWorkflow", "INPUT_START": "true",
            "INPUT_WAIT": "false", "INPUT_ENDPOINT": emulator.base_url, "INPUT_TOKEN": TOKEN, **more}


def test_a_started_run_is_to_be_gated_by_a_later_steps_input(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    code, text = run_entrypoint(tmp_path, **start_only(emulator))
    assert code == 0, text
    [run] = [r for r in emulator.state.runs(workflow_id=MY_DEMO_WORKFLOW_ID) if r.client_token]
    assert f"a later step gates it with input 'run-id' {run.id} (this step's output run-id)" in text
    assert FLAG.findall(text) == [] and CLI_WORDS.findall(text) == [], text


def test_inputs_that_go_with_waiting_are_all_refused_in_the_actions_words(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    code, text = run_entrypoint(tmp_path, **start_only(emulator, **{
        "INPUT_FAIL-FAST": "true", "INPUT_FOLLOW-SUPERSEDED": "true", "INPUT_RERUN-FAILED": "2",
        "INPUT_JUNIT-XML": str(tmp_path / "report.xml")}))
    assert code == 2, text
    rule = "goes with waiting on the run; input 'wait' 'false' only starts it"
    for field, given in (("follow-superseded", "true"), ("fail-fast", "true"), ("rerun-failed", "2")):
        assert f"input '{field}': '{given}' is invalid: {rule}" in text, text
    assert "input 'junit-xml': " in text and "a JUnit report is of a judged run" in text
    assert "True" not in text
    assert [r.operation for r in list(emulator.requests)] == []  # refused before anything was sent
    assert FLAG.findall(text) == [] and CLI_WORDS.findall(text) == [], text
