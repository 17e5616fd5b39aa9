"""A workflow's recent history, for the adaptive policy (gate.wait.policies): one ListWorkflowRuns call, read
loosely.

History only tunes the polling; it never decides the gate. So any failure (refused, throttled, down,
malformed) means "no history", and items that are not well-formed finished runs are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from gate.errors import ApiRefused, InvalidResponse, TransientError
from gate.timestamps import parse_time

HISTORY_PAGE = 50  # one page, the most ListWorkflowRuns gives at once
# Runs that ended on their own: a STOPPED or CANCELLED run's duration says when someone stepped in.
FINISHED = frozenset({"SUCCEEDED", "FAILED"})
MAX_DURATION = 7 * 24 * 3600.0  # longer than any workflow may run: a clock error, not a duration


@dataclass(frozen=True)
class History:
    durations: tuple[float, ...]  # seconds, newest first
    note: str = ""  # why there is none, when there is none


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
    started, ended = parse_time(item.get("startTime")), parse_time(item.get("endTime"))
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
