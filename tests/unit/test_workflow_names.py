"""Names, not IDs (issue 29, item 3): gated by run ID, the gate reads the run's workflow with GetWorkflow, once per
workflow, checked like every answer, and names it in the log and the result; a GetWorkflow that fails never changes
the verdict (the ID stands in, and the log says why); the timeline gives every run its own label."""

from __future__ import annotations

import io
from typing import Any

import pytest
import responses

from gate import app
from gate.api.client import CodeCatalystClient
from gate.api.operations import Api
from gate.clock import Deadline
from gate.config.inputs import RawInputs
from gate.config.settings import RetrySettings
from gate.defaults import LABEL_THROTTLE_RETRIES
from gate.errors import ApiRefused, Cancelled, ExitCode, InvalidResponse, ServiceUnavailable, TransientError
from gate.pace.pacing import Pacing
from gate.pace.policy import FixedInterval
from gate.pace.retry import RetryPolicy
from gate.report.formats import mermaid
from gate.result import Result
from gate.runref import RunRef
from gate.wait.loop import Rules, wait_for_runs
from gate.wait.names import WorkflowNames, why_unnamed
from tests.conftest import (
    GET_WORKFLOW_URL,
    PROJECT,
    RUN_ID,
    SPACE,
    TOKEN,
    WORKFLOW_ID,
    WORKFLOW_NAME,
    FakeClock,
    RecordingProgress,
    run_document,
    workflow_document,
)
from tests.loopkit import Reader, SamePolicy

OTHER_RUN = "a1b2c3d4-5678-90ab-cdef-333333333333"
OTHER_WORKFLOW = "a1b2c3d4-5678-90ab-cdef-444444444444"
ENDPOINT = "https://codecatalyst.example.test"
RUN_URL = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{RUN_ID}"
WORKFLOW_URL = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}/workflows/{WORKFLOW_ID}"


class Lookups:
    """GetWorkflow as the names see it: each call recorded, answered by `answer`."""

    def __init__(self, answer: Any = None) -> None:
        self.calls: list[str] = []
        self.answer = answer

    def __call__(self, workflow_id: str) -> dict[str, Any]:
        self.calls.append(workflow_id)
        if isinstance(self.answer, Exception):
            raise self.answer
        return workflow_document(id=workflow_id, name=f"name of {workflow_id[-4:]}")


def gate_by_id(answers: dict[str, dict[str, Any]], names: WorkflowNames | None, progress: RecordingProgress
               ) -> list[Result]:
    clock = FakeClock()
    pacing = Pacing(clock=clock, deadline=Deadline(clock, 60.0), progress=progress,
                    retry=RetryPolicy(settings=RetrySettings(), floor=1.0))
    reader = Reader(lambda run_id, _left: answers[run_id])
    return wait_for_runs([RunRef(run_id) for run_id in answers], reader=reader, pacing=pacing,
                         policies=SamePolicy(FixedInterval(1.0)),
                         rules=Rules(success_statuses=frozenset({"SUCCEEDED"}), names=names))


def test_a_run_gated_by_id_is_named_by_its_workflow() -> None:
    progress, lookups = RecordingProgress(), Lookups()
    [result] = gate_by_id({RUN_ID: run_document("SUCCEEDED")}, WorkflowNames(lookups, progress=progress), progress)
    assert lookups.calls == [WORKFLOW_ID]
    assert result.workflow_name == "name of 1111" and result.to_dict()["workflow-name"] == "name of 1111"
    assert ("note", f"workflow {WORKFLOW_ID} is name of 1111") in progress.events


def test_once_per_workflow_however_many_of_its_runs_and_each_workflow_its_own() -> None:
    progress, lookups = RecordingProgress(), Lookups()
    answers = {RUN_ID: run_document("SUCCEEDED"),
               OTHER_RUN: run_document("FAILED", id=OTHER_RUN),
               "a1b2c3d4-5678-90ab-cdef-555555555555": run_document("SUCCEEDED", id="a1b2c3d4-5678-90ab-cdef-"
                                                                    "555555555555", workflowId=OTHER_WORKFLOW)}
    names = WorkflowNames(lookups, progress=progress)
    results = gate_by_id(answers, names, progress)
    assert lookups.calls == [WORKFLOW_ID, OTHER_WORKFLOW] and names.calls == 2
    assert [r.workflow_name for r in results] == ["name of 1111", "name of 1111", "name of 4444"]


