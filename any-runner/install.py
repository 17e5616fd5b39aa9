"""The composite action's installer: the gate from this checkout into a venv, on any runner, with any Python 3.11+.

Prints `python=<the venv's interpreter>` to $GITHUB_OUTPUT. The venv is kept under the runner's tool cache
(RUNNER_TOOL_CACHE, else RUNNER_TEMP), named by a hash of what it is made from (the sources, the pins, this script,
the interpreter), so a second gate in the same job, or any job on a self-hosted runner, starts without installing.
It is made under a temporary name and renamed into place, so a concurrent job never sees half of one.

What goes in: pyproject.toml's dependencies at the versions the image's lock pins (scripts/container/constraints.txt;
its hashes cover the image's platforms only, so here the versions alone constrain the install), wheels only,
then the `gate` package copied from this checkout into the venv's site-packages, which is all a wheel of this
pure-Python package would put there: no build backend, nothing built. The venv gets no pip of its own when the
runner's Python has one to lend (pip >= 22.3, `--python`); making one (ensurepip) costs seconds.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the action's checkout ($GITHUB_ACTION_PATH/..)
CONSTRAINTS = ROOT / "scripts" / "container" / "constraints.txt"
QUIET = ("--quiet", "--disable-pip-version-check")


def sources() -> list[Path]:
    found = [ROOT / "pyproject.toml", CONSTRAINTS, Path(__file__).resolve()]
    return found + sorted(p for p in (ROOT / "gate").rglob("*") if p.is_file() and p.suffix in {".py", ".json"})


def key() -> str:
    digest = hashlib.sha256(f"{sys.version}\n{platform.machine()}\n{sys.executable}\n".encode())
    for path in sources():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def interpreter(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def dependencies() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return list(tomllib.load(handle)["project"]["dependencies"])


def pins(lock: str) -> str:
    """The lock's `name==version` lines, without its hashes: a constraints file for any platform."""
    return "".join(f"{match.group(0)}\n" for line in lock.splitlines()
                   if (match := re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^\s;\\]+", line)))


def lends_pip() -> bool:
    """Whether this Python's pip can install into another environment (`--python`, pip 22.3 and later)."""
    try:
        import pip
    except ImportError:
        return False
    return tuple(int(part) for part in pip.__version__.split(".")[:2] if part.isdigit()) >= (22, 3)


def build(target: Path) -> None:
    """A venv with the gate in it, at `target` (which must not exist yet)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        lend = lends_pip()
        venv.create(staging, with_pip=not lend)
        python = str(interpreter(staging))
        # -P and a cwd of our own: `-m` and `-c` would put the caller's folder (the job's workspace: a pull request's
        # code) first on sys.path, and a `pip/` there would run in place of pip.
        pip = [sys.executable, "-P", "-m", "pip", "--python", python] if lend else [python, "-P", "-m", "pip"]
        constraints = staging / "constraints.txt"
        constraints.write_text(pins(CONSTRAINTS.read_text(encoding="utf-8")), encoding="utf-8")
        subprocess.run([*pip, "install", *QUIET, "--only-binary=:all:", "--constraint", str(constraints),
                        *dependencies()], check=True, cwd=staging)
        constraints.unlink()
        site = subprocess.run([python, "-P", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              check=True, capture_output=True, text=True, cwd=staging).stdout.strip()
        shutil.copytree(ROOT / "gate", Path(site) / "gate", ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever Python a runner has
        print(f"codecatalyst-gate needs Python 3.11 or newer; this is {platform.python_version()}", file=sys.stderr)
        return 2
    home = Path(os.environ.get("RUNNER_TOOL_CACHE") or os.environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    target = home / "codecatalyst-gate" / key()
    if interpreter(target).is_file():
        print(f"codecatalyst-gate: using the venv cached at {target}")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"codecatalyst-gate: installing into {target}")
        try:
            build(target)
        except OSError:
            if not interpreter(target).is_file():  # another job renamed its venv into place first: use that
                raise
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as output:
        output.write(f"python={interpreter(target).as_posix()}\n")  # C:/...: bash on Windows runs it as written
    return 0


if __name__ == "__main__":
    sys.exit(main())
