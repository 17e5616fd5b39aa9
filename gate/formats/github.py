"""GitHub Actions: step outputs, the step summary, annotations and log groups, all safe from server text.

References: the runner's file commands (`GITHUB_OUTPUT` heredoc form) and workflow commands
(`::name key=value::data`, where data escapes %, CR, LF and properties also ':' and ',').
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from gate.describe import describe_reason, failure_title, format_elapsed
from gate.result import Result
from gate.textsafe import inert_line

_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape_data(text: str) -> str:
    """Workflow-command message text: nothing in it can end the command or start a new line."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str) -> str:
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def new_delimiter(values: list[str]) -> str:
    """A random heredoc delimiter that occurs in none of the values (so none can end its block early)."""
    while True:
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        if not any(delimiter in value for value in values):
            return delimiter


def output_file_text(outputs: dict[str, str]) -> str:
    """Every output in the heredoc form: `name<<DELIM`, the value, `DELIM`."""
    delimiter = new_delimiter(list(outputs.values()))
    return "".join(f"{name}<<{delimiter}\n{value}\n{delimiter}\n" for name, value in outputs.items())


def md(text: Any) -> str:
    """Untrusted text as inert Markdown: one line, every ASCII punctuation character backslash-escaped."""
    return _MD_PUNCTUATION.sub(r"\\\1", inert_line(str(text)))


def step_summary(result: Result) -> str:
    data = result.to_dict()
    icon = {"success": "✅", "failure": "❌", "timeout": "⏱️", "cancelled": "🛑"}.get(result.kind, "⚠️")
    rows = [
        ("Result", md(data["result"])),
        ("Status", md(data["status"] or "unknown")),
        ("Run", f"[{md(data['run-id'])}]({data['run-url']})"),
        ("Space / project", f"{md(data['space'])} / {md(data['project'])}"),
        ("Started", md(data["start-time"] or "")),
        ("Ended", md(data["end-time"] or "")),
        ("Duration", format_elapsed(data["duration-seconds"]) if data["duration-seconds"] is not None else ""),
        ("Polls", str(data["polls"])),
        ("Exit code", str(data["exit-code"])),
    ]
    lines = [f"### {icon} CodeCatalyst workflow run: {md(data['status'] or result.kind)}", "",
             "| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    if data["status-reasons"]:
        lines += ["", "**Status reasons**", "", *(f"- {md(describe_reason(r))}" for r in data["status-reasons"])]
    if result.message and result.kind != "success":
        lines += ["", md(result.message)]
    return "\n".join(lines) + "\n"


def failure_annotation(result: Result) -> str | None:
    if result.kind == "success":
        return None
    data = result.to_dict()
    title = failure_title(result.kind, data["status"])
    # One line per reason (the runner shows %0A as a line break); each reason kept to its one line.
    lines = [inert_line(result.message or title), *(inert_line(describe_reason(r)) for r in data["status-reasons"])]
    return command("error", "\n".join(lines), title=title)
