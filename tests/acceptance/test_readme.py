"""The README's first screen as a newcomer runs it (issues 16 and 23): its Quickstart and "On your account" shell
blocks, as written, in bash, in a folder laid out as a clone after `make demo` (its `.venv` is the one the tests run
in) and with nothing on PATH but bash, python3 and coreutils: `codecatalyst-gate` is found only if the README says
where it is. Only the port (8080, perhaps taken on a shared machine) and, for the account block, the endpoint
(CODECATALYST_ENDPOINT) and the typed token differ."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gate.emulator import Emulator
from tests.acceptance.conftest import REPO, TOKEN, clean_env

pytestmark = pytest.mark.posix  # the README's blocks are POSIX shell, run with bash

README = REPO / "README.md"
BIN = Path(sys.executable).parent  # the venv the tests run in, where `codecatalyst-gate` is installed
# The system's basics a newcomer's shell has anyway: coreutils, bash, python3 (the gate itself is not among them).
BASICS = ("bash", "sh", "cat", "cp", "date", "echo", "env", "false", "head", "id", "kill", "ls", "mkdir", "mktemp",
          "mv", "rm", "sleep", "sort", "tail", "tee", "touch", "tr", "true", "uname", "wc")


def shell_blocks(title: str, text: str | None = None) -> list[str]:
    """The ```sh blocks between the heading `title` (any level) and the next heading, fences respected."""
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks: list[str] = []
    inside, fence, block = False, None, []
    for line in lines:
        if fence is None and re.match(r"#{1,6} ", line):
            inside = line.lstrip("#").strip() == title
            continue
        if fence is None and line.strip().startswith("```"):
            fence, block = line.strip()[3:].strip(), []
            continue
        if fence is not None and line.strip() == "```":
            if inside and fence == "sh":
                blocks.append("\n".join(block) + "\n")
            fence = None
            continue
        if fence is not None:
            block.append(line)
    return blocks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_bash(script: str, *, cwd: Path, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """bash -c SCRIPT in its own session; fails if anything it started is still running when it ends."""
    process = subprocess.Popen(["bash", "-c", script], cwd=cwd, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = process.communicate(stdin, timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    for _ in range(50):  # a stopped emulator may take a moment to be gone (its poll loop wakes every 0.2 s)
        left = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, text=True, check=False)
        if left.returncode != 0:
            break
        time.sleep(0.1)
    else:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: only what this very script started
        pytest.fail(f"processes left behind: {left.stdout}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def a_clone_after_make_demo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder whose `.venv` is the tests' venv, and an environment whose PATH holds only the system's basics."""
    clone, basics = tmp_path / "clone", tmp_path / "basics"
    clone.mkdir()
    basics.mkdir()
    (clone / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (basics / "python3").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    for name in BASICS:
        found = shutil.which(name)
        if found:
            (basics / name).symlink_to(found)
    env = clean_env(PATH=str(basics))
    assert subprocess.run(["bash", "-c", "command -v codecatalyst-gate"], env=env, capture_output=True,
                          check=False).returncode == 1, "the gate is on the bare PATH: the test would prove nothing"
    return clone, env


def test_the_parser_finds_blocks_under_a_heading_only() -> None:
    text = "## A\n```sh\necho a\n```\n```yaml\nx: 1\n```\n## B\n```sh\n# not a heading\necho b\n```\n"
    assert shell_blocks("A", text) == ["echo a\n"]
    assert shell_blocks("B", text) == ["# not a heading\necho b\n"]


@pytest.mark.e2e
def test_the_quickstart_runs_as_written(tmp_path: Path) -> None:
    [block] = shell_blocks("Quickstart")
    assert "curl" not in block and "python3 -c" not in block  # a newcomer's commands, not plumbing
    assert "8080" in block and (BIN / "codecatalyst-gate").exists() and shutil.which("bash")
    clone, env = a_clone_after_make_demo(tmp_path)
    done = run_bash(block.replace("8080", str(free_port())), cwd=clone, env=env)
    assert "exit 0" in done.stdout, done.stdout + done.stderr
    for status in ("VALIDATING", "IN_PROGRESS", "SUCCEEDED"):
        assert f"status {status}" in done.stderr
    assert [p.name for p in clone.iterdir()] == [".venv"]  # it writes nothing where it runs


@pytest.mark.e2e
def test_on_your_account_runs_as_written(tmp_path: Path, start_emulator: Callable[..., Emulator]) -> None:
    """After the Quickstart's PATH line, in the same shell: the typed token goes through `read -rsp` (stdin
    here), the seeded past run it names SUCCEEDED."""
    [block] = shell_blocks("On your account")
    assert "read -rsp 'CodeCatalyst token: ' CODECATALYST_TOKEN" in block
    path_line = shell_blocks("Quickstart")[0].splitlines()[0]
    assert path_line.startswith("export PATH=")
    emulator = start_emulator()
    clone, env = a_clone_after_make_demo(tmp_path)
    done = run_bash(path_line + "\n" + block, cwd=clone, env={**env, "CODECATALYST_ENDPOINT": emulator.base_url},
                    stdin=TOKEN + "\n")
    assert "exit 0" in done.stdout, done.stdout + done.stderr
    assert "status SUCCEEDED" in done.stderr
    assert TOKEN not in done.stdout + done.stderr
    assert [r.status for r in emulator.requests if r.operation == "GetWorkflowRun"] == [200]
