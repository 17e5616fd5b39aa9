"""The one composition root, behind the CLI, the container and the Action alike: inputs → settings → the gate →
an exit code. Here are the clock, the HTTP client, the redactor, the display, the sink and the outer signal guard
made (gate.wait.watch, the wait itself, builds only on them); every entry point is a parser that fills `RawInputs` and
calls `main`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import traceback
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from gate.api.client import CodeCatalystClient
from gate.api.operations import Api
from gate.config.given import Given, given_values
from gate.config.inputs import RawInputs, output_targets, parse_settings
from gate.config.settings import Command, OutputTargets, Settings
from gate.errors import ExitCode, GateError
from gate.report.describe import PREFIX
from gate.report.redact import Redactor, short_token_warning
from gate.report.sink import Sink
from gate.result import NOT_THROTTLED, Result
from gate.textsafe import inert_line

if TYPE_CHECKING:
    from gate.clock import Clock


def main(raw: RawInputs, *, command: Command, env: Mapping[str, str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, clock: Clock | None = None) -> int:
    """Parse, then run; returns the exit code. Bad input is told in full and nothing is sent; a bug is told as one,
    never as a verdict."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    secret = raw.token
    try:
        try:
            settings = parse_settings(raw, command=command)
        except GateError as e:
            return refuse(e, outputs_despite(raw), secret=raw.token, stdout=out, stderr=err,
                          write_result=command != "get", given=given_values(raw, e))
        secret = settings.project.token
        return run(settings, env=env, stdout=out, stderr=err, clock=clock)
    except Exception:  # noqa: BLE001 - the last line of defence: a bug must not read as a verdict
        lines = Redactor(secret).text(traceback.format_exc()).splitlines()
        err.write(f"{PREFIX} internal error: this is a bug in codecatalyst-gate; please report it with the "
                  "traceback below (the token is masked)\n"
                  + "".join(f"{PREFIX} | {inert_line(line)}\n" for line in lines))  # our prefix: no line is a command
        err.flush()
        if command != "get":  # best effort: the outputs say it too, unless writing them is what failed
            with contextlib.suppress(Exception):  # the traceback above is the report that matters
                bug = GateError("internal error in codecatalyst-gate (a bug: see the log)")
                report_error(bug, outputs_despite(raw), redactor=Redactor(secret), stdout=out, stderr=err,
                             given=given_values(raw, bug))
        return int(ExitCode.INTERNAL)


def outputs_despite(raw: RawInputs) -> OutputTargets:
    """Where the result goes, even when the other inputs are refused (with the default prefix if its own is)."""
    try:
        return output_targets(raw)
    except GateError:
        return dataclasses.replace(raw.outputs, naming=raw.naming)


def refuse(error: GateError, outputs: OutputTargets, *, secret: str | None = None, stdout: TextIO | None = None,
           stderr: TextIO | None = None, write_result: bool = False, given: Given | None = None) -> int:
    """An error before anything was sent (bad input, a file that is no GetWorkflowRun answer), told where the
    outputs say errors go, and with `write_result` also as the result (`error`, with its exit code, the good values
    `given`, and no API call) in every output asked for, so that a later job or step reads why; returns its exit
    code."""
    redactor = Redactor(secret)
    Sink(outputs, redactor=redactor, stdout=stdout or sys.stdout, stderr=stderr or sys.stderr).error(
        error, title="CodeCatalyst gate: bad input")
    if write_result:
        report_error(error, outputs, redactor=redactor, stdout=stdout or sys.stdout, stderr=stderr or sys.stderr,
                     given=given or Given(), api_calls={})
    return int(error.exit_code)


