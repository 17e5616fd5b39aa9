"""Polling policies: what the gate knows now → how long to wait before the next poll (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class PollContext:
    """What a policy may base its next delay on."""

    elapsed: float  # seconds since the gate started
    polls: int  # GetWorkflowRun calls made so far
    status: str  # the status seen on the last poll
    run_age: float | None = None  # seconds since the run's startTime, when the response says


class PollPolicy(Protocol):
    def __call__(self, context: PollContext) -> float: ...


@dataclass(frozen=True)
class FixedInterval:
    """The same delay every time: what `--interval` asks for."""

    seconds: float

    def __call__(self, context: PollContext) -> float:
        return self.seconds
