"""GitLab CI for real: pipelines run by gitlab-ci-local, an independent implementation of GitLab's runner, against
the bundled emulator on 127.0.0.1.

What the tests need is installed on demand and cached (scripts/gitlab/ensure-gitlab-ci-local.sh: Node 22 from the
`node@22` npm package, gitlab-ci-local, rsync). Jobs without `image:` run in gitlab-ci-local's shell executor, with
the gate of this checkout's venv on PATH: no Docker needed. Jobs with an image (the README's pipeline, the CI/CD
component) run the image built from this checkout on the local stand-in base, with a local helper image (the
default one is on Docker Hub) and the host network, so `http://127.0.0.1:PORT` reaches the emulator.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gate.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
BASE = "codecatalyst-gate/base:bookworm"  # what tests/container builds too
GATE_IMAGE = "codecatalyst-gate:gitlab-ci-local"
HELPER_IMAGE = "codecatalyst-gate/gitlab-ci-local-helper:bookworm"
TOKEN = "ccpat-gitlab-S3cret-7d1e9b20c4f5"  # distinctive, so a plain search finds any leak
SPACE, PROJECT = "ExampleCorp", "MyDemoProject"
# Deploy (MyDemoRepo, main): the workflow the README's pipeline starts. Its runs end after a second.
DEPLOY = {"name": "Deploy", "timeline": [["IN_PROGRESS", 1]], "final": {"status": "SUCCEEDED", "statusReasons": []}}
REMOTE = "https://gitlab.example.com/OWNER/codecatalyst-gate.git"  # where the test repository says it comes from


def _run(args: list[str], *, timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _reason(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"


@pytest.fixture(scope="session")
def gitlab_ci_local() -> Path:
    """The folder holding `node` (22) and `gitlab-ci-local`, installed on demand."""
    done = _run([str(SCRIPTS / "gitlab" / "ensure-gitlab-ci-local.sh")], timeout=900)
    if done.returncode != 0:
        pytest.skip(f"gitlab-ci-local cannot run here: {_reason(done)}")
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def images() -> tuple[str, str]:
    """The gate's image from this checkout and gitlab-ci-local's helper image, both on the local stand-in base."""
    engine = _run([str(SCRIPTS / "container" / "ensure-docker.sh")], timeout=1100)
    if engine.returncode != 0:
        pytest.skip(f"no container engine: {_reason(engine)}")
    for script, args in (("container/build-base.sh", [BASE]),
                         ("container/build-image.sh", ["--base", BASE, "--tag", GATE_IMAGE]),
                         ("gitlab/build-helper-image.sh", ["--base", BASE, "--tag", HELPER_IMAGE])):
        done = _run([str(SCRIPTS / script), *args], timeout=1100)
        if done.returncode != 0:
            pytest.fail(f"{script} failed (exit {done.returncode}):\n{_tail(done.stdout)}\n{_tail(done.stderr)}")
    return GATE_IMAGE, HELPER_IMAGE


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(token=TOKEN, scenario={"workflows": [DEPLOY]}) as emulator:
        yield emulator


@dataclass(frozen=True)
class Pipeline:
    """A finished gitlab-ci-local run: its exit code, everything it printed, and the repository it ran in."""

    returncode: int
    log: str
    repo: Path

    def outcome(self, job: str) -> str:
        """PASS, FAIL or WARN, from gitlab-ci-local's summary."""
        found = re.findall(rf"^ (PASS|FAIL|WARN) +{re.escape(job)} *$", self.log, re.MULTILINE)
        assert len(found) == 1, f"no outcome for {job}:\n{_tail(self.log, 60)}"
        return found[0]

    def said(self, job: str) -> list[str]:
        """What a job's script printed (`job > text` lines)."""
        return [line.split(" > ", 1)[1] for line in self.log.splitlines() if line.startswith(f"{job} > ")]

    def received(self, job: str) -> dict[str, str]:
        """The environment a job saw, as its `env -0 > received-<job>.env0` line wrote it."""
        data = (self.repo / f"received-{job}.env0").read_bytes().decode("utf-8")
        return dict(item.split("=", 1) for item in data.split("\0") if "=" in item)

    def json(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = json.loads((self.repo / name).read_text(encoding="utf-8"))
        return result


RECEIVE = '    - env -0 > "received-$CI_JOB_NAME.env0"\n'  # a script line that keeps what the job saw


def run_pipeline(bin_dir: Path, work: Path, pipeline: str, *, variables: Mapping[str, str],
                 files: Mapping[str, str] | None = None, images: tuple[str, str] | None = None,
                 extra: Sequence[str] = ()) -> Pipeline:
    """`gitlab-ci-local` on a fresh repository holding `pipeline` as .gitlab-ci.yml (and `files`), committed on
    main with REMOTE as origin. Variables (the token too) come from a variables file, never the command line;
    gitlab-ci-local itself runs with a bare environment, so the machine's own variables reach no job."""
    repo, home = work / "repo", work / "home"
    repo.mkdir(parents=True)
    home.mkdir()
    (repo / ".gitlab-ci.yml").write_text(pipeline, encoding="utf-8")
    for name, text in (files or {}).items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git = ["git", "-c", "user.name=gitlab test", "-c", "user.email=gitlab@example.invalid", "-c", "commit.gpgsign=false"]
    for args in (["init", "--quiet", "--initial-branch", "main"], ["remote", "add", "origin", REMOTE],
                 ["add", "--all"], ["commit", "--quiet", "-m", "pipeline"]):
        done = _run([*git, *args], cwd=repo, timeout=60)
        assert done.returncode == 0, done.stderr
    values = work / "variables.yml"
    values.write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in variables.items()), encoding="utf-8")
    env = {"PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.defpath]),
           "HOME": str(home), "LANG": "C.UTF-8", **{k: v for k, v in os.environ.items() if k == "DOCKER_HOST"}}
    args = [str(bin_dir / "gitlab-ci-local"), "--no-color", "--max-job-name-padding", "0",
            "--home", str(home), "--variables-file", str(values), *extra]
    if images is not None:
        args += ["--helper-image", images[1], "--network", "host", "--pull-policy", "if-not-present", "--cleanup"]
    done = _run(args, cwd=repo, env=env, timeout=600)
    return Pipeline(done.returncode, done.stdout + done.stderr, repo)
