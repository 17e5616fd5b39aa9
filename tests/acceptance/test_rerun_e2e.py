"""Issue 29's --rerun-failed, end to end against the emulator over loopback: a workflow that fails once then passes
is a success after two runs with a JUnit flakyFailure valid against Jenkins' schema; one that always fails is exit 1
after 1 + N runs; the same CI step run again starts no new run; a run given by ID is rerun through its workflowId."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gate.emulator import BROKEN_WORKFLOW_ID, Emulator, ManualClock
from gate.report.formats.markdown import md
from tests.acceptance.conftest import TOKEN, clean_env, run_gate, wait_args
from tests.acceptance.test_action_e2e import our_commands, run_action, runner_env
from tests.unit.test_junit import SCHEMA

pytestmark = pytest.mark.e2e
FLAKY = {"workflows": [{"name": "Flaky", "timeline": [["IN_PROGRESS", 1]], "history": 3,
                        "startedFinals": [{"status": "FAILED", "statusReasons": [{"message": "flaky test"}]},
                                          "SUCCEEDED"]}]}
GITHUB_STEP = {"GITHUB_RUN_ID": "99", "GITHUB_REPOSITORY": "octo/app", "GITHUB_JOB": "deploy", "GITHUB_ACTION": "gate"}
GITLAB_JOB = {"CI_JOB_ID": "4711", "CI_PROJECT_ID": "42"}


def started(emulator: Emulator) -> list[str]:
    """The runs StartWorkflowRun made, in order (a start that found its token's run again made none)."""
    return [r.id for r in sorted(emulator.state.runs(), key=lambda r: r.seq) if r.client_token is not None]


@pytest.mark.parametrize("identity", [GITHUB_STEP, GITLAB_JOB], ids=["github", "gitlab"])
def test_fails_once_then_passes_with_two_reruns_allowed(start_emulator, tmp_path: Path,
                                                        identity: dict[str, str]) -> None:
    emulator: Emulator = start_emulator(scenario=FLAKY, step=1)
    junit = tmp_path / "junit.xml"
    env = clean_env(CODECATALYST_TOKEN=TOKEN, **identity)
    args = ["wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--workflow", "Flaky", "--start",
            "--rerun-failed", "2", "--endpoint", emulator.base_url, "--interval", "0.1", "--json"]
    done = run_gate(*args, "--junit-xml", str(junit), env=env)
    assert done.returncode == 0, done.stderr
    runs = started(emulator)
    assert len(runs) == 2  # the first failed, the rerun passed: no third
    result = done.json()
    assert [(a["run-id"], a["status"]) for a in result["attempts"]] == [(runs[0], "FAILED"), (runs[1], "SUCCEEDED")]
    assert (result["run-id"], result["status"], result["result"]) == (runs[1], "SUCCEEDED", "success")
    assert f"run {runs[0]} ended FAILED: starting its workflow again, attempt 2 of at most 3" in done.stderr
    assert f"Attempts: 1. run {runs[0]} FAILED" in done.stderr  # the first failure told in the verdict's lines
    text = junit.read_text(encoding="utf-8")
    SCHEMA.validate(text)
    assert text.count("<flakyFailure ") == 1 and "<failure" not in text and "reason: flaky test" in text

    again = run_gate(*args, env=env)  # the same CI step run again: its attempts are found, none started
    assert again.returncode == 0, again.stderr
    assert started(emulator) == runs and [a["run-id"] for a in again.json()["attempts"]] == runs


def test_always_failing_is_exit_1_after_three_runs(start_emulator, tmp_path: Path) -> None:
    emulator: Emulator = start_emulator(step=1)
    junit = tmp_path / "junit.xml"
    done = run_gate("wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--workflow", "BrokenWorkflow",
                    "--start", "--rerun-failed", "2", "--endpoint", emulator.base_url, "--interval", "0.1", "--json",
                    "--junit-xml", str(junit))
    assert done.returncode == 1, done.stderr
    runs = started(emulator)
    assert len(runs) == 3
    assert [a["run-id"] for a in done.json()["attempts"]] == runs and done.json()["run-id"] == runs[-1]
    text = junit.read_text(encoding="utf-8")
    SCHEMA.validate(text)
    assert text.count("<rerunFailure ") == 2 and text.count("<failure ") == 1


def test_a_run_given_by_id_is_rerun_through_its_workflow(start_emulator) -> None:
    emulator: Emulator = start_emulator(scenario=FLAKY, step=1)
    failed = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id  # FAILED already
    done = run_gate(*wait_args(emulator, failed, "--rerun-failed", "1", "--json"))
    assert done.returncode == 1, done.stderr  # BrokenWorkflow fails again: the last attempt's verdict
    result = done.json()
    assert [a["status"] for a in result["attempts"]] == ["FAILED", "FAILED"]
    assert result["attempts"][0]["run-id"] == failed and result["workflow-id"] == BROKEN_WORKFLOW_ID
    assert result["attempts"][1]["run-id"] == result["run-id"] != failed
    assert f"run {failed} ended FAILED: starting its workflow again, attempt 2 of at most 2" in done.stderr


@pytest.fixture
def listed_emulator() -> Iterator[Emulator]:
    """An emulator whose clock moves a second per GetWorkflowRun or ListWorkflowRuns answered: several runs are read
    through the listing, and they move on all the same."""
    clock = ManualClock()

    def log(line: str) -> None:
        if " GetWorkflowRun" in line or " ListWorkflowRuns" in line:
            clock.advance(1)

    emulator = Emulator(token=TOKEN, clock=clock, log=log).start()
    yield emulator
    emulator.stop()


def test_two_failed_runs_of_one_workflow_in_one_gitlab_job_are_each_rerun_on_their_own(listed_emulator) -> None:
    """In CI the step's first token is the same for every run of a workflow: each failed run's rerun token is
    derived from that run's ID too, so two FAILED runs get two reruns, and the same job run again finds both."""
    emulator: Emulator = listed_emulator
    first, second = (emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id for _ in range(2))
    env = clean_env(CODECATALYST_TOKEN=TOKEN, GITLAB_CI="true", CI_JOB_ID="4242")
    args = wait_args(emulator, f"{first},{second}", "--rerun-failed", "1", "--json")
    done = run_gate(*args, env=env)
    assert done.returncode == 1, done.stderr
    reruns = started(emulator)
    assert len(reruns) == 2 and len(set(reruns)) == 2
    attempts = {run["attempts"][0]["run-id"]: run["attempts"][1]["run-id"] for run in done.json()["runs"]}
    assert set(attempts) == {first, second} and sorted(attempts.values()) == sorted(reruns)
    for failed in (first, second):  # each start's token told in a few words, the job's explanation not repeated
        assert "attempt 2; client token derived from the first attempt's token, its run ID " \
            f"({failed}) and the attempt number" in done.stderr
    assert "derived from derived" not in done.stderr and "finds the same run" not in done.stderr

    again = run_gate(*args, env=env)  # the same CI job run again: each failed run's rerun is found, none started
    assert again.returncode == 1, again.stderr
    assert started(emulator) == reruns
    assert {run["attempts"][0]["run-id"]: run["attempts"][1]["run-id"] for run in again.json()["runs"]} == attempts


def test_with_several_runs_the_step_summary_and_the_annotation_list_the_attempts(listed_emulator,
                                                                                 tmp_path: Path) -> None:
    """The Action with two runs, one of which fails twice: the group summary and the `::error` annotation tell
    its first failure too, not only its last attempt."""
    emulator: Emulator = listed_emulator
    good = emulator.start_run(workflow="MyDemoWorkflow").id
    broken = emulator.start_run(workflow="BrokenWorkflow").id
    action = run_action(runner_env(emulator, tmp_path, f"{good},{broken}", **{"rerun-failed": "1"}))
    assert action.returncode == 1, action.stdout + action.stderr
    [rerun] = started(emulator)
    attempts = f"Attempts: 1. run {broken} FAILED"
    assert f"- run {md(rerun)} \\(workflow BrokenWorkflow\\): Attempts: {md(attempts[10:])}" in action.summary
    assert f"2\\. run {md(rerun)} FAILED" in action.summary
    [annotation] = [c for c in our_commands(action.stdout)[0] if c.name == "error"]
    assert any(line.startswith(attempts) for line in annotation.data.splitlines()), annotation.data


# A hostile endpoint echoes the token in an earlier attempt's reason: the attempts are free
# text like the last run's, masked wherever they leave the process (the summary's timeline and JUnit's
# flakyFailure carried them raw before).
ECHOING = {"workflows": [{"name": "Echo", "timeline": [["IN_PROGRESS", 1]], "history": 3,
                          "startedFinals": [{"status": "FAILED", "statusReasons": [{"message": f"echo {TOKEN}"}]},
                                            "SUCCEEDED"]}]}


def test_an_earlier_attempt_that_echoes_the_token_is_masked_everywhere(start_emulator, tmp_path: Path) -> None:
    emulator: Emulator = start_emulator(scenario=ECHOING, step=1)
    junit, result_file, dotenv = tmp_path / "junit.xml", tmp_path / "result.json", tmp_path / "gate.env"
    env = runner_env(emulator, tmp_path, "", workflow="Echo", start="true", **{"rerun-failed": "1"},
                     **{"junit-xml": str(junit)})
    env.update(CODECATALYST_OUTPUT_FILE=str(result_file), CODECATALYST_DOTENV=str(dotenv))
    run = run_action(env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert len(started(emulator)) == 2  # the echoing first attempt failed, the rerun passed
    assert "<flakyFailure " in junit.read_text(encoding="utf-8")
    written = [run.stdout, run.stderr, run.outputs_text, run.summary, junit.read_text(encoding="utf-8"),
               *(p.read_text(encoding="utf-8") for p in (result_file, dotenv) if p.is_file())]
    assert all(TOKEN not in text for text in written), [TOKEN in text for text in written]
