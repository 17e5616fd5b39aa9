"""The GitHub Action's entrypoint as the runner starts it, against the emulator, read back as the runner reads it.

`python entrypoint.py` with no arguments, INPUT_<NAME> variables (hyphens kept: INPUT_RUN-ID) and the file-command
paths GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. Its log and its outputs file are then read by small ports of the
runner's own parsers (actions/runner: ActionCommandManager.TryProcessCommand with ActionCommand.TryParseV2 and
TryParse; FileCommandManager's `name<<DELIM` reader), so "the runner would see X" is checked, not assumed.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate.emulator import HOSTILE_RUN_ID, STUCK_RUN_ID, Emulator, load_scenario
from tests.acceptance.conftest import PROJECT, REPO, RESULT_KEYS, SPACE, TOKEN, clean_env, requests_seen
from tests.acceptance.test_cli_e2e import (
    SHORT_TOKEN_WARNING,
    TOKEN_IDS,
    TOKENS,
    as_shown,
    assert_the_run_as_sent,
    echoing_run,
)

pytestmark = pytest.mark.e2e

ENTRYPOINT = [sys.executable, str(REPO / "entrypoint.py")]
RUNNER_SIGTERM_AFTER = 7.5  # seconds: on cancellation the runner sends SIGINT, then SIGTERM this much later


# --- the runner's parsers, ported ----------------------------------------------------------------------------------


def parse_output_file(text: str) -> list[tuple[str, str]]:
    """GITHUB_OUTPUT as the runner reads it on Linux: `name=value` lines, and `name<<DELIM` blocks whose value runs
    up to the first line equal to DELIM. Every pair in file order, repeats kept (the runner's last one wins)."""
    pairs: list[tuple[str, str]] = []
    index = 0

    def read_line() -> tuple[str | None, str | None]:
        nonlocal index
        if index >= len(text):
            return None, None
        start, lf = index, text.find("\n", index)
        if lf < 0:
            index = len(text)
            return text[start:], None
        index = lf + 1
        return text[start:lf], "\n"

    line, _ = read_line()
    while line is not None:
        if line:
            equals, heredoc = line.find("="), line.find("<<")
            if equals >= 0 and (heredoc < 0 or equals < heredoc):
                name, value = line.split("=", 1)
            elif heredoc >= 0 and (equals < 0 or heredoc < equals):
                name, delimiter = line.split("<<", 1)
                if not name or not delimiter:
                    raise ValueError(f"invalid format {line!r}: empty name or delimiter")
                start = end = index
                current, newline = read_line()
                while current != delimiter:
                    if current is None:
                        raise ValueError(f"matching delimiter not found {delimiter!r}")
                    if newline is None:
                        raise ValueError("EOF marker missing new line")
                    end = index - len(newline)
                    current, newline = read_line()
                value = text[start:end] if end > start else ""
            else:
                raise ValueError(f"invalid format {line!r}")
            pairs.append((name, value))
        line, _ = read_line()
    return pairs


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str
    line: int  # 0-based, in the log


def _unescape(text: str, *, properties: bool = False) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if properties else []) + [("%25", "%")]
    for escaped, plain in pairs:
        text = text.replace(escaped, plain)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """TryParseV2 (`::name k=v,k=v::data` after leading blanks), else TryParse (`##[name k=v;k=v]data` anywhere).
    Every name counts as registered: stricter than the runner, which ignores names it does not know."""
    text = line.lstrip()
    if text.startswith("::") and (end := text.find("::", 2)) >= 0:
        name, _, props = text[2:end].partition(" ")
        if name:
            found = dict(p.split("=", 1) for p in props.strip().split(",") if "=" in p.strip("="))
            return name, {k: _unescape(v, properties=True) for k, v in found.items()}, _unescape(text[end + 2:])
    if (start := line.find("##[")) >= 0 and (end := line.find("]", start)) >= 0:
        name, _, props = line[start + 3:end].partition(" ")
        if name:
            found = dict(p.split("=", 1) for p in props.split(";") if "=" in p.strip("="))
            return name, {k: _unescape(v) for k, v in found.items()}, _unescape(line[end + 1:])
    return None


