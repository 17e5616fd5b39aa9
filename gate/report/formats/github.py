"""GitHub Actions: step outputs, the step summary, annotations and log groups, all safe from server text.

References: the runner's file commands (`GITHUB_OUTPUT` heredoc form) and workflow commands
(`::name key=value::data`, where data escapes %, CR, LF and properties also ':' and ',').
"""

from __future__ import annotations

import secrets
from datetime import datetime

from gate.report.describe import failure_title
from gate.report.formats import markdown, mermaid
from gate.report.summary import failure_lines, summarize
from gate.result import Result
from gate.verdict import worst_first


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


def timeline(results: list[Result], *, now: datetime | None) -> list[str]:
    """The runs' Mermaid gantt (gate.report.formats.mermaid) under its own heading; nothing when there is nothing
    to draw."""
    block = mermaid.fenced(results, now=now)
    return ["", "**Timeline** (UTC)", "", *block.splitlines()] if block else []


def step_summary(result: Result, *, now: datetime | None = None, gantt: bool = True) -> str:
    """The run (or runs) in Markdown (gate.report.formats.markdown); with `gantt`, a Mermaid timeline under the table
    (GitHub renders it; `now` ends the bar of a run still going)."""
    lines = timeline(worst_first(result.runs) if result.runs else [result], now=now) if gantt else []
    return markdown.render(summarize(result), timeline=lines)


def failure_annotation(result: Result) -> str | None:
    """An error annotation naming each run that did not pass, its workflow and what it came to, with its reasons
    (a line each: the runner shows %0A as a line break)."""
    if result.kind == "success":
        return None
    summary = summarize(result)
    return command("error", "\n".join(failure_lines(summary)),
                   title=failure_title(summary.kind, summary.decisive.status))
