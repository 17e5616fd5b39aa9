"""The `codecatalyst-gate` command line: parse flags into settings, run, map errors to exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gate import __version__
from gate.defaults import CI_SINCE_GRACE, DEFAULT_ENDPOINT, FIPS_ENDPOINT
from gate.errors import ExitCode, exit_codes_help
from gate.report.describe import PREFIX
from gate.result import RESULT_KEYS, answers_in_result
from gate.statuses import TERMINAL_STATUSES
from gate.textsafe import escape_what_streams_cannot_encode

TOKEN_REFUSED = (
    "--token: tokens are never taken on the command line, where the process list and the shell history keep them\n"
    "pass one in CODECATALYST_TOKEN: read -rsp 'CodeCatalyst token: ' CODECATALYST_TOKEN && export CODECATALYST_TOKEN\n"
    "or with --token-file PATH, AWS_BEARER_TOKEN_CODECATALYST, or an `aws sso login` session (--profile or AWS_PROFILE)"
)
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


RUN_ID_HELP = {
    "wait": "Workflow run ID, a UUID; repeat it or comma-separate several to gate them together "
            "[env CODECATALYST_RUN_ID].",
    "get": "Workflow run ID, a UUID (one) [env CODECATALYST_RUN_ID].",
}


def target_options(command: str) -> Callable[[Any], Any]:
    """The options that say which run and how to reach the API, --run-id in `command`'s own words."""
    return lambda func: _with_target_options(func, run_id_help=RUN_ID_HELP[command])


