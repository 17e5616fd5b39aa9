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
