"""The wait loop, for one run or many: each round reads what is still going (a listing where it saves calls,
gate.wait.listing), ends the runs whose answer decides them, then sleeps as the soonest policy asks, under one deadline
and one retry step (gate.pace.pacing). One run is the case N = 1.

All I/O comes in through the API reader, the pacing's clock and the progress; what a status means is
gate.verdict's. Never raises a GateError: an error that stops the whole wait (a signal; a listing that fails for
good) ends every run still going with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from gate.config import fields
from gate.errors import (
    Cancelled,
    DeadlineExceeded,
    ExitCode,
    GateError,
    ResultKind,
    ServiceUnavailable,
    TransientError,
)
from gate.pace.pacing import Pacing
from gate.pace.policy import PollPolicy
from gate.result import Phase, Result, Usual
from gate.runref import RunRef
from gate.statuses import TERMINAL_STATUSES
from gate.timestamps import parse_time
from gate.verdict import outcome_for_status
from gate.wait.listing import Lister, Listings

Successor = Callable[[dict[str, Any]], str]  # the ID of the run that superseded this one (a GetWorkflowRun answer)
# --rerun-failed: starts the workflow of a run that ended FAILED again (the FAILED answer, the workflow's name if known,
# the attempt number from 2, the first attempt's run ID: its rerun tokens derive from it) and returns the new run's ID.
Rerun = Callable[[dict[str, Any], str | None, int, str], str]


class Reader(Lister, Protocol):
    space: str
    project: str

    def get_run(self, run_id: str, *, remaining: float | None) -> dict[str, Any]: ...


class Names(Protocol):
    def name(self, workflow_id: str) -> str | None: ...


class Policies(Protocol):
    def for_workflow(self, workflow_id: str | None) -> PollPolicy: ...
    def usual(self, workflow_id: str | None) -> Usual | None: ...
    def usual_note(self, workflow_id: str | None) -> str: ...


@dataclass
class RunState:
    """One run's state: what was seen, whether this round read it, and its outcome once decided."""

    ref: RunRef
    workflow_id: str | None = None
    workflow_name: str | None = None  # from picking (ListWorkflows), else from GetWorkflow once its ID is known
    status: str | None = None  # the newest status known, from a listing or an answer
    started_at: datetime | None = None
    last: dict[str, Any] | None = None  # the last GetWorkflowRun answer
    fresh: bool = False  # `last` was read this round
    polls: int = 0  # GetWorkflowRun calls, the superseded runs' included
    followed: list[str] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)  # each status as the gate first saw it, oldest first
    attempts: list[Result] = field(default_factory=list)  # --rerun-failed: the earlier attempts' results, in order
    result: Result | None = None

    def saw(self, status: str, *, workflow_id: Any, start_time: Any, at: datetime) -> bool:
        """Records what an answer or a listing item says (`at`: now); True when the status changed."""
        if isinstance(workflow_id, str):
            self.workflow_id = workflow_id
        stamp = parse_time(start_time)
        if stamp is not None:
            self.started_at = stamp
        changed, self.status = status != self.status, status
        if changed:
            self.phases.append(Phase(status=status, seen_at=at))
        return changed

    def follow(self, run_id: str) -> None:
        """The gate goes on with the run that superseded this one, a run it did not start."""
        self.followed.append(self.ref.run_id)
        self.ref = dataclasses.replace(self.ref, run_id=run_id, started=False)
        self.last, self.status, self.started_at, self.phases, self.fresh = None, None, None, [], False

    def rerun(self, run_id: str, failed: Result) -> None:
        """The gate goes on with a new attempt of the same workflow, a run it started; `failed` is kept, in order."""
        self.attempts.append(failed)
        self.ref = dataclasses.replace(self.ref, run_id=run_id, started=True, stale_if_ended_before=None)
        self.last, self.status, self.started_at, self.phases, self.fresh = None, None, None, [], False


