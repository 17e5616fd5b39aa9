"""Each command's --help is its own (issue 23): it names only options that command has, lists only its own exit
codes, and borrows no other command's words. Every command is found by walking the click tree, so a new one is
checked without being listed here."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from gate.doors.cli import main
from gate.errors import COMMAND_EXIT_CODES

OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
QUOTED = re.compile(r"`([^`]+)`")


def walk(command: click.Command = main, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            found = command.get_command(ctx, name)
            assert found is not None
            yield from walk(found, (*path, name))


COMMANDS = dict(walk())


def options_of(command: click.Command) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            names.update(param.opts + param.secondary_opts)
    return names


def help_of(path: tuple[str, ...]) -> str:
    shown = CliRunner().invoke(main, [*path, "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    return shown.output


def command_named(words: list[str]) -> tuple[str, ...] | None:
    """The longest command path the words of a quoted invocation start with (`codecatalyst-gate ` optional)."""
    if words[:1] == ["codecatalyst-gate"]:
        words = words[1:]
    for length in range(len(words), 0, -1):
        if tuple(words[:length]) in COMMANDS:
            return tuple(words[:length])
    return None


def test_the_walk_finds_every_command() -> None:
    assert {" ".join(path) for path in COMMANDS} >= {"", "wait", "get", "schema", "validate", "emulator",
                                                     "emulator start-run"}


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda path: " ".join(path) or "codecatalyst-gate")
def test_a_commands_help_names_only_its_own_options(path: tuple[str, ...]) -> None:
    """`other --option` in backquotes is about that other command, and is checked against its options."""
    text = help_of(path)
    for quoted in QUOTED.findall(text):
        other = command_named(quoted.split())
        if other is not None and other != path:
            for option in OPTION.findall(quoted):
                assert option in options_of(COMMANDS[other]), f"{quoted!r}: `{' '.join(other)}` has no {option}"
    own = QUOTED.sub(lambda m: "" if command_named(m[1].split()) not in (None, path) else m[0], text)
    strangers = sorted(set(OPTION.findall(own)) - options_of(COMMANDS[path]))
    assert not strangers, f"{' '.join(path)} --help names options it does not have: {strangers}"


@pytest.mark.parametrize("path", [p for p in COMMANDS if p], ids=" ".join)
def test_a_commands_help_lists_its_own_exit_codes(path: tuple[str, ...]) -> None:
    text = help_of(path)
    block = text[text.index("Exit codes:"):]
    listed = {int(code): meaning.strip() for code, meaning in re.findall(r"^\s+(\d+)  (.+)$", block, re.M)}
    assert listed == {int(code): meaning for code, meaning in COMMAND_EXIT_CODES[" ".join(path)].items()}


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda path: " ".join(path) or "codecatalyst-gate")
def test_a_commands_help_borrows_no_other_commands_words(path: tuple[str, ...]) -> None:
    """`get --help` said "for `wait`, repeat it…", and exit 2 for a workflow name, though get takes neither."""
    text = help_of(path)
    names = {name for other in COMMANDS for name in other} - set(path)
    assert not [name for name in names if re.search(rf"\bfor [`']{re.escape(name)}[`']", text)], text
    if "--workflow" not in options_of(COMMANDS[path]):
        assert "workflow name" not in text and "nothing started" not in text, text


def test_a_count_reads_as_a_count_in_the_help() -> None:
    assert re.search(r"--rerun-failed N\b", help_of(("wait",))), "a count shown as TEXT misleads"
