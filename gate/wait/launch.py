"""`start` (the Action's `wait: 'false'`): the run of one workflow started once, and the gate ends as soon as the
start call answers, without a poll; `wait --run-id` gates the run later.

The start is the wait's own: the same picker (the workflow listed and matched, one client token per CI execution,
transient failures retried by the one retry step under --timeout), so a step run again finds its run instead of
starting another. gate.app calls `launch` with what it made, as it calls gate.wait.watch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from gate.api.operations import Api
from gate.clock import Clock
from gate.config.settings import Settings
from gate.errors import ExitCode, GateError
from gate.pace.retry import Throttling
from gate.report.display import Display
from gate.result import START_KEYS, Result
from gate.runref import RunRef
from gate.wait.signals import cancel_on_signals
from gate.wait.watch import pick_under_one_deadline, unjudged


def launch(settings: Settings, *, api: Api, display: Display, clock: Clock, env: Mapping[str, str]) -> Result:
    """Start the run; its result holds what a start knows (START_KEYS). A failure is the result, never raised."""
    project = settings.project
    known: list[RunRef] = []
    throttling = Throttling()  # the gate's, whatever ends it
    try:
        with cancel_on_signals():
            _, picker = pick_under_one_deadline(settings, api=api, display=display, clock=clock, env=env,
                                                throttling=throttling)
            [run] = picker.pick(settings.run, naming=settings.naming, picked=known.append)
    except GateError as e:  # the start's own failure: every key, as `wait` writes it
        failed = dataclasses.replace(unjudged(e, known, space=project.space, project=project.project, single=True),
                                     throttled=throttling.so_far(clock.now()))
        display.finished(failed)
        return failed
    workflow = run.workflow or {}
    result = Result(kind="success", exit_code=ExitCode.SUCCESS, space=project.space, project=project.project,
                    run_id=run.run_id, workflow_name=run.workflow_name, started=True, keys=START_KEYS,
                    workflow_id=str(workflow["id"]) if "id" in workflow else None,
                    throttled=throttling.so_far(clock.now()))
    url = result.to_dict()["run-url"]
    display.note(f"started run {run.run_id} of workflow {run.workflow_name or result.workflow_id}: {url}")
    display.note(f"not waiting on it: {gate_later(settings, run.run_id)}")
    return result


def gate_later(settings: Settings, run_id: str) -> str:
    """How to gate the started run later, in the door's words: the Action's is a later step's input."""
    naming = settings.naming
    if naming.door == "action":
        return f"a later step gates it with {naming('run-id')} {run_id} (this step's output run-id)"
    return f"gate it later with `wait {naming('run-id')} {run_id}`"
