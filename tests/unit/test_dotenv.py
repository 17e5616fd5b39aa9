"""--dotenv: read back by GitLab's parser, java.util.Properties, python-dotenv and a POSIX shell's `.`; hostile
values add no line, repeat no key, and nothing in them is interpreted."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gate.config.settings import OutputTargets
from gate.config.variables import output_name
from gate.errors import ExitCode
from gate.report.formats.dotenv import MAX_BYTES, dotenv_text
from gate.report.redact import Redactor
from gate.report.sink import Sink
from gate.result import RESULT_KEYS, Result
from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, run_document

LEFT = ("api-calls", "throttled", "attempts")  # left out of the dotenv: 20 variables at most (--output-file keeps them)
NAMES = [output_name(key) for key in RESULT_KEYS if key not in LEFT]  # 20 variables
JSON_KEYS = {"status-reasons", "response", "api-calls", "throttled", "attempts"}


def gitlab_parse(text: str) -> list[tuple[str, str]]:
    """Port of GitLab's Ci::ParseDotenvArtifactService#parse!/scan_line! (blob.each_line splits on "\\n" only;
    `line.scan(/^(.*?)=(.*)$/).last` raises 'Invalid Format' when nil; both parts `strip!`ped)."""
    pairs = []
    for line in re.findall(r"[^\n]*\n|[^\n]+\Z", text):
        found = re.findall(r"^(.*?)=(.*)$", line, re.MULTILINE)
        if not found:
            raise ValueError(f"Invalid Format: {line!r}")
        key, value = found[-1]
        pairs.append((key.strip(" \t\n\v\f\r\x00"), value.strip(" \t\n\v\f\r\x00")))
    return pairs


def java_properties_parse(text: str) -> dict[str, str]:
    """Port of java.util.Properties.load (LineReader + loadConvert): `\\n`, `\\r`, `\\r\\n` end lines; an odd run of
    trailing backslashes continues the line; `#`/`!` comments; key ends at unescaped `=`, `:` or blank."""
    natural = re.split(r"\r\n|\r|\n", text)
    logical: list[str] = []
    pending = None
    for raw in natural:
        line = raw.lstrip(" \t\f")
        if pending is None and (not line or line[0] in "#!"):
            continue
        line = line if pending is None else pending + line
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:
            pending = line[:-1]
            continue
        pending = None
        logical.append(line)
    if pending is not None:
        logical.append(pending)

    def convert(chars: str) -> str:
        out, i = [], 0
        while i < len(chars):
            c = chars[i]
            if c != "\\":
                out.append(c)
                i += 1
                continue
            nxt = chars[i + 1] if i + 1 < len(chars) else ""
            if nxt == "u":
                digits = chars[i + 2:i + 6]
                if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                    raise ValueError("Malformed \\uxxxx encoding.")
                out.append(chr(int(digits, 16)))
                i += 6
                continue
            out.append({"t": "\t", "r": "\r", "n": "\n", "f": "\f"}.get(nxt, nxt))
            i += 2
        return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")

    props: dict[str, str] = {}
    for line in logical:
        i, escaped, sep = 0, False, False
        while i < len(line):
            c = line[i]
            if c in "=:" and not escaped:
                sep = True
                break
            if c in " \t\f" and not escaped:
                break
            escaped = (c == "\\") and not escaped
            i += 1
        key, j = line[:i], i + 1 if i < len(line) else i
        while j < len(line) and line[j] in " \t\f=:":
            if line[j] in "=:":
                if sep:
                    break
                sep = True
            j += 1
        props[convert(key)] = convert(line[j:])
    return props


JAVA_READER = """
import java.io.*; import java.util.*;
public class ReadProps {
  public static void main(String[] files) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (String file : files) {
      Properties p = new Properties();
      try (InputStream in = new FileInputStream(file)) { p.load(in); }  // as readProperties does: ISO-8859-1
      for (String k : new TreeSet<>(p.stringPropertyNames())) {
        sb.append(hex(k)).append(' ').append(hex(p.getProperty(k))).append('\\n');
      }
      sb.append("--\\n");
    }
    System.out.print(sb);
  }
  static String hex(String s) { StringBuilder b = new StringBuilder("x");
    for (char c : s.toCharArray()) b.append(String.format("%04x", (int) c)); return b.toString(); }
}
"""


def real_java_parse(paths: list[Path], tmp_path: Path) -> list[dict[str, str]]:
    """What java.util.Properties reads from each file (one JVM for all: it is the slow part)."""
    source = tmp_path / "ReadProps.java"
    source.write_text(JAVA_READER)
    out = subprocess.run(["java", str(source), *map(str, paths)], capture_output=True, text=True, check=True,
                         timeout=60)

    def unhex(h: str) -> str:
        units = bytes.fromhex(h[1:])
        return units.decode("utf-16-be", "surrogatepass").encode("utf-16", "surrogatepass").decode("utf-16")

    return [dict(tuple(unhex(part) for part in line.split(" ")) for line in block.splitlines())  # type: ignore[misc]
            for block in out.stdout.split("--\n")[:-1]]


def python_dotenv_parse(text: str) -> dict[str, str | None]:
    """python-dotenv as applications use it: `${NAME}` interpolation on."""
    from dotenv import dotenv_values

    return dict(dotenv_values(stream=io.StringIO(text)))


def shell_parse(text: str, tmp_path: Path) -> dict[str, str]:
    """The variables `. ./file` sets in a POSIX shell (sh, dash on Debian), in an otherwise empty environment."""
    path = tmp_path / "sourced.env"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(["env", "-i", "sh", "-c", 'set -a && . "$1" && exec env -0', "sh", str(path)],
                          capture_output=True, cwd=tmp_path, timeout=30, check=False)
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    found = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if item)
    found.pop("PWD", None)
    return found


def make_result(**fields: Any) -> Result:
    reasons = [{"message": "Action Build failed: exit code 1"}]
    doc = fields.pop("response", run_document("FAILED", statusReasons=reasons))
    base = {"kind": "failure", "exit_code": ExitCode.RUN_FAILED, "space": SPACE, "project": PROJECT,
            "run_id": RUN_ID, "polls": 7, "response": doc}
    return Result(**{**base, **fields})


HOSTILE_TEXT = [
    "x\nCODECATALYST_GATE_RESULT=success",
    "x\rCODECATALYST_GATE_RESULT=success",
    "x\r\nCODECATALYST_GATE_RESULT=success",
    "x\u2028CODECATALYST_GATE_RESULT=success\u2029y\u0085z",
    "KEY=VALUE",
    "#not a comment",
    "!not a comment either",
    "trailing backslash\\",
    "\\u12 not hex, \\n, \\\\ and \\",
    " leading and trailing blanks ",
    "café ✓ 🚀 \x7f \x00 \x1b[31m",
    "%0A ${HOME} $(id) `id`",
    "$CODECATALYST_TOKEN ${CODECATALYST_TOKEN} $$ $ # cut here? ' \" ; rm -rf ~ & | < > \\n",
]


def hostile_result(*, extra: list[dict[str, Any]] | None = None) -> Result:
    reasons = [{"message": text} for text in HOSTILE_TEXT] + (extra or [])
    doc = run_document("FAILED\nCODECATALYST_GATE_RESULT=success",  # as if unvalidated: a scalar key
                       statusReasons=reasons, workflowId="w\\u00zz\\", startTime=" 2026-11-25T10:00:00Z\r\n")
    return make_result(response=doc, space="Example\rCODECATALYST_GATE_RESULT=success", project="p\u2028q")


def test_every_key_once_in_order_with_the_values_unchanged() -> None:
    result = make_result()
    text, emptied = dotenv_text(result)
    assert emptied == []
    pairs = gitlab_parse(text)
    assert [key for key, _ in pairs] == NAMES
    strings = result.to_strings()
    assert dict(pairs)["CODECATALYST_GATE_STATUS"] == "FAILED"
    assert dict(pairs)["CODECATALYST_GATE_RESULT"] == "failure"
    assert dict(pairs) == {output_name(k): v for k, v in strings.items() if k not in LEFT}  # verbatim
    assert java_properties_parse(text) == dict(pairs)


@pytest.mark.parametrize("parse", ["gitlab", "java"])
def test_hostile_values_add_no_line_and_repeat_no_key(parse: str) -> None:
    result = hostile_result()
    text, _ = dotenv_text(result)
    assert text.isascii() and all(c == "\n" or " " <= c <= "~" for c in text)
    assert text.count("\n") == len(RESULT_KEYS) - len(LEFT) == 20
    if parse == "gitlab":
        pairs = gitlab_parse(text)
        assert [key for key, _ in pairs] == NAMES
        values = dict(pairs)
        assert values["CODECATALYST_GATE_RESULT"] == "failure"
        # JSON keys are the same JSON value in GitLab, whatever they hold.
        assert json.loads(values["CODECATALYST_GATE_STATUS_REASONS"]) == result.to_dict()["status-reasons"]
        assert json.loads(values["CODECATALYST_GATE_RESPONSE"]) == result.to_dict()["response"]
    else:
        values = java_properties_parse(text)
        assert list(values) == NAMES
        assert values["CODECATALYST_GATE_RESULT"] == "failure"
        # Java decodes our escapes: every scalar comes back exactly, hostile or not.
        strings = result.to_strings()
        for key in RESULT_KEYS:
            if key not in JSON_KEYS:  # api-calls, left out, is one
                assert values[output_name(key)] == strings[key], key


def test_non_ascii_json_reads_back_in_both() -> None:
    reasons = [{"message": "Build failed on café ✓ 🚀 with ümlauts"}]
    result = make_result(response=run_document("FAILED", statusReasons=reasons))
    text, _ = dotenv_text(result)
    assert text.isascii()
    assert json.loads(dict(gitlab_parse(text))["CODECATALYST_GATE_STATUS_REASONS"]) == reasons
    assert json.loads(java_properties_parse(text)["CODECATALYST_GATE_STATUS_REASONS"]) == reasons


@pytest.mark.posix
def test_realistic_values_reach_every_reader_exactly(tmp_path: Path) -> None:
    runs = (make_result(), make_result(run_id="a1b2c3d4-5678-90ab-cdef-000000000009", kind="success",
                                       exit_code=ExitCode.SUCCESS, response=run_document("SUCCEEDED")))
    for result in (make_result(), dataclasses.replace(runs[0], runs=runs)):
        text, _ = dotenv_text(result)
        gitlab, strings = dict(gitlab_parse(text)), result.to_strings()
        assert python_dotenv_parse(text) == java_properties_parse(text) == gitlab
        shell = shell_parse(text, tmp_path)
        assert sorted(shell) == sorted(gitlab)
        for key, value in result.to_dict().items():
            name = output_name(key)
            if key in LEFT or (result.runs and key == "response"):  # 20 variables, GitLab's floor
                assert name not in gitlab and len(gitlab) == 20
                continue
            if isinstance(value, (dict, list)):
                assert json.loads(gitlab[name]) == value, key
                assert shell[name] == gitlab[name].replace('"', ""), key  # a shell keeps all but JSON's quotes
            else:
                assert gitlab[name] == shell[name] == strings[key], key


@pytest.mark.posix
def test_hostile_values_reach_every_reader_inert(tmp_path: Path) -> None:
    """Nothing a server says is interpreted: GitLab's `$` expansion, a dotenv parser's `#` comments, quotes and
    `${...}`, a shell's code. GitLab, gitlab-ci-local and python-dotenv read the same text, and the same JSON."""
    result = hostile_result()
    text, _ = dotenv_text(result)
    assert not set("$#'`") & set(text)
    assert re.fullmatch(r"(?:[^\\]|\\u[0-9a-f]{4})*", text), "a backslash only starts a \\uXXXX escape"
    gitlab = dict(gitlab_parse(text))
    for name, value in gitlab.items():
        assert '"' not in value or value.startswith(("{", "[")), name  # quotes: JSON's own only
    assert python_dotenv_parse(text) == gitlab
    data = result.to_dict()
    assert json.loads(gitlab[output_name("status-reasons")]) == data["status-reasons"]
    assert json.loads(gitlab[output_name("response")]) == data["response"]
    canary = tmp_path / "pwned"
    hostile = hostile_result(extra=[{"message": f"$(touch {canary}) `touch {canary}`; touch {canary}"}])
    shell = shell_parse(dotenv_text(hostile)[0], tmp_path)
    assert not canary.exists()
    assert sorted(shell) == sorted(NAMES)  # every variable, and nothing else
    for name, value in dict(gitlab_parse(dotenv_text(hostile)[0])).items():
        assert shell[name] == (value.replace('"', "") if value.startswith(("{", "[")) else value.replace("\\", ""))


