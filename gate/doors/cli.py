"""The `codecatalyst-gate` command line: parse flags into settings, run, map errors to exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gate import __version__
from gate.config import fields
from gate.config.fields import Field
from gate.errors import ExitCode, exit_codes_help
from gate.report.describe import PREFIX
from gate.result import RESULT_KEYS, START_KEYS, answers_in_result, is_start_result
from gate.textsafe import escape_what_streams_cannot_encode
from gate.verdict import PRECEDENCE

TOKEN_REFUSED = (
    "--token: tokens are never taken on the command line, where the process list and the shell history keep them\n"
    "pass one in CODECATALYST_TOKEN: read -rsp 'CodeCatalyst token: ' CODECATALYST_TOKEN && export CODECATALYST_TOKEN\n"
    "or with --token-file PATH, AWS_BEARER_TOKEN_CODECATALYST, or an `aws sso login` session (--profile or AWS_PROFILE)"
)
TOKEN_VARIABLE = fields.BY_KEY["token"].env or ""  # the token comes from here, never argv
GROUP_EPILOG = "Each command's --help lists the exit codes it can return."


class GateUsageError(click.UsageError):
    """click's usage errors (unknown option, bad value, missing argument) told in the gate's own style, exit 2."""

    def show(self, file: Any = None) -> None:
        lines = self.format_message().splitlines() or [""]
        text = "".join(f"{PREFIX} error: {line}\n" for line in lines)
        if self.ctx is not None:
            text += f"{PREFIX} see '{self.ctx.command_path} --help'\n"
        click.echo(text, err=True, nl=False)


# click >= 8.2 shows the help for a bare `codecatalyst-gate` through a UsageError: that one stays as it is.
_HELP_NOT_ERROR: tuple[type[click.UsageError], ...] = tuple(
    t for t in (getattr(click.exceptions, "NoArgsIsHelpError", None),) if t is not None)


def _in_gate_style(error: click.UsageError) -> click.UsageError:
    if isinstance(error, (GateUsageError, *_HELP_NOT_ERROR)):
        return error
    return GateUsageError(error.format_message(), error.ctx)


class LazyGroup(click.Group):
    """Imports the emulator only when it is asked for: `wait` should not pay for it. Usage errors of every command
    are told in the gate's style; Ctrl-C outside a wait (which handles it itself) is exit 130, not click's 1."""

    lazy = {"emulator": "gate.emulator.command:emulator_command"}

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Every way into the CLI (the console script, `python -m gate`, the image) comes here first: from now on
        no stream encoding can make a write raise (gate.textsafe)."""
        escape_what_streams_cannot_encode()
        return super().main(*args, **kwargs)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as e:
            raise _in_gate_style(e) from e.__cause__

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            raise _in_gate_style(e) from e.__cause__
        except click.ClickException as e:  # a command's own failure (the emulator's busy port): the same style
            click.echo("".join(f"{PREFIX} error: {line}\n" for line in e.format_message().splitlines()), err=True,
                       nl=False)
            sys.exit(e.exit_code)
        except KeyboardInterrupt:
            sys.exit(int(ExitCode.SIGINT))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attr = self.lazy[name].split(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, epilog=GROUP_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="codecatalyst-gate")
def main() -> None:
    """Wait on an Amazon CodeCatalyst workflow run and turn its outcome into an exit code."""


def precedence_text() -> str:
    """gate.verdict.PRECEDENCE as the help says it: `130/143, 70, 2, …, 0` (the two signals are one rank)."""
    codes = [str(int(code)) for code in PRECEDENCE]
    signals = {str(int(ExitCode.SIGINT)), str(int(ExitCode.SIGTERM))}
    return ", ".join(["/".join(c for c in codes if c in signals), *(c for c in codes if c not in signals)])


