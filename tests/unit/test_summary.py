"""One summary model (issue 26 item 3, issue 31 item 4): every renderer lays out the same facts by the same rules,
and says each fact once."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

import pytest

from gate.api.history import History
from gate.config.settings import RetrySettings
from gate.errors import ExitCode
from gate.pace.retry import RetryPolicy
from gate.report.formats import azure, github, junit
from gate.report.formats.markdown import md
from gate.report.plain import PlainDisplay
from gate.report.redact import Redactor
from gate.report.summary import MAX_REASONS, summarize
from gate.report.tty import TtyDisplay
from gate.result import Result, Usual
from gate.wait.policies import NOT_LEARNED, WorkflowPolicies
from tests.conftest import PROJECT, RUN_ID, SPACE, WORKFLOW_ID, FakeClock, run_document
from tests.loopkit import Reader, drive
from tests.unit.test_display import Terminal, screen

OTHER = "a1b2c3d4-5678-90ab-cdef-333333333333"
URL = f"https://codecatalyst.aws/spaces/{SPACE}/projects/{PROJECT}/ci/workflows/{WORKFLOW_ID}/runs/{RUN_ID}"


def result(status: str = "FAILED", *, run_id: str = RUN_ID, name: str | None = "Deploy", **doc: Any) -> Result:
    if status == "SUCCEEDED":
        kind, code, message = "success", ExitCode.SUCCESS, ""
    elif status == "IN_PROGRESS":
        kind, code, message = "timeout", ExitCode.TIMEOUT, "timed out after 2s; the run is still IN_PROGRESS"
    else:
        kind, code, message = "failure", ExitCode.RUN_FAILED, f"the run ended {status}"
    return Result(kind=kind, exit_code=code, space=SPACE, project=PROJECT, run_id=run_id, polls=3,
                  response=run_document(status, **doc), message=message, workflow_name=name)


def group(*runs: Result) -> Result:
    from gate.verdict import combined

    return combined(list(runs))


def plain(res: Result, *, quiet: bool = False) -> list[str]:
    stream = io.StringIO()
    PlainDisplay(redactor=Redactor(), clock=FakeClock(), stream=stream, quiet=quiet).finished(res)
    return stream.getvalue().splitlines()


def tty(res: Result) -> list[str]:
    term = Terminal()
    TtyDisplay(redactor=Redactor(), clock=FakeClock(), stream=term, colour=False).finished(res)
    return screen(term.getvalue())


def every_rendering(res: Result) -> dict[str, str]:
    return {"plain": "\n".join(plain(res)), "tty": "\n".join(tty(res)), "github": github.step_summary(res),
            "azure": azure.summary_markdown(res), "junit": junit.junit_xml(res),
            "annotation": github.failure_annotation(res) or "", "issue": azure.failure_issue(res) or ""}


# -- Each fact once -------------------------------------------------------------------------------------------

def test_the_last_lines_of_a_wait_say_the_duration_and_the_status_once() -> None:
    known = dataclasses.replace(result(), usual=Usual(median_seconds=100.0, count=4))
    for lines in (plain(known), tty(known)):
        text = "\n".join(lines)
        assert len(re.findall(r"03:25|3m25s", text)) == 1, lines  # the run's duration, once
        assert text.count("FAILED") == 1, lines  # its status, once
        assert lines[-1].removeprefix("codecatalyst-gate:").strip() == "usual 1m40s (median of 4 recent runs); 2.1× slower"
    assert plain(known)[:2] == ["codecatalyst-gate: result failure (exit 1), run took 03:25, gate waited 00:00",
                                "codecatalyst-gate: the run ended FAILED"]


def test_the_summary_table_states_each_fact_once() -> None:
    text = github.step_summary(dataclasses.replace(result(), usual=Usual(median_seconds=100.0, count=4)),
                               gantt=False)
    assert text.startswith("### ❌ CodeCatalyst workflow run: FAILED\n")
    assert "| Duration | 03:25 |" in text and "| Against usual | usual 1m40s" in text
    assert len(re.findall(r"03:25|3m25s", text)) == 1
    assert text.count("FAILED") == 1  # the heading says it: no Status row
    rows = [line.split(" | ")[0] for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == len(set(rows))


def test_a_success_still_says_its_status_once_in_the_log() -> None:
    lines = plain(result("SUCCEEDED"))
    assert lines[0] == "codecatalyst-gate: result success (status SUCCEEDED, exit 0), run took 03:25, gate waited 00:00"
    assert "\n".join(lines).count("SUCCEEDED") == 1


# -- The same rules in every renderer ---------------------------------------------------------------------------

def test_every_renderer_caps_the_reasons_alike_and_says_how_many_more() -> None:
    reasons = [{"message": f"reason number {n}"} for n in range(MAX_REASONS + 3)]
    for name, shown in every_rendering(result(statusReasons=reasons)).items():
        text = shown.replace("\\", "")  # Markdown's escapes aside
        assert f"reason number {MAX_REASONS - 1}" in text, name
        assert f"reason number {MAX_REASONS}" not in text, name
        assert "and 3 more (see the result's status-reasons)" in text, name


def test_every_renderer_shows_the_same_inert_url() -> None:
    hostile = "a1b2c3d4\n::error::x##vso[task.complete]"
    res = dataclasses.replace(result(), run_id=hostile)
    url = summarize(res).decisive.url
    assert url is not None and "\n" not in url and "::" not in url and "##vso" not in url  # quoted: %0A, %3A%3A, %23
    for name in ("plain", "tty", "github", "azure", "junit"):
        assert url in every_rendering(res)[name], name


def test_a_failures_message_is_shown_by_the_same_rule_everywhere() -> None:
    """The run's own sentence ('the run ended FAILED') is said once: by the heading's status, or as its line."""
    for name, text in every_rendering(result()).items():
        if name in ("tty", "github", "azure"):
            assert "the run ended FAILED" not in text, name  # the heading's status says it
        else:
            assert "the run ended FAILED" in text, name
    error = dataclasses.replace(result(), kind="error", exit_code=ExitCode.API_REFUSED,
                                message="HTTP 403 AccessDeniedException: denied\nsecond line")
    for name, text in every_rendering(error).items():
        if name != "annotation" and name != "issue":
            assert "HTTP 403 AccessDeniedException" in text and "second line" in text, name


def test_extra_facts_about_a_run_reach_every_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A later fact (throttling, attempts…) goes in `facts` and every summary shows it."""
    from gate.report import summary as model

    original = model.run_summary

    def with_fact(res: Result, **kw: Any) -> model.RunSummary:
        return dataclasses.replace(original(res, **kw), facts=(("throttled", "twice, 4s in all"),))

    monkeypatch.setattr(model, "run_summary", with_fact)
    monkeypatch.setattr(junit, "run_summary", with_fact)
    texts = {name: text for name, text in every_rendering(result("SUCCEEDED")).items()
             if name not in ("annotation", "issue")}
    for name, text in texts.items():
        assert "throttled" in text and "twice" in text, name
    # Several runs, one failed: every renderer, the annotation and the issue too, tells each run's facts.
    for name, text in every_rendering(group(result("SUCCEEDED", run_id=OTHER, name="Build"), result())).items():
        assert "throttled" in text and "twice" in text, name


