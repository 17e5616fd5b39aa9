"""A Mermaid gantt of the runs for the GitHub job summary: one section per run, the most serious first; a bar per
status the gate saw, marked by the run's outcome; the workflow's usual duration as a reference bar.

How Mermaid reads the text (mermaid-js/mermaid, `diagrams/gantt/parser/gantt.jison` and the preprocessing in
`mermaidAPI`/`utils`, read in their sources):

- the lexer is case-insensitive and tries its rules in order at the start of each token: `click`, `call`, `href`,
  `title`, `section`, `dateFormat`, `accTitle`... are keywords there. A task's text runs to the first `:`, `#`,
  `;` or newline, a section's too; `#` and `%%` start comments;
- before parsing, `%%{...}%%` anywhere in the text is a directive (configuration, themes, `securityLevel`), and
  `#name;` is an entity;
- labels are drawn as SVG text, a `<br>` in a section name splits it.

So every line starts with our own words: `section`, a status from the API's enum (else `status ...`), or
`usual ...`; server-chosen text (a workflow's name, an unexpected status) keeps only letters, digits, blanks and
`-_.,()[]/+@!?` (anything else becomes `_`, blanks one space) and is cut short: it can neither end its line,
start a keyword, a comment or a directive, nor close the Markdown fence (no backquote, no newline).
Times are ours, from validated timestamps, written as UTC wall-clock times to the second (`dateFormat YYYY-MM-DD
HH:mm:ss`, the form every Mermaid reads alike; Unix times with `X` or `x` are read differently from one version
to the next, and an offset with `Z` is misread outside UTC), so the axis shows UTC wherever it is viewed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gate.report.describe import format_duration
from gate.result import Result
from gate.statuses import ALL_STATUSES, TERMINAL_STATUSES
from gate.timestamps import parse_time

LABEL_MAX = 40
# Room on the left for the sections' names (Mermaid's default, 75 px, fits about ten characters); set with an
# init directive, which every Mermaid since 8 reads (front-matter `config:` only since 10.5).
CHAR_PX, MIN_PAD, MAX_PAD = 7, 75, 300
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # Mermaid's `dateFormat YYYY-MM-DD HH:mm:ss`
_PUNCTUATION = frozenset(" -_.,()[]/+@!?")
# How each outcome marks its bars: passed, did not pass, still going (or not waited for), could not be judged.
MARKS = {"success": "done", "failure": "crit", "timeout": "active", "cancelled": "active", "skipped": "active",
         "error": "crit"}


def label(text: str, *, limit: int = LABEL_MAX) -> str:
    """Server text made inert inside the diagram: letters, digits, blanks and a little punctuation; short."""
    kept = "".join(ch if ch.isalnum() or ch in _PUNCTUATION else " " if ch.isspace() else "_"
                   for ch in unicodedata.normalize("NFC", text))
    kept = " ".join(kept.split())
    return kept if len(kept) <= limit else kept[:limit - 1].rstrip() + "…"


def status_label(status: str) -> str:
    """A status of the API's enum as it is; anything else behind our own word, so it never starts the line."""
    return status if status in ALL_STATUSES else f"status {label(status) or 'unknown'}"


@dataclass(frozen=True)
class Bar:
    text: str  # our own words: a status label or `usual ...`
    start: datetime
    end: datetime


def run_bars(result: Result, *, now: datetime | None = None) -> list[Bar]:
    """The run from its start to its end (to `now`, or the last moment known, while it is still going): one bar
    per status seen, the first from the start; no bar without a start time."""
    response = result.response or {}
    start = parse_time(response.get("startTime"))
    if start is None:
        return []
    end = parse_time(response.get("endTime"))
    if end is None:
        known = [stamp for stamp in (parse_time(response.get("lastUpdatedTime")), now) if stamp is not None]
        end = max([*known, *(phase.seen_at for phase in result.phases)], default=start)
    end = max(end, start)
    steps = [(min(max(phase.seen_at, start), end), phase.status) for phase in result.phases
             if phase.status not in TERMINAL_STATUSES]
    if not steps:
        return [Bar(status_label(str(response.get("status") or result.kind)), start, end)]
    steps[0] = (start, steps[0][1])  # the first status the gate saw is the one the run started in, as far as known
    bars = [Bar(status_label(status), since, steps[i + 1][0] if i + 1 < len(steps) else end)
            for i, (since, status) in enumerate(steps)]
    return [bar for bar in bars if bar.end > bar.start] or bars[-1:]


def _utc(stamp: datetime) -> str:
    return stamp.astimezone(UTC).strftime(TIME_FORMAT)


def section_name(result: Result, *, prefix: int = 8) -> str:
    """The workflow's name (from picking it, or GetWorkflow) and the run ID's first `prefix` characters; a workflow
    ID would only add a second UUID."""
    run = label(result.run_id[:prefix]) if result.run_id else "no run"
    name = label(result.workflow_name or "", limit=30)
    return f"{name} {run}" if name else f"run {run}"


def section_names(results: Sequence[Result]) -> list[str]:
    """Each run's section name, no two alike (Mermaid would draw two sections of one name as one): the run IDs'
    shortest prefix that tells the runs apart as well as the whole IDs do; runs still alike (no ID, or one run
    twice) get a number."""
    tries = [[section_name(result, prefix=prefix) for result in results] for prefix in (8, 13, 18, 23, 36)]
    names = next(t for t in tries if len(set(t)) == len(set(tries[-1])))  # up to each of a UUID's hyphens, then all
    seen: dict[str, int] = {}
    numbered = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        numbered.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return numbered


def gantt(results: Sequence[Result], *, now: datetime | None = None) -> str | None:
    """The gantt's text, the runs in the order given, each run's earlier attempts (--rerun-failed) just before it; None
    when no run has a start time to draw from."""
    results = [each for result in results for each in (*result.attempts, result)]
    lines: list[str] = []
    names: list[str] = []
    drawn = [(i, result, bars) for i, result in enumerate(results) if (bars := run_bars(result, now=now))]
    for (i, result, bars), name in zip(drawn, section_names([result for _, result, _ in drawn]), strict=True):
        mark = MARKS.get(result.kind, "crit")
        names.append(name)
        lines.append(f"    section {name}")
        lines += [f"    {bar.text} :{mark}, r{i}b{j}, {_utc(bar.start)}, {_utc(bar.end)}" for j, bar in enumerate(bars)]
        if result.usual is not None:
            start, usual = bars[0].start, timedelta(seconds=result.usual.median_seconds)
            lines.append(f"    usual {format_duration(result.usual.median_seconds)} :r{i}u, {_utc(start)}, "
                         f"{_utc(start + usual)}")
    if not names:
        return None
    pad = min(MAX_PAD, max(MIN_PAD, CHAR_PX * max(len(name) for name in names) + 16))
    head = [f'%%{{init: {{"gantt": {{"leftPadding": {pad}}}}}}}%%', "gantt", "    dateFormat YYYY-MM-DD HH:mm:ss",
            "    axisFormat %H:%M:%S", "    todayMarker off"]
    return "\n".join(head + lines) + "\n"


def fenced(results: Sequence[Result], *, now: datetime | None = None) -> str:
    """The gantt as a Markdown ```mermaid block; empty when there is nothing to draw."""
    text = gantt(results, now=now)
    return f"```mermaid\n{text}```\n" if text else ""
