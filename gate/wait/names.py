"""Workflow names for runs gated by ID: GetWorkflow, once per workflow per gate, under the gate's deadline and retry
rules. A name only labels the run; it never decides it, so any failure (refused, missing, invalid, throttled until the
retries or the deadline ran out) leaves the workflow's ID standing in, and the log says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gate.errors import ApiRefused, Cancelled, GateError, InvalidResponse
from gate.report.progress import Progress

Lookup = Callable[[str], dict[str, Any]]  # a workflow ID to its checked GetWorkflow answer (retried, bounded)


@dataclass(frozen=True)
class Named:
    """What the gate learned of one workflow's name: the name, or why there is none."""

    name: str | None
    why: str = ""


def why_unnamed(error: GateError) -> str:
    """The log's words for a GetWorkflow that failed (our words and the error's; no server text beyond them)."""
    if isinstance(error, ApiRefused):
        return f"GetWorkflow refused: HTTP {error.status} {error.error_type}"
    if isinstance(error, InvalidResponse):
        return f"GetWorkflow answered an invalid response ({error})"
    return f"GetWorkflow failed: {error}"


class WorkflowNames:
    """Each workflow's name for the whole gate, read once (a failure too), told once in the log."""

    def __init__(self, lookup: Lookup, *, progress: Progress) -> None:
        self._lookup, self._progress = lookup, progress
        self._known: dict[str, Named] = {}

    def name(self, workflow_id: str) -> str | None:
        key = workflow_id.lower()
        if key not in self._known:
            self._known[key] = self._learn(workflow_id)
        return self._known[key].name

    def _learn(self, workflow_id: str) -> Named:
        try:
            answer = self._lookup(workflow_id)
        except Cancelled:
            raise
        except GateError as e:
            named = Named(None, why_unnamed(e))
            self._progress.note(f"workflow {workflow_id}: name unknown ({named.why}); its ID stands in for it")
            return named
        named = Named(str(answer["name"]))
        self._progress.note(f"workflow {workflow_id} is {named.name}")
        return named

    @property
    def calls(self) -> int:
        """Workflows looked up: at most one GetWorkflow (and its retries) each."""
        return len(self._known)
