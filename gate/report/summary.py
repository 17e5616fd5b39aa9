"""What every summary of a gate says, decided once (pure): per run its status, what it came to, how long it took
against its workflow's usual duration, its status reasons, its URL and its phases; and the verdict over them.

The terminal, the log, Markdown (GitHub's step summary, Azure's tab), JUnit and the annotations only lay these
facts out: none of them re-reads the result, so each follows the same rules (which message is worth a line, how
many reasons, which URL) and none says a fact twice. Every text here is already one inert line, with the token
masked by `mask`: a renderer escapes for its own format and adds nothing of a server's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate.report.describe import against_usual, describe_reason, format_duration, format_elapsed
from gate.result import THROTTLED_PHRASE, Phase, Usual
from gate.textsafe import inert_line
from gate.verdict import worst_first

if TYPE_CHECKING:
    from gate.result import Result

MAX_REASONS = 20  # status reasons shown in any summary (a flood stays readable); the result keeps them all


@dataclass(frozen=True, kw_only=True)
class RunSummary:
    """One run as every summary tells it."""

    run_id: str  # "" when the gate never knew its run
    workflow: str  # its name, else its ID; "" when unknown
    kind: str  # the result kind: success, failure, timeout, error, cancelled
    exit_code: int
    status: str | None  # the last status seen; None when no answer was read
    sentence: str  # what it came to, one line ("the run ended FAILED", "timed out after 2s; …"); "" when nothing
    details: tuple[str, ...]  # the message's other lines
    start_time: str | None
    end_time: str | None
    duration: float | None  # seconds, from the run's own times
    usual: Usual | None
    usual_note: str  # why there is no usual duration ("" when there is one)
    reasons: tuple[str, ...]  # the first MAX_REASONS status reasons
    more_reasons: int  # how many more the result's status-reasons hold
    url: str | None  # the run's console page
    polls: int
    phases: tuple[Phase, ...]
    facts: tuple[tuple[str, str], ...] = ()  # further facts about the run (label, value), shown by every renderer
    earlier: tuple[RunSummary, ...] = ()  # --rerun-failed: the attempts before this one, each ended FAILED, in order

    @property
    def passed(self) -> bool:
        return self.kind == "success"

    @property
    def restates_status(self) -> bool:
        """The sentence says no more than the status would (`the run ended FAILED`), or there is none."""
        return not self.sentence or self.sentence == f"the run ended {self.status}"

    @property
    def heading(self) -> str:
        """The run in a few words: its status when that says it all, else what it came to."""
        return (self.status or self.kind) if self.restates_status else self.sentence

    @property
    def names_status(self) -> bool:
        """The heading says the status (`FAILED`, or `timed out after 2s; the run is still IN_PROGRESS`)."""
        return self.heading == self.status or self.heading.endswith(f"the run is still {self.status}")

    @property
    def who(self) -> str:
        """`run ID (workflow NAME)`, as an annotation names it."""
        return f"run {self.run_id}" + (f" (workflow {self.workflow})" if self.workflow else "")

    @property
    def more_line(self) -> str | None:
        """`… and 3 more (see the result's status-reasons)` when some were left out."""
        return f"and {self.more_reasons} more (see the result's status-reasons)" if self.more_reasons else None

    def compared(self, *, times: str = "×") -> str | None:
        """Its usual duration, and how this run's duration compares; why not, when it is not compared; None for a
        run still going with no history (nothing worth a line)."""
        if self.usual is None and self.end_time is None:
            return None
        usual = self.usual
        return against_usual(self.duration, usual.median_seconds if usual else None, usual.count if usual else 0,
                             times=times, why_not=self.usual_note or "no history to compare with")


@dataclass(frozen=True, kw_only=True)
class Summary:
    """The verdict and every run, the most serious first (one run: the verdict is that run)."""

    kind: str
    exit_code: int
    space: str
    project: str
    runs: tuple[RunSummary, ...]
    several: bool
    waited: float | None = None  # seconds from the gate's start to its verdict, when known
    # Facts about the gate itself (label, value), such as its throttling; one run: they are among its own facts.
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def heading(self) -> str:
        """Several runs' verdict in a few words: their kind, a timeout with how long the gate waited (one run is
        headed by its own `heading`)."""
        if self.kind == "timeout" and self.waited is not None:
            return f"timed out after {format_duration(self.waited)}"
        return self.kind

    @property
    def decisive(self) -> RunSummary:
        """The run whose outcome is the verdict's."""
        return self.runs[0]

    @property
    def failed(self) -> tuple[RunSummary, ...]:
        return tuple(run for run in self.runs if not run.passed)


