"""The one composition root, behind the CLI, the container and the Action alike: inputs → settings → the gate →
an exit code. Only here are the clock, the HTTP client, the redactor, the display, the sink and the signal guards
made; every entry point is a parser that fills `RawInputs` and calls `main`.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from gate.client import CodeCatalystClient
from gate.clock import Clock, Deadline, SystemClock
from gate.describe import PREFIX
from gate.errors import ExitCode, GateError
from gate.policy import FLOOR, Adaptive, FixedInterval
from gate.progress import Progress
from gate.redact import Redactor
from gate.reporting import Sink
from gate.result import Result
from gate.retry import RetryPolicy
from gate.schema import validate_response
from gate.settings import Command, OutputTargets, RawInputs, RunTarget, Settings, parse_settings
from gate.signals import cancel_on_signals, deferred_signals
from gate.waiter import RunRef, wait_for_run

if TYPE_CHECKING:
    from gate.display import Display
    from gate.history import History
    from gate.picker import Picked, Picker
    from gate.policy import PollPolicy


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
            return refuse(e, raw.outputs, secret=raw.token, stdout=out, stderr=err)
        secret = settings.project.token
        return run(settings, env=env, stdout=out, stderr=err, clock=clock)
    except Exception:  # noqa: BLE001 - the last line of defence: a bug must not read as a verdict
        from gate.textsafe import inert_line

        lines = Redactor(secret).text(traceback.format_exc()).splitlines()
        err.write(f"{PREFIX} internal error: this is a bug in codecatalyst-gate; please report it with the "
                  "traceback below (the token is masked)\n"
                  + "".join(f"{PREFIX} | {inert_line(line)}\n" for line in lines))  # our prefix: no line is a command
        err.flush()
        return int(ExitCode.INTERNAL)


def refuse(error: GateError, outputs: OutputTargets, *, secret: str | None = None, stdout: TextIO | None = None,
           stderr: TextIO | None = None) -> int:
    """An error before anything was sent (bad input, a file that is no GetWorkflowRun answer), told where the
    outputs say errors go; returns its exit code."""
    Sink(outputs, redactor=Redactor(secret), stdout=stdout or sys.stdout, stderr=stderr or sys.stderr).error(
        error, title="CodeCatalyst gate: bad input")
    return int(error.exit_code)


def run(settings: Settings, *, env: Mapping[str, str] | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None, clock: Clock | None = None) -> int:
    env = os.environ if env is None else env
    out, err = stdout or sys.stdout, stderr or sys.stderr
    project = settings.project
    redactor = Redactor(project.token)
    sink = Sink(settings.outputs, redactor=redactor, stdout=out, stderr=err)
    with CodeCatalystClient(endpoint=project.endpoint, token=project.token) as client:
        if settings.command == "get":
            assert settings.run.run_id is not None  # settings.run_choice: `get` takes a run ID only
            return get(project.run(settings.run.run_id), client=client, sink=sink)
        clock = clock or SystemClock()
        stream = out if settings.display.stream == "stdout" else err
        from gate.display import make_display

        display = make_display(settings.display, redactor=redactor, clock=clock, stream=stream, env=env)
        with deferred_signals():  # between the wait's end and the written result, no signal can cut in
            with fenced(stream, enabled=settings.display.fenced, title=log_title(settings)):
                result = gate(settings, client=client, display=display, clock=clock, sink=sink, env=env)
            sink.result(result)
    return verdict(result, sink)


def log_title(settings: Settings) -> str:
    choice = settings.run
    if choice.run_ids:
        return f"Polling CodeCatalyst workflow run{'s' if len(choice.run_ids) > 1 else ''} {', '.join(choice.run_ids)}"
    how = "Starting and polling" if choice.start else "Polling the newest run of"
    names = ", ".join(ref.workflow for ref in choice.workflows)
    return f"{how} CodeCatalyst workflow{'s' if len(choice.workflows) > 1 else ''} {names}"


def verdict(result: Result, sink: Sink) -> int:
    """The exit code: the result's, except that an output that could not be written turns a success or a failure
    into NOT_WRITTEN (the other codes already say what stopped the gate)."""
    for problem in sink.not_written:
        sink.error(problem, title="CodeCatalyst gate: result not written")
    if sink.not_written and result.exit_code in (ExitCode.SUCCESS, ExitCode.RUN_FAILED):
        return int(ExitCode.NOT_WRITTEN)
    return int(result.exit_code)


@contextmanager
def fenced(stream: TextIO, *, enabled: bool, title: str) -> Iterator[None]:
    """In GitHub Actions: the poll log in a group, with workflow commands stopped, so no line inside can be taken
    as one whatever a server sends."""
    if not enabled:
        yield
        return
    import secrets

    from gate.formats import github

    fence = secrets.token_hex(16)
    stream.write(github.command("group", title) + "\n" + f"::stop-commands::{fence}\n")
    stream.flush()
    try:
        yield
    finally:
        stream.write(f"::{fence}::\n::endgroup::\n")
        stream.flush()


def fetch_run(target: RunTarget, client: CodeCatalystClient, *, remaining: float | None = None) -> dict[str, Any]:
    """One validated GetWorkflowRun answer, as the server sent it."""
    document = client.get_workflow_run(space=target.space, project=target.project, run_id=target.run_id,
                                       remaining=remaining)
    return validate_response(document, space=target.space, project=target.project, run_id=target.run_id)


def get(target: RunTarget, *, client: CodeCatalystClient, sink: Sink) -> int:
    """`codecatalyst-gate get`: the answer itself, whatever the run's status."""
    try:
        document = fetch_run(target, client)
    except GateError as e:
        sink.error(e)
        return int(e.exit_code)
    sink.document(document)
    return int(ExitCode.SUCCESS)


