"""Azure Pipelines: every result key as an output variable, and an error issue when the gate fails.

What the agent does with a line (microsoft/azure-pipelines-agent, read in its source):

- `Command.TryParse` looks for `##vso[` with `IndexOf`, anywhere in the line, not only at its start; the
  command info runs to the first `]` after it, properties split on `;`, each at its first `=`. Handlers read
  stdout and stderr alike (`StepHost.ErrorDataReceived += OnDataReceived`), a line at a time (`ReadLine`, so
  `\\r` ends a line as well as `\\n`). Only the first `##vso[` of a line is parsed.
- `CommandStringConvertor.Unescape`, for properties and data alike: `%3B` → `;`, `%0D` → CR, `%0A` → LF,
  `%5D` → `]`, then `%AZP25` → `%` (unless a job sets DECODE_PERCENTS=false).
- Its own neutraliser, `StringUtil.DeactivateVsoCommands`: `##vso` → `**vso`, case-insensitive.

We escape as microsoft/azure-pipelines-task-lib's `node/taskcommand.ts` does: data (`escapeData`) `%` → `%AZP25`,
CR → `%0D`, LF → `%0A`; properties (`escape`) also `]` → `%5D` and `;` → `%3B`. Our own `##vso[` starts each
line, so server text in a value can never start a command of its own; the JSON-valued keys also get their
invisible characters and any `##vso` or `##[` written as JSON `\\uXXXX` escapes (the same JSON value), so a later step
that prints a variable cannot run a command hidden in it either.
"""

from __future__ import annotations

from pathlib import Path

from gate.config.variables import DEFAULT_OUTPUT_PREFIX, output_name
from gate.report.describe import failure_title
from gate.report.formats import markdown
from gate.report.summary import failures, summarize
from gate.result import Result
from gate.textsafe import inert_json, inert_line

PREFIX = "##vso["
# The agent names the summary's section after the file (`Path.GetFileName`); a folder of its own per gate keeps two
# gates of one job from overwriting each other's file before the agent has uploaded it.
SUMMARY_NAME = "CodeCatalyst gate.md"


def escape_data(text: str) -> str:
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace("]", "%5D").replace(";", "%3B")


def command(name: str, data: str = "", **properties: str) -> str:
    props = "".join(f"{key}={escape_property(value)};" for key, value in properties.items())
    return f"{PREFIX}{name}{' ' + props if props else ''}]{escape_data(data)}"


def set_variables(result: Result, *, prefix: str = DEFAULT_OUTPUT_PREFIX) -> list[str]:
    """`task.setvariable` for every result key, as an output variable (`$(stepName.CODECATALYST_GATE_STATUS)`)."""
    return [
        command("task.setvariable", inert_json(f.text) if f.is_json else f.text,
                variable=output_name(f.key, prefix), isOutput="true")
        for f in result.fields()
    ]


def failure_issue(result: Result) -> str | None:
    """A `task.logissue` error on one line: why the gate failed, naming each run that did not pass, its workflow
    and its reasons; None when it succeeded."""
    if result.kind == "success":
        return None
    summary = summarize(result)
    title = failure_title(summary.kind, summary.decisive.status)
    told = " | ".join(head + (f": {'; '.join(rest)}" if rest else "") for head, rest in failures(summary))
    return command("task.logissue", inert_line(f"{title}: {told}" if told else title), type="error")


def summary_markdown(result: Result) -> str:
    """The summary tab's Markdown (gate.report.formats.markdown), without a timeline: Azure draws no Mermaid."""
    return markdown.render(summarize(result))


def commands_text(result: Result, *, prefix: str = DEFAULT_OUTPUT_PREFIX) -> str:
    lines = set_variables(result, prefix=prefix)
    issue = failure_issue(result)
    if issue:
        lines.append(issue)
    return "".join(line + "\n" for line in lines)


def summary_path(folder: Path, tag: str) -> Path:
    """Where the Markdown summary goes: a folder of this gate's own (`tag`) under the agent's temp folder."""
    return folder / f"codecatalyst-gate-{tag}" / SUMMARY_NAME


def upload_summary(path: Path) -> str:
    """`task.uploadsummary`: the agent attaches the Markdown file at `path` (which it must be able to read, and
    which must stay until the job ends) to the run's summary. The path is ours; the file's content is made inert
    by the summary's own escaping."""
    return command("task.uploadsummary", str(path)) + "\n"
