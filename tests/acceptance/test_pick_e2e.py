"""The gate picks the run itself (issue 12), end to end against the emulator over loopback: start a workflow by
name or ID without ever starting it twice, wait on the newest run, follow a superseded run, and find the token
where the AWS tools find it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.emulator import DEPLOY_MAIN_ID, DEPLOY_RELEASE_ID, RELEASE_WORKFLOW_ID, Emulator, ManualClock, rfc3339
from gate.emulator.awscli import sso_cache_file, write_sso_home
from tests.acceptance.conftest import PROJECT, RESULT_KEYS, SPACE, TOKEN, clean_env, run_gate
from tests.acceptance.test_action_e2e import parse_output_file, run_action, runner_env

pytestmark = pytest.mark.e2e

GITHUB_STEP = {"GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_REPOSITORY": "acme/shop",
               "GITHUB_JOB": "deploy", "GITHUB_ACTION": "gate"}


def pick_args(emulator: Emulator, *extra: str) -> list[str]:
    return ["wait", "--space", SPACE, "--project", PROJECT, "--endpoint", emulator.base_url, "--interval", "0.1",
            "--json", *extra]


def calls(emulator: Emulator, operation: str) -> list[int | None]:
    return [r.status for r in list(emulator.requests) if r.operation == operation]


def runs_of(emulator: Emulator, workflow_id: str) -> list[Any]:
    return [r for r in emulator.state.runs() if r.workflow_id == workflow_id]


def new_run_ids(emulator: Emulator, before: set[str]) -> list[str]:
    return [r.id for r in emulator.state.runs() if r.id not in before]


@pytest.fixture
def busy(start_emulator) -> Emulator:
    """Pages of 2; Deploy on three branches and repositories; Release supersedes its older runs."""
    return start_emulator(scenario="busy", step=1)


# --- start ------------------------------------------------------------------------------------------------------


def test_start_by_name_starts_one_run_and_gates_on_it(busy: Emulator) -> None:
    before = {r.id for r in busy.state.runs()}
    done = run_gate(*pick_args(busy, "--workflow", "Release", "--start"))
    assert done.returncode == 0, done.stderr
    result = done.json()
    assert list(result) == RESULT_KEYS
    [started_id] = new_run_ids(busy, before)
    started = busy.state.run(started_id)
    assert (result["run-id"], result["workflow-id"]) == (started.id, RELEASE_WORKFLOW_ID)
    assert (result["workflow-name"], result["started"], result["followed"]) == ("Release", True, [])
    assert calls(busy, "StartWorkflowRun") == [200]
    assert calls(busy, "ListWorkflows") == [200, 200, 200]  # three pages of two: every page was read
    assert f"starting workflow Release ({RELEASE_WORKFLOW_ID}); client token random" in done.stderr
    assert f"run {started.id}: the run of client token" in done.stderr


def test_start_by_id_needs_no_name(busy: Emulator) -> None:
    done = run_gate(*pick_args(busy, "--workflow", DEPLOY_RELEASE_ID, "--start"))
    assert done.returncode == 0, done.stderr
    assert done.json()["workflow-id"] == DEPLOY_RELEASE_ID and done.json()["workflow-name"] == "Deploy"
    assert calls(busy, "StartWorkflowRun") == [200]


def test_an_ambiguous_name_lists_the_candidates_and_starts_nothing(busy: Emulator) -> None:
    done = run_gate(*pick_args(busy, "--workflow", "Deploy", "--start"))
    assert done.returncode == 2, done.stderr
    assert "3 workflows have this name; pick one with --branch or --repository or the workflow ID" in done.stderr
    for workflow_id in (DEPLOY_MAIN_ID, DEPLOY_RELEASE_ID):
        assert workflow_id in done.stderr
    assert calls(busy, "StartWorkflowRun") == [] and done.json()["result"] == "error"
    narrowed = run_gate(*pick_args(busy, "--workflow", "Deploy", "--branch", "release", "--start"))
    assert narrowed.returncode == 0, narrowed.stderr
    assert narrowed.json()["workflow-id"] == DEPLOY_RELEASE_ID


def test_an_unknown_name_or_id_starts_nothing(busy: Emulator) -> None:
    unknown = run_gate(*pick_args(busy, "--workflow", "Deploi", "--start"))
    assert unknown.returncode == 2 and "no workflow has this name" in unknown.stderr
    assert "Release (repository" in unknown.stderr  # the project's workflows, to choose from
    missing = run_gate(*pick_args(busy, "--workflow", "c0dec47a-0000-4000-8000-00000000ffff", "--start"))
    assert missing.returncode == 2 and "no workflow of the project has this ID" in missing.stderr
    assert calls(busy, "StartWorkflowRun") == []


def test_the_same_client_token_twice_is_one_run(busy: Emulator) -> None:
    first = run_gate(*pick_args(busy, "--workflow", "Release", "--start", "--client-token", "release-42"))
    second = run_gate(*pick_args(busy, "--workflow", "Release", "--start", "--client-token", "release-42"))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.json()["run-id"] == second.json()["run-id"]
    assert len(runs_of(busy, RELEASE_WORKFLOW_ID)) == 2 + 1  # the scenario's two past runs, and one new run
    assert "client token given by --client-token" in first.stderr


def test_a_lost_start_answer_is_retried_with_the_same_token_and_makes_one_run(busy: Emulator) -> None:
    busy.add_fault({"kind": "drop-connection", "operation": "StartWorkflowRun"})  # the run is made, the answer lost
    done = run_gate(*pick_args(busy, "--workflow", "Release", "--start"), jitter=False)
    assert done.returncode == 0, done.stderr
    assert calls(busy, "StartWorkflowRun") == [None, 200]
    assert len(runs_of(busy, RELEASE_WORKFLOW_ID)) == 2 + 1
    assert "StartWorkflowRun: connection closed by 127.0.0.1:" in done.stderr


def test_a_throttled_start_is_retried_with_the_same_token_and_makes_one_run(busy: Emulator) -> None:
    busy.add_fault({"kind": "throttle", "operation": "StartWorkflowRun", "count": 3})
    done = run_gate(*pick_args(busy, "--workflow", "Release", "--start", "--client-token", "release-429"),
                    jitter=False)
    assert done.returncode == 0, done.stderr
    assert calls(busy, "StartWorkflowRun") == [429, 429, 429, 200]
    assert len(runs_of(busy, RELEASE_WORKFLOW_ID)) == 2 + 1
    assert "StartWorkflowRun: HTTP 429 ThrottlingException: Rate exceeded; retry 3 in " in done.stderr
    assert "Throttled: 3 times over " in done.stderr and done.json()["throttled"]["count"] == 3


def test_a_derived_token_finds_the_same_run_in_an_attempt_and_starts_anew_in_the_next(busy: Emulator) -> None:
    attempt_1 = clean_env(CODECATALYST_TOKEN=TOKEN, **GITHUB_STEP)
    first = run_gate(*pick_args(busy, "--workflow", "Release", "--start"), env=attempt_1)
    again = run_gate(*pick_args(busy, "--workflow", "Release", "--start"), env=attempt_1)
    attempt_2 = run_gate(*pick_args(busy, "--workflow", "Release", "--start"),
                         env={**attempt_1, "GITHUB_RUN_ATTEMPT": "2"})
    assert [d.returncode for d in (first, again, attempt_2)] == [0, 0, 0], first.stderr
    assert first.json()["run-id"] == again.json()["run-id"] != attempt_2.json()["run-id"]
    assert "derived from this GitHub Actions step" in first.stderr
    assert len(runs_of(busy, RELEASE_WORKFLOW_ID)) == 2 + 2


# --- latest -----------------------------------------------------------------------------------------------------


def test_latest_waits_on_the_newest_run(busy: Emulator) -> None:
    older = busy.start_run(workflow="Release", started_ago=8)
    newest = busy.start_run(workflow="Release", started_ago=2)  # supersedes the older: latest is the newest
    done = run_gate(*pick_args(busy, "--workflow", "Release", "--latest"))
    assert done.returncode == 0, done.stderr
    assert done.json()["run-id"] == newest.id != older.id
    assert (done.json()["started"], done.json()["workflow-name"]) == (False, "Release")
    assert calls(busy, "StartWorkflowRun") == []


def test_latest_since_keeps_looking_until_a_run_starts(start_emulator) -> None:
    clock = ManualClock()
    lists = []

    def log(line: str) -> None:  # the third listing sees a run that started meanwhile
        if " ListWorkflowRuns" in line:
            lists.append(line)
            if len(lists) == 2:
                emulator.start_run(workflow="MyDemoWorkflow")
        if " GetWorkflowRun" in line:
            clock.advance(1)

    emulator = Emulator(token=TOKEN, clock=clock, log=log).start()
    try:
        since = rfc3339(clock())
        done = run_gate(*pick_args(emulator, "--workflow", "MyDemoWorkflow", "--latest", "--since", since))
        assert done.returncode == 0, done.stderr
        assert done.json()["start-time"] >= since
        assert "no run of workflow MyDemoWorkflow started since" in done.stderr
        assert len(lists) >= 3
        late = run_gate(*pick_args(emulator, "--workflow", "MyDemoWorkflow", "--latest", "--since",
                                   "2099-01-01T00:00:00Z", "--timeout", "1"))
        assert late.returncode == 3, late.stderr
        assert "no run of workflow MyDemoWorkflow started since 2099-01-01T00:00:00+00:00 yet" in late.stderr
    finally:
        emulator.stop()


# --- superseded ---------------------------------------------------------------------------------------------------


def superseded_chain(emulator: Emulator) -> tuple[Any, Any, Any]:
    """Three runs of Release, each started while the one before was running: the first two end SUPERSEDED."""
    return tuple(emulator.start_run(workflow="Release", started_ago=ago) for ago in (3, 2, 1))  # type: ignore[return-value]


def test_a_superseded_run_is_followed_to_the_run_that_replaced_it(busy: Emulator) -> None:
    first, second, third = superseded_chain(busy)
    done = run_gate(*pick_args(busy, "--run-id", first.id, "--follow-superseded"))
    assert done.returncode == 0, done.stderr
    result = done.json()
    assert (result["run-id"], result["followed"], result["status"]) == (third.id, [first.id, second.id], "SUCCEEDED")
    assert f"run {first.id} was superseded by run {second.id}" in done.stderr


def test_a_successor_that_never_appears_keeps_the_superseded_run_s_result(busy: Emulator) -> None:
    lonely = busy.start_run(workflow="Release", timeline=[], final="SUPERSEDED", started_ago=5)
    done = run_gate(*pick_args(busy, "--run-id", lonely.id, "--follow-superseded", "--timeout", "2"))
    assert done.returncode == 3, done.stderr
    result = done.json()
    assert (result["run-id"], result["status"], result["followed"]) == (lonely.id, "SUPERSEDED", [])
    assert result["polls"] >= 1 and f"no run that superseded {lonely.id} yet" in done.stderr


def test_a_followed_run_counts_every_poll_and_was_not_started_by_the_gate(busy: Emulator) -> None:
    first, second, third = superseded_chain(busy)
    done = run_gate(*pick_args(busy, "--run-id", first.id, "--follow-superseded"))
    assert done.returncode == 0, done.stderr
    result = done.json()
    assert (result["run-id"], result["followed"], result["started"]) == (third.id, [first.id, second.id], False)
    assert result["polls"] == len(calls(busy, "GetWorkflowRun")) > 2  # the followed runs' polls included


def test_without_the_flag_superseded_is_a_failure(busy: Emulator) -> None:
    first, _second, _third = superseded_chain(busy)
    done = run_gate(*pick_args(busy, "--run-id", first.id))
    assert done.returncode == 1, done.stderr
    assert (done.json()["status"], done.json()["followed"]) == ("SUPERSEDED", [])


# --- the Action ---------------------------------------------------------------------------------------------------


def test_the_action_starts_by_name_and_says_which_run_at_once(busy: Emulator, tmp_path: Path) -> None:
    env = runner_env(busy, tmp_path, "", workflow="Release", start="true", **{"follow-superseded": "false"})
    before = {r.id for r in busy.state.runs()}
    done = run_action(env)
    assert done.returncode == 0, done.stdout + done.stderr
    pairs = parse_output_file(done.outputs_text)
    [started] = new_run_ids(busy, before)
    assert pairs[:2] == [("run-id", started), ("started", "true")]  # written before the wait
    assert [name for name, _ in pairs[2:]] == RESULT_KEYS  # then the result, every key once
    outputs = dict(pairs[2:])
    assert (outputs["run-id"], outputs["started"], outputs["workflow-name"], outputs["followed"]) == (
        started, "true", "Release", "[]")
    assert TOKEN not in done.stdout + done.stderr + done.outputs_text + done.summary


def test_the_action_writes_the_newest_run_at_once_too(busy: Emulator, tmp_path: Path) -> None:
    newest = busy.start_run(workflow="Release", started_ago=9)
    done = run_action(runner_env(busy, tmp_path, "", workflow="Release", latest="true"))
    assert done.returncode == 0, done.stdout + done.stderr
    pairs = parse_output_file(done.outputs_text)
    assert pairs[:2] == [("run-id", newest.id), ("started", "false")]
    assert dict(pairs[2:])["run-id"] == newest.id


def test_the_action_needs_a_run_id_or_a_workflow(busy: Emulator, tmp_path: Path) -> None:
    done = run_action(runner_env(busy, tmp_path, ""))
    assert done.returncode == 2
    assert "input 'run-id'" in done.stdout and len(busy.requests) == 0
    both = run_action(runner_env(busy, tmp_path, "a1b2c3d4-5678-90ab-cdef-222222222222", workflow="Release"))
    assert both.returncode == 2 and "input 'workflow'" in both.stdout and "input 'run-id'" in both.stdout


# --- where the token comes from -----------------------------------------------------------------------------------


def token_free_env(**extra: str) -> dict[str, str]:
    """No token of ours and none of the machine's AWS setup: only `extra` says where the token is."""
    return {**{k: v for k, v in clean_env().items() if not k.startswith("AWS_")}, **extra}


