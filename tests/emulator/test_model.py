"""The emulator's table of the wire agrees with the AWS model file, member by member."""

from __future__ import annotations

import pytest

from gate.emulator.model import (
    ERROR_STATUS,
    OPERATIONS,
    RUN_MODES,
    RUN_STATUSES,
    TERMINAL_STATUSES,
    WORKFLOW_STATUSES,
    Rule,
)
from gate.statuses import TERMINAL_STATUSES as GATE_TERMINAL
from tests.emulator.shapes import MODEL


def rule_of(shape_name: str) -> Rule:
    shape = MODEL["shapes"][shape_name]
    return Rule(shape.get("pattern"), shape.get("min"), shape.get("max"))


def test_the_table_covers_exactly_the_models_operations() -> None:
    assert sorted(op.name for op in OPERATIONS) == sorted(MODEL["operations"])


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.name)
def test_method_path_and_members_match_the_model(op) -> None:
    spec = MODEL["operations"][op.name]
    assert (op.method, op.path) == (spec["http"]["method"], spec["http"]["requestUri"])
    request = MODEL["shapes"][spec["input"]["shape"]]
    members = request["members"]
    uri = {n: rule_of(m["shape"]) for n, m in members.items() if m.get("location") == "uri"}
    assert op.uri == uri
    query = {n: m for n, m in members.items() if m.get("location") == "querystring"}
    strings = {n: rule_of(m["shape"]) for n, m in query.items() if MODEL["shapes"][m["shape"]]["type"] == "string"}
    assert op.query == strings
    assert set(op.required_query) == {n for n in query if n in request.get("required", [])}
    max_results = query.get("maxResults")
    assert op.max_results == (MODEL["shapes"][max_results["shape"]]["max"] if max_results else None)
    if max_results:
        assert MODEL["shapes"][max_results["shape"]]["min"] == 1
    assert set(op.body_members) == {n for n, m in members.items() if "location" not in m}


def test_client_token_rule_matches_the_model() -> None:
    from gate.emulator.model import CLIENT_TOKEN

    assert rule_of("StartWorkflowRunRequestClientTokenString") == CLIENT_TOKEN


def test_error_statuses_match_the_model() -> None:
    errors = {name: s["error"]["httpStatusCode"] for name, s in MODEL["shapes"].items() if s.get("exception")}
    assert errors == ERROR_STATUS
    for spec in MODEL["operations"].values():
        assert {e["shape"] for e in spec["errors"]} == set(ERROR_STATUS)


def test_enums_match_the_model_and_the_gate() -> None:
    assert list(RUN_STATUSES) == MODEL["shapes"]["WorkflowRunStatus"]["enum"]
    assert list(WORKFLOW_STATUSES) == MODEL["shapes"]["WorkflowStatus"]["enum"]
    assert list(RUN_MODES) == MODEL["shapes"]["WorkflowRunMode"]["enum"]
    assert TERMINAL_STATUSES == GATE_TERMINAL


@pytest.mark.parametrize(("value", "ok"), [
    ("ExampleCorp", True), ("a-b_c.d", True), ("ab", False), ("a" * 64, False), ("a--b", False),
    ("-ab", False), ("abc-", False), ("abc\n", False), ("ab c", False), ("a/bc", False),
])
def test_name_rule_matches_whole_values_only(value: str, ok: bool) -> None:
    from gate.emulator.model import NAME

    assert (NAME.problem(value) is None) is ok
