"""The project's state machine on a ManualClock: no HTTP, no sleeping."""

from __future__ import annotations

import pytest

from gate.emulator import BROKEN_WORKFLOW_ID, MY_DEMO_WORKFLOW_ID, ManualClock, load_scenario
from gate.emulator.model import ApiError
from gate.emulator.operations import get_workflow_run
from gate.emulator.state import EmulatorState


def make_state(clock: ManualClock, scenario: dict | None = None) -> EmulatorState:
    return EmulatorState(scenario=load_scenario(scenario), clock=clock)


def document(state: EmulatorState, run_id: str) -> dict:
    return get_workflow_run(state, {"id": run_id})


def test_a_demo_run_goes_validating_provisioning_in_progress_succeeded(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock)
    run = state.start_run(workflow="MyDemoWorkflow")
    seen = []
    for _ in range(5):
        doc = document(state, run.id)
        seen.append((doc["status"], doc["lastUpdatedTime"][-10:], doc.get("endTime", "")[-10:]))
        manual_clock.advance(1)
    assert seen == [
        ("VALIDATING", "45:00.000Z", ""),
        ("PROVISIONING", "45:01.000Z", ""),
        ("IN_PROGRESS", "45:02.000Z", ""),
        ("IN_PROGRESS", "45:02.000Z", ""),
        ("SUCCEEDED", "45:04.000Z", "45:04.000Z"),
    ]
    assert doc["startTime"] == "2026-11-25T06:45:00.000Z" and doc["statusReasons"] == []
    assert doc["workflowId"] == MY_DEMO_WORKFLOW_ID


def test_a_broken_run_ends_failed_with_reasons(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock)
    run = state.start_run(workflow=BROKEN_WORKFLOW_ID)
    assert document(state, run.id)["statusReasons"] == []
    manual_clock.advance(3)
    doc = document(state, run.id)
    assert (doc["status"], doc["statusReasons"]) == ("FAILED", [{"message": "Action Build failed: exit code 1"}])


def test_history_exists_from_the_start_newest_first_and_finished(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock)
    runs = state.runs(workflow_id=MY_DEMO_WORKFLOW_ID)
    assert len(runs) == 4
    assert [r.started for r in runs] == sorted((r.started for r in runs), reverse=True)
    assert all(r.started < manual_clock() and state.phase(r).ended is not None for r in runs)
    new = state.start_run(workflow="MyDemoWorkflow")
    assert state.runs()[0] == new and len(state.runs()) == 8


def test_the_same_client_token_returns_the_same_run(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock)
    first = state.start_run(workflow="MyDemoWorkflow", client_token="deploy-42")
    manual_clock.advance(10)
    assert state.start_run(workflow="MyDemoWorkflow", client_token="deploy-42") == first
    assert state.start_run(workflow="MyDemoWorkflow") != first
    with pytest.raises(ApiError) as caught:
        state.start_run(workflow="BrokenWorkflow", client_token="deploy-42")
    assert (caught.value.status, caught.value.error_type) == (409, "ConflictException")


def test_the_active_run_quota_is_a_402_until_runs_finish(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock, {"maxActiveRuns": 2})
    state.start_run()
    state.start_run()
    with pytest.raises(ApiError) as caught:
        state.start_run()
    assert (caught.value.status, caught.value.error_type) == (402, "ServiceQuotaExceededException")
    manual_clock.advance(4)
    assert state.start_run()


def test_an_invalid_workflow_cannot_run(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock, {"workflows": [{"name": "Bad", "status": "INVALID"}]})
    with pytest.raises(ApiError) as caught:
        state.start_run(workflow="Bad")
    assert caught.value.error_type == "ConflictException"


def test_unknown_runs_and_workflows_are_404(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock)
    with pytest.raises(ApiError, match="workflow run") as caught:
        state.run("00000000-0000-4000-8000-000000000000")
    assert caught.value.status == 404
    with pytest.raises(ApiError, match="workflow Nope"):
        state.start_run(workflow="Nope")
    with pytest.raises(ApiError):  # by id only, as the API looks workflows up
        state.workflow("MyDemoWorkflow", by_name=False)


def test_start_run_can_pin_the_id_change_the_plan_and_override_fields(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock)
    run = state.start_run(run_id="AAAAAAAA-0000-4000-8000-000000000001", final=None,
                          overrides={"statusReasons": [{"message": "::error::x"}]})
    assert run.id == "aaaaaaaa-0000-4000-8000-000000000001"
    manual_clock.advance(86400)
    doc = document(state, run.id.upper())
    assert (doc["status"], "endTime" in doc, doc["statusReasons"]) == ("IN_PROGRESS", False, [{"message": "::error::x"}])
    quick = state.start_run(timeline=[], final={"status": "CANCELLED", "statusReasons": [{"why": "test"}]})
    assert document(state, quick.id)["status"] == "CANCELLED"
    with pytest.raises(ValueError, match="already exists"):
        state.start_run(run_id=run.id)
    with pytest.raises(ValueError, match="timeline"):
        state.start_run(timeline=[["DONE", 1]])


def test_scenario_runs_exist_from_the_start_with_their_overrides(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock, "hostile")
    doc = document(state, "c0dec47a-0000-4000-8000-00000000bad1")
    assert doc["status"] == "FAILED" and "::set-output" in doc["statusReasons"][0]["message"]


FLAKY = {"workflows": [{"name": "Flaky", "timeline": [["IN_PROGRESS", 2]], "final": "SUCCEEDED",
                        "startedFinals": [{"status": "FAILED", "statusReasons": [{"message": "flaky test"}]},
                                          "FAILED", "SUCCEEDED"]}]}


def test_started_finals_plan_each_started_run_in_order_the_last_repeating(manual_clock: ManualClock) -> None:
    state = make_state(manual_clock, FLAKY)
    first = state.start_run(workflow="Flaky", client_token="attempt-1")
    assert state.start_run(workflow="Flaky", client_token="attempt-1") == first  # found again: no entry used
    runs = [first] + [state.start_run(workflow="Flaky") for _ in range(3)]
    manual_clock.advance(3)
    ends = [(document(state, r.id)["status"], document(state, r.id)["statusReasons"]) for r in runs]
    assert ends == [("FAILED", [{"message": "flaky test"}]), ("FAILED", []), ("SUCCEEDED", []), ("SUCCEEDED", [])]
    assert state.start_run(workflow="Flaky", final="FAILED").plan.final_status == "FAILED"  # a test's own plan wins


def test_started_finals_are_checked_like_a_final(manual_clock: ManualClock) -> None:
    from gate.emulator.checks import ScenarioError

    with pytest.raises(ScenarioError, match=r"\$\.workflows\[0\]\.startedFinals\[1\]\.final\.status"):
        make_state(manual_clock, {"workflows": [{"name": "Flaky", "startedFinals": ["FAILED", "EXPLODED"]}]})
    with pytest.raises(ScenarioError, match=r"startedFinals"):
        make_state(manual_clock, {"workflows": [{"name": "Flaky", "startedFinals": "FAILED"}]})
