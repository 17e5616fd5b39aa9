"""ListWorkflowRuns documents no order (its sortBy criteria have no members): `--latest`, `--latest --since` and
`--follow-superseded` pick the right run whether the service lists runs newest first, oldest first or in no order,
end to end against the emulator over loopback. A listing is cut short only when its pages prove newest-first order.
"""

from __future__ import annotations

from typing import Any

import pytest

from gate.emulator import Emulator, rfc3339
from gate.emulator.operations import list_workflow_runs
from gate.emulator.scenario import LISTING_ORDERS
from tests.acceptance.test_pick_e2e import calls, pick_args, run_gate

pytestmark = pytest.mark.e2e

NIGHTLY_ID = "c0dec47a-0000-4000-8000-0000000a1001"
NEWEST_ID = "c0dec47a-0000-4000-8000-0000000a10ff"
RELEASE_ID = "c0dec47a-0000-4000-8000-0000000a2001"
HOUR = 3600


def nightly(order: str) -> dict[str, Any]:
    """Nine runs that FAILED, an hour apart, and the newest run, ten minutes old, that SUCCEEDED; pages of 2."""
    return {
        "seed": False, "pageSize": 2, "listingOrder": order,
        "workflows": [{"name": "Nightly", "id": NIGHTLY_ID, "final": "FAILED",
                       "history": [{"status": "FAILED", "startedAgo": (n + 1) * HOUR, "duration": 60}
                                   for n in range(9)]}],
        "runs": [{"id": NEWEST_ID, "workflow": "Nightly", "startedAgo": 600, "final": "SUCCEEDED"}],
    }


def first_page(emulator: Emulator, workflow_id: str) -> list[str]:
    """The start times on the listing's first page, as the gate will see it."""
    return [i["startTime"] for i in list_workflow_runs(emulator.state, {"workflowId": workflow_id})["items"]]


def listed_pages(emulator: Emulator, workflow_id: str) -> int:
    runs = len(emulator.state.runs(workflow_id=workflow_id))
    return -(-runs // emulator.state.page_size)  # type: ignore[operator]


def check_the_listing_is_in(order: str, emulator: Emulator, workflow_id: str, newest_id: str) -> None:
    """What each order means here, so a test never passes because the listing happened to suit the gate."""
    page = first_page(emulator, workflow_id)
    ids = [i["id"] for i in list_workflow_runs(emulator.state, {"workflowId": workflow_id})["items"]]
    if order == "newest-first":
        assert page == sorted(page, reverse=True) and ids[0] == newest_id
    else:  # the newest run is not on the first page, and the first page is not newest first
        assert newest_id not in ids and page != sorted(page, reverse=True)


@pytest.mark.parametrize("order", LISTING_ORDERS)
def test_latest_takes_the_newest_run_in_every_listing_order(start_emulator, order: str) -> None:
    emulator = start_emulator(scenario=nightly(order), step=1)
    check_the_listing_is_in(order, emulator, NIGHTLY_ID, NEWEST_ID)
    done = run_gate(*pick_args(emulator, "--workflow", "Nightly", "--latest"))
    assert done.returncode == 0, done.stderr  # an older run, FAILED, would be exit 1
    assert (done.json()["run-id"], done.json()["status"]) == (NEWEST_ID, "SUCCEEDED")
    pages = len(calls(emulator, "ListWorkflowRuns"))
    if order == "newest-first":
        assert pages == 1  # the first page proves the order and holds the newest run: no need to read on
    else:
        assert pages == listed_pages(emulator, NIGHTLY_ID) == 5


@pytest.mark.parametrize("order", LISTING_ORDERS)
def test_latest_since_takes_the_newest_run_since_in_every_listing_order(start_emulator, order: str) -> None:
    emulator = start_emulator(scenario=nightly(order), step=1)
    check_the_listing_is_in(order, emulator, NIGHTLY_ID, NEWEST_ID)
    since = rfc3339(emulator.clock() - 4.5 * HOUR)  # four runs that FAILED, then the newest, started since
    done = run_gate(*pick_args(emulator, "--workflow", "Nightly", "--latest", "--since", since, "--timeout", "5"))
    assert done.returncode == 0, done.stderr  # not a timeout for want of a run started since
    assert done.json()["run-id"] == NEWEST_ID
    pages = len(calls(emulator, "ListWorkflowRuns"))
    if order == "newest-first":
        assert pages == 3  # until the run started 5 hours ago, on page 3: the rest is older
    else:
        assert pages == 5
    assert "the cap" not in done.stderr


def release(order: str) -> dict[str, Any]:
    """Release supersedes older runs when a new one starts; eight past runs, so the listing has pages."""
    return {
        "seed": False, "pageSize": 2, "listingOrder": order,
        "workflows": [{"name": "Release", "id": RELEASE_ID, "runMode": "SUPERSEDED",
                       "timeline": [["VALIDATING", 1], ["IN_PROGRESS", 8]], "final": "SUCCEEDED",
                       "history": [{"status": "SUCCEEDED", "startedAgo": (n + 1) * HOUR} for n in range(8)]}],
    }


@pytest.mark.parametrize("order", LISTING_ORDERS)
def test_follow_superseded_finds_each_successor_in_every_listing_order(start_emulator, order: str) -> None:
    emulator = start_emulator(scenario=release(order), step=1)
    first, second, third = (emulator.start_run(workflow="Release", started_ago=ago) for ago in (3, 2, 1))
    if order != "newest-first":  # the successors are not where a newest-first reader would look first
        check_the_listing_is_in(order, emulator, RELEASE_ID, third.id)
    done = run_gate(*pick_args(emulator, "--run-id", first.id, "--follow-superseded", "--timeout", "10"))
    assert done.returncode == 0, done.stderr
    result = done.json()
    assert (result["run-id"], result["followed"], result["status"]) == (third.id, [first.id, second.id], "SUCCEEDED")
    lists = len(calls(emulator, "ListWorkflowRuns"))
    # Newest first: pages 1-2 to reach the first run, page 1 (which holds the second) for the second; else every page;
    # and one more, the workflow's history for its usual duration (issue 22), once for the three runs.
    assert lists == 1 + (3 if order == "newest-first" else 2 * listed_pages(emulator, RELEASE_ID))


def test_a_listing_that_never_proves_its_order_is_read_up_to_the_page_cap_and_the_log_says_so(start_emulator) -> None:
    """Pages of one run, oldest first, 101 runs: the newest is on page 101, past the cap of 100 pages."""
    from gate.defaults import MAX_RUN_PAGES

    scenario = nightly("oldest-first") | {"pageSize": 1}
    scenario["workflows"][0]["history"] = [{"status": "FAILED", "startedAgo": (n + 1) * HOUR, "duration": 60}
                                           for n in range(MAX_RUN_PAGES)]
    emulator = start_emulator(scenario=scenario)
    done = run_gate(*pick_args(emulator, "--workflow", "Nightly", "--latest"))
    assert len(calls(emulator, "ListWorkflowRuns")) == MAX_RUN_PAGES == 100
    assert (f"ListWorkflowRuns: read {MAX_RUN_PAGES} pages ({MAX_RUN_PAGES} runs), the cap, without them proving "
            "newest-first order; choosing among the runs read") in done.stderr
    assert done.returncode == 1 and done.json()["run-id"] != NEWEST_ID  # the newest of the runs read: told, not hidden
    assert done.json()["start-time"] == rfc3339(emulator.clock() - HOUR)
