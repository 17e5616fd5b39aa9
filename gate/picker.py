"""Picking the run the gate is about: a workflow by name or ID, a run it starts (once, whatever the network does),
the newest run of a workflow, or the run that superseded another.

Every call goes through the checked API (gate.api) under the gate's one deadline, transient failures retried by
the gate's one retry step (gate.pacing); what to pick is decided by pure functions (gate.workflows,
gate.idempotency). Progress hears what was decided.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from gate import workflows
from gate.api import Api
from gate.errors import DeadlineExceeded, InputError, TransientError
from gate.idempotency import choose_client_token
from gate.pacing import Pacing
from gate.policy import PollPolicy
from gate.runref import RunRef
from gate.settings import RunChoice, WorkflowRef

T = TypeVar("T")
Item = dict[str, Any]


class Picker:
    def __init__(self, *, api: Api, pacing: Pacing, policy: PollPolicy, env: Mapping[str, str]) -> None:
        self._api, self._pacing, self._policy, self._env = api, pacing, policy, env
        self._progress = pacing.progress
        self._workflows: list[Item] | None = None

    def call(self, what: str, request: Callable[[float | None], T]) -> T:
        """One API call, retried on transient failures by the gate's retry step, never past the deadline."""
        pacing = self._pacing
        while True:
            try:
                answer = request(pacing.deadline.remaining())
            except TransientError as e:
                pacing.sleep(pacing.after_failure(e, what=what))
                continue
            pacing.answered()
            return answer

    def _look(self, what: str, find: Callable[[], T | None]) -> T:
        """`find` until it finds, paced by the poll policy, until the deadline (exit 3)."""
        looks, pacing = 0, self._pacing
        while True:
            looks += 1
            found = find()
            if found is not None:
                return found
            if pacing.deadline.passed():
                raise DeadlineExceeded(f"timed out after {pacing.deadline.timeout:g}s; no {what} yet")
            if looks == 1:
                self._progress.note(f"no {what} yet; looking again until the deadline")
            pacing.sleep(self._policy(pacing.context(polls=looks)))

    # -- the workflow ----------------------------------------------------------------------------------------

    def workflows(self) -> list[Item]:
        """Every workflow of the project (listed once per gate, however many runs it picks through them)."""
        if self._workflows is not None:
            return self._workflows
        api = self._api

        def page(token: str | None) -> Item:
            return self.call("ListWorkflows", lambda left: api.list_workflows(next_token=token, remaining=left))

        self._workflows = workflows.follow_pages(page, what="ListWorkflows")
        return self._workflows

    def workflow(self, ref: WorkflowRef, *, field: str = "--workflow",
                 flags: tuple[str, str] = ("--branch", "--repository")) -> Item:
        """The one workflow `ref` names; exit 2 with the candidates when none or several match."""
        items = self.workflows()
        if workflows.is_workflow_id(ref.workflow):
            for item in items:
                if str(item.get("id", "")).lower() == ref.workflow.lower():
                    return item
            raise InputError(field, ref.workflow, "no workflow of the project has this ID; "
                                                  f"the project's workflows: {workflows.listed(items)}")
        return dict(workflows.pick_workflow(items, name=ref.workflow, branch=ref.branch, repository=ref.repository,
                                            field=field, flags=flags))

    def runs(self, workflow_id: str, *, until: Callable[[Sequence[Any]], bool]) -> list[Item]:
        """The workflow's runs, newest first, page by page until `until` says the pages reach far enough."""
        api = self._api

        def page(token: str | None) -> Item:
            return self.call("ListWorkflowRuns", lambda left: api.list_runs(workflow_id, next_token=token,
                                                                            remaining=left))

        return workflows.follow_pages(page, until=until, what="ListWorkflowRuns")

    # -- the run ---------------------------------------------------------------------------------------------

    def start(self, workflow: Item, *, client_token: str | None, field: str = "--client-token") -> str:
        """StartWorkflowRun with one client token for every attempt: however often the call is retried (a 5xx, a
        dropped answer after the run was made), the service makes one run for that token."""
        workflow_id = str(workflow["id"])
        token = choose_client_token(explicit=client_token, workflow_id=workflow_id, env=self._env, field=field)
        self._progress.note(f"starting workflow {workflow.get('name')} ({workflow_id}); client token {token.how}")
        run = self.call("StartWorkflowRun", lambda left: self._api.start_run(workflow_id, client_token=token.value,
                                                                             remaining=left))
        self._progress.note(f"run {run['id']}: the run of client token {token.value} (started now, or found again "
                            "if this step already started it)")
        return str(run["id"])

    def latest(self, workflow: Item, *, since: datetime | None) -> str:
        """The newest run of the workflow (started at or after `since`), looked for until one exists."""
        workflow_id = str(workflow["id"])
        what = f"run of workflow {workflow.get('name')}" + (f" started since {since.isoformat()}" if since else "")
        until = workflows.started_at_or_before(since) if since else bool  # the newest is on the first page with runs
        run = self._look(what, lambda: workflows.newest_run(self.runs(workflow_id, until=until), since=since,
                                                            workflow_id=workflow_id))
        self._progress.note(f"run {run['id']}: the newest {what} (started {run.get('startTime')})")
        return str(run["id"])

    def successor(self, superseded: Item) -> str:
        """The run that superseded `superseded` (a GetWorkflowRun answer), looked for until it is listed."""
        workflow_id = str(superseded["workflowId"])
        began = workflows.parse_rfc3339(str(superseded["startTime"]))
        run = self._look(f"run that superseded {superseded['id']}", lambda: workflows.superseding_run(
            self.runs(workflow_id, until=workflows.started_at_or_before(began)), superseded=superseded))
        self._progress.note(f"run {superseded['id']} was superseded by run {run['id']}; gating on that one")
        return str(run["id"])

    def pick(self, choice: RunChoice, *, names: Mapping[str, str],
             picked: Callable[[RunRef], None] = lambda _: None) -> list[RunRef]:
        """The runs `choice` asks for, in its order. Every workflow is resolved before any run is started, so
        a name that matches none or several starts nothing at all; `picked` hears of each run as it is known."""
        if choice.run_ids:
            return [RunRef(run_id) for run_id in choice.run_ids]
        field = names.get("workflow", "--workflow")
        flags = (names.get("branch", "--branch"), names.get("repository", "--repository"))
        chosen = [self.workflow(ref, field=field, flags=flags) for ref in choice.workflows]
        runs = []
        for workflow in chosen:
            if choice.start:
                run = RunRef(self.start(workflow, client_token=choice.client_token,
                                        field=names.get("client-token", "--client-token")), workflow, started=True)
            else:
                run = RunRef(self.latest(workflow, since=choice.since), workflow)
            picked(run)
            runs.append(run)
        return runs