@pytest.mark.skipif(shutil.which("java") is None, reason="no java on PATH")
def test_real_java_properties_reads_what_the_port_reads(tmp_path: Path) -> None:
    """The port above is what the other tests trust; java.util.Properties itself must agree with it."""
    results = (make_result(), hostile_result(),
               make_result(response=run_document("FAILED", statusReasons=[{"message": "café 🚀"}])))
    texts = [dotenv_text(result)[0] for result in results]
    texts.append("A=x\rCODECATALYST_GATE_RESULT=success\nB=y\\\n  C=z\n! comment\n  key  :  =value \nD\\=E:F\n")
    paths = [tmp_path / f"{n}.env" for n in range(len(texts))]
    for path, text in zip(paths, texts, strict=True):
        path.write_text(text, encoding="utf-8")
    assert real_java_parse(paths, tmp_path) == [java_properties_parse(text) for text in texts]


def test_the_ports_catch_what_the_encoding_prevents() -> None:
    """The readers really are that fragile: raw text would add keys, swallow lines or fail the load."""
    assert gitlab_parse("A=x\nCODECATALYST_GATE_RESULT=success\n")[-1] == ("CODECATALYST_GATE_RESULT", "success")
    assert java_properties_parse("A=x\rCODECATALYST_GATE_RESULT=success\n")["CODECATALYST_GATE_RESULT"] == "success"
    assert java_properties_parse("A=x\\\nB=y\n") == {"A": "xB=y"}
    with pytest.raises(ValueError, match="Malformed"):
        java_properties_parse("A=\\u12 x\n")


