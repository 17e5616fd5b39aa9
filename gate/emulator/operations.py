"""The five operations over the emulated project: a checked Call in, a response document out."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from typing import Any

from gate.emulator.documents import Run, run_document, run_summary, start_document, workflow_document, workflow_summary
from gate.emulator.model import ApiError
from gate.emulator.scenario import DEFAULT_PAGE_SIZE
from gate.emulator.state import EmulatorState
from gate.emulator.wire import Call

TOKEN_PREFIX = "v1 "


def encode_token(cursor: dict[str, Any]) -> str:
    """Opaque to clients, like the service's: standard base64 JSON after a version and a space, so a token holds
    a space and often `+`, `/` and `=`, and only a client that percent-encodes them as the SDKs do keeps its place."""
    return TOKEN_PREFIX + base64.b64encode(json.dumps(cursor, separators=(",", ":")).encode()).decode()


def decode_token(token: str, *, kind: str, scope: str | None) -> dict[str, Any]:
    """A token only works for the listing (and filter) that issued it."""
    try:
        if not token.startswith(TOKEN_PREFIX):
            raise ValueError("not one of ours")
        cursor = json.loads(base64.b64decode(token.removeprefix(TOKEN_PREFIX), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        cursor = None
    if not isinstance(cursor, dict) or cursor.get("kind") != kind or cursor.get("scope") != scope:
        raise ApiError("ValidationException", "The nextToken is not valid for this request.")
    return cursor


def _page_size(state: EmulatorState, params: dict[str, Any]) -> int:
    """maxResults is only an upper bound: like the service, a page may hold fewer (the scenario's pageSize)."""
    size: int = params.get("maxResults", DEFAULT_PAGE_SIZE)
    return size if state.page_size is None else min(size, state.page_size)


def list_workflows(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    """By name (then repository, branch); the model's sortBy criteria have no members: nothing to choose."""
    workflows = sorted(state.scenario.workflows, key=lambda w: (w.name, w.source_repository, w.source_branch, w.id))
    offset = 0
    if "nextToken" in params:
        offset = decode_token(params["nextToken"], kind="workflows", scope=None).get("offset", 0)
        if not isinstance(offset, int) or offset < 0:
            raise ApiError("ValidationException", "The nextToken is not valid for this request.")
    size = _page_size(state, params)
    page = workflows[offset:offset + size]
    answer: dict[str, Any] = {"items": [workflow_summary(w, epoch=state.epoch) for w in page]}
    if offset + size < len(workflows):
        answer["nextToken"] = encode_token({"kind": "workflows", "scope": None, "offset": offset + size})
    return answer


def get_workflow(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    workflow = state.workflow(params["id"], by_name=False)
    return workflow_document(workflow, space=state.space, project=state.project, epoch=state.epoch)


def start_workflow_run(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    run = state.start_run(workflow=params["workflowId"], client_token=params.get("clientToken"), by_name=False)
    return start_document(run, space=state.space, project=state.project)


def get_workflow_run(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    run = state.run(params["id"])
    workflow = state.workflow(run.workflow_id, by_name=False)
    return run_document(run, state.phase(run), workflow, space=state.space, project=state.project)


def listing_key(run: Run, order: str) -> list[Any]:
    """Where a run sits in a ListWorkflowRuns listing, which is ascending by this key. Unordered is a fixed shuffle
    by creation order (not by id, which is random), so a test sees the same listing every time."""
    if order == "oldest-first":
        return [run.started, run.seq]
    if order == "unordered":
        return [hashlib.sha256(f"listing/{run.seq}".encode()).hexdigest()]
    return [-run.started, -run.seq]


def _cursor(token: str, *, scope: str | None, order: str) -> list[Any]:
    """The listing key a runs token carries: two numbers, or one string for the unordered listing."""
    after = decode_token(token, kind="runs", scope=scope).get("after")
    if not isinstance(after, list):
        raise ApiError("ValidationException", "The nextToken is not valid for this request.")
    if order == "unordered":
        valid = len(after) == 1 and isinstance(after[0], str)
    else:
        valid = len(after) == 2 and all(isinstance(x, int | float) and not isinstance(x, bool) for x in after)
    if not valid:
        raise ApiError("ValidationException", "The nextToken is not valid for this request.")
    return after


def list_workflow_runs(state: EmulatorState, params: dict[str, Any]) -> dict[str, Any]:
    """In the state's listing order (newest first unless told otherwise). The cursor is the listing key of the
    last run returned, so runs started meanwhile never shift a page."""
    workflow_id = params.get("workflowId")
    if workflow_id is not None:
        workflow_id = state.workflow(workflow_id, by_name=False).id
    order = state.listing_order
    runs = sorted(state.runs(workflow_id=workflow_id), key=lambda r: listing_key(r, order))
    if "nextToken" in params:
        after = _cursor(params["nextToken"], scope=workflow_id, order=order)
        runs = [r for r in runs if listing_key(r, order) > after]
    size = _page_size(state, params)
    page = runs[:size]
    items = [run_summary(r, state.phase(r), state.workflow(r.workflow_id, by_name=False)) for r in page]
    answer: dict[str, Any] = {"items": items}
    if len(runs) > size:
        answer["nextToken"] = encode_token({"kind": "runs", "scope": workflow_id,
                                            "after": listing_key(page[-1], order)})
    return answer


HANDLERS: dict[str, Callable[[EmulatorState, dict[str, Any]], dict[str, Any]]] = {
    "ListWorkflows": list_workflows,
    "GetWorkflow": get_workflow,
    "StartWorkflowRun": start_workflow_run,
    "GetWorkflowRun": get_workflow_run,
    "ListWorkflowRuns": list_workflow_runs,
}


def dispatch(state: EmulatorState, call: Call) -> dict[str, Any]:
    state.check_project(space=call.params["spaceName"], project=call.params["projectName"])
    return HANDLERS[call.operation](state, call.params)
