"""Demo: the gate against the bundled emulator, no AWS account needed.

Starts the emulator in-process, starts a MyDemoWorkflow run (it succeeds) and a BrokenWorkflow run
(it fails) through the StartWorkflowRun API, and runs `codecatalyst-gate wait ... --json` on each
as a subprocess. Exits 0 if the gate exited 0 for the first and 1 for the second; within a minute,
leaving no process behind.

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
from dataclasses import dataclass
from pathlib import Path

import requests

from gate.emulator import BROKEN_WORKFLOW_ID, MY_DEMO_WORKFLOW_ID, PROJECT, SPACE, Emulator

TOKEN = "demo-token"
GATE_TIMEOUT = 25.0  # seconds per gate run; both together stay within a minute


@dataclass(frozen=True)
class Case:
    workflow: str
    workflow_id: str
    expected_exit: int


CASES = (Case("MyDemoWorkflow", MY_DEMO_WORKFLOW_ID, 0), Case("BrokenWorkflow", BROKEN_WORKFLOW_ID, 1))


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


def run_gate(*, base_url: str, run_id: str) -> tuple[int | None, dict | None]:
    """(exit code or None on timeout, the --json result); the gate's log is shown line by line as it comes."""
    command = [*gate_command(), "wait", "--space", SPACE, "--project", PROJECT, "--run-id", run_id,
               "--endpoint", base_url, "--json"]
    env = {**os.environ, "CODECATALYST_TOKEN": TOKEN}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as gate:
        killer = threading.Timer(GATE_TIMEOUT, gate.kill)
        killer.start()
        try:
            for line in gate.stderr:  # type: ignore[union-attr]
                print(f"    gate| {line.rstrip()}", flush=True)
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
    with Emulator(token=TOKEN) as emulator:
        print(f"emulator listening on {emulator.base_url} (space {SPACE}, project {PROJECT})")
        for number, case in enumerate(CASES, 1):
            run_id = start_run(base_url=emulator.base_url, workflow_id=case.workflow_id)
            print(f"\n[{number}/{len(CASES)}] started a {case.workflow} run {run_id}; "
                  f"waiting with codecatalyst-gate (expect exit {case.expected_exit})")
            code, result = run_gate(base_url=emulator.base_url, run_id=run_id)
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
    print(f"\ndemo OK: the gate passed the succeeding run and failed the broken one ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
