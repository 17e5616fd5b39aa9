"""The API layer below the wait: one method per operation, each one HTTP call plus its schema and identity check,
returning an answer that may be trusted. Nothing above this module validates; the workflow's history alone is read
loosely (gate.api.history), since it only tunes the polling.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from gate.api import schema
from gate.api.client import CodeCatalystClient
from gate.api.hints import refusal_hint
from gate.errors import ApiRefused

if TYPE_CHECKING:
    from gate.api.history import History

Answer = dict[str, Any]


class Api:
    """The operations of one space and project, checked."""

    def __init__(self, client: CodeCatalystClient, *, space: str, project: str) -> None:
        self.client, self.space, self.project = client, space, project

    @contextmanager
    def hinted(self, operation: str, target: str | None = None) -> Iterator[None]:
        """A refusal of `operation` (about `target`, a run or workflow ID) says what to do where that is known."""
        try:
            yield
        except ApiRefused as e:
            hint = refusal_hint(e.status, operation=operation, space=self.space, project=self.project, target=target)
            if not hint:
                raise
            raise ApiRefused(status=e.status, error_type=e.error_type, message=e.message, hint=hint) from None

    def get_run(self, run_id: str, *, remaining: float | None = None) -> Answer:
        """GetWorkflowRun: an answer about this run, in this space and project."""
        with self.hinted("GetWorkflowRun", run_id):
            document = self.client.get_workflow_run(space=self.space, project=self.project, run_id=run_id,
                                                    remaining=remaining)
        return schema.validate_response(document, space=self.space, project=self.project, run_id=run_id)

    def list_runs(self, workflow_id: str, *, next_token: str | None = None, max_results: int = 50,
                  remaining: float | None = None) -> Answer:
        """One ListWorkflowRuns page, every item about this workflow."""
        with self.hinted("ListWorkflowRuns", workflow_id):
            document = self.client.list_workflow_runs(space=self.space, project=self.project,
                                                      workflow_id=workflow_id, max_results=max_results,
                                                      next_token=next_token, remaining=remaining)
        return schema.validate_list_workflow_runs(document, workflow_id=workflow_id)

    def history(self, workflow_id: str, *, exclude: Collection[str] = (), remaining: float | None = None) -> History:
        """The workflow's recent durations (one ListWorkflowRuns page, read loosely: any failure is no history)."""
        from gate.api.history import fetch_history  # only a wait that learns a history needs it

        return fetch_history(self.client, space=self.space, project=self.project, workflow_id=workflow_id,
                             exclude=exclude, remaining=remaining)

    def list_workflows(self, *, next_token: str | None = None, remaining: float | None = None) -> Answer:
        """One ListWorkflows page."""
        with self.hinted("ListWorkflows"):
            document = self.client.list_workflows(space=self.space, project=self.project, next_token=next_token,
                                                  remaining=remaining)
        return schema.validate_list_workflows(document)

    def get_workflow(self, workflow_id: str, *, remaining: float | None = None) -> Answer:
        """GetWorkflow: this workflow, in this space and project."""
        document = self.client.get_workflow(space=self.space, project=self.project, workflow_id=workflow_id,
                                            remaining=remaining)
        return schema.validate_get_workflow(document, space=self.space, project=self.project,
                                            workflow_id=workflow_id)

    def start_run(self, workflow_id: str, *, client_token: str, remaining: float | None = None) -> Answer:
        """StartWorkflowRun: a run of this workflow, in this space and project."""
        with self.hinted("StartWorkflowRun", workflow_id):
            document = self.client.start_workflow_run(space=self.space, project=self.project,
                                                      workflow_id=workflow_id, client_token=client_token,
                                                      remaining=remaining)
        return schema.validate_start_workflow_run(document, space=self.space, project=self.project,
                                                  workflow_id=workflow_id)
