"""Picking a workflow by name, following pages, and choosing the newest or the superseding run (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gate.config.validation import parse_since
from gate.errors import ExitCode, InputError, InvalidResponse
from gate.pick.workflows import (
    follow_pages,
    is_workflow_id,
    listed_newest_first,
    newest_run,
    pick_workflow,
    started_at_or_before,
    superseding_run,
)

MAIN = "c0dec47a-0000-4000-8000-00000000d001"
RELEASE = "c0dec47a-0000-4000-8000-00000000d002"
SITE = "c0dec47a-0000-4000-8000-00000000d003"
OTHER = "c0dec47a-0000-4000-8000-000000000001"


def wf(name: str, wid: str, repository: str = "MyDemoRepo", branch: str = "main") -> dict[str, Any]:
    return {"id": wid, "name": name, "sourceRepositoryName": repository, "sourceBranchName": branch}


WORKFLOWS = [wf("Deploy", MAIN), wf("Deploy", RELEASE, branch="release"), wf("Deploy", SITE, "WebsiteRepo"),
             wf("MyDemoWorkflow", OTHER)]


def error(items: list[dict[str, Any]], **kwargs: Any) -> str:
    with pytest.raises(InputError) as caught:
        pick_workflow(items, **kwargs)
    assert caught.value.exit_code == ExitCode.USAGE
    return str(caught.value)


@pytest.mark.parametrize("value", [MAIN, MAIN.upper()])
def test_a_uuid_is_an_id(value: str) -> None:
    assert is_workflow_id(value)


@pytest.mark.parametrize("value", ["Deploy", MAIN + "x", " " + MAIN, MAIN + "\n"])
def test_anything_else_is_a_name(value: str) -> None:
    assert not is_workflow_id(value)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"name": "MyDemoWorkflow"}, OTHER),
    ({"name": "Deploy", "branch": "release"}, RELEASE),
    ({"name": "Deploy", "branch": "refs/heads/release"}, RELEASE),
    ({"name": "Deploy", "repository": "WebsiteRepo"}, SITE),
    ({"name": "Deploy", "repository": "MyDemoRepo", "branch": "main"}, MAIN),
])
def test_one_match_is_picked(kwargs: dict[str, Any], expected: str) -> None:
    assert pick_workflow(WORKFLOWS, **kwargs)["id"] == expected


def test_several_matches_list_every_candidate_and_the_missing_flags() -> None:
    message = error(WORKFLOWS, name="Deploy")
    assert message.startswith("--workflow: 'Deploy' is invalid: 3 workflows have this name; pick one with "
                              "--branch or --repository or the workflow ID: ")
    for line in (f"Deploy (repository MyDemoRepo, branch main, id {MAIN})",
                 f"Deploy (repository MyDemoRepo, branch release, id {RELEASE})",
                 f"Deploy (repository WebsiteRepo, branch main, id {SITE})"):
        assert line in message
    narrowed = error(WORKFLOWS, name="Deploy", branch="main", naming=str)
    assert "2 workflows have this name on branch main; pick one with repository or the workflow ID" in narrowed
    assert RELEASE not in narrowed


def test_no_match_lists_the_same_name_elsewhere_or_every_workflow() -> None:
    elsewhere = error(WORKFLOWS, name="Deploy", branch="dev", repository="MyDemoRepo")
    assert "no workflow has this name on branch dev in repository MyDemoRepo; workflows of this name: " in elsewhere
    assert SITE in elsewhere and OTHER not in elsewhere
    unknown = error(WORKFLOWS, name="deploy")
    assert "names match exactly, case included" in unknown and OTHER in unknown and MAIN in unknown
    assert error([], name="Deploy").endswith("the project has no workflows")


def test_a_long_candidate_list_is_cut() -> None:
    many = [wf("Deploy", f"c0dec47a-0000-4000-8000-{i:012d}", branch=f"b{i}") for i in range(25)]
    message = error(many, name="Deploy")
    assert "... and 5 more" in message and "b19" in message and "b20," not in message


def pages(*contents: tuple[list[Any], str | None]) -> tuple[Any, list[str | None]]:
    asked: list[str | None] = []
    by_token = {None if i == 0 else f"t{i}": c for i, c in enumerate(contents)}

    def fetch(token: str | None) -> dict[str, Any]:
        asked.append(token)
        items, next_token = by_token[token]
        return {"items": items} | ({} if next_token is None else {"nextToken": next_token})

    return fetch, asked


def test_follow_pages_to_the_last_one() -> None:
    fetch, asked = pages(([1, 2], "t1"), ([3, 4], "t2"), ([5], None))
    assert follow_pages(fetch) == [1, 2, 3, 4, 5] and asked == [None, "t1", "t2"]


def test_empty_pages_missing_items_and_an_empty_token() -> None:
    assert follow_pages(lambda token: {"nextToken": "t1"} if token is None else {"items": [1], "nextToken": ""}) == [1]


def test_until_stops_early() -> None:
    fetch, asked = pages(([1, 2], "t1"), ([3, 4], "t2"), ([5], None))
    assert follow_pages(fetch, until=lambda items: 3 in items) == [1, 2, 3, 4] and asked == [None, "t1"]


def test_a_repeated_token_or_endless_pages_are_invalid_responses() -> None:
    with pytest.raises(InvalidResponse, match="ListWorkflowRuns: the service sent the same nextToken twice"):
        follow_pages(lambda token: {"items": [], "nextToken": "again"}, what="ListWorkflowRuns")
    counter = iter(range(10**6))
    with pytest.raises(InvalidResponse, match="still more pages after 3"):
        follow_pages(lambda token: {"nextToken": str(next(counter))}, max_pages=3)


def run(rid: int, start: str, workflow: str = MAIN, status: str = "SUCCEEDED") -> dict[str, Any]:
    return {"id": f"c0dec47a-0000-4000-8000-{rid:012d}", "workflowId": workflow, "status": status,
            "startTime": start}


RUNS = [  # newest first, as listed
    run(5, "2026-11-30T09:10:00.000Z"),
    run(4, "2026-11-30T10:05:00.000+01:00", workflow=OTHER),  # 09:05Z, another workflow
    run(3, "2026-11-30T09:05:00.000Z"),
    run(2, "2026-11-30T09:00:00.000Z"),
    run(1, "2026-11-30T08:00:00.000Z"),
]


def test_newest_run_by_start_time_and_since() -> None:
    assert newest_run(RUNS)["id"].endswith("5")
    assert newest_run(list(reversed(RUNS)))["id"].endswith("5")  # by startTime, not by position
    assert newest_run(RUNS, since=parse_since("2026-11-30T09:10:00Z"))["id"].endswith("5")  # at or after
    assert newest_run(RUNS, since=parse_since("2026-11-30T10:10:00.001+01:00")) is None
    assert newest_run(RUNS[1:], workflow_id=OTHER.upper())["id"].endswith("4")
    assert newest_run(RUNS[2:], workflow_id=OTHER) is None and newest_run([]) is None


def test_an_empty_first_page_does_not_end_the_look_for_the_newest_run() -> None:
    """The service may answer a page with no items and a nextToken: the newest run is on the first page with runs."""
    run = {"id": "a1b2c3d4-5678-90ab-cdef-000000000001", "workflowId": "w", "startTime": "2026-11-30T09:00:00Z"}
    pages = {None: {"items": [], "nextToken": "p2"}, "p2": {"items": [run], "nextToken": "p3"}, "p3": {"items": []}}
    assert follow_pages(lambda token: pages[token], until=bool) == [run]


def test_newest_run_ties_go_to_the_first_listed() -> None:
    tied = [run(7, "2026-11-30T09:00:00.000Z"), run(6, "2026-11-30T09:00:00Z")]
    assert newest_run(tied)["id"].endswith("7")


def test_the_superseding_run_is_the_next_of_the_same_workflow() -> None:
    assert superseding_run(RUNS, superseded=RUNS[3])["id"].endswith("3")  # not 5, not the other workflow's 4
    assert superseding_run(RUNS, superseded=RUNS[2])["id"].endswith("5")
    assert superseding_run(RUNS, superseded=RUNS[0]) is None  # not listed yet: keep looking
    tied = [run(9, "2026-11-30T09:20:00.000Z"), run(8, "2026-11-30T09:20:00.000Z"), RUNS[0]]
    assert superseding_run(tied, superseded=RUNS[0])["id"].endswith("8")


def test_started_at_or_before_stops_only_a_listing_proven_newest_first() -> None:
    reached = started_at_or_before(parse_since("2026-11-30T09:00:00Z"))
    assert not reached(RUNS[:3]) and reached(RUNS[:4]) and not reached([])
    assert not reached(RUNS[3:4])  # one run proves no order, even one started before the moment
    assert not reached(list(reversed(RUNS)))  # oldest first: the first run started long before, and proves nothing
    assert started_at_or_before(None)(RUNS[:2]) and not started_at_or_before(None)(RUNS[:1])


@pytest.mark.parametrize(("items", "proven"), [
    (RUNS, True),  # equal times side by side are still newest first
    (RUNS[:1], False),  # one run
    ([run(1, "2026-11-30T09:00:00Z"), run(2, "2026-11-30T09:00:00.000Z")], False),  # one time
    (list(reversed(RUNS)), False),
    (RUNS[:2] + [run(9, "2026-11-30T09:30:00Z")], False),  # newest first until the third
    (RUNS[:2] + [{"id": "x", "workflowId": MAIN}], False),  # a run without its startTime proves nothing
    ([], False),
])
def test_listed_newest_first_checks_every_run_read(items: list[dict[str, Any]], proven: bool) -> None:
    assert listed_newest_first(items) is proven


# Ten runs of MAIN a minute apart (R0 oldest, R9 newest), listed in each order the API leaves open.
TEN = [run(i, f"2026-11-30T09:{i:02d}:00.000Z") for i in range(10)]
ORDERS = {
    "newest-first": TEN[::-1],
    "oldest-first": TEN,
    "unordered": [TEN[i] for i in (3, 7, 1, 9, 0, 5, 8, 2, 6, 4)],
}


def listing(items: list[dict[str, Any]], size: int = 3) -> tuple[Any, list[str | None]]:
    """`items` in pages of `size`, as follow_pages fetches them."""
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    return pages(*[(chunk, f"t{n + 1}" if n + 1 < len(chunks) else None) for n, chunk in enumerate(chunks)])


@pytest.mark.parametrize("order", ORDERS)
def test_the_newest_run_whatever_the_listing_order(order: str) -> None:
    fetch, asked = listing(ORDERS[order])
    runs = follow_pages(fetch, until=started_at_or_before(None), what="ListWorkflowRuns")
    assert newest_run(runs, workflow_id=MAIN) == TEN[9]
    assert len(asked) == (1 if order == "newest-first" else 4)  # cut short only when the pages prove the order


@pytest.mark.parametrize("order", ORDERS)
def test_the_newest_run_since_whatever_the_listing_order(order: str) -> None:
    since = parse_since("2026-11-30T09:06:30Z")
    fetch, asked = listing(ORDERS[order])
    runs = follow_pages(fetch, until=started_at_or_before(since), what="ListWorkflowRuns")
    assert newest_run(runs, since=since) == TEN[9]
    assert len(asked) == (2 if order == "newest-first" else 4)  # R6, started before `since`, is on page 2


@pytest.mark.parametrize("order", ORDERS)
def test_the_superseding_run_whatever_the_listing_order(order: str) -> None:
    superseded = TEN[4]
    fetch, asked = listing(ORDERS[order])
    runs = follow_pages(fetch, until=started_at_or_before(parse_since(superseded["startTime"])))
    assert superseding_run(runs, superseded=superseded) == TEN[5]
    assert len(asked) == (2 if order == "newest-first" else 4)


def test_a_listing_newest_first_at_first_and_not_after_is_read_to_the_end() -> None:
    mixed = [TEN[6], TEN[5], TEN[4], TEN[9], TEN[3], TEN[2], TEN[8], TEN[1], TEN[0], TEN[7]]
    fetch, asked = listing(mixed, size=2)
    runs = follow_pages(fetch, until=started_at_or_before(parse_since("2026-11-30T09:04:30Z")))
    assert newest_run(runs) == TEN[9] and len(asked) == 5  # page 1 looked newest first; page 2 says otherwise


def test_the_page_cap_returns_what_was_read_and_says_so() -> None:
    heard: list[tuple[int, int]] = []
    fetch, asked = listing(ORDERS["oldest-first"], size=2)
    runs = follow_pages(fetch, until=started_at_or_before(None), max_pages=3,
                        capped=lambda pages, items: heard.append((pages, items)))
    assert runs == TEN[:6] and heard == [(3, 6)] and len(asked) == 3
    assert newest_run(runs) == TEN[5]  # the best the pages read allow; the cap was told
    fetch, _ = listing(ORDERS["newest-first"], size=2)
    follow_pages(fetch, until=started_at_or_before(None), max_pages=3, capped=lambda *_: heard.append((0, 0)))
    assert heard == [(3, 6)]  # proven newest first: stopped on page 1, no cap reached


@pytest.mark.parametrize("value", ["2026-11-30T09:00:00Z", "2026-11-30T10:00:00+01:00", "2026-11-30t09:00:00z",
                                   "2026-11-30T09:00:00.5Z", " 2026-11-30T09:00:00Z"])
def test_since_accepts_rfc_3339(value: str) -> None:
    assert parse_since(value) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC).replace(
        microsecond=500000 if ".5" in value else 0)


@pytest.mark.parametrize("value", ["2026-11-30T09:00:00", "2026-11-30", "yesterday", "1764493200",
                                   "2026-11-30T09:00Z"])
def test_since_refuses_anything_else_naming_the_field(value: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_since(value, field="since")
    assert str(caught.value).startswith(f"since: {value!r} is invalid: must be an RFC 3339 time with a UTC offset")
