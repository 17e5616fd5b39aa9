"""dotenv / Java properties: every result key as one `CODECATALYST_GATE_<KEY>=value` line (gate.variables: the
prefix is `--output-prefix`'s).

Who reads the file, and how (read in their sources):

- GitLab `artifacts:reports:dotenv` (`app/services/ci/parse_dotenv_artifact_service.rb`): lines split on `\\n`,
  each must match `^(.*?)=(.*)$` (the key is the text before the first `=`), both sides are stripped, nothing
  is unquoted or unescaped; no blank lines or comments; keys `[A-Za-z0-9_]`; UTF-8; the file under 5 KB
  (`dotenv_size` 5120); at most 20 variables by default on Self-Managed (50 or more on GitLab.com); the last of
  a repeated key wins.
- Jenkins `readProperties file:` (pipeline-utility-steps `ReadPropertiesStepExecution`): `Properties.load`
  on the file's InputStream, so ISO-8859-1. A line ends at `\\n`, `\\r` or `\\r\\n`; one ending in an odd number
  of backslashes goes on into the next; `#` or `!` first makes a comment; the key ends at the first unescaped
  `=`, `:` or blank; `\\uXXXX`, `\\t`, `\\n`, `\\r`, `\\f` are decoded, any other `\\x` means `x`, and a `\\u` without
  four hex digits makes the whole load fail.

The encoding chosen, so both read it back:

- Scalar keys: every backslash, every character outside printable ASCII and a leading blank become `\\uXXXX`
  (UTF-16 units).
  Java decodes any scalar exactly; GitLab reads the realistic ones exactly (enums, UUIDs, names, RFC 3339
  times, numbers and the console URL are printable ASCII without backslashes).
- JSON keys (`status-reasons`, `response`): compact JSON in which every non-ASCII character (and DEL) is a JSON
  `\\uXXXX` escape. GitLab keeps the text as it is, and it decodes to the same JSON value; Java turns those
  escapes into the characters themselves, still the same value. Java also decodes JSON's own escapes
  (`\\"`, `\\\\`, `\\n`), so in Jenkins a reason holding a quote, backslash or control character is no longer
  valid JSON: read those two from `--output-file` with `readJSON`.
- So the file is pure ASCII with one line per key: no value can end its line, start another, run on into the
  next (Java) or repeat a key, in either reader.
- To stay under GitLab's limit, `response` and then `status-reasons` are left empty when the file would pass
  MAX_BYTES (well under 5120, whether GitLab counts the file before or after the runner gzips it).
"""

from __future__ import annotations

import json
import re

from gate.result import Result
from gate.textsafe import json_escape
from gate.variables import DEFAULT_OUTPUT_PREFIX, output_name

MAX_BYTES = 5000
SHED_FIRST = ("response", "runs", "status-reasons")  # the large JSON keys, emptied in this order to fit MAX_BYTES

_SCALAR_ESCAPE = re.compile(r"[^\x20-\x5b\x5d-\x7e]")  # outside printable ASCII, or a backslash
_NON_PRINTABLE = re.compile(r"[^\x20-\x7e]")  # in JSON text: non-ASCII, or DEL


def encode_scalar(value: str) -> str:
    """Backslashes and everything outside printable ASCII as `\\uXXXX`; a leading blank too (Java skips it)."""
    value = _SCALAR_ESCAPE.sub(lambda m: json_escape(m.group()), value)
    return "\\u0020" + value[1:] if value.startswith(" ") else value


def encode_json(value: str) -> str:
    """JSON text stays the same JSON value: a non-ASCII character (or DEL) inside a string becomes its `\\uXXXX`
    escape (json.dumps already escapes the other control characters)."""
    return _NON_PRINTABLE.sub(lambda m: json_escape(m.group()), value)


def dotenv_lines(result: Result, *, prefix: str = DEFAULT_OUTPUT_PREFIX) -> dict[str, str]:
    """Each result key's encoded value, keyed by its variable name, in RESULT_KEYS order."""
    return {output_name(f.key, prefix): encode_json(f.text) if f.is_json else encode_scalar(f.text)
            for f in result.fields()}


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
        lines[runs] = encode_json(json.dumps(slim, separators=(",", ":"), ensure_ascii=False))
        emptied.append(f"the response of each run in {runs}")
    for name in (output_name(key, prefix) for key in SHED_FIRST):
        if len(render()) <= max_bytes:
            break
        if name not in lines:  # `runs` is there only when several runs were gated
            continue
        lines[name] = ""
        emptied.append(name)
    return render(), emptied
