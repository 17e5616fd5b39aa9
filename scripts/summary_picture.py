"""The README's picture of a job summary's timeline, made from a real gate: remake it with

    .venv/bin/python scripts/summary_picture.py [OUTPUT.png]   (default docs/summary-timeline.png)

Starts the bundled emulator in-process, on the real clock, with three workflows whose newest runs started minutes
ago: Build ends as usual, Test fails after twice its usual time, Deploy never ends. Runs the Action's entrypoint
on them (`workflow: Build, Test, Deploy`, `latest: true`, adaptive polling, a 6-second timeout) as the runner
would, with a step summary file; then draws the summary's Mermaid block with Mermaid's own renderer (mmdc and
chromium, installed on demand by scripts/render/ensure-mermaid.sh) and prints the summary. Exits 0 when the
picture was made. About half a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from gate.emulator import PROJECT, SPACE, Emulator

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "demo-token"


def history(*durations: float) -> list[dict[str, Any]]:
    return [{"status": "SUCCEEDED", "startedAgo": 3600.0 * (i + 1), "duration": d} for i, d in enumerate(durations)]


# Each workflow's newest run started `ago` seconds before the gate, and ends `ago + 2` seconds after its start.
WORKFLOWS: list[dict[str, Any]] = [
    {"name": "Build", "history": history(200, 190, 205, 230, 215),
     "timeline": [["VALIDATING", 5], ["PROVISIONING", 24], ["IN_PROGRESS", 161]], "final": "SUCCEEDED"},
    {"name": "Test", "history": history(195, 205, 210, 220, 199, 240, 205),
     "timeline": [["VALIDATING", 6], ["PROVISIONING", 31], ["IN_PROGRESS", 363]],
     "final": {"status": "FAILED", "statusReasons": [{"message": "Action Test failed: 3 of 212 tests failed"}]}},
    {"name": "Deploy", "history": history(290, 310, 300),
     "timeline": [["VALIDATING", 4], ["PROVISIONING", 40], ["IN_PROGRESS", 60]], "final": None},
]
AGO = {"Build": 188.0, "Test": 398.0, "Deploy": 540.0}


def run_gate(emulator: Emulator, folder: Path) -> tuple[int, str]:
    summary = folder / "step_summary"
    summary.write_text("")
    inputs = {"space": SPACE, "project": PROJECT, "token": TOKEN, "endpoint": emulator.base_url,
              "workflow": "Build\nTest\nDeploy", "latest": "true", "timeout": "6", "interval": ""}
    env = {key: value for key, value in os.environ.items() if not key.startswith(("INPUT_", "GITHUB_", "RUNNER_"))}
    env |= {f"INPUT_{name.upper()}": value for name, value in inputs.items()}
    env |= {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(folder / "output"), "GITHUB_STEP_SUMMARY": str(summary)}
    done = subprocess.run([sys.executable, str(ROOT / "entrypoint.py")], env=env, cwd=folder, capture_output=True,
                          text=True, timeout=60, check=False)
    return done.returncode, summary.read_text(encoding="utf-8")


def draw(block: str, output: Path, folder: Path) -> None:
    ensure = subprocess.run([str(ROOT / "scripts" / "render" / "ensure-mermaid.sh")], capture_output=True, text=True,
                            timeout=1200, check=False)
    if ensure.returncode != 0:
        sys.exit(f"summary_picture: Mermaid's renderer is not available: {ensure.stderr.strip()}")
    source, config = folder / "timeline.mmd", folder / "puppeteer.json"
    source.write_text(block, encoding="utf-8")
    config.write_text(json.dumps({"args": ["--no-sandbox", "--disable-gpu"]}), encoding="utf-8")
    done = subprocess.run([ensure.stdout.strip().splitlines()[-1], "-p", str(config), "-i", str(source),
                           "-o", str(output), "-w", "1000", "-s", "2", "-b", "white"],
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not output.is_file():
        sys.exit(f"summary_picture: mmdc failed:\n{done.stdout}{done.stderr}")


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "summary-timeline.png"
    with tempfile.TemporaryDirectory() as tmp:
        emulator = Emulator(token=TOKEN, scenario={"workflows": WORKFLOWS}).start()
        try:
            for workflow in WORKFLOWS:
                emulator.start_run(workflow=workflow["name"], started_ago=AGO[workflow["name"]])
            code, summary = run_gate(emulator, Path(tmp))
        finally:
            emulator.stop()
        if code != 3 or "```mermaid\n" not in summary:
            sys.exit(f"summary_picture: the gate exited {code} (3 expected: Deploy times out); summary:\n{summary}")
        output.parent.mkdir(parents=True, exist_ok=True)
        draw(summary.split("```mermaid\n", 1)[1].split("```", 1)[0], output, Path(tmp))
    print(summary)
    print(f"summary_picture: wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
