"""What the gate concludes (pure): what a run's terminal status means, which outcome is the most serious when
several runs are gated together, the order people read runs in, and the exit code once the outputs are written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from gate.errors import ExitCode, ResultKind
from gate.result import Result

# Most serious first: a signal, a bug or bad input stop everything; then what kept the gate from judging a run
# (refused, invalid, unreachable); then a run still going at the deadline; then a run that failed.
PRECEDENCE: tuple[ExitCode, ...] = (
    ExitCode.SIGINT, ExitCode.SIGTERM, ExitCode.INTERNAL, ExitCode.USAGE, ExitCode.API_REFUSED,
    ExitCode.INVALID_RESPONSE, ExitCode.UNAVAILABLE, ExitCode.TIMEOUT, ExitCode.RUN_FAILED, ExitCode.SUCCESS,
)


def outcome_for_status(status: str, success_statuses: frozenset[str]) -> tuple[ResultKind, ExitCode]:
    """What a terminal status means for the gate."""
    if status in success_statuses:
        return "success", ExitCode.SUCCESS
    return "failure", ExitCode.RUN_FAILED


def seriousness(result: Result) -> int:
    return PRECEDENCE.index(result.exit_code) if result.exit_code in PRECEDENCE else 0


def worst_first(results: Sequence[Result]) -> list[Result]:
    """The runs by how serious their outcome is, most serious first; ties keep their order, but a run --fail-fast
    skipped comes after every run of its exit code: the run that made the gate stop (as serious or more) decides."""
    return sorted(results, key=lambda result: (seriousness(result), result.kind == "skipped"))


def combined(results: Sequence[Result]) -> Result:
    """One verdict: the most serious run's result (its kind, exit code and keys), every run's own in `runs`."""
    if len(results) == 1:
        return results[0]
    return dataclasses.replace(worst_first(results)[0], runs=tuple(results))


def exit_code(result: Result, *, written: bool) -> ExitCode:
    """The process's exit code: the result's, except that an output that could not be written turns a success or
    a failure into NOT_WRITTEN (the other codes already say what stopped the gate)."""
    if not written and result.exit_code in (ExitCode.SUCCESS, ExitCode.RUN_FAILED):
        return ExitCode.NOT_WRITTEN
    return result.exit_code
