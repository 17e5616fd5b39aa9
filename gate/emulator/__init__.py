"""A local emulator of Amazon CodeCatalyst's workflow-run API (stdlib only), for tests, demos and trials.

    from gate.emulator import Emulator, MY_DEMO_WORKFLOW_ID
    with Emulator(token="t") as emu:
        run = emu.start_run(workflow="MyDemoWorkflow")
        # GET {emu.base_url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns/{run.id}

See README.md in this package for the scenario format and the faults it can inject.
"""

from __future__ import annotations

from gate.emulator.checks import ScenarioError
from gate.emulator.clock import ManualClock, rfc3339
from gate.emulator.faults import Fault
from gate.emulator.ratelimit import RateLimit
from gate.emulator.scenario import BUILTIN_SCENARIOS, Scenario, load_scenario
from gate.emulator.seed import (
    BROKEN_WORKFLOW_ID,
    DEPLOY_MAIN_ID,
    DEPLOY_RELEASE_ID,
    DEPLOY_WEBSITE_ID,
    HOSTILE_RUN_ID,
    HOSTILE_WORKFLOW_ID,
    MY_DEMO_WORKFLOW_ID,
    PROJECT,
    RELEASE_WORKFLOW_ID,
    SPACE,
    STUCK_RUN_ID,
)
from gate.emulator.server import Emulator, RequestRecord

__all__ = [
    "BROKEN_WORKFLOW_ID", "BUILTIN_SCENARIOS", "DEPLOY_MAIN_ID", "DEPLOY_RELEASE_ID", "DEPLOY_WEBSITE_ID",
    "HOSTILE_RUN_ID", "HOSTILE_WORKFLOW_ID", "MY_DEMO_WORKFLOW_ID", "PROJECT", "RELEASE_WORKFLOW_ID", "SPACE",
    "STUCK_RUN_ID", "Emulator", "Fault", "ManualClock", "RateLimit", "RequestRecord", "Scenario", "ScenarioError",
    "load_scenario", "rfc3339",
]
