"""gate.pick.workflows' rules pinned exactly: the errors (field, value, words), the candidates' list, and the run
picks past what test_workflows.py covers (a listing with odd or other items first, a superseded run listed again)."""

from __future__ import annotations

from typing import Any

import pytest

from gate.errors import InputError, InvalidResponse
from gate.pick.workflows import (
    MAX_LISTED,
    follow_pages,
    listed,
    listed_newest_first,
    newest_run,
    pick_workflow,
    superseding_run,
)
from tests.unit.test_workflows import MAIN, OTHER, RUNS, WORKFLOWS, run, wf


def refused(items: list[dict[str, Any]], **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        pick_workflow(items, naming=lambda key: "input 'workflow'" if key == "workflow" else f"--{key}", **kwargs)
    assert caught.value.field == "input 'workflow'" and caught.value.value == kwargs["name"]
    return caught.value


def test_several_matches_name_the_missing_flags_then_the_id() -> None:
    error = refused(WORKFLOWS, name="Deploy")
    assert "3 workflows have this name; pick one with --branch or --repository or the workflow ID: " in str(error)
    error = refused([*WORKFLOWS, wf("Deploy", "c0dec47a-0000-4000-8000-00000000d009")], name="Deploy", branch="main",
                    repository="MyDemoRepo")
    assert ("2 workflows have this name on branch main in repository MyDemoRepo; pick one with the workflow ID: "
            in str(error))
    error = refused(WORKFLOWS + [wf("Deploy", "c0dec47a-0000-4000-8000-00000000d009", "WebsiteRepo")],
                    name="Deploy", repository="WebsiteRepo")
    assert "pick one with --branch or the workflow ID: " in str(error)


def test_no_match_says_so_with_what_there_is() -> None:
    error = refused(WORKFLOWS, name="Deploy", branch="nope")
    assert str(error).startswith("input 'workflow': 'Deploy' is invalid: no workflow has this name on branch nope; "
                                 "workflows of this name: Deploy (repository MyDemoRepo, branch main, id ")
    error = refused(WORKFLOWS, name="deploy")
    assert str(error).startswith("input 'workflow': 'deploy' is invalid: no workflow has this name (names match "
                                 "exactly, case included); the project's workflows: Deploy (repository ")
    assert str(refused([], name="Deploy")) == "input 'workflow': 'Deploy' is invalid: the project has no workflows"


def test_the_candidates_are_listed_up_to_max_listed_then_counted() -> None:
    many = [wf(f"W{n}", f"id{n}") for n in range(MAX_LISTED + 2)]
    assert listed(many[:1]) == "W0 (repository MyDemoRepo, branch main, id id0)"
    assert listed(many[:2]) == ("W0 (repository MyDemoRepo, branch main, id id0); "
                                "W1 (repository MyDemoRepo, branch main, id id1)")
    assert not listed(many[:MAX_LISTED]).endswith("more")
    assert listed(many).endswith("; W19 (repository MyDemoRepo, branch main, id id19); ... and 2 more")


def test_a_listing_that_repeats_a_token_is_named_by_its_operation() -> None:
    with pytest.raises(InvalidResponse, match="^ListWorkflows: the service sent the same nextToken twice"):
        follow_pages(lambda token: {"items": [], "nextToken": "again"})
    with pytest.raises(InvalidResponse, match="^ListWorkflows: still more pages after 3; the listing does not end"):
        follow_pages(lambda token: {"items": [], "nextToken": f"{token}x"}, max_pages=3)


def test_the_newest_run_is_found_past_other_and_unreadable_items() -> None:
    other, unreadable = run(8, "2026-11-30T11:00:00Z", workflow=OTHER), run(9, "2026-11-30T11:00:00")
    assert newest_run([other, unreadable, *RUNS], workflow_id=MAIN)["id"].endswith("5")
    assert newest_run([unreadable, *RUNS])["id"].endswith("5")


def test_the_superseded_run_listed_again_is_never_its_own_successor() -> None:
    superseded = run(2, "2026-11-30T09:00:00.000Z")
    odd = {**superseded, "id": superseded["id"].upper(), "startTime": "2026-11-30T09:30:00Z"}  # a later time: odd
    assert superseding_run([odd], superseded=superseded) is None
    later = run(3, "2026-11-30T09:00:00.001Z")  # a millisecond later is later
    assert superseding_run([odd, later], superseded=superseded) is later
    assert superseding_run([run(4, "2026-11-30T09:00:00Z")], superseded=superseded) is None  # the same time is not
    moved = {**later, "workflowId": MAIN.upper()}  # IDs compare without case
    assert superseding_run([moved], superseded=superseded) is moved


def test_a_superseded_run_without_a_start_time_is_a_bug() -> None:
    with pytest.raises(ValueError, match="^the superseded run has no startTime$"):
        superseding_run(RUNS, superseded={**RUNS[0], "startTime": None})


def test_an_item_that_is_not_a_run_proves_no_order() -> None:
    assert listed_newest_first(RUNS[:2]) is True
    assert listed_newest_first([*RUNS[:2], "not a run"]) is False
