# The image behind the GitHub Action (action.yml: `runs: using: docker`) and `docker run` in other CIs.
#   docker run --rm -e CODECATALYST_TOKEN IMAGE wait --space S --project P --run-id ID   # arguments: the CLI
#   GitHub runs it with no arguments; entrypoint.py then reads the inputs from INPUT_* variables.
# BASE_IMAGE is a build argument so that tests can build offline on a local stand-in (a Debian
# bookworm with python3-venv, see scripts/container/build-base.sh); releases use the default.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY scripts/container/constraints.txt pyproject.toml README.md ./
COPY gate/ gate/
# A venv works on both bases: Debian's system pip is externally managed (PEP 668), python:*-slim's is not.
# Pure-Python and manylinux wheels only: no compiler in the image. Every dependency and the build backend
# come from the hashed lock (--require-hashes: those files or nothing); the project itself from this
# context, with no index at all; `pip check` proves the lock holds every dependency. pip and setuptools
# leave the venv once the project is in, so the runtime carries neither.
RUN python3 -m venv /opt/gate \
 && /opt/gate/bin/python -m pip install --only-binary=:all: --require-hashes --no-deps \
        --requirement constraints.txt \
 && /opt/gate/bin/python -m pip install --no-index --no-deps --no-build-isolation . \
 && /opt/gate/bin/python -m pip check \
 && /opt/gate/bin/python -m pip uninstall --yes setuptools pip

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="codecatalyst-gate" \
      org.opencontainers.image.description="Wait on an Amazon CodeCatalyst workflow run and turn it into an exit code." \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH="/opt/gate/bin:${PATH}"
COPY --from=build /opt/gate /opt/gate
COPY entrypoint.py /opt/gate/entrypoint.py
# No USER: the image runs as the base's default user, root. GitHub requires that for Docker
# actions, which write to the runner-owned /github/workspace and /github/file_commands mounts.
ENTRYPOINT ["/opt/gate/bin/python", "/opt/gate/entrypoint.py"]
