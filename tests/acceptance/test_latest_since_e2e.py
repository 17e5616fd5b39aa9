"""`--latest` never passes silently on a run that ended before the gate started (issue 20), end to end over loopback.
In CI, `--since` defaults to the CI system's own time for this pipeline (GitHub's event payload, GitLab's
CI_PIPELINE_CREATED_AT, Azure's SYSTEM_PIPELINESTARTTIME) less a grace; a stated `--since` wins; where no time is
known, such a run is reported: a warning line and the result key `stale`.

The emulator's clock is pinned to the real time here: the gate compares run times with its own start.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gate.emulator import Emulator, ManualClock, rfc3339
from tests.acceptance.conftest import TOKEN, clean_env, run_gate
from tests.acceptance.test_action_e2e import parse_output_file, run_action, runner_env
from tests.acceptance.test_pick_e2e import calls, pick_args

pytestmark = pytest.mark.e2e


@pytest.fixture
def now_emulator(start_emulator) -> Emulator:
    """The seeded project on the real time; MyDemoWorkflow's newest run started ten minutes ago and SUCCEEDED."""
    emulator = start_emulator(now=time.time(), step=1)
    emulator.start_run(workflow="MyDemoWorkflow", started_ago=600)
    return emulator


def push_event(tmp_path: Path, pushed: float) -> dict[str, str]:
    """What a GitHub runner gives a step of a push-triggered workflow: the event's name and payload."""
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"ref": "refs/heads/main", "repository": {"pushed_at": int(pushed)},
                                "head_commit": {"timestamp": "2020-01-01T00:00:00Z"}}), encoding="utf-8")
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path)}


def newest_id(emulator: Emulator) -> str:
    return emulator.state.runs()[0].id


def test_at_a_terminal_a_run_that_ended_before_the_gate_is_reported_stale(now_emulator: Emulator) -> None:
    old = newest_id(now_emulator)
    for quiet in ((), ("--quiet",)):
        done = run_gate(*pick_args(now_emulator, "--workflow", "MyDemoWorkflow", "--latest", *quiet))
        assert done.returncode == 0, done.stderr  # the verdict is the run's; the output says what it is worth
        assert (done.json()["run-id"], done.json()["stale"]) == (old, True)
        assert f"warning: run {old} ended at " in done.stderr
        assert ("before this gate started" in done.stderr and "with no --since given and none known from CI"
                in done.stderr), done.stderr
        # Issue 31: compared with the runs the pick listed a moment before, at no further call.
        assert done.json()["usual-duration-seconds"] is not None and "no history" not in done.stderr
    assert len(calls(now_emulator, "ListWorkflowRuns")) == 2  # one per gate: the pick's own


def test_a_run_still_going_when_the_gate_starts_is_not_stale(start_emulator) -> None:
    emulator = start_emulator(now=time.time(), step=1)
    running = emulator.start_run(workflow="MyDemoWorkflow", started_ago=1)
    done = run_gate(*pick_args(emulator, "--workflow", "MyDemoWorkflow", "--latest"))
    assert done.returncode == 0, done.stderr
    assert (done.json()["run-id"], done.json()["stale"]) == (running.id, False) and "warning" not in done.stderr