def test_the_aws_bearer_token_variable_is_read_after_ours(busy: Emulator) -> None:
    run = busy.start_run(workflow="Release", started_ago=9)
    done = run_gate(*pick_args(busy, "--run-id", run.id), env=token_free_env(AWS_BEARER_TOKEN_CODECATALYST=TOKEN))
    assert done.returncode == 0, done.stderr
    assert "token from AWS_BEARER_TOKEN_CODECATALYST" in done.stderr and TOKEN not in done.stderr


def test_the_sso_cache_of_a_profile_is_read_and_an_expired_one_says_how_to_log_in(busy: Emulator,
                                                                                  tmp_path: Path) -> None:
    run = busy.start_run(workflow="Release", started_ago=9)
    config = write_sso_home(tmp_path, token=TOKEN, profile="ci")
    # The SSO token goes to CodeCatalyst's own endpoints, or one the AWS tools are told of (tests/acceptance/
    # test_attacks_e2e.py): the emulator is named as the AWS CLI would be told.
    env = token_free_env(HOME=str(tmp_path), AWS_CONFIG_FILE=str(config), AWS_ENDPOINT_URL_CODECATALYST=busy.base_url)
    done = run_gate(*pick_args(busy, "--run-id", run.id, "--profile", "ci"), env=env)
    assert done.returncode == 0, done.stderr
    assert "token from the SSO token `aws sso login` cached for profile ci" in done.stderr
    via_variable = run_gate(*pick_args(busy, "--run-id", run.id), env={**env, "AWS_PROFILE": "ci"})
    assert via_variable.returncode == 0, via_variable.stderr

    cache = sso_cache_file(tmp_path)
    cached = json.loads(cache.read_text())
    cache.write_text(json.dumps({**cached, "expiresAt": "2020-01-01T00:00:00Z"}))
    seen = len(busy.requests)
    expired = run_gate(*pick_args(busy, "--run-id", run.id, "--profile", "ci"), env=env)
    assert expired.returncode == 2
    assert "run `aws sso login --profile ci`, then retry" in expired.stderr
    assert len(busy.requests) == seen  # nothing sent
    assert json.loads(cache.read_text())["expiresAt"] == "2020-01-01T00:00:00Z"  # never refreshed or rewritten
