"""scripts/check_pins.py, which `make lint` runs: it fails on an unpinned base image, an unhashed requirement, an
action by tag and a privileged QEMU image left to its default (issue 30)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts import check_pins

ROOT = Path(__file__).resolve().parents[2]
DIGEST = "@sha256:" + "ab" * 32
HASH = "--hash=sha256:" + "cd" * 32


def test_the_repository_passes_with_only_its_pending_entries() -> None:
    failures, pending = check_pins.problems(ROOT)
    assert failures == []
    assert len(pending) == len(check_pins.PENDING)


@pytest.mark.parametrize(("text", "found"), [
    ("ARG BASE_IMAGE=python:3.12-slim\nFROM ${BASE_IMAGE} AS build\n", ["python:3.12-slim"]),
    (f"ARG BASE_IMAGE=python:3.12-slim{DIGEST}\nFROM ${{BASE_IMAGE}} AS build\nFROM build\n", []),
    ("FROM debian:bookworm AS one\nFROM one\n", ["debian:bookworm"]),
    (f"FROM --platform=linux/amd64 debian:bookworm{DIGEST} AS one\nFROM scratch\n", []),
])
def test_a_base_image_must_be_pinned_by_digest(text: str, found: list[str]) -> None:
    assert check_pins.dockerfile_problems(text) == found


@pytest.mark.parametrize(("text", "found"), [
    (f"# a lock\nclick==8.5.1 \\\n    {HASH}\n", []),
    ("click==8.5.1\n", ["click==8.5.1"]),  # unhashed
    (f"click>=8 \\\n    {HASH}\n", ["click>=8"]),  # not pinned
    (f"click==8.5.1 \\\n    {HASH}\nrequests==2.34.2\n", ["requests==2.34.2"]),
])
def test_every_requirement_of_a_lock_is_pinned_and_hashed(text: str, found: list[str]) -> None:
    assert check_pins.lock_problems(text) == found


def test_actions_by_commit_and_images_by_digest() -> None:
    workflow = """
jobs:
  a:
    steps:
      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd
      - uses: actions/checkout@v6
      - uses: ./
      - uses: docker/setup-qemu-action@c7c53464625b32c7a7e944ae62b3e17d2b600130
      - uses: docker/setup-qemu-action@c7c53464625b32c7a7e944ae62b3e17d2b600130
        with:
          image: tonistiigi/binfmt:latest
"""
    assert check_pins.workflow_problems(workflow) == [
        "actions/checkout@v6", "docker/setup-qemu-action without a pinned image", "tonistiigi/binfmt:latest"]


def test_an_unpinned_base_in_a_copy_of_the_repository_fails_and_a_stale_pending_entry_too(tmp_path: Path) -> None:
    for name in ("Dockerfile", *check_pins.LOCKS, ".github/workflows"):
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, target)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("ARG BASE_IMAGE=python:3.12-slim",
                                                         "ARG BASE_IMAGE=python:3.13-slim"))
    lock = tmp_path / check_pins.LOCKS[0]
    lock.write_text(lock.read_text() + "extra==1.0\n")
    failures, _ = check_pins.problems(tmp_path)
    assert failures == ["Dockerfile: python:3.13-slim is not pinned",
                        f"{check_pins.LOCKS[0]}: extra==1.0 is not pinned",
                        "PENDING names Dockerfile: python:3.12-slim, which is pinned now or gone: delete the entry"]
