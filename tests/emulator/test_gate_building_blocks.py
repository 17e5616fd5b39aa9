"""Issue 12's pure building blocks composed over real HTTP against the emulator (loopback, port 0): the gate's
client, schemas, workflow choice, clientToken and paging, before the CLI is wired to them."""

from __future__ import annotations

from typing import Any

import pytest

from gate.api import schema
from gate.api.client import CodeCatalystClient
from gate.emulator import DEPLOY_RELEASE_ID, RELEASE_WORKFLOW_ID, Emulator
from gate.emulator.seed import PROJECT, SPACE
from gate.errors import InputError, TransientError
from gate.pick.idempotency import choose_client_token
from gate.pick.workflows import follow_pages, pick_workflow, superseding_run
from gate.report.redact import Redactor

TOKEN = "building-blocks-token"
GITHUB = {"GITHUB_REPOSITORY": "acme/shop", "GITHUB_RUN_ID": "99", "GITHUB_RUN_ATTEMPT": "1",
          "GITHUB_JOB": "deploy", "GITHUB_ACTION": "gate"}


@pytest.fixture
def busy(make_emulator) -> Emulator:
    return make_emulator(scenario="busy", token=TOKEN)


@pytest.fixture
def client(busy: Emulator) -> Any:
    client = CodeCatalystClient(endpoint=busy.base_url, token=TOKEN, env={}, mask=Redactor(TOKEN).text, read_timeout=5)
    yield client
    client.close()


def workflows(client: CodeCatalystClient) -> list[dict[str, Any]]:
    def page(token: str | None) -> Any:
        return schema.validate_list_workflows(client.list_workflows(space=SPACE, project=PROJECT, next_token=token))
    return follow_pages(page)


def runs(client: CodeCatalystClient, workflow_id: str) -> Any:
    # One page (the current client method has no nextToken yet); busy pages are 2 runs, enough here.
    return schema.validate_list_workflow_runs(
        client.list_workflow_runs(space=SPACE, project=PROJECT, workflow_id=workflow_id), workflow_id=workflow_id)


def test_start_by_name_over_small_pages_and_a_lost_answer_makes_one_run(busy: Emulator, client) -> None:
    listed = workflows(client)
    assert len(listed) == 6 and sum(1 for r in busy.requests if r.operation == "ListWorkflows") == 3
    with pytest.raises(InputError, match="3 workflows have this name"):
        pick_workflow(listed, name="Deploy")
    chosen = pick_workflow(listed, name="Deploy", branch="refs/heads/release")
    assert chosen["id"] == DEPLOY_RELEASE_ID
    token = choose_client_token(explicit=None, workflow_id=chosen["id"], env=GITHUB).value
    busy.add_fault({"kind": "drop-connection", "operation": "StartWorkflowRun"})
    with pytest.raises(TransientError):
        client.start_workflow_run(space=SPACE, project=PROJECT, workflow_id=chosen["id"], client_token=token)
    retried = schema.validate_start_workflow_run(
        client.start_workflow_run(space=SPACE, project=PROJECT, workflow_id=chosen["id"], client_token=token),
        space=SPACE, project=PROJECT, workflow_id=chosen["id"])
    again = choose_client_token(explicit=None, workflow_id=chosen["id"], env=GITHUB).value  # a re-run of the step
    assert client.start_workflow_run(space=SPACE, project=PROJECT, workflow_id=chosen["id"],
                                     client_token=again)["id"] == retried["id"]
    assert [r.id for r in busy.state.runs(workflow_id=DEPLOY_RELEASE_ID) if r.client_token] == [retried["id"]]
    next_attempt = choose_client_token(explicit=None, workflow_id=chosen["id"],
                                       env=GITHUB | {"GITHUB_RUN_ATTEMPT": "2"})
    assert client.start_workflow_run(space=SPACE, project=PROJECT, workflow_id=chosen["id"],
                                     client_token=next_attempt.value)["id"] != retried["id"]


def test_a_superseded_run_is_followed_to_the_run_that_replaced_it(busy: Emulator, client, manual_clock) -> None:
    def start(token: str) -> str:
        return client.start_workflow_run(space=SPACE, project=PROJECT, workflow_id=RELEASE_WORKFLOW_ID,
                                         client_token=token)["id"]

    first = start("push-1")
    manual_clock.advance(3)
    second = start("push-2")
    manual_clock.advance(1)
    third = start("push-3")
    doc = schema.validate_response(client.get_workflow_run(space=SPACE, project=PROJECT, run_id=first))
    assert doc["status"] == "SUPERSEDED"
    followed = [first]
    current = doc
    while current["status"] == "SUPERSEDED":
        nxt = superseding_run(runs(client, RELEASE_WORKFLOW_ID)["items"], superseded=current)
        assert nxt is not None
        followed.append(nxt["id"])
        current = client.get_workflow_run(space=SPACE, project=PROJECT, run_id=nxt["id"])
    assert followed == [first, second, third] and current["status"] == "VALIDATING"
    manual_clock.advance(20)
    assert client.get_workflow_run(space=SPACE, project=PROJECT, run_id=third)["status"] == "SUCCEEDED"
