"""The PyPI package as a user gets it: `python -m build`, `twine check --strict`, the wheel in a clean venv.

The wheel is installed into a venv of its own (no project checkout on its path) and run from there:
`schema`, the bundled emulator with a built-in scenario (package data), and `wait` against that emulator.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "scripts" / "container" / "constraints.txt"
TOKEN = "ccpat-wheel-S3cret-7d1e0a"
SPACE = "ExampleCorp"
PROJECT = "MyDemoProject"
LEFTOVERS = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".cache")
HOSTILE_RUN = "c0dec47a-0000-4000-8000-00000000bad1"  # scenario-hostile.json's pinned run, already FAILED

# Building (with an isolated setuptools from the index) and installing the wheel's dependencies take a while.
pytestmark = [pytest.mark.pypi, pytest.mark.timeout(600)]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    # From a copy: leftovers in the checkout (build/, *.egg-info/SOURCES.txt) would hide missing package data.
    source = tmp_path_factory.mktemp("source") / "codecatalyst-gate"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LEFTOVERS))
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, source, cwd=source)
    sdists, wheels = sorted(out.glob("*.tar.gz")), sorted(out.glob("*.whl"))
    assert len(sdists) == len(wheels) == 1, sorted(p.name for p in out.iterdir())
    return Dist(sdist=sdists[0], wheel=wheels[0])


@pytest.fixture(scope="module")
def venv(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean venv (no system site-packages, no checkout) with only the wheel and its dependencies."""
    where = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", where / "venv", cwd=where)
    python = where / "venv" / "bin" / "python"
    # As the image does it (Dockerfile): the hashed lock first, then the wheel alone, then pip check.
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--only-binary=:all:",
         "--require-hashes", "--no-deps", "--requirement", CONSTRAINTS, cwd=where)
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", dist.wheel, cwd=where)
    _run(python, "-m", "pip", "check", cwd=where)
    return where / "venv"


def clean_env(**extra: str) -> dict[str, str]:
    """No CI variables (the machine running the tests may be a CI runner) and no PYTHONPATH into the checkout."""
    foreign = ("CODECATALYST_", "INPUT_", "GITHUB_", "RUNNER_", "TF_BUILD", "PYTHON")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(foreign)}, **extra}


def test_sdist_and_wheel_pass_twine_check_strict(dist: Dist) -> None:
    done = _run(sys.executable, "-m", "twine", "check", "--strict", dist.sdist, dist.wheel, cwd=ROOT)
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_wheel_carries_the_schema_and_the_emulator_data_and_nothing_else(dist: Dist) -> None:
    names = set(zipfile.ZipFile(dist.wheel).namelist())
    for data in [*ROOT.glob("gate/api/schemas/*.json"), *ROOT.glob("gate/emulator/*.json")]:
        name = data.relative_to(ROOT).as_posix()
        assert name in names, f"{name} is missing from the wheel"
        assert zipfile.ZipFile(dist.wheel).read(name) == data.read_bytes()
    assert {name.split("/")[0] for name in names} == {"gate", dist.wheel.name.split("-")[0] + "-"
                                                      + dist.wheel.name.split("-")[1] + ".dist-info"}
    metadata = zipfile.ZipFile(dist.wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert b"License-Expression: Apache-2.0" in metadata
    assert b"Requires-Python: >=3.11" in metadata


def test_the_wheel_runs_from_its_own_venv(venv: Path, tmp_path: Path) -> None:
    """The console script imports the installed package, not the checkout."""
    python = venv / "bin" / "python"
    where = _run(python, "-c", "import gate; print(gate.__file__)", cwd=tmp_path, env=clean_env()).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    version = _run(venv / "bin" / "codecatalyst-gate", "--version", cwd=tmp_path, env=clean_env()).stdout
    assert "codecatalyst-gate" in version


def test_schema_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    done = _run(venv / "bin" / "codecatalyst-gate", "schema", cwd=tmp_path, env=clean_env())
    shipped = json.loads((ROOT / "gate" / "api" / "schemas" / "get-workflow-run-response.schema.json").read_text())
    assert json.loads(done.stdout) == shipped


@pytest.fixture
def wheel_emulator(venv: Path, tmp_path: Path) -> Iterator[str]:
    """The wheel's own emulator with a built-in scenario (package data), on 127.0.0.1 at a free port."""
    process = subprocess.Popen([str(venv / "bin" / "codecatalyst-gate"), "emulator", "--port", "0", "--scenario",
                                "hostile", "--token", TOKEN, "--quiet"], cwd=tmp_path, env=clean_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            process.kill()
            pytest.fail(f"the wheel's emulator did not start: {base_url!r} {process.communicate(timeout=10)[1]}")
        yield base_url
    finally:
        process.terminate()
        process.communicate(timeout=10)


def start_run(base_url: str, workflow_id: str) -> str:
    """StartWorkflowRun over HTTP, as a user would with curl."""
    request = urllib.request.Request(
        f"{base_url}/v1/spaces/{SPACE}/projects/{PROJECT}/workflowRuns?workflowId={workflow_id}",
        data=b"{}", method="PUT",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback: the test's own emulator
        return str(json.load(answer)["id"])


@pytest.mark.e2e
def test_wait_from_the_wheel_against_the_wheels_emulator(venv: Path, tmp_path: Path, wheel_emulator: str) -> None:
    gate = str(venv / "bin" / "codecatalyst-gate")
    env = clean_env(CODECATALYST_TOKEN=TOKEN)
    common = ["--space", SPACE, "--project", PROJECT, "--endpoint", wheel_emulator, "--interval", "0.5", "--json"]

    succeeded = subprocess.run([gate, "wait", *common, "--run-id",
                                start_run(wheel_emulator, "c0dec47a-0000-4000-8000-000000000001")],
                               capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False)
    assert succeeded.returncode == 0, succeeded.stdout + succeeded.stderr
    assert json.loads(succeeded.stdout)["status"] == "SUCCEEDED"

    hostile = subprocess.run([gate, "wait", *common, "--run-id", HOSTILE_RUN], capture_output=True, text=True,
                             cwd=tmp_path, env=env, timeout=120, check=False)
    assert hostile.returncode == 1, hostile.stdout + hostile.stderr
    result = json.loads(hostile.stdout)
    assert (result["result"], result["status"]) == ("failure", "FAILED")
    assert "::set-output" in result["status-reasons"][0]["message"]  # the scenario's text, kept as data
    for done in (succeeded, hostile):
        assert TOKEN not in done.stdout + done.stderr