@dataclass(frozen=True, kw_only=True)
class Rules:
    success_statuses: frozenset[str]
    fail_fast: bool = False  # several runs: stop at the first that can no longer pass
    naming: Callable[[str], str] = fields.CLI  # what the user calls a field (the Action: its input)
    successor: Successor | None = None  # --follow-superseded: a SUPERSEDED run hands the gate to its successor
    names: Names | None = None  # runs gated by ID: their workflows' names (GetWorkflow); None: not looked up
    rerun: Rerun | None = None  # --rerun-failed: a run that ends FAILED hands the gate to a new attempt
    reruns: int = 0  # at most this many new attempts per run


class Loop:
    def __init__(self, refs: Sequence[RunRef], *, reader: Reader, pacing: Pacing, policies: Policies,
                 rules: Rules) -> None:
        self.runs = [RunState(ref, workflow_name=ref.workflow_name) for ref in refs]
        self.reader, self.pacing, self.policies, self.rules = reader, pacing, policies, rules
        self.listings = Listings(reader)
        self.several = len(self.runs) > 1

    def going(self) -> list[RunState]:
        return [w for w in self.runs if w.result is None]

    def end(self, w: RunState, kind: ResultKind, code: ExitCode, message: str = "") -> None:
        """The run's result, with its workflow's usual duration where the gate learned it, and its earlier
        attempts (--rerun-failed)."""
        w.result = dataclasses.replace(self.outcome(w, kind, code, message), attempts=tuple(w.attempts))

    def outcome(self, w: RunState, kind: ResultKind, code: ExitCode, message: str = "") -> Result:
        usual = self.policies.usual(w.workflow_id)
        return Result(kind=kind, exit_code=code, space=self.reader.space, project=self.reader.project,
                          run_id=w.ref.run_id, polls=w.polls, response=w.last, message=message,
                          workflow_name=w.workflow_name, started=w.ref.started, followed=tuple(w.followed),
                          stale_if_ended_before=w.ref.stale_if_ended_before, usual=usual, phases=tuple(w.phases),
                          usual_note="" if usual else self.policies.usual_note(w.workflow_id))

    def seen(self, w: RunState, status: str, item: dict[str, Any]) -> None:
        changed = w.saw(status, workflow_id=item.get("workflowId"), start_time=item.get("startTime"),
                        at=self.pacing.utc_now())
        if w.workflow_name is None and w.workflow_id is not None and self.rules.names is not None:
            w.workflow_name = self.rules.names.name(w.workflow_id)
        if changed:
            self.pacing.progress.status_changed(
                status=status, elapsed=self.pacing.elapsed(),
                run_id=w.ref.run_id if self.several else None,
                workflow=(w.workflow_name or w.workflow_id) if self.several else None)

    def read(self, w: RunState) -> TransientError | None:
        """One GetWorkflowRun: its answer ends the run when it says the run ended. A transient failure is returned
        (the round's retry step decides); a signal goes up; any other error ends this run alone."""
        w.polls += 1
        self.pacing.before_call()
        try:
            answer = self.reader.get_run(w.ref.run_id, remaining=self.pacing.deadline.remaining())
        except TransientError as e:
            return e
        except Cancelled:
            raise
        except GateError as e:
            self.end(w, e.kind, e.exit_code, str(e))
            return None
        self.pacing.reached()
        w.last, w.fresh = answer, True
        self.seen(w, answer["status"], answer)
        self.decide(w, answer)
        return None

    def decide(self, w: RunState, answer: dict[str, Any]) -> None:
        status, rules = answer["status"], self.rules
        if status not in TERMINAL_STATUSES:
            return
        if status == "SUPERSEDED" and rules.successor is not None and status not in rules.success_statuses:
            try:
                w.follow(rules.successor(answer))
            except Cancelled:
                raise
            except GateError as e:  # the superseded run's result stands, with why the gate could not go on
                self.end(w, e.kind, e.exit_code, str(e))
            return
        if status == "FAILED" and rules.rerun is not None and len(w.attempts) < rules.reruns \
                and status not in rules.success_statuses:
            self.again(w, answer, rules.rerun)
            return
        kind, code = outcome_for_status(status, rules.success_statuses)
        self.end(w, kind, code, "" if kind == "success" else f"the run ended {status}")

    def again(self, w: RunState, answer: dict[str, Any], rerun: Rerun) -> None:
        """--rerun-failed: this attempt is kept as it ended, and the gate goes on with a new one in this same loop.
        A rerun that cannot be started leaves the FAILED verdict standing, with why."""
        failed = self.outcome(w, "failure", ExitCode.RUN_FAILED, "the run ended FAILED")
        try:
            first = w.attempts[0].run_id if w.attempts else w.ref.run_id
            run_id = rerun(answer, w.workflow_name, len(w.attempts) + 2, first)
        except Cancelled:
            raise
        except GateError as e:
            self.end(w, "failure", ExitCode.RUN_FAILED, f"the run ended FAILED; starting it again failed: {e}")
            return
        w.rerun(run_id, failed)

    def last_look(self, kind: ResultKind, code: ExitCode, why: str | None = None) -> None:
        """The runs still going end as `kind`; each result rests on a fresh answer, so a run not read this round
        is read once more first (one that ended meanwhile gets its true verdict)."""
        for w in self.going():
            if not w.fresh and (failure := self.read(w)) is not None:
                self.pacing.noted(failure)
            if w.result is None:
                self.end(w, kind, code, why or self.timed_out(w))

    def timed_out(self, w: RunState) -> str:
        still = f"the run is still {w.status}" if w.status else "the run's status was never read"
        return f"timed out after {self.pacing.deadline.timeout:g}s; {still}{self.pacing.throttling_note()}"

    def round(self) -> TransientError | None:
        """Reads every run still going; returns the round's transient failure, if any."""
        going = self.going()
        for w in going:
            w.fresh = False
        listed = self.listings.round([(w.ref.run_id, w.workflow_id) for w in going], pacing=self.pacing)
        failure = None
        for w in going:
            item = listed.get(w.ref.run_id.lower())
            if item is not None and item.get("status") not in TERMINAL_STATUSES:
                self.seen(w, str(item.get("status")), item)
                continue
            failure = self.read(w) or failure
        return failure

    def next_delay(self, failure: TransientError | None) -> float | None:
        """How long to sleep before the next round; None when every run is decided."""
        if self.rules.fail_fast and (failed := self.failed()) is not None:
            stopper = self.rules.naming("fail-fast")
            self.last_look("skipped", ExitCode.RUN_FAILED, f"not waited for: {stopper} stopped the gate when run "
                                                             f"{failed.ref.run_id} could no longer pass")
        still, pacing = self.going(), self.pacing
        if not still:
            return None
        if failure is not None:
            try:
                return pacing.after_failure(failure)
            except ServiceUnavailable as stop:
                for w in still:
                    self.end(w, stop.kind, stop.exit_code, str(stop))
                return None
            except DeadlineExceeded:  # throttled until the deadline: it ends as any wait at its deadline does
                self.last_look("timeout", ExitCode.TIMEOUT)
                return None
        pacing.answered()
        if pacing.deadline.passed():
            self.last_look("timeout", ExitCode.TIMEOUT)
            return None
        delay = min(self.policies.for_workflow(w.workflow_id)(pacing.context(
            polls=w.polls, status=w.status, started_at=w.started_at, workflow_id=w.workflow_id)) for w in still)
        pacing.progress.polled(elapsed=pacing.elapsed(), next_delay=delay)
        return delay

    def failed(self) -> RunState | None:
        return next((w for w in self.runs if w.result is not None and w.result.exit_code != ExitCode.SUCCESS), None)

    def results(self) -> list[Result]:
        return [w.result for w in self.runs if w.result is not None]


def wait_for_runs(refs: Sequence[RunRef], *, reader: Reader, pacing: Pacing, policies: Policies,
                  rules: Rules) -> list[Result]:
    """Polls every run until each is decided; one Result per run, in the order given."""
    loop = Loop(refs, reader=reader, pacing=pacing, policies=policies, rules=rules)
    try:
        while (delay := loop.next_delay(loop.round())) is not None:
            pacing.sleep(delay)
    except GateError as e:  # a signal, or a failure beyond one run's read: the runs still going end with it
        for w in loop.going():
            loop.end(w, e.kind, e.exit_code, str(e))
    return loop.results()