def runner_commands(log: str) -> list[Command]:
    """The workflow commands the runner would act on in this log, in order, honouring stop-commands.

    Lines are split at every line break Python knows (the runner's StreamReader.ReadLine splits at \\n, \\r and
    \\r\\n only): a stricter reading than the runner's."""
    commands: list[Command] = []
    stopped_until: str | None = None
    for number, line in enumerate(log.splitlines()):
        parsed = parse_command(line)
        if parsed is None:
            continue
        name, properties, data = parsed
        if stopped_until is not None:
            if stopped_until and name.lower() == stopped_until.lower():
                commands.append(Command(name, properties, data, number))
                stopped_until = None
            continue
        if name.lower() == "stop-commands":
            stopped_until = data
        commands.append(Command(name, properties, data, number))
    return commands


def test_the_output_parser_follows_the_runner() -> None:
    text = ("a=1\n"
            "b<<EOF\nline one\nEOF2\nEOF\n"  # a line that merely starts like the delimiter does not end the value
            "c<<X\n\nX\n"  # an empty line is an empty value
            "d<<Z\nZ\n"
            "e=x<<y\n")
    assert parse_output_file(text) == [("a", "1"), ("b", "line one\nEOF2"), ("c", ""), ("d", ""), ("e", "x<<y")]
    with pytest.raises(ValueError, match="matching delimiter not found"):
        parse_output_file("a<<EOF\nvalue\n")
    with pytest.raises(ValueError, match="invalid format"):
        parse_output_file("no separator\n")


def test_the_command_reader_follows_the_runner() -> None:
    log = "\n".join([
        "::add-mask::s3cret",
        "  ::warning file=a%2Cb,line=3::x%0Ay",  # leading blanks are trimmed; properties and data unescaped
        "text ##[set-output name=k]v",  # the old form is found anywhere in a line
        "::stop-commands::fence",
        "::error::ignored while stopped",
        "::FENCE::",  # the resume token compares without case
        "not ::a command",
        "::group::",
    ])
    found = [(c.name, c.properties, c.data) for c in runner_commands(log)]
    assert found == [("add-mask", {}, "s3cret"), ("warning", {"file": "a,b", "line": "3"}, "x\ny"),
                     ("set-output", {"name": "k"}, "v"), ("stop-commands", {}, "fence"), ("FENCE", {}, ""),
                     ("group", {}, "")]


# --- running the entrypoint ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs_text: str
    summary: str
    seconds: float

    @property
    def outputs(self) -> dict[str, str]:
        """The step's outputs; fails unless they are exactly the result keys, each once, in order."""
        pairs = parse_output_file(self.outputs_text)
        assert [name for name, _ in pairs] == RESULT_KEYS
        return dict(pairs)


def runner_env(emulator: Emulator, tmp_path: Path, run_id: str, **inputs: str) -> dict[str, str]:
    """What the runner gives a Docker action: every input as INPUT_<NAME> (hyphens kept, unset ones empty) and
    fresh, empty file-command files."""
    values = {"space": SPACE, "project": PROJECT, "run-id": run_id, "token": TOKEN, "endpoint": emulator.base_url,
              "interval": "0.1", "timeout": "", "success-statuses": "", **inputs}
    env = clean_env(GITHUB_ACTIONS="true", **{f"INPUT_{name.upper()}": value for name, value in values.items()})
    for variable, name in (("GITHUB_OUTPUT", "set_output"), ("GITHUB_STEP_SUMMARY", "step_summary")):
        path = tmp_path / name
        path.write_text("")
        env[variable] = str(path)
    return env


def finished(env: dict[str, str], returncode: int, stdout: str, stderr: str, seconds: float) -> ActionRun:
    def text(path: Path) -> str:  # a test may point a file command at a path that cannot be written
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    return ActionRun(returncode, stdout, stderr, text(Path(env["GITHUB_OUTPUT"])),
                     text(Path(env["GITHUB_STEP_SUMMARY"])), seconds)


