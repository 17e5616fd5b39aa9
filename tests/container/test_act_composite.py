"""The composite action (any-runner/action.yml) on nektos/act, as tests/container/test_act.py runs the Docker one:
`uses: ./any-runner` against the bundled emulator on 127.0.0.1, offline, on local images only.

The job runs on a runner image made here from the offline stand-in (the tests' bookworm base, its python3 3.11 and
python3-venv, a wheelhouse of exactly the pinned runtime and a pip.conf with `no-index`) plus the system pip that
Debian's python3-pip would add, from the pip wheel the base already holds: a Python with pip, as GitHub's Ubuntu
runners have. The composite finds that Python, so actions/setup-python is skipped, and installs the gate from the
action's checkout into a venv from the wheelhouse. One test runs on the stand-in itself, a Python without pip.
A later step reads the outputs; with both actions in one job, the two sets of outputs for one run are compared.
act reads the action.yml of every step of a composite, skipped or not; actions/setup-python at the pinned commit is
given to it as a local stand-in (`--local-repository`) that fails the job if it ever runs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.container.test_act import (
    CHECKOUT,
    OFFLINE_BASE,
    PROJECT,
    RESULT_KEYS,
    ROOT,
    SPACE,
    TOKEN,
    _act_binary,
    _image_id,
    _label,
    _run,
    _tail,
    action_files,
    stand_in,  # noqa: F401 - the fixture, shared
)

ALL_OUTPUTS = RESULT_KEYS | {"runs"}  # action.yml's outputs: `runs` is written only when several runs are gated
pytestmark = [pytest.mark.container, pytest.mark.timeout(1200)]

GATE_STEP = """\
      - id: {id}
        if: always()
        uses: {uses}
        with:
          space: {space}
          project: {project}
          run-id: {run_id}
          token: ${{{{ secrets.CODECATALYST_TOKEN }}}}
          endpoint: {endpoint}
          interval: "0.2"
          timeout: "60"
          success-statuses: {success_statuses}
"""

# act names the job's container after the workflow and the job: a name of its own per run keeps concurrent act runs
# (another checkout's tests on the same engine) from removing each other's containers. act keeps the tool cache in
# a volume that outlives its runs; each run gets a tool cache of its own, as a new runner has, so the composite
# installs the gate every time (cold) and finds it when it runs again in the same job (warm).
WORKFLOW = """\
name: act-composite-{unique}
on: push
permissions: {{}}
jobs:
  gate:
    runs-on: ubuntu-latest
    env:
      RUNNER_TOOL_CACHE: /tmp/toolcache-{unique}
    steps:
      - uses: {checkout} # v6.0.2
        with:
          persist-credentials: false
{steps}
      - name: next
        if: always()
        env:
          OUTCOMES: ${{{{ toJSON(steps.*.outcome) }}}}
          OUTPUTS: ${{{{ toJSON(steps) }}}}
        run: |
          printf 'next-step outputs=%s\\n' "$(printf '%s' "$OUTPUTS" | base64 -w0)"
"""


@dataclass(frozen=True)
class ActRun:
    returncode: int
    log: str
    events: list[dict[str, Any]]
    steps: dict[str, Any]  # toJSON(steps) as the next step saw it: each step's outcome and outputs

    @property
    def job_result(self) -> str:
        return next(str(e["jobResult"]) for e in self.events if "jobResult" in e)

    def outputs(self, step: str) -> dict[str, str]:
        return dict(self.steps[step]["outputs"])

    def outcome(self, step: str) -> str:
        return str(self.steps[step]["outcome"])

    def started(self, step: str) -> float:
        """When act told it began the step's main stage (`⭐ Run Main`), on our clock."""
        times = [e["received"] for e in self.events if e.get("stepID") == [step] and e.get("stage") == "Main"]
        assert times, f"act logged no main stage of step {step!r}"
        return float(min(times))


