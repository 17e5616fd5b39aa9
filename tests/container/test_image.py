"""The image, built on a local stand-in base and run the way GitHub's runner and other CIs run it.

The session fixture starts a Docker engine (scripts/container/ensure-docker.sh), builds the base and
the image; with no engine the tests skip with the reason. The last tests run the action against the
bundled emulator: a run that succeeds, one that fails, hostile status reasons, throttling, a run that
never ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import PROJECT, RUN_ID, SPACE, TOKEN, run_document
from tests.container.conftest import BASE

OWN_LAYERS_LIMIT = 15 * 1024 * 1024
RUN_PATH = f"/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns/{RUN_ID}"

# The first test pays for the engine, debootstrap and the build (about two minutes on a new machine).
pytestmark = [pytest.mark.container, pytest.mark.timeout(1200)]


def docker(*args: str, env: Mapping[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, env=env, timeout=timeout, check=False)


def inspect(ref: str) -> dict:
    done = docker("image", "inspect", ref)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)[0]


# --- running it as GitHub's runner does ---------------------------------------------------------------


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: `name=value` lines and `name<<DELIM` … `DELIM` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            else:
                raise AssertionError(f"output {name!r}: delimiter {delimiter!r} never closes the block")
            outputs[name] = "\n".join(value)
        elif line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


@dataclass(frozen=True)
class ActionRun:
    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass(frozen=True)
class ActionInvocation:
    """A prepared `docker run` of the image as a Docker action, with the runner's folders on the host."""

    args: list[str]
    env: dict[str, str]
    output_file: Path
    summary_file: Path

    def finish(self, exit_code: int, stdout: str, stderr: str) -> ActionRun:
        return ActionRun(exit_code=exit_code, stdout=stdout, stderr=stderr,
                         outputs=parse_output_file(self.output_file.read_text(encoding="utf-8")),
                         summary=self.summary_file.read_text(encoding="utf-8"))


def action_invocation(image: str, tmp_path: Path, inputs: Mapping[str, str], *,
                      env: Mapping[str, str] | None = None) -> ActionInvocation:
    """`docker run` as actions/runner's ContainerActionHandler and DockerCommandManager do it.

    Each input becomes INPUT_<NAME> with spaces as '_', upper-cased, hyphens kept (INPUT_RUN-ID); the
    runner names every variable with `-e NAME` and hands the values through the docker client's own
    environment, so no value (the token included) shows in the command line. It mounts its temp
    folders at /github/{home,workflow,file_commands} and the workspace at /github/workspace, works
    there, and points GITHUB_OUTPUT / GITHUB_STEP_SUMMARY at files it created under file_commands.
    One difference: the runner attaches its own job network; here the host network, so the
    container reaches test servers bound to 127.0.0.1.
    """
    host = {name: tmp_path / name for name in ("_github_home", "_github_workflow", "_runner_file_commands",
                                               "workspace")}
    for folder in host.values():
        folder.mkdir(exist_ok=True)
    step = uuid.uuid4()
    output_file = host["_runner_file_commands"] / f"set_output_{step}"
    summary_file = host["_runner_file_commands"] / f"step_summary_{step}"
    output_file.touch()
    summary_file.touch()
    variables = {
        **{f"INPUT_{name.replace(' ', '_').upper()}": value for name, value in inputs.items()},
        "HOME": "/github/home",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_OUTPUT": f"/github/file_commands/{output_file.name}",
        "GITHUB_STEP_SUMMARY": f"/github/file_commands/{summary_file.name}",
        **(env or {}),
    }
    args = ["docker", "run", "--rm", "--workdir", "/github/workspace", "--network", "host"]
    for name in variables:
        args += ["-e", name]
    args += ["-e", "GITHUB_ACTIONS=true", "-e", "CI=true"]
    for source, target in (("_github_home", "home"), ("_github_workflow", "workflow"),
                           ("_runner_file_commands", "file_commands"), ("workspace", "workspace")):
        args += ["-v", f"{host[source]}:/github/{target}"]
    args.append(image)
    return ActionInvocation(args=args, env={**os.environ, **variables}, output_file=output_file,
                            summary_file=summary_file)