# -- Issue 31: reports that hid or mislabelled ----------------------------------------------------------------

def test_the_group_summary_shows_each_failed_runs_reasons() -> None:
    ok = result("SUCCEEDED", run_id=OTHER, name="Build")
    bad = result(statusReasons=[{"message": "unit tests failed"}, {"message": "lint failed"}])
    res = group(ok, bad)
    assert [run.run_id for run in summarize(res).runs] == [RUN_ID, OTHER]  # the most serious first
    for name in ("github", "azure", "plain", "tty", "annotation", "issue", "junit"):
        text = every_rendering(res)[name]
        assert "unit tests failed" in text and "lint failed" in text, name
    markdown = github.step_summary(res, gantt=False)
    assert f"- run {RUN_ID.replace('-', chr(92) + '-')} \\(workflow Deploy\\)\n  - unit tests failed\n" \
           "  - lint failed" in markdown


def test_the_annotation_names_the_run_and_the_workflow_that_failed() -> None:
    res = group(result("SUCCEEDED", run_id=OTHER, name="Build"), result(name="Test"))
    annotation = github.failure_annotation(res)
    assert annotation is not None
    assert annotation.split("::", 2)[2] == f"run {RUN_ID} (workflow Test): the run ended FAILED"
    assert f"run {RUN_ID} (workflow Test): the run ended FAILED" in (azure.failure_issue(res) or "")


