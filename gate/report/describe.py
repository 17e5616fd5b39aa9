"""How the gate puts things into words: shared by the displays and every output format.

Pure text helpers, no I/O. What they return may still hold server text: the sinks make it inert.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

PREFIX = "codecatalyst-gate:"


def format_elapsed(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def describe_reason(reason: Any) -> str:
    """A status reason as text: its `message` when it has one, else compact JSON (the model gives it no members)."""
    message = reason.get("message") if isinstance(reason, dict) else None
    if isinstance(message, str):
        return message
    return json.dumps(reason, ensure_ascii=False, separators=(",", ":"))


def failure_title(kind: str, status: str | None) -> str:
    """The headline of a failed gate's annotation or issue: `CodeCatalyst gate: failure (FAILED)`."""
    return f"CodeCatalyst gate: {kind}" + (f" ({status})" if status else "")


def describe_history(durations: Sequence[float], note: str, workflow: str | None = None) -> str:
    """What the adaptive policy has to go on, so a user can tell why the gate polls as it does (`workflow`: which
    one, when the gate waits on runs of several)."""
    import statistics  # here: only a `wait` that learned a history gets this far

    if not durations:
        which = f" for workflow {workflow}" if workflow else ""
        return f"adaptive polling without history{which}: {note or 'none found'}"
    median = statistics.median(durations)
    runs = "1 past run" if len(durations) == 1 else f"{len(durations)} past runs"
    return f"adaptive polling from {runs} of {f'workflow {workflow}' if workflow else 'this workflow'} " \
           f"(median {format_elapsed(median)})"


SAME_WITHIN = 1.1  # a run within 10 % of the usual duration, either way, took about as long as usual


def format_duration(seconds: float) -> str:
    """A duration as people say it: `45s`, `6m40s`, `1h02m`."""
    whole = max(0, int(seconds))  # whole seconds, as format_elapsed counts them
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def against_usual(took: float | None, median: float | None, count: int = 0, *, times: str = "×",
                  why_not: str = "no history to compare with") -> str:
    """`usual 3m25s (median of 20 recent runs); 2.0× slower`: the usual duration, and how `took` (said elsewhere,
    never here) compares. With no history it says why: an unknown usual duration is never shown as a zero."""
    if median is None or count <= 0:
        return why_not
    basis = "the one recent run" if count == 1 else f"median of {count} recent runs"
    parts = [f"usual {format_duration(median)} ({basis})"]
    if took is not None:
        parts.append(_speed(took, median, times=times))
    return "; ".join(parts)


def _speed(took: float, median: float, *, times: str) -> str:
    if took <= 0:
        return "faster than usual"
    ratio = took / median
    if 1 / SAME_WITHIN < ratio < SAME_WITHIN:
        return "about as usual"
    factor = ratio if ratio > 1 else 1 / ratio
    shown = f"{factor:.0f}" if factor >= 10 else f"{factor:.1f}"
    return f"{shown}{times} {'slower' if ratio > 1 else 'faster'}"
