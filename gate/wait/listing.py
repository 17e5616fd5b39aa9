"""The listing round: each round, the runs of a workflow with two or more still going are read from one
ListWorkflowRuns page instead of one GetWorkflowRun each. Listings only save calls: a run the page shows as
ended, or does not show at all, is read with GetWorkflowRun by the loop, so every verdict rests on its own answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from gate.errors import ApiRefused, InvalidResponse, TransientError
from gate.pace.pacing import Pacing

UNLISTED_ROUNDS = 3  # a workflow whose listing shows none of its runs this many rounds in a row is read run by run
LISTED_RUNS = 50  # one ListWorkflowRuns page a round: the newest runs, where runs still going are


class Lister(Protocol):
    def list_runs(self, workflow_id: str, *, max_results: int, remaining: float | None) -> dict[str, Any]: ...


class Listings:
    """Which workflows are worth a listing, and what this round's listings showed."""

    def __init__(self, lister: Lister) -> None:
        self._lister = lister
        self._unlisted: set[str] = set()  # refused or malformed, or never showing our runs: read run by run
        self._misses: dict[str, int] = {}  # rounds in a row a workflow's listing showed none of its runs going

    def round(self, going: Iterable[tuple[str, str | None]], *, pacing: Pacing) -> dict[str, dict[str, Any]]:
        """`going`: (run ID, workflow ID) of each run still going. Returns the listed items by lower-case run ID.
        A failed listing is noted by the pacing (a throttled one slows the gate down, as one burst with the rest of
        the round's); its runs are read one by one this round."""
        by_workflow: dict[str, list[str]] = {}
        for run_id, workflow_id in going:
            if workflow_id and workflow_id not in self._unlisted:
                by_workflow.setdefault(workflow_id, []).append(run_id.lower())
        listed: dict[str, dict[str, Any]] = {}
        for workflow_id, run_ids in by_workflow.items():
            if len(run_ids) < 2:
                continue
            pacing.before_call()
            try:
                page = self._lister.list_runs(workflow_id, max_results=LISTED_RUNS,
                                              remaining=pacing.deadline.remaining())
            except TransientError as e:
                pacing.noted(e)
                continue
            except (ApiRefused, InvalidResponse):  # e.g. no right to list runs: GetWorkflowRun still works
                self._unlisted.add(workflow_id)
                continue
            pacing.reached()
            shown = {str(item.get("id", "")).lower(): item for item in page.get("items") or []}
            listed.update(shown)
            seen = any(run_id in shown for run_id in run_ids)
            self._misses[workflow_id] = 0 if seen else self._misses.get(workflow_id, 0) + 1
            if self._misses[workflow_id] >= UNLISTED_ROUNDS:  # older than the page: listing again saves nothing
                self._unlisted.add(workflow_id)
        return listed
