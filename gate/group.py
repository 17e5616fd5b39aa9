"""Several runs, one verdict, at the API cost of about one run.

The runs are polled together, under one deadline and one schedule (the soonest any run's policy asks for).
Each round, the runs of a workflow with two or more still going are read from one ListWorkflowRuns page instead
of one GetWorkflowRun each; a run the listing shows as ended, or does not show at all (older than the page, or
the listing failed), is read with GetWorkflowRun, so every verdict rests on a schema-checked GetWorkflowRun
answer and batching can only save calls, never lose a run. Throttling anywhere widens the whole group's schedule.

The verdict is the most serious outcome among the runs, by PRECEDENCE (pure).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gate.clock import Clock, Deadline
from gate.errors import (
    ApiRefused,
    Cancelled,
    ExitCode,
    GateError,
    InvalidResponse,
    ResultKind,
    TransientError,
)
from gate.policy import PollContext, PollPolicy
from gate.progress import Progress
from gate.result import Result
from gate.retry import RetryPolicy, Streak
from gate.statuses import TERMINAL_STATUSES
from gate.timestamps import parse_time
from gate.waiter import RunRef, outcome_for_status

UNLISTED_ROUNDS = 3  # a workflow whose listing shows none of its runs this many rounds in a row is read run by run
LISTED_RUNS = 50  # one ListWorkflowRuns page a round: the newest runs, where runs still going are
# Most serious first: a signal, a bug or bad input stop everything; then what kept the gate from judging a run
# (refused, invalid, unreachable); then a run still going at the deadline; then a run that failed.
PRECEDENCE: tuple[ExitCode, ...] = (
    ExitCode.SIGINT, ExitCode.SIGTERM, ExitCode.INTERNAL, ExitCode.USAGE, ExitCode.API_REFUSED,
    ExitCode.INVALID_RESPONSE, ExitCode.UNAVAILABLE, ExitCode.TIMEOUT, ExitCode.RUN_FAILED, ExitCode.SUCCESS,
)

Fetch = Callable[[RunRef, float | None], dict[str, Any]]  # a validated GetWorkflowRun answer
Listing = Callable[[str, float | None], list[dict[str, Any]]]  # one validated ListWorkflowRuns page's items
Successor = Callable[[dict[str, Any]], str]  # the run that superseded this one (a GetWorkflowRun answer)


def seriousness(result: Result) -> int:
    return PRECEDENCE.index(result.exit_code) if result.exit_code in PRECEDENCE else 0


def worst_first(results: Sequence[Result]) -> list[Result]:
    """The runs by how serious their outcome is, most serious first; ties keep their order, but a run the gate
    stopped watching (--fail-fast) comes after the one that made it stop."""
    return sorted(results, key=lambda result: (seriousness(result), result.kind == "cancelled"))


def combined(results: Sequence[Result]) -> Result:
    """One verdict: the most serious run's result (its kind, exit code and keys), every run's own in `runs`."""
    if len(results) == 1:
        return results[0]
    return dataclasses.replace(worst_first(results)[0], runs=tuple(results))


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Watched:
    ref: RunRef
    workflow_id: str | None = None
    status: str | None = None  # the newest status known, from a listing or an answer
    started_at: datetime | None = None
    last: dict[str, Any] | None = None  # the last validated GetWorkflowRun answer
    polls: int = 0
    followed: list[str] = field(default_factory=list)
    result: Result | None = None

    def seen(self, *, status: str, workflow_id: Any, start_time: Any) -> str | None:
        """Records what an answer or a listing item says; returns the previous status when it changed."""
        if isinstance(workflow_id, str):
            self.workflow_id = workflow_id
        stamp = parse_time(start_time)
        if stamp is not None and stamp.tzinfo is not None:
            self.started_at = stamp
        previous, self.status = self.status, status
        return previous if previous != status else "="

    def end(self, kind: ResultKind, code: ExitCode, message: str = "") -> None:
        self.result = Result(kind=kind, exit_code=code, space=self.ref.space, project=self.ref.project,
                             run_id=self.ref.run_id, polls=self.polls, response=self.last, message=message,
                             followed=tuple(self.followed))


def wait_for_runs(
    *,
    refs: Sequence[RunRef],
    fetch: Fetch,
    listing: Listing | None,
    policy_for: Callable[[str | None], PollPolicy],
    retry: RetryPolicy,
    success_statuses: frozenset[str],
    deadline: Deadline,
    clock: Clock,
    progress: Progress,
    began: float,
    reached: bool = False,
    fail_fast: bool = False,
    successor: Successor | None = None,
    utc_now: Callable[[], datetime] = _utc_now,
) -> list[Result]:
    """Poll every run until each is decided; one Result per run, in the order given, never raising a GateError
    (a signal ends the runs still going with `cancelled`)."""
    watched = [_Watched(ref) for ref in refs]
    streak = Streak(reached=reached)
    unlisted: set[str] = set()  # workflows whose listing was refused or malformed: read their runs one by one

    def active() -> list[_Watched]:
        return [w for w in watched if w.result is None]

    def context(w: _Watched | None) -> PollContext:
        age = None
        if w is not None and w.started_at is not None:
            age = max(0.0, (utc_now() - w.started_at).total_seconds())
        return PollContext(elapsed=clock.now() - began, polls=w.polls if w else 0, status=w.status if w else None,
                           run_age=age, workflow_id=w.workflow_id if w else None, throttled=streak.throttled,
                           remaining=deadline.remaining(), failures=streak.failures, reached=streak.reached)

    def saw(w: _Watched, status: str, previous: str | None) -> None:
        if previous != "=":
            progress.status_changed(status=status, previous=previous, elapsed=clock.now() - began,
                                    run_id=w.ref.run_id)

    def decide(w: _Watched, response: dict[str, Any]) -> None:
        status = response["status"]
        if status not in TERMINAL_STATUSES:
            return
        if status == "SUPERSEDED" and successor is not None and status not in success_statuses:
            try:
                replacement = successor(response)
            except Cancelled:
                raise
            except GateError as e:  # this run's successor could not be found: the other runs go on
                w.end(e.kind, e.exit_code, str(e))
                return
            w.followed.append(w.ref.run_id)
            w.ref = dataclasses.replace(w.ref, run_id=replacement)
            w.last, w.status, w.started_at = None, None, None
            return
        kind, code = outcome_for_status(status, success_statuses)
        w.end(kind, code, "" if kind == "success" else f"the run ended {status}")

    def read(w: _Watched) -> TransientError | None:
        """One GetWorkflowRun for the run: its answer decides the run when it says the run ended. A transient
        failure is returned (the round's retry decides); a signal goes up; any other error ends this run alone."""
        try:
            w.polls += 1
            response = fetch(w.ref, deadline.remaining())
        except TransientError as e:
            return e
        except Cancelled:
            raise
        except GateError as e:
            w.end(e.kind, e.exit_code, str(e))
            return None
        streak.reached, w.last = True, response
        saw(w, response["status"], w.seen(status=response["status"], workflow_id=response.get("workflowId"),
                                          start_time=response.get("startTime")))
        decide(w, response)
        return None

    def last_look(kind: ResultKind, code: ExitCode, why: str | None = None) -> None:
        """The runs still going are read once more, so each one's result rests on a fresh answer (a run that
        ended meanwhile gets its true verdict), then end as `kind` (why: `why`, or the status they are still in)."""
        for w in active():
            read(w)
            if w.result is None:
                w.end(kind, code, why or f"timed out after {deadline.timeout:g}s; the run is still {w.status}")

    misses: dict[str, int] = {}  # rounds in a row a workflow's listing showed none of its runs still going
    try:
        while True:
            failure: TransientError | None = None
            listed: dict[str, dict[str, Any]] = {}
            by_workflow: dict[str, int] = {}
            for w in active():
                if w.workflow_id and w.workflow_id not in unlisted:
                    by_workflow[w.workflow_id] = by_workflow.get(w.workflow_id, 0) + 1
            for workflow_id, count in by_workflow.items():
                if listing is None or count < 2:
                    continue
                try:
                    items = listing(workflow_id, deadline.remaining())
                except TransientError as e:  # its runs are read one by one this round; "slow down" widens all
                    streak.throttled += e.throttled
                    continue
                except (ApiRefused, InvalidResponse):
                    unlisted.add(workflow_id)  # e.g. no right to list runs: GetWorkflowRun still works
                    continue
                streak.reached = True
                shown = {str(item.get("id", "")).lower(): item for item in items}
                listed.update(shown)
                going = [w for w in active() if w.workflow_id == workflow_id]
                misses[workflow_id] = 0 if any(w.ref.run_id.lower() in shown for w in going) else \
                    misses.get(workflow_id, 0) + 1
                if misses[workflow_id] >= UNLISTED_ROUNDS:  # older than the page: listing again saves nothing
                    unlisted.add(workflow_id)
            for w in active():
                item = listed.get(w.ref.run_id.lower())
                if item is not None and item.get("status") not in TERMINAL_STATUSES:
                    status = str(item.get("status"))
                    saw(w, status, w.seen(status=status, workflow_id=item.get("workflowId"),
                                          start_time=item.get("startTime")))
                    continue
                failure = read(w) or failure
            if fail_fast and any(w.result is not None and w.result.exit_code != ExitCode.SUCCESS for w in watched):
                failed = next(w for w in watched if w.result is not None and w.result.exit_code != ExitCode.SUCCESS)
                stopped = (f"not waited for: --fail-fast stopped the gate when run {failed.ref.run_id} could no "
                           "longer pass")
                last_look("cancelled", ExitCode.RUN_FAILED, stopped)
            still = active()
            if not still:
                return [w.result for w in watched if w.result is not None]
            if failure is not None:
                streak.failed(failure)
                now = context(None)
                stop = retry.give_up(now, failure)
                if stop is not None:
                    for w in still:
                        w.end(stop.kind, stop.exit_code, str(stop))
                    continue
                delay = retry.delay(now)
                progress.retrying(reason=failure.reason, attempt=streak.failures, delay=delay, elapsed=now.elapsed)
            else:
                streak.answered()
                if deadline.passed():
                    last_look("timeout", ExitCode.TIMEOUT)
                    continue
                delay = min(policy_for(w.workflow_id)(context(w)) for w in still)
                progress.polled(status=still[0].status or "", elapsed=clock.now() - began, next_delay=delay)
            deadline.sleep(delay)
    except GateError as e:  # a signal (or the deadline inside a follow): the runs still going end with it
        for w in active():
            w.end(e.kind, e.exit_code, str(e))
        return [w.result for w in watched if w.result is not None]
