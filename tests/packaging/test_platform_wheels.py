"""Every runtime pin of the image has a binary wheel for both image platforms, linux/amd64 and linux/arm64.

The release builds the image for both with `pip install --only-binary=:all:` (no compiler in it), so one
pin without an aarch64 wheel (rpds-py is compiled) would break the arm64 build at release time, on a tag.
This asks the index the same question now, as `pip download` for each platform and Python the image uses.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "scripts" / "container" / "constraints.txt"
# python:3.12-slim is the released base; the local stand-in (Debian bookworm's python3) is 3.11.
PYTHONS = ("3.12", "3.11")
PLATFORMS = ("manylinux2014_x86_64", "manylinux2014_aarch64")

pytestmark = [pytest.mark.pypi, pytest.mark.timeout(300)]


def pins() -> list[str]:
    """The `name==version` lines (a hashed lock: each pin's `--hash` lines follow it)."""
    lines = (line.split("#", 1)[0].strip().rstrip("\\").strip()
             for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("--")]


def test_every_constraint_is_an_exact_pin() -> None:
    assert pins() and all("==" in pin for pin in pins()), pins()


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_pin_has_a_wheel_for_the_platform(tmp_path: Path, platform: str, python: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps",
         "--only-binary=:all:", "--platform", platform, "--python-version", python, "--implementation", "cp",
         "--dest", str(tmp_path), "--requirement", str(CONSTRAINTS)],
        capture_output=True, text=True, timeout=280, check=False)
    assert done.returncode == 0, f"no wheel for {platform}, CPython {python}:\n{done.stdout}\n{done.stderr}"
    wheels = sorted(path.name for path in tmp_path.glob("*.whl"))
    assert len(wheels) == len(pins()), wheels
    arch = platform.split("_", 1)[1]
    compiled = [name for name in wheels if not name.endswith("-none-any.whl")]
    assert all(arch in name for name in compiled), compiled
