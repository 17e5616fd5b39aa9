"""Shared test doubles: a fake clock that records sleeps, a progress that records events."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

TOKEN = "ccpat-SECRET-token-0123456789abcdef"
SPACE = "ExampleCorp"
PROJECT = "MyDemoProject"
RUN_ID = "a1b2c3d4-5678-90ab-cdef-222222222222"
WORKFLOW_ID = "a1b2c3d4-5678-90ab-cdef-111111111111"


def run_document(status: str = "SUCCEEDED", **overrides: Any) -> dict[str, Any]:
    """A valid GetWorkflowRun answer for the run the tests ask about."""
    doc: dict[str, Any] = {
        "spaceName": SPACE,
        "projectName": PROJECT,
        "id": RUN_ID,
        "workflowId": WORKFLOW_ID,
        "status": status,
        "statusReasons": [],
        "startTime": "2026-11-25T10:00:00.000Z",
        "lastUpdatedTime": "2026-11-25T10:03:25.500Z",
    }
    if status in {"SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED", "CANCELLED", "NOT_RUN", "ABANDONED"}:
        doc["endTime"] = "2026-11-25T10:03:25.500Z"
    doc.update(overrides)
    return doc


WORKFLOW_NAME = "MyDemoWorkflow"
# Any GetWorkflow request (GET .../workflows/{id}): gated by run ID, the gate reads its workflow's name.
GET_WORKFLOW_URL = re.compile(r"^https?://[^/]+/v1/spaces/[^/]+/projects/[^/]+/workflows/[^/?]+$")


def workflow_document(**overrides: Any) -> dict[str, Any]:
    """A valid GetWorkflow answer for the workflow of the run the tests ask about."""
    return {"spaceName": SPACE, "projectName": PROJECT, "id": WORKFLOW_ID, "name": WORKFLOW_NAME,
            "sourceRepositoryName": "MyDemoRepo", "sourceBranchName": "main",
            "definition": {"path": ".codecatalyst/workflows/MyDemoWorkflow.yaml"},
            "createdTime": "2026-10-01T09:00:00.000Z", "lastUpdatedTime": "2026-10-01T09:00:00.000Z",
            "runMode": "PARALLEL", "status": "ACTIVE", **overrides}


def answer_get_workflow(mock: Any, **overrides: Any) -> None:
    """A `responses` mock answers GetWorkflow (the name lookup of a gate by run ID) with `workflow_document()`."""
    mock.get(GET_WORKFLOW_URL, json=workflow_document(**overrides))


@dataclass
class FakeClock:
    """Monotonic time that only moves when the code under test sleeps."""

    t: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.t += max(0.0, seconds)


@dataclass
class RecordingProgress:
    events: list[tuple[str, Any]] = field(default_factory=list)

    def status_changed(self, *, status: str, elapsed: float, run_id: str | None = None,
                       workflow: str | None = None) -> None:
        self.events.append(("status", status) if run_id is None else ("status", status, run_id))

    def polled(self, *, elapsed: float, next_delay: float) -> None:
        self.events.append(("polled", next_delay))

    def retrying(self, *, reason: str, attempt: int, delay: float, elapsed: float) -> None:
        self.events.append(("retry", reason))

    def history_learned(self, *, durations: Any, note: str, workflow: str | None = None) -> None:
        self.events.append(("history", (len(durations), note)))


    def note(self, text: str) -> None:
        self.events.append(("note", text))

    def warning(self, text: str) -> None:
        self.events.append(("warning", text))

    def finished(self, result: Any) -> None:
        self.events.append(("finished", result.kind))


@pytest.fixture(scope="session")
def mmdc() -> str:
    """Mermaid's renderer (tests/render and the timeline e2e), installed once by scripts/render/ensure-mermaid.sh
    and cached; where that is impossible every test that needs it skips with the reason."""
    from tests.render.mermaid_cli import ensure_mmdc

    path, why = ensure_mmdc()
    if path is None:
        pytest.skip(f"Mermaid's renderer cannot be installed here: {why}")
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def progress() -> RecordingProgress:
    return RecordingProgress()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `posix` need what Windows lacks (signals sent from outside, FIFOs, file modes, a pty, a POSIX
    shell): skipped there, with the reason (the CI matrix runs the rest on Windows)."""
    if sys.platform != "win32":
        return
    skip = pytest.mark.skip(reason="needs a POSIX system (marked posix)")
    for item in items:
        if item.get_closest_marker("posix"):
            item.add_marker(skip)
