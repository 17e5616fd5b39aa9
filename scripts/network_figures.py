"""Issue 13's before/after figures: the gate against a trickled answer and a gzip bomb from the emulator.

    .venv/bin/python scripts/network_figures.py [GATE_SOURCE_DIR]   # default: this checkout

GATE_SOURCE_DIR is the checkout whose `gate` package is measured (e.g. an older one); the emulator is always
this checkout's. Prints, per case, the exit code, the wall time and the peak RSS of the gate process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gate.emulator import Emulator  # noqa: E402 - after the path is set

TOKEN = "ccpat-figures-token"
CASES = [
    ("trickle, 1 byte every 0.5 s, --timeout 4", {"kind": "trickle", "bytes": 1, "every": 0.5, "count": "always"}, "4"),
    ("gzip bomb, 1 GiB inflated", {"kind": "bomb", "count": "always"}, "60"),
]


def main() -> None:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT).resolve()
    for name, fault, timeout in CASES:
        with Emulator(token=TOKEN, scenario={"faults": [fault]}) as emulator:
            run = emulator.start_run(workflow="MyDemoWorkflow")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("CODECATALYST_", "GITHUB_", "INPUT_"))}
            env.update(CODECATALYST_TOKEN=TOKEN, PYTHONPATH=str(source))
            with tempfile.TemporaryFile() as err:
                started = time.monotonic()
                process = subprocess.Popen(
                    [sys.executable, "-m", "gate", "wait", "--space", "ExampleCorp", "--project", "MyDemoProject",
                     "--run-id", run.id, "--endpoint", emulator.base_url, "--interval", "1", "--timeout", timeout],
                    env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=source)
                killer = threading.Timer(600, process.kill)
                killer.start()
                try:
                    _, status, usage = os.wait4(process.pid, 0)
                finally:
                    killer.cancel()
                    process.returncode = -1
                seconds = time.monotonic() - started
                err.seek(0)
                last = err.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            print(f"{name}: exit {os.waitstatus_to_exitcode(status)} after {seconds:.1f} s, "
                  f"peak RSS {usage.ru_maxrss / 1024:.0f} MiB; {' '.join(last)[:160]}")


if __name__ == "__main__":
    main()
