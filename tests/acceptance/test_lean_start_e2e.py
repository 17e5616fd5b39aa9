"""What each start loads: `get` is the one-shot whose speed is a goal (make bench), so the modules it loads are a
list kept here on purpose. A module added to `get`'s path, or an import moved to a module's top that pulls the
wait's machinery into `get`, fails this test; everything else may import at its top."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from gate.emulator import Emulator
from tests.acceptance.conftest import PROJECT, REPO, SPACE, TOKEN, clean_env

pytestmark = pytest.mark.e2e

GET_LOADS = {
    "gate", "gate.app", "gate.defaults", "gate.statuses", "gate.errors", "gate.timestamps", "gate.result",
    "gate.textsafe", "gate.verdict",
    "gate.doors", "gate.doors.cli",
    "gate.config", "gate.config.fields", "gate.config.given", "gate.config.inputs", "gate.config.runchoice", "gate.config.settings", "gate.config.validation", "gate.config.variables",
    "gate.report", "gate.report.describe", "gate.report.redact", "gate.report.sink",
    "gate.api", "gate.api.operations", "gate.api.client", "gate.api.transport", "gate.api.resolve", "gate.api.schema",
    "gate.api.proxies", "gate.api.decoding", "gate.api.hints",
}  # the rooms' __init__ modules are docstrings only
NOT_FOR_HELP = {"gate.app", "gate.api.operations", "gate.api.client", "gate.api.transport", "gate.api.schema",
                "gate.wait.watch", "gate.wait.loop"}
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| +(\S+)$", re.M)


def gate_modules(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "gate", *args], capture_output=True, text=True,
                          env=clean_env(CODECATALYST_TOKEN=TOKEN), cwd=REPO, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return {name for name in IMPORTED.findall(done.stderr) if name == "gate" or name.startswith("gate.")}


def test_get_loads_only_what_a_one_shot_read_needs() -> None:
    with Emulator(token=TOKEN) as emulator:
        run = emulator.start_run(workflow="MyDemoWorkflow")
        loaded = gate_modules("get", "--space", SPACE, "--project", PROJECT, "--run-id", run.id,
                              "--endpoint", emulator.base_url)
    assert loaded == GET_LOADS


def test_help_loads_no_http_nor_schema_nor_the_wait() -> None:
    loaded = gate_modules("--help")
    assert "gate.doors.cli" in loaded and not loaded & NOT_FOR_HELP
