"""What a refused gate still knows: each value that was given, passes its own rule, and is named by no error.

A refused input (exit 2) still writes its result, so that a later job reads why; that result keeps the space, the
project, the run ID and the workflow's name the user gave, when they are good, instead of leaving them null.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gate.config import validation
from gate.config.inputs import RawInputs
from gate.config.runchoice import entries, workflow_ref
from gate.errors import GateError, InputError, InputErrors


@dataclass(frozen=True, kw_only=True)
class Given:
    """The good values of a refused gate; empty (or None) where a value was missing, bad, or in the refusal."""

    space: str = ""
    project: str = ""
    run_id: str = ""
    workflow_name: str | None = None


def refused_fields(error: GateError) -> set[str]:
    """The fields that the refusal names: by key where an error carries one, and as the door names them."""
    errors = error.errors if isinstance(error, InputErrors) else (error,)
    return {name for e in errors if isinstance(e, InputError) for name in (e.key, e.field) if name}


def given_values(raw: RawInputs, error: GateError) -> Given:
    """Each value of `raw` that was given and good, unless `error` names its field."""
    names = raw.naming
    named = refused_fields(error)

    def refused(key: str) -> bool:
        return key in named or names(key) in named

    def good(key: str, value: str | None, rule: Callable[..., str]) -> str:
        text = (value or "").strip()
        if not text or refused(key):
            return ""
        try:
            return rule(text, field=names(key))
        except InputError:
            return ""

    run_ids, workflows = entries(raw.run_id), entries(raw.workflow)
    run_id = good("run-id", run_ids[0], validation.validate_run_id) if len(run_ids) == 1 and not workflows else ""
    workflow = None
    if len(workflows) == 1 and not run_ids and not refused("workflow"):
        name = workflow_ref(workflows[0], branch=None, repository=None).workflow
        workflow = None if validation.is_uuid(name) else name  # an ID is no name
    return Given(space=good("space", raw.space, validation.validate_space),
                 project=good("project", raw.project, validation.validate_project),
                 run_id=run_id, workflow_name=workflow)
