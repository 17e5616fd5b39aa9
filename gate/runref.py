"""Which run the gate is about: one type from picking the run to its verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunRef:
    run_id: str
    workflow: dict[str, Any] | None = None  # the workflow (a ListWorkflows item), when the run was picked through it
    started: bool = False  # this gate sent the StartWorkflowRun that gave the run

    @property
    def workflow_name(self) -> str | None:
        name = (self.workflow or {}).get("name")
        return name if isinstance(name, str) else None
