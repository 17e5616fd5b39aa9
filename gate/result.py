"""The result object: what happened, with the same keys in every output format, encoded once for all of them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from gate.errors import ExitCode, ResultKind
from gate.timestamps import duration_seconds, ended_before

__all__ = ["CONSOLE_BASE", "NOT_THROTTLED", "RESULT_KEYS", "START_KEYS", "THROTTLED_PHRASE", "Field", "Phase",
           "Result", "ResultKind", "Throttled", "Usual", "answers_in_result", "run_console_url"]

RESULT_KEYS = (
    "result", "status", "run-id", "workflow-id", "workflow-name", "space", "project",
    "start-time", "end-time", "last-updated-time", "duration-seconds", "usual-duration-seconds",
    "status-reasons", "run-url", "started", "followed", "stale", "polls", "api-calls", "throttled", "attempts",
    "response", "exit-code",
)
# What `start` knows and writes (it exits once the run is started, before any status): a failed start writes every
# key, with its `result` and `exit-code`, as `wait` does.
START_KEYS = ("run-id", "workflow-id", "workflow-name", "space", "project", "run-url", "started", "api-calls",
              "throttled", "exit-code")

CONSOLE_BASE = "https://codecatalyst.aws"
# Scalar keys whose text a server chooses freely (the others are enums, IDs, times and numbers).
FREE_TEXT = frozenset({"workflow-name"})


def run_console_url(*, space: str, project: str, workflow_id: str | None, run_id: str) -> str:
    """Best effort: the console's page for a run (it needs the workflow id to be exact)."""
    def seg(s: str) -> str:
        return quote(s, safe="")

    base = f"{CONSOLE_BASE}/spaces/{seg(space)}/projects/{seg(project)}/ci/workflows"
    if workflow_id:
        return f"{base}/{seg(workflow_id)}/runs/{seg(run_id)}"
    return f"{base}/runs/{seg(run_id)}"


@dataclass(frozen=True, kw_only=True)
class Usual:
    """How long the workflow's recent finished runs took: their median, and how many there were."""

    median_seconds: float
    count: int

    @classmethod
    def of(cls, durations: Sequence[float]) -> Usual | None:
        """The median of these durations; None when there are none (no history is not a zero)."""
        import statistics  # here: only a result with history needs it

        return cls(median_seconds=float(statistics.median(durations)), count=len(durations)) if durations else None


def duration_text(seconds: float) -> str:
    """`98 s`, `2 min 05 s`: a length of time in whole seconds, as the gate's own sentences say it."""
    whole = round(seconds)
    return f"{whole} s" if whole < 120 else f"{whole // 60} min {whole % 60:02d} s"


THROTTLED_PHRASE = "the service throttled the gate"  # how a message says it (a timeout's does)


@dataclass(frozen=True)
class Throttled:
    """How often the service answered the gate "slow down" (HTTP 429), and for how long: for each burst of such
    answers, the seconds from its first to the next answer that was not one, added up (a burst still going when
    the gate ended counts up to then). The result key `throttled`; one per gate, never per run."""

    count: int
    seconds: float

    def to_dict(self) -> dict[str, int | float]:
        """`{"count": 2, "seconds": 4.5}`; whole seconds as an integer (`{"count": 0, "seconds": 0}`)."""
        seconds = round(self.seconds, 3)
        return {"count": self.count, "seconds": int(seconds) if seconds.is_integer() else seconds}

    @property
    def text(self) -> str:
        """`7 times over 98 s`, `once over 3 s`."""
        times = "once" if self.count == 1 else f"{self.count} times"
        return f"{times} over {duration_text(self.seconds)}"


NOT_THROTTLED = Throttled(0, 0.0)


@dataclass(frozen=True)
class Phase:
    """A status the gate saw the run in, and when (UTC) it first saw it."""

    status: str
    seen_at: datetime


def answers_in_result(document: Any) -> list[tuple[str, Any]] | None:
    """The GetWorkflowRun answers the gate's own result object holds, each with its JSON path: `$.response`, or with
    several runs each run's (`$.runs[0].response`, …; the top-level one repeats the deciding run's). None when the
    document is not a result object, such as an answer itself."""
    if not isinstance(document, dict) or not {"result", "response"} <= document.keys() or "id" in document:
        return None
    runs = document.get("runs")
    if isinstance(runs, list) and runs:
        return [(f"$.runs[{index}].response", run.get("response") if isinstance(run, dict) else None)
                for index, run in enumerate(runs)]
    return [("$.response", document["response"])]


def is_start_result(document: Any) -> bool:
    """Whether the document is what `start` writes (START_KEYS: a run ID, no status, no GetWorkflowRun answer)."""
    return isinstance(document, dict) and {"run-id", "started"} <= document.keys() <= set(START_KEYS)


@dataclass(frozen=True)
class Field:
    """One result key as every format needs it: the JSON value, and one line of text for step outputs and
    variables (JSON text for lists and objects, which `is_json` says)."""

    key: str
    value: Any
    text: str
    is_json: bool


def calls_dict(calls: Mapping[str, int] | None) -> dict[str, int] | None:
    """`{"total": 7, "ListWorkflows": 1, ...}`: the total, then each operation called, in the order first called."""
    if calls is None:
        return None
    return {"total": sum(calls.values()), **{operation: count for operation, count in calls.items() if count}}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)


