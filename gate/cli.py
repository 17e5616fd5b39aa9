"""The `codecatalyst-gate` command line: parse flags into settings, run, map errors to exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gate import __version__
from gate.errors import EXIT_CODE_MEANINGS, GateError
from gate.inputs import DEFAULT_ENDPOINT, FIPS_ENDPOINT
from gate.result import RESULT_KEYS
from gate.statuses import TERMINAL_STATUSES

EXIT_CODES_HELP = "\b\nExit codes:\n" + "\n".join(
    f"  {int(code):>3}  {meaning}" for code, meaning in EXIT_CODE_MEANINGS.items()
)


def fail(error: GateError) -> None:
    """The one place an error becomes a process exit."""
    from gate.progress import PREFIX
    from gate.textsafe import inert_line

    for line in str(error).splitlines():
        click.echo(f"{PREFIX} error: {inert_line(line)}", err=True)
    sys.exit(int(error.exit_code))


class LazyGroup(click.Group):
    """Imports the emulator only when it is asked for: `wait` should not pay for it."""

    lazy = {"emulator": "gate.emulator.command:emulator_command"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attr = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="codecatalyst-gate")
def main() -> None:
    """Wait on an Amazon CodeCatalyst workflow run and turn its outcome into an exit code."""


def target_options(func: Any) -> Any:
    options = [
        click.option("--space", envvar="CODECATALYST_SPACE", help="Space name [env CODECATALYST_SPACE]."),
        click.option("--project", envvar="CODECATALYST_PROJECT", help="Project name [env CODECATALYST_PROJECT]."),
        click.option("--run-id", envvar="CODECATALYST_RUN_ID", help="Workflow run ID, a UUID [env CODECATALYST_RUN_ID]."),
        click.option("--endpoint", envvar="CODECATALYST_ENDPOINT",
                     help=f"API endpoint, https (http only for loopback) [default {DEFAULT_ENDPOINT}; env CODECATALYST_ENDPOINT]."),
        click.option("--fips", is_flag=True, help=f"Use the FIPS endpoint {FIPS_ENDPOINT}."),
        click.option("--token-file", type=click.Path(dir_okay=False),
                     help="Read the bearer token from this file (else from env CODECATALYST_TOKEN; never from argv)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_target(*, space: str | None, project: str | None, run_id: str | None, endpoint: str | None,
                 fips: bool, token_file: str | None) -> Any:
    import os

    from gate.settings import read_token, run_target

    token = read_token(env_token=os.environ.get("CODECATALYST_TOKEN"), token_file=token_file)
    return run_target(space=space, project=project, run_id=run_id, token=token, endpoint=endpoint, fips=fips)


@main.command(epilog=EXIT_CODES_HELP + "\n\n\b\nResult keys: " + ", ".join(RESULT_KEYS)
              + "\n\nIn Azure Pipelines (TF_BUILD=True) each key is also set as the output variable "
                "CODECATALYST_<KEY> (##vso commands on stdout, or on stderr with --json).")
@target_options
@click.option("--interval", type=float,
              help="Seconds between polls, fixed (minimum 0.1) [default: adaptive when omitted: sparse while "
                   "the run is far from the workflow's usual duration, dense around it, never more often "
                   "than every second].")
@click.option("--timeout", type=float, help="Give up after this many seconds; 0 means never [default 3600].")
@click.option("--success-status", "success_statuses", multiple=True,
              help="Terminal status that counts as success; repeat or comma-separate [default SUCCEEDED]. "
                   "One of: " + ", ".join(sorted(TERMINAL_STATUSES)) + ".")
@click.option("--json", "json_stdout", is_flag=True, help="Print the result object as JSON on stdout.")
@click.option("--output-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the result object as JSON to this file.")
@click.option("--dotenv", "dotenv_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every result key as CODECATALYST_<KEY>=value to this file, one a line "
                   "(GitLab artifacts:reports:dotenv, Jenkins readProperties).")
@click.option("--heartbeat", type=float, default=60.0,
              help="When stderr is not a terminal, print a line after this many seconds without one, so CI "
                   "systems that stop silent jobs don't; 0 turns it off [default 60].")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only (outputs and exit codes are unchanged).")
def wait(*, space: str | None, project: str | None, run_id: str | None, endpoint: str | None, fips: bool,
         token_file: str | None, interval: float | None, timeout: float | None,
         success_statuses: tuple[str, ...], json_stdout: bool, output_file: Path | None,
         dotenv_file: Path | None, heartbeat: float, quiet: bool) -> None:
    """Poll a workflow run until it ends; exit 0 only if it ended in a success status."""
    import math
    import os

    from gate.app import watch
    from gate.clock import SystemClock
    from gate.display import make_display
    from gate.errors import InputError
    from gate.formats import azure
    from gate.redact import Redactor
    from gate.reporting import OutputTargets, emit
    from gate.settings import wait_settings
    from gate.signals import deferred_signals

    try:
        target = build_target(space=space, project=project, run_id=run_id, endpoint=endpoint,
                              fips=fips, token_file=token_file)
        settings = wait_settings(target=target, interval=interval, timeout=timeout,
                                 success_statuses=success_statuses)
        if heartbeat != 0 and not (math.isfinite(heartbeat) and heartbeat >= 1):
            raise InputError("--heartbeat", heartbeat, "must be 0 (off) or at least 1 second")
        for flag, path in (("--output-file", output_file), ("--dotenv", dotenv_file)):
            if path is not None and not path.absolute().parent.is_dir():
                raise InputError(flag, str(path), "its folder must exist: the file is written when the wait ends")
    except GateError as e:
        fail(e)
    redactor = Redactor(target.token)
    clock = SystemClock()
    display = make_display(redactor=redactor, clock=clock, quiet=quiet, heartbeat=heartbeat)
    with deferred_signals():  # between the wait's end and the written result, no signal can cut in
        result = watch(settings, display, clock)
        emit(result, OutputTargets(json_stdout=json_stdout, output_file=output_file, dotenv_file=dotenv_file,
                                   azure=azure.detected(os.environ)), redactor=redactor)
    sys.exit(int(result.exit_code))


@main.command(epilog=EXIT_CODES_HELP)
@target_options
def get(*, space: str | None, project: str | None, run_id: str | None, endpoint: str | None, fips: bool,
        token_file: str | None) -> None:
    """Fetch one GetWorkflowRun answer, validate it, and print it as JSON."""
    from gate.app import get_run
    from gate.textsafe import json_text

    try:
        target = build_target(space=space, project=project, run_id=run_id, endpoint=endpoint,
                              fips=fips, token_file=token_file)
        document = get_run(target)
    except GateError as e:
        fail(e)
    click.echo(json_text(document, indent=2))


@main.command()
def schema() -> None:
    """Print the JSON Schema that every GetWorkflowRun answer must pass."""
    from gate.schema import schema_text

    click.echo(schema_text().rstrip("\n"))


@main.command()
@click.argument("file", type=click.File("rb"), default="-")
def validate(file: Any) -> None:
    """Validate a saved GetWorkflowRun response (FILE, or - for stdin); list every violation."""
    from gate.errors import InvalidResponse
    from gate.schema import parse_document, validate_response

    name = getattr(file, "name", "-")
    source = "stdin" if name in ("-", "<stdin>") or not isinstance(name, str) else name
    try:
        validate_response(parse_document(file.read(), source=source), source=source)
    except InvalidResponse as e:
        fail(e)
    click.echo(f"{source}: valid GetWorkflowRun response")
