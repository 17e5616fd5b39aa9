"""What the README states, checked against what it states it about (issue 23's item 9): the options table against
the CLI, the Action's outputs against action.yml, the cross-references against its headings, the AWS CLI command
against the API model, and the limits it names (Linux runners, no way to stop a run) against their causes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import yaml

from gate.doors.cli import main

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
MODEL = json.loads((REPO / "tests" / "spec" / "codecatalyst-workflows-model.json").read_text(encoding="utf-8"))


def section(heading: str) -> str:
    """The text under `heading` up to the next heading of any level."""
    start = README.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(r"^#{1,6} ", README[start:], re.M)
    return README[start:start + following.start()] if following else README[start:]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_cross_reference_names_a_heading() -> None:
    anchors = {slug(line.lstrip("#")) for line in README.splitlines() if re.match(r"#{1,6} ", line)}
    dangling = sorted(set(re.findall(r"\]\(#([^)]+)\)", README)) - anchors)
    assert not dangling, f"links to no heading: {dangling}"


def test_the_options_table_pairs_each_option_with_its_own_variable() -> None:
    """`--token-file PATH` sat beside CODECATALYST_TOKEN, which read as if the variable held a path."""
    wait = main.commands["wait"]
    options = {opt: param for param in wait.params if isinstance(param, click.Option) for opt in param.opts}
    table = section("### The CLI") if "\n### The CLI\n" in README else section("## The CLI")
    rows = [tuple(cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:3]) for line in table.splitlines()
            if line.startswith("| ") and not line.startswith("| option")]
    checked = 0
    for flags, variables in rows:
        named = re.findall(r"`(--[a-z-]+)", flags)
        envs = re.findall(r"`([A-Z_]+)`", variables)
        for flag in named:
            assert flag in options, f"the table names {flag}, which wait does not have"
        if named and envs:
            for flag, env in zip(named, envs, strict=True):
                option = options[flag]  # its variable: click's, or one the gate reads itself and its help names
                assert env == option.envvar or f"[env {env}]" in (option.help or ""), f"{flag} is paired with {env}"
            checked += 1
    assert checked >= 10
    assert any(not re.findall(r"`--", flags) and "`CODECATALYST_TOKEN`" in variables for flags, variables in rows)


def test_the_outputs_list_names_every_output_of_action_yml() -> None:
    listed = re.findall(r"`([a-z-]+)`", section("### Outputs").split("\n\n")[0])
    assert set(ACTION["outputs"]) <= set(listed), sorted(set(ACTION["outputs"]) - set(listed))


def test_the_section_starts_with_which_action_runs_on_which_runner() -> None:
    """Issue 28: the Docker action on Linux runners only, the composite on any runner, each with its cold start."""
    composite = yaml.safe_load((REPO / "any-runner" / "action.yml").read_text(encoding="utf-8"))
    assert (ACTION["runs"]["using"], composite["runs"]["using"]) == ("docker", "composite")
    text = section("## GitHub Actions")
    rows = [line for line in text.splitlines() if line.startswith("| `OWNER/")]
    assert text.lstrip("\n").startswith("| `uses:` |") and len(rows) == 2, rows
    docker, any_runner = rows
    assert "`OWNER/codecatalyst-gate@v1`" in docker and "Linux runners only" in docker and "image pull" in docker
    assert "`OWNER/codecatalyst-gate/any-runner@v1`" in any_runner and "any runner" in any_runner
    assert "Python install" in any_runner
    assert all(re.search(r"\| \d+(\.\d+)? s[^|]*\|$", row) for row in rows), rows
    assert "Tested on Linux; written for macOS and Windows" in text


def test_stopping_the_gate_is_said_to_leave_the_run_going_since_the_api_cannot_stop_it() -> None:
    assert not [name for name in MODEL["operations"] if name.startswith(("Stop", "Cancel"))]
    codes = section("### Exit codes")
    assert "ends the wait, not the CodeCatalyst run" in codes and "no operation that stops a run" in codes


def test_the_aws_cli_start_command_carries_every_required_member() -> None:
    """It said `start-workflow-run ...`; the request needs the workflow ID, which the README did not say."""
    text = " ".join(section("### On your account").split())
    [command] = re.findall(r"`(aws codecatalyst start-workflow-run [^`]+)`", text)
    for member in MODEL["shapes"]["StartWorkflowRunRequest"]["required"]:
        flag = "--" + re.sub(r"(?<!^)([A-Z])", r"-\1", member).lower()
        assert flag in command.split(), f"{command!r} lacks {flag}"


def test_the_container_section_says_how_to_reach_an_emulator_on_the_host() -> None:
    text = section("### The emulator on the host")
    assert "--network host" in text and "--endpoint http://127.0.0.1:" in text


def test_the_inputs_table_names_exactly_the_inputs_of_action_yml() -> None:
    """B5: `rerun-failed` was in action.yml and missing from the table: the table is the Action's inputs, no more."""
    rows = [line for line in section("### Inputs").splitlines() if line.startswith("| `")]
    listed = [name for row in rows for name in re.findall(r"`([a-z-]+)`", row.split("|")[1])]
    assert len(listed) == len(set(listed)), listed
    assert set(listed) == set(ACTION["inputs"]), (sorted(set(ACTION["inputs"]) - set(listed)),
                                                  sorted(set(listed) - set(ACTION["inputs"])))


def test_wait_false_names_every_output_a_start_writes() -> None:
    from gate.result import START_KEYS

    said = " ".join(ACTION["inputs"]["wait"]["description"].split())
    assert all(key in said for key in START_KEYS), [key for key in START_KEYS if key not in said]


def test_the_dotenv_and_exit_6_are_told_as_the_code_does_them() -> None:
    """A start's dotenv keeps `api-calls` (it has 10 keys, under 20); `get` exits 6 for a throttled call."""
    from gate.errors import COMMAND_EXIT_CODES, ExitCode
    from gate.report.formats.dotenv import MAX_VARIABLES
    from gate.result import START_KEYS

    assert len(START_KEYS) <= MAX_VARIABLES and "The dotenv leaves it out" not in README
    assert "a `start`'s (10 keys) keeps them all, `CODECATALYST_GATE_API_CALLS`" in " ".join(README.split())
    assert f"({len(START_KEYS)} keys)" in " ".join(README.split())
    assert "429" in COMMAND_EXIT_CODES["get"][ExitCode.UNAVAILABLE]
    [row6] = [line for line in section("### Exit codes").splitlines() if line.startswith("| 6 |")]
    assert "`get` asks once, so it exits 6 for a throttled call" in row6
