"""Issue 31, end to end: what a newcomer meets after the Quickstart. The gate counts its API calls as the emulator
counts the requests it got; a refused input keeps what was good."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.acceptance.conftest import PROJECT, SPACE, run_gate

pytestmark = pytest.mark.e2e


def operations_seen(emulator) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(str(r.operation) for r in list(emulator.requests))


def test_api_calls_are_the_requests_the_emulator_got_retries_included(start_emulator) -> None:
    # Two throttled polls: each retry is a request of its own, and counted.
    emulator = start_emulator(step=1, scenario={"faults": [
        {"kind": "throttle", "operation": "GetWorkflowRun", "count": 2, "after": 1}]})
    done = run_gate("wait", "--space", SPACE, "--project", PROJECT, "--endpoint", emulator.base_url,
                    "--workflow", "MyDemoWorkflow", "--start", "--interval", "0.1", "--json", jitter=False)
    assert done.returncode == 0, done.stderr
    calls = done.json()["api-calls"]
    seen = operations_seen(emulator)
    assert calls == {"total": sum(seen.values()), **seen}
    assert list(calls) == ["total", "ListWorkflows", "StartWorkflowRun", "GetWorkflowRun", "ListWorkflowRuns"]
    statuses = [r.status for r in list(emulator.requests) if r.operation == "GetWorkflowRun"]
    assert statuses.count(429) == 2, statuses  # the retries are in the count


def test_a_refused_input_keeps_the_good_values_and_made_no_call(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    out = tmp_path / "result.json"
    done = run_gate("wait", "--space", SPACE, "--project", "my project", "--endpoint", emulator.base_url,
                    "--run-id", "c0dec47a-0000-4000-8000-000000000001", "--output-file", str(out))
    assert done.returncode == 2 and "--project: 'my project' is invalid" in done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert (result["space"], result["project"], result["run-id"]) == (SPACE, None, "c0dec47a-0000-4000-8000-000000000001")
    assert result["run-url"] is None  # no project: no page to link to
    assert result["api-calls"] == {"total": 0} and list(emulator.requests) == []
