"""Checks a document against an output shape of the AWS model itself (tests/spec), strictly:
required members present, no members the shape lacks, enums, lengths, whole-value patterns, timestamps."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

MODEL_FILE = Path(__file__).resolve().parents[1] / "spec" / "codecatalyst-workflows-model.json"
MODEL: dict[str, Any] = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
# What the emulator writes (and the reference page shows): UTC, milliseconds, Z.
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def shape_violations(document: Any, shape_name: str, path: str = "$") -> list[str]:
    shape = MODEL["shapes"][shape_name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(document, dict):
            return [f"{path}: not an object"]
        if not shape["members"]:
            return []  # WorkflowRunStatusReason and the sort criteria: no members modelled yet, any object
        found = [f"{path}.{m}: required member missing" for m in shape.get("required", []) if m not in document]
        for key, value in document.items():
            member = shape["members"].get(key)
            if member is None:
                found.append(f"{path}.{key}: not a member of {shape_name}")
            else:
                found += shape_violations(value, member["shape"], f"{path}.{key}")
        return found
    if kind == "list":
        if not isinstance(document, list):
            return [f"{path}: not a list"]
        found = []
        if len(document) < shape.get("min", 0) or len(document) > shape.get("max", len(document)):
            found.append(f"{path}: list length {len(document)} out of bounds")
        for index, item in enumerate(document):
            found += shape_violations(item, shape["member"]["shape"], f"{path}[{index}]")
        return found
    if kind == "timestamp":
        ok = isinstance(document, str) and TIMESTAMP.fullmatch(document)
        return [] if ok else [f"{path}: {document!r} is not an RFC 3339 UTC timestamp with milliseconds"]
    if kind == "string":
        if not isinstance(document, str):
            return [f"{path}: not a string"]
        if "enum" in shape and document not in shape["enum"]:
            return [f"{path}: {document!r} not in the {shape_name} enum"]
        if len(document) < shape.get("min", 0) or len(document) > shape.get("max", len(document)):
            return [f"{path}: length {len(document)} out of bounds for {shape_name}"]
        if "pattern" in shape and not re.fullmatch(shape["pattern"], document):
            return [f"{path}: {document!r} does not match {shape_name}'s pattern"]
        return []
    if kind == "integer":
        return [] if isinstance(document, int) and not isinstance(document, bool) else [f"{path}: not an integer"]
    raise AssertionError(f"shape type {kind} not handled")


def output_violations(operation: str, document: Any) -> list[str]:
    return shape_violations(document, MODEL["operations"][operation]["output"]["shape"])