@dataclass(frozen=True, kw_only=True)
class Result:
    """Built once at the end of a gate; reporters only format it."""

    kind: ResultKind
    exit_code: ExitCode
    space: str
    project: str
    run_id: str
    polls: int = 0
    response: dict[str, Any] | None = None
    message: str = ""  # why the gate ended this way, for humans; not one of the result keys
    workflow_name: str | None = None  # known when the gate picked the run by workflow
    started: bool = False  # this gate started the run (StartWorkflowRun)
    followed: tuple[str, ...] = ()  # runs gated before this one, superseded, oldest first
    # --latest with no since given or known from CI: the gate's start; a run that ended before it is `stale`.
    stale_if_ended_before: datetime | None = None
    runs: tuple[Result, ...] = ()  # several runs gated at once: each one's own result (this one is the verdict)
    usual: Usual | None = None  # the workflow's usual duration; None: no history known
    usual_note: str = ""  # why there is no usual duration, when there is none (not one of the result keys)
    waited: float | None = None  # seconds from the gate's start to its verdict, when known (not a result key)
    phases: tuple[Phase, ...] = ()  # the statuses seen, oldest first
    # The requests the gate sent, by operation (gate.api.client counts them); None: not known (each run of several,
    # whose calls are the gate's, and a gate a bug ended).
    api_calls: Mapping[str, int] | None = None
    workflow_id: str | None = None  # known before any GetWorkflowRun answer (a run this gate started)
    keys: tuple[str, ...] = RESULT_KEYS  # the keys this result holds: START_KEYS for a run `start` started
    attempts: tuple[Result, ...] = ()  # --rerun-failed: the earlier attempts (each ended FAILED), oldest first
    # How the service throttled the gate; None: not known (each run of several, whose calls are the gate's, and a
    # gate a bug ended).
    throttled: Throttled | None = None

    def attempt(self) -> dict[str, Any]:
        """This run as one of the attempts: its ID, status, duration and URL."""
        return {"run-id": self.run_id or None, "status": self._field("status"),
                "duration-seconds": duration_seconds(self._field("startTime"), self._field("endTime")),
                "run-url": self._run_url()}

    def _run_url(self) -> str | None:
        return run_console_url(space=self.space, project=self.project, run_id=self.run_id,
                               workflow_id=self._field("workflowId") or self.workflow_id
                               ) if self.run_id and self.space and self.project else None

    def _field(self, name: str) -> Any:
        return (self.response or {}).get(name)

    @property
    def stale(self) -> bool:
        """Taken as the newest run with no since known, and it had ended before the gate started: it may be an
        earlier run than the one to wait for (a push whose run has not appeared yet). Several runs: any of them."""
        return ended_before(self._field("endTime"), self.stale_if_ended_before) or any(r.stale for r in self.runs)

    def to_dict(self) -> dict[str, Any]:
        """The result keys with JSON types (null where unknown); `runs` only when several runs were gated."""
        workflow_id = self._field("workflowId") or self.workflow_id
        reasons = self._field("statusReasons")
        every = {
            "result": self.kind,
            "status": self._field("status"),
            "run-id": self.run_id or None,
            "workflow-id": workflow_id,
            "workflow-name": self.workflow_name,
            "space": self.space or None,  # unknown only when an input was refused
            "project": self.project or None,
            "start-time": self._field("startTime"),
            "end-time": self._field("endTime"),
            "last-updated-time": self._field("lastUpdatedTime"),
            "duration-seconds": duration_seconds(self._field("startTime"), self._field("endTime")),
            "usual-duration-seconds": round(self.usual.median_seconds, 3) if self.usual else None,
            "status-reasons": reasons if isinstance(reasons, list) else [],
            "run-url": self._run_url(),
            "started": self.started,
            "followed": list(self.followed),
            "stale": self.stale,
            "polls": self.polls,
            "api-calls": calls_dict(self.api_calls),
            "throttled": self.throttled.to_dict() if self.throttled else None,
            "attempts": [*(a.attempt() for a in self.attempts), *([self.attempt()] if self.run_id else [])]
            if self.keys is RESULT_KEYS else [],
            "response": self.response,
            "exit-code": int(self.exit_code),
            **({"runs": [run.to_dict() for run in self.runs]} if self.runs else {}),
        }
        return every if self.keys is RESULT_KEYS else {key: every[key] for key in (*self.keys, "runs") if key in every}

    def fields(self) -> tuple[Field, ...]:
        """Every result key, in RESULT_KEYS order, encoded once for every format. A free-text scalar from a server
        (the workflow's name) is made inert on one line; JSON text is inert JSON (the same value, with `##vso[`,
        `##[` and invisible characters as escapes): no format that carries text as is, and no later step that
        prints it, can find a command in it."""
        from gate.textsafe import inert_json, inert_line

        def text(key: str, value: Any) -> str:
            if isinstance(value, (dict, list)):
                return inert_json(_text(value))
            return inert_line(_text(value)) if key in FREE_TEXT else _text(value)

        return tuple(Field(key, value, text(key, value), isinstance(value, (dict, list)))
                     for key, value in self.to_dict().items())

    def to_strings(self) -> dict[str, str]:
        """Each key as one string, as step outputs and env files want: JSON for lists and objects."""
        return {f.key: f.text for f in self.fields()}

    def to_json(self) -> str:
        """Indented and inert: stdout and the output file may be printed in any CI log."""
        from gate.textsafe import json_text  # here: its patterns cost `--help` 3 ms at import

        return json_text(self.to_dict(), indent=2)
