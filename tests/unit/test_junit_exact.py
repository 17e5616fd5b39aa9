"""The JUnit report's whole text for one small group, written out by hand: every attribute, element and line in
its place (test_junit.py reads reports the way CI systems do; this pins what they read)."""

from __future__ import annotations

import dataclasses

from gate.errors import ExitCode
from gate.report.formats.junit import junit_xml
from gate.result import Result, Usual
from tests.conftest import PROJECT, RUN_ID, SPACE, WORKFLOW_ID, run_document

URL = f"https://codecatalyst.aws/spaces/{SPACE}/projects/{PROJECT}/ci/workflows"
EXPECTED = f"""<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="codecatalyst-gate" tests="2" failures="1" errors="0" time="205.500">
  <testsuite name="codecatalyst-gate {SPACE}/{PROJECT}" tests="2" failures="1" errors="0" skipped="1" time="205.500">
    <testcase name="{RUN_ID}" classname="{WORKFLOW_ID}" time="205.500">
      <failure message="the run ended FAILED" type="FAILED">why: the run ended FAILED
reason: tests failed
run: {URL}/{WORKFLOW_ID}/runs/{RUN_ID}</failure>
      <system-out>status: FAILED
usual 1m40s (median of 3 recent runs); 2.1× slower
run: {URL}/{WORKFLOW_ID}/runs/{RUN_ID}</system-out>
    </testcase>
    <testcase name="r2" classname="Deploy">
      <skipped message="the gate ended skipped" type="RUN_FAILED">run: {URL}/runs/r2</skipped>
      <system-out>status: unknown
run: {URL}/runs/r2</system-out>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_a_failed_run_and_a_skipped_one() -> None:
    failed = Result(kind="failure", exit_code=ExitCode.RUN_FAILED, space=SPACE, project=PROJECT, run_id=RUN_ID,
                    response=run_document("FAILED", statusReasons=[{"message": "tests failed"}]),
                    message="the run ended FAILED", usual=Usual(median_seconds=100.0, count=3))
    skipped = Result(kind="skipped", exit_code=ExitCode.RUN_FAILED, space=SPACE, project=PROJECT, run_id="r2",
                     workflow_name="Deploy")
    assert junit_xml(dataclasses.replace(failed, runs=(failed, skipped))) == EXPECTED


def test_each_earlier_attempt_is_a_flaky_failure_with_its_reasons_and_link() -> None:
    from xml.etree.ElementTree import fromstring

    first = Result(kind="failure", exit_code=ExitCode.RUN_FAILED, space=SPACE, project=PROJECT, run_id="r1",
                   response=run_document("FAILED", id="r1", statusReasons=[{"message": "flaky test"}]),
                   message="the run ended FAILED")
    unread = Result(kind="error", exit_code=ExitCode.UNAVAILABLE, space=SPACE, project=PROJECT, run_id="r2",
                    message="down")
    unknown = dataclasses.replace(unread, run_id="")
    final = Result(kind="success", exit_code=ExitCode.SUCCESS, space=SPACE, project=PROJECT, run_id=RUN_ID,
                   response=run_document("SUCCEEDED"), attempts=(first, unread, unknown))
    case = fromstring(junit_xml(final).split("\n", 1)[1]).find("testsuite/testcase")
    assert case is not None
    assert [(e.tag, e.get("message"), e.get("type"), e.text) for e in case if e.tag != "system-out"] == [
        ("flakyFailure", "attempt run r1: the run ended FAILED", "FAILED",
         f"reason: flaky test\nrun: {URL}/{WORKFLOW_ID}/runs/r1"),
        ("flakyFailure", "attempt run r2: down", "UNAVAILABLE", f"run: {URL}/runs/r2"),
        ("flakyFailure", "attempt run : down", "UNAVAILABLE", None),
    ]


def test_attempts_are_listed_only_with_a_run_and_every_key() -> None:
    never = Result(kind="error", exit_code=ExitCode.USAGE, space=SPACE, project=PROJECT, run_id="")
    assert never.to_dict()["attempts"] == []
    assert dataclasses.replace(never, run_id=RUN_ID, keys=("attempts",)).to_dict() == {"attempts": []}
    assert dataclasses.replace(never, run_id=RUN_ID).to_dict()["attempts"] == [
        {"run-id": RUN_ID, "status": None, "duration-seconds": None, "run-url": f"{URL}/runs/{RUN_ID}"}]
