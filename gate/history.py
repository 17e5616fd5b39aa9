"""A workflow's recent history, for the adaptive policy: one ListWorkflowRuns call, read loosely.

History only tunes the polling; it never decides the gate. So any failure (refused, throttled, down,
malformed) means "no history", and items that are not well-formed finished runs are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gate.errors import ApiRefused, InvalidResponse, TransientError
from gate.policy import Adaptive, FixedInterval, PollContext, PollPolicy
from gate.result import Usual
from gate.timestamps import parse_time

HISTORY_PAGE = 50  # one page, the most ListWorkflowRuns gives at once
# Runs that ended on their own: a STOPPED or CANCELLED run's duration says when someone stepped in.
FINISHED = frozenset({"SUCCEEDED", "FAILED"})
MAX_DURATION = 7 * 24 * 3600.0  # longer than any workflow may run: a clock error, not a duration


@dataclass(frozen=True)
class History:
    durations: tuple[float, ...]  # seconds, newest first
    note: str = ""  # why there is none, when there is none


def _timestamp(value: Any) -> datetime | None:
    """A zoned timestamp of sane length (history items are read loosely, never trusted)."""
    stamp = parse_time(value) if isinstance(value, str) and len(value) <= 64 else None
    return stamp if stamp is not None and stamp.tzinfo is not None else None


def item_duration(item: Any, *, workflow_id: str | None = None, run_id: str | Collection[str] | None = None,
                  exclude: Collection[str] = ()) -> float | None:
    """endTime − startTime of one finished run of this workflow (not `run_id`, nor any run in `exclude`: the runs
    the gate waits on); None for anything else."""
    if not isinstance(item, dict) or item.get("status") not in FINISHED:
        return None
    gated = {run_id} if isinstance(run_id, str) else set(run_id or ())
    if str(item.get("id", "")).lower() in {r.lower() for r in (*gated, *exclude)}:
        return None
    found = item.get("workflowId")
    if workflow_id is not None and isinstance(found, str) and found.lower() != workflow_id.lower():
        return None
    started, ended = _timestamp(item.get("startTime")), _timestamp(item.get("endTime"))
    if started is None or ended is None:
        return None
    seconds = (ended - started).total_seconds()
    return seconds if math.isfinite(seconds) and 0 < seconds <= MAX_DURATION else None


def durations_from(document: Any, *, workflow_id: str | None = None, run_id: str | Collection[str] | None = None,
                   exclude: Collection[str] = ()) -> History:
    """The durations in one ListWorkflowRuns answer, in its order (newest first)."""
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return History((), "the ListWorkflowRuns answer has no items list")
    durations = [item_duration(i, workflow_id=workflow_id, run_id=run_id, exclude=exclude)
                 for i in items[:HISTORY_PAGE]]
    kept = tuple(d for d in durations if d is not None)
    return History(kept, "" if kept else "no finished runs in the workflow's history")


def fetch_history(client: Any, *, space: str, project: str, workflow_id: str, run_id: str | None = None,
                  exclude: Collection[str] = (), remaining: float | None = None) -> History:
    """One ListWorkflowRuns call, within the deadline; every failure of it is just no history (signals still
    stop the gate)."""
    try:
        document = client.list_workflow_runs(space=space, project=project, workflow_id=workflow_id,
                                             max_results=HISTORY_PAGE, remaining=remaining)
    except ApiRefused as e:  # e.g. a token without the right to list runs
        return History((), f"ListWorkflowRuns refused: HTTP {e.status} {e.error_type}")
    except (TransientError, InvalidResponse) as e:  # throttled or down: no retry, the quota is shared
        return History((), f"ListWorkflowRuns failed ({type(e).__name__})")
    return durations_from(document, workflow_id=workflow_id, run_id=run_id, exclude=exclude)


class LearnsHistory:
    """The adaptive policy (or with `fixed`, --interval's), with history loaded once, on the first call (after the
    first poll: a run that is over at once costs no history call). Everything after that is pure."""

    def __init__(self, load: Callable[[str, float | None], History], *, fixed: float | None = None,
                 **tuning: Any) -> None:
        self._load, self._fixed = load, fixed  # fixed: --interval, the history only read for the usual duration
        self._tuning = tuning
        self.history: History | None = None  # None: not asked yet
        self.policy: PollPolicy | None = None
        self.calls = 0  # ListWorkflowRuns calls made: 0 or 1

    def __call__(self, context: PollContext) -> float:
        if self.policy is None:
            if context.workflow_id:
                self.calls += 1
                self.history = self._load(context.workflow_id, context.remaining)
            else:
                self.history = History((), "no workflowId in the answer")
            self.policy = FixedInterval(self._fixed) if self._fixed is not None else \
                Adaptive(durations=self.history.durations, **self._tuning)
        return self.policy(context)


class WorkflowPolicies:
    """Each workflow's poll policy and usual duration, for the whole gate: `--interval`'s fixed policy, or the
    adaptive one; the workflow's history learned once, after a first poll, however many of its runs (followed ones
    included) the gate waits on."""

    def __init__(self, *, interval: float | None = None,
                 load: Callable[[str, float | None], History] | None = None, **tuning: Any) -> None:
        self._interval, self._load, self._tuning = interval, load, tuning
        self._policies: dict[str | None, PollPolicy] = {}
        self._histories: dict[str, History] = {}

    def history(self, workflow_id: str, remaining: float | None) -> History:
        if workflow_id not in self._histories:
            self._histories[workflow_id] = self._load(workflow_id, remaining) if self._load else History(())
        return self._histories[workflow_id]

    def for_workflow(self, workflow_id: str | None) -> PollPolicy:
        if workflow_id not in self._policies:
            if self._load is None:
                self._policies[workflow_id] = Adaptive(**self._tuning) if self._interval is None \
                    else FixedInterval(self._interval)
            elif self._interval is None:
                self._policies[workflow_id] = LearnsHistory(self.history, **self._tuning)
            else:  # the usual duration is worth the one call with a fixed interval too
                self._policies[workflow_id] = LearnsHistory(self.history, fixed=self._interval)
        return self._policies[workflow_id]

    def usual(self, workflow_id: str | None) -> Usual | None:
        """The workflow's usual duration, from the history its policy learned (none learned: None). A run over at
        its first answer costs no history call, so it has none."""
        history = self._histories.get(workflow_id) if workflow_id else None
        return Usual.of(history.durations) if history is not None else None

    @property
    def calls(self) -> int:
        """ListWorkflowRuns calls made for history: at most one per workflow."""
        return len(self._histories) if self._load else 0


def usual_of(policy: object) -> Usual | None:
    """The usual duration a policy learned from the workflow's history (LearnsHistory); None when it learned none."""
    history = getattr(policy, "history", None)
    return Usual.of(history.durations) if isinstance(history, History) else None
