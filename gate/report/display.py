"""What a person watching sees: a live status line on a terminal; elsewhere plain lines and a heartbeat.

The wait loop only calls `Progress` methods and `clock.sleep`. `DisplayClock` wraps the clock and cuts each
sleep at the moments the display asks for (`due_in`), calling `tick` after each piece: the spinner turns and
the heartbeat prints while the loop waits, and neither the loop nor the clock has to know.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol, TextIO

from gate.clock import Clock
from gate.config.settings import DisplaySettings
from gate.report.console import vt_ready
from gate.report.plain import PlainDisplay
from gate.report.progress import Progress
from gate.report.redact import Redactor
from gate.report.seen import EPSILON
from gate.report.tty import CLEAR_LINE, KIND_ICONS, SPINNER, TtyDisplay

__all__ = ["CLEAR_LINE", "Display", "DisplayClock", "PlainDisplay", "Ticker", "TtyDisplay", "make_display"]

MIN_SLICE = 0.05  # never cut a sleep finer than this, whatever a display asks


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
    """A live line on a terminal that interprets escape sequences (colour unless NO_COLOR is set and not empty;
    a Windows console is asked to, gate.report.console); plain lines anywhere else."""
    env = os.environ if env is None else env
    if (not settings.quiet and not settings.fenced and _is_tty(stream) and env.get("TERM") != "dumb"
            and vt_ready(stream)):
        return TtyDisplay(redactor=redactor, clock=clock, stream=stream, colour=not env.get("NO_COLOR"),
                          unicode=_can_encode(stream, SPINNER + "".join(KIND_ICONS.values()) + "·…×"))
    return PlainDisplay(redactor=redactor, clock=clock, stream=stream, quiet=settings.quiet,
                        heartbeat=settings.heartbeat)
