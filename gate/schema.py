"""The GetWorkflowRun response schema: shipped in the package, compiled once, errors as `path: message`."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from gate.errors import InvalidResponse

SCHEMA_FILE = "get-workflow-run-response.schema.json"


def schema_text() -> str:
    return resources.files("gate.schemas").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def _validator() -> Any:
    # Imported here: jsonschema is the heaviest import we have, and `--help` should not pay for it.
    import jsonschema

    # The shipped schema is checked against the 2020-12 metaschema by the tests, not at every start (14 ms).
    schema = json.loads(schema_text())
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    if "date-time" not in checker.checkers:  # pragma: no cover - guarded by the dependency list
        raise RuntimeError("rfc3339-validator is missing: `format: date-time` would not be enforced")
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


def _json_path(path: Any) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def violations(document: Any) -> list[str]:
    """Every schema violation as `json_path: message`, in a stable order."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{_json_path(e.absolute_path)}: {e.message}" for e in errors]


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
    if not isinstance(document, dict):
        raise InvalidResponse(f"{source}: $ must be a JSON object, got {type(document).__name__}")
    found = violations(document)
    expected = {"spaceName": space, "projectName": project, "id": run_id}
    for key, want in expected.items():
        got = document.get(key)
        # Names and hex ids compare case-insensitively: a service may echo its canonical spelling.
        if want is not None and isinstance(got, str) and got.lower() != want.lower():
            found.append(f"$.{key}: {got!r} is not the {key} that was asked for ({want!r})")
    if found:
        raise InvalidResponse(f"{source}: does not match the GetWorkflowRun schema", violations=tuple(found))
    return document
