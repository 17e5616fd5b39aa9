"""The image's own door (entrypoint.py): with arguments it is the CLI, run as `docker run IMAGE …`; with none, in a
GitHub Actions runner, it is the Action. Anywhere else no arguments is a person at a shell, who gets the usage and
the `docker run` forms instead of the Action's complaint about inputs they never meant to give."""

from __future__ import annotations

from collections.abc import Mapping

from gate.report.describe import PREFIX

# click's `obj` for a CLI started by entrypoint.py: the host's variables are not seen inside unless passed with -e.
DOCKER_RUN = "docker run"

TOKEN_HINT = ("the container sees only the variables passed to it: docker run -e CODECATALYST_TOKEN … (no value: "
              "the host's is passed through, kept off the command line), or -e AWS_BEARER_TOKEN_CODECATALYST, or "
              "--token-file on a file mounted with -v")

DOCKER_RUN_FORMS = """\
From a shell, give the image a command, as to codecatalyst-gate:
  docker run --rm -e CODECATALYST_TOKEN IMAGE wait --space SPACE --project PROJECT --run-id RUN_ID
  docker run --rm -e CODECATALYST_TOKEN IMAGE wait --space SPACE --project PROJECT --workflow NAME --start
  docker run --rm -e CODECATALYST_TOKEN IMAGE start --space SPACE --project PROJECT --workflow NAME --json
  docker run --rm IMAGE --help                  every command; IMAGE COMMAND --help, its options and exit codes
An emulator on the host (codecatalyst-gate emulator --port 8080) is reached on the host's network:
  docker run --rm --network host -e CODECATALYST_TOKEN IMAGE wait --endpoint http://127.0.0.1:8080 …
In GitHub Actions, `uses:` runs the image with no arguments and its inputs as INPUT_* variables.
"""


def runs_the_action(env: Mapping[str, str], *, at_a_terminal: bool) -> bool:
    """No arguments: the Action in a runner (GitHub's runners, and act, set GITHUB_ACTIONS=true), unless at a
    terminal with no INPUT_* given, which is a person. A terminal alone does not decide: act gives the container one
    when act itself runs in one, with the step's inputs."""
    if env.get("GITHUB_ACTIONS", "").strip().lower() != "true":
        return False
    return not at_a_terminal or any(name.startswith("INPUT_") for name in env)


def usage(cli_help: str) -> str:
    """What no arguments outside a runner prints (on stderr, exit 2): why, the CLI's usage, the docker run forms."""
    return (f"{PREFIX} no arguments, and not in a GitHub Actions runner: give the image a command\n\n"
            f"{cli_help.rstrip()}\n\n{DOCKER_RUN_FORMS}")
