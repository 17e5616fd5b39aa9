"""What the AWS model (codecatalyst-2022-09-28) says about the wire of the five workflow operations.

Kept as data so one test can compare it with the model file itself (tests/spec/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME_PATTERN = r"[a-zA-Z0-9]+(?:[-_\.][a-zA-Z0-9]+)*"
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

# The model's error structures and their httpStatusCode.
ERROR_STATUS = {
    "ValidationException": 400,
    "ServiceQuotaExceededException": 402,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ConflictException": 409,
    "ThrottlingException": 429,
}
# WorkflowRunStatus, in the model's order.
RUN_STATUSES = (
    "SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED", "CANCELLED", "NOT_RUN",
    "VALIDATING", "PROVISIONING", "IN_PROGRESS", "STOPPING", "ABANDONED",
)
TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED", "CANCELLED", "NOT_RUN", "ABANDONED"})
ACTIVE_STATUSES = frozenset(RUN_STATUSES) - TERMINAL_STATUSES
WORKFLOW_STATUSES = ("INVALID", "ACTIVE")
RUN_MODES = ("QUEUED", "PARALLEL", "SUPERSEDED")


class ApiError(Exception):
    """An answer in the rest-json error shape: x-amzn-ErrorType header, body {"message": ...}."""

    def __init__(self, error_type: str, message: str, *, status: int | None = None,
                 headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status if status is not None else ERROR_STATUS[error_type]
        self.headers = headers


@dataclass(frozen=True)
class Rule:
    """A string member's constraints. Patterns must match the *whole* value."""

    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None

    def problem(self, value: str) -> str | None:
        """Why `value` breaks the rule (in the service's words), or None."""
        if self.min_length is not None and len(value) < self.min_length:
            return f"Member must have length greater than or equal to {self.min_length}"
        if self.max_length is not None and len(value) > self.max_length:
            return f"Member must have length less than or equal to {self.max_length}"
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            return f"Member must satisfy regular expression pattern: {self.pattern}"
        return None


NAME = Rule(NAME_PATTERN, 3, 63)  # NameString
LOOSE_NAME = Rule(NAME_PATTERN, 1)  # the per-request *SpaceNameString / *ProjectNameString shapes
UUID = Rule(UUID_PATTERN)
NEXT_TOKEN = Rule(None, 1, 2048)
CLIENT_TOKEN = Rule(NAME_PATTERN, 1, 64)

_PROJECT = "/v1/spaces/{spaceName}/projects/{projectName}"


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    uri: dict[str, Rule]
    query: dict[str, Rule] = field(default_factory=dict)
    required_query: tuple[str, ...] = ()
    max_results: int | None = None  # the maxResults query member's maximum, if the operation has one
    body_members: tuple[str, ...] = ()

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/"))


OPERATIONS = (
    Operation("ListWorkflows", "POST", _PROJECT + "/workflows",
              uri={"spaceName": LOOSE_NAME, "projectName": NAME},
              query={"nextToken": NEXT_TOKEN}, max_results=100, body_members=("sortBy",)),
    Operation("GetWorkflow", "GET", _PROJECT + "/workflows/{id}",
              uri={"spaceName": NAME, "projectName": LOOSE_NAME, "id": UUID}),
    Operation("StartWorkflowRun", "PUT", _PROJECT + "/workflowRuns",
              uri={"spaceName": LOOSE_NAME, "projectName": LOOSE_NAME},
              query={"workflowId": UUID}, required_query=("workflowId",), body_members=("clientToken",)),
    Operation("GetWorkflowRun", "GET", _PROJECT + "/workflowRuns/{id}",
              uri={"spaceName": NAME, "projectName": LOOSE_NAME, "id": UUID}),
    Operation("ListWorkflowRuns", "POST", _PROJECT + "/workflowRuns",
              uri={"spaceName": NAME, "projectName": LOOSE_NAME},
              query={"workflowId": UUID, "nextToken": NEXT_TOKEN}, max_results=50, body_members=("sortBy",)),
)
OPERATION_NAMES = tuple(op.name for op in OPERATIONS)