def run_as_action(image: str, tmp_path: Path, inputs: Mapping[str, str], *,
                  env: Mapping[str, str] | None = None, timeout: float = 120) -> ActionRun:
    invocation = action_invocation(image, tmp_path, inputs, env=env)
    done = subprocess.run(invocation.args, env=invocation.env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    return invocation.finish(done.returncode, done.stdout, done.stderr)


def run_cli(image: str, *args: str, env: Mapping[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`docker run --rm -e CODECATALYST_TOKEN … IMAGE wait …` as another CI would, values via the environment."""
    variables = dict(env or {})
    names = [arg for name in variables for arg in ("-e", name)]
    return docker("run", "--rm", "--network", "host", *names, image, *args,
                  env={**os.environ, **variables}, timeout=timeout)


class StubApi:
    """A one-run GetWorkflowRun on 127.0.0.1 for exit-code checks that do not need the emulator."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self.authorizations: list[str] = []
        self.asked = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                stub.authorizations.append(self.headers.get("Authorization", ""))
                found = self.path.split("?", 1)[0] == RUN_PATH
                body = json.dumps(stub.document if found else {"message": "not found"}).encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                stub.asked.set()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def action_inputs(endpoint: str, **overrides: str) -> dict[str, str]:
    return {"space": SPACE, "project": PROJECT, "run-id": RUN_ID, "token": TOKEN, "endpoint": endpoint,
            "interval": "0.1", "timeout": "60", **overrides}


# --- the engine behaves as the harness assumes ----------------------------------------------------


def test_hyphenated_input_names_reach_the_container(image: str) -> None:
    """The runner passes INPUT_RUN-ID with its hyphen; docker and the container's Python keep it."""
    done = docker("run", "--rm", "--network", "host", "-e", "INPUT_RUN-ID", "--entrypoint", "/opt/gate/bin/python",
                  image, "-c", "import os; print(os.environ['INPUT_RUN-ID'])",
                  env={**os.environ, "INPUT_RUN-ID": RUN_ID})
    assert (done.returncode, done.stdout.strip()) == (0, RUN_ID), done.stderr


# --- the image itself ---------------------------------------------------------------------------------


def test_our_layers_stay_small(image: str) -> None:
    own = inspect(image)["Size"] - inspect(BASE)["Size"]
    assert own <= OWN_LAYERS_LIMIT, f"our layers are {own / 2**20:.1f} MiB (limit 15 MiB)"


def test_exec_form_entrypoint_as_root(image: str) -> None:
    config = inspect(image)["Config"]
    assert config["Entrypoint"] == ["/opt/gate/bin/python", "/opt/gate/entrypoint.py"]
    assert config["User"] in ("", "root", "0")  # GitHub runs Docker actions as the image's user: root
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["PYTHONDONTWRITEBYTECODE"] == env["PYTHONUNBUFFERED"] == "1"


def test_runtime_carries_no_pip_compiler_or_sources(image: str) -> None:
    script = ("test ! -e /opt/gate/bin/pip && ! command -v gcc && ! command -v cc && test ! -e /src "
              "&& ls /opt/gate")
    done = docker("run", "--rm", "--network", "host", "--entrypoint", "sh", image, "-c", script)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tests" not in done.stdout.split()


# --- as a CLI (`docker run IMAGE wait …`) ------------------------------------------------------------


def test_cli_help(image: str) -> None:
    done = run_cli(image, "wait", "--help")
    assert done.returncode == 0, done.stderr
    assert "--run-id" in done.stdout


def test_cli_bad_input_is_a_usage_error(image: str) -> None:
    done = run_cli(image, "wait", "--space", SPACE, "--project", PROJECT, "--run-id", "../../x",
                   env={"CODECATALYST_TOKEN": TOKEN})
    assert done.returncode == 2, done.stdout + done.stderr
    assert TOKEN not in done.stdout + done.stderr


@pytest.mark.parametrize(("status", "exit_code"), [("SUCCEEDED", 0), ("FAILED", 1)])
def test_cli_waits_and_exits_by_status(image: str, status: str, exit_code: int) -> None:
    with StubApi(run_document(status)) as api:
        done = run_cli(image, "wait", "--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID,
                       "--endpoint", api.base_url, env={"CODECATALYST_TOKEN": TOKEN})
    assert done.returncode == exit_code, done.stdout + done.stderr
    assert api.authorizations and set(api.authorizations) == {f"Bearer {TOKEN}"}
    assert TOKEN not in done.stdout + done.stderr


# --- at a shell (issue 23) ------------------------------------------------------------------------------


@pytest.mark.parametrize("tty", [False, True], ids=["docker run IMAGE", "docker run -t -e GITHUB_ACTIONS=true"])
def test_no_arguments_at_a_shell_print_the_usage_and_the_docker_run_forms(image: str, tty: bool) -> None:
    """Not the Action's `input 'token'` complaint. With -t docker merges stderr into stdout."""
    done = docker("run", "--rm", *(["-t", "-e", "GITHUB_ACTIONS=true"] if tty else []), image)
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert "no arguments, and not in a GitHub Actions runner" in said
    assert "docker run --rm -e CODECATALYST_TOKEN IMAGE wait --space SPACE" in said
    assert "input '" not in said


def test_a_token_not_passed_in_hints_at_docker_run_e(image: str) -> None:
    """CODECATALYST_TOKEN set on the host but not passed with -e: "set CODECATALYST_TOKEN" would mislead."""
    done = docker("run", "--rm", image, "wait", "--space", SPACE, "--project", PROJECT, "--run-id", RUN_ID,
                  env={**os.environ, "CODECATALYST_TOKEN": TOKEN})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "CODECATALYST_TOKEN: a CodeCatalyst personal access token is required" in done.stderr
    assert "docker run -e CODECATALYST_TOKEN" in done.stderr


def test_the_readmes_emulator_on_the_host_block_runs_as_written(image: str, tmp_path: Path) -> None:
    """The README's `docker run --network host` block: the emulator on the host's loopback, the gate in the image
    (its tag here is the test image's), a run started by name that succeeds. Only the image and the port differ."""
    import shutil
    import sys

    from tests.acceptance.test_readme import free_port, run_bash, shell_blocks

    [block] = shell_blocks("The emulator on the host")
    named = "-e CODECATALYST_TOKEN=emulator-token codecatalyst-gate "
    assert named in block and "8080" in block
    script = block.replace(named, named.replace("codecatalyst-gate", image)).replace("8080", str(free_port()))
    host_path = f"{Path(sys.executable).parent}:{Path(shutil.which('docker') or 'docker').parent}:/usr/bin:/bin"
    engine = {name: value for name, value in os.environ.items() if name.startswith("DOCKER_")}
    done = run_bash(script, cwd=tmp_path, env={**engine, "PATH": host_path, "HOME": str(tmp_path)})
    assert "exit 0" in done.stdout, done.stdout + done.stderr
    assert "status SUCCEEDED" in done.stderr and "starting workflow MyDemoWorkflow" in done.stderr


# --- as the GitHub Action (no arguments, INPUT_* variables) -------------------------------------------


@pytest.mark.parametrize(("status", "result", "exit_code"), [("SUCCEEDED", "success", 0), ("FAILED", "failure", 1)])
def test_action_outputs_summary_and_exit_code(image: str, tmp_path: Path, status: str, result: str,
                                              exit_code: int) -> None:
    with StubApi(run_document(status)) as api:
        run = run_as_action(image, tmp_path, action_inputs(api.base_url))
    assert run.exit_code == exit_code, run.stdout + run.stderr
    assert run.outputs["result"] == result
    assert run.outputs["status"] == status
    assert run.outputs["run-id"] == RUN_ID
    assert run.outputs["exit-code"] == str(exit_code)
    assert json.loads(run.outputs["response"])["status"] == status
    assert status in run.summary
    # The token is printed nowhere, not even for masking.
    assert TOKEN not in run.stdout + run.stderr + run.summary + json.dumps(run.outputs)


def test_action_bad_input_fails_before_any_request(image: str, tmp_path: Path) -> None:
    with StubApi(run_document("SUCCEEDED")) as api:
        run = run_as_action(image, tmp_path, action_inputs(api.base_url, **{"run-id": "not-a-uuid"}))
    assert run.exit_code == 2, run.stdout + run.stderr
    assert api.authorizations == []
    assert "::error" in run.stdout and "run-id" in run.stdout


def test_action_accepts_the_token_from_the_environment(image: str, tmp_path: Path) -> None:
    """`env: CODECATALYST_TOKEN: ${{ secrets… }}` instead of the token input."""
    inputs = action_inputs("")
    del inputs["token"]
    with StubApi(run_document("SUCCEEDED")) as api:
        inputs["endpoint"] = api.base_url
        run = run_as_action(image, tmp_path, inputs, env={"CODECATALYST_TOKEN": TOKEN})
    assert run.exit_code == 0, run.stdout + run.stderr
    assert api.authorizations and set(api.authorizations) == {f"Bearer {TOKEN}"}


def test_cancelled_job_ends_the_wait_and_still_writes_outputs(image: str, tmp_path: Path) -> None:
    """Cancelling a job signals `docker run`, which passes the signal on to PID 1: the gate itself."""
    with StubApi(run_document("IN_PROGRESS")) as api:
        invocation = action_invocation(image, tmp_path, action_inputs(api.base_url, interval="1"))
        process = subprocess.Popen(invocation.args, env=invocation.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            assert api.asked.wait(60), "the container never polled"
            time.sleep(0.5)  # the first answer is read, and the gate sleeps until the next poll
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    run = invocation.finish(process.returncode, stdout, stderr)
    assert run.exit_code == 143, run.stdout + run.stderr
    assert run.outputs["result"] == "cancelled"
    assert run.outputs["status"] == "IN_PROGRESS"


# --- against the bundled emulator ---------------------------------------------------------------------


@dataclass(frozen=True)
class EmulatorCase:
    """A run on the emulator, what the action is told, and what it must end with."""

    scenario: str | None
    workflow: str | None  # start a run of it; None: the scenario's pinned run
    run_id: str | None
    inputs: dict[str, str]
    fault: dict[str, object] | None
    exit_code: int
    result: str
    status: str


EMULATOR_CASES = {
    "succeeds": EmulatorCase(None, "MyDemoWorkflow", None, {"interval": "0.5"}, None, 0, "success", "SUCCEEDED"),
    "fails": EmulatorCase(None, "BrokenWorkflow", None, {"interval": "0.5"}, None, 1, "failure", "FAILED"),
    "hostile": EmulatorCase("hostile", None, "c0dec47a-0000-4000-8000-00000000bad1", {}, None, 1, "failure",
                            "FAILED"),
    # Retrying until the budget runs out (exit 6) takes about two minutes of backoff: the unit and
    # end-to-end tests prove that; here, that throttling is retried through to the end of the run.
    "throttled": EmulatorCase(None, "MyDemoWorkflow", None, {"interval": "0.5"},
                              {"kind": "throttle", "operation": "GetWorkflowRun", "count": 2, "after": 1},
                              0, "success", "SUCCEEDED"),
    "never ends": EmulatorCase("stuck", None, "c0dec47a-0000-4000-8000-00000000f0e1",
                               {"interval": "0.5", "timeout": "2"}, None, 3, "timeout", "IN_PROGRESS"),
}


@pytest.mark.parametrize("case", EMULATOR_CASES.values(), ids=EMULATOR_CASES.keys())
def test_action_against_the_emulator(image: str, tmp_path: Path, case: EmulatorCase) -> None:
    from gate.emulator import Emulator
    from gate.result import RESULT_KEYS

    with Emulator(token=TOKEN, scenario=case.scenario) as emulator:
        run_id = case.run_id or emulator.start_run(workflow=case.workflow).id
        if case.fault:
            emulator.add_fault({**case.fault, "runId": run_id})
        inputs = action_inputs(emulator.base_url, **{"run-id": run_id, "timeout": "60", **case.inputs})
        run = run_as_action(image, tmp_path, inputs)
    assert run.exit_code == case.exit_code, run.stdout + run.stderr
    if case.fault:
        assert "HTTP 429 ThrottlingException" in run.stdout
    assert list(run.outputs) == list(RESULT_KEYS)  # nothing added or renamed, whatever the server said
    assert (run.outputs["result"], run.outputs["status"]) == (case.result, case.status)
    assert run.outputs["exit-code"] == str(case.exit_code)
    rest = run.stdout.splitlines()
    assert TOKEN not in run.stdout + run.stderr + run.summary + json.dumps(run.outputs)
    fence = next(line.removeprefix("::stop-commands::") for line in rest if line.startswith("::stop-commands::"))
    after_fence = rest[rest.index(f"::{fence}::"):]
    assert [line.split("::")[1].split(" ")[0] for line in after_fence if line.startswith("::")] == \
        [fence, "endgroup"] + (["error"] if case.exit_code else [])
