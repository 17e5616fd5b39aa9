"""What the wait loop tells as it goes: the Progress protocol. How it looks is a display's business
(gate.report.display)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gate.result import Result


class Progress(Protocol):
    def status_changed(self, *, status: str, elapsed: float, run_id: str | None = None,
                       workflow: str | None = None) -> None: ...  # which run and workflow, when several are gated
    def polled(self, *, elapsed: float, next_delay: float) -> None: ...
    def retrying(self, *, reason: str, attempt: int, delay: float, elapsed: float) -> None: ...
    def history_learned(self, *, durations: Sequence[float], note: str, workflow: str | None = None
                        ) -> None: ...  # workflow: which one, when the gate waits on runs of several
    def note(self, text: str) -> None: ...  # what the gate decided or found: the run it started, the token's source
    def warning(self, text: str) -> None: ...  # what may make the verdict not the one wanted; shown even when quiet
    def finished(self, result: Result) -> None: ...
