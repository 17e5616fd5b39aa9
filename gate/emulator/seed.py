"""The state every emulator starts with, written in the scenario format (so it doubles as an example).

Fixed ids, so tests, the demo and docs can name them:

    space ExampleCorp, project MyDemoProject
    MyDemoWorkflow  c0dec47a-0000-4000-8000-000000000001  VALIDATING 1s, PROVISIONING 1s, IN_PROGRESS 2s -> SUCCEEDED
    BrokenWorkflow  c0dec47a-0000-4000-8000-000000000002  VALIDATING 1s, PROVISIONING 1s, IN_PROGRESS 1s -> FAILED
"""

from __future__ import annotations

import uuid
from typing import Any

SPACE = "ExampleCorp"
PROJECT = "MyDemoProject"
MY_DEMO_WORKFLOW_ID = "c0dec47a-0000-4000-8000-000000000001"
BROKEN_WORKFLOW_ID = "c0dec47a-0000-4000-8000-000000000002"
# The pinned runs of the built-in scenarios (see scenario-*.json next to this module).
HOSTILE_WORKFLOW_ID = "c0dec47a-0000-4000-8000-000000000bad"
HOSTILE_RUN_ID = "c0dec47a-0000-4000-8000-00000000bad1"
STUCK_RUN_ID = "c0dec47a-0000-4000-8000-00000000f0e1"
# scenario-busy.json: three workflows named Deploy, and Release whose run mode is SUPERSEDED.
DEPLOY_MAIN_ID = "c0dec47a-0000-4000-8000-00000000d001"  # MyDemoRepo, main
DEPLOY_RELEASE_ID = "c0dec47a-0000-4000-8000-00000000d002"  # MyDemoRepo, release
DEPLOY_WEBSITE_ID = "c0dec47a-0000-4000-8000-00000000d003"  # WebsiteRepo, main
RELEASE_WORKFLOW_ID = "c0dec47a-0000-4000-8000-00000000d5e0"
# Workflows without an "id" get uuid5(NAMESPACE, name); history runs get uuid5(NAMESPACE, "<workflow id>/history/<n>").
NAMESPACE = uuid.UUID("c0dec47a-0000-4000-8000-000000000000")

BUILD_FAILED = {"message": "Action Build failed: exit code 1"}
_HOUR = 3600.0
_DAY = 24 * _HOUR

SEED: dict[str, Any] = {
    "space": SPACE,
    "project": PROJECT,
    "workflows": [
        {
            "name": "MyDemoWorkflow",
            "id": MY_DEMO_WORKFLOW_ID,
            "timeline": [["VALIDATING", 1], ["PROVISIONING", 1], ["IN_PROGRESS", 2]],
            "final": {"status": "SUCCEEDED", "statusReasons": []},
            # As long as its runs (4 s): a run of it takes about as long as usual (median 3.8 s).
            "history": [
                {"status": "SUCCEEDED", "startedAgo": 3 * _HOUR, "duration": 4.3},
                {"status": "FAILED", "startedAgo": 26 * _HOUR, "duration": 2.9,
                 "statusReasons": [{"message": "Action Test failed: 3 of 212 tests failed"}]},
                {"status": "SUCCEEDED", "startedAgo": 2 * _DAY + 1800, "duration": 3.8},
                {"status": "STOPPED", "startedAgo": 4 * _DAY, "duration": 1.5,
                 "statusReasons": [{"message": "Stopped by a user"}]},
            ],
        },
        {
            "name": "BrokenWorkflow",
            "id": BROKEN_WORKFLOW_ID,
            "timeline": [["VALIDATING", 1], ["PROVISIONING", 1], ["IN_PROGRESS", 1]],
            "final": {"status": "FAILED", "statusReasons": [BUILD_FAILED]},
            # A little shorter than its runs (3 s): a run of it is slower than usual (median 2.1 s), as a run that
            # fails later than before would be.
            "history": [
                {"status": "FAILED", "startedAgo": 5 * _HOUR, "duration": 2.1, "statusReasons": [BUILD_FAILED]},
                {"status": "FAILED", "startedAgo": 30 * _HOUR, "duration": 2.4, "statusReasons": [BUILD_FAILED]},
                {"status": "FAILED", "startedAgo": 3 * _DAY, "duration": 1.9, "statusReasons": [BUILD_FAILED]},
            ],
        },
    ],
}


def default_workflow_id(name: str, *, repository: str = "MyDemoRepo", branch: str = "main") -> str:
    """uuid5 of the name; of `name@repository/branch` for a workflow outside MyDemoRepo's main branch."""
    key = name if (repository, branch) == ("MyDemoRepo", "main") else f"{name}@{repository}/{branch}"
    return str(uuid.uuid5(NAMESPACE, key))


def history_run_id(workflow_id: str, index: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{workflow_id}/history/{index}"))
