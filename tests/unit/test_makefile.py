"""`make demo` on a fresh clone installs what the demo needs and nothing of the test toolchain (issue 23): the
commands make would run, read with `make -n` against a venv that does not exist yet."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def planned(target: str, venv: Path) -> str:
    """What `make TARGET` would run from scratch (nothing is run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(["make", "--no-print-directory", "-n", "-B", target, f"VENV={venv}"], cwd=REPO,
                          capture_output=True, text=True, timeout=30, check=True)
    return done.stdout


def test_demo_installs_the_package_alone(tmp_path: Path) -> None:
    plan = planned("demo", tmp_path / "venv")
    assert "-m venv --without-pip" in plan  # ensurepip would cost seconds the demo does not need
    assert "install --quiet --disable-pip-version-check -e ." in plan
    assert "[test]" not in plan and "ensurepip" not in plan.split("else", 1)[0]
    for tool in ("pytest", "mypy", "ruff", "act", "trustme", "twine", "build"):
        assert f" {tool}" not in plan.replace("scripts/demo.py", "")
    assert plan.rstrip().endswith("scripts/demo.py")


def test_the_tests_get_the_test_extra_and_a_pip_of_their_own(tmp_path: Path) -> None:
    plan = planned("lint", tmp_path / "venv")
    assert "ensurepip" in plan  # the tests run `python -m pip`
    assert "-e '.[test]'" in plan
