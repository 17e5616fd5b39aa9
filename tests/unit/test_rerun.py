"""--rerun-failed (issue 29, item 1): only a FAILED end starts the workflow again, at most N times, in the one loop;
the verdict is the last attempt's and every attempt is kept, the first failure included; bad N is exit 2 with nothing
sent; each rerun has its own token, derived from the step's, the first attempt's run ID and the attempt number."""

from __future__ import annotations

import io
from typing import Any

import pytest
import responses

from gate import app
from gate.clock import Deadline
from gate.config.inputs import RawInputs
from gate.config.settings import RetrySettings
from gate.errors import ApiRefused, ExitCode
from gate.pace.pacing import Pacing
from gate.pace.policy import FixedInterval
from gate.pace.retry import RetryPolicy
from gate.pick.idempotency import ClientToken, choose_client_token, rerun_token
from gate.report.formats import azure, github, junit, markdown, mermaid
from gate.report.summary import run_summary, summarize
from gate.result import Result
from gate.runref import RunRef
from gate.verdict import combined
from gate.wait.loop import Rules, wait_for_runs
from tests.conftest import PROJECT, SPACE, TOKEN, WORKFLOW_ID, FakeClock, RecordingProgress, run_document
from tests.loopkit import Reader, SamePolicy
from tests.unit.test_junit import SCHEMA

FIRST, SECOND, THIRD, FOURTH = (f"a1b2c3d4-5678-90ab-cdef-00000000000{i}" for i in range(1, 5))
OTHER = "a1b2c3d4-5678-90ab-cdef-0000000000f1"


class Plan:
    """Each run's final status, and the runs a rerun starts, in order: what the loop sees."""

    def __init__(self, ends: dict[str, str], started: list[str], refuse: bool = False) -> None:
        self.ends, self.started, self.refuse = ends, list(started), refuse
        self.calls: list[tuple[str, str | None, int]] = []
        self.firsts: list[str] = []  # the first attempt's run ID each rerun was told

    def fetch(self, run_id: str, _left: float | None) -> dict[str, Any]:
        return run_document(self.ends[run_id], id=run_id)

    def rerun(self, failed: dict[str, Any], name: str | None, attempt: int, first: str) -> str:
        self.calls.append((failed["id"], failed["workflowId"], attempt))
        self.firsts.append(first)
        if self.refuse:
            raise ApiRefused(status=402, error_type="ServiceQuotaExceededException", message="quota")
        return self.started.pop(0)


def gate(plan: Plan, run_ids: list[str], *, reruns: int, success: frozenset[str] = frozenset({"SUCCEEDED"}),
         timeout: float = 60.0) -> list[Result]:
    clock = FakeClock()
    pacing = Pacing(clock=clock, deadline=Deadline(clock, timeout), progress=RecordingProgress(),
                    retry=RetryPolicy(settings=RetrySettings(), floor=1.0))
    return wait_for_runs([RunRef(r) for r in run_ids], reader=Reader(plan.fetch, lambda _workflow, _left: []), pacing=pacing,
                         policies=SamePolicy(FixedInterval(1.0)),
                         rules=Rules(success_statuses=success, rerun=plan.rerun, reruns=reruns))


def test_a_run_that_fails_once_then_passes_is_a_success_with_both_attempts() -> None:
    plan = Plan({FIRST: "FAILED", SECOND: "SUCCEEDED"}, [SECOND])
    [result] = gate(plan, [FIRST], reruns=2)
    assert (result.kind, result.exit_code, result.run_id) == ("success", ExitCode.SUCCESS, SECOND)
    assert plan.calls == [(FIRST, WORKFLOW_ID, 2)]
    attempts = result.to_dict()["attempts"]
    assert [(a["run-id"], a["status"]) for a in attempts] == [(FIRST, "FAILED"), (SECOND, "SUCCEEDED")]
    assert attempts[0]["duration-seconds"] == 205.5 and attempts[0]["run-url"].endswith(f"/runs/{FIRST}")


