"""The wait as a whole, behind `wait` in the CLI and the Action alike: pick the runs, wait for one (following the
runs that supersede it) or for several together, under one deadline; what people see while it goes on. gate.app,
the composition root, calls `watch` with what it made: the client, the display, the clock, the sink; here the
deadline, the display's ticking clock and the signal guard around the waiting itself are made from those.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from gate.app import fetch_run
from gate.client import CodeCatalystClient
from gate.clock import Clock, Deadline
from gate.errors import GateError
from gate.policy import FLOOR, Adaptive, FixedInterval
from gate.progress import Progress
from gate.reporting import Sink
from gate.result import Result
from gate.retry import RetryPolicy
from gate.settings import RunTarget, Settings
from gate.signals import cancel_on_signals
from gate.waiter import RunRef, wait_for_run

if TYPE_CHECKING:
    from gate.display import Display
    from gate.history import History
    from gate.picker import Picked, Picker
    from gate.policy import PollPolicy


@contextmanager
def fenced(stream: TextIO, *, enabled: bool, title: str) -> Iterator[None]:
    """In GitHub Actions: the poll log in a group, with workflow commands stopped, so no line inside can be taken
    as one whatever a server sends."""
    if not enabled:
        yield
        return
    from gate.formats import github

    fence = secrets.token_hex(16)
    stream.write(github.command("group", title) + "\n" + f"::stop-commands::{fence}\n")
    stream.flush()
    try:
        yield
    finally:
        stream.write(f"::{fence}::\n::endgroup::\n")
        stream.flush()


def choose_policy(settings: Settings, *,
                  load_history: Callable[[str, float | None], History] | None = None) -> PollPolicy:
    """`--interval` is a fixed interval; without it, the adaptive policy learns the workflow's history."""
    from gate.history import LearnsHistory  # only `wait` needs it: `get` never loads it

    if settings.polling.interval is not None:
        return FixedInterval(settings.polling.interval)
    if load_history is None:
        return Adaptive()
    return LearnsHistory(load_history)


def history_loader(target: RunTarget, client: CodeCatalystClient, progress: Progress,
                   gated: Sequence[str] = ()) -> Callable[[str, float | None], History]:
    """The workflow's past durations, asked for at most once, by `LearnsHistory`, and told to the user; the runs
    being gated (`target`'s and `gated`) are not their own history."""
    from gate.history import fetch_history

    def load(workflow_id: str, remaining: float | None) -> History:
        history = fetch_history(client, space=target.space, project=target.project,
                                workflow_id=workflow_id, run_id=(target.run_id, *gated), remaining=remaining)
        progress.history_learned(durations=history.durations, note=history.note)
        return history

    return load


def watch(settings: Settings, *, client: CodeCatalystClient, display: Display, clock: Clock, sink: Sink,
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

    known: list[Picked] = []  # the runs picked so far: a failure picking the next must not lose one started

    def told(run: Picked) -> None:  # at once: a job cancelled or timed out later still says which run it is
        known.append(run)
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
        # The runs known by then (given, or picked before the error: one may have been started) are never lost.
        chosen = known or picked
        result = Result(kind=e.kind, exit_code=e.exit_code, space=project.space, project=project.project,
                        run_id=chosen[0].run_id if single and chosen else "", message=str(e))
        if single and chosen:
            result = described(result, chosen[0])
        elif chosen:
            runs = [described(dataclasses.replace(result, run_id=run.run_id, message=f"not waited for: {e}"), run)
                    for run in chosen]
            result = dataclasses.replace(result, runs=tuple(runs))
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
                      deadline=deadline, retry=retry, began=began, reached=picker.streak.reached)
        picker.streak.reached = picker.streak.reached or result.response is not None
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
            loader = history_loader(project.run(picked[0].run_id), client, display,
                                    [p.run_id for p in picked]) if workflow_id else None
            policies[workflow_id] = choose_policy(settings, load_history=loader)
        return policies[workflow_id]

    def listing(workflow_id: str, remaining: float | None) -> list[dict[str, Any]]:
        page = client.list_workflow_runs(space=project.space, project=project.project, workflow_id=workflow_id,
                                         max_results=group.LISTED_RUNS, remaining=remaining)
        return list(validate_list_workflow_runs(page, workflow_id=workflow_id).get("items") or [])

    picked = distinct(picked)
    results = group.wait_for_runs(
        refs=[RunRef(space=project.space, project=project.project, run_id=p.run_id) for p in picked],
        fetch=lambda ref, remaining: fetch_run(project.run(ref.run_id), client, remaining=remaining),
        listing=listing, policy_for=policy_for, retry=retry, success_statuses=settings.polling.success_statuses,
        deadline=deadline, clock=clock, progress=display, began=began, reached=picker.streak.reached,
        fail_fast=settings.run.fail_fast,
        successor=picker.successor if settings.run.follow_superseded else None,
    )
    runs = [dataclasses.replace(described(r, p), started=p.started and not r.followed)  # a successor was not
            for r, p in zip(results, picked, strict=True)]                                 # started by this gate
    from gate.history import usual_of  # issue 22: each run with what its workflow's policy learned

    runs = [dataclasses.replace(r, usual=usual_of(policies.get((r.response or {}).get("workflowId")))) for r in runs]
    return group.combined(runs)


def distinct(picked: list[Picked]) -> list[Picked]:
    """Each run once, in the order first picked: a workflow named twice (by name and by ID) starts one run."""
    seen: dict[str, Picked] = {}
    for run in picked:
        seen.setdefault(run.run_id.lower(), run)
    return list(seen.values())


def wait(settings: Settings, target: RunTarget, *, client: CodeCatalystClient, display: Display, clock: Clock,
         deadline: Deadline, retry: RetryPolicy, began: float, reached: bool) -> Result:
    """One run, polled until something decides it."""
    from gate.history import usual_of

    policy = choose_policy(settings, load_history=history_loader(target, client, display))
    result = wait_for_run(
        ref=RunRef(space=target.space, project=target.project, run_id=target.run_id),
        fetch=lambda remaining: fetch_run(target, client, remaining=remaining),
        policy=policy,
        retry=retry,
        success_statuses=settings.polling.success_statuses,
        deadline=deadline,
        began=began,
        reached=reached,
        clock=clock,
        progress=display,
    )
    return dataclasses.replace(result, usual=usual_of(policy))  # issue 22: until the wait loop carries it itself
