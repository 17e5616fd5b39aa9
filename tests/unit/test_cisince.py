"""`--since` from the CI system when none is given (pure): GitHub's event payload, GitLab's and Azure's variables."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gate import defaults
from gate.pick.cisince import CiSince, ci_since

PUSHED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
GRACE = timedelta(seconds=defaults.CI_SINCE_GRACE)


def github(event: str, payload: Any, **extra: str) -> tuple[dict[str, str], Any]:
    """A GitHub Actions environment whose event payload is `payload` (read through the injected reader)."""
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": "/github/workflow/event.json",
           **extra}
    read: list[str] = []

    def read_text(path: str) -> str:
        read.append(path)
        if isinstance(payload, Exception):
            raise payload
        return payload if isinstance(payload, str) else json.dumps(payload)

    return env, (read_text, read)


def since(env: dict[str, str], reader: Any = None, **kwargs: Any) -> CiSince:
    read_text = reader[0] if reader else (lambda path: pytest.fail(f"{path} read outside GitHub"))
    return ci_since(env, read_text=read_text, **kwargs)


def test_outside_ci_there_is_no_time_and_nothing_to_say() -> None:
    assert since({}) == CiSince(None, "") and since({"CI": "true", "GITHUB_ACTIONS": "false"}) == CiSince(None, "")


def test_a_push_is_the_push_by_github_s_clock_less_the_grace() -> None:
    env, reader = github("push", {"repository": {"pushed_at": int(PUSHED.timestamp())},
                                  "head_commit": {"timestamp": "2026-11-30T07:00:00+01:00"}})
    found = since(env, reader)
    assert found.moment == PUSHED - GRACE and reader[1] == ["/github/workflow/event.json"]
    assert found.source == ("GitHub's push event (repository.pushed_at) 2026-11-30T09:00:00+00:00, less "
                            f"{defaults.CI_SINCE_GRACE:g} s for clock skew")


def test_a_push_without_pushed_at_falls_back_to_the_head_commit_and_the_grace_is_a_setting() -> None:
    env, reader = github("push", {"repository": {"pushed_at": None},
                                  "head_commit": {"timestamp": "2026-11-30T10:00:00+01:00"}})
    found = since(env, reader, grace=5)
    assert found.moment == PUSHED - timedelta(seconds=5) and "(head_commit.timestamp)" in found.source


@pytest.mark.parametrize(("event", "payload", "label"), [
    ("pull_request", {"pull_request": {"updated_at": "2026-11-30T09:00:00Z"}}, "pull_request.updated_at"),
    ("pull_request_target", {"pull_request": {"updated_at": "2026-11-30T09:00:00Z"}}, "pull_request.updated_at"),
    ("workflow_run", {"workflow_run": {"created_at": "2026-11-30T09:00:00Z"}}, "workflow_run.created_at"),
    ("push", {"repository": {"pushed_at": "2026-11-30T09:00:00Z"}}, "repository.pushed_at"),  # text, too
])
def test_each_event_s_own_time(event: str, payload: dict[str, Any], label: str) -> None:
    env, reader = github(event, payload)
    found = since(env, reader)
    assert found.moment == PUSHED - GRACE and f"GitHub's {event} event ({label})" in found.source


@pytest.mark.parametrize("event", ["schedule", "workflow_dispatch", "release", ""])
def test_events_without_a_time_of_this_pipeline_give_none_and_say_so(event: str) -> None:
    # repository.pushed_at is there, but it is the repository's last push to any branch, not this pipeline's.
    env, reader = github(event, {"repository": {"pushed_at": "2026-11-30T09:00:00Z"}})
    found = since(env, reader)
    assert found.moment is None and reader[1] == []
    assert found.source == f"GitHub Actions, but its {event or 'unnamed'} event carries no time of this pipeline"


@pytest.mark.parametrize(("payload", "why"), [
    (FileNotFoundError(2, "No such file"), "its event payload could not be read (FileNotFoundError)"),
    ("{not json", "its event payload could not be read (JSONDecodeError)"),
    ([1, 2], "its push event has no repository.pushed_at or head_commit.timestamp"),
    ({"repository": {"pushed_at": True}}, "has no repository.pushed_at"),  # not a number of seconds
    ({"repository": {"pushed_at": -5}}, "has no repository.pushed_at"),
    ({"repository": {"pushed_at": 10**20}}, "has no repository.pushed_at"),
    ({"repository": {"pushed_at": "yesterday"}, "head_commit": {"timestamp": "2026-11-30T09:00:00"}},
     "has no repository.pushed_at"),  # no offset: not a time to compare
    ({"repository": "x", "head_commit": None}, "has no repository.pushed_at"),
])
def test_an_unreadable_or_odd_payload_gives_none_and_says_why(payload: Any, why: str) -> None:
    env, reader = github("push", payload)
    found = since(env, reader)
    assert found.moment is None and why in found.source


def test_no_event_path_gives_none() -> None:
    env, reader = github("push", {})
    del env["GITHUB_EVENT_PATH"]
    assert since(env, reader) == CiSince(None, "GitHub Actions, but GITHUB_EVENT_PATH is not set")


@pytest.mark.parametrize(("env", "source"), [
    ({"GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": "2026-11-30T09:00:00Z"}, "CI_PIPELINE_CREATED_AT (GitLab)"),
    ({"GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": "2026-11-30T10:00:00+01:00"}, "CI_PIPELINE_CREATED_AT (GitLab)"),
    ({"TF_BUILD": "True", "SYSTEM_PIPELINESTARTTIME": "2026-11-30 09:00:00+00:00"},
     "SYSTEM_PIPELINESTARTTIME (Azure Pipelines)"),
])
def test_gitlab_and_azure_variables(env: dict[str, str], source: str) -> None:
    found = since(env)
    assert found.moment == PUSHED - GRACE and found.source.startswith(source)


@pytest.mark.parametrize(("env", "why"), [
    ({"GITLAB_CI": "true"}, "GitLab, but CI_PIPELINE_CREATED_AT is not set"),
    ({"GITLAB_CI": "true", "CI_PIPELINE_CREATED_AT": "30/11/2026 09:00"},
     "GitLab, but CI_PIPELINE_CREATED_AT is not a time with a UTC offset"),
    ({"TF_BUILD": "True"}, "Azure Pipelines, but SYSTEM_PIPELINESTARTTIME is not set"),
    ({"TF_BUILD": "True", "SYSTEM_PIPELINESTARTTIME": "11/30/2026 09:00:00"},
     "Azure Pipelines, but SYSTEM_PIPELINESTARTTIME is not a time with a UTC offset"),
])
def test_a_missing_or_unreadable_variable_gives_none_and_says_why(env: dict[str, str], why: str) -> None:
    assert since(env) == CiSince(None, why)


@pytest.mark.parametrize("env", [{"GITHUB_ACTIONS": " TRUE "}, {"GITLAB_CI": "True"}, {"TF_BUILD": "true"}])
def test_each_ci_is_known_by_its_own_variable_whatever_its_case(env: dict[str, str]) -> None:
    assert since(env, github("schedule", {})[1]).source != ""
    assert since({name: "false" for name in env}) == CiSince(None, "")  # set, but not true


def test_github_without_an_event_name_says_unnamed() -> None:
    env, reader = github("push", {})
    del env["GITHUB_EVENT_NAME"]
    assert since(env, reader) == CiSince(None, "GitHub Actions, but its unnamed event carries no time of this pipeline")


@pytest.mark.parametrize(("seconds", "moment"), [
    (0, None), (-5, None), (1, datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)), (1e300, None), (True, None)])
def test_epoch_seconds_count_from_one(seconds: Any, moment: datetime | None) -> None:
    env, reader = github("push", {"repository": {"pushed_at": seconds}})
    found = since(env, reader, grace=0)
    assert found.moment == moment
