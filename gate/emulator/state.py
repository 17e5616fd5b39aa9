"""The emulated project: its workflows and runs. A run's status is computed from the clock when asked,
so there is no background thread, and a test moves a ManualClock instead of sleeping."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from typing import Any

from gate.emulator import checks
from gate.emulator.clock import Clock
from gate.emulator.documents import Run
from gate.emulator.model import ApiError
from gate.emulator.scenario import Scenario, WorkflowSpec, parse_plan
from gate.emulator.timeline import Phase, RunPlan, phase_at, superseded_at

_KEEP: Any = object()


class EmulatorState:
    def __init__(self, *, scenario: Scenario, clock: Clock, page_size: int | None = None,
                 listing_order: str | None = None) -> None:
        self.scenario = scenario
        self.clock = clock
        self.page_size = page_size or scenario.page_size  # the most items one List* page holds (None: maxResults)
        self.listing_order = listing_order or scenario.listing_order  # how ListWorkflowRuns orders its runs
        self.epoch = clock()  # "now" when the emulator was made: history and "...Ago" count back from it
        self._lock = threading.RLock()  # start_run checks and adds under one hold
        self._runs: dict[str, Run] = {}
        self._tokens: dict[str, str] = {}
        self._superseded: dict[str, float] = {}  # run id -> when a newer run of its workflow replaced it
        self._starts: dict[str, int] = {}  # workflow id -> runs StartWorkflowRun made (for its startedFinals)
        for workflow in scenario.workflows:
            for past in workflow.history:
                plan = RunPlan((("IN_PROGRESS", past.duration),), past.status, past.reasons)
                self._add(run_id=past.id, workflow=workflow, started=self.epoch - past.started_ago, plan=plan)
        for spec in scenario.runs:
            workflow = self.workflow(spec.workflow_id)
            self._add(run_id=spec.id, workflow=workflow, started=self.epoch - spec.started_ago, plan=spec.plan,
                      overrides=spec.overrides, client_token=spec.client_token)

    @property
    def space(self) -> str:
        return self.scenario.space

    @property
    def project(self) -> str:
        return self.scenario.project

    def check_project(self, *, space: str, project: str) -> None:
        """Names compare case-insensitively; answers carry the canonical spelling."""
        if space.lower() != self.space.lower():
            raise ApiError("ResourceNotFoundException", f"The space {space} was not found.")
        if project.lower() != self.project.lower():
            raise ApiError("ResourceNotFoundException", f"The project {project} was not found in space {self.space}.")

    def workflow(self, key: str, *, by_name: bool = True) -> WorkflowSpec:
        found = self.scenario.workflow(key) if by_name else next(
            (w for w in self.scenario.workflows if w.id == key.lower()), None)
        if found is None:
            raise ApiError("ResourceNotFoundException", f"The workflow {key} was not found.")
        return found

    def phase(self, run: Run, *, now: float | None = None) -> Phase:
        now = self.clock() if now is None else now
        phase = phase_at(run.plan, started=run.started, now=now)
        with self._lock:
            cut = self._superseded.get(run.id)
        return phase if cut is None else superseded_at(phase, cut=cut, now=now)

    def run(self, run_id: str) -> Run:
        with self._lock:
            found = self._runs.get(run_id.lower())
        if found is None:
            raise ApiError("ResourceNotFoundException", f"The workflow run {run_id} was not found.")
        return found

    def runs(self, *, workflow_id: str | None = None) -> list[Run]:
        """Newest first."""
        with self._lock:
            runs = [r for r in self._runs.values() if workflow_id is None or r.workflow_id == workflow_id]
        return sorted(runs, key=lambda r: (r.started, r.seq), reverse=True)

    def start_run(self, *, workflow: str = "MyDemoWorkflow", client_token: str | None = None,
                  run_id: str | None = None, timeline: list[Any] | None = None, final: Any = _KEEP,
                  overrides: Mapping[str, Any] | None = None, started_ago: float = 0.0,
                  by_name: bool = True) -> Run:
        """StartWorkflowRun. Tests may also pin the id, change the plan, or override any answer field.

        `final` is a status, {"status", "statusReasons"}, or None for a run that never ends.
        """
        spec = self.workflow(workflow, by_name=by_name)
        plan: RunPlan | None = None  # None: the plan of the workflow's next started run, chosen under the lock
        if timeline is not None or final is not _KEEP:
            steps = [list(s) for s in spec.plan.steps] if timeline is None else timeline
            if final is _KEEP:
                final = spec.plan.final_status and {"status": spec.plan.final_status,
                                                    "statusReasons": list(spec.plan.final_reasons)}
            try:
                plan = parse_plan(steps, final, "start_run")
            except checks.ScenarioError as e:
                raise ValueError(str(e)) from None
        if run_id is not None:
            run_id = checks.uuid(run_id, "run_id")
        with self._lock:
            if client_token is not None and client_token in self._tokens:
                existing = self._runs[self._tokens[client_token]]
                if existing.workflow_id != spec.id:
                    raise ApiError("ConflictException", "The clientToken was already used to start a run "
                                   "of another workflow.")
                return existing
            if spec.status != "ACTIVE":
                raise ApiError("ConflictException", f"The workflow {spec.name} is {spec.status} and cannot run.")
            quota = self.scenario.max_active_runs
            if quota is not None and sum(1 for r in self._runs.values() if self.phase(r).ended is None) >= quota:
                raise ApiError("ServiceQuotaExceededException",
                               f"The space has reached its limit of {quota} active workflow runs.")
            starts = self._starts.get(spec.id, 0)
            run = self._add(run_id=run_id or str(uuid.uuid4()), workflow=spec, started=self.clock() - started_ago,
                            plan=plan or spec.started_plan(starts), overrides=overrides or {},
                            client_token=client_token)
            self._starts[spec.id] = starts + 1
            if spec.run_mode == "SUPERSEDED":
                self._supersede_older(run)
            return run

    def _supersede_older(self, newer: Run) -> None:
        """SUPERSEDED run mode: newer runs overtake older ones, so every older run of the workflow still
        active now ends SUPERSEDED now. (QUEUED is served like PARALLEL: runs never wait for each other.)"""
        now = self.clock()
        for run in self._runs.values():
            if (run.workflow_id == newer.workflow_id and (run.started, run.seq) < (newer.started, newer.seq)
                    and run.id not in self._superseded and self.phase(run, now=now).ended is None):
                self._superseded[run.id] = now

    def _add(self, *, run_id: str, workflow: WorkflowSpec, started: float, plan: RunPlan,
             overrides: Mapping[str, Any] | None = None, client_token: str | None = None) -> Run:
        with self._lock:
            if run_id.lower() in self._runs:
                raise ValueError(f"a run with id {run_id} already exists")
            run = Run(run_id.lower(), workflow.id, started, plan, dict(overrides or {}), len(self._runs),
                      client_token)
            self._runs[run.id] = run
            if client_token is not None:
                self._tokens.setdefault(client_token, run.id)
            return run
