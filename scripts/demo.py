"""Demo: the gate against the bundled emulator, no AWS account needed.

Starts the emulator in-process and runs `codecatalyst-gate wait ... --json` as a subprocess three times:
1. `--workflow MyDemoWorkflow --start`: the gate starts the run by name and passes it (exit 0);
2. `--workflow BrokenWorkflow --start`: the run fails, and so does the gate (exit 1);
3. `--run-id <a Release run> --follow-superseded`: while the gate waits, a newer Release run supersedes the one
   it was given (Release's run mode is SUPERSEDED, as after a second push); the gate follows it to its end (exit 0).
The three gates run at the same time, as they would in three CI jobs; each one's log is shown in turn, whole, as it
came (the live part as it comes), so the demo takes as long as its longest run, not the sum.
Exits 0 if every gate exited as expected; within half a minute, leaving no process behind.

    .venv/bin/python scripts/demo.py
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.emulator import PROJECT, RELEASE_WORKFLOW_ID, SPACE, Emulator

TOKEN = "demo-token"
GATE_TIMEOUT = 25.0  # seconds per gate run; they run at once
# The seeded MyDemoWorkflow (4 s) and BrokenWorkflow (3 s), and a Release workflow whose run mode lets a newer
# run supersede the active one, with short runs (3 s): the demo lasts as long as its longest gate.
SCENARIO = {"workflows": [{"name": "Release", "id": RELEASE_WORKFLOW_ID, "runMode": "SUPERSEDED",
                           "timeline": [["VALIDATING", 1], ["IN_PROGRESS", 2]],
                           "final": "SUCCEEDED", "history": 2}]}


@dataclass(frozen=True)
class Case:
    title: str
    args: tuple[str, ...]
    expected_exit: int
    supersede: bool = False  # start a newer Release run once the gate is watching the first one


CASES = (
    Case("the gate starts MyDemoWorkflow by name", ("--workflow", "MyDemoWorkflow", "--start"), 0),
    Case("the gate starts BrokenWorkflow by name", ("--workflow", "BrokenWorkflow", "--start"), 1),
    Case("a Release run is superseded while the gate waits; the gate follows it", ("--follow-superseded",), 0,
         supersede=True),
)


@dataclass(frozen=True)
class Ended:
    """A gate's end: its exit code (None when it overran GATE_TIMEOUT) and its --json result."""

    code: int | None
    result: dict[str, Any] | None


def gate_command() -> list[str]:
    """The console script next to this interpreter (a venv), else on PATH, else `python -m gate`."""
    beside = Path(sys.executable).with_name("codecatalyst-gate")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("codecatalyst-gate")
    return [found] if found else [sys.executable, "-m", "gate"]


def run_gate(*, base_url: str, args: tuple[str, ...], say: Callable[[str], None],
             when_watching: Callable[[], None] | None = None) -> Ended:
    """Runs the gate to its end, passing each line of its log to `say` as it comes. `when_watching` runs once the
    gate has seen its run (its first status line)."""
    command = [*gate_command(), "wait", "--space", SPACE, "--project", PROJECT, "--endpoint", base_url, "--json",
               *args]
    env = {**os.environ, "CODECATALYST_TOKEN": TOKEN}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as gate:
        killer = threading.Timer(GATE_TIMEOUT, gate.kill)
        killer.start()
        try:
            for line in gate.stderr:  # type: ignore[union-attr]
                say(f"    gate| {line.rstrip()}")
                if when_watching is not None and "] status " in line:
                    when_watching()
                    when_watching = None
            stdout = gate.stdout.read()  # type: ignore[union-attr]
            code = gate.wait()
        finally:
            killer.cancel()
            if gate.poll() is None:
                gate.kill()
    if code < 0:  # killed by the timer
        return Ended(None, None)
    try:
        return Ended(code, json.loads(stdout))
    except json.JSONDecodeError:
        return Ended(code, None)


