"""gate.report.redact and where it is used: the token is masked in free text only, only from MIN_MASKED_TOKEN characters
on, and never in a key or a value the gate checked (space, project, IDs, times, statuses)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gate.api.schema import schema_text
from gate.config.settings import OutputTargets
from gate.defaults import MIN_MASKED_TOKEN
from gate.errors import ExitCode
from gate.report.display import PlainDisplay
from gate.report.redact import ANSWER_FIELDS, MASK, STRUCTURED_FIELDS, Redactor, short_token_warning
from gate.report.sink import Sink
from gate.result import Result
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, WORKFLOW_ID, FakeClock, run_document

# Eight characters, long enough to mask, and the start of both the run's and the workflow's ID.
IN_THE_IDS = RUN_ID[:8]


def echoing(token: str) -> dict[str, Any]:
    return run_document("FAILED", statusReasons=[{"message": f"bearer {token} rejected", token: token}],
                        workflowName=f"{token}-build", **{f"{token}-extra": True})


def test_the_minimum_is_8_and_a_shorter_token_is_not_masked_but_flagged() -> None:
    assert MIN_MASKED_TOKEN == 8
    for short in ("x", "a", "1", "Time", "Exam", "1234567"):
        redactor = Redactor(short)
        assert redactor.too_short and redactor.text(f"ExampleCorp {short}") == f"ExampleCorp {short}"
        assert redactor.response(echoing(short)) == echoing(short)
    assert not Redactor(TOKEN).too_short and not Redactor(None).too_short and not Redactor("").too_short
    assert Redactor(TOKEN).text(f"a {TOKEN} b") == f"a {MASK} b"


def test_keys_and_checked_fields_stay_as_sent_and_free_text_is_masked() -> None:
    shown = Redactor(IN_THE_IDS).response(echoing(IN_THE_IDS))
    assert shown is not None
    assert {key: shown[key] for key in STRUCTURED_FIELDS & set(shown)} == {
        key: value for key, value in echoing(IN_THE_IDS).items() if key in STRUCTURED_FIELDS}
    assert (shown["id"], shown["workflowId"]) == (RUN_ID, WORKFLOW_ID)
    # The names the server chose are its free text; the API's own stay.
    assert shown["statusReasons"] == [{"message": "bearer *** rejected", MASK: MASK}]
    assert shown["workflowName"] == "***-build" and shown["***-extra"] is True
    assert list(shown) == [key.replace(IN_THE_IDS, MASK) for key in echoing(IN_THE_IDS)]
    inside_a_name = Redactor("UpdatedTime").response({**run_document(), "UpdatedTime-x": "UpdatedTime"})
    assert inside_a_name == {**run_document(), "***-x": MASK}  # lastUpdatedTime stays, name and value


def _resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_the_structured_fields_are_those_the_schema_pins_down() -> None:
    """A name, a UUID, an enum or a timestamp: a realistic token cannot be one unless the user typed it there."""
    schema = json.loads(schema_text())
    pinned = {name for name, node in schema["properties"].items()
              if {"pattern", "enum", "format"} & set(_resolved(schema, node))}
    assert pinned == STRUCTURED_FIELDS and set(schema["properties"]) == ANSWER_FIELDS


def test_the_warning_names_the_source_never_the_value() -> None:
    assert short_token_warning("CODECATALYST_TOKEN") == (
        "the token from CODECATALYST_TOKEN is shorter than 8 characters, so the gate does not mask it in what it "
        "prints and writes (masking so short a text would alter the data); a real CodeCatalyst token is longer")


@pytest.mark.parametrize("github", [False, True], ids=["stderr", "annotation"])
def test_a_warning_is_one_line_on_stderr_or_one_annotation(github: bool) -> None:
    out, err = io.StringIO(), io.StringIO()
    Sink(OutputTargets(github_commands=github), redactor=Redactor(), stdout=out, stderr=err).warning(
        "short\n::error::x", title="T")
    if github:
        assert (out.getvalue(), err.getvalue()) == ("::warning title=T::short\\n::error::x\n", "")
    else:
        assert (out.getvalue(), err.getvalue()) == ("", "codecatalyst-gate: warning: short\\n::error::x\n")


def test_every_output_keeps_the_checked_values_of_a_run_whose_ids_hold_the_token(tmp_path: Path) -> None:
    result = Result(kind="failure", exit_code=ExitCode.RUN_FAILED, space=SPACE, project=PROJECT, run_id=RUN_ID,
                    polls=3, response=echoing(IN_THE_IDS), message=f"the run ended FAILED ({IN_THE_IDS})",
                    workflow_name=f"{IN_THE_IDS}-build")
    targets = OutputTargets(json_stdout=True, output_file=tmp_path / "r.json", dotenv_file=tmp_path / "r.env",
                            github_output=tmp_path / "out", github_summary=tmp_path / "summary")
    out = io.StringIO()
    Sink(targets, redactor=Redactor(IN_THE_IDS), stdout=out, stderr=io.StringIO()).result(result)
    written = json.loads(out.getvalue())
    assert json.loads((tmp_path / "r.json").read_text()) == written
    assert (written["run-id"], written["workflow-id"]) == (RUN_ID, WORKFLOW_ID)
    assert written["run-url"].endswith(f"/ci/workflows/{WORKFLOW_ID}/runs/{RUN_ID}")
    assert written["workflow-name"] == "***-build" and written["response"]["workflowName"] == "***-build"
    assert written["status-reasons"] == [{"message": "bearer *** rejected", MASK: MASK}]
    dotenv = (tmp_path / "r.env").read_text()
    assert f"CODECATALYST_GATE_RUN_ID={RUN_ID}\n" in dotenv and f"CODECATALYST_GATE_WORKFLOW_ID={WORKFLOW_ID}\n" in dotenv
    assert "run-id<<" in (tmp_path / "out").read_text() and f"\n{RUN_ID}\n" in (tmp_path / "out").read_text()
    assert RUN_ID in (tmp_path / "summary").read_text().replace("\\-", "-")


def test_the_log_masks_free_text_and_leaves_ids_and_the_run_url() -> None:
    stream = io.StringIO()
    display = PlainDisplay(redactor=Redactor(IN_THE_IDS), clock=FakeClock(), stream=stream)
    display.status_changed(status="IN_PROGRESS", elapsed=0.0, run_id=RUN_ID)
    display.retrying(reason=f"HTTP 503: {IN_THE_IDS} busy", attempt=1, delay=1.0, elapsed=1.0)
    display.finished(Result(kind="failure", exit_code=ExitCode.RUN_FAILED, space=SPACE, project=PROJECT,
                            run_id=RUN_ID, polls=2, response=echoing(IN_THE_IDS), message="the run ended FAILED"))
    lines = stream.getvalue().splitlines()
    assert f"codecatalyst-gate: [00:00] run {RUN_ID} status IN_PROGRESS" in lines
    assert "codecatalyst-gate: [00:01] HTTP 503: *** busy; retry 1 in 1.0s" in lines
    assert "codecatalyst-gate: reason: bearer *** rejected" in "\n".join(lines)
    [url] = [line for line in lines if line.startswith("codecatalyst-gate: run: ")]  # the comparison line is last
    assert url.endswith(f"/ci/workflows/{WORKFLOW_ID}/runs/{RUN_ID}")


QUOTED = 'ccTok"SECRET\\value/0123456789'  # a token with `"`, `\` and `/`: each escape writes them differently


@pytest.mark.parametrize("shown", [
    json.dumps({"detail": QUOTED}),  # text built by JSON-encoding first
    json.dumps(json.dumps({"detail": QUOTED})),  # twice
    json.dumps({"detail": QUOTED}).replace("/", "\\/"),  # an encoder that escapes `/`
    repr(QUOTED), repr(QUOTED + "'"), repr({"status": QUOTED}),  # Python's repr, either quote
    f"'{QUOTED}' is not one of ['SUCCEEDED']",
])
def test_escaped_forms_of_the_token_are_masked(shown: str) -> None:
    masked = Redactor(QUOTED).text(shown)
    assert "0123456789" not in masked and MASK in masked, masked


def test_escaped_forms_leave_other_text_alone() -> None:
    plain = json.dumps({"detail": "ccTok value 0123456789"})
    assert Redactor(QUOTED).text(plain) == plain