def _free(text: str, mask: Callable[[str], str]) -> str:
    """Free text (a message, a reason, a name): the token masked, on one inert line."""
    return inert_line(mask(text))


def run_summary(result: Result, *, mask: Callable[[str], str] = str) -> RunSummary:
    """One run's facts from its result, free text masked and every text one inert line."""
    data = result.to_dict()
    lines = [line for line in result.message.splitlines() if line.strip()]
    reasons = data["status-reasons"]
    workflow = result.workflow_name or data["workflow-id"] or ""
    return RunSummary(
        run_id=inert_line(result.run_id), workflow=_free(workflow, mask), kind=result.kind,
        exit_code=int(result.exit_code), status=inert_line(data["status"]) if data["status"] else None,
        sentence=_free(lines[0], mask) if lines else "", details=tuple(_free(line, mask) for line in lines[1:]),
        start_time=_inert(data["start-time"]), end_time=_inert(data["end-time"]),
        duration=data["duration-seconds"], usual=result.usual, usual_note=_free(result.usual_note, mask),
        reasons=tuple(_free(describe_reason(r), mask) for r in reasons[:MAX_REASONS]),
        more_reasons=max(0, len(reasons) - MAX_REASONS), url=_inert(data["run-url"]), polls=result.polls,
        phases=result.phases, facts=attempts_fact(result), earlier=tuple(run_summary(a, mask=mask)
                                                                         for a in result.attempts))


def attempts_fact(result: Result) -> tuple[tuple[str, str], ...]:
    """--rerun-failed: every attempt in order, the first failure first, never left out of any summary."""
    if not result.attempts:
        return ()
    told = []
    for number, attempt in enumerate(result.to_dict()["attempts"], start=1):
        took = f", {format_elapsed(attempt['duration-seconds'])}" if attempt["duration-seconds"] is not None else ""
        told.append(f"{number}. run {attempt['run-id']} {attempt['status'] or 'unknown'}{took}")
    return (("Attempts", "; ".join(inert_line(line) for line in told)),)


def _inert(value: str | None) -> str | None:
    return inert_line(value) if value else None


def summarize(result: Result, *, mask: Callable[[str], str] = str) -> Summary:
    """The outcome of a gate: one run, or several with the verdict over them. The gate's own facts go with the
    one run's, or stand for the group."""
    runs = tuple(run_summary(run, mask=mask) for run in (worst_first(result.runs) if result.runs else [result]))
    facts = throttled_fact(result, runs)
    if not result.runs:
        runs = (dataclasses.replace(runs[0], facts=(*runs[0].facts, *facts)),)
    return Summary(kind=result.kind, exit_code=int(result.exit_code), space=result.space, project=result.project,
                   runs=runs, several=bool(result.runs), waited=result.waited, facts=facts if result.runs else ())


def throttled_fact(result: Result, runs: tuple[RunSummary, ...]) -> tuple[tuple[str, str], ...]:
    """`Throttled: 7 times over 98 s` when the service throttled the gate, said once: not when a run's own lines
    say it already (a timeout's heading does)."""
    throttled = result.throttled
    if throttled is None or not throttled.count:
        return ()
    if any(THROTTLED_PHRASE in line for run in runs for line in (run.sentence, *run.details)):
        return ()
    return (("Throttled", throttled.text),)


def failures(summary: Summary) -> list[tuple[str, tuple[str, ...]]]:
    """Why the gate did not pass, for an annotation or an issue: each run that did not pass, named with its
    workflow, and what it came to; with its further lines, its reasons and its further facts (its attempts)."""
    told = []
    for run in summary.failed:
        said = run.sentence or run.kind
        more = (f"… {run.more_line}",) if run.more_line else ()
        facts = tuple(f"{label}: {value}" for label, value in run.facts)
        told.append((f"{run.who}: {said}" if run.run_id else said, (*run.details, *run.reasons, *more, *facts)))
    return told


def failure_lines(summary: Summary) -> list[str]:
    """`failures`, a line per fact."""
    return [line for head, rest in failures(summary) for line in (head, *rest)]
