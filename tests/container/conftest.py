"""The container tests' shared fixture: a Docker engine, the stand-in base and the image, built once a session;
with no engine every test that needs them skips with the reason."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "container"
BASE = "codecatalyst-gate/base:bookworm"
# Another tag keeps builds apart where several checkouts share one engine: CODECATALYST_GATE_TEST_IMAGE=name:tag.
IMAGE = os.environ.get("CODECATALYST_GATE_TEST_IMAGE", "codecatalyst-gate:test")


def _script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=1100,
                          check=False)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@pytest.fixture(scope="session")
def image() -> str:
    missing = [name for name in ("entrypoint.py", "README.md") if not (ROOT / name).is_file()]
    if missing:
        pytest.skip(f"the image cannot be built yet: {', '.join(missing)} missing from the repository")
    engine = _script("ensure-docker.sh")
    if engine.returncode != 0:
        reason = engine.stderr.strip().splitlines()[-1] if engine.stderr.strip() else f"exit {engine.returncode}"
        pytest.skip(f"no container engine: {reason}")
    for step, args in (("build-base.sh", (BASE,)), ("build-image.sh", ("--base", BASE, "--tag", IMAGE))):
        done = _script(step, *args)
        if done.returncode != 0:
            pytest.fail(f"{step} failed (exit {done.returncode}):\n{_tail(done.stdout)}\n{_tail(done.stderr)}")
    return IMAGE


