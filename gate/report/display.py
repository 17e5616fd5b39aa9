"""What a person watching sees: a live status line on a terminal; elsewhere plain lines and a heartbeat.

The wait loop only calls `Progress` methods and `clock.sleep`. `DisplayClock` wraps the clock and cuts each
sleep at the moments the display asks for (`due_in`), calling `tick` after each piece: the spinner turns and
the heartbeat prints while the loop waits, and neither the loop nor the clock has to know.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TextIO

from gate.clock import Clock
from gate.config.settings import DisplaySettings
from gate.report.describe import PREFIX, compared, describe_history, describe_reason, format_elapsed
from gate.report.progress import Progress
from gate.report.redact import Redactor
from gate.statuses import ACTIVE_STATUSES
from gate.textsafe import inert_line
from gate.verdict import worst_first

if TYPE_CHECKING:
    from gate.result import Result

FRAME_SECONDS = 0.1  # spinner speed
MIN_SLICE = 0.05  # never cut a sleep finer than this, whatever a display asks
MAX_REASONS = 5  # in the terminal summary; the outputs keep them all
EPSILON = 1e-6  # float slack when comparing clock readings

CLEAR_LINE = "\r\x1b[2K"  # back to column 0, erase the whole line (ECMA-48 EL 2)
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_SPINNER = "|/-\\"
BOLD, DIM, RED, GREEN, YELLOW, CYAN = "1", "2", "31", "32", "33", "36"


def usual_line(result: Result, *, times: str = "×") -> str | None:
    """How long the run took against its workflow's usual duration; None when neither is known."""
    if result.usual is None and (result.response or {}).get("endTime") is None:
        return None
    return compared(result, times=times)


class Ticker(Protocol):
    def due_in(self, now: float) -> float | None:
        """Seconds until the display wants a tick; None when it wants none."""

    def tick(self, now: float) -> None:
        """Time passed while the loop slept: animate, or print a heartbeat."""


class Display(Progress, Ticker, Protocol):
    """A Progress that also wants ticks while the loop sleeps."""


class DisplayClock:
    """The loop's clock, its sleeps cut into pieces so that the display gets its ticks."""

    def __init__(self, clock: Clock, ticker: Ticker, *, min_slice: float = MIN_SLICE) -> None:
        self._clock, self._ticker, self._min_slice = clock, ticker, min_slice

    def now(self) -> float:
        return self._clock.now()

    def sleep(self, seconds: float) -> None:
        end = self._clock.now() + max(0.0, seconds)
        while (left := end - self._clock.now()) > EPSILON:
            due = self._ticker.due_in(self._clock.now())
            self._clock.sleep(left if due is None else min(left, max(due, self._min_slice)))
            self._ticker.tick(self._clock.now())


@dataclass
class _Seen:
    """What the displays know between events: the status, and when the loop acts next."""

    origin: float | None = None  # clock reading at which the gate's elapsed time was 0
    status: str | None = None
    next_at: float | None = None
    retry: int = 0  # the attempt the loop is waiting to make, 0 when the next act is a normal poll
    runs: dict[str, str] = field(default_factory=dict)  # several runs: each one's last status

    def anchor(self, now: float, elapsed: float) -> None:
        self.origin = now - elapsed

    def saw_status(self, now: float, elapsed: float, status: str, run_id: str | None = None) -> None:
        """A status; with `run_id` (several runs gated at once) the status shown is the group's, counted."""
        self.anchor(now, elapsed)
        if run_id is not None:
            self.runs[run_id] = status
            counts: dict[str, int] = {}
            for each in self.runs.values():
                counts[each] = counts.get(each, 0) + 1
            status = ", ".join(f"{n} {each}" for each, n in counts.items())
        self.status, self.next_at, self.retry = status, None, 0

    def will_act(self, now: float, elapsed: float, delay: float, *, retry: int = 0) -> None:
        """The loop sleeps `delay`, then polls (retry 0) or makes retry attempt `retry`."""
        self.anchor(now, elapsed)
        self.next_at, self.retry = now + delay, retry

    def elapsed(self, now: float) -> float:
        if self.origin is None:
            self.origin = now
        return now - self.origin

    def next_in(self, now: float) -> str | None:
        """`next poll in 7s` or `retry 2 in 3s`; None when nothing is scheduled or it is due."""
        if self.next_at is None or self.next_at - now <= EPSILON:
            return None
        return f"{f'retry {self.retry}' if self.retry else 'next poll'} in {math.ceil(self.next_at - now - EPSILON)}s"

    def countdown(self, now: float, *, ellipsis: str) -> str:
        if self.next_at is None:
            return "" if self.status else f"waiting for the first answer{ellipsis}"
        return self.next_in(now) or (f"retrying{ellipsis}" if self.retry else f"polling{ellipsis}")


