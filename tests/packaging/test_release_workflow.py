"""The release workflow's own scripts, run here as the runner runs them (bash -eo pipefail, the step's env).

GHCR and PyPI cannot be reached from a test, but the steps that decide what gets released can: the tag
check, and the release commit with the version and major tags, pushed to a local bare repository in place
of GitHub (git's `url.<local>.insteadOf` rewrites the push URL; nothing leaves the machine).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
VERSION = re.findall(r'^__version__ = "([^"]+)"$', (ROOT / "gate" / "__init__.py").read_text(), re.MULTILINE)[0]
IMAGE = "ghcr.io/owner/codecatalyst-gate"
DIGEST = "sha256:" + "ab" * 32
GH_TOKEN = "ghs_release-test-T0ken"


def step(job: str, name: str) -> dict[str, Any]:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    found = [s for s in jobs[job]["steps"] if s.get("name") == name]
    assert len(found) == 1, f"release.yml: job {job} has no single step named {name!r}"
    return found[0]


def run_step(job: str, name: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The step's `run:` as GitHub runs it: bash --noprofile --norc -eo pipefail, the step's `env:` filled in."""
    script = step(job, name)["run"]
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd,
                          env={"PATH": os.environ["PATH"], "HOME": str(cwd), **env}, capture_output=True,
                          text=True, timeout=60, check=False)


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)


# --- the tag check ----------------------------------------------------------------------------------------


def test_the_tag_of_the_current_version_passes_and_names_the_image(tmp_path: Path) -> None:
    out = tmp_path / "output"
    done = run_step("check", "Tag, version and action.yml agree", cwd=ROOT,
                    env={"TAG": f"v{VERSION}", "REPOSITORY": "Owner/CodeCatalyst-Gate", "GITHUB_OUTPUT": str(out)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert outputs(out) == {"version": VERSION, "major": f"v{VERSION.split('.')[0]}",
                            "image": "ghcr.io/owner/codecatalyst-gate"}


@pytest.mark.parametrize(("tag", "says"), [("v99.0.0", "__version__"), ("v1.2", "vMAJOR.MINOR.PATCH"),
                                           (f"v{VERSION}-rc1", "vMAJOR.MINOR.PATCH")])
def test_a_tag_that_does_not_match_the_version_is_refused(tmp_path: Path, tag: str, says: str) -> None:
    out = tmp_path / "output"
    out.touch()
    done = run_step("check", "Tag, version and action.yml agree", cwd=ROOT,
                    env={"TAG": tag, "REPOSITORY": "owner/repo", "GITHUB_OUTPUT": str(out)})
    assert done.returncode == 1
    assert done.stdout.startswith("::error") and says in done.stdout
    assert out.read_text() == ""


def test_a_release_commit_cannot_be_released_again(tmp_path: Path) -> None:
    (tmp_path / "gate").mkdir()
    shutil.copy2(ROOT / "gate" / "__init__.py", tmp_path / "gate" / "__init__.py")
    released = (ROOT / "action.yml").read_text().replace("  image: Dockerfile\n",
                                                         f"  image: docker://{IMAGE}@{DIGEST}\n")
    (tmp_path / "action.yml").write_text(released)
    done = run_step("check", "Tag, version and action.yml agree", cwd=tmp_path,
                    env={"TAG": f"v{VERSION}", "REPOSITORY": "owner/repo", "GITHUB_OUTPUT": str(tmp_path / "o")})
    assert done.returncode == 1 and "image: Dockerfile" in done.stdout


# --- the release commit and the tags ----------------------------------------------------------------------


def git(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def test_the_release_commit_runs_the_image_by_digest_and_carries_both_tags(tmp_path: Path) -> None:
    tag, major = f"v{VERSION}", f"v{VERSION.split('.')[0]}"
    ident = {"GIT_AUTHOR_NAME": "m", "GIT_AUTHOR_EMAIL": "m@example.invalid", "GIT_COMMITTER_NAME": "m",
             "GIT_COMMITTER_EMAIL": "m@example.invalid", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
             "GIT_CONFIG_NOSYSTEM": "1"}
    # GitHub, as far as this step can tell: a bare repository that the push URL is rewritten to.
    remote = tmp_path / "remote.git"
    url = f"https://x-access-token:{GH_TOKEN}@github.example/owner/codecatalyst-gate.git"
    (tmp_path / "gitconfig").write_text(f'[url "{remote}"]\n\tinsteadOf = {url}\n[commit]\n\tgpgsign = false\n'
                                        '[tag]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n')
    git("init", "--quiet", "--bare", str(remote), cwd=tmp_path, env=ident)
    # The maintainer's side: main with the version bumped, tagged and pushed.
    work = tmp_path / "work"
    (work / "gate").mkdir(parents=True)
    shutil.copy2(ROOT / "action.yml", work / "action.yml")
    shutil.copy2(ROOT / "gate" / "__init__.py", work / "gate" / "__init__.py")
    git("init", "--quiet", cwd=work, env=ident)
    git("add", "--all", cwd=work, env=ident)
    git("commit", "--quiet", "-m", "Bump the version", cwd=work, env=ident)
    git("tag", "-a", tag, "-m", tag, cwd=work, env=ident)
    git("push", "--quiet", str(remote), "main", f"refs/tags/{tag}", cwd=work, env=ident)
    tagged = git("rev-parse", f"{tag}^{{commit}}", cwd=work, env=ident)
    # The runner's side: actions/checkout of the tag (a detached HEAD), then the step.
    runner = tmp_path / "runner"
    git("clone", "--quiet", str(remote), str(runner), cwd=tmp_path, env=ident)
    git("checkout", "--quiet", "--detach", tag, cwd=runner, env=ident)
    done = run_step("release", "Release commit, version tag and major tag", cwd=runner, env={
        **ident, "IMAGE": IMAGE, "DIGEST": DIGEST, "TAG": tag, "MAJOR": major, "GH_TOKEN": GH_TOKEN,
        "GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "owner/codecatalyst-gate"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert GH_TOKEN not in done.stdout + done.stderr

    release = git("rev-parse", f"{tag}^{{commit}}", cwd=remote, env=ident)
    assert git("rev-parse", f"{major}^{{commit}}", cwd=remote, env=ident) == release
    assert git("rev-parse", f"{release}^", cwd=remote, env=ident) == tagged  # a child of the tagged commit
    assert git("rev-parse", "main", cwd=remote, env=ident) == tagged  # main untouched: still `image: Dockerfile`
    assert git("cat-file", "-t", f"refs/tags/{tag}", cwd=remote, env=ident) == "tag"  # annotated
    assert git("diff", "--name-only", tagged, release, cwd=remote, env=ident) == "action.yml"
    diff = [line for line in git("diff", "--unified=0", tagged, release, cwd=remote, env=ident).splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert diff == ["-  image: Dockerfile", f"+  image: docker://{IMAGE}@{DIGEST}"]
    released = yaml.safe_load(git("show", f"{release}:action.yml", cwd=remote, env=ident))
    assert released["runs"] == {"using": "docker", "image": f"docker://{IMAGE}@{DIGEST}"}