def test_a_run_that_never_passes_is_rerun_n_times_and_fails_with_every_attempt() -> None:
    plan = Plan({FIRST: "FAILED", SECOND: "FAILED", THIRD: "FAILED", FOURTH: "SUCCEEDED"}, [SECOND, THIRD, FOURTH])
    [result] = gate(plan, [FIRST], reruns=2)
    assert (result.kind, result.exit_code, result.run_id) == ("failure", ExitCode.RUN_FAILED, THIRD)
    assert [c[2] for c in plan.calls] == [2, 3]  # N = 2: three runs in all, never a fourth
    assert plan.firsts == [FIRST, FIRST]  # every rerun's token derives from the first attempt's run
    assert [a["run-id"] for a in result.to_dict()["attempts"]] == [FIRST, SECOND, THIRD]


@pytest.mark.parametrize("status", ["STOPPED", "CANCELLED", "SUPERSEDED", "NOT_RUN", "ABANDONED"])
def test_only_failed_is_rerun(status: str) -> None:
    plan = Plan({FIRST: status}, [SECOND])
    [result] = gate(plan, [FIRST], reruns=5)
    assert plan.calls == [] and result.run_id == FIRST and result.to_dict()["attempts"][0]["status"] == status


def test_failed_counted_as_success_is_not_rerun_and_none_without_the_option() -> None:
    plan = Plan({FIRST: "FAILED"}, [SECOND])
    assert gate(plan, [FIRST], reruns=2, success=frozenset({"SUCCEEDED", "FAILED"}))[0].kind == "success"
    assert gate(plan, [FIRST], reruns=0)[0].kind == "failure" and plan.calls == []


def test_a_timeout_is_not_rerun() -> None:
    plan = Plan({FIRST: "IN_PROGRESS"}, [SECOND])
    [result] = gate(plan, [FIRST], reruns=3, timeout=5.0)
    assert (result.kind, result.exit_code, plan.calls) == ("timeout", ExitCode.TIMEOUT, [])


def test_a_rerun_that_cannot_start_leaves_the_failure_standing_and_says_why() -> None:
    plan = Plan({FIRST: "FAILED"}, [], refuse=True)
    [result] = gate(plan, [FIRST], reruns=2)
    assert (result.kind, result.exit_code, result.run_id) == ("failure", ExitCode.RUN_FAILED, FIRST)
    assert result.message.startswith("the run ended FAILED; starting it again failed: HTTP 402")


def test_several_runs_each_rerun_on_its_own() -> None:
    plan = Plan({FIRST: "FAILED", OTHER: "SUCCEEDED", SECOND: "SUCCEEDED"}, [SECOND])
    results = gate(plan, [FIRST, OTHER], reruns=1)
    assert [(r.run_id, r.kind) for r in results] == [(SECOND, "success"), (OTHER, "success")]
    assert [len(r.to_dict()["attempts"]) for r in results] == [2, 1] and len(plan.calls) == 1


# -- the reports: the first failure is never hidden ------------------------------------------------------------


def flaky(final: str = "SUCCEEDED") -> Result:
    plan = Plan({FIRST: "FAILED", SECOND: final, THIRD: final}, [SECOND, THIRD])
    return gate(plan, [FIRST], reruns=2 if final == "FAILED" else 1)[0]


def test_junit_marks_a_run_that_passed_on_a_rerun_flaky_and_validates() -> None:
    text = junit.junit_xml(flaky())
    SCHEMA.validate(text)
    assert text.count("<flakyFailure ") == 1 and "<rerunFailure" not in text and "<failure" not in text
    assert f'message="attempt run {FIRST}: the run ended FAILED" type="FAILED"' in text


def test_junit_marks_a_run_that_never_passed_with_its_rerun_failures_and_validates() -> None:
    text = junit.junit_xml(flaky("FAILED"))
    SCHEMA.validate(text)
    assert text.count("<rerunFailure ") == 2 and text.count("<failure ") == 1 and "<flakyFailure" not in text


def test_every_summary_lists_the_attempts_first_failure_first_and_the_timeline_draws_each() -> None:
    result = flaky()
    [(label, value)] = run_summary(result).facts
    assert label == "Attempts" and value.startswith(f"1. run {FIRST} FAILED, 03:25; 2. run {SECOND} SUCCEEDED")
    text = mermaid.gantt([result])
    assert text is not None
    assert [line.split("section ")[1] for line in text.splitlines() if "section" in line] == [
        f"run {FIRST}", f"run {SECOND}"]  # the two share their first 8 characters: whole IDs tell them apart


