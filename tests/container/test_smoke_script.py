"""The release's smoke test (scripts/container/smoke-test.sh) passes on the image built here, and fails on an image
that is not the gate: what the release workflow runs on each platform before anything is tagged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.container.conftest import BASE

SMOKE = Path(__file__).resolve().parents[2] / "scripts" / "container" / "smoke-test.sh"

pytestmark = [pytest.mark.container, pytest.mark.timeout(1200)]


def smoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SMOKE), *args], capture_output=True, text=True, timeout=300, check=False)


def test_the_smoke_test_passes_on_the_image(image: str) -> None:
    done = smoke(image)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke-test: passed" in done.stderr


def test_the_smoke_test_fails_on_an_image_that_is_not_the_gate(image: str) -> None:
    done = smoke(BASE)  # the bare base: python3, but no gate
    assert done.returncode != 0
    assert "smoke-test: passed" not in done.stderr