def _with_target_options(func: Any, *, run_id_help: str) -> Any:
    options = [
        click.option("--space", envvar="CODECATALYST_SPACE", help="Space name [env CODECATALYST_SPACE]."),
        click.option("--project", envvar="CODECATALYST_PROJECT", help="Project name [env CODECATALYST_PROJECT]."),
        click.option("--run-id", "run_id", envvar="CODECATALYST_RUN_ID", multiple=True, type=Listed(),
                     help=run_id_help),
        click.option("--endpoint", envvar="CODECATALYST_ENDPOINT",
                     help=f"API endpoint, https (http only for loopback) [default {DEFAULT_ENDPOINT}; "
                          "env CODECATALYST_ENDPOINT]."),
        click.option("--fips", is_flag=True, help=f"Use the FIPS endpoint {FIPS_ENDPOINT}."),
        click.option("--token-file", type=click.Path(dir_okay=False),
                     help="Read the bearer token from this file. Without it the token comes from env "
                          "CODECATALYST_TOKEN, then AWS_BEARER_TOKEN_CODECATALYST, then the `aws sso login` cache "
                          "of --profile / AWS_PROFILE; never from argv."),
        click.option("--profile", help="AWS profile whose `aws sso login` token to use when no token is set "
                                       "[env AWS_PROFILE]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def raw_inputs(options: dict[str, Any], **more: Any) -> Any:
    """The flags as given, plus what the CLI reads from its environment; every rule runs in gate.config.settings."""
    import os

    from gate.config.inputs import RawInputs, azure_summary_dir, in_azure_pipelines
    from gate.config.settings import OutputTargets

    outputs = OutputTargets(json_stdout=options.pop("json_stdout", False), output_file=options.pop("output_file", None),
                            dotenv_file=options.pop("dotenv_file", None), junit_xml=options.pop("junit_xml", None),
                            azure=in_azure_pipelines(os.environ), azure_summary_dir=azure_summary_dir(os.environ))
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().obj is not None:  # started by the image's entrypoint.py
        from gate.doors import container

        if ctx.find_root().obj == container.DOCKER_RUN:  # the host's variables stay outside unless passed in
            more.setdefault("token_hint", container.TOKEN_HINT)
    return RawInputs(token=os.environ.get("CODECATALYST_TOKEN"), token_env=os.environ, outputs=outputs, **options,
                     **more)


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


def choice_options(func: Any) -> Any:
    """Which run: --run-id, or a workflow with --start or --latest."""
    options = [
        click.option("--workflow", envvar="CODECATALYST_WORKFLOW", multiple=True, type=Listed(),
                     help="Pick the run through this workflow, by ID (a UUID), exact name, or NAME@BRANCH; with "
                          "--start or --latest, instead of --run-id. Repeat it or comma-separate several to gate "
                          "their runs together [env CODECATALYST_WORKFLOW]."),
        click.option("--branch", envvar="CODECATALYST_BRANCH",
                     help="With --workflow NAME: the workflow's source branch [env CODECATALYST_BRANCH]."),
        click.option("--repository", envvar="CODECATALYST_REPOSITORY",
                     help="With --workflow NAME: the workflow's source repository [env CODECATALYST_REPOSITORY]."),
        click.option("--start", is_flag=True, envvar="CODECATALYST_START",
                     help="Start a new run of --workflow, then wait on it; a retried start never makes a second "
                          "run (one client token per CI job or step execution)."),
        click.option("--latest", is_flag=True, envvar="CODECATALYST_LATEST",
                     help="Wait on the newest run of --workflow (by start time), looking until one exists."),
        click.option("--since", envvar="CODECATALYST_SINCE",
                     help="With --latest: only a run started at or after this RFC 3339 time [default in CI: when "
                          f"the pipeline was created or its push happened, less {CI_SINCE_GRACE:g} s; elsewhere "
                          "none, and a run that ended before the gate started is reported stale; env "
                          "CODECATALYST_SINCE]."),
        click.option("--client-token", envvar="CODECATALYST_CLIENT_TOKEN",
                     help="With --start: StartWorkflowRun's idempotency token [default: derived from the CI job's "
                          "or step's identity and the workflow, random outside CI; env CODECATALYST_CLIENT_TOKEN]."),
        click.option("--follow-superseded", is_flag=True, envvar="CODECATALYST_FOLLOW_SUPERSEDED",
                     help="When the run ends SUPERSEDED, gate on the run that superseded it instead (repeatedly, "
                          "under the one deadline)."),
        click.option("--fail-fast", is_flag=True, envvar="CODECATALYST_FAIL_FAST",
                     help="With several runs: stop at the first that can no longer pass, and report the others as "
                          "they stood."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command(epilog=exit_codes_help("wait") + "\n\n\b\nResult keys: " + ", ".join(RESULT_KEYS)
              + "; and runs, each run's own, when several are gated (the exit code is then the most serious "
                "outcome: 130/143, 70, 2, 4, 5, 6, 3, 1, 0)"
              + "\n\nIn Azure Pipelines (TF_BUILD=True) each key is also set as the output variable "
                "CODECATALYST_GATE_<KEY> (##vso commands on stdout, or on stderr with --json).")
@target_options("wait")
@choice_options
@click.option("--interval",
              help="Time between polls, fixed (e.g. 10, 10s, 1m; minimum 0.1 s) [default: adaptive when omitted: "
                   "sparse while the run is far from the workflow's usual duration, dense around it, never more "
                   "often than every second].")
@click.option("--timeout", help="Give up after this long (e.g. 3600, 90m, 1h30m); 0 means never [default 1h].")
@click.option("--success-status", "success_statuses", multiple=True,
              help="Terminal status that counts as success; repeat or comma-separate [default SUCCEEDED]. "
                   "One of: " + ", ".join(sorted(TERMINAL_STATUSES)) + ".")
@click.option("--json", "json_stdout", is_flag=True, help="Print the result object as JSON on stdout.")
@click.option("--output-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the result object as JSON to this file.")
@click.option("--dotenv", "dotenv_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every result key as CODECATALYST_GATE_<KEY>=value to this file, one a line "
                   "(GitLab artifacts:reports:dotenv, Jenkins readProperties).")
@click.option("--output-prefix", envvar="CODECATALYST_OUTPUT_PREFIX",
              help="The prefix of the --dotenv and Azure variables' names, so that two gates can feed one job "
                   "(e.g. STAGING_); never one that names an input [default CODECATALYST_GATE_; "
                   "env CODECATALYST_OUTPUT_PREFIX].")
@click.option("--junit-xml", "junit_xml", type=click.Path(dir_okay=False, path_type=Path),
              envvar="CODECATALYST_JUNIT_XML",
              help="Also write a JUnit XML report to this file: one testcase per run, a failure for a run that "
                   "failed, an error for one the gate could not judge (GitLab, Jenkins and Azure test tabs) "
                   "[env CODECATALYST_JUNIT_XML].")
@click.option("--heartbeat",
              help="When stderr is not a terminal, print a line after this long without one (e.g. 60, 5m), so "
                   "CI systems that stop silent jobs don't; 0 turns it off [default 60s].")
@click.option("--quiet", "-q", is_flag=True,
              help="Print errors and warnings only (outputs and exit codes are unchanged).")
@click.option("--retry-base", type=float, hidden=True, envvar="CODECATALYST_RETRY_BASE",
              help="The backoff's first ceiling in seconds [default 2]; tests set 0 to retry at the interval.")
def wait(**options: Any) -> None:
    """Poll a workflow run until it ends; exit 0 only if it ended in a success status."""
    from gate.app import main as gate_main

    sys.exit(gate_main(raw_inputs(options), command="wait"))


@main.command(epilog=exit_codes_help("get"))
@target_options("get")
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


def _refuse_token(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """A hidden `--token` on wait and get: the Action input and the emulator option are called `token`, so users
    try it; they get how to pass a token, and the value they typed is never repeated."""
    if value is not None:
        raise GateUsageError(TOKEN_REFUSED, ctx)


# Added after the fact so that wait's and get's own option lists stay as they are.
_command: click.Command
for _command in (wait, get):
    _command.params.append(click.Option(["--token"], hidden=True, expose_value=False, is_eager=True, is_flag=False,
                                        flag_value="", callback=_refuse_token))
