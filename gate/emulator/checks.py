"""Checking hand-written scenario JSON: every complaint names the JSON path of the bad value."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from gate.emulator.model import UUID_PATTERN


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message starts with the JSON path at fault."""


def fail(path: str, message: str) -> ScenarioError:
    return ScenarioError(f"{path}: {message}")


def obj(value: Any, path: str, *, allowed: Iterable[str], required: Iterable[str] = ()) -> dict[str, Any]:
    """A JSON object with no unknown keys (a typo must not be silently ignored)."""
    if not isinstance(value, dict):
        raise fail(path, f"must be a JSON object, got {type(value).__name__}")
    allowed = set(allowed)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise fail(path, f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
    for key in required:
        if key not in value:
            raise fail(path, f"{key!r} is required")
    return value


def fields(value: Any, path: str) -> dict[str, Any]:
    """Free-form document fields (overrides, patches): any keys, any JSON values."""
    if not isinstance(value, dict):
        raise fail(path, f"must be a JSON object of fields, got {type(value).__name__}")
    return value


def text(value: Any, path: str, *, pattern: str | None = None) -> str:
    if not isinstance(value, str) or not value:
        raise fail(path, "must be a non-empty string")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise fail(path, f"{value!r} must match {pattern}")
    return value


def uuid(value: Any, path: str) -> str:
    return text(value, path, pattern=UUID_PATTERN).lower()


def number(value: Any, path: str, *, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise fail(path, "must be a number")
    if value < minimum:
        raise fail(path, f"must be >= {minimum:g}")
    return float(value)


def integer(value: Any, path: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, "must be an integer")
    if value < minimum:
        raise fail(path, f"must be >= {minimum}")
    return value


def choice(value: Any, path: str, options: Iterable[str]) -> str:
    options = tuple(options)
    if value not in options:
        raise fail(path, f"{value!r} must be one of {', '.join(options)}")
    return str(value)


def items(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise fail(path, f"must be a JSON array, got {type(value).__name__}")
    return value


def reasons(value: Any, path: str) -> tuple[dict[str, Any], ...]:
    """statusReasons: the model gives WorkflowRunStatusReason no members, so any objects do."""
    out = []
    for index, reason in enumerate(items(value, path)):
        if not isinstance(reason, dict):
            raise fail(f"{path}[{index}]", "a status reason must be a JSON object, e.g. {\"message\": \"...\"}")
        out.append(reason)
    return tuple(out)