def choose_policy(settings: Settings, *,
                  load_history: Callable[[str, float | None], History] | None = None) -> PollPolicy:
    """`--interval` is a fixed interval; without it, the adaptive policy learns the workflow's history."""
    from gate.history import LearnsHistory  # only `wait` needs it: `get` never loads it

    if settings.polling.interval is not None:
        return FixedInterval(settings.polling.interval)
    if load_history is None:
        return Adaptive()
    return LearnsHistory(load_history)


def history_loader(target: RunTarget, client: CodeCatalystClient,
                   progress: Progress) -> Callable[[str, float | None], History]:
    """The workflow's past durations, asked for at most once, by `LearnsHistory`, and told to the user."""
    from gate.history import fetch_history

    def load(workflow_id: str, remaining: float | None) -> History:
        history = fetch_history(client, space=target.space, project=target.project,
                                workflow_id=workflow_id, run_id=target.run_id, remaining=remaining)
        progress.history_learned(durations=history.durations, note=history.note)
        return history

    return load


def gate(settings: Settings, *, client: CodeCatalystClient, display: Display, clock: Clock, sink: Sink,
         env: Mapping[str, str]) -> Result:
    """The gate as people see it: pick the run, wait for it (and for each run that supersedes it, when asked), all
    under one deadline; a first frame before the first request, ticks while it sleeps, a summary at the end.
    Signals end it with `result = cancelled`; the result is always returned, never raised."""
    from gate.display import DisplayClock
    from gate.picker import Picked, Picker

    project, polling = settings.project, settings.polling
    if project.token_source:
        display.note(f"token from {project.token_source}")
    display.tick(clock.now())
    ticking, began = DisplayClock(clock, display), clock.now()
    deadline = Deadline(ticking, polling.timeout)
    retry = RetryPolicy(settings=polling.retry, floor=polling.interval or FLOOR)
    picker = Picker(client=client, project=project, clock=ticking, deadline=deadline, retry=retry,
                    policy=choose_policy(settings), progress=display, env=env)
    single = settings.run.count == 1

    def told(run: Picked) -> None:  # at once: a job cancelled or timed out later still says which run it is
        if single and run.workflow is not None:
            sink.outputs({"run-id": run.run_id, "started": "true" if run.started else "false"})

    picked: list[Picked] = [Picked(run_id) for run_id in settings.run.run_ids]
    try:
        with cancel_on_signals():
            picked = picker.pick(settings.run, names=settings.names, picked=told)
            if single:
                result = wait_following(settings, picked[0], picker=picker, client=client, display=display,
                                        clock=ticking, deadline=deadline, retry=retry, began=began, sink=sink)
            else:
                result = wait_together(settings, picked, picker=picker, client=client, display=display,
                                       clock=ticking, deadline=deadline, retry=retry, began=began)
    except GateError as e:  # in picking the runs (or a signal between two waits): the gate could not judge them
        result = Result(kind=e.kind, exit_code=e.exit_code, space=project.space, project=project.project,
                        run_id=picked[0].run_id if len(picked) == 1 else "", message=str(e))
        if len(picked) == 1:
            result = described(result, picked[0])
    display.finished(result)
    return result