class PlainDisplay:
    """For logs: one line per event, a heartbeat after `heartbeat` seconds without one. Each line starts with our
    own prefix, so server text never starts a line, and is made inert (`inert_line`), so none can hold a CI
    logging command anywhere in it."""

    def __init__(self, *, redactor: Redactor, clock: Clock, stream: TextIO, quiet: bool = False,
                 heartbeat: float | None = None) -> None:
        self._redactor, self._clock, self._stream, self._quiet = redactor, clock, stream, quiet
        self._heartbeat = heartbeat if heartbeat and not quiet else None
        self._seen = _Seen()
        self._last_line: float | None = None
        self._done = False

    def _line(self, text: str, *, always: bool = False) -> None:
        """One line; the caller has masked the free text in it (`_free`), and nothing else is altered."""
        if self._quiet and not always:
            return
        self._stream.write(f"{PREFIX} {inert_line(text)}\n")
        self._stream.flush()
        self._last_line = self._clock.now()

    def _free(self, text: str) -> str:
        """Free text (a server's message or reason, a name, an error) with the token masked."""
        return self._redactor.text(text)

    # -- Progress --------------------------------------------------------------------------------------------

    def status_changed(self, *, status: str, elapsed: float, run_id: str | None = None,
                       workflow: str | None = None) -> None:
        self._seen.saw_status(self._clock.now(), elapsed, status, run_id)
        which = f" run {run_id}" if run_id is not None else ""
        of = f" (workflow {self._free(workflow)})" if workflow else ""
        self._line(f"[{format_elapsed(elapsed)}]{which} status {status}{of}")

    def polled(self, *, elapsed: float, next_delay: float) -> None:
        self._seen.will_act(self._clock.now(), elapsed, next_delay)

    def retrying(self, *, reason: str, attempt: int, delay: float, elapsed: float) -> None:
        self._seen.will_act(self._clock.now(), elapsed, delay, retry=attempt)
        self._line(f"[{format_elapsed(elapsed)}] {self._free(reason)}; retry {attempt} in {delay:.1f}s")

    def history_learned(self, *, durations: Sequence[float], note: str, workflow: str | None = None) -> None:
        self._line(self._free(describe_history(durations, note, workflow)))

    def note(self, text: str) -> None:
        self._line(self._free(text))

    def warning(self, text: str) -> None:
        self._line(f"warning: {self._free(text)}", always=True)

    def finished(self, result: Result) -> None:
        self._done = True
        if result.runs:
            self._group_finished(result)
            return
        data = result.to_dict()
        summary = f"result {data['result']} (status {data['status'] or 'unknown'}, exit {data['exit-code']})"
        if data["duration-seconds"] is not None:
            summary += f", run took {format_elapsed(data['duration-seconds'])}"
        summary += f", gate waited {format_elapsed(self._seen.elapsed(self._clock.now()))}"
        self._line(summary)
        failed = result.kind != "success"
        if result.message and failed:
            for line in result.message.splitlines():
                self._line(self._free(line), always=True)
        for reason in data["status-reasons"]:
            self._line(f"reason: {self._free(describe_reason(reason))}", always=failed)
        if data["status"] is not None:
            self._line(f"run: {data['run-url']}", always=failed)
        usual = usual_line(result)
        if usual:
            self._line(usual)

    def _group_finished(self, result: Result) -> None:
        """Several runs: the verdict, then one line per run, the most serious first."""
        waited = format_elapsed(self._seen.elapsed(self._clock.now()))
        self._line(f"result {result.kind} for {len(result.runs)} runs (exit {int(result.exit_code)}), "
                   f"gate waited {waited}", always=result.kind != "success")
        for run in worst_first(result.runs):
            data = run.to_dict()
            failed = run.kind != "success"
            seconds = data["duration-seconds"]
            took = f", run took {format_elapsed(seconds)}" if seconds is not None else ""
            status = data["status"] or "unknown"
            of = f", workflow {self._free(run.workflow_name or data['workflow-id'])}" \
                if run.workflow_name or data["workflow-id"] else ""
            self._line(f"run {run.run_id}: {data['result']} (status {status}{of}){took}", always=failed)
            if run.message and failed:
                self._line(f"  {self._free(run.message.splitlines()[0])}", always=True)
            for reason in data["status-reasons"]:
                self._line(f"  reason: {self._free(describe_reason(reason))}", always=failed)
            usual = usual_line(run)
            if usual:
                self._line(f"  {usual}")
            if data["run-url"]:
                self._line(f"  run: {data['run-url']}", always=failed)

    # -- Ticker ----------------------------------------------------------------------------------------------

    def due_in(self, now: float) -> float | None:
        if self._heartbeat is None or self._done:
            return None
        if self._last_line is None:
            self._last_line = now
        return max(0.0, self._last_line + self._heartbeat - now)

    def tick(self, now: float) -> None:
        elapsed = self._seen.elapsed(now)
        if self._last_line is None:
            self._last_line = now
        if self._heartbeat is None or self._done or now - self._last_line < self._heartbeat - EPSILON:
            return
        what = f"still {self._seen.status or 'waiting for the first answer'}"
        upcoming = self._seen.next_in(now)
        self._line(f"[{format_elapsed(elapsed)}] {what}" + (f"; {upcoming}" if upcoming else ""))


