"""The result says how often and how long the service throttled the gate (issue 27, item 1): the key `throttled`,
`{"count": N, "seconds": S}` for `wait` and `start` alike, `{"count": 0, "seconds": 0}` when never throttled; and
the summary says it once: a fact line, unless a timeout's own heading says it already."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
import responses

from gate import app
from gate.config.inputs import RawInputs
from gate.errors import ExitCode
from gate.report.formats import markdown
from gate.report.summary import summarize
from gate.result import NOT_THROTTLED, RESULT_KEYS, START_KEYS, Result, Throttled
from tests.conftest import GET_WORKFLOW_URL, PROJECT, RUN_ID, SPACE, TOKEN, WORKFLOW_ID, FakeClock, run_document
from tests.conftest import workflow_document as a_workflow

ENDPOINT = "https://codecatalyst.example.test"
BASE = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}"
RUN_URL = f"{BASE}/workflowRuns/{RUN_ID}"
LIST_URL = re.compile(re.escape(f"{BASE}/workflows") + r"\?.*")
START_URL = re.compile(re.escape(f"{BASE}/workflowRuns?workflowId={WORKFLOW_ID}"))
SLOW_DOWN: dict[str, Any] = {"status": 429, "json": {"message": "Rate exceeded"},
                             "headers": {"x-amzn-ErrorType": "ThrottlingException"}}
OTHER_RUN = "a1b2c3d4-5678-90ab-cdef-333333333333"
SEVEN = Throttled(7, 98.4)


def gate(command: str, clock: FakeClock, **inputs: Any) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    raw = RawInputs(space=SPACE, project=PROJECT, endpoint=ENDPOINT, token=TOKEN, retry_base=0,
                    outputs=app.OutputTargets(json_stdout=True), **inputs)
    code = app.main(raw, command=command, env={}, stdout=out, stderr=err, clock=clock)  # type: ignore[arg-type]
    return code, json.loads(out.getvalue()), err.getvalue()


def test_a_wait_throttled_twice_then_answered_says_so_in_its_result_and_its_summary() -> None:
    clock, asked = FakeClock(), []
    replies = [(429, {"x-amzn-ErrorType": "ThrottlingException"}, '{"message": "Rate exceeded"}')] * 2 + [
        (200, {}, json.dumps(run_document("SUCCEEDED")))]

    def reply(_request: Any) -> tuple[int, dict[str, str], str]:
        asked.append(clock.t)
        return replies[len(asked) - 1]

    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add_callback(responses.GET, RUN_URL, callback=reply)
        mock.get(GET_WORKFLOW_URL, json=a_workflow())
        code, result, log = gate("wait", clock, run_id=RUN_ID, interval="1")
    assert code == ExitCode.SUCCESS, log
    assert len(asked) == 3 and asked[2] - asked[0] > 0
    assert result["throttled"] == {"count": 2, "seconds": pytest.approx(asked[2] - asked[0], abs=0.001)}
    assert clock.t > asked[2]  # the name lookup came after, at the slowed rate: not throttled time
    told = Throttled(2, asked[2] - asked[0]).text
    assert log.count(told) == 1 and f"Throttled: {told}" in log  # said once, by the summary
    assert "unavailable" not in log


def test_a_wait_never_throttled_counts_none() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(RUN_URL, json=run_document("FAILED"))
        mock.get(GET_WORKFLOW_URL, json=a_workflow())
        code, result, log = gate("wait", FakeClock(), run_id=RUN_ID, interval="1")
    assert code == ExitCode.RUN_FAILED
    assert result["throttled"] == {"count": 0, "seconds": 0} and json.dumps(result["throttled"]) == (
        '{"count": 0, "seconds": 0}')
    assert "Throttled" not in log and "throttled the gate" not in log


def test_a_throttled_workflow_name_lookup_counts_for_the_gate_too() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(RUN_URL, json=run_document("SUCCEEDED"))
        mock.get(GET_WORKFLOW_URL, **SLOW_DOWN)
        mock.get(GET_WORKFLOW_URL, json=a_workflow())
        code, result, _ = gate("wait", FakeClock(), run_id=RUN_ID, interval="1")
    assert code == ExitCode.SUCCESS and result["throttled"]["count"] == 1


def test_a_start_throttled_twice_then_started_says_so() -> None:
    clock = FakeClock()
    started = {"spaceName": SPACE, "projectName": PROJECT, "id": RUN_ID, "workflowId": WORKFLOW_ID}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(LIST_URL, json={"items": [a_workflow(name="Deploy")]})
        for answer in (SLOW_DOWN, SLOW_DOWN, {"json": started}):
            mock.put(START_URL, **answer)
        code, result, log = gate("start", clock, workflow="Deploy")
    assert code == ExitCode.SUCCESS, log
    assert list(result) == list(START_KEYS) and result["run-id"] == RUN_ID
    assert result["throttled"] == {"count": 2, "seconds": pytest.approx(sum(clock.sleeps), abs=0.001)}
    assert result["api-calls"]["StartWorkflowRun"] == 3  # one run: the same client token each time


def test_bad_input_was_never_throttled() -> None:
    out, err = io.StringIO(), io.StringIO()
    raw = RawInputs(space=SPACE, project=PROJECT, endpoint=ENDPOINT, token=TOKEN, run_id="not a run id",
                    outputs=app.OutputTargets(json_stdout=True))
    assert app.main(raw, command="wait", env={}, stdout=out, stderr=err) == ExitCode.USAGE
    assert json.loads(out.getvalue())["throttled"] == {"count": 0, "seconds": 0}


def result(kind: str = "success", message: str = "", throttled: Throttled | None = SEVEN,
           **more: Any) -> Result:
    status = {"success": "SUCCEEDED", "timeout": "IN_PROGRESS"}.get(kind, "FAILED")
    code = {"success": ExitCode.SUCCESS, "timeout": ExitCode.TIMEOUT}.get(kind, ExitCode.RUN_FAILED)
    fields: dict[str, Any] = {"run_id": RUN_ID, "response": run_document(status), **more}
    return Result(kind=kind, exit_code=code, space=SPACE, project=PROJECT, message=message,  # type: ignore[arg-type]
                  throttled=throttled, **fields)


def test_the_key_is_the_gate_s_and_none_of_a_run_s() -> None:
    several = result(runs=(result(throttled=None), result(throttled=None)))
    data = several.to_dict()
    assert data["throttled"] == {"count": 7, "seconds": 98.4}
    assert [run["throttled"] for run in data["runs"]] == [None, None]
    assert list(data)[:len(RESULT_KEYS)] == list(RESULT_KEYS) and "throttled" in RESULT_KEYS
    assert result(throttled=NOT_THROTTLED).to_strings()["throttled"] == '{"count":0,"seconds":0}'
    assert Throttled(3, 1.23456).to_dict() == {"count": 3, "seconds": 1.235}  # to the millisecond
    assert result(throttled=None).to_strings()["throttled"] == ""


@pytest.mark.parametrize(("count", "seconds", "text"), [
    (1, 3.4, "once over 3 s"), (7, 98.4, "7 times over 98 s"), (9, 119.4, "9 times over 119 s"),
    (10, 120.0, "10 times over 2 min 00 s"), (40, 125.0, "40 times over 2 min 05 s"),
    (80, 3661.0, "80 times over 61 min 01 s")])
def test_the_words_for_it(count: int, seconds: float, text: str) -> None:
    assert Throttled(count, seconds).text == text


def test_the_summary_says_it_once_a_fact_or_the_timeout_s_heading() -> None:
    passed = summarize(result())
    assert passed.decisive.facts == (("Throttled", "7 times over 98 s"),) and passed.facts == ()
    assert summarize(result(throttled=NOT_THROTTLED)).decisive.facts == ()
    assert summarize(result(throttled=None)).decisive.facts == ()
    timed_out = summarize(result("timeout", "timed out after 100s; the run is still IN_PROGRESS; the service "
                                            "throttled the gate 7 times over 98 s"))
    assert timed_out.decisive.facts == () and "throttled the gate 7 times" in timed_out.decisive.heading
    quiet_timeout = summarize(result("timeout", "timed out after 100s; no run yet"))
    assert quiet_timeout.decisive.facts == (("Throttled", "7 times over 98 s"),)  # its heading does not say it


def test_a_group_says_it_once_for_the_gate() -> None:
    runs = (result(throttled=None), result("failure", "the run ended FAILED", throttled=None, run_id=OTHER_RUN,
                                                     response=run_document("FAILED", id=OTHER_RUN)))
    summary = summarize(result("failure", runs=runs))
    assert summary.facts == (("Throttled", "7 times over 98 s"),)
    assert all(run.facts == () for run in summary.runs)
    text = markdown.render(summary)
    assert text.count("7 times over 98 s") == 1 and "Throttled: 7 times over 98 s" in text
