"""The response schemas (GetWorkflowRun, GetWorkflow, ListWorkflows, ListWorkflowRuns, StartWorkflowRun): shipped in
the package, each compiled once when first used, errors as `path: message`."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from gate.config.validation import NAME_PATTERN, NAME_RULE, UUID_PATTERN, UUID_RULE
from gate.errors import InvalidResponse

SCHEMA_FILE = "get-workflow-run-response.schema.json"
LIST_WORKFLOWS_SCHEMA = "list-workflows-response.schema.json"
LIST_WORKFLOW_RUNS_SCHEMA = "list-workflow-runs-response.schema.json"
START_WORKFLOW_RUN_SCHEMA = "start-workflow-run-response.schema.json"
GET_WORKFLOW_SCHEMA = "get-workflow-response.schema.json"


def schema_text(name: str = SCHEMA_FILE) -> str:
    return resources.files("gate.api.schemas").joinpath(name).read_text(encoding="utf-8")


@cache
def _validator(name: str = SCHEMA_FILE) -> Any:
    # Imported here: jsonschema is the heaviest import we have, and `--help` should not pay for it.
    import jsonschema

    # The shipped schema is checked against the 2020-12 metaschema by the tests, not at every start (14 ms).
    schema = json.loads(schema_text(name))
    checker = jsonschema.FormatChecker()  # this one's own copy of the registered checks
    if "date-time" not in checker.checkers:  # pragma: no cover - guarded by the dependency list
        raise RuntimeError("rfc3339-validator is missing: `format: date-time` would not be enforced")
    lenient, raises = checker.checkers["date-time"]
    checker.checks("date-time", raises)(lambda value: not isinstance(value, str) or (
        _DATE_TIME.fullmatch(value) is not None and bool(lenient(value))))
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


# RFC 3339's date-time, matched whole: rfc3339-validator's own pattern ends in `$`, which also matches before a
# trailing newline, and that newline would become a line of its own in $GITHUB_OUTPUT. It checks the calendar.
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII)


def _json_path(path: Any) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def violations(document: Any, *, schema: str = SCHEMA_FILE) -> list[str]:
    """Every schema violation as `json_path: message`, in a stable order."""
    errors = sorted(_validator(schema).iter_errors(document),
                    key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{_json_path(e.absolute_path)}: {_message(e)}" for e in errors]


def _message(error: Any) -> str:
    """jsonschema's message, except that a pattern is said in words: `(?!.*\\n)` explains nothing to a reader."""
    if error.validator == "pattern" and isinstance(error.validator_value, str):
        for pattern, rule in ((UUID_PATTERN, UUID_RULE), (NAME_PATTERN, NAME_RULE)):
            if pattern in error.validator_value:
                return f"{error.instance!r} is not {rule}"
    return str(error.message)


def parse_document(body: bytes | str, *, source: str = "response") -> Any:
    """JSON text to a Python value; an empty body or malformed JSON is an InvalidResponse."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if not text.strip():
        raise InvalidResponse(f"{source}: the body is empty; expected a JSON object")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidResponse(
            f"{source}: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None


def validate_response(
    document: Any,
    *,
    space: str | None = None,
    project: str | None = None,
    run_id: str | None = None,
    source: str = "response",
) -> dict[str, Any]:
    """Schema first, then identity: an answer about another run must not decide our gate."""
    return _checked(document, schema=SCHEMA_FILE, operation="GetWorkflowRun", source=source,
                    expected={"spaceName": space, "projectName": project, "id": run_id})


def _identity(document: dict[str, Any], expected: dict[str, str | None], *, prefix: str = "$") -> list[str]:
    found = []
    for key, want in expected.items():
        got = document.get(key)
        # Names and hex ids compare case-insensitively: a service may echo its canonical spelling.
        if want is not None and isinstance(got, str) and got.lower() != want.lower():
            found.append(f"{prefix}.{key}: {got!r} is not the {key} that was asked for ({want!r})")
    return found


def _checked(document: Any, *, schema: str, operation: str, source: str,
             expected: dict[str, str | None] | None = None, item_expected: dict[str, str | None] | None = None
             ) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise InvalidResponse(f"{source}: $ must be a JSON object, got {type(document).__name__}")
    found = violations(document, schema=schema) + _identity(document, expected or {})
    items = document.get("items")
    if item_expected and isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                found += _identity(item, item_expected, prefix=f"$.items[{index}]")
    if found:
        raise InvalidResponse(f"{source}: does not match the {operation} schema", violations=tuple(found))
    return document


def validate_list_workflows(document: Any, *, source: str = "ListWorkflows response") -> dict[str, Any]:
    """One ListWorkflows page; `items` and `nextToken` may both be absent (the model requires neither)."""
    return _checked(document, schema=LIST_WORKFLOWS_SCHEMA, operation="ListWorkflows", source=source)


def validate_list_workflow_runs(
    document: Any, *, workflow_id: str | None = None, source: str = "ListWorkflowRuns response"
) -> dict[str, Any]:
    """One ListWorkflowRuns page; with `workflow_id`, an item about another workflow is a violation."""
    return _checked(document, schema=LIST_WORKFLOW_RUNS_SCHEMA, operation="ListWorkflowRuns", source=source,
                    item_expected={"workflowId": workflow_id})


def validate_start_workflow_run(
    document: Any,
    *,
    space: str | None = None,
    project: str | None = None,
    workflow_id: str | None = None,
    source: str = "StartWorkflowRun response",
) -> dict[str, Any]:
    """Schema first, then identity: a run started in another project or of another workflow is not ours."""
    return _checked(document, schema=START_WORKFLOW_RUN_SCHEMA, operation="StartWorkflowRun", source=source,
                    expected={"spaceName": space, "projectName": project, "workflowId": workflow_id})


def validate_get_workflow(
    document: Any,
    *,
    space: str | None = None,
    project: str | None = None,
    workflow_id: str | None = None,
    source: str = "GetWorkflow response",
) -> dict[str, Any]:
    """Schema first, then identity: a workflow of another project, or another workflow, must not name our run's."""
    return _checked(document, schema=GET_WORKFLOW_SCHEMA, operation="GetWorkflow", source=source,
                    expected={"spaceName": space, "projectName": project, "id": workflow_id})
