"""Which workflow and which run (pure): a workflow by name or ID, every page of a listing, the newest run,
and the run that superseded another. Items are schema-checked answers (gate/api/schema.py) before they get here.

No listing order is assumed: runs are compared by startTime, and a run listing is cut short only while the pages
read so far prove it newest first (`started_at_or_before`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from gate.config import fields
from gate.config.validation import UUID_PATTERN
from gate.errors import InputError, InvalidResponse
from gate.timestamps import parse_time

MAX_PAGES = 1000  # 100 000 workflows, 50 000 runs: past this a listing is not ending
MAX_LISTED = 20  # candidates named in an error message; the rest are counted
_UUID = re.compile(UUID_PATTERN)

Item = Mapping[str, Any]


def is_workflow_id(value: str) -> bool:
    """A UUID names a workflow by ID (matched against ListWorkflows, for its name); anything else is a name."""
    return _UUID.fullmatch(value) is not None


def normalize_branch(value: str) -> str:
    """`refs/heads/main` (GitHub's github.ref) and `main` name the same branch."""
    return value.removeprefix("refs/heads/")


def describe(item: Item) -> str:
    return (f"{item.get('name')} (repository {item.get('sourceRepositoryName')}, "
            f"branch {item.get('sourceBranchName')}, id {item.get('id')})")


def listed(items: Sequence[Item]) -> str:
    lines = [describe(i) for i in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(f"... and {len(items) - MAX_LISTED} more")
    return "; ".join(lines)


def pick_workflow(
    items: Iterable[Item],
    *,
    name: str,
    branch: str | None = None,
    repository: str | None = None,
    naming: Callable[[str], str] = fields.CLI,
) -> Item:
    """The one workflow named exactly `name`, narrowed by branch and repository; else an InputError (exit 2,
    nothing started) that lists the candidates so the user can add the missing flag or pass the ID. `naming` words
    a field as the door that received it does."""
    field, flags = naming("workflow"), (naming("branch"), naming("repository"))
    everything = list(items)
    named = [w for w in everything if w.get("name") == name]
    chosen = [w for w in named
              if (branch is None or w.get("sourceBranchName") == normalize_branch(branch))
              and (repository is None or w.get("sourceRepositoryName") == repository)]
    if len(chosen) == 1:
        return chosen[0]
    where = "".join([f" on branch {normalize_branch(branch)}" if branch is not None else "",
                     f" in repository {repository}" if repository is not None else ""])
    if chosen:
        missing = [flag for flag, given in ((flags[0], branch), (flags[1], repository)) if given is None]
        hint = " or ".join([*missing, "the workflow ID"])
        raise InputError(field, name, f"{len(chosen)} workflows have this name{where}; pick one with {hint}: "
                                      f"{listed(chosen)}")
    if named:
        raise InputError(field, name, f"no workflow has this name{where}; workflows of this name: {listed(named)}")
    if everything:
        raise InputError(field, name, f"no workflow has this name (names match exactly, case included); "
                                      f"the project's workflows: {listed(everything)}")
    raise InputError(field, name, "the project has no workflows")


def follow_pages(
    fetch: Callable[[str | None], Item],
    *,
    what: str = "ListWorkflows",
    until: Callable[[Sequence[Any]], bool] | None = None,
    max_pages: int = MAX_PAGES,
    capped: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Every item, page after page: `fetch(next_token)` returns one checked page; the first call gets None.

    `until(items)` sees every item read so far and may stop early. A repeated nextToken is an InvalidResponse
    rather than a loop. After `max_pages` pages with more to come, `capped(pages, items)` hears of it and the
    items read so far are returned; without `capped`, that is an InvalidResponse (a listing that does not end).
    """
    items: list[Any] = []
    token: str | None = None
    seen: set[str] = set()
    for _ in range(max_pages):
        page = fetch(token)
        items.extend(page.get("items") or [])
        token = page.get("nextToken") or None  # an empty token ends the listing, as in botocore
        if token is None or (until is not None and until(items)):
            return items
        if token in seen:
            raise InvalidResponse(f"{what}: the service sent the same nextToken twice; paging would never end")
        seen.add(token)
    if capped is not None:
        capped(max_pages, len(items))
        return items
    raise InvalidResponse(f"{what}: still more pages after {max_pages}; the listing does not end")


def _started(item: Item) -> datetime | None:
    return parse_time(item.get("startTime"))


def newest_run(runs: Iterable[Item], *, since: datetime | None = None, workflow_id: str | None = None) -> Item | None:
    """The run with the latest startTime, optionally started at or after `since`; None while there is none.
    By startTime alone, wherever the listing put it; on a tie (the same millisecond), the one listed first."""
    best: tuple[datetime, Item] | None = None
    for run in runs:
        started = _started(run)
        other = workflow_id is not None and str(run["workflowId"]).lower() != workflow_id.lower()
        if started is None or other:
            continue
        if (since is None or started >= since) and (best is None or started > best[0]):
            best = (started, run)
    return None if best is None else best[1]


def superseding_run(runs: Iterable[Item], *, superseded: Item) -> Item | None:
    """The run that superseded `superseded`: the next run of the same workflow started after it (None while
    it is not listed), by startTime wherever the listing put it. On a tie, the one listed last. Both are checked
    answers (gate.api.schema): the superseded run and each listed one have an id and a workflowId."""
    workflow = str(superseded["workflowId"]).lower()
    run_id = str(superseded["id"]).lower()
    after = _started(superseded)
    if after is None:
        raise ValueError("the superseded run has no startTime")
    best: tuple[datetime, Item] | None = None
    for run in runs:
        started = _started(run)
        if (started is None or started <= after or str(run["workflowId"]).lower() != workflow
                or str(run["id"]).lower() == run_id):
            continue
        if best is None or started <= best[0]:
            best = (started, run)
    return None if best is None else best[1]


def listed_newest_first(items: Sequence[Any]) -> bool:
    """Whether the runs read so far prove a newest-first listing: every startTime readable, none later than the
    one listed before it, and at least two different times among them (one time alone shows no order).

    ListWorkflowRuns documents no order (its sortBy criteria have no members), so this is checked, never assumed.
    """
    times = [_started(i) if isinstance(i, Mapping) else None for i in items]
    if any(t is None for t in times):
        return False
    ordered = [t for t in times if t is not None]
    return len(set(ordered)) >= 2 and all(a >= b for a, b in itertools.pairwise(ordered))


def started_at_or_before(moment: datetime | None) -> Callable[[Sequence[Any]], bool]:
    """An `until` for follow_pages over a run listing: stop once the runs read so far prove newest-first order
    and one of them started at or before `moment` (None: any run). Every run on a later page then started no
    later than that one: none can be newer, started since `moment`, or be the next run after it. While the
    order is not proven, the listing is read on (up to the caller's page cap)."""
    def reached(items: Sequence[Any]) -> bool:
        if not listed_newest_first(items):
            return False
        return any(moment is None or ((started := _started(i)) is not None and started <= moment) for i in items)
    return reached
