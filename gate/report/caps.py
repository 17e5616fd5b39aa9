"""How large each output may grow, and how the two that a CI system caps are kept under its cap (pure).

Everything the gate writes is bounded by what it read: an answer larger than 4 MiB once decompressed is refused
(gate.api.transport.MAX_ANSWER_BYTES), a server's error message is cut to 500 characters (gate.api.client), and the
result holds each run's last answer once, with its status reasons once more. Two outputs have a cap of their own,
set by the CI system that reads them:
- the GitHub step summary: GitHub shows at most 1 MiB per step (and fails the step's summary above it), so the
  Markdown is cut at a line, with a last line saying what was cut;
- `$GITHUB_OUTPUT`: GitHub documents outputs of at most 1 MB, so past 1 MiB the largest values are emptied (the
  response, the runs, the status reasons, as the dotenv sheds them; then any other, largest first) until it fits,
  and the log says which; the verdict's keys are never emptied.
The dotenv keeps under GitLab's 5000 bytes (gate.report.formats.dotenv); README's "Output sizes" lists them all.
"""

from __future__ import annotations

from collections.abc import Callable

MIB = 1024 * 1024
STEP_SUMMARY_MAX = MIB
GITHUB_OUTPUT_MAX = MIB
SHED = ("response", "runs", "status-reasons")  # the large JSON values, emptied in this order
KEPT = ("result", "exit-code", "status", "run-id")  # the verdict: never emptied


def cut_markdown(text: str, *, max_bytes: int = STEP_SUMMARY_MAX) -> str:
    """`text`, or as many of its whole lines as fit in `max_bytes` (UTF-8) with a line saying what was cut; a code
    block left open by the cut is closed first, so the note is not inside it."""
    if len(text.encode("utf-8", "surrogatepass")) <= max_bytes:
        return text
    total = len(text.encode("utf-8", "surrogatepass"))
    note = (f"\n\n*The summary was cut here: it was {total} bytes, and GitHub shows at most {max_bytes // MIB} MiB "
            "per step; the step's outputs and the gate's output file hold the whole result.*\n")
    budget = max_bytes - len(note.encode("utf-8")) - len("```\n")
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        size = len(line.encode("utf-8", "surrogatepass"))
        if used + size > budget:
            break
        kept.append(line)
        used += size
    fenced = sum(1 for line in kept if line.lstrip().startswith("```")) % 2 == 1
    return "".join(kept).rstrip("\n") + ("\n```" if fenced else "") + note


def shed(values: dict[str, str], *, size: Callable[[dict[str, str]], int],
         max_bytes: int = GITHUB_OUTPUT_MAX) -> tuple[dict[str, str], list[str]]:
    """`values` with the keys of SHED emptied, in order, until `size(values)` fits `max_bytes`; and those keys."""
    values, emptied = dict(values), []
    rest = sorted((k for k in values if k not in SHED and k not in KEPT), key=lambda k: len(values[k]), reverse=True)
    for key in (*SHED, *rest):  # then any other free text a server made that large (a workflow's name), largest first
        if size(values) <= max_bytes:
            break
        if values.get(key):
            values[key] = ""
            emptied.append(key)
    return values, emptied
