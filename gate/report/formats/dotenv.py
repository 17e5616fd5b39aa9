"""dotenv / Java properties: every result key as one `CODECATALYST_GATE_<KEY>=value` line (gate.config.variables: the
prefix is `--output-prefix`'s).

Who reads the file, and how (read in their sources):

- GitLab `artifacts:reports:dotenv` (`app/services/ci/parse_dotenv_artifact_service.rb`): lines split on `\\n`,
  each must match `^(.*?)=(.*)$` (the key is the text before the first `=`), both sides are stripped, nothing
  is unquoted or unescaped; no blank lines or comments; keys `[A-Za-z0-9_]`; UTF-8; the file under 5 KB
  (`dotenv_size` 5120); at most 20 variables by default on Self-Managed (50 or more on GitLab.com); the last of
  a repeated key wins. The variables then reach later jobs, whose runner expands `$NAME` and `${NAME}` in them
  (`$$` is a `$`).
- gitlab-ci-local and other Node tools: the `dotenv` package. An unquoted value ends at the first `#`; a value
  between matching quotes loses them (and, between double quotes, `\\n` is a newline); `$NAME` is expanded after.
- python-dotenv: an unquoted value ends at a blank followed by `#`; `${NAME}` is expanded; a value starting with a
  quote is quoted, with escapes.
- A POSIX shell's `.`: an unquoted value is shell code (blanks, `$`, quotes, backslashes, `;`, backquotes...).
- Jenkins `readProperties file:` (pipeline-utility-steps `ReadPropertiesStepExecution`): `Properties.load`
  on the file's InputStream, so ISO-8859-1. A line ends at `\\n`, `\\r` or `\\r\\n`; one ending in an odd number
  of backslashes goes on into the next; `#` or `!` first makes a comment; the key ends at the first unescaped
  `=`, `:` or blank; `\\uXXXX`, `\\t`, `\\n`, `\\r`, `\\f` are decoded, any other `\\x` means `x`, and a `\\u` without
  four hex digits makes the whole load fail.

So no value holds a character that any of them interprets: unquoted, ASCII, one line each, never a `$`, `#`, quote
other than JSON's own, backquote or blank outside a JSON string, and a backslash only to start a `\\uXXXX` escape.

- Scalar keys: every character outside letters, digits and `_.,:/@%+=-` becomes `\\uXXXX` (UTF-16 units). The
  realistic values (enums, UUIDs, names, RFC 3339 times, numbers, the console URL) have none, and every reader gets
  them exactly; a server's free text (the workflow's name) that has one reaches every reader as the same inert text,
  which Java alone decodes back. (A shell drops the backslash of `\\u`: harmless, not exact.)
- JSON keys (`status-reasons`, `response`, `runs`): compact JSON in which every string character that is not
  printable ASCII, or is a backslash, quote, `$`, `#`, apostrophe or backquote, is a JSON `\\uXXXX` escape (`$` is
  `\\u0024`, `#` is `\\u0023`): the same JSON value in GitLab, gitlab-ci-local and python-dotenv. Java turns the
  escapes into the characters, still the same value unless a string holds a quote, backslash or control character
  (read those from `--output-file` with `readJSON`). A shell keeps everything but JSON's own double quotes: it runs
  nothing and sets nothing else.
- To stay under GitLab's limits: at most MAX_VARIABLES variables, keys left out in LEFT_OUT order until it fits
  (with several runs the top-level `response` first, then `api-calls` and `throttled`, which `--output-file`
  keeps); past
  MAX_BYTES (well under 5120, whether GitLab counts the file before or after the runner gzips it) the runs'
  responses, then `response`, then all but the runs' verdict keys, then `runs`, then `status-reasons` go.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gate.config.variables import DEFAULT_OUTPUT_PREFIX, output_name
from gate.result import Result
from gate.textsafe import json_escape

MAX_BYTES = 5000
MAX_VARIABLES = 20  # GitLab Self-Managed's default limit of variables in a dotenv report
# Left out, in this order, while the file would hold more than MAX_VARIABLES: with several runs the top-level
# response (it repeats the deciding run's, which `runs` holds), then the gate's count of API calls, then how the
# service throttled it, then the attempts (--rerun-failed; run-id and status are the last attempt's, and
# --output-file keeps them all).
LEFT_OUT = ("response", "api-calls", "throttled", "attempts")
SHED_FIRST = ("response", "runs", "status-reasons")  # the large JSON keys, emptied in this order to fit MAX_BYTES
# What each run in `runs` keeps when the runs would not fit otherwise: what a later job decides on and links to.
VERDICT_KEYS = ("result", "status", "run-id", "workflow-id", "workflow-name", "duration-seconds",
                "usual-duration-seconds", "run-url", "stale", "exit-code")

_SCALAR_ESCAPE = re.compile(r"[^A-Za-z0-9_.,:/@%+=-]")
# In ASCII-only JSON text: an escape to keep, one to rewrite as \uXXXX, or a character that only a string can hold.
_JSON_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}|\\(.)|[$#'`\x7f]")
_SHORT_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def encode_scalar(value: str) -> str:
    """Every character that a reader might interpret (anything but letters, digits and `_.,:/@%+=-`) as `\\uXXXX`."""
    return _SCALAR_ESCAPE.sub(lambda m: json_escape(m.group()), value)


def encode_json(value: Any) -> str:
    """`value` as compact JSON whose strings hold no character a reader interprets (see above)."""
    def escape(match: re.Match[str]) -> str:
        text, short = match.group(), match.group(1)
        if text.startswith("\\u"):
            return text
        return json_escape(_SHORT_ESCAPES[short] if short is not None else text)

    return _JSON_ESCAPE.sub(escape, json.dumps(value, separators=(",", ":"), ensure_ascii=True))


def dotenv_lines(result: Result, *, prefix: str = DEFAULT_OUTPUT_PREFIX) -> dict[str, str]:
    """Each result key's encoded value, keyed by its variable name, in RESULT_KEYS order, but no more than
    MAX_VARIABLES, the most some GitLab plans take in a dotenv report: the keys in LEFT_OUT go first (the top-level
    `response` only with several runs)."""
    lines = {output_name(f.key, prefix): encode_json(f.value) if f.is_json else encode_scalar(f.text)
             for f in result.fields()}
    for key in LEFT_OUT:
        if len(lines) <= MAX_VARIABLES:
            break
        if key != "response" or result.runs:
            lines.pop(output_name(key, prefix), None)
    return lines


def dotenv_text(result: Result, *, prefix: str = DEFAULT_OUTPUT_PREFIX,
                max_bytes: int = MAX_BYTES) -> tuple[str, list[str]]:
    """The file's text, and the variables left empty to fit `max_bytes`."""
    lines = dotenv_lines(result, prefix=prefix)
    emptied: list[str] = []

    def render() -> str:
        return "".join(f"{name}={value}\n" for name, value in lines.items())

    runs = output_name("runs", prefix)
    if result.runs and len(render()) > max_bytes:  # first the runs' own responses: their verdicts stay
        slim = [{key: value for key, value in run.to_dict().items() if key != "response"} for run in result.runs]
        lines[runs] = encode_json(slim)
        emptied.append(f"the response of each run in {runs}")
    for name in (output_name(key, prefix) for key in SHED_FIRST):
        if len(render()) <= max_bytes:
            break
        if name not in lines:  # `runs` is there only when several runs were gated
            continue
        if name == runs:  # before the runs go, each keeps only its verdict keys
            lines[runs] = encode_json([{key: run.to_dict()[key] for key in VERDICT_KEYS} for run in result.runs])
            emptied.append(f"all but the verdict keys of each run in {runs}")
            if len(render()) <= max_bytes:
                break
        lines[name] = ""
        emptied.append(name)
    return render(), emptied
