"""Response documents per the model's output shapes (pure: a run, its phase and names in, a dict out)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gate.emulator.clock import rfc3339
from gate.emulator.scenario import WorkflowSpec
from gate.emulator.timeline import Phase, RunPlan

# WorkflowRunSummary's members: overrides of other fields (spaceName, ...) stay out of list items.
SUMMARY_KEYS = frozenset({"id", "workflowId", "workflowName", "status", "statusReasons",
                          "startTime", "endTime", "lastUpdatedTime"})


@dataclass(frozen=True)
class Run:
    id: str
    workflow_id: str
    started: float
    plan: RunPlan
    overrides: Mapping[str, Any]
    seq: int  # creation order: breaks ties between runs started in the same millisecond
    client_token: str | None = None


def _run_fields(run: Run, phase: Phase) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": run.id,
        "workflowId": run.workflow_id,
        "status": phase.status,
        "statusReasons": copy.deepcopy(list(phase.reasons)),
        "startTime": rfc3339(run.started),
        "lastUpdatedTime": rfc3339(phase.since),
    }
    if phase.ended is not None:
        fields["endTime"] = rfc3339(phase.ended)
    return fields


def _overrides(workflow: WorkflowSpec, run: Run) -> dict[str, Any]:
    return copy.deepcopy({**workflow.run_overrides, **run.overrides})


def run_document(run: Run, phase: Phase, workflow: WorkflowSpec, *, space: str, project: str) -> dict[str, Any]:
    """GetWorkflowRunResponse."""
    return {"spaceName": space, "projectName": project, **_run_fields(run, phase), **_overrides(workflow, run)}


def run_summary(run: Run, phase: Phase, workflow: WorkflowSpec) -> dict[str, Any]:
    """WorkflowRunSummary, an item of ListWorkflowRunsResponse."""
    overrides = {k: v for k, v in _overrides(workflow, run).items() if k in SUMMARY_KEYS}
    return {**_run_fields(run, phase), "workflowName": workflow.name, **overrides}


def start_document(run: Run, *, space: str, project: str) -> dict[str, Any]:
    """StartWorkflowRunResponse."""
    return {"spaceName": space, "projectName": project, "id": run.id, "workflowId": run.workflow_id}


def workflow_summary(workflow: WorkflowSpec, *, epoch: float) -> dict[str, Any]:
    """WorkflowSummary; created and last updated relative to when the emulator was created."""
    created = epoch - workflow.created_ago
    return {
        "id": workflow.id,
        "name": workflow.name,
        "sourceRepositoryName": workflow.source_repository,
        "sourceBranchName": workflow.source_branch,
        "definition": {"path": workflow.definition_path},
        "createdTime": rfc3339(created),
        "lastUpdatedTime": rfc3339(max(created, epoch - 7 * 86400.0)),
        "runMode": workflow.run_mode,
        "status": workflow.status,
    }


def workflow_document(workflow: WorkflowSpec, *, space: str, project: str, epoch: float) -> dict[str, Any]:
    """GetWorkflowResponse: the summary's members plus where it lives."""
    return {"spaceName": space, "projectName": project, **workflow_summary(workflow, epoch=epoch)}
