"""The clientToken: explicit and validated, or one per CI step execution, or random outside CI."""

from __future__ import annotations

import re

import pytest

from gate.config.validation import CLIENT_TOKEN_MAX_LENGTH as MAX_LENGTH
from gate.config.validation import CLIENT_TOKEN_PATTERN as PATTERN
from gate.errors import ExitCode, InputError
from gate.pick.idempotency import choose_client_token
from tests.conftest import WORKFLOW_ID

OTHER_WORKFLOW = "a1b2c3d4-5678-90ab-cdef-333333333333"
GITHUB = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "7012345678",
          "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "deploy", "GITHUB_ACTION": "gate"}
GITLAB = {"GITLAB_CI": "true", "CI_JOB_ID": "5501", "CI_PROJECT_ID": "42"}
AZURE = {"TF_BUILD": "True", "BUILD_BUILDID": "918", "SYSTEM_JOBATTEMPT": "1",
         "SYSTEM_JOBID": "12f1170f-54f2-53f3-20dd-22fc7dff55f9"}
JENKINS = {"JENKINS_URL": "https://ci.example/", "BUILD_TAG": "jenkins-shop-deploy-88"}


def token(env: dict[str, str], *, workflow_id: str = WORKFLOW_ID, explicit: str | None = None) -> str:
    return choose_client_token(explicit=explicit, workflow_id=workflow_id, env=env).value


def valid(value: str) -> bool:
    return 1 <= len(value) <= MAX_LENGTH and re.fullmatch(PATTERN, value) is not None


@pytest.mark.parametrize("value", ["a", "deploy-42", "v1.2.3_rc1", "a" * 64, "0"])
def test_an_explicit_token_is_used_as_given(value: str) -> None:
    chosen = choose_client_token(explicit=value, workflow_id=WORKFLOW_ID, env=GITHUB)
    assert (chosen.value, chosen.how) == (value, "given by --client-token")


@pytest.mark.parametrize(("value", "rule"), [
    ("a" * 65, "length must be 1-64"),
    ("-a", "must be letters and digits, with single '-', '_' or '.' between them"),
    ("a-", "must be letters and digits"), ("a--b", "must be letters and digits"), ("a b", "must be letters and digits"),
    ("a/b", "must be letters and digits"), ("ä", "must be letters and digits"), ("a\n", "must be letters and digits"),
])
def test_a_bad_explicit_token_names_the_flag_value_and_rule(value: str, rule: str) -> None:
    with pytest.raises(InputError) as caught:
        choose_client_token(explicit=value, workflow_id=WORKFLOW_ID, env={}, field="client-token")
    assert caught.value.exit_code == ExitCode.USAGE
    message = str(caught.value)
    assert message.startswith("client-token: ") and rule in message and repr(value) in message


@pytest.mark.parametrize("env", [GITHUB, GITLAB, AZURE, JENKINS], ids=["github", "gitlab", "azure", "jenkins"])
def test_the_same_step_and_attempt_give_the_same_valid_token(env: dict[str, str]) -> None:
    first = choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env=dict(env))
    assert valid(first.value) and first.value == token(dict(env))
    assert first.value == token(dict(env), workflow_id=WORKFLOW_ID.upper())  # ids compare case-insensitively
    assert first.value != token(dict(env), workflow_id=OTHER_WORKFLOW)
    assert "derived from this" in first.how and "the workflow ID" in first.how


@pytest.mark.parametrize(("env", "change"), [
    (GITHUB, {"GITHUB_RUN_ATTEMPT": "2"}), (GITHUB, {"GITHUB_RUN_ID": "7012345679"}),
    (GITHUB, {"GITHUB_JOB": "smoke"}), (GITHUB, {"GITHUB_ACTION": "__run_2"}),
    (GITHUB, {"GITHUB_REPOSITORY": "acme/fork"}),
    (GITLAB, {"CI_JOB_ID": "5502"}), (GITLAB, {"CI_PROJECT_ID": "43"}),
    (AZURE, {"SYSTEM_JOBATTEMPT": "2"}), (AZURE, {"BUILD_BUILDID": "919"}),
    (AZURE, {"SYSTEM_JOBID": "22f1170f-54f2-53f3-20dd-22fc7dff55f9"}),
    (JENKINS, {"BUILD_TAG": "jenkins-shop-deploy-89"}),
])
def test_a_new_attempt_or_another_step_gives_a_new_token(env: dict[str, str], change: dict[str, str]) -> None:
    assert token(env) != token(env | change)