@pytest.fixture(scope="session")
def composite_repo(stand_in: str, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """A git repository with both actions as this checkout has them: the Docker action builds on the offline base."""
    repo = tmp_path_factory.mktemp("act-composite") / "repo"
    repo.mkdir()
    for name in [*action_files(), "any-runner"]:
        source, target = ROOT / name, repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]"))
        else:
            shutil.copy2(source, target)
    # Whatever the default is (a tag today, tag@digest once pinned: scripts/check_pins.py), the copy builds offline.
    dockerfile, count = re.subn(r"(?m)^ARG BASE_IMAGE=.*$", f"ARG BASE_IMAGE={OFFLINE_BASE}",
                                (repo / "Dockerfile").read_text(encoding="utf-8"))
    assert count == 1, "the Dockerfile should have one `ARG BASE_IMAGE=<default>` line"
    (repo / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    git = ["git", "-c", "user.name=act test", "-c", "user.email=act@example.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "--quiet", "--initial-branch", "main"], ["add", "--all"], ["commit", "--quiet", "-m", "x"]):
        done = _run([*git, *args], cwd=repo, timeout=60)
        assert done.returncode == 0, done.stderr
    return repo


RUNNER_IMAGE = "codecatalyst-gate/act-runner:bookworm"
RUNNER_KEY = "io.github.codecatalyst-gate.runner-key"


@pytest.fixture(scope="session")
def runner_image(stand_in: str, tmp_path_factory: pytest.TempPathFactory) -> str:  # noqa: F811
    """The offline stand-in with a system pip (from the base's own pip wheel, offline), rebuilt when the base is."""
    key = str(_image_id(OFFLINE_BASE))
    if _label(RUNNER_IMAGE, RUNNER_KEY) == key:
        return RUNNER_IMAGE
    context = tmp_path_factory.mktemp("act-runner")
    (context / "Dockerfile").write_text(
        f"FROM {OFFLINE_BASE}\n"
        "RUN wheel=$(ls /usr/share/python-wheels/pip-*.whl) && python3 \"$wheel/pip\" install --quiet --no-index "
        "--break-system-packages --disable-pip-version-check \"$wheel\"\n", encoding="utf-8")
    env = dict(os.environ)
    if _run(["docker", "buildx", "version"]).returncode != 0:
        env["DOCKER_BUILDKIT"] = "0"
    built = _run(["docker", "build", "--network", "none", "--label", f"{RUNNER_KEY}={key}", "--tag", RUNNER_IMAGE,
                  str(context)], env=env)
    assert built.returncode == 0, _tail(built.stdout) + _tail(built.stderr)
    return RUNNER_IMAGE


@pytest.fixture(scope="session")
def setup_python_stand_in(tmp_path_factory: pytest.TempPathFactory) -> str:
    """`--local-repository` for the composite's pinned actions/setup-python: skipped here, so it must never run."""
    pinned = re.search(r"uses: (actions/setup-python@[0-9a-f]{40})",
                       (ROOT / "any-runner" / "action.yml").read_text(encoding="utf-8"))
    assert pinned, "any-runner/action.yml should pin actions/setup-python by commit"
    folder = tmp_path_factory.mktemp("setup-python")
    (folder / "action.yml").write_text(
        "name: setup-python stand-in\ndescription: fails if it runs\noutputs:\n  python-path:\n"
        "    description: none\n    value: ''\nruns:\n  using: composite\n  steps:\n"
        "    - shell: bash\n      run: echo 'the setup-python stand-in ran' && exit 1\n", encoding="utf-8")
    return f"{pinned.group(1)}={folder}"


def run_act(repo: Path, *, endpoint: str, run_id: str, uses: dict[str, str], local: str, runner: str,
            success_statuses: str = "''") -> ActRun:
    steps = "".join(GATE_STEP.format(id=step, uses=action, space=SPACE, project=PROJECT, run_id=run_id,
                                     endpoint=endpoint, success_statuses=success_statuses)
                    for step, action in uses.items())
    workflow = repo / ".github" / "workflows" / "gate.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    text = WORKFLOW.format(checkout=CHECKOUT, steps=steps, unique=uuid.uuid4().hex[:12])
    workflow.write_text(text, encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "ACT"))},
           "CODECATALYST_TOKEN": TOKEN, "ACT_DISABLE_VERSION_CHECK": "1"}
    # Each line of act's JSON log is stamped with our clock as it arrives (act's own times are whole seconds).
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([_act_binary(), "push", "--json", "--workflows", str(workflow), "--directory",
                                    str(repo), "--platform", f"ubuntu-latest={runner}", "--pull=false",
                                    "--network", "host", "--secret", "CODECATALYST_TOKEN", "--no-cache-server",
                                    "--container-daemon-socket", "-", "--rm", "--local-repository", local],
                                   env=env, cwd=repo, stdout=subprocess.PIPE, stderr=errors, text=True)
        assert process.stdout is not None
        stamped = [(time.time(), line) for line in process.stdout]
        process.stdout.close()
        returncode = process.wait(600)
        errors.seek(0)
        log = "".join(line for _, line in stamped) + errors.read().decode("utf-8", "replace")
    events = [{**json.loads(line), "received": at} for at, line in stamped if line.startswith("{")]
    assert any("jobResult" in e for e in events), f"act ran no job (exit {returncode}):\n{_tail(log, 60)}"
    prefix = "next-step outputs="
    lines = [str(e["msg"]).strip() for e in events if str(e.get("msg", "")).startswith(prefix)]
    assert len(lines) == 1, _tail(log, 60)
    return ActRun(returncode, log, events, json.loads(base64.b64decode(lines[0][len(prefix):])))


