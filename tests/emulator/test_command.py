"""`codecatalyst-gate emulator` / `python -m gate.emulator`: URL first on stdout, exit 0 on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from gate.emulator.command import emulator_command

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def spawn() -> Iterator:
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen([sys.executable, "-m", "gate.emulator", *args], cwd=REPO, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        procs.append(proc)
        assert proc.stdout is not None
        return proc, proc.stdout.readline().strip()

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_prints_the_url_first_serves_and_exits_0_on_a_signal(spawn, sig: signal.Signals) -> None:
    proc, url = spawn("--port", "0", "--token", "cli-secret-token")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
    runs = f"{url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns"
    with requests.Session() as session:
        assert session.post(runs, headers={"Authorization": "Bearer cli-secret-token"}, timeout=5).status_code == 200
        assert session.post(runs, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 403
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out == ""  # only the URL, already read
    assert "MyDemoWorkflow id c0dec47a-0000-4000-8000-000000000001" in err
    assert "POST /v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns -> 403 ListWorkflowRuns" in err
    assert "cli-secret-token" not in err and "wrong" not in err


def test_a_builtin_scenario_and_quiet(spawn) -> None:
    proc, url = spawn("--port", "0", "--scenario", "hostile", "--quiet")
    with requests.Session() as session:
        doc = session.get(f"{url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflowRuns/"
                          "c0dec47a-0000-4000-8000-00000000bad1", headers={"Authorization": "Bearer x"}, timeout=5)
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert doc.json()["status"] == "FAILED" and proc.returncode == 0
    assert "HostileWorkflow" in err and " -> " not in err


def test_a_bad_scenario_is_a_usage_error_naming_the_json_path(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"faults": [{"kind": "throttle", "count": 0}]}))
    result = CliRunner().invoke(emulator_command, ["--port", "0", "--scenario", str(path)])
    assert result.exit_code == 2 and "$.faults[0].count: must be >= 1" in result.output
    result = CliRunner().invoke(emulator_command, ["--port", "0", "--scenario", "nope"])
    assert result.exit_code == 2 and "not a built-in scenario" in result.output


def test_a_busy_port_says_how_to_get_a_free_one() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        result = CliRunner().invoke(emulator_command, ["--port", str(taken.getsockname()[1])])
    assert result.exit_code == 1 and "pass --port 0" in result.output


def test_the_gate_cli_offers_the_command() -> None:
    from gate.doors.cli import main

    result = CliRunner().invoke(main, ["emulator", "--help"])
    assert result.exit_code == 0 and "--scenario" in result.output and "ExampleCorp" in result.output


def test_page_size_makes_clients_follow_next_token(spawn) -> None:
    proc, url = spawn("--port", "0", "--page-size", "1", "--scenario", "busy")
    with requests.Session() as session:
        doc = session.post(f"{url}/v1/spaces/ExampleCorp/projects/MyDemoProject/workflows?maxResults=100",
                           headers={"Authorization": "Bearer x"}, timeout=5).json()
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert len(doc["items"]) == 1 and doc["nextToken"] and proc.returncode == 0
    assert "Release id c0dec47a-0000-4000-8000-00000000d5e0 (MyDemoRepo main, run mode SUPERSEDED)" in err
    assert CliRunner().invoke(emulator_command, ["--page-size", "0"]).exit_code == 2
