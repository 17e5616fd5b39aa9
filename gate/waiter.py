"""The wait loop: poll until the run is terminal, the deadline passes, retries run out, or a signal comes.

All I/O comes in through `fetch`, `clock` and `progress`, so tests drive it with a fake clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from gate.backoff import DEFAULT_MAX_RETRIES, retry_delay
from gate.clock import Clock
from gate.errors import (
    Cancelled,
    DeadlineExceeded,
    ExitCode,
    GateError,
    ServiceUnavailable,
    TransientError,
)
from gate.policy import PollContext, PollPolicy
from gate.progress import Progress
from gate.result import Result, ResultKind, parse_time
from gate.statuses import is_terminal

Fetch = Callable[[float | None], dict[str, Any]]  # (seconds left before the deadline) -> valid response


@dataclass(frozen=True, kw_only=True)
class RunRef:
    space: str
    project: str
    run_id: str


def outcome_for_status(status: str, success_statuses: frozenset[str]) -> tuple[ResultKind, ExitCode]:
    """What a terminal status means for the gate (pure)."""
    if status in success_statuses:
        return "success", ExitCode.SUCCESS
    return "failure", ExitCode.RUN_FAILED


def outcome_for_error(error: GateError) -> tuple[ResultKind, ExitCode]:
    """What an error means for the gate (pure)."""
    if isinstance(error, Cancelled):
        return "cancelled", error.exit_code
    if isinstance(error, DeadlineExceeded):
        return "timeout", ExitCode.TIMEOUT
    return "error", error.exit_code


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _run_age(response: dict[str, Any], now: datetime) -> float | None:
    started = parse_time(response.get("startTime"))
    if started is None or started.tzinfo is None:
        return None
    return max(0.0, (now - started).total_seconds())


class _Deadline:
    def __init__(self, clock: Clock, timeout: float | None) -> None:
        self._clock = clock
        self._at = None if timeout is None else clock.now() + timeout

    def remaining(self) -> float | None:
        return None if self._at is None else max(0.0, self._at - self._clock.now())

    def passed(self) -> bool:
        return self._at is not None and self._clock.now() >= self._at

    def sleep(self, seconds: float) -> None:
        """Sleep, but never past the deadline."""
        remaining = self.remaining()
        self._clock.sleep(seconds if remaining is None else min(seconds, remaining))


def wait_for_run(
    *,
    ref: RunRef,
    fetch: Fetch,
    policy: PollPolicy,
    success_statuses: frozenset[str],
    timeout: float | None,
    retry_floor: float,
    clock: Clock,
    progress: Progress,
    max_retries: int = DEFAULT_MAX_RETRIES,
    uniform: Callable[[float, float], float] = random.uniform,
    utc_now: Callable[[], datetime] = _utc_now,
) -> Result:
    """Poll until something decides the gate; always returns a Result, never raises a GateError."""
    started = clock.now()
    deadline = _Deadline(clock, timeout)
    polls = 0
    failures = 0  # transient failures in a row
    throttled = 0  # times the service throttled this wait (a burst of "slow down" answers counts once)
    throttled_now = False  # the current run of failures already counted as one throttling
    last: dict[str, Any] | None = None

    def result(kind: ResultKind, code: ExitCode, message: str = "") -> Result:
        return Result(kind=kind, exit_code=code, space=ref.space, project=ref.project, run_id=ref.run_id,
                      polls=polls, response=last, message=message)

    try:
        while True:
            polls += 1
            try:
                response = fetch(deadline.remaining())
            except TransientError as e:
                if e.throttled and not throttled_now:
                    throttled, throttled_now = throttled + 1, True
                failures += 1
                if failures > max_retries:
                    raise ServiceUnavailable(
                        f"the service is unavailable: {failures} attempts in a row failed; last: {e.reason}"
                    ) from None
                if deadline.passed():
                    raise DeadlineExceeded(f"timed out while retrying: {e.reason}") from None
                delay = retry_delay(failures, floor=retry_floor, uniform=uniform)
                progress.retrying(reason=e.reason, attempt=failures, delay=delay, elapsed=clock.now() - started)
                deadline.sleep(delay)
                continue
            failures, throttled_now = 0, False
            previous = last["status"] if last else None
            last = response
            status = response["status"]
            elapsed = clock.now() - started
            if status != previous:
                progress.status_changed(status=status, previous=previous, elapsed=elapsed)
            if is_terminal(status):
                kind, code = outcome_for_status(status, success_statuses)
                return result(kind, code, "" if kind == "success" else f"the run ended {status}")
            if deadline.passed():
                raise DeadlineExceeded(f"timed out after {timeout:g}s; the run is still {status}")
            workflow_id = response.get("workflowId")
            delay = policy(PollContext(elapsed=elapsed, polls=polls, status=status,
                                       run_age=_run_age(response, utc_now()),
                                       workflow_id=workflow_id if isinstance(workflow_id, str) else None,
                                       throttled=throttled, remaining=deadline.remaining()))
            progress.polled(status=status, elapsed=elapsed, next_delay=delay)
            deadline.sleep(delay)
    except GateError as e:
        kind, code = outcome_for_error(e)
        return result(kind, code, str(e))