def test_large_json_keys_are_emptied_to_fit_gitlab_limit() -> None:
    big = [{"message": "x" * 3000}]
    text, emptied = dotenv_text(make_result(response=run_document("FAILED", statusReasons=big)))
    assert emptied == ["CODECATALYST_GATE_RESPONSE"]
    values = dict(gitlab_parse(text))
    assert values["CODECATALYST_GATE_RESPONSE"] == "" and json.loads(values["CODECATALYST_GATE_STATUS_REASONS"]) == big
    assert len(text.encode()) <= MAX_BYTES

    huge = [{"message": "x" * 6000}]
    text, emptied = dotenv_text(make_result(response=run_document("FAILED", statusReasons=huge)))
    assert emptied == ["CODECATALYST_GATE_RESPONSE", "CODECATALYST_GATE_STATUS_REASONS"]
    assert [key for key, _ in gitlab_parse(text)] == NAMES and len(text.encode()) <= MAX_BYTES


def emit(result: Result, targets: OutputTargets, *, redactor: Redactor | None = None) -> None:
    sink = Sink(targets, redactor=redactor or Redactor(), stdout=sys.stdout, stderr=sys.stderr)
    sink.result(result)
    assert sink.not_written == []


@pytest.mark.posix
def test_emit_writes_atomically_readable_and_redacted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "out.env"
    doc = run_document("FAILED", statusReasons=[{"message": f"token {TOKEN} echoed"}])
    emit(make_result(response=doc), OutputTargets(dotenv_file=path), redactor=Redactor(TOKEN))
    assert capsys.readouterr().out == ""
    text = path.read_text()
    assert TOKEN not in text and "token *** echoed" in text
    assert [key for key, _ in gitlab_parse(text)] == NAMES
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    assert capsys.readouterr().err == ""


def test_emit_says_when_it_left_keys_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_document("FAILED", statusReasons=[{"message": "x" * 6000}])
    emit(make_result(response=doc), OutputTargets(dotenv_file=tmp_path / "out.env"))
    err = capsys.readouterr().err
    assert "left CODECATALYST_GATE_RESPONSE and CODECATALYST_GATE_STATUS_REASONS empty" in err
    assert err.startswith("codecatalyst-gate: --dotenv:")


def test_several_runs_keep_their_verdicts_when_their_responses_do_not_fit() -> None:
    runs = tuple(make_result(run_id=f"a1b2c3d4-5678-90ab-cdef-00000000000{n}") for n in range(6))
    result = dataclasses.replace(runs[0], runs=runs)
    text, emptied = dotenv_text(result)
    assert len(text.encode()) <= MAX_BYTES
    values = dict(gitlab_parse(text))
    listed = json.loads(values["CODECATALYST_GATE_RUNS"])
    assert [run["run-id"] for run in listed] == [run.run_id for run in runs]
    assert all("response" not in run and run["status"] == "FAILED" for run in listed)
    assert emptied[0] == "the response of each run in CODECATALYST_GATE_RUNS"
