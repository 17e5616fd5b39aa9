"""Picking the run the gate is about: a workflow by name or ID, a run it starts (once, whatever the network does), the
newest run of a workflow, or the run that superseded another.

Every call goes through the checked API (gate.api.operations) under the gate's one deadline, transient failures
retried by the gate's one retry step (gate.pace.pacing); what to pick is decided by pure functions
(gate.pick.workflows, gate.pick.idempotency). Progress hears what was decided.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from gate import defaults
from gate.api.history import durations_from
from gate.api.operations import Api
from gate.config import fields
from gate.config.fields import Naming
from gate.config.settings import RunChoice, WorkflowRef
from gate.errors import DeadlineExceeded, InputError, TransientError
from gate.pace.pacing import Pacing
from gate.pace.policy import PollPolicy
from gate.pick import workflows
from gate.pick.cisince import ci_since
from gate.pick.idempotency import choose_client_token, rerun_token
from gate.report.progress import Progress
from gate.runref import RunRef
from gate.timestamps import ended_before, parse_rfc3339

T = TypeVar("T")
Item = dict[str, Any]


class Picker:
    def __init__(self, *, api: Api, pacing: Pacing, policy: PollPolicy, env: Mapping[str, str]) -> None:
        self._api, self._pacing, self._policy, self._env = api, pacing, policy, env
        self._progress = pacing.progress
        self._began_at = pacing.utc_now()  # the gate's start by the wall clock, for runs that ended before it
        self._workflows: list[Item] | None = None

    def call(self, what: str, request: Callable[[float | None], T]) -> T:
        """One API call, retried on transient failures by the gate's retry step, never past the deadline."""
        pacing = self._pacing
        while True:
            pacing.before_call()
            try:
                answer = request(pacing.deadline.remaining())
            except TransientError as e:
                pacing.sleep(pacing.after_failure(e, what=what))
                continue
            pacing.reached()
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

    def workflow(self, ref: WorkflowRef, *, naming: Naming = fields.CLI) -> Item:
        """The one workflow `ref` names; exit 2 with the candidates when none or several match."""
        items = self.workflows()
        if workflows.is_workflow_id(ref.workflow):
            for item in items:
                if str(item.get("id", "")).lower() == ref.workflow.lower():
                    return item
            raise naming.keyed(InputError(naming("workflow"), ref.workflow, "no workflow of the project has this ID; "
                                          f"the project's workflows: {workflows.listed(items)}"))
        try:
            return dict(workflows.pick_workflow(items, name=ref.workflow, branch=ref.branch,
                                                repository=ref.repository, naming=naming))
        except InputError as e:  # with the key of the field it names, and where that came from
            raise naming.keyed(e) from None

    def runs(self, workflow_id: str, *, until: Callable[[Sequence[Any]], bool],
             capped: Callable[[int, int], None] | None = None) -> list[Item]:
        """The workflow's runs in the order the service lists them (the API documents none), page by page until
        `until` says the pages read reach far enough, or the page cap (`capped` hears of it)."""
        api = self._api

        def page(token: str | None) -> Item:
            return self.call("ListWorkflowRuns", lambda left: api.list_runs(workflow_id, next_token=token,
                                                                            remaining=left))

        return workflows.follow_pages(page, until=until, what="ListWorkflowRuns", max_pages=defaults.MAX_RUN_PAGES,
                                      capped=capped)

    # -- the run ---------------------------------------------------------------------------------------------

    def start(self, workflow: Item, *, client_token: str | None, field: str = fields.CLI("client-token"),
              attempt: int = 1, first_run_id: str = "") -> str:
        """StartWorkflowRun with one client token for every try: however often the call is retried (a 5xx, a
        dropped answer after the run was made), the service makes one run for that token. A rerun (`attempt` 2, 3,
        ...) has its own token, derived from the first's, the first attempt's run ID and its number
        (gate.pick.idempotency.rerun_token)."""
        workflow_id = str(workflow["id"])
        token = choose_client_token(explicit=client_token, workflow_id=workflow_id, env=self._env, field=field)
        if attempt > 1:
            token = rerun_token(token, attempt, first_run_id)
        self._progress.note(f"starting workflow {workflow.get('name') or workflow_id} ({workflow_id})"
                            f"{f', attempt {attempt}' if attempt > 1 else ''}; client token {token.how}")
        run = self.call("StartWorkflowRun", lambda left: self._api.start_run(workflow_id, client_token=token.value,
                                                                             remaining=left))
        self._progress.note(f"run {run['id']}: the run of client token {token.value} (started now, or found again "
                            f"if {token.holder} already started it)")
        return str(run["id"])

    def latest(self, workflow: Item, *, since: datetime | None, naming: Naming = fields.CLI) -> RunRef:
        """The newest run of the workflow (started at or after `since`), looked for until one exists. Without a
        stated since, in CI, the CI system's time for this pipeline (gate.pick.cisince); where no time is known, a run
        that ended before the gate started is told as such (a warning, and the result's `stale`)."""
        found = None if since is not None else ci_since(self._env, read_text=read_text)
        given_by = naming("since")
        source = f"given by {given_by}" if found is None else found.source
        since = since if found is None else found.moment
        if since is not None or source:
            self._progress.note(f"since {since.isoformat()}: {source}" if since else f"no since known: {source}")
        workflow_id = str(workflow["id"])
        what = f"run of workflow {workflow.get('name')}" + (f" started since {since.isoformat()}" if since else "")
        until, capped = workflows.started_at_or_before(since), capped_note(self._progress)
        read: list[Item] = []  # the runs the last look listed

        def newest() -> Mapping[str, Any] | None:
            read[:] = self.runs(workflow_id, until=until, capped=capped)
            return workflows.newest_run(read, since=since, workflow_id=workflow_id)

        run = self._look(what, newest)
        self._progress.note(f"run {run['id']}: the newest {what} (started {run.get('startTime')})")
        listed = durations_from({"items": read}, workflow_id=workflow_id, exclude=[str(run["id"])]).durations
        if since is not None:
            return RunRef(str(run["id"]), workflow, listed=listed)
        if ended_before(run.get("endTime"), self._began_at):
            self._progress.warning(
                f"run {run['id']} ended at {run.get('endTime')}, before this gate started "
                f"({self._began_at.isoformat(timespec='seconds')}); with no {given_by} given and none known from CI, "
                f"it may be an earlier run than the one to wait for: give {given_by} to wait for a run started "
                "after that time")
        return RunRef(str(run["id"]), workflow, stale_if_ended_before=self._began_at, listed=listed)

    def successor(self, superseded: Item) -> str:
        """The run that superseded `superseded` (a GetWorkflowRun answer), looked for until it is listed."""
        workflow_id = str(superseded["workflowId"])
        began = parse_rfc3339(str(superseded["startTime"]))
        until, capped = workflows.started_at_or_before(began), capped_note(self._progress)
        run = self._look(f"run that superseded {superseded['id']}", lambda: workflows.superseding_run(
            self.runs(workflow_id, until=until, capped=capped), superseded=superseded))
        self._progress.note(f"run {superseded['id']} was superseded by run {run['id']}; gating on that one")
        return str(run["id"])

    def pick(self, choice: RunChoice, *, naming: Naming = fields.CLI,
             picked: Callable[[RunRef], None] = lambda _: None) -> list[RunRef]:
        """The runs `choice` asks for, in its order. Every workflow is resolved before any run is started, so
        a name that matches none or several starts nothing at all; `picked` hears of each run as it is known."""
        if choice.run_ids:
            return [RunRef(run_id) for run_id in choice.run_ids]
        resolved = [self.workflow(ref, naming=naming) for ref in choice.workflows]
        # A workflow named twice (by name and by ID, or NAME and NAME@BRANCH) is started once, whatever the token.
        chosen: dict[str, Item] = {}
        for item in resolved:
            chosen.setdefault(str(item["id"]).lower(), item)
        runs = []
        for workflow in chosen.values():
            if choice.start:
                run = RunRef(self.start(workflow, client_token=choice.client_token,
                                        field=naming("client-token")), workflow, started=True)
            else:
                run = self.latest(workflow, since=choice.since, naming=naming)
            picked(run)
            runs.append(run)
        return runs


def capped_note(progress: Progress) -> Callable[[int, int], None]:
    """Tells once per pick that ListWorkflowRuns was read up to the page cap without the pages proving their order
    newest first: the run is then chosen from the runs read, and a newer one on a later page is missed."""
    told: list[int] = []

    def note(pages: int, items: int) -> None:
        if not told:
            told.append(pages)
            progress.note(f"ListWorkflowRuns: read {pages} pages ({items} runs), the cap, without them proving "
                          "newest-first order; choosing among the runs read")
    return note


def read_text(path: str) -> str:
    """A CI system's file (GitHub's event payload), for gate.pick.cisince."""
    return Path(path).read_text(encoding="utf-8")
