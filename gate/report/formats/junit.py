"""JUnit XML for the test tabs of CI systems (GitLab `artifacts:reports:junit`, Jenkins `junit`, Azure
`PublishTestResults@2`): one testsuite for the gate, one testcase per run.

- classname: the workflow's name (else its ID); name: the run ID; time: the run's duration.
- `<failure>` for a run that ended in a status outside the success set, with its reasons and its URL;
- `<error>` for a run the gate could not judge: still going at the deadline, the service unavailable, an invalid
  answer, a refused request, a signal, a bug (`type` names the exit code);
- `<skipped>` for a run that --fail-fast stopped watching.

The file is valid against the schema Jenkins' xUnit plugin checks JUnit reports with (junit-10.xsd: testsuite
needs name, tests, failures and errors; times are decimals with at most three places). Server text is made inert
line by line (`inert_line`: no newline, control or invisible character, no `##vso`), every text line starts with
our own word (`why:`, `reason:`, `run:`), characters XML 1.0 forbids (lone surrogates, U+FFFE, U+FFFF) become
visible escapes, and ElementTree escapes `&`, `<`, `>` and quotes: no value can break the file, and printing it in
a CI log starts no command.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from gate.errors import ExitCode
from gate.report.summary import run_summary
from gate.result import Result
from gate.textsafe import inert_line

_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # what XML 1.0's Char production leaves out, after inert_line
SUITE = "codecatalyst-gate"


def xml_text(text: Any) -> str:
    """One inert line that XML 1.0 can hold."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", inert_line(str(text)))


def seconds(value: float) -> str:
    """A JUnit time: decimal seconds, three places at most (the schema's pattern), never negative."""
    return f"{max(0.0, value):.3f}"


def outcome(run: Result) -> str | None:
    """Which JUnit element the run gets: failure, error, skipped, or None for a run that passed."""
    if run.kind == "success":
        return None
    if run.kind == "failure":
        return "failure"
    if run.kind == "skipped":  # --fail-fast stopped waiting on it
        return "skipped"
    return "error"


def _testcase(suite: Element, result: Result) -> float | None:
    run = run_summary(result)  # the run as every summary tells it (gate.report.summary)
    case = SubElement(suite, "testcase", name=xml_text(run.run_id or "no run"),
                      classname=xml_text(run.workflow or "CodeCatalyst workflow run"))
    if run.duration is not None:
        case.set("time", seconds(run.duration))
    element = outcome(result)
    if element is not None:
        kind = run.status if element == "failure" and run.status else ExitCode(run.exit_code).name
        lines = [f"why: {line}" for line in (run.sentence, *run.details) if line]
        lines += [f"reason: {reason}" for reason in run.reasons]
        lines += [f"reason: … {run.more_line}"] if run.more_line else []
        lines += [f"run: {run.url}"] if run.url else []
        detail = SubElement(case, element, message=xml_text(run.sentence or f"the gate ended {run.kind}"),
                            type=xml_text(kind))
        detail.text = "\n".join(xml_text(line) for line in lines)
    for attempt in run.earlier:  # Maven Surefire's words: a run that passed on a rerun is flaky; one that never did
        rerun = SubElement(case, "flakyFailure" if element is None else "rerunFailure",
                           message=xml_text(f"attempt run {attempt.run_id}: {attempt.sentence or attempt.kind}"),
                           type=xml_text(attempt.status or ExitCode(attempt.exit_code).name))
        lines = [*(f"reason: {reason}" for reason in attempt.reasons), *([f"run: {attempt.url}"] if attempt.url
                                                                          else [])]
        rerun.text = "\n".join(xml_text(line) for line in lines) or None
    out = [f"status: {run.status or 'unknown'}", *(f"{label}: {value}" for label, value in run.facts)]
    out += [compared] if (compared := run.compared()) else []
    out += [f"run: {run.url}"] if run.url else []
    SubElement(case, "system-out").text = "\n".join(xml_text(line) for line in out)
    return run.duration


def junit_xml(result: Result) -> str:
    """The report's text: `<testsuites>` holding one `<testsuite>` with a `<testcase>` per run, in the order the
    runs were given."""
    runs = result.runs or (result,)
    counts = {name: sum(1 for run in runs if outcome(run) == name) for name in ("failure", "error", "skipped")}
    totals = {"tests": str(len(runs)), "failures": str(counts["failure"]), "errors": str(counts["error"])}
    root = Element("testsuites", {"name": SUITE, **totals})
    suite = SubElement(root, "testsuite", {"name": xml_text(f"{SUITE} {result.space}/{result.project}"), **totals,
                                           "skipped": str(counts["skipped"])})
    durations = [_testcase(suite, run) for run in runs]
    took = seconds(sum(d for d in durations if d is not None))
    root.set("time", took)
    suite.set("time", took)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
