"""rest-json on the wire: routing, request checks in the service's words, and answer shapes (pure)."""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from gate.emulator.model import CLIENT_TOKEN, OPERATIONS, ApiError, Operation, Rule

JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class Call:
    """One checked request: the operation and its members (URI, query and body), typed."""

    operation: str
    params: dict[str, Any]


def json_answer(document: Any, *, status: int = 200) -> Answer:
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return Answer(status, (("Content-Type", JSON_TYPE),), body)


def error_answer(error: ApiError) -> Answer:
    """The rest-json error shape botocore parses: the type in a header, the message in the body."""
    headers = (("Content-Type", JSON_TYPE), ("x-amzn-ErrorType", error.error_type), *error.headers)
    return Answer(error.status, headers, json.dumps({"message": error.message}).encode("utf-8"))


def _invalid(member: str, value: Any, problem: str) -> ApiError:
    return ApiError("ValidationException", f"1 validation error detected: Value '{value}' at '{member}' "
                                           f"failed to satisfy constraint: {problem}")


def route(method: str, target: str) -> tuple[Operation, dict[str, str], str]:
    """The operation a request names, its percent-decoded URI members and its raw query."""
    parts = urlsplit(target)
    # Split first, then decode: an encoded '/' (%2F) stays inside its segment, where the checks refuse it.
    segments = [unquote(s) for s in parts.path[1:].split("/")] if parts.path.startswith("/") else []
    candidates = []
    for op in OPERATIONS:
        template = op.segments
        if len(template) != len(segments):
            continue
        if all(t.startswith("{") or t == s for t, s in zip(template, segments, strict=True)):
            candidates.append(op)
    if not candidates:
        raise ApiError("UnknownOperationException", "No operation matches this path.", status=404)
    for op in candidates:
        if op.method == method:
            uri = {t[1:-1]: s for t, s in zip(op.segments, segments, strict=True) if t.startswith("{")}
            return op, uri, parts.query
    allowed = ", ".join(sorted({op.method for op in candidates}))
    raise ApiError("MethodNotAllowedException", f"{method} is not allowed here; use {allowed}.",
                   status=405, headers=(("Allow", allowed),))


def authorize(header: str | None, *, expected: str | None) -> None:
    """A bearer token is required; the emulator never says which token it wanted or got."""
    match = re.fullmatch(r"bearer +(\S+) *", header or "", re.IGNORECASE)
    if match is None:
        raise ApiError("AccessDeniedException", "Missing bearer token: send Authorization: Bearer <token>.")
    if expected is not None and not hmac.compare_digest(match.group(1).encode(), expected.encode()):
        raise ApiError("AccessDeniedException", "The bearer token is not valid for this space.")


def _checked(rule: Rule, member: str, value: str) -> str:
    problem = rule.problem(value)
    if problem:
        raise _invalid(member, value, problem)
    return value


def _max_results(op: Operation, raw: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise ApiError("ValidationException", f"Value '{raw}' at 'maxResults' is not a valid integer.")
    value = int(raw)
    if not 1 <= value <= (op.max_results or 0):
        raise _invalid("maxResults", value, f"Member must have value between 1 and {op.max_results}")
    return value


def _body(op: Operation, body: bytes) -> dict[str, Any]:
    if op.method == "GET" or not body.strip():
        return {}
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError("ValidationException", "The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise ApiError("ValidationException", "The request body must be a JSON object.")
    params: dict[str, Any] = {}
    if "sortBy" in op.body_members and document.get("sortBy") is not None:
        sort_by = document["sortBy"]
        if not isinstance(sort_by, list) or not all(isinstance(c, dict) for c in sort_by):
            raise ApiError("ValidationException", "sortBy must be a list of sort criteria objects.")
        if len(sort_by) > 1:
            raise _invalid("sortBy", sort_by, "Member must have length less than or equal to 1")
        params["sortBy"] = sort_by
    if "clientToken" in op.body_members and document.get("clientToken") is not None:
        token = document["clientToken"]
        if not isinstance(token, str):
            raise ApiError("ValidationException", "clientToken must be a string.")
        params["clientToken"] = _checked(CLIENT_TOKEN, "clientToken", token)
    return params


def parse_query(query: str) -> dict[str, list[str]]:
    """Percent-decoded as RFC 3986 says, where `+` is a plus, not a space: the AWS SDKs send a space as %20, so a
    client that encodes form-style (`+`) is caught here rather than by the first token that holds a space."""
    values: dict[str, list[str]] = {}
    for pair in query.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            values.setdefault(unquote(name), []).append(unquote(value))
    return values


def parse_call(op: Operation, uri: dict[str, str], query: str, body: bytes) -> Call:
    """Checks every member against the model's lengths and whole-value patterns."""
    params: dict[str, Any] = {name: _checked(op.uri[name], name, value) for name, value in uri.items()}
    values = parse_query(query)
    for name, rule in op.query.items():
        if name in values:
            params[name] = _checked(rule, name, values[name][0])
    for name in op.required_query:
        if name not in params:
            raise _invalid(name, "null", "Member must not be null")
    if op.max_results is not None and "maxResults" in values:
        params["maxResults"] = _max_results(op, values["maxResults"][0])
    params.update(_body(op, body))
    return Call(op.name, params)
