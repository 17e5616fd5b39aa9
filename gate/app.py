"""The one code path behind `wait` and `get`, for the CLI, the container and the Action alike."""

from __future__ import annotations

from typing import Any

from gate.client import CodeCatalystClient
from gate.clock import Clock, SystemClock
from gate.policy import FixedInterval, PollPolicy
from gate.progress import Progress
from gate.result import Result
from gate.schema import validate_response
from gate.settings import DEFAULT_INTERVAL, RunTarget, WaitSettings
from gate.signals import cancel_on_signals
from gate.waiter import RunRef, wait_for_run

MIN_POLL_FLOOR = 1.0


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


def choose_policy(settings: WaitSettings) -> PollPolicy:
    return FixedInterval(DEFAULT_INTERVAL if settings.interval is None else settings.interval)


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
                policy=choose_policy(settings),
                success_statuses=settings.success_statuses,
                timeout=settings.timeout,
                retry_floor=settings.interval or MIN_POLL_FLOOR,
                clock=clock or SystemClock(),
                progress=progress,
                max_retries=settings.max_retries,
            )
    finally:
        client.close()
