"""The timeline in the GitHub job summary (issue 22, item 2): a Mermaid gantt whose every line is ours, whatever a
server names its workflows; bars from the phases seen, to now for a run still going; the usual duration beside.
(Mermaid's own renderer draws these in tests/render.)"""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gate.config.settings import OutputTargets
from gate.errors import ExitCode
from gate.report.formats import github, mermaid
from gate.report.redact import Redactor
from gate.report.sink import Sink
from gate.result import Phase, Result, Usual
from gate.statuses import ALL_STATUSES
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, run_document

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # run_document's startTime; it ends 205.5 s later
HOSTILE_NAMES = [
    "Deploy: prod; #1",
    "x\n    click r0b0 href \"javascript:alert(1)\"",
    "%%{init: {\"securityLevel\": \"loose\", \"theme\": \"dark\"}}%%",
    "end```\n```\n<script>alert(1)</script>",
    "section evil\ntitle pwned\ndateFormat YYYY",
    "<br>two<br/>lines &amp; #quot; entity",
    "right\u202eto-left \u200bzero width \x1b[31mred\x00",
    "click",
    "a" * 200,
]
TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
# One line of the gantt: our header, a section, a bar (our words, then our own data), or the usual-duration bar.
LINE = re.compile(r'%%\{init: \{"gantt": \{"leftPadding": \d+\}\}\}%%|gantt|    dateFormat YYYY-MM-DD HH:mm:ss|    axisFormat %H:%M:%S'
                  r'|    todayMarker off|    section [\w .,()\[\]/+@!?…-]+'
                  rf'|    (?:{"|".join(ALL_STATUSES)}|status [\w .,()\[\]/+@!?…-]+) :(?:done|crit|active), r\d+b\d+, {TIME}, {TIME}'
                  rf'|    usual \w+ :r\d+u, {TIME}, {TIME}')


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def run(status: str = "SUCCEEDED", *, kind: str = "success", code: ExitCode = ExitCode.SUCCESS, run_id: str = RUN_ID,
        name: str | None = "Deploy", phases: tuple[Phase, ...] = (), usual: Usual | None = None,
        **overrides: object) -> Result:
    return Result(kind=kind, exit_code=code, space=SPACE, project=PROJECT, run_id=run_id,
                  response=run_document(status, **overrides), workflow_name=name, phases=phases, usual=usual,
                  message="" if kind == "success" else f"the run ended {status}")


def failed(**kw: object) -> Result:
    return run("FAILED", kind="failure", code=ExitCode.RUN_FAILED, **kw)


def going(**kw: object) -> Result:
    return run("IN_PROGRESS", kind="timeout", code=ExitCode.TIMEOUT, **kw)


def bars(result: Result, now: datetime | None = None) -> list[tuple[str, float, float]]:
    return [(b.text, (b.start - START).total_seconds(), (b.end - START).total_seconds())
            for b in mermaid.run_bars(result, now=now)]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_workflow_name_keeps_to_its_section_line(name: str) -> None:
    text = mermaid.gantt([failed(name=name), run(name=name, run_id="a1b2c3d4-5678-90ab-cdef-333333333333")])
    assert text is not None
    lines = text.splitlines()
    assert all(LINE.fullmatch(line) for line in lines), [line for line in lines if not LINE.fullmatch(line)]
    assert sum(line.startswith("    section ") for line in lines) == 2
    body = "\n".join(lines[1:])  # the only directive is our own, on the first line
    for forbidden in ("%%", "{", "}", "#", ";", "`", "<", ">", "\x1b", "\u202e", "\u200b", "\x00", "&"):
        assert forbidden not in body, forbidden
    assert all(len(line) < 120 for line in lines)


def test_labels_keep_letters_digits_and_plain_punctuation() -> None:
    assert mermaid.label("Deploy-prod_2 (eu/west) v1.2 @team+ops!?") == "Deploy-prod_2 (eu/west) v1.2 @team+ops!?"
    assert mermaid.label("Déploiement 本番") == "Déploiement 本番"
    assert mermaid.label("a:b#c;d%e{f}g<h>i\"j`k") == "a_b_c_d_e_f_g_h_i_j_k"
    assert mermaid.label("  two\n\tlines  ") == "two lines"
    assert mermaid.label("x" * 50) == "x" * 39 + "…"


def test_sections_are_named_by_workflow_and_run() -> None:
    assert mermaid.section_name(run(name="Deploy")) == "Deploy a1b2c3d4"
    assert mermaid.section_name(run(name=None)) == "run a1b2c3d4"  # picked by run ID: no name known
    assert mermaid.section_name(run(name=" \n ")) == "run a1b2c3d4"
    assert mermaid.section_name(run(name="x", run_id="")) == "x no run"


def test_an_unknown_status_never_starts_a_line() -> None:
    assert mermaid.status_label("IN_PROGRESS") == "IN_PROGRESS"
    assert mermaid.status_label("click x") == "status click x"
    assert mermaid.status_label("%%") == "status __"
    assert mermaid.status_label("") == "status unknown"


def test_phases_become_bars_the_first_from_the_start() -> None:
    phases = (Phase("VALIDATING", at(4)), Phase("PROVISIONING", at(20)), Phase("IN_PROGRESS", at(60)),
              Phase("FAILED", at(206)))
    assert bars(failed(phases=phases)) == [("VALIDATING", 0, 20), ("PROVISIONING", 20, 60),
                                           ("IN_PROGRESS", 60, 205.5)]


