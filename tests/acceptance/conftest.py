"""End-to-end fixtures: the bundled emulator on loopback, and the real gate run as a subprocess against it.

Time: each emulator runs on a ManualClock. With `step`, every GetWorkflowRun it answers moves that clock
forward, so a run goes through its statuses poll by poll, the same way every time, without anyone sleeping.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from gate.emulator import Emulator, ManualClock

TOKEN = "ccpat-e2e-S3cret-0f9d2c7a4b1e"  # distinctive, so a plain search finds any leak
SPACE = "ExampleCorp"
PROJECT = "MyDemoProject"
REPO = Path(__file__).resolve().parents[2]
# The result object's keys, in order, as issues 2, 12, 20 and 22 list them: written out, not imported, to be an
# independent oracle.
RESULT_KEYS = [
    "result", "status", "run-id", "workflow-id", "workflow-name", "space", "project", "start-time", "end-time",
    "last-updated-time", "duration-seconds", "usual-duration-seconds", "status-reasons", "run-url", "started",
    "followed", "stale", "polls", "api-calls", "throttled", "attempts", "response", "exit-code",
]
FAILURE_STATUSES = ("FAILED", "STOPPED", "SUPERSEDED", "CANCELLED", "NOT_RUN", "ABANDONED")

GATE = (sys.executable, "-m", "gate")
# The backoff's first ceiling at 0 (a setting, hidden from --help), so every retry waits the floor: a test of N
# retries costs N x --interval instead of up to two minutes.
RETRY_AT_THE_FLOOR = {"CODECATALYST_RETRY_BASE": "0"}
# Variables of the CI systems the gate recognises: the machine running the tests may be one of them (GitLab's CI_*
# and Azure's SYSTEM_* say when the pipeline began, which `--latest` would take for `--since`).
_FOREIGN = ("CODECATALYST_", "INPUT_", "GITHUB_", "RUNNER_", "TF_BUILD", "NO_COLOR", "GITLAB_CI", "CI_", "SYSTEM_")


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(_FOREIGN)}
    env.update(extra)
    return env


@dataclass(frozen=True)
class Finished:
    """A gate process that has ended."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> dict[str, Any]:
        return json.loads(self.stdout)


def run_gate(*args: str, env: Mapping[str, str] | None = None, jitter: bool = True,
             timeout: float = 30) -> Finished:
    """`codecatalyst-gate ARGS` to its end (killed if it overruns `timeout`), the token in its environment."""
    env = clean_env(CODECATALYST_TOKEN=TOKEN) if env is None else dict(env)
    if not jitter:
        env.update(RETRY_AT_THE_FLOOR)
    started = time.monotonic()
    done = subprocess.run((*GATE, *args), env=env,
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)
    return Finished(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def wait_args(emulator: Emulator, run_id: str, *extra: str, interval: str = "0.1") -> list[str]:
    return ["wait", "--space", SPACE, "--project", PROJECT, "--run-id", run_id,
            "--endpoint", emulator.base_url, "--interval", interval, *extra]


def requests_seen(emulator: Emulator, operation: str = "GetWorkflowRun") -> list[int | None]:
    """The HTTP status of each request the emulator got for `operation` (None: it dropped the connection)."""
    return [r.status for r in list(emulator.requests) if r.operation == operation]


class LiveProcess:
    """A running process whose stdout and stderr are read as they come, so a test can wait for a line."""

    def __init__(self, command: Sequence[str], *, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.streams: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self._changed = threading.Condition()
        self._readers = [threading.Thread(target=self._read, args=(name, pipe), daemon=True)
                         for name, pipe in (("stdout", self.process.stdout), ("stderr", self.process.stderr))]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str, pipe: IO[str] | None) -> None:
        assert pipe is not None
        for line in pipe:
            with self._changed:
                self.streams[name].append(line)
                self._changed.notify_all()
        pipe.close()

    def text(self, name: str) -> str:
        with self._changed:
            return "".join(self.streams[name])

    def wait_for(self, name: str, fragment: str, *, timeout: float = 15) -> None:
        """Until `fragment` shows in the stream; fails with what was seen if it does not, or if the process ends."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while fragment not in "".join(self.streams[name]):
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    pytest.fail(f"{fragment!r} never showed on {name} (exit {self.process.poll()}):\n"
                                f"stdout: {''.join(self.streams['stdout'])}\nstderr: {''.join(self.streams['stderr'])}")
                self._changed.wait(min(left, 0.05))

    def signal(self, signum: int) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signum)

    def finish(self, *, timeout: float) -> Finished:
        """Waits for the end (at most `timeout` seconds, then kills and fails) and the last of its output."""
        started = time.monotonic()
        try:
            returncode = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"still running after {timeout} s:\n"
                        f"stdout: {self.text('stdout')}\nstderr: {self.text('stderr')}")
        for reader in self._readers:
            reader.join(5)
        return Finished(returncode, self.text("stdout"), self.text("stderr"), time.monotonic() - started)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)

    def __enter__(self) -> LiveProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Emulators on 127.0.0.1:0 that want TOKEN exactly; `step` seconds pass per GetWorkflowRun answered."""
    started: list[Emulator] = []

    def start(*, scenario: Any = None, step: float = 0.0, token: str = TOKEN, now: float | None = None) -> Emulator:
        clock = ManualClock() if now is None else ManualClock(now)  # `now`: the gate's run age is real, then

        def log(line: str) -> None:  # called once per request, after its answer is made and before it is sent
            if step and " GetWorkflowRun" in line:
                clock.advance(step)

        emulator = Emulator(token=token, scenario=scenario, clock=clock, log=log).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def start_gate() -> Iterator[Callable[..., LiveProcess]]:
    """Long-running gate processes (for signal tests); every one is killed at teardown whatever happened."""
    live: list[LiveProcess] = []

    def start(command: Sequence[str], *, env: Mapping[str, str]) -> LiveProcess:
        process = LiveProcess(command, env=env)
        live.append(process)
        return process

    yield start
    for process in live:
        process.kill()
