"""`codecatalyst-gate emulator start-run` (issue 16): a run started on a running emulator by name or ID, its ID on
stdout, over real HTTP; loopback only; the request log's default where the emulator shares a terminal."""

from __future__ import annotations

import itertools
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.api.history import FINISHED
from gate.doors.cli import main
from gate.emulator import BROKEN_WORKFLOW_ID, DEPLOY_MAIN_ID, MY_DEMO_WORKFLOW_ID, Emulator
from gate.emulator import command as emulator_module
from gate.emulator.seed import SEED
from gate.emulator.startrun import UP_WITHIN, StartFailed, check_endpoint, serve_command, start_run
from gate.errors import InputError

TOKEN = "start-run-test-token"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("CODECATALYST_ENDPOINT", "CODECATALYST_SPACE", "CODECATALYST_PROJECT", "CODECATALYST_EMULATOR_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CODECATALYST_TOKEN", TOKEN)
    return CliRunner()


@pytest.mark.parametrize(("workflow", "workflow_id"), [
    ("MyDemoWorkflow", MY_DEMO_WORKFLOW_ID), ("BrokenWorkflow", BROKEN_WORKFLOW_ID),
    (BROKEN_WORKFLOW_ID, BROKEN_WORKFLOW_ID)])
def test_start_run_prints_the_new_runs_id(runner: CliRunner, make_emulator: Callable[..., Emulator],
                                          workflow: str, workflow_id: str) -> None:
    emulator = make_emulator(token=TOKEN)
    outcome = runner.invoke(main, ["emulator", "start-run", "--endpoint", emulator.base_url, "--workflow", workflow])
    assert outcome.exit_code == 0, outcome.stderr
    run_id = outcome.stdout.strip()
    assert UUID.fullmatch(run_id) and outcome.stdout == run_id + "\n"
    assert emulator.state.run(run_id).workflow_id == workflow_id
    assert TOKEN not in outcome.output + outcome.stderr


