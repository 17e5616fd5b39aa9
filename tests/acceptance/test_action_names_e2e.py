"""Each door names its own fields: an Action user reads input `branch`, never a `--branch` flag they cannot pass,
in any error, note, annotation or summary the gate writes, however it ends."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from gate.doors import action
from gate.emulator import Emulator
from tests.acceptance.conftest import PROJECT, SPACE, TOKEN, clean_env

pytestmark = pytest.mark.e2e

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


@pytest.fixture(scope="module")
def emulators() -> Any:
    """The busy scenario (Deploy has three workflows) and the default one (BrokenWorkflow fails at once)."""
    started = {name: Emulator(token=TOKEN, scenario=scenario).start()
               for name, scenario in (("busy", "busy"), ("default", None))}
    yield started
    for emulator in started.values():
        emulator.stop()


def run_action(tmp_path: Path, **inputs: str) -> tuple[int, str]:
    """The Action as the runner starts it; returns its exit code and everything a user can read of it."""
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = clean_env(GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary), GITHUB_ACTIONS="true",
                    CODECATALYST_RETRY_BASE="0",  # retries at the floor: the first-contact budget in a second
                    **{f"INPUT_{key.upper()}": value for key, value in inputs.items()})
    out, err = io.StringIO(), io.StringIO()
    code = action.run(env, stdout=out, stderr=err)
    files = "".join(path.read_text() for path in (output, summary) if path.exists())
    return code, out.getvalue() + err.getvalue() + files


def base(emulator: Emulator, **inputs: str) -> dict[str, str]:
    return {"space": SPACE, "project": PROJECT, "token": TOKEN, "endpoint": emulator.base_url, "interval": "0.1",
            **inputs}


CASES: dict[str, tuple[dict[str, str], int, str]] = {
    # inputs, exit code, a fragment the message must hold (that the case went where it should)
    "everything bad at once": ({"space": "a b", "project": "", "run-id": "nope", "interval": "-1", "timeout": "x",
                                "success-statuses": "BOGUS", "endpoint": "ftp://x"}, 2, "input 'space'"),
    "no token": ({"token": ""}, 2, "input 'token'"),
    "two ways to pick": ({"run-id": "a1b2c3d4-5678-90ab-cdef-111111111111", "workflow": "Release"}, 2,
                         "input 'workflow'"),
    "workflow alone": ({"workflow": "Release"}, 2, "input 'start'"),
    "start and latest": ({"workflow": "Release", "start": "true", "latest": "true"}, 2, "input 'latest'"),
    "since without latest": ({"workflow": "Release", "start": "true", "since": "2026-01-01T00:00:00Z"}, 2,
                             "input 'since'"),
    "branch alone": ({"branch": "main", "run-id": "a1b2c3d4-5678-90ab-cdef-111111111111"}, 2, "input 'branch'"),
    "ambiguous name": ({"workflow": "Deploy", "latest": "true"}, 2, "input 'branch'"),
    "unknown name": ({"workflow": "Nothing", "start": "true"}, 2, "input 'workflow'"),
    "unreachable endpoint": ({"run-id": "a1b2c3d4-5678-90ab-cdef-111111111111", "endpoint": "http://127.0.0.1:9"},
                             6, "input 'endpoint'"),
    "started by name": ({"workflow": "Release", "start": "true"}, 0, "client-token"),
    "fail fast": ({"workflow": "MyDemoWorkflow,BrokenWorkflow", "start": "true", "fail-fast": "true",
                   "scenario": "default"}, 1, "input 'fail-fast' stopped the gate"),
}


@pytest.mark.parametrize("case", CASES)
def test_no_action_message_names_a_command_line_flag(emulators: dict[str, Emulator], tmp_path: Path,
                                                    case: str) -> None:
    inputs, code, fragment = dict(CASES[case][0]), CASES[case][1], CASES[case][2]
    emulator = emulators[inputs.pop("scenario", "busy")]
    found, text = run_action(tmp_path, **base(emulator, **inputs))
    assert found == code, text
    assert fragment in text, text
    assert FLAG.findall(text) == [], text


def test_the_check_sees_a_flag() -> None:
    assert FLAG.findall("pick one with --branch or --repository; not ::set-output or a-b--c") == ["--branch",
                                                                                                 "--repository"]
