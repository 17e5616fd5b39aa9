"""A run's life as data: which status it shows at a given moment (pure; no threads, no sleeping)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Reasons = tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RunPlan:
    """Steps of (status, seconds), then a final status; `final_status=None` means the run never ends."""

    steps: tuple[tuple[str, float], ...]
    final_status: str | None
    final_reasons: Reasons = ()

    @property
    def duration(self) -> float | None:
        return None if self.final_status is None else sum(seconds for _, seconds in self.steps)


@dataclass(frozen=True)
class Phase:
    status: str
    since: float  # when this status began: the run's lastUpdatedTime
    ended: float | None  # the run's endTime, once it has one
    reasons: Reasons


def phase_at(plan: RunPlan, *, started: float, now: float) -> Phase:
    """The run's status at `now`. Before `started` a run shows its first step."""
    elapsed = max(0.0, now - started)
    offset = 0.0
    for index, (status, seconds) in enumerate(plan.steps):
        last_step = index == len(plan.steps) - 1
        if elapsed < offset + seconds or (last_step and plan.final_status is None):
            return Phase(status, started + offset, None, ())
        offset += seconds
    if plan.final_status is None:  # no steps at all: validation forbids it, but never index past the end
        raise ValueError("a run that never ends needs at least one step")
    return Phase(plan.final_status, started + offset, started + offset, plan.final_reasons)


def superseded_at(phase: Phase, *, cut: float, now: float) -> Phase:
    """A run a newer one overtook at `cut`: as planned before then, SUPERSEDED from then on."""
    if now < cut or (phase.ended is not None and phase.ended <= cut):
        return phase
    return Phase("SUPERSEDED", cut, cut, ())
