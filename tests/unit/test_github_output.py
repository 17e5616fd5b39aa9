"""The GitHub output file and workflow commands, to the character (test_github.py reads them as the runner does)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from gate.errors import ExitCode
from gate.report.formats.github import command, output_file_text, step_summary, timeline
from gate.report.formats.junit import junit_xml
from gate.result import Result
from tests.conftest import PROJECT, RUN_ID, SPACE, run_document


def test_a_command_with_and_without_properties() -> None:
    assert command("group") == "::group::"
    assert command("endgroup", "") == "::endgroup::"
    assert command("error", "a\nb", title="t: x", file="f,g") == "::error title=t%3A x,file=f%2Cg::a%0Ab"


def test_every_output_in_one_random_heredoc_delimiter() -> None:
    text = output_file_text({"result": "success", "status-reasons": "[]"})
    match = re.fullmatch(r"result<<(ghadelimiter_[0-9a-f]{32})\nsuccess\n\1\nstatus-reasons<<\1\n\[\]\n\1\n", text)
    assert match is not None, text


def test_a_run_the_gate_never_knew_has_no_link_in_its_junit_report() -> None:
    never = Result(kind="error", exit_code=ExitCode.USAGE, space=SPACE, project=PROJECT, run_id="",
                   message="--space: '' is invalid")
    text = junit_xml(never)
    assert "run: " not in text and 'name="no run"' in text


def test_the_step_summary_s_timeline_ends_a_run_still_going_at_now() -> None:
    going = Result(kind="timeout", exit_code=ExitCode.TIMEOUT, space=SPACE, project=PROJECT, run_id=RUN_ID,
                   response=run_document("IN_PROGRESS"))
    now = datetime(2026, 11, 25, 10, 5, tzinfo=UTC)
    lines = timeline([going], now=now)
    assert lines[:4] == ["", "**Timeline** (UTC)", "", "```mermaid"] and lines[-1] == "```"
    assert lines[-2] == "    IN_PROGRESS :active, r0b0, 2026-11-25 10:00:00, 2026-11-25 10:05:00"
    assert "2026-11-25 10:00:00, 2026-11-25 10:05:00\n```" in step_summary(going, now=now)
    never = Result(kind="error", exit_code=ExitCode.USAGE, space=SPACE, project=PROJECT, run_id="")
    assert timeline([never], now=now) == []  # nothing to draw: no heading either