@dataclass
class Recorded:
    """The emulator, and when (wall clock) it received each request."""

    emulator: Any
    times: list[float]


@pytest.fixture
def emulator() -> Iterator[Recorded]:
    from gate.emulator import Emulator

    times: list[float] = []
    with Emulator(token=TOKEN, log=lambda _line: times.append(time.time())) as emulator:
        yield Recorded(emulator, times)


def test_green_the_composite_action_passes_and_a_later_step_reads_every_output(composite_repo: Path, setup_python_stand_in: str, runner_image: str,
                                                                              emulator: Recorded) -> None:
    run_id = emulator.emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id  # already SUCCEEDED
    run = run_act(composite_repo, local=setup_python_stand_in, runner=runner_image, endpoint=emulator.emulator.base_url, run_id=run_id, uses={"gate": "./any-runner"})
    assert (run.returncode, run.job_result, run.outcome("gate")) == (0, "success", "success"), _tail(run.log, 80)
    outputs = run.outputs("gate")
    assert set(outputs) == ALL_OUTPUTS and outputs["runs"] == ""  # one run: `runs` declared, left empty
    assert (outputs["result"], outputs["status"], outputs["exit-code"]) == ("success", "SUCCEEDED", "0")
    assert (outputs["run-id"], outputs["space"], outputs["project"]) == (run_id, SPACE, PROJECT)
    assert json.loads(outputs["response"])["id"] == run_id
    assert TOKEN not in run.log


def test_green_on_a_runner_whose_python_has_no_pip(composite_repo: Path, setup_python_stand_in: str,
                                                    emulator: Recorded) -> None:
    """The venv then makes its own pip (ensurepip): slower, the same outcome."""
    run_id = emulator.emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id
    run = run_act(composite_repo, local=setup_python_stand_in, runner=OFFLINE_BASE, endpoint=emulator.emulator.base_url,
                  run_id=run_id, uses={"gate": "./any-runner"})
    assert (run.returncode, run.outcome("gate")) == (0, "success"), _tail(run.log, 80)
    assert (run.outputs("gate")["result"], run.outputs("gate")["run-id"]) == ("success", run_id)


def test_red_a_failed_run_fails_the_step_with_outputs_intact(composite_repo: Path, setup_python_stand_in: str, runner_image: str, emulator: Recorded) -> None:
    run_id = emulator.emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id  # already FAILED
    run = run_act(composite_repo, local=setup_python_stand_in, runner=runner_image, endpoint=emulator.emulator.base_url, run_id=run_id, uses={"gate": "./any-runner"})
    assert run.returncode != 0 and (run.job_result, run.outcome("gate")) == ("failure", "failure"), _tail(run.log, 80)
    outputs = run.outputs("gate")
    assert set(outputs) == ALL_OUTPUTS and outputs["runs"] == ""  # one run: `runs` declared, left empty
    assert (outputs["result"], outputs["status"], outputs["exit-code"]) == ("failure", "FAILED", "1")
    assert json.loads(outputs["status-reasons"]) == [{"message": "Action Build failed: exit code 1"}]
    assert TOKEN not in run.log


