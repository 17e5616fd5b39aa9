"""The workflow's history for the adaptive policy: one ListWorkflowRuns call, read loosely, any failure none."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from gate.api.client import CodeCatalystClient
from gate.api.history import History, durations_from, fetch_history, item_duration
from gate.api.operations import Api
from gate.config.settings import Project, RetrySettings, RunChoice, Settings
from gate.errors import Cancelled
from gate.pace.policy import TAIL, PollContext
from gate.pace.retry import RetryPolicy
from gate.report.display import PlainDisplay
from gate.report.redact import Redactor
from gate.runref import RunRef
from gate.wait.names import WorkflowNames
from gate.wait.policies import LearnsHistory
from gate.wait.watch import workflow_policies
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, WORKFLOW_ID, FakeClock, RecordingProgress, run_document
from tests.loopkit import Reader, drive

ENDPOINT = "https://codecatalyst.global.api.aws"
LIST_URL = f"{ENDPOINT}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns"
OTHER_WORKFLOW = "a1b2c3d4-5678-90ab-cdef-333333333333"
OTHER_RUN = "a1b2c3d4-5678-90ab-cdef-444444444444"


def past_run(seconds: float, *, status: str = "SUCCEEDED", number: int = 0, **overrides: Any) -> dict[str, Any]:
    minute, second = divmod(seconds, 60)
    item = {"id": f"a1b2c3d4-5678-90ab-cdef-{number:012d}", "workflowId": WORKFLOW_ID, "workflowName": "Build",
            "status": status, "startTime": "2026-11-25T09:00:00.000Z",
            "endTime": f"2026-11-25T09:{int(minute):02d}:{second:06.3f}Z",
            "lastUpdatedTime": "2026-11-25T09:59:00.000Z"}
    item.update(overrides)
    return item


@pytest.fixture
def client() -> CodeCatalystClient:
    return CodeCatalystClient(endpoint=ENDPOINT, token=TOKEN, env={}, mask=Redactor(TOKEN).text)


def fetch(client: CodeCatalystClient) -> History:
    return fetch_history(client, space=SPACE, project=PROJECT, workflow_id=WORKFLOW_ID, run_id=RUN_ID)


@responses.activate
def test_one_call_for_one_page_of_the_workflow_newest_first(client: CodeCatalystClient) -> None:
    responses.post(LIST_URL, json={"items": [past_run(300), past_run(330.5, status="FAILED"), past_run(290)]},
                   match=[matchers.query_param_matcher({"workflowId": WORKFLOW_ID, "maxResults": "50"})])
    history = fetch(client)
    assert history.durations == (300.0, 330.5, 290.0)
    assert history.durations and history.note == ""
    assert len(responses.calls) == 1


@pytest.mark.parametrize("item", [
    "not an object",
    past_run(300, status="IN_PROGRESS"),  # not over
    past_run(300, status="STOPPED"),  # someone stepped in: says nothing about the workflow
    past_run(300, status="CANCELLED"),
    past_run(300, workflowId=OTHER_WORKFLOW),
    past_run(300, id=RUN_ID.upper()),  # the run the gate waits on
    past_run(300, endTime=None),
    past_run(300, endTime="yesterday"),
    past_run(300, endTime="2026-11-25T09:05:00"),  # no zone: not a point in time
    past_run(300, startTime="2026-11-25T09:10:00.000Z"),  # ends before it starts
    past_run(300, endTime="2026-12-25T09:00:00.000Z"),  # a month: a clock error, not a duration
    past_run(300, startTime=12345),
])
def test_items_that_are_not_finished_runs_of_this_workflow_are_skipped(item: Any) -> None:
    assert item_duration(item, workflow_id=WORKFLOW_ID, run_id=RUN_ID) is None
    history = durations_from({"items": [item, past_run(120)]}, workflow_id=WORKFLOW_ID, run_id=RUN_ID)
    assert history.durations == (120.0,)


def test_none_of_the_runs_gated_together_is_history() -> None:  # issue 22: one that just ended is no usual
    others = ["a1b2c3d4-5678-90ab-cdef-000000000001", "a1b2c3d4-5678-90ab-cdef-000000000002"]
    items = [past_run(30, id=others[1].upper()), past_run(40, id=others[0]), past_run(300), past_run(50, id=RUN_ID)]
    assert durations_from({"items": items}, workflow_id=WORKFLOW_ID, run_id=(RUN_ID, *others)).durations == (300.0,)
    assert durations_from({"items": items}, workflow_id=WORKFLOW_ID, run_id=RUN_ID).durations == (30.0, 40.0, 300.0)


def test_a_lowercase_z_is_utc_too() -> None:  # RFC 3339 allows "z"
    item = past_run(300, startTime="2026-11-25T09:00:00.000z", endTime="2026-11-25T09:05:00.000z")
    assert item_duration(item, workflow_id=WORKFLOW_ID, run_id=RUN_ID) == 300.0


@responses.activate
def test_the_history_call_never_outlasts_the_deadline(client: CodeCatalystClient) -> None:
    responses.post(LIST_URL, json={"items": []})
    fetch_history(client, space=SPACE, project=PROJECT, workflow_id=WORKFLOW_ID, run_id=RUN_ID, remaining=2.5)
    fetch_history(client, space=SPACE, project=PROJECT, workflow_id=WORKFLOW_ID, run_id=RUN_ID)
    assert [call.request.req_kwargs["timeout"] for call in responses.calls] == [(2.5, 2.5), (5.0, 30.0)]  # 30 s: the whole request (transport)


@responses.activate
def test_the_loader_tells_the_user_what_it_learned(client: CodeCatalystClient) -> None:
    responses.post(LIST_URL, json={"items": [past_run(120, number=1), past_run(300, number=2)]})
    progress = RecordingProgress()
    settings = Settings(command="wait", run=RunChoice(run_ids=(RUN_ID,)),
                        project=Project(space=SPACE, project=PROJECT, endpoint=ENDPOINT, token=TOKEN))
    policies = workflow_policies(settings, Api(client, space=SPACE, project=PROJECT), [RunRef(RUN_ID)], progress)
    policy = policies.for_workflow(WORKFLOW_ID)
    assert isinstance(policy, LearnsHistory)
    policy(PollContext(elapsed=1.0, polls=1, status="IN_PROGRESS", workflow_id=WORKFLOW_ID))
    assert policy.history is not None and policy.history.durations == (120.0, 300.0)
    assert progress.events == [("history", (2, ""))]


class NamedHistory(RecordingProgress):
    """Records which workflow each history note names, in order with the notes."""

    def history_learned(self, *, durations: Any, note: str, workflow: str | None = None) -> None:
        self.events.append(("history", (len(durations), workflow)))


@responses.activate
def test_with_runs_gated_by_id_the_history_note_names_the_workflow_getworkflow_named(
        client: CodeCatalystClient) -> None:
    """The history may be learned before the loop asked the workflow's name: it is asked then, once, and told
    first, so the note names the workflow and never its ID."""
    responses.post(LIST_URL, json={"items": [past_run(120, number=1)]})
    progress, asked = NamedHistory(), []

    def lookup(workflow_id: str) -> dict[str, Any]:
        asked.append(workflow_id)
        return {"name": "Deploy"}

    names = WorkflowNames(lookup, progress=progress)
    settings = Settings(command="wait", run=RunChoice(run_ids=(RUN_ID, OTHER_RUN)),
                        project=Project(space=SPACE, project=PROJECT, endpoint=ENDPOINT, token=TOKEN))
    policies = workflow_policies(settings, Api(client, space=SPACE, project=PROJECT), [RunRef(RUN_ID),
                                 RunRef(OTHER_RUN)], progress, names=names)
    policies.for_workflow(WORKFLOW_ID)(PollContext(elapsed=1.0, polls=1, status="IN_PROGRESS",
                                                   workflow_id=WORKFLOW_ID))
    assert progress.events[-2:] == [("note", f"workflow {WORKFLOW_ID} is Deploy"), ("history", (1, "Deploy"))]
    assert names.name(WORKFLOW_ID) == "Deploy" and asked == [WORKFLOW_ID]  # the loop's own ask: no second call


@pytest.mark.parametrize(("answer", "note"), [
    ({"json": {"items": []}}, "no finished runs"),
    ({"json": {"items": "many"}}, "no items list"),
    ({"json": ["items"]}, "no items list"),
    ({"body": "<html>gateway</html>"}, "InvalidResponse"),
    ({"status": 403, "json": {"message": "no rights"}, "headers": {"x-amzn-ErrorType": "AccessDeniedException"}},
     "refused: HTTP 403 AccessDeniedException"),
    ({"status": 429, "json": {"message": "slow down"}}, "TransientError"),
    ({"status": 503, "body": ""}, "TransientError"),
    ({"body": requests.ConnectionError("refused")}, "TransientError"),
])
@responses.activate
def test_missing_refused_or_malformed_history_is_no_history(client: CodeCatalystClient, answer: dict[str, Any],
                                                             note: str) -> None:
    responses.post(LIST_URL, **answer)
    history = fetch(client)
    assert history.durations == ()
    assert note in history.note
    assert len(responses.calls) == 1  # never retried: history is not worth more of the shared quota


@responses.activate
def test_the_token_never_leaves_in_a_note(client: CodeCatalystClient) -> None:
    """The note keeps what the server said; the token is masked where the note is printed (the display)."""
    responses.post(LIST_URL, status=403, json={"message": f"bad token {TOKEN}"},
                   headers={"x-amzn-ErrorType": f"AccessDenied{TOKEN}"})
    history = fetch(client)
    assert history.note.startswith("ListWorkflowRuns refused: HTTP 403")
    log = io.StringIO()
    PlainDisplay(redactor=Redactor(TOKEN), clock=FakeClock(), stream=log).history_learned(durations=(),
                                                                                      note=history.note)
    assert "ListWorkflowRuns refused: HTTP 403 AccessDenied***" in log.getvalue()
    assert TOKEN not in log.getvalue()


def test_a_signal_during_the_history_call_still_stops_the_gate() -> None:
    class Interrupted:
        def list_workflow_runs(self, **_: Any) -> Any:
            raise Cancelled("SIGTERM")

    with pytest.raises(Cancelled):
        fetch_history(Interrupted(), space=SPACE, project=PROJECT, workflow_id=WORKFLOW_ID, run_id=RUN_ID)


class Loads:
    """A history loader that counts its calls."""

    def __init__(self, history: History) -> None:
        self.history, self.asked, self.budgets = history, [], []

    def __call__(self, workflow_id: str, remaining: float | None) -> History:
        self.asked.append(workflow_id)
        self.budgets.append(remaining)
        return self.history


def context(age: float, *, workflow_id: str | None = WORKFLOW_ID) -> PollContext:
    return PollContext(elapsed=age, polls=1, status="IN_PROGRESS", run_age=age, workflow_id=workflow_id)


def test_history_is_loaded_once_for_the_whole_wait() -> None:
    load = Loads(History(tuple(600.0 + i for i in range(20))))
    policy = LearnsHistory(load)
    for age in (1.0, 30.0, 300.0, 600.0):
        policy(context(age))
    assert load.asked == [WORKFLOW_ID]


def test_no_workflow_id_means_no_history_call() -> None:
    load = Loads(History((600.0,) * 20))
    policy = LearnsHistory(load)
    assert policy(context(600.0, workflow_id=None)) == TAIL
    assert load.asked == []
    assert policy.history is not None and "no workflowId" in policy.history.note


RUN_START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # run_document's startTime


def wait(answers: list[dict[str, Any]], load: Loads, clock: FakeClock) -> Any:
    fetches, gate_start = iter(answers), clock.t
    [result] = drive([RUN_ID], Reader(lambda _run_id, _remaining: next(fetches)), policy=LearnsHistory(load),
                     success_statuses=frozenset({"SUCCEEDED"}), timeout=3600.0,
                     retry=RetryPolicy(settings=RetrySettings(), floor=1.0), clock=clock,
                     utc_now=lambda: RUN_START + timedelta(seconds=clock.t - gate_start))
    return result


def test_a_run_over_on_the_first_poll_costs_no_history_call(clock: FakeClock) -> None:
    load = Loads(History((600.0,) * 20))
    result = wait([run_document("SUCCEEDED")], load, clock)
    assert (result.kind, result.polls) == ("success", 1)
    assert load.asked == [] and clock.sleeps == []


def test_the_real_loop_asks_for_history_once(clock: FakeClock) -> None:
    load = Loads(History((), "ListWorkflowRuns refused: HTTP 403 AccessDeniedException"))
    result = wait([run_document("IN_PROGRESS")] * 5 + [run_document("FAILED")], load, clock)
    assert (result.kind, result.polls) == ("failure", 6)
    assert load.asked == [WORKFLOW_ID]
    assert load.budgets == [3600.0]  # the history call is bounded by the gate's deadline, like every poll
    # Refused history: the gate still waits, densely in the run's first seconds (the floor + a fifth of its age).
    assert clock.sleeps == [1.0, 1.2, 1.4, 1.7, 2.1]