class Shown:
    """One case's lines, kept until it is that case's turn to be shown, then shown as they come."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str | Ended] = queue.Queue()

    def say(self, line: str) -> None:
        self.lines.put(line)

    def show_until_ended(self) -> Ended:
        while True:
            item = self.lines.get()
            if isinstance(item, Ended):
                return item
            print(item, flush=True)


def start_case(case: Case, *, emulator: Emulator) -> tuple[str, Shown]:
    """Starts the case's gate in a thread; returns the lines that introduce it and where its log will be."""
    shown, args, when_watching = Shown(), case.args, None
    if case.supersede:
        # A run that would never end on its own, so that it is still going when the gate first sees it, however
        # slowly the gate starts: the newer run ends it SUPERSEDED.
        run_id = emulator.start_run(workflow=RELEASE_WORKFLOW_ID, by_name=False, final=None).id
        args = ("--run-id", run_id, *args)

        def when_watching(older: str = run_id) -> None:
            newer = emulator.start_run(workflow=RELEASE_WORKFLOW_ID, by_name=False).id
            shown.say(f"    demo| a newer Release run {newer} starts and supersedes {older}")

        intro = f"{case.title}: Release run {run_id} (expect exit {case.expected_exit})"
    else:
        intro = f"{case.title} (expect exit {case.expected_exit})"
    intro += f"\n    $ codecatalyst-gate wait --space {SPACE} --project {PROJECT} --json {' '.join(args)}"

    def run() -> None:
        ended = Ended(None, None)
        try:
            ended = run_gate(base_url=emulator.base_url, args=args, say=shown.say, when_watching=when_watching)
        finally:
            shown.lines.put(ended)

    threading.Thread(target=run, name=case.title, daemon=True).start()
    return intro, shown


def main() -> int:
    started = time.monotonic()
    failures = 0
    with Emulator(token=TOKEN, scenario=SCENARIO) as emulator:
        print(f"emulator listening on {emulator.base_url} (space {SPACE}, project {PROJECT}); the {len(CASES)} "
              "gates below run at the same time, each one's log shown in turn")
        started_cases = [(case, *start_case(case, emulator=emulator)) for case in CASES]
        for number, (case, intro, shown) in enumerate(started_cases, 1):
            print(f"\n[{number}/{len(CASES)}] {intro}", flush=True)
            ended = shown.show_until_ended()
            result = ended.result
            if result is not None:
                print("    the result object (--json):")
                print(textwrap.indent(json.dumps(result, indent=2), "      "))
            status = result.get("status") if isinstance(result, dict) else None
            reasons = result.get("status-reasons") if isinstance(result, dict) else None
            behaved = ended.code == case.expected_exit
            failures += not behaved
            verdict = "as expected" if behaved else "NOT as expected"
            print(f"    -> exit {ended.code if ended.code is not None else 'none (timed out)'}, run status {status}"
                  f"{f', reasons {reasons}' if reasons else ''}: {verdict}", flush=True)
    elapsed = time.monotonic() - started
    if failures:
        print(f"\ndemo FAILED: {failures} of {len(CASES)} gate runs did not exit as expected ({elapsed:.1f} s)")
        return 1
    print(f"\ndemo OK: the gate started and passed a run, failed a broken one, and followed a superseded run to "
          f"its end ({elapsed:.1f} s)")
    print(path_hint())
    return 0


def path_hint() -> str:
    """Where the command is, and the line that puts it on PATH (the Quickstart in README.md starts with it)."""
    beside = Path(sys.executable).with_name("codecatalyst-gate")
    if not beside.is_file():
        return "try it yourself: README.md's Quickstart"
    return (f"try it yourself: the command is {beside}; put it on PATH, then follow README.md's Quickstart:\n"
            f'    export PATH="{beside.parent}:$PATH"')


if __name__ == "__main__":
    sys.exit(main())