def report_error(error: GateError, outputs: OutputTargets, *, redactor: Redactor, stdout: TextIO,
                 stderr: TextIO, given: Given | None = None, api_calls: dict[str, int] | None = None) -> None:
    """The result of a gate that an error ended before it knew any run, written where the outputs go, with what it
    knew (`given`; the calls it made, when known); the error itself was told already (so no second annotation)."""
    sink = Sink(dataclasses.replace(outputs, github_commands=False), redactor=redactor, stdout=stdout, stderr=stderr)
    known = given or Given()
    result = Result(kind=error.kind, exit_code=error.exit_code, space=known.space, project=known.project,
                    run_id=known.run_id, workflow_name=known.workflow_name, message=str(error), api_calls=api_calls,
                    throttled=None if api_calls is None else NOT_THROTTLED)  # known when the calls are: none
    sink.result(result)
    verdict(result, sink)  # tells each output that could not be written; the exit code stays the error's


def run(settings: Settings, *, env: Mapping[str, str] | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None, clock: Clock | None = None) -> int:
    env = os.environ if env is None else env
    out, err = stdout or sys.stdout, stderr or sys.stderr
    project = settings.project
    redactor = Redactor(project.token)
    sink = Sink(settings.outputs, redactor=redactor, stdout=out, stderr=err)
    if redactor.too_short:
        sink.warning(short_token_warning(project.token_source), title="CodeCatalyst gate: short token")
    with CodeCatalystClient(endpoint=project.endpoint, token=project.token, env=env,
                            mask=redactor.text) as client:
        api = Api(client, space=project.space, project=project.project)
        if settings.command == "get":
            assert settings.run.run_id is not None  # inputs.run_choice: `get` takes a run ID only
            return get(settings.run.run_id, api=api, sink=sink)
        # The wait's machinery (policies, the loop, signals, displays) loads here: `get` never pays for it.
        from gate.clock import SystemClock
        from gate.report.display import make_display
        from gate.wait.signals import deferred_signals
        from gate.wait.watch import fenced, watch

        clock = clock or SystemClock()
        stream = out if settings.display.stream == "stdout" else err
        display = make_display(settings.display, redactor=redactor, clock=clock, stream=stream, env=env)
        if settings.command == "start":  # no summary nor JUnit report: the run is not judged yet
            sink.targets = dataclasses.replace(sink.targets, github_summary=None, junit_xml=None)
        with deferred_signals():  # between the wait's end and the written result, no signal can cut in
            with fenced(stream, enabled=settings.display.fenced, title=log_title(settings)):
                if settings.command == "start":
                    from gate.wait.launch import launch

                    result = launch(settings, api=api, display=display, clock=clock, env=env)
                else:
                    result = watch(settings, api=api, display=display, clock=clock, env=env, announce=sink.outputs)
            result = dataclasses.replace(result, api_calls=dict(client.calls))
            sink.result(result)
    return verdict(result, sink)


def log_title(settings: Settings) -> str:
    choice = settings.run
    if choice.run_ids:
        return f"Polling CodeCatalyst workflow run{'s' if len(choice.run_ids) > 1 else ''} {', '.join(choice.run_ids)}"
    how = "Starting" if settings.command == "start" else \
        "Starting and polling" if choice.start else "Polling the newest run of"
    names = ", ".join(ref.workflow for ref in choice.workflows)
    return f"{how} CodeCatalyst workflow{'s' if len(choice.workflows) > 1 else ''} {names}"


def verdict(result: Result, sink: Sink) -> int:
    """Tells each output that could not be written; returns the exit code (gate.verdict decides it)."""
    from gate.verdict import exit_code

    for problem in sink.not_written:
        sink.error(problem, title="CodeCatalyst gate: result not written")
    return int(exit_code(result, written=not sink.not_written))


def get(run_id: str, *, api: Api, sink: Sink) -> int:
    """`codecatalyst-gate get`: the answer itself, whatever the run's status."""
    try:
        document = api.get_run(run_id)
    except GateError as e:
        sink.error(e)
        return int(e.exit_code)
    sink.document(document)
    return int(ExitCode.SUCCESS)