def test_phases_outside_the_run_are_clamped_and_empty_bars_dropped() -> None:
    phases = (Phase("VALIDATING", at(-30)), Phase("PROVISIONING", at(-10)), Phase("IN_PROGRESS", at(500)))
    assert bars(failed(phases=phases)) == [("PROVISIONING", 0, 205.5)]


def test_without_phases_one_bar_with_the_last_status() -> None:
    assert bars(failed()) == [("FAILED", 0, 205.5)]
    assert bars(run(status="BOGUS", endTime="2026-11-25T10:01:00Z")) == [("status BOGUS", 0, 60)]


def test_a_run_still_going_reaches_now_or_the_last_moment_known() -> None:
    assert bars(going(), now=at(3600)) == [("IN_PROGRESS", 0, 3600)]
    assert bars(going()) == [("IN_PROGRESS", 0, 205.5)]  # its lastUpdatedTime
    # the last status seen ends it (later than lastUpdatedTime); STOPPING, just seen, has no length yet
    assert bars(going(phases=(Phase("IN_PROGRESS", at(1)), Phase("STOPPING", at(300))))) == [("IN_PROGRESS", 0, 300)]
    assert bars(going(), now=at(-50)) == [("IN_PROGRESS", 0, 205.5)]  # a clock behind the server's: never backwards


def test_no_start_time_no_bar_and_no_block() -> None:
    unknown = Result(kind="error", exit_code=ExitCode.API_REFUSED, space=SPACE, project=PROJECT, run_id=RUN_ID,
                     message="HTTP 403 AccessDeniedException: no")
    assert mermaid.run_bars(unknown) == []
    assert mermaid.gantt([unknown]) is None and mermaid.fenced([unknown]) == ""
    text = mermaid.gantt([unknown, failed()])
    assert text is not None and text.count("section ") == 1


def test_outcomes_mark_the_bars_and_the_usual_duration_is_a_reference_bar() -> None:
    text = mermaid.gantt([failed(usual=Usual(median_seconds=120.0, count=20)), going(), run()], now=at(400))
    assert text is not None
    # UTC to the second (run_document's run: 10:00:00 to 10:03:25.5)
    assert "    FAILED :crit, r0b0, 2026-11-25 10:00:00, 2026-11-25 10:03:25" in text
    assert "    usual 2m00s :r0u, 2026-11-25 10:00:00, 2026-11-25 10:02:00" in text
    assert "    IN_PROGRESS :active, r1b0, 2026-11-25 10:00:00, 2026-11-25 10:06:40" in text
    assert "    SUCCEEDED :done, r2b0, 2026-11-25 10:00:00, 2026-11-25 10:03:25" in text
    assert text.count("usual") == 1  # no history, no reference bar


def test_room_for_the_section_names() -> None:
    short = mermaid.gantt([run(name="A")])
    long = mermaid.gantt([run(name="A very long workflow name indeed")])
    assert short is not None and long is not None
    pads = [int(re.search(r'"leftPadding": (\d+)', t).group(1)) for t in (short, long)]
    assert mermaid.MIN_PAD <= pads[0] < pads[1] <= mermaid.MAX_PAD


def fence_body(summary: str) -> list[str]:
    lines = summary.splitlines()
    opening = lines.index("```mermaid")
    closing = lines.index("```", opening + 1)
    return lines[opening + 1:closing]


def test_the_summary_holds_one_mermaid_block_that_no_name_can_close() -> None:
    summary = github.step_summary(failed(name="x\n```\n# heading"), now=at(300))
    assert summary.count("```mermaid") == 1
    body = fence_body(summary)
    assert body[0].startswith("%%{init") and body[1] == "gantt"
    assert not any(line.lstrip().startswith("```") for line in body)
    assert "**Timeline** (UTC)" in summary


def test_the_group_summary_draws_the_runs_most_serious_first_with_each_against_its_usual() -> None:
    ok = run(run_id="a1b2c3d4-5678-90ab-cdef-000000000001", name="Build", usual=Usual(median_seconds=200, count=5))
    bad = failed(run_id="a1b2c3d4-5678-90ab-cdef-000000000002", name="Test")
    late = going(run_id="a1b2c3d4-5678-90ab-cdef-000000000003", name="Deploy")
    group = dataclasses.replace(late, runs=(ok, bad, late))
    summary = github.step_summary(group, now=at(600))
    sections = [line.split()[1] for line in fence_body(summary) if line.startswith("    section ")]
    assert sections == ["Deploy", "Test", "Build"]  # timeout, failure, success
    assert "| Against usual |" in summary
    # Each duration once, in its own column: the comparison beside it no longer repeats it (issue 26).
    assert "| 03:25 | usual 3m20s \\(median of 5 recent runs\\)\\; about as usual |" in summary
    assert "| 03:25 | no history to compare with |" in summary


def test_no_timeline_where_it_is_not_wanted() -> None:
    assert "```" not in github.step_summary(failed(), gantt=False)


def test_the_written_summary_masks_the_token_in_the_diagram_too(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    sink = Sink(OutputTargets(github_summary=path), redactor=Redactor(TOKEN), stdout=io.StringIO(),
                stderr=io.StringIO())
    sink.result(failed(name=f"leak {TOKEN}", phases=(Phase(f"IN_{TOKEN}", at(1)),)))
    text = path.read_text(encoding="utf-8")
    assert TOKEN not in text and "```mermaid" in text
    assert not sink.not_written
