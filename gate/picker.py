"""Picking the run the gate is about: a workflow by name or ID, a run it starts (once, whatever the network does),
the newest run of a workflow, or the run that superseded another.

Every call goes through the client under the gate's one deadline, transient failures retried by the retry policy;
what to pick is decided by pure functions (gate.workflows, gate.idempotency). Progress hears what was decided.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from gate import schema, workflows
from gate.client import CodeCatalystClient
from gate.clock import Clock, Deadline
from gate.errors import DeadlineExceeded, InputError, TransientError
from gate.idempotency import choose_client_token
from gate.policy import PollContext, PollPolicy
from gate.progress import Progress
from gate.retry import RetryPolicy, Streak
from gate.settings import Project, RunChoice, WorkflowRef

T = TypeVar("T")
Item = dict[str, Any]


@dataclass(frozen=True)
class Picked:
    run_id: str
    workflow: Item | None = None  # the workflow, when the run was picked through it
    started: bool = False  # this gate sent the StartWorkflowRun that gave the run


class Picker:
    def __init__(self, *, client: CodeCatalystClient, project: Project, clock: Clock, deadline: Deadline,
                 retry: RetryPolicy, policy: PollPolicy, progress: Progress, env: Mapping[str, str]) -> None:
        self._client, self._project, self._clock, self._deadline = client, project, clock, deadline
        self._retry, self._policy, self._progress, self._env = retry, policy, progress, env
        self._began = clock.now()
        self._workflows: list[Item] | None = None
        self.streak = Streak()  # reached: the endpoint has answered this gate, later failures get the full budget

    def _elapsed(self) -> float:
        return self._clock.now() - self._began

    def call(self, what: str, request: Callable[[float | None], T]) -> T:
        """One API call, retried on transient failures by the retry policy, never past the deadline."""
        streak = self.streak
        while True:
            try:
                answer = request(self._deadline.remaining())
                streak.answered()
                return answer
            except TransientError as e:
                streak.failed(e)
                context = PollContext(elapsed=self._elapsed(), polls=0, status=None, throttled=streak.throttled,
                                      remaining=self._deadline.remaining(), failures=streak.failures,
                                      reached=streak.reached)
                stop = self._retry.give_up(context, e)
                if stop is not None:
                    raise stop from None
                delay = self._retry.delay(context)
                self._progress.retrying(reason=f"{what}: {e.reason}", attempt=streak.failures, delay=delay,
                                        elapsed=context.elapsed)
                self._deadline.sleep(delay)

    def _look(self, what: str, find: Callable[[], T | None]) -> T:
        """`find` until it finds, paced by the poll policy, until the deadline (exit 3)."""
        looks = 0
        while True:
            looks += 1
            found = find()
            if found is not None:
                return found
            if self._deadline.passed():
                raise DeadlineExceeded(f"timed out after {self._deadline.timeout:g}s; no {what} yet")
            if looks == 1:
                self._progress.note(f"no {what} yet; looking again until the deadline")
            self._deadline.sleep(self._policy(PollContext(elapsed=self._elapsed(), polls=looks, status=None,
                                                          remaining=self._deadline.remaining())))

    # -- the workflow ----------------------------------------------------------------------------------------

    def workflows(self) -> list[Item]:
        """Every workflow of the project (listed once per gate, however many runs it picks through them)."""
        if self._workflows is not None:
            return self._workflows
        p, client = self._project, self._client

        def page(token: str | None) -> Item:
            answer = self.call("ListWorkflows", lambda left: client.list_workflows(
                space=p.space, project=p.project, next_token=token, remaining=left))
            return schema.validate_list_workflows(answer)

        self._workflows = workflows.follow_pages(page, what="ListWorkflows")
        return self._workflows

    def workflow(self, ref: WorkflowRef, *, field: str = "--workflow") -> Item:
        """The one workflow `ref` names; exit 2 with the candidates when none or several match."""
        items = self.workflows()
        if workflows.is_workflow_id(ref.workflow):
            for item in items:
                if str(item.get("id", "")).lower() == ref.workflow.lower():
                    return item
            raise InputError(field, ref.workflow, "no workflow of the project has this ID; "
                                                  f"the project's workflows: {workflows.listed(items)}")
        return dict(workflows.pick_workflow(items, name=ref.workflow, branch=ref.branch, repository=ref.repository,
                                            field=field))

    def runs(self, workflow_id: str, *, until: Callable[[Sequence[Any]], bool]) -> list[Item]:
        """The workflow's runs, newest first, page by page until `until` says the pages reach far enough."""
        p, client = self._project, self._client

        def page(token: str | None) -> Item:
            answer = self.call("ListWorkflowRuns", lambda left: client.list_workflow_runs(
                space=p.space, project=p.project, workflow_id=workflow_id, next_token=token, remaining=left))
            return schema.validate_list_workflow_runs(answer, workflow_id=workflow_id)

        return workflows.follow_pages(page, until=until, what="ListWorkflowRuns")

    # -- the run ---------------------------------------------------------------------------------------------

    def start(self, workflow: Item, *, client_token: str | None, field: str = "--client-token") -> str:
        """StartWorkflowRun with one client token for every attempt: however often the call is retried (a 5xx, a
        dropped answer after the run was made), the service makes one run for that token."""
        p, workflow_id = self._project, str(workflow["id"])
        token = choose_client_token(explicit=client_token, workflow_id=workflow_id, env=self._env, field=field)
        self._progress.note(f"starting workflow {workflow.get('name')} ({workflow_id}); client token {token.how}")
        answer = self.call("StartWorkflowRun", lambda left: self._client.start_workflow_run(
            space=p.space, project=p.project, workflow_id=workflow_id, client_token=token.value, remaining=left))
        run = schema.validate_start_workflow_run(answer, space=p.space, project=p.project, workflow_id=workflow_id)
        self._progress.note(f"run {run['id']}: the run of client token {token.value} (started now, or found again "
                            f"if {token.holder} already started it)")
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
             picked: Callable[[Picked], None] = lambda _: None) -> list[Picked]:
        """The runs `choice` asks for, in its order. Every workflow is resolved before any run is started, so
        a name that matches none or several starts nothing at all; `picked` hears of each run as it is known."""
        if choice.run_ids:
            return [Picked(run_id) for run_id in choice.run_ids]
        field = names.get("workflow", "--workflow")
        chosen = [self.workflow(ref, field=field) for ref in choice.workflows]
        runs = []
        for workflow in chosen:
            if choice.start:
                run = Picked(self.start(workflow, client_token=choice.client_token,
                                        field=names.get("client-token", "--client-token")), workflow, started=True)
            else:
                run = Picked(self.latest(workflow, since=choice.since), workflow)
            picked(run)
            runs.append(run)
        return runs