def described(result: Result, picked: Picked) -> Result:
    """A run's result with what picking it told: its workflow's name, whether this gate started it."""
    return dataclasses.replace(result, workflow_name=(picked.workflow or {}).get("name"), started=picked.started)


def wait_following(settings: Settings, picked: Picked, *, picker: Picker, client: CodeCatalystClient,
                   display: Display, clock: Clock, deadline: Deadline, retry: RetryPolicy, began: float,
                   sink: Sink) -> Result:
    """One run, and with --follow-superseded each run that superseded it, under the one deadline."""
    followed: list[str] = []
    polls = 0  # every GetWorkflowRun call of the gate, the followed runs' included
    while True:
        result = wait(settings, settings.project.run(picked.run_id), client=client, display=display, clock=clock,
                      deadline=deadline, retry=retry, began=began, reached=picker.reached)
        picker.reached = picker.reached or result.response is not None
        polls += result.polls
        result = dataclasses.replace(described(result, picked), followed=tuple(followed), polls=polls)
        if not (settings.run.follow_superseded and result.response and result.kind == "failure"
                and result.response.get("status") == "SUPERSEDED"):
            return result
        try:
            successor = picker.successor(result.response)
        except GateError as e:  # the superseded run's result stands, with why the gate could not go on
            return dataclasses.replace(result, kind=e.kind, exit_code=e.exit_code, message=str(e))
        followed.append(picked.run_id)
        picked = dataclasses.replace(picked, run_id=successor, started=False)  # a run this gate did not start
        sink.outputs({"run-id": picked.run_id, "started": "false"})


def wait_together(settings: Settings, picked: list[Picked], *, picker: Picker, client: CodeCatalystClient,
                  display: Display, clock: Clock, deadline: Deadline, retry: RetryPolicy, began: float) -> Result:
    """Several runs with one verdict (gate.group): batched polling, one schedule, one deadline."""
    from gate import group
    from gate.schema import validate_list_workflow_runs

    project = settings.project
    policies: dict[str | None, PollPolicy] = {}

    def policy_for(workflow_id: str | None) -> PollPolicy:
        if workflow_id not in policies:
            loader = history_loader(project.run(picked[0].run_id), client, display) if workflow_id else None
            policies[workflow_id] = choose_policy(settings, load_history=loader)
        return policies[workflow_id]

    def listing(workflow_id: str, remaining: float | None) -> list[dict[str, Any]]:
        page = client.list_workflow_runs(space=project.space, project=project.project, workflow_id=workflow_id,
                                         max_results=group.LISTED_RUNS, remaining=remaining)
        return list(validate_list_workflow_runs(page, workflow_id=workflow_id).get("items") or [])

    results = group.wait_for_runs(
        refs=[RunRef(space=project.space, project=project.project, run_id=p.run_id) for p in picked],
        fetch=lambda ref, remaining: fetch_run(project.run(ref.run_id), client, remaining=remaining),
        listing=listing, policy_for=policy_for, retry=retry, success_statuses=settings.polling.success_statuses,
        deadline=deadline, clock=clock, progress=display, began=began, reached=picker.reached,
        fail_fast=settings.run.fail_fast,
        successor=picker.successor if settings.run.follow_superseded else None,
    )
    return group.combined([described(r, p) for r, p in zip(results, picked, strict=True)])


def wait(settings: Settings, target: RunTarget, *, client: CodeCatalystClient, display: Display, clock: Clock,
         deadline: Deadline, retry: RetryPolicy, began: float, reached: bool) -> Result:
    """One run, polled until something decides it."""
    return wait_for_run(
        ref=RunRef(space=target.space, project=target.project, run_id=target.run_id),
        fetch=lambda remaining: fetch_run(target, client, remaining=remaining),
        policy=choose_policy(settings, load_history=history_loader(target, client, display)),
        retry=retry,
        success_statuses=settings.polling.success_statuses,
        deadline=deadline,
        began=began,
        reached=reached,
        clock=clock,
        progress=display,
    )
