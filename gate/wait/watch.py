"""The wait as people see it, behind `wait` in the CLI and the Action alike: pick the runs, then wait for them in
the one loop (gate.wait.loop) under one deadline, with a first frame, ticks while it sleeps and a summary at the end.
gate.app, the composition root, calls `watch` with what it made (the API, the display, the clock) and with
`announce`, which hears early outputs: the run the gate is about, as soon as it is known.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from gate import defaults
from gate.api.history import History
from gate.api.operations import Api
from gate.clock import Clock, Deadline
from gate.config.settings import Settings
from gate.errors import GateError
from gate.pace.pacing import Pacing
from gate.pace.policy import FLOOR, Adaptive, FixedInterval, PollPolicy
from gate.pace.retry import RetryPolicy, Throttling
from gate.pick.picker import Picker
from gate.report.display import Display, DisplayClock
from gate.report.formats import github
from gate.result import Result
from gate.runref import RunRef
from gate.verdict import combined
from gate.wait.loop import Rules, wait_for_runs
from gate.wait.names import WorkflowNames
from gate.wait.policies import WorkflowPolicies
from gate.wait.signals import cancel_on_signals

Announce = Callable[[dict[str, str]], None]


@contextmanager
def fenced(stream: TextIO, *, enabled: bool, title: str) -> Iterator[None]:
    """In GitHub Actions: the poll log in a group, with workflow commands stopped, so no line inside can be taken
    as one whatever a server sends."""
    if not enabled:
        yield
        return
    fence = secrets.token_hex(16)
    stream.write(github.command("group", title) + "\n" + f"::stop-commands::{fence}\n")
    stream.flush()
    try:
        yield
    finally:
        stream.write(f"::{fence}::\n::endgroup::\n")
        stream.flush()


def look_policy(settings: Settings) -> PollPolicy:
    """How often to look again for a run that is not there yet (no history to go on)."""
    interval = settings.polling.interval
    return Adaptive() if interval is None else FixedInterval(interval)


def workflow_policies(settings: Settings, api: Api, refs: Sequence[RunRef], display: Display,
                      pacing: Pacing | None = None, names: WorkflowNames | None = None) -> WorkflowPolicies:
    """Each workflow's poll policy for this gate; its history, learned once (at the gate's own rate), is told to the
    user by name: the name picking found (ListWorkflows), else GetWorkflow's for a run gated by ID (`names`, asked
    first, so the name is known when the history is told even if the history is learned before it)."""
    picked = {str(ref.workflow["id"]).lower(): ref.workflow_name for ref in refs if ref.workflow}
    several = len(refs) > 1  # refs are distinct (gate.wait.watch.distinct)
    told = settings.polling.interval is None  # with --interval the history only gives the usual duration

    def label(workflow_id: str) -> str:
        return picked.get(workflow_id.lower()) or (names.name(workflow_id) if names else None) or workflow_id

    def load(workflow_id: str, remaining: float | None) -> History:
        workflow = label(workflow_id) if told and several else None
        if pacing is not None:
            pacing.before_call()
            remaining = pacing.deadline.remaining()
        history = api.history(workflow_id, exclude=[ref.run_id for ref in refs], remaining=remaining)
        if told:
            display.history_learned(durations=history.durations, note=history.note, workflow=workflow)
        return history

    listed = {str(ref.workflow["id"]): ref.listed for ref in refs if ref.workflow and ref.listed is not None}
    return WorkflowPolicies(interval=settings.polling.interval, load=load, listed=listed)


def workflow_names(settings: Settings, api: Api, pacing: Pacing, env: Mapping[str, str]) -> WorkflowNames:
    """The names of the workflows of runs gated by ID, each read once with GetWorkflow under the gate's deadline and
    retry rules; its transient failures are a streak of their own, so a lookup that gives up never shortens the
    runs' own retries (a name never decides the gate)."""
    retry = dataclasses.replace(pacing.retry, throttle_budget=defaults.LABEL_THROTTLE_RETRIES)
    own = Pacing(clock=pacing.clock, deadline=pacing.deadline, retry=retry, progress=pacing.progress,
                 began=pacing.began, utc_now=pacing.utc_now, spread=pacing.spread, throttling=pacing.throttling)
    own.streak.reached = True  # looked up after the run's first answer: the endpoint has answered
    own.rate = pacing.rate  # one gate, one request rate
    picker = Picker(api=api, pacing=own, policy=look_policy(settings), env=env)
    return WorkflowNames(lambda workflow_id: picker.call(
        "GetWorkflow", lambda left: api.get_workflow(workflow_id, remaining=left)), progress=pacing.progress)