def field_option(f: Field, command: str) -> Callable[[Any], Any]:
    """The click option of one row of the field table (gate.config.fields), in `command`'s own words."""
    declared = [f.flag or f"--{f.key}", *([f.short] if f.short else []), f.attribute]
    kinds: dict[str, dict[str, Any]] = {
        "text": {}, "flag": {"is_flag": True}, "list": {"multiple": True, "type": Listed()},
        "path": {"type": click.Path(dir_okay=False, path_type=Path)}, "file": {"type": click.Path(dir_okay=False)},
        "number": {"type": float}}
    return click.option(*declared, envvar=f.env, hidden=f.hidden, help=f.cli_help(command), metavar=f.metavar,
                        **kinds[f.kind])


def field_options(command: str) -> Callable[[Any], Any]:
    """Every option `command` has, from the field table, in its order; and for a secret field of it (the token),
    which has no flag, a hidden `--<key>` that only says how to pass it."""
    def decorate(func: Any) -> Any:
        for f in (f for f in fields.FIELDS if f.secret and command in f.commands):
            func = click.option(f"--{f.key}", hidden=True, expose_value=False, is_eager=True, is_flag=False,
                                flag_value="", callback=_refuse_secret)(func)
        for f in reversed(fields.options_of(command)):
            func = field_option(f, command)(func)
        return func
    return decorate