def test_an_unknown_name_is_exit_2_listing_the_workflows(runner: CliRunner,
                                                         make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator()
    before = len(emulator.state.runs())
    outcome = runner.invoke(main, ["emulator", "start-run", "--endpoint", emulator.base_url, "--workflow", "Nope"])
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("codecatalyst-gate: error: --workflow: 'Nope' is invalid: no workflow has")
    assert "MyDemoWorkflow" in outcome.stderr and len(emulator.state.runs()) == before


def test_a_shared_name_is_exit_2_and_an_id_picks_one(runner: CliRunner,
                                                     make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator(scenario="busy")  # three workflows named Deploy, pages of 2: paging is followed
    outcome = runner.invoke(main, ["emulator", "start-run", "--endpoint", emulator.base_url, "--workflow", "Deploy"])
    assert outcome.exit_code == 2 and "3 workflows have this name" in outcome.stderr
    outcome = runner.invoke(main, ["emulator", "start-run", "--endpoint", emulator.base_url,
                                   "--workflow", DEPLOY_MAIN_ID])
    assert outcome.exit_code == 0 and emulator.state.run(outcome.stdout.strip()).workflow_id == DEPLOY_MAIN_ID


def test_a_wrong_token_is_exit_1_with_the_services_words(runner: CliRunner,
                                                         make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator(token="another-token")
    outcome = runner.invoke(main, ["emulator", "start-run", "--endpoint", emulator.base_url])
    assert outcome.exit_code == 1 and "HTTP 403 AccessDeniedException" in outcome.stderr
    assert outcome.stderr.startswith("codecatalyst-gate: error: ") and TOKEN not in outcome.stderr


@pytest.mark.parametrize("endpoint", ["http://example.com", "https://codecatalyst.global.api.aws", "not a url"])
def test_only_loopback_is_asked(runner: CliRunner, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a request was made")

    monkeypatch.setattr(socket, "create_connection", no_network)
    outcome = runner.invoke(main, ["emulator", "start-run", "--endpoint", endpoint])
    assert outcome.exit_code == 2 and "must be the emulator's loopback URL" in outcome.stderr


def test_an_emulator_that_is_not_up_is_waited_for_then_told() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ticks = itertools.count(0, 1.0)
    naps: list[float] = []
    # The hint starts an emulator on the port given (issue 23: it said 8080 whatever the endpoint).
    with pytest.raises(StartFailed, match=rf"no emulator answers at http://127.0.0.1:{port} .*"
                                          rf"`codecatalyst-gate emulator --port {port} &`$"):
        start_run(endpoint=f"http://127.0.0.1:{port}", space="ExampleCorp", project="MyDemoProject",
                  workflow="MyDemoWorkflow", token=TOKEN, sleep=naps.append, now=lambda: float(next(ticks)))
    assert naps and len(naps) <= UP_WITHIN * 2


@pytest.mark.parametrize(("endpoint", "command"), [
    ("http://127.0.0.1:8083", "codecatalyst-gate emulator --port 8083 &"),
    ("http://localhost:9000/", "codecatalyst-gate emulator --port 9000 &"),
    ("http://127.0.0.1", "codecatalyst-gate emulator --port 80 &"),
    ("http://[::1]:8080", "codecatalyst-gate emulator --host ::1 --port 8080 &"),
    ("https://127.0.0.1:8443", "codecatalyst-gate emulator --cert CERT.pem --key KEY.pem --port 8443 &"),
])
def test_the_hint_serves_where_the_endpoint_points(endpoint: str, command: str) -> None:
    assert serve_command(endpoint) == command


@pytest.mark.parametrize(("endpoint", "meant"), [
    ("127.0.0.1:8083", "http://127.0.0.1:8083"),
    ("htp://localhost:8083", "http://localhost:8083"),
    ("codecatalyst.global.api.aws", None),  # not loopback: no emulator there to mean
])
def test_a_loopback_endpoint_without_its_scheme_gets_the_url_it_meant(endpoint: str, meant: str | None) -> None:
    with pytest.raises(InputError, match="must be the emulator's loopback URL") as caught:
        check_endpoint(endpoint)
    assert (f"did you mean {meant}?" in str(caught.value)) if meant else "did you mean" not in str(caught.value)


# The request log: off in the background of a terminal, where the gate draws its status line.

class Stream:
    def fileno(self) -> int:
        return 7


@pytest.mark.parametrize(("tty", "foreground", "quiet"), [
    (False, 0, False),  # a file or a pipe: log
    (True, 100, False),  # its own terminal, in the foreground: log
    (True, 200, True),  # `emulator &`: the terminal's foreground is the shell, then the gate
])
def test_the_request_log_is_off_in_the_background_of_a_terminal(monkeypatch: pytest.MonkeyPatch, tty: bool,
                                                                 foreground: int, quiet: bool) -> None:
    monkeypatch.setattr(emulator_module.os, "isatty", lambda fd: tty and fd == 7)
    monkeypatch.setattr(emulator_module.os, "tcgetpgrp", lambda fd: foreground)
    monkeypatch.setattr(emulator_module.os, "getpgrp", lambda: 100)
    assert emulator_module.in_background_of_a_terminal(Stream()) is quiet


def test_the_emulator_readme_counts_the_seeded_history_as_the_gate_learns_it() -> None:
    readme = (Path(emulator_module.__file__).with_name("README.md")).read_text(encoding="utf-8")
    for workflow in SEED["workflows"]:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{workflow['name']}` |"))
        assert f"{len(workflow['history'])} past runs" in row
    demo = next(w for w in SEED["workflows"] if w["name"] == "MyDemoWorkflow")
    learned = sum(1 for run in demo["history"] if run["status"] in FINISHED)
    assert f"`adaptive polling from {learned} past runs`" in readme
