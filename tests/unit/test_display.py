"""The terminal display (redraws on a fake TTY), the log display (heartbeat cadence), and the clock that feeds them."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

import pytest

from gate.config.settings import DisplaySettings, RetrySettings
from gate.errors import ExitCode
from gate.pace.policy import FixedInterval
from gate.pace.retry import RetryPolicy
from gate.report.display import CLEAR_LINE, DisplayClock, PlainDisplay, TtyDisplay, make_display
from gate.report.redact import Redactor
from gate.report.summary import MAX_REASONS
from gate.result import Result
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, FakeClock, run_document
from tests.loopkit import Reader, drive

SGR = re.compile(r"\x1b\[[0-9;]*m")


class Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


class RecordingTicker:
    def __init__(self, due: float | None) -> None:
        self.due, self.ticks = due, []

    def due_in(self, now: float) -> float | None:
        return self.due

    def tick(self, now: float) -> None:
        self.ticks.append(now)


def frames(output: str) -> list[str]:
    """Each redraw of the live line (the text after a clear that no newline ends)."""
    return [part for part in output.split(CLEAR_LINE) if part and "\n" not in part]


def screen(output: str) -> list[str]:
    """The lines left on the terminal: a clear erases what the live line showed."""
    lines, current = [], ""
    for part in re.split(f"({re.escape(CLEAR_LINE)}|\n)", output):
        if part == CLEAR_LINE:
            current = ""
        elif part == "\n":
            lines.append(current)
            current = ""
        else:
            current += part
    return lines + ([current] if current else [])


def polls(statuses: list[str]) -> Any:
    answers = iter(statuses)
    return lambda remaining: run_document(next(answers))


def failed_result(**doc: Any) -> Result:
    return Result(kind="failure", exit_code=ExitCode.RUN_FAILED, space=SPACE, project=PROJECT, run_id=RUN_ID,
                  polls=4, response=run_document("FAILED", **doc), message="the run ended FAILED")


# -- DisplayClock ---------------------------------------------------------------------------------------------

def test_display_clock_cuts_sleeps_where_the_display_asks() -> None:
    clock, ticker = FakeClock(), RecordingTicker(0.25)
    DisplayClock(clock, ticker).sleep(1.0)
    assert clock.sleeps == [0.25] * 4 and ticker.ticks == [1000.25, 1000.5, 1000.75, 1001.0]


def test_display_clock_sleeps_whole_when_no_tick_is_wanted() -> None:
    clock, ticker = FakeClock(), RecordingTicker(None)
    DisplayClock(clock, ticker).sleep(10)
    DisplayClock(clock, ticker).sleep(0)
    DisplayClock(clock, ticker).sleep(-1)
    assert clock.sleeps == [10.0] and ticker.ticks == [1010.0]


def test_display_clock_never_cuts_finer_than_its_minimum() -> None:
    clock = FakeClock()
    DisplayClock(clock, RecordingTicker(0.0), min_slice=0.5).sleep(2)
    assert clock.sleeps == [0.5] * 4


# -- The terminal ---------------------------------------------------------------------------------------------

def tty(clock: FakeClock, *, colour: bool = False, width: int = 80, **kw: Any) -> tuple[TtyDisplay, Terminal]:
    term = Terminal()
    display = TtyDisplay(redactor=Redactor(TOKEN), clock=clock, stream=term, colour=colour,
                         width=lambda: width, **kw)
    return display, term


def test_tty_redraws_in_place_and_ticks_while_sleeping() -> None:
    clock = FakeClock()
    display, term = tty(clock, frame_seconds=1.0)
    display.tick(clock.now())
    display.status_changed(status="IN_PROGRESS", elapsed=0.0)
    display.polled(elapsed=0.0, next_delay=3.0)
    DisplayClock(clock, display).sleep(3.0)
    assert clock.sleeps == [1.0, 1.0, 1.0]
    assert term.getvalue() == (
        f"{CLEAR_LINE}⠋  00:00  waiting for the first answer…"
        f"{CLEAR_LINE}  00:00  IN_PROGRESS\n"
        f"{CLEAR_LINE}⠋ IN_PROGRESS  00:00"
        f"{CLEAR_LINE}⠋ IN_PROGRESS  00:00  next poll in 3s"
        f"{CLEAR_LINE}⠙ IN_PROGRESS  00:01  next poll in 2s"
        f"{CLEAR_LINE}⠹ IN_PROGRESS  00:02  next poll in 1s"
        f"{CLEAR_LINE}⠸ IN_PROGRESS  00:03  polling…"
    )


def test_tty_driven_by_the_real_loop_spins_during_every_sleep() -> None:
    clock = FakeClock()
    display, term = tty(clock, frame_seconds=0.5)
    fetch = polls(["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"])
    [result] = drive([RUN_ID], Reader(lambda _run_id, remaining: fetch(remaining)), policy=FixedInterval(2.0),
                     success_statuses=frozenset({"SUCCEEDED"}), timeout=None,
                     retry=RetryPolicy(settings=RetrySettings(), floor=1.0), clock=DisplayClock(clock, display),
                     progress=display)
    display.finished(result)
    assert clock.sleeps == [0.5] * 8  # two 2-second sleeps, four frames each
    spinners = [f[0] for f in frames(term.getvalue()) if "next poll" in f or "polling" in f]
    assert len(set(spinners)) > 4  # it turned
    assert screen(term.getvalue()) == [
        "  00:00  IN_PROGRESS",
        "  00:04  SUCCEEDED",
        "✔ SUCCEEDED · run took 03:25 · waited 00:04 · exit 0",
        "  https://codecatalyst.aws/spaces/ExampleCorp/projects/MyDemoProject/ci/workflows/"
        "a1b2c3d4-5678-90ab-cdef-111111111111/runs/a1b2c3d4-5678-90ab-cdef-222222222222",
        "  no history to compare with",  # the last line: never a zero for an unknown usual duration, and the
    ]                                    # duration said once, in the line above (issue 26)


def test_tty_summary_has_status_duration_reasons_and_url_and_stops_drawing() -> None:
    clock = FakeClock()
    display, term = tty(clock)
    display.status_changed(status="FAILED", elapsed=65.0)
    reasons = [{"message": f"reason {n}"} for n in range(MAX_REASONS + 2)]
    display.finished(failed_result(statusReasons=reasons))
    lines = screen(term.getvalue())
    assert lines[1:] == [
        "✘ FAILED · run took 03:25 · waited 01:05 · exit 1",
        *(f"  reason: reason {n}" for n in range(MAX_REASONS)),
        "  … and 2 more (see the result's status-reasons)",
        "  https://codecatalyst.aws/spaces/ExampleCorp/projects/MyDemoProject/ci/workflows/"
        "a1b2c3d4-5678-90ab-cdef-111111111111/runs/a1b2c3d4-5678-90ab-cdef-222222222222",
        "  no history to compare with",
    ]
    assert term.getvalue().endswith("\n")  # no live line left behind
    display.tick(clock.now())
    assert display.due_in(clock.now()) is None and term.getvalue().endswith("\n")


def test_tty_colours_only_when_asked() -> None:
    clock = FakeClock()
    plain, plain_term = tty(clock)
    coloured, colour_term = tty(clock, colour=True)
    for display in (plain, coloured):
        display.status_changed(status="IN_PROGRESS", elapsed=0.0)
    assert "\x1b[1;36mIN_PROGRESS\x1b[0m" in colour_term.getvalue()
    assert not SGR.search(plain_term.getvalue())


def test_no_color_and_non_tty_choices() -> None:
    clock = FakeClock()
    default, quietly, in_github = DisplaySettings(), DisplaySettings(quiet=True), DisplaySettings(fenced=True)
    colour = make_display(default, redactor=Redactor(), clock=clock, stream=Terminal(), env={})
    no_colour = make_display(default, redactor=Redactor(), clock=clock, stream=Terminal(), env={"NO_COLOR": "1"})
    empty_no_colour = make_display(default, redactor=Redactor(), clock=clock, stream=Terminal(), env={"NO_COLOR": ""})
    dumb = make_display(default, redactor=Redactor(), clock=clock, stream=Terminal(), env={"TERM": "dumb"})
    quiet = make_display(quietly, redactor=Redactor(), clock=clock, stream=Terminal(), env={})
    fenced = make_display(in_github, redactor=Redactor(), clock=clock, stream=Terminal(), env={})
    log = make_display(default, redactor=Redactor(), clock=clock, stream=io.StringIO(), env={})
    assert isinstance(colour, TtyDisplay) and isinstance(no_colour, TtyDisplay)
    assert colour._colour and empty_no_colour._colour and not no_colour._colour
    assert all(isinstance(d, PlainDisplay) for d in (dumb, quiet, fenced, log))


def test_tty_falls_back_to_ascii_where_the_terminal_cannot_encode() -> None:
    class Latin1Terminal(Terminal):
        encoding = "latin-1"

    term = Latin1Terminal()
    display = make_display(DisplaySettings(), redactor=Redactor(), clock=FakeClock(), stream=term,
                           env={"NO_COLOR": "1"})
    display.tick(1000.0)
    display.finished(failed_result())
    assert term.getvalue().encode("latin-1")
    assert "[failed] FAILED, run took 03:25" in term.getvalue()


def test_tty_line_never_wraps() -> None:
    clock = FakeClock()
    display, term = tty(clock, width=20)
    display.status_changed(status="IN_PROGRESS", elapsed=3600.0)
    display.polled(elapsed=3600.0, next_delay=100.0)
    assert frames(term.getvalue())[-1] == "⠋ IN_PROGRESS  1:00"  # 19 columns


def test_tty_server_text_is_inert_and_redacted() -> None:
    clock = FakeClock()
    display, term = tty(clock, colour=False)
    display.retrying(reason=f"HTTP 503 \x1b[31mred\x1b[0m {TOKEN}\n##vso[task.complete]", attempt=1, delay=2.0,
                     elapsed=1.0)
    failed = failed_result(statusReasons=[{"message": "a\n##vso[task.setvariable variable=x]y \u2028"}])
    display.finished(dataclasses.replace(failed, kind="error", message=f"HTTP 400: x\r\n::error::y {TOKEN}"))
    out = term.getvalue()
    assert TOKEN not in out and "***" in out
    assert "##vso" not in out.lower() and "\u2028" not in out
    assert out.replace(CLEAR_LINE, "").count("\x1b") == 0  # no escape sequence but our own clear-line
    assert all(not line.lstrip().startswith("::") for line in screen(out))


# -- The log ----------------------------------------------------------------------------------------------------

def run_with_log(*, statuses: list[str], interval: float, heartbeat: float | None,
                 quiet: bool = False) -> tuple[FakeClock, str]:
    clock, stream = FakeClock(), io.StringIO()
    display = PlainDisplay(redactor=Redactor(TOKEN), clock=clock, stream=stream, quiet=quiet, heartbeat=heartbeat)
    display.tick(clock.now())
    fetch = polls(statuses)
    [result] = drive([RUN_ID], Reader(lambda _run_id, remaining: fetch(remaining)), policy=FixedInterval(interval),
                     success_statuses=frozenset({"SUCCEEDED"}), timeout=None,
                     retry=RetryPolicy(settings=RetrySettings(), floor=1.0), clock=DisplayClock(clock, display),
                     progress=display)
    display.finished(result)
    return clock, stream.getvalue()


def test_heartbeat_every_60s_of_silence_on_a_10s_poll() -> None:
    clock, out = run_with_log(statuses=["IN_PROGRESS"] * 19 + ["SUCCEEDED"], interval=10, heartbeat=60)
    assert clock.sleeps == [10.0] * 19  # the loop's sleeps, uncut: 60 is a multiple of 10
    beats = [line for line in out.splitlines() if "still" in line]
    assert beats == [f"codecatalyst-gate: [0{m}:00] still IN_PROGRESS" for m in (1, 2, 3)]  # each as a poll is due


def test_heartbeat_cuts_sleeps_to_keep_its_cadence() -> None:
    clock, out = run_with_log(statuses=["IN_PROGRESS"] * 10 + ["SUCCEEDED"], interval=10, heartbeat=25)
    assert clock.sleeps[:8] == [10.0, 10.0, 5.0, 5.0, 10.0, 10.0, 10.0, 10.0]
    assert sum(clock.sleeps) == pytest.approx(100.0)
    beats = re.findall(r"\[(\d\d:\d\d)\] still IN_PROGRESS(.*)", out)
    assert beats == [("00:25", "; next poll in 5s"), ("00:50", ""), ("01:15", "; next poll in 5s"), ("01:40", "")]


def test_a_status_change_resets_the_heartbeat() -> None:
    _, out = run_with_log(statuses=["IN_PROGRESS"] * 5 + ["STOPPING"] * 7 + ["STOPPED"], interval=10, heartbeat=60)
    stamps = re.findall(r"\[(\d\d:\d\d)\] (status \w+|still \w+)", out)
    assert stamps == [("00:00", "status IN_PROGRESS"), ("00:50", "status STOPPING"), ("01:50", "still STOPPING"),
                      ("02:00", "status STOPPED")]


def test_heartbeat_off_and_quiet() -> None:
    clock, out = run_with_log(statuses=["IN_PROGRESS"] * 19 + ["SUCCEEDED"], interval=10, heartbeat=0)
    assert clock.sleeps == [10.0] * 19 and "still" not in out
    clock, out = run_with_log(statuses=["IN_PROGRESS"] * 19 + ["FAILED"], interval=10, heartbeat=60, quiet=True)
    assert clock.sleeps == [10.0] * 19
    assert out.splitlines() == ["codecatalyst-gate: the run ended FAILED",
                                "codecatalyst-gate: run: https://codecatalyst.aws/spaces/ExampleCorp/projects/"
                                "MyDemoProject/ci/workflows/a1b2c3d4-5678-90ab-cdef-111111111111/runs/"
                                "a1b2c3d4-5678-90ab-cdef-222222222222"]


def test_heartbeat_before_the_first_answer() -> None:
    clock, stream = FakeClock(), io.StringIO()
    display = PlainDisplay(redactor=Redactor(), clock=clock, stream=stream, heartbeat=60)
    display.tick(clock.now())
    DisplayClock(clock, display).sleep(130)
    assert stream.getvalue().splitlines() == ["codecatalyst-gate: [01:00] still waiting for the first answer",
                                              "codecatalyst-gate: [02:00] still waiting for the first answer"]


def test_log_lines_are_inert() -> None:
    clock, stream = FakeClock(), io.StringIO()
    display = PlainDisplay(redactor=Redactor(TOKEN), clock=clock, stream=stream)
    display.retrying(reason=f"x ##vso[task.complete] ##[error] #\u200b#vso[ {TOKEN}", attempt=1, delay=1, elapsed=0)
    display.finished(failed_result(statusReasons=[{"message": "y\n##VSO[task.setvariable variable=a]b"}]))
    out = stream.getvalue()
    assert "##vso" not in out.lower() and "##[" not in out and "\u200b" not in out and TOKEN not in out
    assert all(line.startswith("codecatalyst-gate: ") for line in out.splitlines())


# -- What the adaptive policy learned -----------------------------------------------------------------------------

@pytest.mark.parametrize(("durations", "note", "line"), [
    ((190.0, 170.0, 600.0), "", "adaptive polling from 3 past runs of this workflow (median 03:10)"),
    ((42.0,), "", "adaptive polling from 1 past run of this workflow (median 00:42)"),
    ((100.0, 200.0), "", "adaptive polling from 2 past runs of this workflow (median 02:30)"),
    ((), "ListWorkflowRuns refused: HTTP 403 AccessDeniedException",
     "adaptive polling without history: ListWorkflowRuns refused: HTTP 403 AccessDeniedException"),
    ((), "", "adaptive polling without history: none found"),
])
def test_the_log_says_what_the_polling_learned(durations: tuple[float, ...], note: str, line: str) -> None:
    stream = io.StringIO()
    PlainDisplay(redactor=Redactor(), clock=FakeClock(), stream=stream).history_learned(durations=durations, note=note)
    assert stream.getvalue() == f"codecatalyst-gate: {line}\n"


def test_a_history_note_from_the_server_is_inert_and_redacted() -> None:
    note = f"ListWorkflowRuns refused: HTTP 403 Denied\n::set-output name=result::success {TOKEN} ##vso[task.complete]"
    stream = io.StringIO()
    PlainDisplay(redactor=Redactor(TOKEN), clock=FakeClock(), stream=stream).history_learned(durations=(), note=note)
    display, term = tty(FakeClock(), colour=False)
    display.history_learned(durations=(), note=note)
    for out in (stream.getvalue(), term.getvalue()):
        assert TOKEN not in out and "***" in out and "##vso" not in out.lower()
        assert all(not line.lstrip().startswith("::") for line in screen(out))
    # One line each: the newline in the note could otherwise have started a line with the server's "::".
    assert stream.getvalue().count("\n") == 1 and term.getvalue().count("\n") == 1