def _refuse_secret(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """A hidden `--token`: the Action input and the emulator option are called `token`, so users try it; they get
    how to pass a token, and the value they typed is never repeated."""
    if value is not None:
        raise GateUsageError(TOKEN_REFUSED, ctx)


def raw_inputs(options: dict[str, Any], **more: Any) -> Any:
    """The flags as given, plus what the CLI reads from its environment; every rule runs in gate.config.settings."""
    import os

    from gate.config.inputs import RawInputs, azure_summary_dir, in_azure_pipelines
    from gate.config.settings import OutputTargets

    outputs = OutputTargets(json_stdout=options.pop("json_stdout", False), output_file=options.pop("output_file", None),
                            dotenv_file=options.pop("dotenv_file", None), junit_xml=options.pop("junit_xml", None),
                            azure=in_azure_pipelines(os.environ), azure_summary_dir=azure_summary_dir(os.environ))
    ctx = click.get_current_context(silent=True)
    door: fields.Door = "cli"
    if ctx is not None and ctx.find_root().obj is not None:  # started by the image's entrypoint.py
        from gate.doors import container

        if ctx.find_root().obj == container.DOCKER_RUN:  # the host's variables stay outside unless passed in
            more.setdefault("token_hint", container.TOKEN_HINT)
            door = "container"
    more.setdefault("naming", fields.Naming(door, given_by(ctx, os.environ)))
    return RawInputs(token=os.environ.get(TOKEN_VARIABLE), token_env=os.environ, outputs=outputs, **options,
                     **more)


def given_by(ctx: click.Context | None, env: Mapping[str, str]) -> dict[str, fields.Source]:
    """Where each field given came from: its flag, or its variable (click says which); the token, its variable."""
    found = {"token": fields.Source.ENV} if env.get(TOKEN_VARIABLE, "").strip() else {}
    for f in fields.FIELDS:
        source = ctx.get_parameter_source(f.attribute) if ctx is not None and f.flag else None
        if source is click.core.ParameterSource.COMMANDLINE:
            found[f.key] = fields.Source.FLAG
        elif source is click.core.ParameterSource.ENVIRONMENT:
            found[f.key] = fields.Source.ENV
    return found


if TYPE_CHECKING:
    _TextType = click.ParamType[str, str]
else:  # click before 8.2 has no type parameters on ParamType
    _TextType = click.ParamType


class Listed(_TextType):
    """Text, repeatable; in its environment variable several are comma-separated (click would split on blanks,
    and a workflow's name may hold one)."""

    name = "text"
    envvar_list_splitter = ","

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return value


@main.command(epilog=exit_codes_help("wait") + "\n\n\b\nResult keys: " + ", ".join(RESULT_KEYS)
              + "; and runs, each run's own, when several are gated (the exit code is then the most serious "
                f"outcome: {precedence_text()})"
              + "\n\nIn Azure Pipelines (TF_BUILD=True) each key is also set as the output variable "
                "CODECATALYST_GATE_<KEY> (##vso commands on stdout, or on stderr with --json).")
@field_options("wait")
def wait(**options: Any) -> None:
    """Poll a workflow run until it ends; exit 0 only if it ended in a success status."""
    from gate.app import main as gate_main

    sys.exit(gate_main(raw_inputs(options), command="wait"))


@main.command(epilog=exit_codes_help("start") + "\n\n\b\nKeys written: " + ", ".join(START_KEYS)
              + "; when the start fails, every key of `wait`, with result and exit-code")
@field_options("start")
def start(**options: Any) -> None:
    """Start a run of a workflow once and exit at once, without waiting; `wait --run-id` gates it later.

    A start retried in the same CI job or step finds the run it started (one client token per execution), so
    re-running the step starts no second run.
    """
    from gate.app import main as gate_main

    sys.exit(gate_main(raw_inputs(options), command="start"))


@main.command(epilog=exit_codes_help("get"))
@field_options("get")
def get(**options: Any) -> None:
    """Fetch one GetWorkflowRun answer, validate it, and print it as JSON."""
    from gate.app import main as gate_main

    sys.exit(gate_main(raw_inputs(options), command="get"))


@main.command(epilog=exit_codes_help("schema"))
def schema() -> None:
    """Print the JSON Schema that every GetWorkflowRun answer must pass."""
    from gate.api.schema import schema_text

    click.echo(schema_text().rstrip("\n"))


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


@main.command(epilog=exit_codes_help("validate"))
@click.argument("file", type=click.File("rb"), required=False)
def validate(file: Any) -> None:
    """Validate a saved GetWorkflowRun response (FILE, or - for stdin); list every violation.

    The gate's own result object (`wait --output-file`, `wait --json`) is validated by its response (each run's,
    with several runs).
    """
    from gate.api.schema import parse_document, validate_response
    from gate.app import refuse
    from gate.config.settings import OutputTargets
    from gate.errors import InvalidResponse

    if file is None:
        if stdin_is_terminal():  # it would wait, silently, for a document nobody is typing
            raise click.UsageError("validate: no FILE given and stdin is a terminal\npass a saved answer "
                                   "(validate run.json), or - to read stdin (get ... | validate -)")
        file = sys.stdin.buffer
    name = getattr(file, "name", "-")
    source = "stdin" if name in ("-", "<stdin>") or not isinstance(name, str) else name
    try:
        document = parse_document(file.read(), source=source)
        if is_start_result(document):  # a run ID and no answer: not an answer with every field missing
            raise InvalidResponse(f"{source}: the result of `start`, which holds a run-id and no GetWorkflowRun "
                                  "answer to validate: `get --run-id` fetches one, `wait --run-id --output-file` "
                                  "keeps one under `response`")
        if (answers := answers_in_result(document)) is None:
            validate_response(document, source=source)
            click.echo(f"{source}: valid GetWorkflowRun response")
            return
        validate_result_answers(answers, source=source)
    except InvalidResponse as e:
        sys.exit(refuse(e, OutputTargets()))
    which = "its response" if len(answers) == 1 else f"each of its {len(answers)} runs' responses"
    click.echo(f"{source}: the gate's result object; {which} is a valid GetWorkflowRun response")


def validate_result_answers(answers: list[tuple[str, Any]], *, source: str) -> None:
    """Every answer of a result object, each violation under its path ($.response.id: …), all told at once."""
    from gate.api.schema import validate_response
    from gate.errors import InvalidResponse

    found: list[str] = []
    for path, answer in answers:
        if answer is None:
            found.append(f"{path}: null: the gate received no valid answer, so there is none to validate")
            continue
        try:
            validate_response(answer, source=source)
        except InvalidResponse as e:
            found += [f"{path}{v[1:]}" if v.startswith("$") else v for v in e.violations] or [f"{path}: {e}"]
    if found:
        raise InvalidResponse(f"{source}: the gate's result object; its GetWorkflowRun answer does not pass "
                              "(the answer is under response)", violations=tuple(found))
