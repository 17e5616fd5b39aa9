"""GitHub Actions: step outputs, the step summary, annotations and log groups, all safe from server text.

References: the runner's file commands (`GITHUB_OUTPUT` heredoc form) and workflow commands
(`::name key=value::data`, where data escapes %, CR, LF and properties also ':' and ',').
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from gate.report.describe import compared, describe_reason, failure_title, format_elapsed
from gate.report.formats import mermaid
from gate.result import Result
from gate.textsafe import inert_line
from gate.verdict import worst_first

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


ICONS = {"success": "✅", "failure": "❌", "timeout": "⏱️", "cancelled": "🛑", "skipped": "⏭️"}


def run_link(data: dict[str, Any]) -> str:
    """The run's ID linked to its console page (the URL is ours, built from validated IDs); empty without one."""
    return f"[{md(data['run-id'])}]({data['run-url']})" if data["run-id"] and data["run-url"] else ""


def timeline(results: list[Result], *, now: datetime | None) -> list[str]:
    """The runs' Mermaid gantt (gate.report.formats.mermaid) under its own heading; nothing when there is nothing
    to draw."""
    block = mermaid.fenced(results, now=now)
    return ["", "**Timeline** (UTC)", "", *block.splitlines()] if block else []


def step_summary(result: Result, *, now: datetime | None = None, gantt: bool = True) -> str:
    """The run (or runs) in Markdown: a table, how long against the usual, the reasons; with `gantt`, a Mermaid
    timeline (GitHub renders it; `now` ends the bar of a run still going)."""
    if result.runs:
        return group_summary(result, now=now, gantt=gantt)
    data = result.to_dict()
    icon = ICONS.get(result.kind, "⚠️")
    rows = [
        ("Result", md(data["result"])),
        ("Status", md(data["status"] or "unknown")),
        ("Run", run_link(data)),
        ("Space / project", " / ".join(md(data[key]) if data[key] else "?" for key in ("space", "project"))
         if data["space"] or data["project"] else ""),  # a refused input keeps the good one of them
        ("Started", md(data["start-time"] or "")),
        ("Ended", md(data["end-time"] or "")),
        ("Duration", format_elapsed(data["duration-seconds"]) if data["duration-seconds"] is not None else ""),
        ("Against usual", md(compared(result))),
        ("Polls", str(data["polls"])),
        ("Exit code", str(data["exit-code"])),
    ]
    lines = [f"### {icon} CodeCatalyst workflow run: {md(data['status'] or result.kind)}", "",
             "| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    if gantt:
        lines += timeline([result], now=now)
    if data["status-reasons"]:
        lines += ["", "**Status reasons**", "", *(f"- {md(describe_reason(r))}" for r in data["status-reasons"])]
    if result.message and result.kind != "success":
        lines += ["", md(result.message)]
    return "\n".join(lines) + "\n"


def group_summary(result: Result, *, now: datetime | None = None, gantt: bool = True) -> str:
    """Several runs: the verdict, then one row per run, the most serious first, and their timeline."""
    lines = [f"### {ICONS.get(result.kind, '⚠️')} CodeCatalyst workflow runs: {md(result.kind)} "
             f"({len(result.runs)} runs, exit code {int(result.exit_code)})", "",
             "| Run | Workflow | Status | Result | Duration | Against usual | Polls |",
             "|---|---|---|---|---|---|---|"]
    for run in worst_first(result.runs):
        data = run.to_dict()
        duration = format_elapsed(data["duration-seconds"]) if data["duration-seconds"] is not None else ""
        workflow = md(data["workflow-name"] or data["workflow-id"] or "")
        lines.append(f"| {run_link(data)} | {workflow} | {md(data['status'] or 'unknown')} | {md(data['result'])} "
                     f"| {duration} | {md(compared(run))} | {data['polls']} |")
    if gantt:
        lines += timeline(worst_first(result.runs), now=now)
    failed = [run for run in worst_first(result.runs) if run.kind != "success" and run.message]
    if failed:
        lines += ["", *(f"- {md(run.run_id)}: {md(run.message)}" for run in failed)]
    return "\n".join(lines) + "\n"


def failure_annotation(result: Result) -> str | None:
    if result.kind == "success":
        return None
    data = result.to_dict()
    title = failure_title(result.kind, data["status"])
    # One line per reason (the runner shows %0A as a line break); each reason kept to its one line.
    lines = [inert_line(result.message or title), *(inert_line(describe_reason(r)) for r in data["status-reasons"])]
    return command("error", "\n".join(lines), title=title)
