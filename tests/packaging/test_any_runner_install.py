"""The composite action's installer (any-runner/install.py) run as the runner runs it: from the job's workspace,
which holds the checked-out repository, a pull request's code among it. Nothing there may run in place of pip or
Python's own modules while the gate's venv is made (a venv the tool cache then hands to later jobs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.test_wheel import ROOT

pytestmark = [pytest.mark.pypi, pytest.mark.timeout(600)]

PLANTED = "import pathlib, sys; pathlib.Path('PLANTED-RAN').write_text(repr(sys.argv))\n"


def test_a_pip_planted_in_the_workspace_never_runs(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    for module in ("pip", "sysconfig"):  # what `-m pip` and the `-c` probe would import first from the workspace
        (workspace / module).mkdir(parents=True)
        (workspace / module / "__init__.py").write_text(PLANTED, encoding="utf-8")
        (workspace / module / "__main__.py").write_text(PLANTED, encoding="utf-8")
    outputs = tmp_path / "github_output"
    done = subprocess.run([sys.executable, str(ROOT / "any-runner" / "install.py")], cwd=workspace,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RUNNER_TOOL_CACHE": str(tmp_path / "cache"),
                               "GITHUB_OUTPUT": str(outputs)},
                          capture_output=True, text=True, timeout=540, check=False)
    assert not (workspace / "PLANTED-RAN").exists(), (workspace / "PLANTED-RAN").read_text()
    assert done.returncode == 0, done.stderr
    python = outputs.read_text(encoding="utf-8").removeprefix("python=").strip()
    check = subprocess.run([python, "-c", "import gate, requests, jsonschema, click; print(gate.__version__)"],
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stderr
