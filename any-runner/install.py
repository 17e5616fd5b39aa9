"""The composite action's installer: the gate from this checkout into a venv, on any runner, with any Python 3.11+.

Prints `python=<the venv's interpreter>` to $GITHUB_OUTPUT. The venv is kept under the runner's tool cache
(RUNNER_TOOL_CACHE, else RUNNER_TEMP), named by a hash of what it is built from (the sources, the pins, the
interpreter), so a second gate in the same job, or any job on a self-hosted runner, starts without installing. The
pins are the image's (scripts/container/constraints.txt), wheels only, as the Dockerfile installs them. It is made
under a temporary name and renamed into place, so a concurrent job never sees half of one.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the action's checkout ($GITHUB_ACTION_PATH/..)
CONSTRAINTS = ROOT / "scripts" / "container" / "constraints.txt"
PIP = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--only-binary=:all:",
       "--constraint", str(CONSTRAINTS))


def sources() -> list[Path]:
    found = [ROOT / "pyproject.toml", CONSTRAINTS, ROOT / "entrypoint.py"]
    return found + sorted(p for p in (ROOT / "gate").rglob("*") if p.is_file() and p.suffix in {".py", ".json"})


def key() -> str:
    digest = hashlib.sha256(f"{sys.version}\n{platform.machine()}\n{sys.executable}\n".encode())
    for path in sources():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def interpreter(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def build(target: Path) -> None:
    """A venv with the gate in it, at `target` (which must not exist yet)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        venv.create(staging, with_pip=True)
        python = str(interpreter(staging))
        subprocess.run([python, *PIP, "setuptools"], check=True)
        # --no-build-isolation: setuptools is the pinned one above; nothing else is fetched to build.
        subprocess.run([python, *PIP, "--no-build-isolation", str(ROOT)], check=True)
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