def test_with_several_runs_every_summary_still_lists_each_runs_attempts() -> None:
    plan = Plan({FIRST: "FAILED", SECOND: "FAILED", OTHER: "FAILED", THIRD: "SUCCEEDED"}, [SECOND, THIRD])
    result = combined(gate(plan, [FIRST, OTHER], reruns=1))
    assert len(result.runs) == 2
    text = markdown.render(summarize(result))
    for first, last, end in ((FIRST, SECOND, "FAILED"), (OTHER, THIRD, "SUCCEEDED")):  # one never passed, one did
        told = f"1. run {first} FAILED, 03:25; 2. run {last} {end}, 03:25"
        [line] = [line for line in text.splitlines() if markdown.md(told) in line]
        assert line.startswith(f"- {markdown.md(f'run {last}')}") and line.endswith(f"Attempts: {markdown.md(told)}")
    annotation = github.failure_annotation(result)
    issue = azure.failure_issue(result)
    assert annotation is not None and issue is not None
    for said in (annotation.replace("%0A", "\n"), issue):  # the run that never passed: its first failure named
        assert f"Attempts: 1. run {FIRST} FAILED, 03:25; 2. run {SECOND} FAILED" in said.replace("%3A", ":")
        assert f"run {OTHER} FAILED" not in said  # it passed on its rerun: not a reason the gate failed


# -- the client tokens ----------------------------------------------------------------------------------------


def test_each_attempt_has_its_own_token_the_same_each_time_the_step_runs() -> None:
    env = {"GITHUB_RUN_ID": "7", "GITHUB_REPOSITORY": "o/r", "GITHUB_JOB": "j", "GITHUB_ACTION": "gate"}
    first = choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env=env)
    tokens = [rerun_token(first, n, FIRST).value for n in (2, 3)]
    assert tokens == [rerun_token(choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env=env), n, FIRST).value
                      for n in (2, 3)]  # the same step again: the same attempts
    assert len({first.value, *tokens}) == 3 and all(t.startswith(f"rr{n}-") for t, n in zip(tokens, (2, 3), strict=True))
    assert all(len(t) <= 64 for t in tokens)
    given = ClientToken("deploy-42", "given by --client-token")
    assert rerun_token(given, 2, FIRST).value != rerun_token(ClientToken("deploy-43", ""), 2, FIRST).value


def test_each_failed_run_has_its_own_rerun_token_even_when_the_step_token_is_shared() -> None:
    env = {"GITLAB_CI": "true", "CI_JOB_ID": "4242"}  # one GitLab job: every run of the workflow shares its token
    step = choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env=env)
    assert rerun_token(step, 2, FIRST).value != rerun_token(step, 2, OTHER).value
    assert rerun_token(step, 2, FIRST).value == rerun_token(step, 2, FIRST.upper()).value  # one run, however spelt


@pytest.mark.parametrize("env", [{"GITLAB_CI": "true", "CI_JOB_ID": "4242"}, {}], ids=["gitlab", "no-ci"])
def test_a_rerun_token_is_told_in_a_few_words_never_the_first_explanation_again(env: dict[str, str]) -> None:
    first = choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env=env)
    how = rerun_token(first, 3, FIRST).how
    assert how == f"derived from the first attempt's token, its run ID ({FIRST}) and the attempt number"
    assert first.how not in how and "derived from derived" not in how


# -- bad input: exit 2, the field named, nothing sent -----------------------------------------------------------


def test_zero_to_five_are_taken() -> None:
    from gate.config.validation import validate_rerun_failed

    assert [validate_rerun_failed(v) for v in ("0", "5", " 3 ", 2)] == [0, 5, 3, 2]


@pytest.mark.parametrize("value", ["-1", "6", "two", "1.5", " ", "0x2", "1000"])
def test_a_bad_count_is_exit_2_naming_the_field_and_the_rule(value: str) -> None:
    err = io.StringIO()
    raw = RawInputs(space=SPACE, project=PROJECT, run_id=FIRST, token=TOKEN, rerun_failed=value)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        code = app.main(raw, command="wait", env={}, stdout=io.StringIO(), stderr=err)
        assert len(mock.calls) == 0
    assert code == ExitCode.USAGE
    assert f"--rerun-failed: '{value}' is invalid: must be a whole number from 0 to 5" in err.getvalue()
