"""The one code path behind `wait` and `get`, for the CLI, the container and the Action alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gate.client import CodeCatalystClient
from gate.clock import Clock, SystemClock
from gate.policy import FLOOR, Adaptive, FixedInterval
from gate.progress import Progress
from gate.result import Result
from gate.schema import validate_response
from gate.settings import RunTarget, WaitSettings
from gate.signals import cancel_on_signals
from gate.waiter import RunRef, wait_for_run

if TYPE_CHECKING:
    from gate.display import Display
    from gate.history import History
    from gate.policy import PollPolicy

def make_client(target: RunTarget) -> CodeCatalystClient:
    return CodeCatalystClient(endpoint=target.endpoint, token=target.token)


def get_run(target: RunTarget, *, client: CodeCatalystClient | None = None,
            remaining: float | None = None) -> dict[str, Any]:
    """One validated GetWorkflowRun answer."""
    client = client or make_client(target)
    document = client.get_workflow_run(
        space=target.space, project=target.project, run_id=target.run_id, remaining=remaining
    )
    return validate_response(document, space=target.space, project=target.project, run_id=target.run_id)


def choose_policy(settings: WaitSettings, *,
                  load_history: Callable[[str, float | None], History] | None = None) -> PollPolicy:
    """`--interval` is a fixed interval; without it, the adaptive policy learns the workflow's history."""
    from gate.history import LearnsHistory  # only `wait` needs it: `get` never loads it

    if settings.interval is not None:
        return FixedInterval(settings.interval)
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


def run_wait(settings: WaitSettings, *, progress: Progress, clock: Clock | None = None,
             client: CodeCatalystClient | None = None) -> Result:
    """Wait for the run; signals end the wait with `result = cancelled`; returns the Result."""
    target = settings.target
    client = client or make_client(target)
    try:
        with cancel_on_signals():
            return wait_for_run(
                ref=RunRef(space=target.space, project=target.project, run_id=target.run_id),
                fetch=lambda remaining: get_run(target, client=client, remaining=remaining),
                policy=choose_policy(settings, load_history=history_loader(target, client, progress)),
                success_statuses=settings.success_statuses,
                timeout=settings.timeout,
                retry_floor=settings.interval or FLOOR,
                clock=clock or SystemClock(),
                progress=progress,
                max_retries=settings.max_retries,
            )
    finally:
        client.close()


def watch(settings: WaitSettings, display: Display, clock: Clock) -> Result:
    """`run_wait` as people see it, for the CLI and the Action alike: a first frame before the first request,
    ticks (spinner, heartbeat) while the loop sleeps, and a summary at the end."""
    from gate.display import DisplayClock

    display.tick(clock.now())
    result = run_wait(settings, progress=display, clock=DisplayClock(clock, display))
    display.finished(result)
    return result
