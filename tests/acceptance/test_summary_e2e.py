"""The reports of issue 31 item 4, through the Action's own entrypoint against the emulator: the group's step summary
shows each failed run's status reasons, the annotation names the run and its workflow, and a timeout is headed as
one with how long the gate waited."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.emulator import STUCK_RUN_ID
from gate.report.formats.markdown import md
from tests.acceptance.test_action_e2e import our_commands, run_action, runner_env

pytestmark = pytest.mark.e2e

BUILD_FAILED = "Action Build failed: exit code 1"  # BrokenWorkflow's status reason in the seeded project


def test_the_group_summary_and_the_annotation_tell_the_failed_run_by_name_with_its_reasons(start_emulator,
                                                                                         tmp_path: Path) -> None:
    emulator = start_emulator(step=1)
    good = emulator.start_run(workflow="MyDemoWorkflow").id
    broken = emulator.start_run(workflow="BrokenWorkflow").id
    action = run_action(runner_env(emulator, tmp_path, f"{good},{broken}"))
    assert action.returncode == 1, action.stdout + action.stderr
    summary = action.summary
    assert summary.startswith("### ❌ CodeCatalyst workflow runs: failure (2 runs, exit code 1)")
    assert f"- run {md(broken)} \\(workflow BrokenWorkflow\\)\n  - {md(BUILD_FAILED)}\n" in summary
    [annotation] = [c for c in our_commands(action.stdout)[0] if c.name == "error"]
    assert annotation.data.splitlines() == [f"run {broken} (workflow BrokenWorkflow): the run ended FAILED",
                                            BUILD_FAILED]


def test_a_timeout_is_headed_with_how_long_the_gate_waited(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(scenario="stuck")
    action = run_action(runner_env(emulator, tmp_path, STUCK_RUN_ID, timeout="2"))
    assert action.returncode == 3, action.stdout + action.stderr
    first = action.summary.splitlines()[0]
    assert first == "### ⏱️ CodeCatalyst workflow run: timed out after 2s\\; the run is still IN\\_PROGRESS"
    assert "| Ended |" not in action.summary and "| Duration |" not in action.summary
