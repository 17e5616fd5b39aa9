"""Which run the gate is about: one type from picking the run to its verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RunRef:
    run_id: str
    workflow: dict[str, Any] | None = None  # the workflow (a ListWorkflows item), when the run was picked through it
    started: bool = False  # this gate sent the StartWorkflowRun that gave the run
    # Taken as the newest run with no since known: the gate's start, before which an ended run is reported stale.
    stale_if_ended_before: datetime | None = None
    # --latest: the durations of the workflow's other finished runs in the listing the run was picked from, newest
    # first (a usual duration for a run already over, at no extra call); None when the run was not picked so.
    listed: tuple[float, ...] | None = None

    @property
    def workflow_name(self) -> str | None:
        name = (self.workflow or {}).get("name")
        return name if isinstance(name, str) else None
