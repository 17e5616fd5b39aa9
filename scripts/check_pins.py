#!/usr/bin/env python3
"""The supply chain's pins, checked (`make lint` runs this): exit 1 with one line per unpinned thing.

- the Dockerfile's base image (`ARG BASE_IMAGE=` and any literal `FROM`) by digest, `@sha256:<64 hex>`;
- every requirement of the hashed locks (the image's, the release's tools) pinned `==` with at least one
  `--hash=sha256:`;
- every action a workflow uses by a 40-hex commit, and every container image a workflow step is given by digest;
  docker/setup-qemu-action must be given its (privileged) image, since its default is tonistiigi/binfmt:latest.

PENDING lists what could not be pinned yet, each with why and how a maintainer pins it: printed on every run, it
does not fail the check; an entry that no longer matches anything does (delete it once pinned).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LOCKS = ("scripts/container/constraints.txt", "scripts/release/requirements.txt")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
COMMIT = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")
# (file, the unpinned reference as the check reports it) -> why it is not pinned yet, and how to pin it.
PENDING: dict[tuple[str, str], str] = {
    ("Dockerfile", "python:3.12-slim"): (
        "no registry is reachable from the session that added the check, and a digest copied from elsewhere could "
        "not be verified; pin it with the index digest `docker buildx imagetools inspect python:3.12-slim` prints "
        "(ARG BASE_IMAGE=python:3.12-slim@sha256:...), then delete this entry"),
    (".github/workflows/release.yml", "docker/setup-qemu-action without a pinned image"): (
        "the same: give the step `image: docker.io/tonistiigi/binfmt:<version>@sha256:...` with the digest "
        "`docker buildx imagetools inspect tonistiigi/binfmt:<version>` prints, then delete this entry"),
}


def dockerfile_problems(text: str) -> list[str]:
    stages: set[str] = set()
    found = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "ARG" and words[1].startswith("BASE_IMAGE="):
            reference = words[1].split("=", 1)[1]
            if not DIGEST.search(reference):
                found.append(reference)
        elif len(words) >= 2 and words[0].upper() == "FROM":
            image = next(w for w in words[1:] if not w.startswith("--"))
            if len(words) >= 4 and words[-2].upper() == "AS":
                stages.add(words[-1])
            if "$" not in image and image not in stages and image != "scratch" and not DIGEST.search(image):
                found.append(image)
    return found


def lock_problems(text: str) -> list[str]:
    """Each requirement of a lock without `==` or without a hash."""
    entries: list[str] = []
    for line in text.splitlines():
        code = line.split("#", 1)[0].strip()
        if not code:
            continue
        if code.startswith("--hash") and entries:
            entries[-1] += " " + code
        elif not code.startswith("--"):
            entries.append(code)
    return [entry.split()[0].rstrip("\\") for entry in entries if "==" not in entry or not HASH.search(entry)]


def workflow_problems(text: str) -> list[str]:
    found = []
    for job in (yaml.safe_load(text) or {}).get("jobs", {}).values():
        for step in job.get("steps", []):
            uses = str(step.get("uses", ""))
            if uses and not uses.startswith("./") and not uses.startswith("docker://") and not COMMIT.match(uses):
                found.append(uses)
            image = str((step.get("with") or {}).get("image", ""))
            if image and "${{" not in image and not DIGEST.search(image):
                found.append(image)
            if uses.startswith("docker/setup-qemu-action@") and not image:
                found.append("docker/setup-qemu-action without a pinned image")
    return found


def problems(root: Path = ROOT) -> tuple[list[str], list[str]]:
    """(failures, pending): `file: reference` lines."""
    seen = [("Dockerfile", ref) for ref in dockerfile_problems((root / "Dockerfile").read_text("utf-8"))]
    seen += [(lock, ref) for lock in LOCKS for ref in lock_problems((root / lock).read_text("utf-8"))]
    for workflow in sorted((root / ".github" / "workflows").glob("*.yml")):
        name = workflow.relative_to(root).as_posix()
        seen += [(name, ref) for ref in workflow_problems(workflow.read_text("utf-8"))]
    failures = [f"{file}: {ref} is not pinned" for file, ref in seen if (file, ref) not in PENDING]
    pending = [f"{file}: {ref} is not pinned yet ({PENDING[(file, ref)]})" for file, ref in seen
               if (file, ref) in PENDING]
    failures += [f"PENDING names {file}: {ref}, which is pinned now or gone: delete the entry"
                 for file, ref in PENDING if (file, ref) not in seen]
    return failures, pending


def main() -> int:
    failures, pending = problems()
    for line in pending:
        print(f"check_pins: pending: {line}", file=sys.stderr)
    for line in failures:
        print(f"check_pins: {line}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
