"""The fleet for real: N gate processes against `codecatalyst-gate emulator --rate-limit R` (its CLI, as a user
starts it), one token shared, runs that end RUN_SECONDS after the emulator starts, every FAIL_EVERY-th failing.

`python -m tests.acceptance.fleet [N] [RATE]` prints the figures (the issue's before/after); the fleet test asserts
on them (tests/acceptance/test_fleet_e2e.py).
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.acceptance.conftest import GATE, PROJECT, REPO, SPACE, TOKEN, clean_env

RUN_SECONDS = 25.0
FAIL_EVERY = 4
OK_WORKFLOW, FAIL_WORKFLOW, ENDLESS_WORKFLOW = "FleetOk", "FleetFail", "FleetEndless"
TIMELINE = [["VALIDATING", 1], ["PROVISIONING", 2], ["IN_PROGRESS", RUN_SECONDS - 3]]
NAMESPACE = uuid.UUID("5eed5eed-0000-4000-8000-00000000f1ee")


def run_id(index: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"fleet/{index}"))


def expected_exit(index: int) -> int:
    return 1 if index % FAIL_EVERY == FAIL_EVERY - 1 else 0


def scenario(n: int, *, throttled: Sequence[int] = ()) -> dict[str, Any]:
    """N runs started as the emulator starts; the runs at `throttled` never end, and are throttled from their second
    poll on (whenever the fleet lets their first one through)."""
    history = [{"status": "SUCCEEDED", "startedAgo": 3600.0 * (i + 1), "duration": RUN_SECONDS + (i % 3) - 1}
               for i in range(6)]
    workflows = [{"name": name, "timeline": TIMELINE, "final": final, "history": history}
                 for name, final in ((OK_WORKFLOW, "SUCCEEDED"), (FAIL_WORKFLOW, "FAILED"), (ENDLESS_WORKFLOW, None))]
    runs = [{"id": run_id(i), "startedAgo": 0, "workflow": ENDLESS_WORKFLOW if i in throttled else
             FAIL_WORKFLOW if expected_exit(i) else OK_WORKFLOW} for i in range(n)]
    faults = [{"kind": "throttle", "operation": "GetWorkflowRun", "runId": run_id(i), "after": 1, "count": "always"}
              for i in throttled]
    return {"seed": False, "workflows": workflows, "runs": runs, "faults": faults}


@dataclass
class Gate:
    index: int
    process: subprocess.Popen[str]
    timeout: float
    started: float = 0.0  # seconds after the emulator started (the process was spawned)
    ended: float | None = None  # seconds after the emulator started
    code: int | None = None


@dataclass
class Fleet:
    gates: list[Gate]
    requests: int
    throttled: int
    log: list[str] = field(default_factory=list)
    workdir: Path | None = None  # each gate's result (gate-<i>.json) and stderr (gate-<i>.log)

    def latencies(self, indices: Sequence[int]) -> list[float]:
        """Seconds from each run's end to its gate's exit."""
        return [self.gates[i].ended - RUN_SECONDS for i in indices if self.gates[i].ended is not None]

    def figures(self, indices: Sequence[int]) -> str:
        found = sorted(self.latencies(indices))
        p95 = statistics.quantiles(found, n=20, method="inclusive")[-1] if len(found) > 1 else found[0]
        return (f"{len(indices)} gates: {self.requests} requests, {self.throttled} throttled "
                f"({100 * self.throttled / max(1, self.requests):.0f} %); notice latency p50 "
                f"{statistics.median(found):.1f} s, p95 {p95:.1f} s, last {found[-1]:.1f} s")


def start_emulator(scenario_file: Path, rate: float, log: IO[str]) -> tuple[subprocess.Popen[str], str, float]:
    emulator = subprocess.Popen((*GATE, "emulator", "--port", "0", "--rate-limit", f"{rate:g}", "--scenario",
                                 str(scenario_file), "--log-requests"), stdout=subprocess.PIPE, stderr=log,
                                text=True, cwd=REPO, env=clean_env())
    assert emulator.stdout is not None
    url = emulator.stdout.readline().strip()
    return emulator, url, time.monotonic()


def run_fleet(workdir: Path, n: int = 30, rate: float = 3.0, *, timeout: float = 120.0,
              throttled: dict[int, float] | None = None) -> Fleet:
    """Starts the emulator and N gates (those in `throttled` with their own --timeout), waits for every gate."""
    throttled = throttled or {}
    scenario_file, log_file = workdir / "fleet.json", workdir / "emulator.log"
    scenario_file.write_text(json.dumps(scenario(n, throttled=list(throttled))), encoding="utf-8")
    with contextlib.ExitStack() as files:
        log = files.enter_context(log_file.open("w", encoding="utf-8"))
        emulator, url, began = start_emulator(scenario_file, rate, log)
        files.callback(lambda: emulator.stdout.close() if emulator.stdout else None)
        try:
            gates = []
            for i in range(n):
                stderr = files.enter_context((workdir / f"gate-{i}.log").open("w", encoding="utf-8"))
                spawned = time.monotonic() - began
                gates.append(Gate(i, subprocess.Popen(
                    (*GATE, "wait", "--space", SPACE, "--project", PROJECT, "--run-id", run_id(i), "--endpoint", url,
                     "--timeout", f"{throttled.get(i, timeout):g}", "--output-file", str(workdir / f"gate-{i}.json")),
                    stdout=subprocess.DEVNULL, stderr=stderr, text=True, cwd=REPO,
                    env=clean_env(CODECATALYST_TOKEN=TOKEN)), throttled.get(i, timeout), spawned))
            while any(g.code is None for g in gates):
                for g in gates:
                    if g.code is None and (code := g.process.poll()) is not None:
                        g.code, g.ended = code, time.monotonic() - began
                time.sleep(0.05)
        finally:
            emulator.terminate()
            emulator.wait(timeout=30)
    lines = [line for line in log_file.read_text(encoding="utf-8").splitlines() if " -> " in line]
    return Fleet(gates, requests=len(lines), throttled=sum(" -> 429 " in line for line in lines), log=lines,
                 workdir=workdir)


def main(argv: Sequence[str]) -> int:
    import tempfile

    n = int(argv[0]) if argv else 30
    rate = float(argv[1]) if len(argv) > 1 else 3.0
    with tempfile.TemporaryDirectory() as tmp:
        fleet = run_fleet(Path(tmp), n, rate)
    wrong = [g.index for g in fleet.gates if g.code != expected_exit(g.index)]
    early = [g.index for g in fleet.gates if g.ended is not None and g.ended < RUN_SECONDS]
    print(fleet.figures(range(n)))
    print(f"wrong exit codes: {wrong or 'none'}; ended before their run: {early or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
