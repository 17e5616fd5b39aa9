#!/usr/bin/env bash
# Build gitlab-ci-local's helper image (what it runs to copy the checkout and artifacts in and out of a job's
# Docker volumes; by default docker.io/firecow/gitlab-ci-local-util, which machines without Docker Hub cannot
# pull): the local stand-in base (see ../container/build-base.sh) plus rsync, from Debian's mirror.
#
# Usage: build-helper-image.sh [--base IMAGE] [--tag TAG]
#   defaults: --base codecatalyst-gate/base:bookworm --tag codecatalyst-gate/gitlab-ci-local-helper:bookworm
# Idempotent: Docker's build cache keeps a rebuild from the same base to a few seconds.
set -euo pipefail

BASE=codecatalyst-gate/base:bookworm
TAG=codecatalyst-gate/gitlab-ci-local-helper:bookworm

die() { echo "build-helper-image: $*" >&2; exit 1; }

while (($#)); do
    case $1 in
        --base) BASE=${2:?--base needs an image}; shift 2 ;;
        --tag) TAG=${2:?--tag needs a name}; shift 2 ;;
        *) die "unknown argument '$1' (usage: build-helper-image.sh [--base IMAGE] [--tag TAG])" ;;
    esac
done

docker image inspect "$BASE" >/dev/null 2>&1 || die "base image $BASE is missing; run ../container/build-base.sh first"
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0  # Debian's docker.io has no buildx plugin: the classic builder, said explicitly
fi
# The Dockerfile on stdin: no build context is needed.
exec docker build --network host --tag "$TAG" - <<DOCKERFILE
FROM $BASE
RUN apt-get update -q \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rsync \\
 && rm -rf /var/lib/apt/lists/*
DOCKERFILE
