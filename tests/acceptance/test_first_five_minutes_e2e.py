"""Issue 16 as a newcomer meets it, the gate run as a process: `wait` with nothing set, `--token`, and `validate`
at a terminal with no FILE (a real pseudo-terminal on stdin: it must refuse at once, not wait on it)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.acceptance.conftest import GATE, REPO, clean_env, run_gate

NO_ARGUMENTS = """\
codecatalyst-gate: error: CODECATALYST_TOKEN: a CodeCatalyst personal access token is required; set CODECATALYST_TOKEN \
or pass --token-file (or set AWS_BEARER_TOKEN_CODECATALYST, or --profile / AWS_PROFILE after `aws sso login`)
codecatalyst-gate: error: --space is required (or set CODECATALYST_SPACE)
codecatalyst-gate: error: --project is required (or set CODECATALYST_PROJECT)
codecatalyst-gate: error: --run-id is required (or set CODECATALYST_RUN_ID), or pick the run with --workflow NAME|ID \
and --start or --latest
"""


@pytest.mark.e2e
def test_wait_with_nothing_set_tells_everything_missing_at_once() -> None:
    done = run_gate("wait", env=clean_env())
    assert (done.returncode, done.stdout, done.stderr) == (2, "", NO_ARGUMENTS)


@pytest.mark.e2e
def test_token_on_the_command_line_is_refused_and_never_repeated() -> None:
    typed = "ccpat-typed-3e2e-5ecret"
    done = run_gate("wait", "--token", typed, env=clean_env())
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("codecatalyst-gate: error: --token: tokens are never taken on the command line")
    assert typed not in done.stderr


@pytest.mark.posix
@pytest.mark.e2e
def test_validate_without_file_at_a_terminal_refuses_at_once() -> None:
    import pty  # POSIX only (termios)

    leader, follower = pty.openpty()
    try:
        done = subprocess.run([*GATE, "validate"], stdin=follower, capture_output=True, text=True,
                              env=clean_env(), cwd=REPO, timeout=30)  # the timeout only stops a hang
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert done.stderr.startswith("codecatalyst-gate: error: validate: no FILE given and stdin is a terminal\n")
    assert "or - to read stdin" in done.stderr


ENTRYPOINT = (GATE[0], str(REPO / "entrypoint.py"))


def run_entrypoint(env: dict[str, str], *, terminal: bool) -> subprocess.CompletedProcess[str]:
    """The image's entrypoint with no arguments, stdin a pseudo-terminal (`docker run -it IMAGE`) or nothing."""
    import pty  # POSIX only (termios): the tests that call this are marked posix

    leader, follower = pty.openpty()
    try:
        return subprocess.run(ENTRYPOINT, stdin=follower if terminal else subprocess.DEVNULL, capture_output=True,
                              text=True, env=env, cwd=REPO, timeout=30)
    finally:
        os.close(follower)
        os.close(leader)


@pytest.mark.posix
@pytest.mark.e2e
@pytest.mark.parametrize("terminal", [False, True])
def test_the_image_with_no_arguments_at_a_shell_prints_its_usage(terminal: bool) -> None:
    """Issue 23: not the Action's `input 'token'` complaint, which names inputs a person never meant to give."""
    done = run_entrypoint(clean_env(), terminal=terminal)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("codecatalyst-gate: no arguments, and not in a GitHub Actions runner")
    assert "Usage: codecatalyst-gate [OPTIONS] COMMAND [ARGS]..." in done.stderr
    assert "docker run --rm -e CODECATALYST_TOKEN IMAGE wait --space SPACE" in done.stderr
    assert "input '" not in done.stderr


@pytest.mark.e2e
@pytest.mark.posix
def test_in_a_runner_at_a_terminal_the_inputs_decide() -> None:
    """act gives the container a terminal when it runs in one: with inputs it is still the Action."""
    person = run_entrypoint(clean_env(GITHUB_ACTIONS="true"), terminal=True)
    assert person.returncode == 2 and "docker run --rm" in person.stderr
    step = run_entrypoint(clean_env(GITHUB_ACTIONS="true", INPUT_SPACE="ExampleCorp"), terminal=True)
    assert step.returncode == 2 and "docker run --rm" not in step.stderr + step.stdout
    assert "input 'token'" in step.stderr + step.stdout and "input 'project'" in step.stderr + step.stdout
