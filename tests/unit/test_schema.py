"""The shipped schema: derived from the model, strict where the model is, open to new fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gate.api import schema
from gate.errors import ExitCode, InvalidResponse
from gate.statuses import ACTIVE_STATUSES, ALL_STATUSES, TERMINAL_STATUSES
from tests.conftest import PROJECT, RUN_ID, SPACE, run_document

SPEC = Path(__file__).parent.parent / "spec"
MODEL = json.loads((SPEC / "codecatalyst-workflows-model.json").read_text())
SHIPPED = json.loads(schema.schema_text())


def page_sample_response() -> str:
    """The reference page's sample response body, cut out of the page as published."""
    page = (SPEC / "GetWorkflowRun.txt").read_text()
    body = page.split("Sample Response", 1)[1].split("See Also", 1)[0]
    return body[body.index("{"):body.rindex("}") + 1]


def test_the_shipped_schema_is_a_valid_2020_12_schema() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(SHIPPED)  # raises SchemaError naming the broken keyword
    broken = {**SHIPPED, "required": "status"}
    with pytest.raises(jsonschema.SchemaError):
        jsonschema.Draft202012Validator.check_schema(broken)


def test_valid_answer_passes() -> None:
    assert schema.violations(run_document()) == []


def test_required_fields_are_the_models() -> None:
    output = MODEL["shapes"]["GetWorkflowRunResponse"]
    assert sorted(SHIPPED["required"]) == sorted(output["required"])
    assert sorted(SHIPPED["properties"]) == sorted(output["members"])


def test_status_enum_is_the_models_and_split_into_terminal_and_active() -> None:
    enum = MODEL["shapes"]["WorkflowRunStatus"]["enum"]
    assert SHIPPED["$defs"]["WorkflowRunStatus"]["enum"] == enum == list(ALL_STATUSES)
    assert set(enum) == TERMINAL_STATUSES | ACTIVE_STATUSES
    assert not TERMINAL_STATUSES & ACTIVE_STATUSES


def test_patterns_are_the_models_anchored() -> None:
    for shipped, shape in (("NameString", "NameString"), ("Uuid", "Uuid")):
        pattern = SHIPPED["$defs"][shipped]["pattern"]
        assert pattern.startswith("^") and pattern.endswith("$")
        assert MODEL["shapes"][shape]["pattern"] in pattern
    name = MODEL["shapes"]["NameString"]
    assert (SHIPPED["$defs"]["NameString"]["minLength"], SHIPPED["$defs"]["NameString"]["maxLength"]) == (
        name["min"], name["max"])


@pytest.mark.parametrize("field", ["spaceName", "projectName", "id", "workflowId", "status",
                                   "startTime", "lastUpdatedTime"])
def test_each_required_field_missing_is_named(field: str) -> None:
    doc = run_document()
    del doc[field]
    assert schema.violations(doc) == [f"$: '{field}' is a required property"]


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("status", "DONE", "$.status"),
        ("id", RUN_ID + "0", "$.id"),
        ("workflowId", "my-demo-workflow-id-123abc", "$.workflowId"),
        ("spaceName", "Example/Corp", "$.spaceName"),
        ("spaceName", "ExampleCorp\n", "$.spaceName"),
        ("projectName", "ab", "$.projectName"),
        ("startTime", "2026-13-01T00:00:00Z", "$.startTime"),
        ("endTime", "yesterday", "$.endTime"),
        ("lastUpdatedTime", "2026-11-25 10:00:00", "$.lastUpdatedTime"),
        ("lastUpdatedTime", 1764064800, "$.lastUpdatedTime"),
        ("statusReasons", "broken", "$.statusReasons"),
    ],
)
def test_violations_name_the_json_path(field: str, value: object, path: str) -> None:
    found = schema.violations(run_document(**{field: value}))
    assert found and all(v.startswith(path + ": ") for v in found), found


def test_status_reasons_must_be_objects() -> None:
    assert schema.violations(run_document(statusReasons=[{"message": "ok"}])) == []
    assert schema.violations(run_document(statusReasons=[{}, "text"])) == [
        "$.statusReasons[1]: 'text' is not of type 'object'"]


