#!/usr/bin/env python3
"""Write a hashed lock: every pin `name==version` with the sha256 of each wheel pip would take for it, for each
Python and platform given, so that `pip install --require-hashes` installs exactly those files or nothing.

    python scripts/lock.py scripts/container/constraints.txt --no-deps --python 3.12 --python 3.11 \
        --platform manylinux2014_x86_64 --platform manylinux2014_aarch64      # the image's runtime (as listed)
    python scripts/lock.py scripts/release/requirements.txt --python 3.12 --platform manylinux2014_x86_64 \
        build==1.6.1 twine==7.0.0 setuptools==84.2.1                           # the release's tools, with deps

Without requirements on the line, the pins come from OUT itself (its hashes are made anew). The wheels come from
the index pip is configured with (`pip download`, binary wheels only); their hashes are what `pip hash` prints.
OUT keeps its leading comment lines. A maintainer checks a lock the same way: run this again and diff.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)-")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins_of(path: Path) -> list[str]:
    """The `name==version` lines of a lock or constraints file (continuations and comments skipped)."""
    lines = (line.split("#", 1)[0].strip().rstrip("\\").strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("--")]


def download(requirements: list[str], *, python: str, platform: str, deps: bool, into: Path) -> None:
    listed = into / "requirements.in"
    listed.write_text("".join(f"{r}\n" for r in requirements), encoding="utf-8")
    command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet",
               "--only-binary=:all:", "--platform", platform, "--python-version", python, "--implementation", "cp",
               "--dest", str(into / "wheels"), "--requirement", str(listed), *([] if deps else ["--no-deps"])]
    subprocess.run(command, check=True)


def lock_text(wheels: list[Path], header: list[str]) -> str:
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for wheel in wheels:
        match = _WHEEL.match(wheel.name)
        if match is None:
            raise SystemExit(f"lock: not a wheel name: {wheel.name}")
        key = (normalized(match["name"]), match["version"])
        found[key].add(hashlib.sha256(wheel.read_bytes()).hexdigest())
    body = []
    for (name, version), digests in sorted(found.items()):
        hashes = " \\\n".join(f"    --hash=sha256:{d}" for d in sorted(digests))
        body.append(f"{name}=={version} \\\n{hashes}\n")
    return "".join(header) + "".join(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("requirements", nargs="*")
    parser.add_argument("--python", action="append", required=True)
    parser.add_argument("--platform", action="append", required=True)
    parser.add_argument("--no-deps", action="store_true")
    args = parser.parse_intermixed_args()
    requirements = args.requirements or pins_of(args.out)
    header = []
    if args.out.exists():
        for line in args.out.read_text("utf-8").splitlines(keepends=True):
            if not line.startswith("#"):
                break
            header.append(line)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for python in args.python:
            for platform in args.platform:
                download(requirements, python=python, platform=platform, deps=not args.no_deps, into=work)
        text = lock_text(sorted((work / "wheels").glob("*.whl")), header)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"lock: {args.out}: {text.count('==')} pins, {text.count('--hash=')} hashes")


if __name__ == "__main__":
    main()
