"""Scenario files: which workflows exist, how their runs unfold, and which faults to inject.

Format (JSON; every key optional; unknown keys are refused so typos show):

    {
      "space": "ExampleCorp", "project": "MyDemoProject",
      "seed": true,                  # keep MyDemoWorkflow and BrokenWorkflow (see seed.py)
      "pageSize": 2,                 # List* pages hold at most this many items, whatever maxResults says
      "listingOrder": "oldest-first", # ListWorkflowRuns: newest-first (default), oldest-first or unordered
      "maxActiveRuns": 10,           # StartWorkflowRun beyond this -> 402 ServiceQuotaExceededException
      "workflows": [{                # a seeded name updates that workflow (unless another id, repository or
                                     # branch is given); anything else adds one. Names may repeat across
                                     # repositories and branches, as in CodeCatalyst.
        "name": "Nightly", "id": "<uuid>",                  # id defaults to uuid5(NAMESPACE, ...), see seed.py
        "timeline": [["VALIDATING", 1], ["IN_PROGRESS", 5]], # [status, seconds] steps, active statuses
        "final": {"status": "FAILED", "statusReasons": [{"message": "..."}]},  # or "SUCCEEDED"; null = never ends
        "startedFinals": ["FAILED", "SUCCEEDED"],  # the runs StartWorkflowRun makes, in order, end so (each a
                                     # "final"; the last one repeats): a flaky workflow that passes when rerun
        "history": 3,                # or [{"status", "startedAgo", "duration", "statusReasons", "id"}]
        "runOverrides": {...},       # merged into every answer about this workflow's runs
        "sourceRepositoryName": "MyDemoRepo", "sourceBranchName": "main", "definitionPath": "...",
        "runMode": "PARALLEL", "status": "ACTIVE", "createdAgo": 2592000
      }],
      "runs": [{"id": "<uuid>", "workflow": "MyDemoWorkflow", "startedAgo": 0,   # runs that exist at start
                "timeline": ..., "final": ..., "overrides": {...}, "clientToken": "..."}],
      "faults": [{"kind": "throttle", "operation": "GetWorkflowRun", "count": 2}],  # see faults.py
      "rateLimit": {"rate": 3, "burst": 3, "per": "token", "retryAfter": false}     # see ratelimit.py
    }

Times are seconds; "...Ago" counts back from the moment the emulator was created.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from gate.emulator import checks
from gate.emulator.faults import Fault, parse_fault
from gate.emulator.model import ACTIVE_STATUSES, NAME, RUN_MODES, TERMINAL_STATUSES, WORKFLOW_STATUSES
from gate.emulator.ratelimit import RateLimit, parse_rate_limit
from gate.emulator.seed import SEED, default_workflow_id, history_run_id
from gate.emulator.timeline import RunPlan

BUILTIN_SCENARIOS = ("busy", "flaky", "hostile", "stuck")
DEFAULT_PAGE_SIZE = 50  # the service's page when maxResults is not given
# The API documents no ListWorkflowRuns order, so a client must work with any: newest first (the default),
# oldest first, or unordered (a fixed shuffle of the runs by creation order: the same every time).
LISTING_ORDERS = ("newest-first", "oldest-first", "unordered")
DEFAULT_TIMELINE = [["VALIDATING", 1], ["PROVISIONING", 1], ["IN_PROGRESS", 2]]
_WORKFLOW_KEYS = ("name", "id", "timeline", "final", "startedFinals", "history", "runOverrides", "sourceRepositoryName",
                  "sourceBranchName", "definitionPath", "runMode", "status", "createdAgo")
_MISSING: Any = object()


@dataclass(frozen=True)
class HistoryRun:
    id: str
    status: str
    started_ago: float
    duration: float
    reasons: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    id: str
    plan: RunPlan
    history: tuple[HistoryRun, ...] = ()
    run_overrides: Mapping[str, Any] = field(default_factory=dict)
    source_repository: str = "MyDemoRepo"
    source_branch: str = "main"
    definition_path: str = ""
    run_mode: str = "PARALLEL"
    status: str = "ACTIVE"
    created_ago: float = 30 * 86400.0
    started_plans: tuple[RunPlan, ...] = ()  # the plans of the runs StartWorkflowRun makes, in order (last repeats)

    def started_plan(self, index: int) -> RunPlan:
        """The plan of the run that StartWorkflowRun makes `index`-th (from 0)."""
        if not self.started_plans:
            return self.plan
        return self.started_plans[min(index, len(self.started_plans) - 1)]


@dataclass(frozen=True)
class RunSpec:
    id: str
    workflow_id: str
    started_ago: float
    plan: RunPlan
    overrides: Mapping[str, Any]
    client_token: str | None


@dataclass(frozen=True)
class Scenario:
    space: str
    project: str
    workflows: tuple[WorkflowSpec, ...]
    runs: tuple[RunSpec, ...] = ()
    faults: tuple[Fault, ...] = ()
    max_active_runs: int | None = None
    page_size: int | None = None  # None: a page holds maxResults items, DEFAULT_PAGE_SIZE without it
    listing_order: str = LISTING_ORDERS[0]  # how ListWorkflowRuns orders its runs
    rate_limit: RateLimit | None = None  # None: no limit

    def workflow(self, key: str) -> WorkflowSpec | None:
        """By id (any case) or by exact name; a name several workflows share is a ValueError."""
        return find_workflow(key, self.workflows)


def find_workflow(key: str, workflows: tuple[WorkflowSpec, ...]) -> WorkflowSpec | None:
    by_id = next((w for w in workflows if key.lower() == w.id), None)
    if by_id is not None:
        return by_id
    named = [w for w in workflows if key == w.name]
    if len(named) > 1:
        places = "; ".join(f"{w.id} ({w.source_repository}@{w.source_branch})" for w in named)
        raise ValueError(f"{len(named)} workflows are named {key!r}: {places}; name one by its id")
    return named[0] if named else None


def read_source(source: Mapping[str, Any] | str | Path | None) -> dict[str, Any]:
    """A parsed dict, a JSON file path, or the name of a built-in scenario (flaky, hostile, stuck)."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        return copy.deepcopy(dict(source))
    path = Path(source)
    if path.is_file():
        text, where = path.read_text(encoding="utf-8"), str(path)
    elif str(source) in BUILTIN_SCENARIOS:
        where = f"scenario-{source}.json"
        text = resources.files("gate.emulator").joinpath(where).read_text(encoding="utf-8")
    else:
        raise checks.ScenarioError(f"{source}: no such file, and not a built-in scenario "
                                   f"({', '.join(BUILTIN_SCENARIOS)})")
    try:
        loaded: dict[str, Any] = json.loads(text)
        return loaded
    except json.JSONDecodeError as e:
        raise checks.ScenarioError(f"{where}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


def load_scenario(source: Mapping[str, Any] | str | Path | None) -> Scenario:
    return parse_scenario(read_source(source))


def parse_plan(timeline: Any, final: Any, path: str) -> RunPlan:
    steps = []
    for index, step in enumerate(checks.items(timeline, f"{path}.timeline")):
        where = f"{path}.timeline[{index}]"
        if not isinstance(step, list) or len(step) != 2:
            raise checks.fail(where, 'a step is [status, seconds], e.g. ["IN_PROGRESS", 2]')
        steps.append((checks.choice(step[0], where + "[0]", sorted(ACTIVE_STATUSES)),
                      checks.number(step[1], where + "[1]")))
    if final is None:
        if not steps:
            raise checks.fail(f"{path}.final", "a run that never ends (final: null) needs a timeline step")
        return RunPlan(tuple(steps), None)
    if isinstance(final, str):
        final = {"status": final}
    spec = checks.obj(final, f"{path}.final", allowed=("status", "statusReasons"), required=("status",))
    status = checks.choice(spec["status"], f"{path}.final.status", sorted(TERMINAL_STATUSES))
    return RunPlan(tuple(steps), status, checks.reasons(spec.get("statusReasons", []), f"{path}.final.statusReasons"))


def past_duration(plan: RunPlan, index: int) -> float:
    """The duration of a counted history's past run `index`: drawn like the workflow's runs, within 15 % of their
    duration either way (a run then takes about as long as usual); 150-239 s for runs that never end."""
    if not plan.duration:
        return 150.0 + (index * 37) % 90
    return round(plan.duration * (0.85 + (index * 37) % 31 / 100), 3)


def _history(raw: Any, path: str, *, workflow_id: str, plan: RunPlan) -> tuple[HistoryRun, ...]:
    if isinstance(raw, int) and not isinstance(raw, bool):
        status = plan.final_status or "SUCCEEDED"
        raw = [{"status": status, "startedAgo": 3600.0 * (i + 1) + 600, "duration": past_duration(plan, i),
                "statusReasons": list(plan.final_reasons)} for i in range(checks.integer(raw, path))]
    runs = []
    for index, entry in enumerate(checks.items(raw, path)):
        where = f"{path}[{index}]"
        spec = checks.obj(entry, where, allowed=("id", "status", "startedAgo", "duration", "statusReasons"),
                          required=("status", "startedAgo"))
        duration = checks.number(spec.get("duration", 120.0), f"{where}.duration")
        started_ago = checks.number(spec["startedAgo"], f"{where}.startedAgo", minimum=duration)
        runs.append(HistoryRun(
            id=checks.uuid(spec.get("id", history_run_id(workflow_id, index)), f"{where}.id"),
            status=checks.choice(spec["status"], f"{where}.status", sorted(TERMINAL_STATUSES)),
            started_ago=started_ago, duration=duration,
            reasons=checks.reasons(spec.get("statusReasons", []), f"{where}.statusReasons")))
    return tuple(runs)


def _overrides(raw: Any, path: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise checks.fail(path, "must be a JSON object of run fields")
    return raw


def parse_workflow(raw: Any, path: str) -> WorkflowSpec:
    spec = checks.obj(raw, path, allowed=_WORKFLOW_KEYS, required=("name",))
    name = checks.text(spec["name"], f"{path}.name")
    repository = checks.text(spec.get("sourceRepositoryName", "MyDemoRepo"), f"{path}.sourceRepositoryName")
    branch = checks.text(spec.get("sourceBranchName", "main"), f"{path}.sourceBranchName")
    workflow_id = checks.uuid(spec.get("id", default_workflow_id(name, repository=repository, branch=branch)),
                              f"{path}.id")
    timeline = spec.get("timeline", DEFAULT_TIMELINE)
    plan = parse_plan(timeline, spec.get("final", "SUCCEEDED"), path)
    started = tuple(parse_plan(timeline, final, f"{path}.startedFinals[{i}]")
                    for i, final in enumerate(checks.items(spec.get("startedFinals", []), f"{path}.startedFinals")))
    return WorkflowSpec(
        name=name, id=workflow_id, plan=plan,
        history=_history(spec.get("history", []), f"{path}.history", workflow_id=workflow_id, plan=plan),
        run_overrides=_overrides(spec.get("runOverrides", {}), f"{path}.runOverrides"),
        source_repository=repository, source_branch=branch,
        definition_path=checks.text(spec.get("definitionPath", f".codecatalyst/workflows/{name}.yaml"),
                                    f"{path}.definitionPath"),
        run_mode=checks.choice(spec.get("runMode", "PARALLEL"), f"{path}.runMode", RUN_MODES),
        status=checks.choice(spec.get("status", "ACTIVE"), f"{path}.status", WORKFLOW_STATUSES),
        created_ago=checks.number(spec.get("createdAgo", 30 * 86400.0), f"{path}.createdAgo"),
        started_plans=started,
    )


def _run(raw: Any, path: str, workflows: tuple[WorkflowSpec, ...]) -> RunSpec:
    spec = checks.obj(raw, path, allowed=("id", "workflow", "startedAgo", "timeline", "final", "overrides",
                                          "clientToken"), required=("id", "workflow"))
    workflow = resolve_workflow(spec["workflow"], f"{path}.workflow", workflows)
    timeline = spec.get("timeline", [list(step) for step in workflow.plan.steps])
    final = spec.get("final", _MISSING)
    if final is _MISSING:
        final = None if workflow.plan.final_status is None else {
            "status": workflow.plan.final_status, "statusReasons": list(workflow.plan.final_reasons)}
    token = spec.get("clientToken")
    return RunSpec(id=checks.uuid(spec["id"], f"{path}.id"), workflow_id=workflow.id,
                   started_ago=checks.number(spec.get("startedAgo", 0), f"{path}.startedAgo"),
                   plan=parse_plan(timeline, final, path),
                   overrides=_overrides(spec.get("overrides", {}), f"{path}.overrides"),
                   client_token=None if token is None else checks.text(token, f"{path}.clientToken"))


def resolve_workflow(key: Any, path: str, workflows: tuple[WorkflowSpec, ...]) -> WorkflowSpec:
    key = checks.text(key, path)
    try:
        found = find_workflow(key, workflows)
    except ValueError as e:
        raise checks.fail(path, str(e)) from None
    if found is None:
        raise checks.fail(path, f"no workflow {key!r}; known: {', '.join(w.name for w in workflows)}")
    return found


def resolve_fault(raw: Any, path: str, workflows: tuple[WorkflowSpec, ...]) -> Fault:
    """A fault may name its workflow ("workflow": name or id) instead of giving "workflowId"."""
    if isinstance(raw, dict) and "workflow" in raw:
        raw = dict(raw)
        raw["workflowId"] = resolve_workflow(raw.pop("workflow"), f"{path}.workflow", workflows).id
    return parse_fault(raw, path)


_IDENTITY = (("id", None), ("sourceRepositoryName", "MyDemoRepo"), ("sourceBranchName", "main"))


def _updates(seeded: dict[str, Any], entry: dict[str, Any]) -> bool:
    """An entry with a seeded name updates it unless it places itself elsewhere (id, repository, branch)."""
    return entry.get("name") == seeded["name"] and all(
        entry.get(key, seeded.get(key, default)) == seeded.get(key, default) for key, default in _IDENTITY)


def _merged_workflows(spec: dict[str, Any]) -> list[tuple[str, Any]]:
    """Seeded workflows updated by name, then new ones; each with the JSON path to blame."""
    merged: list[tuple[str, Any]] = []
    if spec.get("seed", True):
        merged = [(f"$.seed.workflows[{e['name']}]", e) for e in copy.deepcopy(SEED["workflows"])]
    seeded = len(merged)
    for index, entry in enumerate(checks.items(spec.get("workflows", []), "$.workflows")):
        path = f"$.workflows[{index}]"
        checks.obj(entry, path, allowed=_WORKFLOW_KEYS, required=("name",))
        at = next((i for i in range(seeded) if _updates(merged[i][1], entry)), None)
        if at is None:
            merged.append((path, entry))
        else:
            merged[at] = (path, {**merged[at][1], **entry})
    return merged


def parse_scenario(raw: Any) -> Scenario:
    spec = checks.obj(raw, "$", allowed=("description", "space", "project", "seed", "maxActiveRuns", "pageSize",
                                         "listingOrder", "workflows", "runs", "faults", "rateLimit"))
    if not isinstance(spec.get("seed", True), bool):
        raise checks.fail("$.seed", "must be true or false")
    workflows = tuple(parse_workflow(entry, path) for path, entry in _merged_workflows(spec))
    ids = [w.id for w in workflows]
    if len(set(ids)) != len(ids):
        raise checks.fail("$.workflows", "two workflows share a id")
    places = [(w.name, w.source_repository, w.source_branch) for w in workflows]
    if len(set(places)) != len(places):
        raise checks.fail("$.workflows", "two workflows share a name, repository and branch")
    runs = tuple(_run(r, f"$.runs[{i}]", workflows) for i, r in enumerate(checks.items(spec.get("runs", []), "$.runs")))
    run_ids = [r.id for r in runs] + [h.id for w in workflows for h in w.history]
    if len(set(run_ids)) != len(run_ids):
        raise checks.fail("$.runs", "two runs share an id")
    quota = spec.get("maxActiveRuns")
    for key in ("space", "project"):
        value = spec.get(key, SEED[key])
        if NAME.problem(checks.text(value, f"$.{key}")):
            raise checks.fail(f"$.{key}", f"{value!r} must be 3-63 letters/digits with single -_. between them")
    return Scenario(
        space=spec.get("space", SEED["space"]), project=spec.get("project", SEED["project"]),
        workflows=workflows, runs=runs,
        faults=tuple(resolve_fault(f, f"$.faults[{i}]", workflows)
                     for i, f in enumerate(checks.items(spec.get("faults", []), "$.faults"))),
        max_active_runs=None if quota is None else checks.integer(quota, "$.maxActiveRuns", minimum=1),
        page_size=None if spec.get("pageSize") is None else checks.integer(spec["pageSize"], "$.pageSize", minimum=1),
        listing_order=checks.choice(spec.get("listingOrder", LISTING_ORDERS[0]), "$.listingOrder", LISTING_ORDERS),
        rate_limit=None if spec.get("rateLimit") is None else parse_rate_limit(spec["rateLimit"]),
    )
