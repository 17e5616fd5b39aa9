"""The summary in Markdown (gate.report.summary laid out), for GitHub's step summary and Azure's summary tab.

One table of facts, each said once: the heading says the status, or what the run came to when that says more (a
timeout, an error), and no row repeats it. Every value is escaped (`md`): a server's text can neither break the
table nor make a link, a heading or HTML. The run's link is ours, built from validated IDs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from gate.report.describe import format_elapsed
from gate.report.summary import RunSummary, Summary
from gate.textsafe import inert_line

_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
ICONS = {"success": "✅", "failure": "❌", "timeout": "⏱️", "cancelled": "🛑", "skipped": "⏭️"}


def md(text: Any) -> str:
    """Untrusted text as inert Markdown: one line, every ASCII punctuation character backslash-escaped."""
    return _MD_PUNCTUATION.sub(r"\\\1", inert_line(str(text)))


def link(run: RunSummary) -> str:
    """The run's ID linked to its console page; empty without one."""
    return f"[{md(run.run_id)}]({run.url})" if run.run_id and run.url else ""


def _duration(seconds: float | None) -> str:
    return format_elapsed(seconds) if seconds is not None else ""


def _rows(summary: Summary, run: RunSummary) -> list[tuple[str, str]]:
    """The one run's facts that the heading does not say: which run always, the rest when known."""
    rows = [("Result", md(run.kind))]
    if run.status and not run.names_status:
        rows.append(("Status", md(run.status)))
    rows += [("Run", link(run)), *([("Workflow", md(run.workflow))] if run.workflow else []),
             ("Space / project", " / ".join(md(part) if part else "?" for part in (summary.space, summary.project))
              if summary.space or summary.project else "")]  # a refused input keeps the good one of them
    known = [("Started", md(run.start_time or "")), ("Ended", md(run.end_time or "")),
             ("Duration", _duration(run.duration)), ("Against usual", md(run.compared() or "")),
             *((md(label), md(value)) for label, value in run.facts)]
    return [*rows, *((name, value) for name, value in known if value),
            ("Polls", str(run.polls)), ("Exit code", str(run.exit_code))]


def _why(run: RunSummary, *, indent: str = "") -> list[str]:
    """What the heading or the status does not say yet: the rest of the message, the reasons."""
    lines = [f"{indent}- {md(line)}" for line in run.details]
    lines += [f"{indent}- {md(reason)}" for reason in run.reasons]
    if run.more_line:
        lines.append(f"{indent}- {md(run.more_line)}")
    return lines


def one_run(summary: Summary, *, timeline: Sequence[str] = ()) -> str:
    run = summary.decisive
    lines = [f"### {ICONS.get(run.kind, '⚠️')} CodeCatalyst workflow run: {md(run.heading)}", "",
             "| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in _rows(summary, run)), *timeline]
    why = _why(run)
    if why:
        lines += ["", "**Status reasons**" if run.reasons else "**Details**", "", *why]
    return "\n".join(lines) + "\n"


def group(summary: Summary, *, timeline: Sequence[str] = ()) -> str:
    """Several runs: the verdict, one row per run (the most serious first), the timeline, each run's further facts
    (its attempts), then why each run that did not pass did not: what it came to, and its status reasons."""
    lines = [f"### {ICONS.get(summary.kind, '⚠️')} CodeCatalyst workflow runs: {md(summary.heading)} "
             f"({len(summary.runs)} runs, exit code {summary.exit_code})", "",
             "| Run | Workflow | Status | Result | Duration | Against usual | Polls |",
             "|---|---|---|---|---|---|---|"]
    for run in summary.runs:
        lines.append(f"| {link(run) or md(run.run_id)} | {md(run.workflow)} | {md(run.status or 'unknown')} "
                     f"| {md(run.kind)} | {_duration(run.duration)} | {md(run.compared() or '')} | {run.polls} |")
    lines += [*(f"\n{md(label)}: {md(value)}" for label, value in summary.facts), *timeline]
    facts = [f"- {md(run.who)}: {md(label)}: {md(value)}" for run in summary.runs for label, value in run.facts]
    if facts:  # each run's further facts, its attempts among them: never left out of the group
        lines += ["", "**About each run**", "", *facts]
    told = []
    for run in summary.failed:
        said, why = "" if run.restates_status else run.sentence, _why(run, indent="  ")
        if said or why:
            told += [f"- {md(run.who)}" + (f": {md(said)}" if said else ""), *why]
    if told:
        lines += ["", "**Runs that did not pass**", "", *told]
    return "\n".join(lines) + "\n"


def render(summary: Summary, *, timeline: Sequence[str] = ()) -> str:
    """The summary: one run's table, or the group's; `timeline` (Markdown lines) goes under the table."""
    return group(summary, timeline=timeline) if summary.several else one_run(summary, timeline=timeline)
