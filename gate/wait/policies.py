"""The policy book: each workflow's poll policy for one gate, with its history (gate.api.history) learned once,
after a first poll, and the usual duration it gives."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gate.api.history import History
from gate.pace.policy import Adaptive, FixedInterval, PollContext, PollPolicy
from gate.result import Usual

# A run over at the gate's first answer costs no history call (see LearnsHistory): its summary says so.
NOT_LEARNED = "not compared: the run had ended when the gate first read it, and its workflow's history is read " \
              "only while a run is going"


class LearnsHistory:
    """The adaptive policy (or with `fixed`, --interval's), with history loaded once, on the first call (after the
    first poll: a run that is over at once costs no history call). Everything after that is pure."""

    def __init__(self, load: Callable[[str, float | None], History], *, fixed: float | None = None,
                 **tuning: Any) -> None:
        self._load, self._fixed = load, fixed  # fixed: --interval, the history only read for the usual duration
        self._tuning = tuning
        self.history: History | None = None  # None: not asked yet
        self.policy: PollPolicy | None = None

    def __call__(self, context: PollContext) -> float:
        if self.policy is None:
            if context.workflow_id:
                self.history = self._load(context.workflow_id, context.remaining)
            else:
                self.history = History((), "no workflowId in the answer")
            self.policy = FixedInterval(self._fixed) if self._fixed is not None else \
                Adaptive(durations=self.history.durations, **self._tuning)
        return self.policy(context)


class WorkflowPolicies:
    """Each workflow's poll policy and usual duration, for the whole gate: `--interval`'s fixed policy, or the
    adaptive one; the workflow's history learned once, after a first poll, however many of its runs (followed ones
    included) the gate waits on."""

    def __init__(self, *, interval: float | None = None,
                 load: Callable[[str, float | None], History] | None = None,
                 listed: Mapping[str, tuple[float, ...]] | None = None, **tuning: Any) -> None:
        self._interval, self._load, self._tuning = interval, load, tuning
        # The durations picking read in a listing, by workflow ID (lower case): a usual duration for a run over at
        # its first answer, at no call; the polling never uses them.
        self._listed = {key.lower(): value for key, value in (listed or {}).items()}
        self._policies: dict[str | None, PollPolicy] = {}
        self._histories: dict[str, History] = {}

    def history(self, workflow_id: str, remaining: float | None) -> History:
        if workflow_id not in self._histories:
            self._histories[workflow_id] = self._load(workflow_id, remaining) if self._load else History(())
        return self._histories[workflow_id]

    def for_workflow(self, workflow_id: str | None) -> PollPolicy:
        if workflow_id not in self._policies:
            if self._load is None:
                self._policies[workflow_id] = Adaptive(**self._tuning) if self._interval is None \
                    else FixedInterval(self._interval)
            elif self._interval is None:
                self._policies[workflow_id] = LearnsHistory(self.history, **self._tuning)
            else:  # the usual duration is worth the one call with a fixed interval too
                self._policies[workflow_id] = LearnsHistory(self.history, fixed=self._interval)
        return self._policies[workflow_id]

    def _known(self, workflow_id: str | None) -> History | None:
        """The history learned for the workflow, else the runs picking listed; None when neither."""
        if not workflow_id:
            return None
        learned = self._histories.get(workflow_id)
        if learned is not None:
            return learned
        listed = self._listed.get(workflow_id.lower())
        return None if listed is None else History(listed, "no finished runs in the workflow's history")

    def usual(self, workflow_id: str | None) -> Usual | None:
        """The workflow's usual duration, from the history its policy learned, else from the listing the run was
        picked from (neither: None; a run over at its first answer costs no history call)."""
        history = self._known(workflow_id)
        return Usual.of(history.durations) if history is not None else None

    def usual_note(self, workflow_id: str | None) -> str:
        """Why the workflow has no usual duration, in words a summary can show; '' when it has one."""
        history = self._known(workflow_id)
        if history is None:
            return NOT_LEARNED if workflow_id else "not compared: the answer names no workflow"
        return "" if history.durations else f"not compared: {history.note or 'no history to compare with'}"