def run_action(env: dict[str, str], *, timeout: float = 30) -> ActionRun:
    started = time.monotonic()
    done = subprocess.run(ENTRYPOINT, env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    return finished(env, done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def our_commands(log: str, *, token: str = TOKEN) -> tuple[list[Command], str]:
    """The commands the runner acts on, checked to be ours and in our order; returns them and the fence."""
    commands = runner_commands(log)
    names = [c.name for c in commands]
    assert names[:2] == ["group", "stop-commands"], names
    fence = commands[1].data
    assert len(fence) >= 32 and fence not in log.replace(f"::stop-commands::{fence}", "").replace(f"::{fence}::", "")
    assert names[2:4] == [fence, "endgroup"] and names[4:] in ([], ["error"]), names
    assert token not in log  # never printed, not even for masking
    return commands, fence


# --- success, failure, hostile text --------------------------------------------------------------------------------


def test_a_succeeding_run_exits_0_with_every_output_once(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator(step=1)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    action = run_action(runner_env(emulator, tmp_path, run.id))
    assert action.returncode == 0, action.stdout + action.stderr
    outputs = action.outputs
    assert (outputs["result"], outputs["status"], outputs["exit-code"], outputs["polls"]) == (
        "success", "SUCCEEDED", "0", "5")
    assert (outputs["run-id"], outputs["space"], outputs["project"]) == (run.id, SPACE, PROJECT)
    assert outputs["status-reasons"] == "[]" and outputs["duration-seconds"] == "4"
    assert json.loads(outputs["response"])["id"] == run.id
    commands, _ = our_commands(action.stdout)
    assert [c.name for c in commands][5:] == []  # no annotation on success
    assert "status SUCCEEDED" in action.stdout and action.stderr == ""
    assert "SUCCEEDED" in action.summary and run.id in action.summary


def test_a_hostile_run_exits_1_and_its_text_changes_no_output_and_runs_no_command(start_emulator,
                                                                                  tmp_path: Path) -> None:
    emulator = start_emulator(scenario="hostile")
    action = run_action(runner_env(emulator, tmp_path, HOSTILE_RUN_ID))
    assert action.returncode == 1, action.stdout + action.stderr
    outputs = action.outputs  # exactly the result keys: no INJECTED, no x, nothing twice
    reasons = list(load_scenario("hostile").workflow("HostileWorkflow").plan.final_reasons)
    assert json.loads(outputs["status-reasons"]) == reasons  # kept whole, as data
    assert json.loads(outputs["response"])["statusReasons"] == reasons
    assert (outputs["result"], outputs["status"], outputs["exit-code"]) == ("failure", "FAILED", "1")
    commands, fence = our_commands(action.stdout)
    [annotation] = [c for c in commands if c.name == "error"]
    assert annotation.properties == {"title": "CodeCatalyst gate: failure (FAILED)"}
    # Issue 31: the annotation names the run and its workflow (issue 29: by the name GetWorkflow gave, the run
    # being given by ID).
    assert outputs["workflow-name"] == "HostileWorkflow"
    assert annotation.data.splitlines()[0] == \
        f"run {HOSTILE_RUN_ID} (workflow {outputs['workflow-name']}): the run ended FAILED"
    assert len(annotation.data.splitlines()) == 1 + len(reasons)  # one line per reason, none split in two
    # The poll log sits inside the fence, and every hostile reason shows there, made inert.
    lines = action.stdout.splitlines()
    inside = lines[lines.index(f"::stop-commands::{fence}") + 1:lines.index(f"::{fence}::")]
    assert sum(line.startswith("codecatalyst-gate: reason: ") for line in inside) == len(reasons)
    assert all("##[" not in line and "##vso" not in line for line in lines)
    assert runner_commands(action.stderr) == [] and action.stderr == ""
    assert "<script>" not in action.summary and "FAILED" in action.summary


def test_a_step_summary_that_cannot_be_written_is_exit_7_and_the_outputs_are_still_there(start_emulator,
                                                                                         tmp_path: Path) -> None:
    emulator = start_emulator(step=1)
    run = emulator.start_run(workflow="MyDemoWorkflow")
    env = runner_env(emulator, tmp_path, run.id)
    missing = tmp_path / "gone" / "step_summary"
    env["GITHUB_STEP_SUMMARY"] = str(missing)  # its folder does not exist
    action = run_action(env)
    assert action.returncode == 7, action.stdout + action.stderr
    assert action.outputs["result"] == "success" and action.outputs["exit-code"] == "0"  # the verdict stands
    [problem] = [c for c in our_commands(action.stdout)[0] if c.name == "error"]
    assert problem.properties == {"title": "CodeCatalyst gate: result not written"}
    assert problem.data == f"$GITHUB_STEP_SUMMARY: could not write {missing}: No such file or directory"
    assert "Traceback" not in action.stdout + action.stderr


def test_a_token_the_server_echoes_shows_nowhere(start_emulator, tmp_path: Path) -> None:
    emulator = start_emulator()
    run = emulator.start_run(workflow="MyDemoWorkflow", started_ago=10, final="FAILED",
                             overrides={"statusReasons": [{"message": f"bearer {TOKEN} rejected"}]})
    action = run_action(runner_env(emulator, tmp_path, run.id))
    assert action.returncode == 1, action.stdout + action.stderr
    for text in (action.stdout, action.stderr, action.outputs_text, action.summary):
        assert TOKEN not in text
    assert json.loads(action.outputs["status-reasons"]) == [{"message": "bearer *** rejected"}]


def markdown_escaped(text: str) -> str:
    """As the summary shows a value: every ASCII punctuation character backslash-escaped."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


@pytest.mark.parametrize("token", TOKENS, ids=TOKEN_IDS)
def test_a_token_found_inside_the_answer_alters_no_output_and_a_real_one_never_leaves(start_emulator,
                                                                                     tmp_path: Path,
                                                                                     token: str) -> None:
    """$GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY carry the server's values to the character; a token too short to
    mask is one warning annotation naming the input, and a realistic one shows nowhere."""
    emulator, run, sent = echoing_run(start_emulator, token)
    action = run_action(runner_env(emulator, tmp_path, run.id, token=token))
    assert action.returncode == 1, action.stdout + action.stderr
    outputs = action.outputs
    assert_the_run_as_sent({key: json.loads(value) if key in ("response", "status-reasons", "followed") else
                            value for key, value in outputs.items()}, sent)
    assert json.loads(outputs["response"]) == as_shown(token, sent)
    assert json.loads(outputs["status-reasons"]) == as_shown(token, sent)["statusReasons"]
    assert f"| Space / project | {SPACE} / {PROJECT} |" in action.summary
    assert f"]({outputs['run-url']})" in action.summary
    assert f"| Started | {markdown_escaped(sent['startTime'])} |" in action.summary
    commands = runner_commands(action.stdout)
    warnings = [c for c in commands if c.name == "warning"]
    if len(token) < 8:
        assert [c.name for c in commands][:2] == ["warning", "group"]  # once, before the log's group
        assert [(c.properties, c.data) for c in warnings] == [
            ({"title": "CodeCatalyst gate: short token"}, SHORT_TOKEN_WARNING.replace(
                "CODECATALYST_TOKEN", "input 'token'"))]
        assert f"bearer {markdown_escaped(token)} rejected" in action.summary
    else:
        assert warnings == []
        for text in (action.stdout, action.stderr, action.outputs_text, action.summary):
            assert token not in text
        assert "bearer \\*\\*\\* rejected" in action.summary


@pytest.mark.parametrize(("run_id", "inputs", "code", "result"), [
    pytest.param("../x", {}, 2, "error", id="bad-run-id-2"),
    pytest.param(STUCK_RUN_ID, {"timeout": "1"}, 3, "timeout", id="timeout-3"),
    pytest.param(STUCK_RUN_ID, {"token": "ccpat-wrong-token-42"}, 4, "error", id="wrong-token-4"),
])
def test_the_exit_code_table_holds_through_the_action(start_emulator, tmp_path: Path, run_id: str,
                                                      inputs: dict[str, str], code: int, result: str) -> None:
    emulator = start_emulator(scenario="stuck")
    action = run_action(runner_env(emulator, tmp_path, run_id, **inputs))
    assert action.returncode == code, action.stdout + action.stderr
    commands = runner_commands(action.stdout)
    assert commands[-1].name == "error"
    assert action.outputs["result"] == result and action.outputs["exit-code"] == str(code)
    if code == 2:  # refused before anything was sent: one annotation naming the input, the outputs saying so
        assert list(emulator.requests) == []
        assert [c.name for c in commands] == ["error"]
        assert commands[-1].properties["title"] == "CodeCatalyst gate: bad input"
        assert "input 'run-id': '../x'" in commands[-1].data
        assert action.outputs["run-id"] == action.outputs["status"] == ""
    else:
        our_commands(action.stdout, token=inputs.get("token", TOKEN))


# --- cancellation --------------------------------------------------------------------------------------------------


@pytest.mark.posix
def test_the_runners_cancellation_ends_the_step_with_outputs_written(start_emulator, start_gate,
                                                                     tmp_path: Path) -> None:
    emulator = start_emulator(scenario="stuck")
    env = runner_env(emulator, tmp_path, STUCK_RUN_ID, interval="30")  # only a signal ends this wait in time
    gate = start_gate(ENTRYPOINT, env=env)
    gate.wait_for("stdout", "status IN_PROGRESS")
    started = time.monotonic()
    gate.signal(signal.SIGINT)
    try:  # as the runner does it: SIGTERM only if the step is still running 7.5 s later
        gate.process.wait(timeout=RUNNER_SIGTERM_AFTER)
    except subprocess.TimeoutExpired:  # still running: the runner's second signal
        gate.signal(signal.SIGTERM)
    done = gate.finish(timeout=10)
    action = finished(env, done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    assert action.returncode == 130, action.stdout + action.stderr
    assert action.seconds < 2, action.stdout  # the SIGINT alone ended it, at once
    outputs = action.outputs
    assert (outputs["result"], outputs["status"], outputs["exit-code"]) == ("cancelled", "IN_PROGRESS", "130")
    commands, _ = our_commands(action.stdout)
    assert commands[-1].name == "error"
    assert commands[-1].properties["title"] == "CodeCatalyst gate: cancelled (IN_PROGRESS)"
    assert requests_seen(emulator) == [200]


@pytest.mark.posix
@pytest.mark.parametrize("gap", [0.002, 0.02], ids=["2ms", "20ms"])
def test_sigint_then_sigterm_close_together_still_write_the_outputs(start_emulator, start_gate, tmp_path: Path,
                                                                    gap: float) -> None:
    """The runner's two signals, 7.5 s apart, arriving close together (a slow step, a busy machine): the second must
    not kill the entrypoint before it has written its outputs and exited 130 or 143."""
    emulator = start_emulator(scenario="stuck")
    env = runner_env(emulator, tmp_path, STUCK_RUN_ID, interval="30")
    gate = start_gate(ENTRYPOINT, env=env)
    gate.wait_for("stdout", "status IN_PROGRESS")
    gate.signal(signal.SIGINT)
    time.sleep(gap)
    gate.signal(signal.SIGTERM)
    done = gate.finish(timeout=10)
    action = finished(env, done.returncode, done.stdout, done.stderr, done.seconds)
    written = bool(action.outputs_text)
    assert action.returncode in (130, 143), f"exit {action.returncode}; outputs written: {written}"
    outputs = action.outputs
    assert (outputs["result"], outputs["exit-code"]) == ("cancelled", str(action.returncode))