def test_unknown_fields_are_allowed() -> None:
    assert schema.violations(run_document(actionRuns={"items": []}, workflow={"version": 3})) == []


def test_page_sample_response_is_not_json_and_says_where() -> None:
    with pytest.raises(InvalidResponse) as caught:
        schema.parse_document(page_sample_response(), source="sample")
    assert "sample: not valid JSON: Expecting ':' delimiter at line 1" in str(caught.value)
    assert caught.value.exit_code == ExitCode.INVALID_RESPONSE


def test_page_sample_ids_break_the_models_uuid_pattern() -> None:
    """The page's sample uses ids like 'example-workflow-run-id-123abc'; the model (wire truth) says Uuid."""
    repaired = re.sub(r'"workflowId" "', '"workflowId": "', page_sample_response())
    repaired = re.sub(r'(\]|\}|") (\s*")', r"\1, \2", repaired)
    repaired = re.sub(r"\] \"|\} \"", lambda m: m.group(0)[0] + ', "', repaired)
    document = json.loads(repaired)
    found = schema.violations(document)
    assert any(v.startswith("$.id: 'example-workflow-run-id-123abc'") for v in found)
    assert any(v.startswith("$.workflowId: 'my-demo-workflow-id-123abc'") for v in found)
    # Everything else in the sample, the unmodelled actionRuns and workflow included, is fine.
    assert all(v.split(":")[0] in ("$.id", "$.workflowId") for v in found)


@pytest.mark.parametrize("body", [b"", b"   \n", b"<html>502 Bad Gateway</html>", b"{\"status\": "])
def test_empty_and_malformed_bodies_are_invalid(body: bytes) -> None:
    with pytest.raises(InvalidResponse, match="empty|not valid JSON"):
        schema.parse_document(body)


@pytest.mark.parametrize("document", [[], "SUCCEEDED", 3, None])
def test_non_object_is_invalid(document: object) -> None:
    with pytest.raises(InvalidResponse, match=r"\$ must be a JSON object"):
        schema.validate_response(document)


def test_identity_must_match_what_was_asked() -> None:
    other = "a1b2c3d4-5678-90ab-cdef-999999999999"
    with pytest.raises(InvalidResponse) as caught:
        schema.validate_response(run_document(id=other), space=SPACE, project=PROJECT, run_id=RUN_ID)
    assert caught.value.violations == (f"$.id: {other!r} is not the id that was asked for ({RUN_ID!r})",)
    # Case differences are the same run.
    assert schema.validate_response(run_document(), space=SPACE.lower(), project=PROJECT, run_id=RUN_ID.upper())


def test_every_violation_is_listed() -> None:
    with pytest.raises(InvalidResponse) as caught:
        schema.validate_response(run_document(status="X", startTime="no", id="bad"))
    assert [v.split(":")[0] for v in caught.value.violations] == ["$.id", "$.id", "$.startTime", "$.status"]


@pytest.mark.parametrize("value", ["2026-11-25T10:00:00Z\n", "2026-11-25T10:00:00Z\r\n", " 2026-11-25T10:00:00Z",
                                   "2026-11-25T10:00:00Z\nx", "2026-02-30T10:00:00Z", "2026-11-25 10:00:00Z"])
def test_a_date_time_must_be_the_whole_value(value: str) -> None:
    """rfc3339-validator alone lets a trailing newline through (its pattern ends in `$`): issue 30 L4."""
    assert schema.violations(run_document(lastUpdatedTime=value)) == [
        f"$.lastUpdatedTime: {value!r} is not a 'date-time'"]


@pytest.mark.parametrize("value", ["2026-11-25T10:00:00Z", "2026-11-25t10:00:00.123456+05:30", "2026-11-25T10:00:00z"])
def test_a_date_time_as_rfc_3339_writes_it_passes(value: str) -> None:
    assert schema.violations(run_document(lastUpdatedTime=value)) == []
