"""Demo: the gate against the bundled emulator, no AWS account needed.

Starts the emulator in-process and runs `codecatalyst-gate wait ... --json` as a subprocess three times:
1. `--workflow MyDemoWorkflow --start`: the gate starts the run by name and passes it (exit 0);
2. `--workflow BrokenWorkflow --start`: the run fails, and so does the gate (exit 1);
3. `--run-id <a Release run> --follow-superseded`: while the gate waits, a newer Release run supersedes the one
   it was given (Release's run mode is SUPERSEDED, as after a second push); the gate follows it to its end (exit 0).
Exits 0 if every gate exited as expected; within a minute, leaving no process behind.

    .venv/bin/python scripts/demo.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from gate.emulator import PROJECT, RELEASE_WORKFLOW_ID, SPACE, Emulator

TOKEN = "demo-token"
GATE_TIMEOUT = 25.0  # seconds per gate run; together they stay within a minute


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


def gate_command() -> list[str]:
    """The console script next to this interpreter (a venv), else on PATH, else `python -m gate`."""
    beside = Path(sys.executable).with_name("codecatalyst-gate")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("codecatalyst-gate")
    return [found] if found else [sys.executable, "-m", "gate"]


def start_run(*, base_url: str, workflow_id: str) -> str:
    with requests.Session() as session:
        answer = session.put(f"{base_url}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns",
                             params={"workflowId": workflow_id}, json={},
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    answer.raise_for_status()
    return answer.json()["id"]


def run_gate(*, base_url: str, args: tuple[str, ...], when_watching: Callable[[], None] | None = None
             ) -> tuple[int | None, dict | None]:
    """(exit code or None on timeout, the --json result); the gate's log is shown line by line as it comes.
    `when_watching` runs once the gate has seen its run in progress."""
    command = [*gate_command(), "wait", "--space", SPACE, "--project", PROJECT, "--endpoint", base_url, "--json",
               *args]
    env = {**os.environ, "CODECATALYST_TOKEN": TOKEN}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as gate:
        killer = threading.Timer(GATE_TIMEOUT, gate.kill)
        killer.start()
        try:
            for line in gate.stderr:  # type: ignore[union-attr]
                print(f"    gate| {line.rstrip()}", flush=True)
                if when_watching is not None and "status IN_PROGRESS" in line:
                    when_watching()
                    when_watching = None
            stdout = gate.stdout.read()  # type: ignore[union-attr]
            code = gate.wait()
        finally:
            killer.cancel()
            if gate.poll() is None:
                gate.kill()
    if code < 0:  # killed by the timer
        return None, None
    try:
        return code, json.loads(stdout)
    except json.JSONDecodeError:
        return code, None


def main() -> int:
    started = time.monotonic()
    failures = 0
    with Emulator(token=TOKEN, scenario="busy") as emulator:
        print(f"emulator listening on {emulator.base_url} (space {SPACE}, project {PROJECT})")
        for number, case in enumerate(CASES, 1):
            args, when_watching = case.args, None
            if case.supersede:
                run_id = start_run(base_url=emulator.base_url, workflow_id=RELEASE_WORKFLOW_ID)
                args = ("--run-id", run_id, *args)

                def when_watching(older: str = run_id) -> None:
                    newer = start_run(base_url=emulator.base_url, workflow_id=RELEASE_WORKFLOW_ID)
                    print(f"    demo| a newer Release run {newer} starts and supersedes {older}", flush=True)

                print(f"\n[{number}/{len(CASES)}] {case.title}: Release run {run_id} "
                      f"(expect exit {case.expected_exit})")
            else:
                print(f"\n[{number}/{len(CASES)}] {case.title} (expect exit {case.expected_exit})")
            print(f"    $ codecatalyst-gate wait --space {SPACE} --project {PROJECT} --json {' '.join(args)}")
            code, result = run_gate(base_url=emulator.base_url, args=args, when_watching=when_watching)
            if result is not None:
                print("    the result object (--json):")
                print(textwrap.indent(json.dumps(result, indent=2), "      "))
            status = result.get("status") if isinstance(result, dict) else None
            reasons = result.get("status-reasons") if isinstance(result, dict) else None
            behaved = code == case.expected_exit
            failures += not behaved
            verdict = "as expected" if behaved else "NOT as expected"
            print(f"    -> exit {code if code is not None else 'none (timed out)'}, run status {status}"
                  f"{f', reasons {reasons}' if reasons else ''}: {verdict}")
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
