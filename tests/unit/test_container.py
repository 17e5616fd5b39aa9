"""The image at a shell (issue 23): no arguments outside a runner is a person, who gets the usage and the
`docker run` forms; a token missing inside the container is one not passed in with -e."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gate.doors import container
from gate.doors.cli import main
from tests.conftest import PROJECT, RUN_ID, SPACE

ARGS = ["wait", "--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID]


@pytest.mark.parametrize(("env", "terminal", "action"), [
    ({}, False, False),  # `docker run IMAGE` in a script
    ({}, True, False),  # `docker run -it IMAGE` at a shell
    ({"INPUT_SPACE": SPACE}, False, False),  # inputs, but no runner: not the Action either
    ({"GITHUB_ACTIONS": "true", "INPUT_SPACE": SPACE}, False, True),  # the runner
    ({"GITHUB_ACTIONS": "true"}, False, True),  # the runner, every input left out: the Action says which it needs
    ({"GITHUB_ACTIONS": "true", "INPUT_SPACE": SPACE}, True, True),  # act in a terminal gives the container one
    ({"GITHUB_ACTIONS": "true"}, True, False),  # a person at a runner's shell
    ({"GITHUB_ACTIONS": "false", "INPUT_SPACE": SPACE}, False, False),
])
def test_no_arguments_run_the_action_only_in_a_runner(env: dict[str, str], terminal: bool, action: bool) -> None:
    assert container.runs_the_action(env, at_a_terminal=terminal) is action


def test_the_usage_says_why_and_shows_the_docker_run_forms() -> None:
    text = container.usage("Usage: codecatalyst-gate [OPTIONS] COMMAND [ARGS]...\n")
    assert text.startswith("codecatalyst-gate: no arguments, and not in a GitHub Actions runner")
    assert "Usage: codecatalyst-gate [OPTIONS] COMMAND" in text
    assert "docker run --rm -e CODECATALYST_TOKEN IMAGE wait --space SPACE --project PROJECT --run-id RUN_ID" in text
    assert "--network host" in text and "http://127.0.0.1:8080" in text


@pytest.mark.parametrize("in_container", [True, False])
def test_a_missing_token_in_the_container_hints_at_passing_it_in(monkeypatch: pytest.MonkeyPatch,
                                                                 in_container: bool) -> None:
    for name in ("CODECATALYST_TOKEN", "AWS_BEARER_TOKEN_CODECATALYST", "AWS_PROFILE", "CODECATALYST_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    outcome = CliRunner().invoke(main, ARGS, obj=container.DOCKER_RUN if in_container else None)
    assert outcome.exit_code == 2
    assert "CODECATALYST_TOKEN: a CodeCatalyst personal access token is required" in outcome.stderr
    assert ("docker run -e CODECATALYST_TOKEN" in outcome.stderr) is in_container
    assert ("set CODECATALYST_TOKEN or pass --token-file" in outcome.stderr) is not in_container
