"""`--latest` never passes silently on a stale run (issue 20): the picker takes `--since` from the CI system when none
is given, a stated one always wins, and where no time is known a run that ended before the gate started is told as
such (a warning, and the result's `stale`). A fake listing, the fake clock: no network, no sleeping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gate.api.operations import Api
from gate.clock import Deadline
from gate.config import fields
from gate.config.settings import RetrySettings
from gate.errors import DeadlineExceeded, ExitCode
from gate.pace.pacing import Pacing
from gate.pace.policy import FixedInterval
from gate.pace.retry import RetryPolicy
from gate.pick.picker import Picker
from gate.result import Result
from gate.timestamps import ended_before, parse_rfc3339
from gate.wait.policies import WorkflowPolicies
from tests.conftest import PROJECT, SPACE, WORKFLOW_ID, FakeClock, RecordingProgress, run_document

GATE_BEGAN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WORKFLOW = {"id": WORKFLOW_ID, "name": "Deploy"}


def summary(number: int, start: datetime, end: datetime | None) -> dict[str, Any]:
    item = {"id": f"a1b2c3d4-5678-90ab-cdef-{number:012d}", "workflowId": WORKFLOW_ID, "workflowName": "Deploy",
            "status": "SUCCEEDED" if end else "IN_PROGRESS", "startTime": start.isoformat(),
            "lastUpdatedTime": (end or start).isoformat()}
    return item | ({"endTime": end.isoformat()} if end else {})


OLD = summary(1, GATE_BEGAN - timedelta(minutes=30), GATE_BEGAN - timedelta(minutes=25))  # ended before the gate
RUNNING = summary(2, GATE_BEGAN - timedelta(minutes=2), None)
FRESH = summary(3, GATE_BEGAN + timedelta(seconds=40), None)  # appears on the third look


class Listing:
    """ListWorkflowRuns, one page: `runs` at first, then `later` from the `after`-th call on."""

    def __init__(self, runs: list[dict[str, Any]], later: list[dict[str, Any]] | None = None, after: int = 3):
        self.runs, self.later, self.after, self.calls = runs, later, after, 0

    def list_workflow_runs(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        return {"items": self.later if self.later is not None and self.calls >= self.after else self.runs}


def picker(listing: Listing, clock: FakeClock, progress: RecordingProgress, env: dict[str, str]) -> Picker:
    pacing = Pacing(clock=clock, deadline=Deadline(clock, 60), retry=RetryPolicy(settings=RetrySettings(), floor=1),
                    progress=progress, utc_now=lambda: GATE_BEGAN)
    api = Api(listing, space=SPACE, project=PROJECT)  # type: ignore[arg-type]
    return Picker(api=api, pacing=pacing, policy=FixedInterval(10), env=env)


def notes(progress: RecordingProgress, kind: str = "note") -> list[str]:
    return [text for event, text in progress.events if event == kind]


def github_push(tmp_path: Path, pushed: datetime) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"pushed_at": int(pushed.timestamp())}}), encoding="utf-8")
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(event)}


def test_at_a_terminal_a_run_that_ended_before_the_gate_is_taken_and_told(clock, progress) -> None:
    picked = picker(Listing([OLD]), clock, progress, {}).latest(WORKFLOW, since=None)
    assert picked.run_id == OLD["id"] and picked.stale_if_ended_before == GATE_BEGAN
    [warning] = notes(progress, "warning")
    assert warning == (f"run {OLD['id']} ended at {OLD['endTime']}, before this gate started "
                       "(2026-11-30T09:00:00+00:00); with no --since given and none known from CI, it may be an "
                       "earlier run than the one to wait for: give --since to wait for a run started after that time")
    assert not any(n.startswith(("since", "no since")) for n in notes(progress))  # outside CI, nothing to say


def test_a_run_still_going_is_not_stale_and_no_warning(clock, progress) -> None:
    picked = picker(Listing([OLD, RUNNING]), clock, progress, {}).latest(WORKFLOW, since=None)
    assert picked.run_id == RUNNING["id"] and notes(progress, "warning") == []
    assert picked.stale_if_ended_before == GATE_BEGAN  # the result judges by the run's own end, when it comes


def test_in_ci_the_push_time_stands_in_for_since_and_the_old_run_is_not_taken(clock, progress, tmp_path) -> None:
    env = github_push(tmp_path, GATE_BEGAN - timedelta(seconds=30))
    listing = Listing([OLD, RUNNING], later=[OLD, RUNNING, FRESH])
    picked = picker(listing, clock, progress, env).latest(WORKFLOW, since=None)
    assert picked.run_id == FRESH["id"] and picked.stale_if_ended_before is None and listing.calls == 3
    assert clock.sleeps == [10, 10]  # looked again, paced by the poll policy, until the push's run appeared
    assert notes(progress)[0] == ("since 2026-11-30T08:58:30+00:00: GitHub's push event (repository.pushed_at) "
                                  "2026-11-30T08:59:30+00:00, less 60 s for clock skew")
    assert notes(progress, "warning") == []


def test_in_ci_without_a_new_run_the_deadline_comes_rather_than_a_stale_pass(clock, progress, tmp_path) -> None:
    env = github_push(tmp_path, GATE_BEGAN)
    with pytest.raises(DeadlineExceeded, match="no run of workflow Deploy started since 2026-11-30T08:59:00"):
        picker(Listing([OLD, RUNNING]), clock, progress, env).latest(WORKFLOW, since=None)


def test_a_stated_since_always_wins_over_the_ci_time(clock, progress, tmp_path) -> None:
    env = github_push(tmp_path, GATE_BEGAN)
    picked = picker(Listing([OLD]), clock, progress, env).latest(
        WORKFLOW, since=parse_rfc3339("2026-11-30T08:00:00Z"), naming=fields.ACTION)
    assert picked.run_id == OLD["id"] and picked.stale_if_ended_before is None
    assert notes(progress)[0] == "since 2026-11-30T08:00:00+00:00: given by input 'since'"
    assert notes(progress, "warning") == []  # the user said which runs count


def test_in_ci_without_a_time_the_log_says_why_and_a_stale_run_is_told(clock, progress) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule", "GITHUB_EVENT_PATH": "/nonexistent"}
    picked = picker(Listing([OLD]), clock, progress, env).latest(WORKFLOW, since=None)
    assert notes(progress)[0] == "no since known: GitHub Actions, but its schedule event carries no time of this pipeline"
    assert picked.stale_if_ended_before == GATE_BEGAN and len(notes(progress, "warning")) == 1


@pytest.mark.parametrize(("end", "before", "stale"), [
    ("2026-11-30T08:59:59.999Z", GATE_BEGAN, True),
    ("2026-11-30T09:00:00.000Z", GATE_BEGAN, False),  # ended as the gate started: not before it
    ("2026-11-30T10:00:00+01:00", GATE_BEGAN, False),
    ("2026-11-30T08:00:00Z", None, False),  # a since was known, or the run was not picked as the newest
    (None, GATE_BEGAN, False),  # still going, or no answer
])
def test_the_result_s_stale_key(end: str | None, before: datetime | None, stale: bool) -> None:
    document = run_document("SUCCEEDED", endTime=end) if end else run_document("IN_PROGRESS")
    result = Result(kind="success", exit_code=ExitCode.SUCCESS, space=SPACE, project=PROJECT,
                    run_id=document["id"], response=document, stale_if_ended_before=before)
    assert result.to_dict()["stale"] is stale and result.to_strings()["stale"] == ("true" if stale else "false")
    assert list(result.to_dict()).index("stale") == list(result.to_dict()).index("followed") + 1


def test_ended_before_needs_two_known_zoned_times() -> None:
    assert ended_before("2026-11-30T08:59:59Z", GATE_BEGAN) and not ended_before("2026-11-30T09:00:00Z", GATE_BEGAN)
    assert not ended_before("2026-11-30T08:00:00", GATE_BEGAN)  # no offset: not a time to compare
    assert not ended_before(None, GATE_BEGAN) and not ended_before("2026-11-30T08:00:00Z", None)


def test_the_listing_a_run_was_picked_from_gives_its_usual_duration_at_no_call(clock, progress) -> None:
    """Issue 31: a run over before the gate started is compared with the runs the pick listed, not 'no history'."""
    earlier = [summary(10 + n, GATE_BEGAN - timedelta(hours=n + 1), GATE_BEGAN - timedelta(hours=n + 1) +
                       timedelta(seconds=60 * (n + 2))) for n in range(3)]  # 2, 3 and 4 minutes
    listing = Listing([OLD, RUNNING, *earlier])
    picked = picker(listing, clock, progress, {}).latest(WORKFLOW, since=None)
    assert picked.run_id == RUNNING["id"] and picked.listed == (300.0, 120.0, 180.0, 240.0) and listing.calls == 1
    book = WorkflowPolicies(listed={WORKFLOW_ID.upper(): picked.listed})
    usual = book.usual(WORKFLOW_ID)
    assert usual is not None and (usual.median_seconds, usual.count) == (210.0, 4) and book.usual_note(WORKFLOW_ID) == ""
    book.history(WORKFLOW_ID, None)  # a history learned while polling wins over the listing (here: none, no loader)
    assert book.usual(WORKFLOW_ID) is None
    assert book.usual_note(WORKFLOW_ID) == "not compared: no history to compare with"
    nothing = WorkflowPolicies(listed={WORKFLOW_ID: ()})
    assert nothing.usual_note(WORKFLOW_ID) == "not compared: no finished runs in the workflow's history"