def test_several_runs_status_lines_carry_the_name() -> None:
    class Labels(RecordingProgress):
        def status_changed(self, *, status: str, elapsed: float, run_id: str | None = None,
                           workflow: str | None = None, **_: Any) -> None:
            self.events.append(("label", workflow))

    progress = Labels()
    answers = {RUN_ID: run_document("SUCCEEDED"), OTHER_RUN: run_document("SUCCEEDED", id=OTHER_RUN)}
    gate_by_id(answers, WorkflowNames(Lookups(), progress=progress), progress)
    assert [e for e in progress.events if e[0] == "label"] == [("label", "name of 1111")] * 2


@pytest.mark.parametrize(("error", "why"), [
    (ApiRefused(status=403, error_type="AccessDeniedException", message="no"),
     "GetWorkflow refused: HTTP 403 AccessDeniedException"),
    (ApiRefused(status=404, error_type="ResourceNotFoundException", message="gone"),
     "GetWorkflow refused: HTTP 404 ResourceNotFoundException"),
    (ServiceUnavailable("the deadline passed while retrying"), "GetWorkflow failed: the deadline passed while"),
    (InvalidResponse("GetWorkflow response: does not match"), "GetWorkflow answered an invalid response"),
])
@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED"])
def test_a_lookup_that_fails_never_changes_the_verdict(error: Exception, why: str, status: str) -> None:
    progress = RecordingProgress()
    named = gate_by_id({RUN_ID: run_document(status)}, WorkflowNames(Lookups(), progress=progress), progress)
    progress = RecordingProgress()
    lookups = Lookups(error)
    [result] = gate_by_id({RUN_ID: run_document(status)}, WorkflowNames(lookups, progress=progress), progress)
    assert (result.kind, result.exit_code) == (named[0].kind, named[0].exit_code)
    assert result.workflow_name is None and result.to_dict()["workflow-id"] == WORKFLOW_ID  # the ID stands in
    notes = [text for kind, text in progress.events if kind == "note"]
    assert len(notes) == 1 and notes[0].startswith(f"workflow {WORKFLOW_ID}: name unknown ({why}")
    assert notes[0].endswith("its ID stands in for it") and lookups.calls == [WORKFLOW_ID]  # tried once


def test_a_signal_during_the_lookup_is_not_swallowed() -> None:
    names = WorkflowNames(Lookups(Cancelled("SIGTERM")), progress=RecordingProgress())
    with pytest.raises(Cancelled):
        names.name(WORKFLOW_ID)


def test_no_lookup_without_names_and_none_for_a_name_known_from_picking() -> None:
    progress, lookups = RecordingProgress(), Lookups()
    [result] = gate_by_id({RUN_ID: run_document("SUCCEEDED")}, None, progress)
    assert result.workflow_name is None
    clock = FakeClock()
    pacing = Pacing(clock=clock, deadline=Deadline(clock, 60.0), progress=progress,
                    retry=RetryPolicy(settings=RetrySettings(), floor=1.0))
    picked = RunRef(RUN_ID, {"id": WORKFLOW_ID, "name": "Picked"}, started=True)
    [result] = wait_for_runs([picked], reader=Reader(lambda _r, _l: run_document("SUCCEEDED")), pacing=pacing,
                             policies=SamePolicy(FixedInterval(1.0)),
                             rules=Rules(success_statuses=frozenset({"SUCCEEDED"}),
                                         names=WorkflowNames(lookups, progress=progress)))
    assert result.workflow_name == "Picked" and lookups.calls == []


def test_why_unnamed_says_which_kind_of_failure() -> None:
    assert why_unnamed(TransientError("HTTP 429 ThrottlingException", status=429, throttled=True)) == \
        "GetWorkflow failed: HTTP 429 ThrottlingException"


# -- the API: GetWorkflow checked like every answer ---------------------------------------------------------------


def api() -> Api:
    return Api(CodeCatalystClient(endpoint=ENDPOINT, token=TOKEN, env={}, mask=str), space=SPACE, project=PROJECT)


@responses.activate
def test_get_workflow_is_one_get_checked_for_schema_and_identity() -> None:
    responses.get(WORKFLOW_URL, json=workflow_document())
    assert api().get_workflow(WORKFLOW_ID)["name"] == WORKFLOW_NAME
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    responses.replace(responses.GET, WORKFLOW_URL, json=workflow_document(id=OTHER_WORKFLOW))
    with pytest.raises(InvalidResponse) as caught:
        api().get_workflow(WORKFLOW_ID)
    assert f"$.id: '{OTHER_WORKFLOW}' is not the id that was asked for" in str(caught.value)