def test_the_how_names_the_ci_variables_and_never_the_token() -> None:
    chosen = choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env=GITHUB)
    assert "GitHub Actions" in chosen.how and "GITHUB_RUN_ATTEMPT=1" in chosen.how and chosen.value not in chosen.how
    assert chosen.value.startswith("gh-") and len(chosen.value) == 43


def test_an_old_runner_without_run_attempt_counts_as_attempt_1() -> None:
    without = {k: v for k, v in GITHUB.items() if k != "GITHUB_RUN_ATTEMPT"}
    assert token(without) == token(GITHUB)


def test_outside_ci_a_random_token_per_invocation() -> None:
    tokens = {token({}) for _ in range(5)}
    assert len(tokens) == 5 and all(valid(t) for t in tokens)
    assert "random (no CI system detected)" in choose_client_token(explicit="", workflow_id=WORKFLOW_ID, env={}).how


def test_a_ci_system_missing_its_identity_falls_back_to_random_and_says_so() -> None:
    broken = {k: v for k, v in GITHUB.items() if k != "GITHUB_JOB"}
    chosen = choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env=broken, random_token=lambda: "r1")
    assert chosen.value == "r1" and "GITHUB_JOB unset" in chosen.how and "--client-token" in chosen.how


# What each CI system calls the execution the token is derived from, and what runs again or anew (issue 21): in
# GitLab the identity is the job and a retry is a new job; neither "step" nor "attempt" means anything there.
WORDS = [
    pytest.param(GITHUB, ["this GitHub Actions step (", "re-running this step in this attempt finds the same run",
                          "a new attempt starts a new one"], ["job", "build"], "this step", id="github"),
    pytest.param(GITLAB, ["this GitLab CI job (CI_JOB_ID=5501, CI_PROJECT_ID=42)",
                          "the gate run again in this job finds the same run",
                          "a retry of the job (a new job) starts a new one"], ["step", "attempt", "build"], "this job",
                 id="gitlab"),
    pytest.param(AZURE, ["this Azure Pipelines job (", "the gate run again in this attempt of the job finds the same run",
                         "a new attempt of the job starts a new one"], ["step", "build"], "this job", id="azure"),
    pytest.param(JENKINS, ["this Jenkins build (BUILD_TAG=jenkins-shop-deploy-88)",
                           "the gate run again in this build (a `retry` of the stage) finds the same run",
                           "a new build starts a new one"], ["step", "attempt", "job"], "this build", id="jenkins"),
]


@pytest.mark.parametrize(("env", "said", "foreign", "holder"), WORDS)
def test_the_log_uses_each_ci_systems_own_words(env: dict[str, str], said: list[str], foreign: list[str],
                                                holder: str) -> None:
    chosen = choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env=env)
    for words in said:
        assert words in chosen.how
    for word in foreign:
        assert not re.search(rf"\b{word}\b", chosen.how), word
    assert chosen.holder == holder


def test_an_identity_with_a_variable_missing_says_what_running_again_would_do_in_that_systems_words() -> None:
    chosen = choose_client_token(explicit=None, workflow_id=WORKFLOW_ID, env={**AZURE, "SYSTEM_JOBID": ""},
                                 random_token=lambda: "r1")
    assert chosen.how.startswith("random: Azure Pipelines detected but SYSTEM_JOBID unset, so the gate run again "
                                 "in this attempt of the job would start another run")
    assert choose_client_token(explicit="t1", workflow_id=WORKFLOW_ID, env=GITLAB).holder == \
        "a gate given this --client-token"
