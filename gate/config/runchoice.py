"""Which runs to gate, and how, from the raw inputs: run IDs, or workflows started (`start`) or found newest
(`latest`), with what goes with each (follow-superseded, fail-fast, rerun-failed), and the mode that starts a run
without waiting on it (the CLI's `start`, the Action's `wait: 'false'`). Every clash is named in the door's words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.config import fields, validation
from gate.config.settings import Command, RunChoice, WorkflowRef
from gate.errors import InputError, InputErrors

if TYPE_CHECKING:
    from gate.config.inputs import RawInputs

def flag(value: bool | str, field_name: str) -> bool:
    """A flag from the CLI (bool) or an Action input ('true' / 'false', empty for false)."""
    if isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in ("", "false"):
        return False
    if text == "true":
        return True
    raise InputError(field_name, value, "must be true or false")


def entries(value: str | Sequence[str] | None) -> list[str]:
    """A list input as given: repeated, comma- or newline-separated; blanks dropped, duplicates kept once."""
    values = [value] if isinstance(value, str) else list(value or ())
    found = [item.strip() for text in values for item in text.replace("\n", ",").split(",")]
    return list(dict.fromkeys(item for item in found if item))


def workflow_ref(entry: str, *, branch: str | None, repository: str | None) -> WorkflowRef:
    """`NAME`, `ID` or `NAME@BRANCH` (the branch after the last @ wins over --branch for that entry)."""
    name, at, own_branch = entry.rpartition("@")
    if at and name and own_branch:
        return WorkflowRef(workflow=name.strip(), branch=own_branch.strip(), repository=repository)
    return WorkflowRef(workflow=entry, branch=branch, repository=repository)


def run_choice(raw: RawInputs, name: Callable[[str], str], *, command: Command) -> RunChoice:
    """Exactly one way to pick the runs; every other combination says which flags clash. Every entry of a list
    is checked, and a bad one named, before anything is sent."""
    listed_workflows, run_ids = entries(raw.workflow), entries(raw.run_id)
    if command == "start":
        return _start_choice(raw, listed_workflows, run_ids, name)
    if command == "get" and (listed_workflows or len(run_ids) > 1):
        raise InputError(name("workflow") if listed_workflows else name("run-id"),
                         ",".join(listed_workflows or run_ids), f"`get` reads one run: give one {name('run-id')}")
    if run_ids and listed_workflows:
        raise InputError(name("workflow"), ",".join(listed_workflows),
                         f"cannot be combined with {name('run-id')}: pick the runs one way ({_ways(name)})")
    follow = flag(raw.follow_superseded, name("follow-superseded"))
    fail_fast = flag(raw.fail_fast, name("fail-fast"))
    given = raw.rerun_failed
    reruns = 0 if given is None or given == "" else validation.validate_rerun_failed(given, field=name("rerun-failed"))
    if not listed_workflows:
        return RunChoice(run_ids=_run_ids(raw, run_ids, name, command=command), follow_superseded=follow,
                         fail_fast=fail_fast, rerun_failed=reruns)
    return replace(_workflow_choice(raw, listed_workflows, name, follow=follow, fail_fast=fail_fast),
                   rerun_failed=reruns)


def _start_choice(raw: RawInputs, listed: list[str], run_ids: list[str], name: Callable[[str], str]) -> RunChoice:
    """`start` (the Action's `wait: 'false'`): one workflow, whose run it starts once and does not wait on. Every
    input it cannot honour is told at once, in the door's words, with the text it was given."""
    action = raw.naming.door == "action"  # the Action says `start: true` and `wait: false`; the CLI, `start`
    mode = f"{name('wait')} 'false'" if action else "`start`"
    problems = _waiting_only(raw, name, mode)
    if run_ids:
        how = f"{name('workflow')} NAME|ID" + (f" and {name('start')} 'true'" if action else "")
        later = f"{name('wait')} 'true' (the default)" if action else "`wait`"
        problems.insert(0, InputError(name("run-id"), ",".join(run_ids), f"a run that exists already needs no "
                                                                         f"start: gate it with {later}; {mode} "
                                                                         f"takes {how}"))
    if not listed:
        problems.append(missing("workflow", name))
    elif len(listed) > 1:
        together = f"{name('wait')} 'true'" if action else "`wait`"
        problems.append(InputError(name("workflow"), ",".join(listed), f"{mode} starts one run: give one workflow "
                                                                       f"(a step each to fan out, or {together} to "
                                                                       "gate several together)"))
    if action:
        try:
            if not flag(raw.start, name("start")):
                problems.append(InputError(name("start"), raw.start or "false", f"must be 'true' with {name('wait')} "
                                                                               "'false': the step starts the run and "
                                                                               "does not wait on it"))
        except InputError as e:
            problems.append(e)
    if problems:
        raise problems[0] if len(problems) == 1 else InputErrors(problems)
    return _workflow_choice(replace(raw, start=True, latest=False), listed, name, follow=False, fail_fast=False)


def _waiting_only(raw: RawInputs, name: Callable[[str], str], mode: str) -> list[InputError]:
    """What goes with waiting on the run, given to the mode that only starts it: each named with the text given (a
    CLI flag has none), and a JUnit report too, which is of a judged run (refused as rerun-failed is, not ignored)."""
    problems: list[InputError] = []
    rule = f"goes with waiting on the run; {mode} only starts it"
    for key, value in (("latest", raw.latest), ("follow-superseded", raw.follow_superseded),
                       ("fail-fast", raw.fail_fast)):
        try:
            if flag(value, name(key)):
                problems.append(InputError(name(key), "" if isinstance(value, bool) else value, rule))
        except InputError as e:
            problems.append(e)
    for key, text in (("since", raw.since), ("rerun-failed", raw.rerun_failed)):
        if str(text or "").strip() not in ("", "0"):
            problems.append(InputError(name(key), text, rule))
    if raw.outputs.junit_xml is not None:
        problems.append(InputError(name("junit-xml"), str(raw.outputs.junit_xml), f"a JUnit report is of a judged "
                                                                                    f"run; {mode} judges none: give "
                                                                                    "it to the step that waits on it"))
    return problems


def _ways(name: Callable[[str], str]) -> str:
    return f"{name('run-id')} ID, {name('workflow')} NAME|ID {name('start')}, or {name('workflow')} NAME|ID " \
           f"{name('latest')}"


def _run_ids(raw: RawInputs, run_ids: list[str], name: Callable[[str], str], *, command: Command
             ) -> tuple[str, ...]:
    """Runs given by ID: no workflow option applies, each ID is checked, the same run given twice is gated once."""
    for given, key in ((flag(raw.start, name("start")), "start"), (flag(raw.latest, name("latest")), "latest"),
                       (raw.since, "since"), (raw.branch, "branch"), (raw.repository, "repository"),
                       (raw.client_token, "client-token")):
        if given:
            raise InputError(name(key), given, f"goes with {name('workflow')} NAME|ID")
    if not run_ids:
        absent = missing("run-id", name)
        if command == "get":
            raise absent
        # The same words as every missing input, then the other ways to pick the run.
        raise InputError(name("run-id"), "", f"{absent.rule}, or pick the run with {name('workflow')} NAME|ID "
                                             f"and {name('start')} or {name('latest')}")
    bad = []
    for run_id in run_ids:
        try:
            validation.validate_run_id(run_id, field=name("run-id"))
        except InputError as e:
            bad.append(e)
    if bad:
        raise bad[0] if len(bad) == 1 else InputErrors(bad)
    unique: dict[str, str] = {}
    for run_id in run_ids:
        unique.setdefault(run_id.lower(), run_id)  # the same run given twice is gated once, as first spelled
    return tuple(unique.values())


def _workflow_choice(raw: RawInputs, listed: list[str], name: Callable[[str], str], *, follow: bool,
                     fail_fast: bool) -> RunChoice:
    """Runs picked through workflows: started (--start) or the newest (--latest), with what goes with each."""
    start, latest = flag(raw.start, name("start")), flag(raw.latest, name("latest"))
    if start == latest:
        raise InputError(name("workflow"), ",".join(listed),
                         f"needs {name('start')} (start a new run) or {name('latest')} (wait on its newest run)"
                         if not start else f"takes {name('start')} or {name('latest')}, not both")
    if raw.since and not latest:
        raise InputError(name("since"), raw.since, f"goes with {name('latest')}")
    if raw.client_token and not start:
        raise InputError(name("client-token"), raw.client_token, f"goes with {name('start')}")
    if raw.client_token and len(listed) > 1:
        raise InputError(name("client-token"), raw.client_token, f"names one run: with several {name('workflow')} "
                         "entries, leave it out and each start gets its own token (derived in CI, else random)")
    branch, repository = (raw.branch or "").strip() or None, (raw.repository or "").strip() or None
    return RunChoice(
        workflows=tuple(workflow_ref(entry, branch=branch, repository=repository) for entry in listed),
        start=start, latest=latest, follow_superseded=follow, fail_fast=fail_fast,
        since=validation.parse_since(raw.since, field=name("since")) if raw.since else None,
        client_token=validation.validate_client_token(raw.client_token.strip(), field=name("client-token"))
        if raw.client_token and raw.client_token.strip() else None,
    )


def missing(key: str, name: Callable[[str], str]) -> InputError:
    """A missing flag names the variable that stands in for it; an Action input is just required."""
    row, said = fields.BY_KEY[key], name(key)
    variable = row.env if row.env and said == row.flag else None
    return InputError(said, "", f"is required (or set {variable})" if variable else "is required")
