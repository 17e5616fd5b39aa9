"""The display for a person at a terminal: one live line redrawn in place, history above it, and the summary
(gate.report.summary) at the end."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from gate.clock import Clock
from gate.report.describe import describe_history, format_elapsed
from gate.report.redact import Redactor
from gate.report.seen import Seen
from gate.report.summary import RunSummary, summarize
from gate.statuses import ACTIVE_STATUSES
from gate.textsafe import inert_line

if TYPE_CHECKING:
    from gate.result import Result

FRAME_SECONDS = 0.1  # spinner speed
CLEAR_LINE = "\r\x1b[2K"  # back to column 0, erase the whole line (ECMA-48 EL 2)
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
ASCII_SPINNER = "|/-\\"
BOLD, DIM, RED, GREEN, YELLOW, CYAN = "1", "2", "31", "32", "33", "36"


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
        self._dot = " · " if unicode else ", "
        self._seen = Seen()
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
        """The summary (gate.report.summary): a head line with the verdict, then each run's lines."""
        self._done = True
        summary = summarize(result, mask=self._redactor.text)
        colour = KIND_COLOURS.get(summary.kind, RED)
        icon = self._mark(summary.kind)
        seconds = self._seen.elapsed(self._clock.now()) if summary.waited is None else summary.waited
        waited = f"waited {format_elapsed(seconds)}"
        if summary.several:
            head = self._style(f"{icon} {summary.heading}: {len(summary.runs)} runs", BOLD, colour)
            lines = [self._dot.join([head, waited, f"exit {summary.exit_code}"])]
            lines += [f"  {label}: {value}" for label, value in summary.facts]
            for run in summary.runs:
                lines.append(f"  {self._style(self._mark(run.kind), KIND_COLOURS.get(run.kind, RED))} "
                             f"{self._dot.join([f'{run.run_id}  {run.heading}', *self._took(run)])}")
                lines += self._run_lines(run, indent="    ", comparison_first=True)
            self._print(lines)
            return
        run = summary.decisive
        heads = [self._style(f"{icon} {run.heading}", BOLD, colour), *self._took(run), waited,
                 f"exit {run.exit_code}"]
        self._print([self._dot.join(heads), *self._run_lines(run, indent="  ")])

    def _mark(self, kind: str) -> str:
        return (KIND_ICONS if self._unicode else KIND_WORDS).get(kind, "!")

    def _took(self, run: RunSummary) -> list[str]:
        return [f"run took {format_elapsed(run.duration)}"] if run.duration is not None else []

    def _run_lines(self, run: RunSummary, *, indent: str, comparison_first: bool = False) -> list[str]:
        """A run's lines under its head: the rest of its message (each behind our own mark, so a server's line
        never starts one), its reasons, further facts, its URL and how it compares with the usual."""
        colour = KIND_COLOURS.get(run.kind, RED)
        lines = [f"{indent}{self._style('>', colour)} {self._style(line, colour)}" for line in run.details]
        lines += [f"{indent}reason: {reason}" for reason in run.reasons]
        if run.more_line:
            lines.append(f"{indent}{self._ellipsis} {run.more_line}")
        lines += [f"{indent}{label}: {value}" for label, value in run.facts]
        url = [f"{indent}{self._style(run.url, DIM)}"] if run.url else []
        compared = run.compared(times=self._times)
        usual = [f"{indent}{self._style(compared, DIM) if comparison_first else compared}"] if compared else []
        return lines + (usual + url if comparison_first else url + usual)

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
