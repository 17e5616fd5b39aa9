"""`make demo` as a newcomer runs it: every run shown live with its result object, exit 0, nothing left behind."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


@pytest.mark.posix
@pytest.mark.e2e
def test_demo_starts_runs_by_name_follows_a_superseded_one_and_exits_0_within_a_minute() -> None:
    started = time.monotonic()
    # Its own session, so that whatever it starts can be found afterwards by session id (= its pid).
    demo = subprocess.Popen([sys.executable, str(DEMO)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        output, _ = demo.communicate(timeout=90)
    finally:
        if demo.poll() is None:
            demo.kill()
    elapsed = time.monotonic() - started
    assert demo.returncode == 0, output
    assert elapsed < 60
    for status in ("VALIDATING", "PROVISIONING", "IN_PROGRESS", "SUCCEEDED", "FAILED", "SUPERSEDED"):
        assert f"status {status}" in output
    assert '"result": "success"' in output and '"result": "failure"' in output
    assert "starting workflow MyDemoWorkflow" in output and "starting workflow BrokenWorkflow" in output
    assert '"started": true' in output
    assert "exit 1, run status FAILED" in output
    assert "was superseded by run" in output and '"followed": [\n' in output
    # Honest comparisons (issue 31): the emulator's history is drawn like its runs, so no run reads `47× faster`;
    # each gate compares its run with the usual one, and none is off by more than 5× either way.
    compared = re.findall(r"usual \d+s \(median of \d+ recent runs\); ([^\n]+)", output)
    assert len(compared) >= 3, output
    factors = [float(found[1]) for found in (re.fullmatch(r"(\d+(?:\.\d+)?)× (faster|slower)", c) for c in compared)
               if found]
    assert all(factor <= 5 for factor in factors), compared
    assert "about as usual" in compared and any(c.endswith("slower") for c in compared)
    # It ends with the line that puts the command it installed on PATH, for the README's Quickstart.
    assert output.rstrip().endswith(f'export PATH="{Path(sys.executable).parent}:$PATH"')
    left = subprocess.run(["pgrep", "-s", str(demo.pid)], capture_output=True, text=True, check=False)
    assert left.returncode == 1, f"processes left behind: {left.stdout}"
