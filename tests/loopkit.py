"""Drives the one wait loop (gate.wait.loop) from unit tests: a fake clock, a policy, a reader made of callables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from gate.api.history import History
from gate.clock import Deadline
from gate.pace.pacing import Pacing
from gate.pace.policy import PollPolicy
from gate.pace.retry import RetryPolicy
from gate.result import Result, Usual
from gate.runref import RunRef
from gate.wait.loop import Rules, Successor, wait_for_runs
from tests.conftest import PROJECT, SPACE, FakeClock, RecordingProgress


class Reader:
    """The API as the loop sees it, answered by `fetch(run_id, remaining)` and `listing(workflow_id, remaining)`."""

    space, project = SPACE, PROJECT

    def __init__(self, fetch: Callable[[str, float | None], dict[str, Any]],
                 listing: Callable[[str, float | None], list[dict[str, Any]]] | None = None) -> None:
        self.fetch, self.listing = fetch, listing

    def get_run(self, run_id: str, *, remaining: float | None) -> dict[str, Any]:
        return self.fetch(run_id, remaining)

    def list_runs(self, workflow_id: str, *, max_results: int, remaining: float | None) -> dict[str, Any]:
        assert self.listing is not None, "this test's runs are never listed"
        return {"items": self.listing(workflow_id, remaining)}


class SamePolicy:
    """One policy for every workflow."""

    def __init__(self, policy: PollPolicy) -> None:
        self.policy = policy

    def for_workflow(self, workflow_id: str | None) -> PollPolicy:
        return self.policy

    def usual(self, workflow_id: str | None) -> Usual | None:
        history = getattr(self.policy, "history", None)  # a LearnsHistory's, once it learned it
        return Usual.of(history.durations) if isinstance(history, History) else None

    def usual_note(self, workflow_id: str | None) -> str:
        return ""


def drive(run_ids: Sequence[str], reader: Reader, *, clock: FakeClock, retry: RetryPolicy, policy: Any,
          success_statuses: frozenset[str], progress: RecordingProgress | None = None, timeout: float | None = 3600.0,
          reached: bool = False, fail_fast: bool = False, successor: Successor | None = None,
          utc_now: Callable[[], datetime] | None = None) -> list[Result]:
    """The loop over these runs; `policy` is one PollPolicy for all, or a book with `for_workflow`."""
    extra = {"utc_now": utc_now} if utc_now else {}
    pacing = Pacing(clock=clock, deadline=Deadline(clock, timeout), retry=retry,
                    progress=progress or RecordingProgress(), **extra)
    pacing.streak.reached = reached
    policies = policy if hasattr(policy, "for_workflow") else SamePolicy(policy)
    return wait_for_runs([RunRef(run_id) for run_id in run_ids], reader=reader, pacing=pacing, policies=policies,
                         rules=Rules(success_statuses=success_statuses, fail_fast=fail_fast, successor=successor))
