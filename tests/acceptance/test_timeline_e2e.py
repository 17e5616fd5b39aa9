"""Issue 22's "done when", end to end: the Action gates three runs against the emulator over loopback (one
succeeds, one fails, one never ends and times out) and produces a job summary whose timeline Mermaid's own
renderer draws, a JUnit report valid against Jenkins' schema with one failure and one error, and each run
against its workflow's usual duration."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.test_action_e2e import parse_output_file, run_action, runner_env
from tests.render.mermaid_cli import render
from tests.unit.test_junit import read as read_junit

pytestmark = [pytest.mark.e2e, pytest.mark.render, pytest.mark.timeout(1200)]  # it may install the renderer
DEPLOY_HISTORY = [
    {"status": "SUCCEEDED", "startedAgo": 3600, "duration": 300.0},
    {"status": "FAILED", "startedAgo": 7200, "duration": 280.0},
    {"status": "SUCCEEDED", "startedAgo": 9000, "duration": 330.0},
    {"status": "STOPPED", "startedAgo": 10000, "duration": 12.0},  # someone stepped in: not a usual duration
]
# Histories minutes long (the seeded ones are as short as the seeded runs), so the timeline's usual-duration bars
# are wide enough to measure against each other.
HISTORIES = {
    "MyDemoWorkflow": [{"status": "SUCCEEDED", "startedAgo": 10800, "duration": 205.436},
                       {"status": "FAILED", "startedAgo": 93600, "duration": 97.12},
                       {"status": "SUCCEEDED", "startedAgo": 174600, "duration": 188.907},
                       {"status": "STOPPED", "startedAgo": 345600, "duration": 41.5}],
    "BrokenWorkflow": [{"status": "FAILED", "startedAgo": 18000, "duration": 64.25},
                       {"status": "FAILED", "startedAgo": 108000, "duration": 71.8},
                       {"status": "FAILED", "startedAgo": 259200, "duration": 58.002}],
    "Deploy": DEPLOY_HISTORY,
}
SCENARIO = {"workflows": [{"name": "Deploy", "final": None, "history": DEPLOY_HISTORY},  # its runs never end
                          *({"name": name, "history": HISTORIES[name]} for name in ("MyDemoWorkflow", "BrokenWorkflow"))]}


def expected_usual(workflow: str) -> tuple[float, int]:
    """From the emulator's own data (the scenario above): the median of the finished runs."""
    history = HISTORIES[workflow]
    durations = [h["duration"] for h in history if h["status"] in ("SUCCEEDED", "FAILED")]
    return statistics.median(durations), len(durations)


def test_three_runs_a_timeline_a_junit_report_and_each_against_its_usual(start_emulator, mmdc: str,
                                                                          tmp_path: Path) -> None:
    emulator = start_emulator(scenario=SCENARIO, step=1, now=time.time())  # a run's age is real: adaptive polling
    junit = tmp_path / "codecatalyst-junit.xml"
    action = run_action(runner_env(emulator, tmp_path, "", workflow="MyDemoWorkflow\nBrokenWorkflow\nDeploy",
                                   start="true", interval="", timeout="4", **{"junit-xml": str(junit)}), timeout=60)
    assert action.returncode == 3, action.stdout + action.stderr  # a run still going outranks one that failed
    runs: list[dict[str, Any]] = json.loads(dict(parse_output_file(action.outputs_text))["runs"])
    by_name = {r["workflow-name"]: r for r in runs}
    assert {name: r["result"] for name, r in by_name.items()} == {
        "MyDemoWorkflow": "success", "BrokenWorkflow": "failure", "Deploy": "timeout"}

    # The JUnit report: valid, one testcase per run, one failure and one error.
    [suite] = list(read_junit(junit.read_text(encoding="utf-8")))
    assert (suite.tests, suite.failures, suite.errors) == (3, 1, 1)
    cases = {case.classname: case for case in suite}
    assert {name: case.name for name, case in cases.items()} == {n: r["run-id"] for n, r in by_name.items()}
    assert cases["BrokenWorkflow"].result[0].type == "FAILED"
    assert "reason: Action Build failed: exit code 1" in cases["BrokenWorkflow"].result[0].text
    assert cases["Deploy"].result[0].type == "TIMEOUT" and cases["MyDemoWorkflow"].is_passed

    # Each run against its workflow's usual duration: the result key, the summary's table, the log.
    for name, run in by_name.items():
        median, count = expected_usual(name)
        assert run["usual-duration-seconds"] == pytest.approx(median, abs=0.001), name
        assert f"median of {count} recent runs" in action.summary
    assert action.stdout.count(" recent runs)") == 3  # the log: a comparison line under each run

    # The timeline: Mermaid draws it, a row per run, the most serious first, each with its usual duration.
    block = action.summary.split("```mermaid\n", 1)[1].split("```", 1)[0]
    drawing = render(mmdc, block, tmp_path, png=True)
    short = {name: r["run-id"][:8] for name, r in by_name.items()}
    assert drawing.sections == [f"Deploy {short['Deploy']}", f"BrokenWorkflow {short['BrokenWorkflow']}",
                                f"MyDemoWorkflow {short['MyDemoWorkflow']}"]
    usual = {key: bar for key, bar in drawing.tasks.items() if key.endswith("u")}
    assert {key: bar.label for key, bar in usual.items()} == {
        "r0u": "usual 5m00s", "r1u": "usual 1m04s", "r2u": "usual 3m08s"}
    medians = {"r0u": expected_usual("Deploy")[0], "r1u": expected_usual("BrokenWorkflow")[0],
               "r2u": expected_usual("MyDemoWorkflow")[0]}
    for key in ("r1u", "r2u"):  # drawn to scale: each as long as its median
        assert usual[key].width / usual["r0u"].width == pytest.approx(medians[key] / medians["r0u"], rel=0.03)
    marks = {key: bar.classes for key, bar in drawing.tasks.items() if not key.endswith("u")}
    assert all("active" in c for k, c in marks.items() if k.startswith("r0"))
    assert all("crit" in c for k, c in marks.items() if k.startswith("r1"))
    assert all("done" in c for k, c in marks.items() if k.startswith("r2"))
