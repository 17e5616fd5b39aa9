"""Each run against its workflow's usual duration (issue 22, item 1): the words, the result key, the terminal's
last line, the log, and the usual duration a policy learned."""

from __future__ import annotations

import dataclasses
import io

import pytest

from gate.api.history import History
from gate.errors import ExitCode
from gate.pace.policy import PollContext
from gate.report.describe import against_usual, format_duration
from gate.report.display import PlainDisplay, TtyDisplay
from gate.report.redact import Redactor
from gate.report.summary import run_summary
from gate.result import RESULT_KEYS, Result, Usual
from gate.wait.policies import WorkflowPolicies
from tests.conftest import PROJECT, RUN_ID, SPACE, FakeClock, run_document
from tests.unit.test_display import Terminal, screen

OTHER_RUN = "a1b2c3d4-5678-90ab-cdef-333333333333"


def result(status: str = "SUCCEEDED", *, usual: Usual | None = None, **overrides: object) -> Result:
    kind, code = ("success", ExitCode.SUCCESS) if status == "SUCCEEDED" else ("failure", ExitCode.RUN_FAILED)
    return Result(kind=kind, exit_code=code, space=SPACE, project=PROJECT, run_id=RUN_ID,
                  response=run_document(status, **overrides), usual=usual,
                  message="" if kind == "success" else f"the run ended {status}")


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (0.9, "0s"), (45.6, "45s"), (60, "1m00s"), (205.5, "3m25s"), (400, "6m40s"), (3599, "59m59s"),
    (3600, "1h00m"), (3725, "1h02m"), (-3, "0s"),
])
def test_durations_read_as_people_say_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(("took", "median", "count", "text"), [
    (400, 205, 20, "usual 3m25s (median of 20 recent runs); 2.0× slower"),
    (100, 400, 7, "usual 6m40s (median of 7 recent runs); 4.0× faster"),
    (210, 205, 20, "usual 3m25s (median of 20 recent runs); about as usual"),
    (190, 205, 20, "usual 3m25s (median of 20 recent runs); about as usual"),
    (2400, 200, 5, "usual 3m20s (median of 5 recent runs); 12× slower"),
    (300, 200, 1, "usual 3m20s (the one recent run); 1.5× slower"),
    (0, 200, 3, "usual 3m20s (median of 3 recent runs); faster than usual"),
    (None, 200, 3, "usual 3m20s (median of 3 recent runs)"),  # a run still going: what to expect
    (400, None, 0, "no history to compare with"),
    (None, None, 0, "no history to compare with"),
])
def test_the_plain_comparison(took: float | None, median: float | None, count: int, text: str) -> None:
    assert against_usual(took, median, count) == text


def test_no_history_is_said_never_shown_as_a_zero() -> None:
    for text in (against_usual(400, None, 0), against_usual(400, 0.0, 0), run_summary(result()).compared()):
        assert "no history" in text and "usual 0s" not in text and "0.0" not in text


def test_the_sign_can_be_plain_ascii() -> None:
    assert against_usual(400, 200, 2, times="x").endswith("2.0x slower")


def test_usual_is_the_median_and_none_without_durations() -> None:
    assert Usual.of([100.0, 300.0, 200.0]) == Usual(median_seconds=200.0, count=3)
    assert Usual.of([100.0, 300.0]) == Usual(median_seconds=200.0, count=2)
    assert Usual.of([]) is None


def test_the_result_key_is_a_number_or_null_right_after_the_duration() -> None:
    keys = list(RESULT_KEYS)
    assert keys[keys.index("duration-seconds") + 1] == "usual-duration-seconds"
    assert result().to_dict()["usual-duration-seconds"] is None
    assert result().to_strings()["usual-duration-seconds"] == ""
    known = result(usual=Usual(median_seconds=205.12345, count=20))
    assert known.to_dict()["usual-duration-seconds"] == 205.123
    assert run_summary(known).compared() == "usual 3m25s (median of 20 recent runs); about as usual"


def test_the_log_ends_with_the_comparison() -> None:
    stream = io.StringIO()
    display = PlainDisplay(redactor=Redactor(), clock=FakeClock(), stream=stream)
    display.finished(result("FAILED", usual=Usual(median_seconds=100.0, count=4)))
    assert stream.getvalue().splitlines()[-1] == (
        "codecatalyst-gate: usual 1m40s (median of 4 recent runs); 2.1× slower")


def test_the_terminal_last_line_and_each_run_of_a_group() -> None:
    term = Terminal()
    display = TtyDisplay(redactor=Redactor(), clock=FakeClock(), stream=term, colour=False)
    display.finished(result(usual=Usual(median_seconds=410.0, count=9)))
    assert screen(term.getvalue())[-1] == "  usual 6m50s (median of 9 recent runs); 2.0× faster"

    slow = result("FAILED", usual=Usual(median_seconds=60.0, count=3))
    fresh = dataclasses.replace(result(), run_id=OTHER_RUN)  # no history for its workflow
    group = dataclasses.replace(slow, runs=(fresh, slow))
    ascii_term = Terminal()
    TtyDisplay(redactor=Redactor(), clock=FakeClock(), stream=ascii_term, colour=False, unicode=False).finished(group)
    lines = screen(ascii_term.getvalue())
    assert lines[lines.index(f"  [failed] {RUN_ID}  FAILED, run took 03:25") + 1] == (
        "    usual 1m00s (median of 3 recent runs); 3.4x slower")
    assert lines[lines.index(f"  [ok] {OTHER_RUN}  SUCCEEDED, run took 03:25") + 1] == "    no history to compare with"


def test_a_run_still_going_without_history_gets_no_comparison_line() -> None:
    stream = io.StringIO()
    going = Result(kind="timeout", exit_code=ExitCode.TIMEOUT, space=SPACE, project=PROJECT, run_id=RUN_ID,
                   response=run_document("IN_PROGRESS"), message="timed out after 60s; the run is still IN_PROGRESS")
    PlainDisplay(redactor=Redactor(), clock=FakeClock(), stream=stream).finished(going)
    assert "history" not in stream.getvalue() and "took" not in stream.getvalue()
    stream = io.StringIO()
    PlainDisplay(redactor=Redactor(), clock=FakeClock(), stream=stream).finished(
        dataclasses.replace(going, usual=Usual(median_seconds=30.0, count=2)))
    assert stream.getvalue().splitlines()[-1] == "codecatalyst-gate: usual 30s (median of 2 recent runs)"


def test_the_usual_duration_a_policy_learned() -> None:
    polled = PollContext(elapsed=0.0, polls=1, status="IN_PROGRESS", workflow_id="wf")
    book = WorkflowPolicies(load=lambda workflow_id, remaining: History((100.0, 300.0, 250.0)))
    assert book.usual("wf") is None  # not asked yet
    book.for_workflow("wf")(polled)
    assert book.usual("wf") == Usual(median_seconds=250.0, count=3)
    empty = WorkflowPolicies(
        load=lambda workflow_id, remaining: History((), "no finished runs in the workflow's history"))
    empty.for_workflow("wf")(polled)
    assert empty.usual("wf") is None
    fixed = WorkflowPolicies(interval=10.0)  # a plain poller reads no history
    assert fixed.for_workflow("wf")(polled) == 10.0 and fixed.usual("wf") is None and book.usual(None) is None
