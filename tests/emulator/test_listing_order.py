"""ListWorkflowRuns in each order the API leaves open (its sortBy criteria have no members): newest first, oldest
first, unordered. Over real HTTP; the paging contract (stable cursors, a token per filter) holds in each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from gate.emulator import MY_DEMO_WORKFLOW_ID, Emulator, ScenarioError, load_scenario
from gate.emulator.command import emulator_command
from gate.emulator.scenario import LISTING_ORDERS
from tests.emulator.conftest import Api, error_of
from tests.emulator.shapes import output_violations

REPO = Path(__file__).resolve().parents[2]
# One workflow, twelve finished runs an hour apart, and nothing else: the listing is all about its order.
TWELVE = {"seed": False, "workflows": [{"name": "Nightly", "history": 12}]}


def read_all(api: Api, *, size: int = 5, params: dict[str, Any] | None = None) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        doc = api.list_runs(params={"maxResults": size, **(params or {})} | ({"nextToken": token} if token else {}))
        assert doc.status_code == 200, doc.text
        assert output_violations("ListWorkflowRuns", doc.json()) == []
        pages.append(doc.json()["items"])
        token = doc.json().get("nextToken")
        if token is None:
            return pages


def starts(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [item["startTime"] for page in pages for item in page]


@pytest.mark.parametrize("order", LISTING_ORDERS)
def test_every_run_once_in_the_order_asked_for(make_emulator, make_api, order: str) -> None:
    api = make_api(make_emulator(scenario={**TWELVE, "listingOrder": order}))
    pages = read_all(api)
    times = starts(pages)
    assert [len(p) for p in pages] == [5, 5, 2] and len({i["id"] for p in pages for i in p}) == 12
    if order == "newest-first":
        assert times == sorted(times, reverse=True)
    elif order == "oldest-first":
        assert times == sorted(times)
    else:  # neither way round, already on the first page
        assert times not in (sorted(times), sorted(times, reverse=True))
        first = times[:5]
        assert first not in (sorted(first), sorted(first, reverse=True))


def test_unordered_is_the_same_listing_every_time_whatever_the_run_ids(make_emulator, make_api) -> None:
    """The shuffle follows creation order, not the (random) ids of runs started at run time."""
    listings = []
    for _ in range(2):
        emulator = make_emulator(scenario={**TWELVE, "listingOrder": "unordered"})
        for ago in (30, 20, 10):
            emulator.start_run(workflow="Nightly", started_ago=ago)  # uuid4 ids: different each time
        listings.append(starts(read_all(make_api(emulator))))
    assert listings[0] == listings[1] and len(listings[0]) == 15


@pytest.mark.parametrize("order", LISTING_ORDERS)
def test_pages_are_stable_while_runs_start_in_every_order(make_emulator, make_api, order: str) -> None:
    emulator = make_emulator(scenario={**TWELVE, "listingOrder": order})
    api = make_api(emulator)
    seen, token = [], None
    while True:
        doc = api.list_runs(params={"maxResults": 5} | ({"nextToken": token} if token else {})).json()
        seen += [item["id"] for item in doc["items"]]
        emulator.start_run(workflow="Nightly")  # lands somewhere in the listing; the pages being read never shift
        token = doc.get("nextToken")
        if token is None:
            break
    history = {r.id for r in emulator.state.runs() if r.seq < 12}
    assert len(seen) == len(set(seen)) and history <= set(seen)


@pytest.mark.parametrize("order", LISTING_ORDERS)
def test_a_token_of_another_listing_or_filter_is_refused_in_every_order(make_emulator, make_api, order: str) -> None:
    api = make_api(make_emulator(listing_order=order))  # the seeded project: two workflows
    token = api.list_runs(params={"maxResults": 1}).json()["nextToken"]
    assert api.list_runs(params={"maxResults": 1, "nextToken": token}).status_code == 200
    other = api.list_runs(params={"maxResults": 1, "nextToken": token, "workflowId": MY_DEMO_WORKFLOW_ID})
    assert error_of(other)[:2] == (400, "ValidationException")
    workflows_token = api.request("POST", "workflows", params={"maxResults": 1}).json()["nextToken"]
    assert error_of(api.list_runs(params={"nextToken": workflows_token}))[:2] == (400, "ValidationException")


def test_the_argument_overrides_the_scenario_and_a_bad_order_is_refused() -> None:
    assert Emulator(scenario={"listingOrder": "unordered"}, listing_order="oldest-first").state.listing_order == \
        "oldest-first"
    assert Emulator(scenario={"listingOrder": "unordered"}).state.listing_order == "unordered"
    assert Emulator().state.listing_order == "newest-first"
    with pytest.raises(ValueError, match="listing_order must be one of newest-first, oldest-first, unordered"):
        Emulator(listing_order="by-name")
    with pytest.raises(ScenarioError, match=r"\$.listingOrder: 'newest' must be one of newest-first"):
        load_scenario({"listingOrder": "newest"})


def test_the_command_line_flag_serves_oldest_first() -> None:
    assert CliRunner().invoke(emulator_command, ["--listing-order", "sideways"]).exit_code == 2
    proc = subprocess.Popen([sys.executable, "-m", "gate.emulator", "--port", "0", "--quiet", "--listing-order",
                             "oldest-first"], cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        with requests.Session() as session:
            doc = session.post(f"{url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns",
                               params={"workflowId": MY_DEMO_WORKFLOW_ID}, headers={"Authorization": "Bearer x"},
                               json={}, timeout=5).json()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    times = [item["startTime"] for item in doc["items"]]
    assert len(times) == 4 and times == sorted(times) and proc.returncode == 0
