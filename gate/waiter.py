"""The wait loop: poll until the run is terminal, the deadline passes, retries run out, or a signal comes.

All I/O comes in through `fetch`, `clock` and `progress`; every decision is a policy's (gate.policy for the next
poll, gate.retry for failures) over one state, so tests drive the loop with a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gate.clock import Clock, Deadline
from gate.errors import DeadlineExceeded, ExitCode, GateError, ResultKind, TransientError
from gate.policy import PollContext, PollPolicy
from gate.progress import Progress
from gate.result import Result
from gate.retry import RetryPolicy, Streak
from gate.statuses import TERMINAL_STATUSES as TERMINAL
from gate.timestamps import parse_time

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


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _run_age(response: dict[str, Any], now: datetime) -> float | None:
    started = parse_time(response.get("startTime"))
    if started is None or started.tzinfo is None:
        return None
    return max(0.0, (now - started).total_seconds())


@dataclass
class _Tally(Streak):
    """What this wait has seen so far; `context` hands it to the policies."""

    polls: int = 0
    last: dict[str, Any] | None = None

    def seen(self, response: dict[str, Any]) -> None:
        self.answered()
        self.last = response


def wait_for_run(
    *,
    ref: RunRef,
    fetch: Fetch,
    policy: PollPolicy,
    retry: RetryPolicy,
    success_statuses: frozenset[str],
    clock: Clock,
    progress: Progress,
    timeout: float | None = None,
    deadline: Deadline | None = None,
    began: float | None = None,
    reached: bool = False,
    utc_now: Callable[[], datetime] = _utc_now,
) -> Result:
    """Poll until something decides the gate; always returns a Result, never raises a GateError. The deadline is
    `deadline` when the gate has one already (it picked the run first), else `timeout` from now; elapsed times
    count from `began`, the gate's start (default: now); `reached` says the endpoint answered this gate before."""
    started = clock.now() if began is None else began
    deadline = deadline or Deadline(clock, timeout)
    tally = _Tally(reached=reached)

    def context() -> PollContext:
        response = tally.last or {}
        workflow_id = response.get("workflowId")
        return PollContext(elapsed=clock.now() - started, polls=tally.polls, status=response.get("status"),
                           run_age=_run_age(response, utc_now()) if tally.last else None,
                           workflow_id=workflow_id if isinstance(workflow_id, str) else None,
                           throttled=tally.throttled, remaining=deadline.remaining(),
                           failures=tally.failures, reached=tally.reached)

    def result(kind: ResultKind, code: ExitCode, message: str = "") -> Result:
        return Result(kind=kind, exit_code=code, space=ref.space, project=ref.project, run_id=ref.run_id,
                      polls=tally.polls, response=tally.last, message=message)

    try:
        while True:
            tally.polls += 1
            try:
                response = fetch(deadline.remaining())
            except TransientError as e:
                tally.failed(e)
                now = context()
                stop = retry.give_up(now, e)
                if stop is not None:
                    raise stop from None
                delay = retry.delay(now)
                progress.retrying(reason=e.reason, attempt=now.failures, delay=delay, elapsed=now.elapsed)
                deadline.sleep(delay)
                continue
            previous = tally.last["status"] if tally.last else None
            tally.seen(response)
            status = response["status"]
            now = context()
            if status != previous:
                progress.status_changed(status=status, previous=previous, elapsed=now.elapsed)
            if status in TERMINAL:
                kind, code = outcome_for_status(status, success_statuses)
                return result(kind, code, "" if kind == "success" else f"the run ended {status}")
            if deadline.passed():
                raise DeadlineExceeded(f"timed out after {deadline.timeout:g}s; the run is still {status}")
            delay = policy(now)
            progress.polled(status=status, elapsed=now.elapsed, next_delay=delay)
            deadline.sleep(delay)
    except GateError as e:
        return result(e.kind, e.exit_code, str(e))