def _terminal_width(stream: TextIO) -> int:
    """The terminal's columns; 80 when it does not say (a pty with no size reports 0)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return 80


def _status_colour(status: str | None) -> str:
    if status == "SUCCEEDED":
        return GREEN
    if status == "FAILED":
        return RED
    return CYAN if status in ACTIVE_STATUSES or status is None else YELLOW


KIND_COLOURS = {"success": GREEN, "failure": RED, "error": RED, "timeout": YELLOW, "cancelled": YELLOW,
                "skipped": YELLOW}
KIND_ICONS = {"success": "✔", "failure": "✘", "error": "✘", "timeout": "⏱", "cancelled": "■", "skipped": "○"}
KIND_WORDS = {"success": "[ok]", "failure": "[failed]", "error": "[error]", "timeout": "[timeout]",
              "cancelled": "[cancelled]", "skipped": "[skipped]"}


class TtyDisplay:
    """For a person at a terminal: one live line redrawn in place, history above it, a summary at the end."""

    def __init__(self, *, redactor: Redactor, clock: Clock, stream: TextIO, colour: bool, unicode: bool = True,
                 width: Callable[[], int] | None = None, frame_seconds: float = FRAME_SECONDS) -> None:
        self._redactor, self._clock, self._stream = redactor, clock, stream
        self._colour, self._unicode = colour, unicode
        self._width = width or (lambda: _terminal_width(stream))
        self._frame_seconds = frame_seconds
        self._spinner = SPINNER if unicode else ASCII_SPINNER
        self._ellipsis = "…" if unicode else "..."
        self._times = "×" if unicode else "x"
        self._seen = _Seen()
        self._frame = 0
        self._last_frame: float | None = None
        self._live = False  # the live line is on screen
        self._done = False

    # -- drawing ---------------------------------------------------------------------------------------------

    def _style(self, text: str, *codes: str) -> str:
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if self._colour and codes and text else text

    def _safe(self, text: str) -> str:
        """Text from a server made inert, as it is (a status, a run ID: data, never altered)."""
        return inert_line(text)

    def _free(self, text: str) -> str:
        """Free text (a server's message or reason, a name, an error): inert, with the token masked."""
        return inert_line(self._redactor.text(text))

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()

    def _fit(self, parts: list[tuple[str, tuple[str, ...]]]) -> str:
        """The parts, styled, cut to the terminal's width less one column (so the line never wraps)."""
        room = max(1, self._width() - 1)
        out = []
        for text, codes in parts:
            if room <= 0:
                break
            piece = text[:room]
            room -= len(piece)
            out.append(self._style(piece, *codes))
        return "".join(out)

    def _draw(self, now: float) -> None:
        watch = self._seen
        status = self._safe(watch.status) if watch.status else ""
        countdown = watch.countdown(now, ellipsis=self._ellipsis)
        parts: list[tuple[str, tuple[str, ...]]] = [(self._spinner[self._frame % len(self._spinner)], (CYAN,))]
        if status:
            parts.append((" " + status, (BOLD, _status_colour(watch.status))))
        parts.append(("  " + format_elapsed(watch.elapsed(now)), (DIM,)))
        if countdown:
            parts.append(("  " + countdown, (DIM,)))
        self._write(CLEAR_LINE + self._fit(parts))
        self._live = True

    def _print(self, lines: list[str]) -> None:
        """Permanent lines above the live one; each starts with our own text, never a server's."""
        self._write((CLEAR_LINE if self._live else "") + "".join(line + "\n" for line in lines))
        self._live = False
        if not self._done:
            self._draw(self._clock.now())

    # -- Progress --------------------------------------------------------------------------------------------

    def status_changed(self, *, status: str, elapsed: float, run_id: str | None = None,
                       workflow: str | None = None) -> None:
        self._seen.saw_status(self._clock.now(), elapsed, status, run_id)
        which = f"{self._safe(run_id)}  " if run_id is not None else ""
        which += f"{self._style(self._free(workflow), DIM)}  " if workflow else ""
        self._print([f"  {self._style(format_elapsed(elapsed), DIM)}  {which}"
                     f"{self._style(self._safe(status), BOLD, _status_colour(status))}"])

    def polled(self, *, elapsed: float, next_delay: float) -> None:
        now = self._clock.now()
        self._seen.will_act(now, elapsed, next_delay)
        self._draw(now)

    def retrying(self, *, reason: str, attempt: int, delay: float, elapsed: float) -> None:
        self._seen.will_act(self._clock.now(), elapsed, delay, retry=attempt)
        self._print([f"  {self._style(format_elapsed(elapsed), DIM)}  "
                     f"{self._style(f'{self._free(reason)}; retry {attempt} in {delay:.1f}s', YELLOW)}"])

    def history_learned(self, *, durations: Sequence[float], note: str, workflow: str | None = None) -> None:
        self._print([f"  {self._style(self._free(describe_history(durations, note, workflow)), DIM)}"])

    def note(self, text: str) -> None:
        self._print([f"  {self._style(self._free(text), DIM)}"])

    def warning(self, text: str) -> None:
        self._print([f"  {self._style(self._free(f'warning: {text}'), YELLOW)}"])

    def finished(self, result: Result) -> None:
        self._done = True
        colour = KIND_COLOURS.get(result.kind, RED)
        icon = (KIND_ICONS if self._unicode else KIND_WORDS).get(result.kind, "!")
        dot = " · " if self._unicode else ", "
        waited = f"waited {format_elapsed(self._seen.elapsed(self._clock.now()))}"
        if result.runs:
            head = self._style(f"{icon} {result.kind}: {len(result.runs)} runs", BOLD, colour)
            self._print([dot.join([head, waited, f"exit {int(result.exit_code)}"]), *self._group_lines(result)])
            return
        data = result.to_dict()
        heads = [self._style(f"{icon} {self._safe(data['status'] or result.kind)}", BOLD, colour)]
        if data["duration-seconds"] is not None:
            heads.append(f"run took {format_elapsed(data['duration-seconds'])}")
        heads += [waited, f"exit {data['exit-code']}"]
        lines = [dot.join(heads)]
        if result.message and result.kind not in ("success", "failure"):
            # Each line behind our own mark: a server's line never starts one (`::error::` after blanks included).
            lines.extend(f"  {self._style('>', colour)} {self._style(self._free(line), colour)}"
                         for line in result.message.splitlines())
        reasons = data["status-reasons"]
        lines.extend(f"  reason: {self._free(describe_reason(r))}" for r in reasons[:MAX_REASONS])
        if len(reasons) > MAX_REASONS:
            lines.append(f"  {self._ellipsis} and {len(reasons) - MAX_REASONS} more (see the result's status-reasons)")
        if data["status"] is not None:
            lines.append(f"  {self._style(data['run-url'], DIM)}")
        usual = usual_line(result, times=self._times)
        if usual:
            lines.append(f"  {usual}")
        self._print(lines)

    def _group_lines(self, result: Result) -> list[str]:
        """One line per run, the most serious first: its mark, ID, status, and why it did not pass."""
        lines = []
        for run in worst_first(result.runs):
            each = run.to_dict()
            mark = (KIND_ICONS if self._unicode else KIND_WORDS).get(run.kind, "!")
            why = f"  {self._free(run.message.splitlines()[0])}" if run.message and run.kind != "success" else ""
            lines.append(f"  {self._style(mark, KIND_COLOURS.get(run.kind, RED))} {self._safe(run.run_id)}  "
                         f"{self._safe(each['status'] or run.kind)}{why}")
            usual = usual_line(run, times=self._times)
            if usual:
                lines.append(f"    {self._style(usual, DIM)}")
            if each["run-url"]:
                lines.append(f"    {self._style(self._safe(each['run-url']), DIM)}")
        return lines

    # -- Ticker ----------------------------------------------------------------------------------------------

    def due_in(self, now: float) -> float | None:
        if self._done:
            return None
        if self._last_frame is None:
            return self._frame_seconds
        return max(0.0, self._last_frame + self._frame_seconds - now)

    def tick(self, now: float) -> None:
        if self._done:
            return
        if self._last_frame is not None:
            self._frame += 1
        self._last_frame = now
        self._draw(now)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _can_encode(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def make_display(settings: DisplaySettings, *, redactor: Redactor, clock: Clock, stream: TextIO,
                 env: Mapping[str, str] | None = None) -> Display:
    """A live line on a terminal (colour unless NO_COLOR is set and not empty); plain lines anywhere else."""
    env = os.environ if env is None else env
    if not settings.quiet and not settings.fenced and _is_tty(stream) and env.get("TERM") != "dumb":
        return TtyDisplay(redactor=redactor, clock=clock, stream=stream, colour=not env.get("NO_COLOR"),
                          unicode=_can_encode(stream, SPINNER + "".join(KIND_ICONS.values()) + "·…×"))
    return PlainDisplay(redactor=redactor, clock=clock, stream=stream, quiet=settings.quiet,
                        heartbeat=settings.heartbeat)
