"""The JUnit report (issue 22, item 3): valid against the schema Jenkins checks reports with, read back by
junitparser as a CI would, one testcase per run with a failure or an error where it belongs, and nothing a
server says can break it, leak the token or start a CI command when the file is printed."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest
import xmlschema
from junitparser import Error, Failure, JUnitXml, Skipped

from gate.config.settings import OutputTargets
from gate.errors import ExitCode
from gate.report.formats.junit import junit_xml, outcome, xml_text
from gate.report.redact import Redactor
from gate.report.sink import Sink
from gate.result import Result, Usual
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, WORKFLOW_ID, run_document

SCHEMA = xmlschema.XMLSchema(Path(__file__).resolve().parents[1] / "junit" / "junit-10.xsd")
HOSTILE = [
    {"message": "Build failed\n::error::injected\r\n##vso[task.setvariable variable=x]y ##[error]z"},
    {"message": "</failure></testcase><testcase name=\"fake\"/><!-- & ]]> <![CDATA[ x"},
    {"message": "controls \x00\x01\x08\x0b\x0c\x1b[31m \x7f \u0085 \u2028 \ufffe \uffff \ud800 lone"},
    {"message": "tab\tkept, right\u202eto-left, zero\u200bwidth"},
    {"message": f"the token {TOKEN} echoed"},
]


def result(kind: str, code: ExitCode, status: str | None, *, run_id: str = RUN_ID, message: str = "",
           name: str | None = "Deploy", **overrides: object) -> Result:
    return Result(kind=kind, exit_code=code, space=SPACE, project=PROJECT, run_id=run_id,
                  response=run_document(status, **overrides) if status else None, message=message,
                  workflow_name=name)


def succeeded(**kw: object) -> Result:
    return result("success", ExitCode.SUCCESS, "SUCCEEDED", **kw)


def failed(**kw: object) -> Result:
    return result("failure", ExitCode.RUN_FAILED, "FAILED", message="the run ended FAILED", **kw)


def timed_out(**kw: object) -> Result:
    return result("timeout", ExitCode.TIMEOUT, "IN_PROGRESS",
                  message="timed out after 60s; the run is still IN_PROGRESS", **kw)


def group(*runs: Result) -> Result:
    return dataclasses.replace(runs[0], runs=runs)


def ids(n: int) -> str:
    return f"a1b2c3d4-5678-90ab-cdef-{n:012d}"


def read(text: str) -> JUnitXml:
    SCHEMA.validate(text)  # raises with the first violation
    return JUnitXml.fromstring(text.encode("utf-8"))


def test_three_runs_one_suite_one_failure_one_error() -> None:
    text = junit_xml(group(succeeded(run_id=ids(1), name="Build"), failed(run_id=ids(2), name="Test"),
                           timed_out(run_id=ids(3), name="Deploy")))
    report = read(text)
    suites = list(report)
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (3, 1, 1, 0)
    assert suite.name == f"codecatalyst-gate {SPACE}/{PROJECT}"
    cases = list(suite)
    assert [(c.classname, c.name) for c in cases] == [("Build", ids(1)), ("Test", ids(2)), ("Deploy", ids(3))]
    assert [c.time for c in cases] == [205.5, 205.5, None]  # the run still going has no duration (no attribute)
    assert cases[0].is_passed
    [failure] = cases[1].result
    assert isinstance(failure, Failure) and failure.type == "FAILED" and failure.message == "the run ended FAILED"
    assert f"run: https://codecatalyst.aws/spaces/{SPACE}/projects/{PROJECT}/ci/workflows/{WORKFLOW_ID}/runs/" \
           f"{ids(2)}" in failure.text
    [error] = cases[2].result
    assert isinstance(error, Error) and error.type == "TIMEOUT"
    assert error.message == "timed out after 60s; the run is still IN_PROGRESS"
    assert 'time="411.000"' in text  # the suite's: the durations known


@pytest.mark.parametrize(("kind", "code", "element", "kind_name"), [
    ("failure", ExitCode.RUN_FAILED, "failure", "FAILED"),
    ("timeout", ExitCode.TIMEOUT, "error", "TIMEOUT"),
    ("error", ExitCode.UNAVAILABLE, "error", "UNAVAILABLE"),
    ("error", ExitCode.INVALID_RESPONSE, "error", "INVALID_RESPONSE"),
    ("error", ExitCode.API_REFUSED, "error", "API_REFUSED"),
    ("error", ExitCode.INTERNAL, "error", "INTERNAL"),
    ("cancelled", ExitCode.SIGTERM, "error", "SIGTERM"),
    ("cancelled", ExitCode.RUN_FAILED, "error", "RUN_FAILED"),  # a kind alone decides: only `skipped` is skipped
    ("skipped", ExitCode.RUN_FAILED, "skipped", "RUN_FAILED"),  # --fail-fast stopped waiting on it
])
def test_each_outcome_has_its_element(kind: str, code: ExitCode, element: str, kind_name: str) -> None:
    run = result(kind, code, "FAILED" if kind == "failure" else "IN_PROGRESS", message="why it ended")
    assert outcome(run) == element
    case = next(iter(next(iter(read(junit_xml(run))))))
    [detail] = case.result
    assert isinstance(detail, {"failure": Failure, "error": Error, "skipped": Skipped}[element])
    assert detail.type == kind_name and detail.message == "why it ended"


def test_a_gate_that_never_knew_its_run_still_writes_a_valid_report() -> None:
    nothing = Result(kind="error", exit_code=ExitCode.USAGE, space=SPACE, project=PROJECT, run_id="",
                     message="--workflow: 'Nope' matches no workflow")
    case = next(iter(next(iter(read(junit_xml(nothing))))))
    assert (case.name, case.classname) == ("no run", "CodeCatalyst workflow run")
    assert isinstance(case.result[0], Error) and case.time is None


def test_system_out_tells_the_status_link_and_the_usual_duration() -> None:
    case = next(iter(next(iter(read(junit_xml(dataclasses.replace(
        succeeded(), usual=Usual(median_seconds=100.0, count=12)), ))))))
    assert case.system_out.splitlines() == [
        "status: SUCCEEDED", "usual 1m40s (median of 12 recent runs); 2.1× slower",  # its time is the duration
        f"run: https://codecatalyst.aws/spaces/{SPACE}/projects/{PROJECT}/ci/workflows/{WORKFLOW_ID}/runs/{RUN_ID}"]


def test_hostile_reasons_and_names_neither_break_the_file_nor_start_a_command() -> None:
    hostile = failed(statusReasons=HOSTILE, name="</testsuite>\n::error::x & \x00 ##vso[task.complete]")
    text = junit_xml(group(hostile, succeeded(run_id=ids(9), name="ok")))
    report = read(text)
    cases = list(next(iter(report)))
    assert len(cases) == 2 and [c.name for c in cases] == [RUN_ID, ids(9)]  # no case injected, none lost
    failure = cases[0].result[0]
    reasons = [line for line in failure.text.splitlines() if line.startswith("reason: ")]
    assert len(reasons) == len(HOSTILE)  # one line per reason, whatever it held
    assert "##vso" not in text.lower() and "##[" not in text and "\x1b" not in text and "\u202e" not in text
    assert not any(line.lstrip().startswith("::") for line in text.splitlines())
    assert "\\u2028" in text and "\\ufffe" in text and "\\ud800" in text  # visible, never raw
    assert all(ord(ch) >= 0x20 or ch in "\t\n" for ch in text)
    text.encode("utf-8")  # no lone surrogate left


def test_xml_text_keeps_printable_text_and_escapes_what_xml_forbids() -> None:
    assert xml_text("Déploiement 本番 & <ok>") == "Déploiement 本番 & <ok>"  # ElementTree escapes & and <
    assert xml_text("a\ufffeb\ud83dc") == "a\\ufffeb\\ud83dc"
    assert xml_text("x\ny") == "x\\ny"


def test_times_match_the_schema_pattern() -> None:
    odd = succeeded(endTime="2026-11-25T10:00:00.0004Z")
    reversed_run = succeeded(endTime="2026-11-25T09:59:00Z")  # a server's clock error: never a negative time
    text = junit_xml(group(odd, reversed_run))
    read(text)
    assert re.findall(r'testcase [^>]*time="([^"]+)"', text) == ["0.000", "0.000"]


def test_the_sink_writes_it_atomically_with_the_token_masked(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    sink = Sink(OutputTargets(junit_xml=path), redactor=Redactor(TOKEN), stdout=io.StringIO(), stderr=io.StringIO())
    sink.result(failed(statusReasons=HOSTILE, name=f"wf {TOKEN}"))
    text = path.read_text(encoding="utf-8")
    assert TOKEN not in text and "***" in text
    read(text)
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]  # no temporary file left


def test_a_report_that_cannot_be_written_is_told(tmp_path: Path) -> None:
    sink = Sink(OutputTargets(junit_xml=tmp_path / "gone" / "junit.xml"), redactor=Redactor(TOKEN),
                stdout=io.StringIO(), stderr=io.StringIO())
    sink.result(succeeded())
    assert [(p.what, Path(p.path).name) for p in sink.not_written] == [("--junit-xml", "junit.xml")]
