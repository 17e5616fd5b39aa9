"""The pinned static checkers (scripts/container/lint.sh) pass on the Dockerfile, action.yml, workflows and scripts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

LINT = Path(__file__).resolve().parents[2] / "scripts" / "container" / "lint.sh"


@pytest.mark.timeout(600)  # the first run installs the checkers from PyPI
def test_static_checks_pass() -> None:
    done = subprocess.run([str(LINT)], capture_output=True, text=True, timeout=580, check=False)
    report = "\n".join(line for line in (done.stdout + done.stderr).splitlines()
                       if not line.startswith("WARNING: Location"))
    assert done.returncode == 0, report