def test_in_a_push_pipeline_the_gate_waits_for_the_push_s_run(tmp_path: Path) -> None:
    """The push happened a moment ago; its run appears only after the gate has looked twice."""
    clock = ManualClock(time.time())
    lists: list[str] = []

    def log(line: str) -> None:
        if " ListWorkflowRuns" in line:
            lists.append(line)
            if len(lists) == 2:
                emulator.start_run(workflow="MyDemoWorkflow", run_id="c0dec47a-0000-4000-8000-00000000e2e1")
        if " GetWorkflowRun" in line:
            clock.advance(1)

    emulator = Emulator(token=TOKEN, clock=clock, log=log).start()
    try:
        old = emulator.start_run(workflow="MyDemoWorkflow", started_ago=600)  # the previous push's, ended
        pushed = int(clock())
        env = clean_env(CODECATALYST_TOKEN=TOKEN, **push_event(tmp_path, pushed))
        done = run_gate(*pick_args(emulator, "--workflow", "MyDemoWorkflow", "--latest"), env=env)
        assert done.returncode == 0, done.stderr
        assert done.json()["run-id"] == "c0dec47a-0000-4000-8000-00000000e2e1" != old.id
        assert done.json()["stale"] is False and "warning" not in done.stderr
        since, push = (datetime.fromtimestamp(t, UTC).isoformat() for t in (pushed - 60, pushed))
        assert (f"since {since}: GitHub's push event (repository.pushed_at) {push}, less 60 s for clock skew"
                in done.stderr), done.stderr
        assert len(lists) >= 3
    finally:
        emulator.stop()


@pytest.mark.parametrize("ci", ["gitlab", "azure"])
def test_gitlab_and_azure_give_the_pipeline_s_start(now_emulator: Emulator, tmp_path: Path, ci: str) -> None:
    """Only the run ten minutes old exists: with the pipeline created now, it does not count, and the deadline comes."""
    created = datetime.now(UTC).replace(microsecond=0)
    env = clean_env(CODECATALYST_TOKEN=TOKEN, **(
        {"GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": created.isoformat().replace("+00:00", "Z")} if ci == "gitlab"
        else {"TF_BUILD": "True", "SYSTEM_PIPELINESTARTTIME": created.isoformat(sep=" ")}))
    out = tmp_path / "result.json"
    done = run_gate(*pick_args(now_emulator, "--workflow", "MyDemoWorkflow", "--latest", "--timeout", "2",
                               "--output-file", str(out)), env=env)
    assert done.returncode == 3, done.stdout + done.stderr
    variable = "CI_PIPELINE_CREATED_AT (GitLab)" if ci == "gitlab" else "SYSTEM_PIPELINESTARTTIME (Azure Pipelines)"
    assert variable in done.stderr
    since = (created - timedelta(seconds=60)).isoformat()
    assert f"no run of workflow MyDemoWorkflow started since {since} yet" in done.stderr
    assert json.loads(out.read_text())["result"] == "timeout"


def test_a_stated_since_wins_over_the_push_time(now_emulator: Emulator, tmp_path: Path) -> None:
    old = newest_id(now_emulator)
    env = clean_env(CODECATALYST_TOKEN=TOKEN, **push_event(tmp_path, time.time()))
    since = rfc3339(time.time() - 3600)
    done = run_gate(*pick_args(now_emulator, "--workflow", "MyDemoWorkflow", "--latest", "--since", since), env=env)
    assert done.returncode == 0, done.stderr
    assert (done.json()["run-id"], done.json()["stale"]) == (old, False)
    assert "given by --since" in done.stderr and "GitHub's push event" not in done.stderr


def test_the_action_in_a_push_workflow_waits_for_a_run_since_the_push(now_emulator: Emulator, tmp_path: Path) -> None:
    env = runner_env(now_emulator, tmp_path, "", workflow="MyDemoWorkflow", latest="true", timeout="2")
    env.update(push_event(tmp_path, time.time()))
    done = run_action(env)
    assert done.returncode == 3, done.stdout + done.stderr
    outputs = dict(parse_output_file(done.outputs_text))
    assert (outputs["result"], outputs["stale"], outputs["run-id"]) == ("timeout", "false", "")
    assert "GitHub's push event (repository.pushed_at)" in done.stdout + done.stderr
    stated = runner_env(now_emulator, tmp_path, "", workflow="MyDemoWorkflow", latest="true",
                        since=rfc3339(time.time() - 3600))
    stated.update(push_event(tmp_path, time.time()))
    passed = run_action(stated)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert dict(parse_output_file(passed.outputs_text))["run-id"] == newest_id(now_emulator)
    assert "given by input 'since'" in passed.stdout + passed.stderr
    assert calls(now_emulator, "StartWorkflowRun") == []