def test_inputs_reach_the_gate_a_failed_run_passes_when_failed_is_a_success_status(composite_repo: Path, setup_python_stand_in: str, runner_image: str,
                                                                                  emulator: Recorded) -> None:
    run_id = emulator.emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id
    run = run_act(composite_repo, local=setup_python_stand_in, runner=runner_image, endpoint=emulator.emulator.base_url, run_id=run_id, uses={"gate": "./any-runner"},
                  success_statuses="SUCCEEDED,FAILED")
    assert (run.returncode, run.outcome("gate")) == (0, "success"), _tail(run.log, 80)
    assert (run.outputs("gate")["result"], run.outputs("gate")["exit-code"]) == ("success", "0")


@pytest.mark.parametrize("workflow", ["MyDemoWorkflow", "BrokenWorkflow"])
def test_the_composite_and_the_docker_action_give_the_same_outputs_for_the_same_run(composite_repo: Path, setup_python_stand_in: str, runner_image: str,
                                                                                   emulator: Recorded,
                                                                                   workflow: str) -> None:
    run_id = emulator.emulator.start_run(workflow=workflow, started_ago=60).id
    run = run_act(composite_repo, local=setup_python_stand_in, runner=runner_image, endpoint=emulator.emulator.base_url, run_id=run_id,
                  uses={"gate": "./any-runner", "docker": "./"})
    composite, docker = run.outputs("gate"), run.outputs("docker")
    assert set(docker) == RESULT_KEYS and set(composite) == ALL_OUTPUTS, _tail(run.log, 80)
    # A composite declares each output, set or not; a Docker action's unwritten output reads as '' just the same.
    assert composite == {key: docker.get(key, "") for key in ALL_OUTPUTS}
    assert run.outcome("gate") == run.outcome("docker") == ("success" if workflow == "MyDemoWorkflow" else "failure")


@pytest.fixture
def with_released(composite_repo: Path, image: str) -> Path:
    """The repository plus released/action.yml: the Docker action as a release ships it, a prebuilt image
    (`docker://`; locally the image build-image.sh made, already present, so nothing is pulled or built)."""
    action = (ROOT / "action.yml").read_text(encoding="utf-8")
    (composite_repo / "released").mkdir(exist_ok=True)
    (composite_repo / "released" / "action.yml").write_text(
        action.replace("\n  image: Dockerfile\n", f"\n  image: docker://{image}\n"), encoding="utf-8")
    return composite_repo


def test_cold_starts_from_step_start_to_first_request(with_released: Path, setup_python_stand_in: str, runner_image: str,
                                                      emulator: Recorded) -> None:
    """The README's figures (a measurement, printed; nothing here is a speed goal): each action's first request
    after act began its step. The composite is cold: each act run is a new job container, so no venv is cached;
    the same composite again in the job finds its venv in the tool cache (warm)."""
    run_id = emulator.emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id
    run = run_act(with_released, local=setup_python_stand_in, runner=runner_image, endpoint=emulator.emulator.base_url, run_id=run_id,
                  uses={"gate": "./any-runner", "docker": "./released", "again": "./any-runner"})
    assert run.outcome("gate") == run.outcome("docker") == run.outcome("again") == "success", _tail(run.log, 80)
    figures = {}
    for step in ("gate", "docker", "again"):
        began = run.started(step)
        first = min((at for at in emulator.times if at >= began), default=None)
        assert first is not None, f"no request after step {step} began"
        figures[step] = first - began
    assert emulator.times[0] >= run.started("gate")  # nothing was asked before the first step began
    assert "using the venv cached at" in run.log  # the second composite step installed nothing
    print(f"\ncold start, step start to first request: composite {figures['gate']:.2f} s, "
          f"Docker (prebuilt image) {figures['docker']:.2f} s; composite again in the job {figures['again']:.2f} s")
