"""What each workflow-run status means for the gate (pure data and decisions)."""

from __future__ import annotations

from collections.abc import Iterable

from gate.defaults import DEFAULT_SUCCESS_STATUSES
from gate.errors import InputError

TERMINAL_STATUSES = frozenset(
    {"SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED", "CANCELLED", "NOT_RUN", "ABANDONED"}
)
ACTIVE_STATUSES = frozenset({"VALIDATING", "PROVISIONING", "IN_PROGRESS", "STOPPING"})
# The model's enum order, kept for the schema and for messages.
ALL_STATUSES = (
    "SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED", "CANCELLED", "NOT_RUN",
    "VALIDATING", "PROVISIONING", "IN_PROGRESS", "STOPPING", "ABANDONED",
)


def parse_success_statuses(values: Iterable[str], *, field: str = "--success-status") -> frozenset[str]:
    """Split comma/newline lists, upper-case, and insist every entry is a terminal status."""
    statuses: set[str] = set()
    for value in values:
        for item in value.replace("\n", ",").split(","):
            item = item.strip()
            if not item:
                continue
            status = item.upper()
            if status not in TERMINAL_STATUSES:
                raise InputError(
                    field, item, "must be a terminal status: " + ", ".join(sorted(TERMINAL_STATUSES))
                )
            statuses.add(status)
    return frozenset(statuses) or DEFAULT_SUCCESS_STATUSES
