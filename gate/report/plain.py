"""The display for logs: one line per event, a heartbeat after a silence, and the summary (gate.report.summary) as
plain lines at the end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from gate.clock import Clock
from gate.report.describe import PREFIX, describe_history, format_elapsed
from gate.report.redact import Redactor
from gate.report.seen import EPSILON, Seen
from gate.report.summary import RunSummary, summarize
from gate.textsafe import inert_line

if TYPE_CHECKING:
    from gate.result import Result


class PlainDisplay:
    """For logs: one line per event, a heartbeat after `heartbeat` seconds without one. Each line starts with our
    own prefix, so server text never starts a line, and is made inert (`inert_line`), so none can hold a CI
    logging command anywhere in it."""

    def __init__(self, *, redactor: Redactor, clock: Clock, stream: TextIO, quiet: bool = False,
                 heartbeat: float | None = None) -> None:
        self._redactor, self._clock, self._stream, self._quiet = redactor, clock, stream, quiet
        self._heartbeat = heartbeat if heartbeat and not quiet else None
        self._seen = Seen()
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
        """The summary: the verdict's line, then each run's (several: the most serious first); what a run that
        did not pass came to, its reasons and its URL are shown even when quiet."""
        self._done = True
        summary = summarize(result, mask=self._free)
        waited = format_elapsed(self._seen.elapsed(self._clock.now()) if summary.waited is None else summary.waited)
        if not summary.several:
            run = summary.decisive
            status = "" if run.sentence and run.names_status else f"status {run.status or 'unknown'}, "
            took = f", run took {format_elapsed(run.duration)}" if run.duration is not None else ""
            self._line(f"result {run.kind} ({status}exit {run.exit_code}){took}, gate waited {waited}")
            self._run_lines(run, indent="", said=False)
            return
        self._line(f"result {summary.kind} for {len(summary.runs)} runs (exit {summary.exit_code}), "
                   f"gate waited {waited}", always=summary.kind != "success")
        for label, value in summary.facts:
            self._line(f"{label}: {value}")
        for run in summary.runs:
            of = f"workflow {run.workflow}" if run.workflow else ""
            took = f", run took {format_elapsed(run.duration)}" if run.duration is not None else ""
            said = run.sentence and run.names_status and not run.restates_status  # the line under it says it
            status = "" if said else f"status {run.status or 'unknown'}"
            self._line(f"run {run.run_id}: {run.kind} ({', '.join(filter(None, [status, of]))}){took}",
                       always=not run.passed)
            self._run_lines(run, indent="  ", said=True)

    def _run_lines(self, run: RunSummary, *, indent: str, said: bool) -> None:
        """A run's lines after the one that names it (`said`: that line gave its status)."""
        failed = not run.passed
        error = "error: " if run.kind == "error" else ""  # told as every error is (gate.report.sink)
        if run.sentence and not (said and run.restates_status):
            self._line(indent + error + run.sentence, always=True)
        for line in run.details:
            self._line(indent + error + line, always=True)
        for reason in run.reasons:
            self._line(f"{indent}reason: {reason}", always=failed)
        if run.more_line:
            self._line(f"{indent}reasons: … {run.more_line}", always=failed)
        for label, value in run.facts:
            self._line(f"{indent}{label}: {value}")
        if run.url:
            self._line(f"{indent}run: {run.url}", always=failed)
        compared = run.compared()
        if compared:
            self._line(indent + compared)

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