def test_a_timeout_is_headed_as_a_timeout_with_how_long_the_gate_waited() -> None:
    going = result("IN_PROGRESS")
    text = github.step_summary(going, gantt=False)
    assert text.splitlines()[0] == "### ⏱️ CodeCatalyst workflow run: timed out after 2s\\; the run is still IN\\_PROGRESS"
    assert "| Ended |" not in text and "| Duration |" not in text and "| Status |" not in text
    assert tty(going)[0].startswith("⏱ timed out after 2s; the run is still IN_PROGRESS · ")
    assert plain(going)[:2] == ["codecatalyst-gate: result timeout (exit 3), gate waited 00:00",
                                "codecatalyst-gate: timed out after 2s; the run is still IN_PROGRESS"]


def test_a_run_over_at_the_first_answer_says_why_it_is_not_compared() -> None:
    loads: list[str] = []

    def load(workflow_id: str, remaining: float | None) -> History:
        loads.append(workflow_id)
        return History((100.0, 120.0))

    [over] = drive([RUN_ID], Reader(lambda _run_id, remaining: run_document("SUCCEEDED")), clock=FakeClock(),
                   retry=RetryPolicy(settings=RetrySettings(), floor=1.0), policy=WorkflowPolicies(load=load),
                   success_statuses=frozenset({"SUCCEEDED"}))
    assert loads == [] and over.usual is None and over.usual_note == NOT_LEARNED  # no history call for it
    assert plain(over)[-1] == f"codecatalyst-gate: {NOT_LEARNED}"
    assert f"| Against usual | {md(NOT_LEARNED)} |" in github.step_summary(over, gantt=False)


def test_an_empty_history_says_why_there_is_no_usual_duration() -> None:
    policies = WorkflowPolicies(load=lambda workflow_id, remaining: History((), "no finished runs in the "
                                                                                "workflow's history"))
    policies.history(WORKFLOW_ID, None)
    assert policies.usual(WORKFLOW_ID) is None
    assert policies.usual_note(WORKFLOW_ID) == "not compared: no finished runs in the workflow's history"
    learned = WorkflowPolicies(load=lambda workflow_id, remaining: History((60.0,)))
    learned.history(WORKFLOW_ID, None)
    assert learned.usual_note(WORKFLOW_ID) == "" and learned.usual(WORKFLOW_ID) == Usual(median_seconds=60.0,
                                                                                          count=1)


def test_a_group_that_timed_out_is_headed_with_how_long_the_gate_waited() -> None:
    res = dataclasses.replace(group(result("SUCCEEDED", run_id=OTHER, name="Build"), result("IN_PROGRESS")),
                              waited=125.4)
    assert github.step_summary(res, gantt=False).splitlines()[0] == \
        "### ⏱️ CodeCatalyst workflow runs: timed out after 2m05s (2 runs, exit code 3)"
    assert tty(res)[0] == "⏱ timed out after 2m05s: 2 runs · waited 02:05 · exit 3"
    assert plain(res)[0] == "codecatalyst-gate: result timeout for 2 runs (exit 3), gate waited 02:05"
    assert plain(res)[1:3] == [f"codecatalyst-gate: run {RUN_ID}: timeout (workflow Deploy)",  # status said once:
                               "codecatalyst-gate:   timed out after 2s; the run is still IN_PROGRESS"]  # below
    failed = dataclasses.replace(group(result("SUCCEEDED", run_id=OTHER), result()), waited=125.4)
    assert github.step_summary(failed, gantt=False).splitlines()[0] == \
        "### ❌ CodeCatalyst workflow runs: failure (2 runs, exit code 1)"  # only a timeout is about the wait
