"""Progress reporting on stderr: the loop says what happened; a Progress decides how it looks."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from gate.redact import Redactor
from gate.textsafe import inert_line

if TYPE_CHECKING:
    from gate.result import Result

PREFIX = "codecatalyst-gate:"


class Progress(Protocol):
    def status_changed(self, *, status: str, previous: str | None, elapsed: float) -> None: ...
    def polled(self, *, status: str, elapsed: float, next_delay: float) -> None: ...
    def retrying(self, *, reason: str, attempt: int, delay: float, elapsed: float) -> None: ...
    def history_learned(self, *, durations: Sequence[float], note: str) -> None: ...
    def error(self, message: str) -> None: ...
    def finished(self, result: Result) -> None: ...


def format_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def describe_reason(reason: Any) -> str:
    """A status reason as text: its `message` when it has one, else compact JSON (the model gives it no members)."""
    if isinstance(reason, dict) and isinstance(reason.get("message"), str):
        return reason["message"]
    return json.dumps(reason, ensure_ascii=False, separators=(",", ":"))


def failure_title(kind: str, status: str | None) -> str:
    """The headline of a failed gate's annotation or issue: `CodeCatalyst gate: failure (FAILED)`."""
    return f"CodeCatalyst gate: {kind}" + (f" ({status})" if status else "")


def describe_history(durations: Sequence[float], note: str) -> str:
    """What the adaptive policy has to go on, so a user can tell why the gate polls as it does."""
    import statistics  # here: only a `wait` that learned a history gets this far

    if not durations:
        return f"adaptive polling without history: {note or 'none found'}"
    median = statistics.median(durations)
    runs = "1 past run" if len(durations) == 1 else f"{len(durations)} past runs"
    return f"adaptive polling from {runs} of this workflow (median {format_elapsed(median)})"


class LineProgress:
    """One line per event, each starting with our own prefix so server text never starts a line,
    and made inert (`inert_line`) so none can hold a CI logging command anywhere in it."""

    def __init__(self, *, redactor: Redactor, stream: TextIO | None = None, quiet: bool = False) -> None:
        self._redactor = redactor
        self._stream = stream if stream is not None else sys.stderr
        self._quiet = quiet

    def _line(self, text: str, *, always: bool = False) -> None:
        if self._quiet and not always:
            return
        self._stream.write(f"{PREFIX} {inert_line(self._redactor.text(text))}\n")
        self._stream.flush()

    def status_changed(self, *, status: str, previous: str | None, elapsed: float) -> None:
        self._line(f"[{format_elapsed(elapsed)}] status {status}")

    def polled(self, *, status: str, elapsed: float, next_delay: float) -> None:
        pass

    def retrying(self, *, reason: str, attempt: int, delay: float, elapsed: float) -> None:
        self._line(f"[{format_elapsed(elapsed)}] {reason}; retry {attempt} in {delay:.1f}s")

    def history_learned(self, *, durations: Sequence[float], note: str) -> None:
        self._line(describe_history(durations, note))

    def error(self, message: str) -> None:
        for line in message.splitlines() or [""]:
            self._line(line, always=True)

    def finished(self, result: Result) -> None:
        data = result.to_dict()
        summary = f"result {data['result']} (status {data['status'] or 'unknown'}, exit {data['exit-code']})"
        if data["duration-seconds"] is not None:
            summary += f", run took {format_elapsed(data['duration-seconds'])}"
        self._line(summary)
        failed = result.kind != "success"
        if result.message and failed:
            self.error(result.message)
        for reason in data["status-reasons"]:
            self._line(f"reason: {describe_reason(reason)}", always=failed)
        if data["status"] is not None:
            self._line(f"run: {data['run-url']}", always=failed)
