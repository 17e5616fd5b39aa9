#!/usr/bin/env bash
# Build the project's image on the local stand-in base (see build-base.sh), with the host network so
# that pip inside the build reaches the index the way the machine does.
#
# Usage: build-image.sh [--base IMAGE] [--tag TAG] [--context DIR]
#   defaults: --base codecatalyst-gate/base:bookworm --tag codecatalyst-gate:test --context <repo root>
set -euo pipefail

BASE=codecatalyst-gate/base:bookworm
TAG=codecatalyst-gate:test
CONTEXT=$(cd "$(dirname "$0")/../.." && pwd)

die() { echo "build-image: $*" >&2; exit 1; }

while (($#)); do
    case $1 in
        --base) BASE=${2:?--base needs an image}; shift 2 ;;
        --tag) TAG=${2:?--tag needs a name}; shift 2 ;;
        --context) CONTEXT=${2:?--context needs a directory}; shift 2 ;;
        *) die "unknown argument '$1' (usage: build-image.sh [--base IMAGE] [--tag TAG] [--context DIR])" ;;
    esac
done

docker image inspect "$BASE" >/dev/null 2>&1 || die "base image $BASE is missing; run build-base.sh first"

# Without the buildx plugin (Debian's docker.io has none) the classic builder does the job; say so
# explicitly, or a newer client refuses to build.
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
fi
exec docker build --network host --build-arg "BASE_IMAGE=$BASE" --tag "$TAG" "$CONTEXT"