# -- the whole gate: throttled GetWorkflow, retried within the rules, then the ID --------------------------------


def test_a_throttled_lookup_is_retried_by_the_rules_then_the_id_stands_in() -> None:
    out, err = io.StringIO(), io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(RUN_URL, json=run_document("SUCCEEDED"))
        mock.get(GET_WORKFLOW_URL, status=429, json={"message": "slow down"},
                 headers={"x-amzn-ErrorType": "ThrottlingException"})
        raw = RawInputs(space=SPACE, project=PROJECT, run_id=RUN_ID, endpoint=ENDPOINT, token=TOKEN, interval="0.1",
                        retry_base=0, outputs=app.OutputTargets(json_stdout=True))
        code = app.main(raw, command="wait", env={}, stdout=out, stderr=err, clock=FakeClock())
        lookups = [c for c in mock.calls if "/workflows/" in c.request.url]
    assert code == ExitCode.SUCCESS, err.getvalue()
    assert len(lookups) == LABEL_THROTTLE_RETRIES + 1  # a label's budget for throttling: it never holds a verdict
    assert (f"workflow {WORKFLOW_ID}: name unknown (GetWorkflow failed: throttled 3 times in a row; last: HTTP 429 "
            "ThrottlingException: slow down)") in err.getvalue()
    assert "unavailable" not in err.getvalue()
    assert '"workflow-name": null' in out.getvalue()


def test_a_named_run_is_named_in_the_result() -> None:
    out, err = io.StringIO(), io.StringIO()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(RUN_URL, json=run_document("FAILED"))
        mock.get(WORKFLOW_URL, json=workflow_document())
        raw = RawInputs(space=SPACE, project=PROJECT, run_id=RUN_ID, endpoint=ENDPOINT, token=TOKEN, interval="1",
                        outputs=app.OutputTargets(json_stdout=True))
        code = app.main(raw, command="wait", env={}, stdout=out, stderr=err, clock=FakeClock())
    assert code == ExitCode.RUN_FAILED
    assert f'"workflow-name": "{WORKFLOW_NAME}"' in out.getvalue()
    assert f"workflow {WORKFLOW_ID} is {WORKFLOW_NAME}" in err.getvalue()


# -- the timeline: labels never collide ---------------------------------------------------------------------------


def named_result(run_id: str, name: str | None = "Deploy") -> Result:
    return Result(kind="success", exit_code=ExitCode.SUCCESS, space=SPACE, project=PROJECT, run_id=run_id,
                  response=run_document("SUCCEEDED", id=run_id), workflow_name=name)


def test_three_runs_sharing_their_first_8_characters_get_three_labels() -> None:
    ids = [f"0000000a-0000-4000-8000-00000000000{i}" for i in (1, 2, 3)]
    names = mermaid.section_names([named_result(run_id) for run_id in ids])
    assert names == [f"Deploy {run_id}" for run_id in ids]
    unnamed = mermaid.section_names([named_result(run_id, None) for run_id in ids])
    assert len(set(unnamed)) == 3 and all(n.startswith("run 0000000a-0000-4000-8000-") for n in unnamed)
    text = mermaid.gantt([named_result(run_id) for run_id in ids])
    assert text is not None and [line for line in text.splitlines() if "section" in line] == [
        f"    section Deploy {run_id}" for run_id in ids]


def test_the_shortest_prefix_that_tells_runs_apart_is_used() -> None:
    assert mermaid.section_names([named_result("a1b2c3d4-0000-4000-8000-000000000001"),
                                  named_result("a1b2c3d4-1111-4000-8000-000000000001")]) == [
        "Deploy a1b2c3d4-0000", "Deploy a1b2c3d4-1111"]
    assert mermaid.section_names([named_result(RUN_ID), named_result(OTHER_RUN, "Test")]) == [
        "Deploy a1b2c3d4", "Test a1b2c3d4"]  # the names tell them apart already


def test_runs_alike_in_all_but_the_order_are_numbered() -> None:
    assert mermaid.section_names([named_result(""), named_result(""), named_result(RUN_ID)]) == [
        "Deploy no run", "Deploy no run (2)", "Deploy a1b2c3d4"]
