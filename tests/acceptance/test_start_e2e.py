"""Issue 29, item 2, end to end against the emulator over loopback: `start` starts the run once and exits as soon as
the start call has answered (measured from the emulator's own request log: no poll, no wait), `wait --run-id` then
gates that run; the same CI step run again finds its run instead of starting another."""

from __future__ import annotations

import json
import time

import pytest

from gate.emulator import MY_DEMO_WORKFLOW_ID, Emulator
from tests.acceptance.conftest import PROJECT, SPACE, TOKEN, clean_env, run_gate, wait_args

pytestmark = pytest.mark.e2e
# Generous under load: the start call's answer to the process's end is interpreter teardown and nothing else
# (the unit tests prove no sleep and no further request deterministically).
WITHIN = 2.0
GITHUB_STEP = {"GITHUB_RUN_ID": "4242", "GITHUB_REPOSITORY": "octo/app", "GITHUB_JOB": "deploy",
               "GITHUB_ACTION": "start", "GITHUB_RUN_ATTEMPT": "1"}


def start_args(emulator: Emulator, *extra: str) -> list[str]:
    return ["start", "--space", SPACE, "--project", PROJECT, "--workflow", "MyDemoWorkflow",
            "--endpoint", emulator.base_url, "--json", *extra]


def test_start_exits_at_once_then_wait_gates_the_run(start_emulator) -> None:
    emulator: Emulator = start_emulator(step=1)
    done = run_gate(*start_args(emulator))
    ended = time.monotonic()
    assert done.returncode == 0, done.stderr
    started = done.json()
    assert (started["started"], started["workflow-id"], started["workflow-name"]) == (
        True, MY_DEMO_WORKFLOW_ID, "MyDemoWorkflow")
    operations = [r.operation for r in list(emulator.requests)]
    assert operations == ["ListWorkflows", "StartWorkflowRun"]  # nothing polled
    [answer] = [r for r in list(emulator.requests) if r.operation == "StartWorkflowRun"]
    assert answer.at > 0 and ended - answer.at < WITHIN, f"{ended - answer.at:.2f} s after the start call's answer"
    run = emulator.state.run(started["run-id"])
    assert emulator.state.phase(run).ended is None  # it did not wait for the run: the run is still going

    gated = run_gate(*wait_args(emulator, started["run-id"], "--json"))
    assert gated.returncode == 0, gated.stderr
    result = gated.json()
    assert (result["result"], result["run-id"], result["workflow-name"]) == ("success", started["run-id"],
                                                                           "MyDemoWorkflow")


def test_the_same_ci_step_run_again_starts_no_second_run(start_emulator, tmp_path) -> None:
    emulator: Emulator = start_emulator()
    before = len(emulator.state.runs(workflow_id=MY_DEMO_WORKFLOW_ID))
    env = clean_env(CODECATALYST_TOKEN=TOKEN, **GITHUB_STEP)
    first = run_gate(*start_args(emulator, "--dotenv", str(tmp_path / "gate.env")), env=env)
    again = run_gate(*start_args(emulator), env=env)
    assert first.returncode == again.returncode == 0, first.stderr + again.stderr
    assert first.json()["run-id"] == again.json()["run-id"]
    assert len(emulator.state.runs(workflow_id=MY_DEMO_WORKFLOW_ID)) == before + 1
    assert "derived from this GitHub Actions step" in first.stderr
    dotenv = dict(line.split("=", 1) for line in (tmp_path / "gate.env").read_text().splitlines())
    assert dotenv["CODECATALYST_GATE_RUN_ID"] == first.json()["run-id"] and "CODECATALYST_GATE_RESULT" not in dotenv
    new_attempt = run_gate(*start_args(emulator), env={**env, "GITHUB_RUN_ATTEMPT": "2"})
    assert json.loads(new_attempt.stdout)["run-id"] != first.json()["run-id"]  # a new attempt is a new run


@pytest.mark.posix
def test_the_readmes_start_then_wait_block_runs_as_written(start_emulator, tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.acceptance.test_readme import shell_blocks

    [block] = shell_blocks("Start now, gate later")
    emulator: Emulator = start_emulator(step=1)
    bin_dir = Path(sys.executable).parent  # where `codecatalyst-gate` is installed, and a python3
    env = clean_env(CODECATALYST_TOKEN=TOKEN, CODECATALYST_SPACE=SPACE, CODECATALYST_PROJECT=PROJECT,
                    CODECATALYST_ENDPOINT=emulator.base_url, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    ops = [r.operation for r in list(emulator.requests)]
    assert ops.count("StartWorkflowRun") == 1 and ops.index("StartWorkflowRun") < ops.index("GetWorkflowRun")
    assert "result success (status SUCCEEDED, exit 0)" in done.stderr


def test_a_start_throttled_until_its_deadline_exits_3_as_its_help_and_readme_say(start_emulator) -> None:
    """Throttling is an answer, not an outage: a start that got only 429s until --timeout ends as any gate at its
    deadline does (3, `timeout`), and that code is in the start's contract: its --help, the README, action.yml."""
    from pathlib import Path

    from click.testing import CliRunner

    from gate.doors.cli import main

    emulator: Emulator = start_emulator()
    before = len(emulator.state.runs(workflow_id=MY_DEMO_WORKFLOW_ID))
    emulator.add_fault({"kind": "throttle", "operation": "StartWorkflowRun", "count": "always"})
    done = run_gate(*start_args(emulator, "--timeout", "2"))
    assert done.returncode == 3, done.stderr
    result = done.json()
    assert result["result"] == "timeout" and result["exit-code"] == 3 and result["throttled"]["count"] >= 1
    assert len(emulator.state.runs(workflow_id=MY_DEMO_WORKFLOW_ID)) == before  # nothing started
    helped = " ".join(CliRunner().invoke(main, ["start", "--help"]).output.split())
    assert "3 the deadline (--timeout) passed before the start was answered" in helped
    root = Path(__file__).resolve().parents[2]
    readme = " ".join((root / "README.md").read_text(encoding="utf-8").split())
    assert "3 the service throttled the start (429) until `--timeout` passed" in readme and "Never 1 or 3" not in readme
    for action in ("action.yml", "any-runner/action.yml"):
        said = " ".join((root / action).read_text(encoding="utf-8").split())
        assert "with `wait: 'false'`, the start throttled until the deadline" in said, action
