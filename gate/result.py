"""The result object: what happened, with the same keys in every output format."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from gate.errors import ExitCode

ResultKind = Literal["success", "failure", "timeout", "error", "cancelled"]

RESULT_KEYS = (
    "result", "status", "run-id", "workflow-id", "space", "project",
    "start-time", "end-time", "last-updated-time", "duration-seconds",
    "status-reasons", "run-url", "polls", "response", "exit-code",
)

CONSOLE_BASE = "https://codecatalyst.aws"


def run_console_url(*, space: str, project: str, workflow_id: str | None, run_id: str) -> str:
    """Best effort: the console's page for a run (it needs the workflow id to be exact)."""
    seg = lambda s: quote(s, safe="")  # noqa: E731
    base = f"{CONSOLE_BASE}/spaces/{seg(space)}/projects/{seg(project)}/ci/workflows"
    if workflow_id:
        return f"{base}/{seg(workflow_id)}/runs/{seg(run_id)}"
    return f"{base}/runs/{seg(run_id)}"


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp from an answer, or None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))  # RFC 3339 allows both
    except ValueError:
        return None


def duration_seconds(start: Any, end: Any) -> float | None:
    started, ended = parse_time(start), parse_time(end)
    if started is None or ended is None:
        return None
    return round((ended - started).total_seconds(), 3)


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
    extras: dict[str, Any] = field(default_factory=dict)

    def _field(self, name: str) -> Any:
        return (self.response or {}).get(name)

    def to_dict(self) -> dict[str, Any]:
        """The result keys with JSON types (null where unknown)."""
        workflow_id = self._field("workflowId")
        reasons = self._field("statusReasons")
        return {
            "result": self.kind,
            "status": self._field("status"),
            "run-id": self.run_id,
            "workflow-id": workflow_id,
            "space": self.space,
            "project": self.project,
            "start-time": self._field("startTime"),
            "end-time": self._field("endTime"),
            "last-updated-time": self._field("lastUpdatedTime"),
            "duration-seconds": duration_seconds(self._field("startTime"), self._field("endTime")),
            "status-reasons": reasons if isinstance(reasons, list) else [],
            "run-url": run_console_url(
                space=self.space, project=self.project, workflow_id=workflow_id, run_id=self.run_id
            ),
            "polls": self.polls,
            "response": self.response,
            "exit-code": int(self.exit_code),
        }

    def to_strings(self) -> dict[str, str]:
        """Each key as one string, as step outputs and env files want: JSON for lists and objects."""
        out: dict[str, str] = {}
        for key, value in self.to_dict().items():
            if value is None:
                out[key] = ""
            elif isinstance(value, (dict, list)):
                out[key] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            elif isinstance(value, float):
                out[key] = str(int(value)) if value.is_integer() else str(value)
            else:
                out[key] = str(value)
        return out

    def to_json(self) -> str:
        """Indented and inert: stdout and the output file may be printed in any CI log."""
        from gate.textsafe import json_text  # here: its patterns cost `--help` 3 ms at import

        return json_text(self.to_dict(), indent=2)