def pick_under_one_deadline(settings: Settings, *, api: Api, display: Display, clock: Clock,
                            env: Mapping[str, str], throttling: Throttling) -> tuple[Pacing, Picker]:
    """The gate's one pacing (its deadline, its retry step, the throttling it tallies) and the picker on it, as
    `wait` and `start` both begin; the token's source told first."""
    if settings.project.token_source:
        display.note(f"token from {settings.project.token_source}")
    ticking = DisplayClock(clock, display)
    polling = settings.polling
    retry = RetryPolicy(settings=polling.retry, floor=polling.interval or FLOOR, naming=settings.naming)
    pacing = Pacing(clock=ticking, deadline=Deadline(ticking, polling.timeout), progress=display, retry=retry,
                    throttling=throttling)
    return pacing, Picker(api=api, pacing=pacing, policy=look_policy(settings), env=env)


def watch(settings: Settings, *, api: Api, display: Display, clock: Clock, env: Mapping[str, str],
          announce: Announce) -> Result:
    """Pick the runs, wait for them (and for each run that supersedes one, when asked), all under one deadline.
    Signals end it with `result = cancelled`; the result is always returned, never raised."""
    project, polling, choice = settings.project, settings.polling, settings.run
    began = clock.now()
    single = choice.count == 1
    known: list[RunRef] = []  # the runs picked so far: a failure picking the next must not lose one started
    refs = [RunRef(run_id) for run_id in choice.run_ids]
    throttling = Throttling()  # the gate's, whatever ends it

    def told(run: RunRef) -> None:  # at once: a job cancelled or timed out later still says which run it is
        known.append(run)
        if single and run.workflow is not None:
            announce({"run-id": run.run_id, "started": "true" if run.started else "false"})

    try:
        with cancel_on_signals():  # from the first line the gate shows: a signal never waits for the deadline
            pacing, picker = pick_under_one_deadline(settings, api=api, display=display, clock=clock, env=env,
                                                     throttling=throttling)
            display.tick(clock.now())

            def successor(superseded: dict[str, object]) -> str:
                run_id = picker.successor(superseded)
                if single:
                    announce({"run-id": run_id, "started": "false"})
                return run_id

            def rerun(failed: dict[str, Any], name: str | None, attempt: int, first_run_id: str) -> str:
                display.note(f"run {failed['id']} ended FAILED: starting its workflow again, attempt {attempt} of at "
                             f"most {choice.rerun_failed + 1} ({settings.naming('rerun-failed')})")
                run_id = picker.start({"id": failed["workflowId"], "name": name}, client_token=choice.client_token,
                                      field=settings.naming("client-token"), attempt=attempt,
                                      first_run_id=first_run_id)
                if single:
                    announce({"run-id": run_id, "started": "true"})
                return run_id

            refs = distinct(picker.pick(choice, naming=settings.naming, picked=told))
            names = workflow_names(settings, api, pacing, env) if choice.run_ids else None
            rules = Rules(success_statuses=polling.success_statuses, fail_fast=choice.fail_fast,
                          naming=settings.naming, successor=successor if choice.follow_superseded else None,
                          names=names, rerun=rerun if choice.rerun_failed else None, reruns=choice.rerun_failed)
            result = combined(wait_for_runs(refs, reader=api, pacing=pacing, rules=rules,
                                            policies=workflow_policies(settings, api, refs, display, pacing, names)))
    except GateError as e:  # in picking the runs: the gate could not judge them
        result = unjudged(e, known or refs, space=project.space, project=project.project, single=single)
    # How the service throttled the gate: the summary says it once (gate.report.summary.throttled_fact).
    result = dataclasses.replace(result, waited=clock.now() - began, throttled=throttling.so_far(clock.now()))
    display.finished(result)
    return result


def unjudged(error: GateError, refs: Sequence[RunRef], *, space: str, project: str, single: bool) -> Result:
    """The result when picking failed: the runs known by then (given, or picked before the error: one may have
    been started) are never lost."""
    def result(ref: RunRef | None, message: str) -> Result:
        return Result(kind=error.kind, exit_code=error.exit_code, space=space, project=project,
                      run_id=ref.run_id if ref else "", message=message,
                      workflow_name=ref.workflow_name if ref else None, started=bool(ref and ref.started))

    if single or not refs:
        return result(refs[0] if refs else None, str(error))
    return dataclasses.replace(result(None, str(error)),
                               runs=tuple(result(ref, f"not waited for: {error}") for ref in refs))


def distinct(refs: Sequence[RunRef]) -> list[RunRef]:
    """Each run once, in the order first picked: a workflow named twice (by name and by ID) starts one run."""
    seen: dict[str, RunRef] = {}
    for ref in refs:
        seen.setdefault(ref.run_id.lower(), ref)
    return list(seen.values())
