#!/usr/bin/env bash
# Smoke-test an image of the gate before it is released: the CLI answers, the schema ships, and against the
# image's own emulator (127.0.0.1, host network, a scenario with one finished run of each seeded workflow)
# `wait` ends a succeeding run with exit 0 and a failed one with exit 1, no arguments outside a runner print the
# usage (exit 2), and the Action mode (no arguments in a runner, INPUT_* variables) writes its outputs to
# GITHUB_OUTPUT. The release workflow runs it once per platform
# (arm64 under QEMU); locally: smoke-test.sh codecatalyst-gate:test.
#
# Usage: smoke-test.sh IMAGE [PLATFORM]        e.g. smoke-test.sh ghcr.io/o/r@sha256:... linux/arm64
set -euo pipefail

IMAGE=${1:?usage: smoke-test.sh IMAGE [PLATFORM]}
PLATFORM=${2:-}
SUCCEEDED_RUN=5e1ec7ed-0000-4000-8000-0000000000a1
FAILED_RUN=5e1ec7ed-0000-4000-8000-0000000000a2
# Not a secret: the emulator accepts only this token, and the checks below prove it is never printed.
export CODECATALYST_TOKEN=smoke-test-token-9f3b2c

die() { echo "smoke-test: $*" >&2; exit 1; }
log() { echo "smoke-test: $*" >&2; }

run=(docker run --rm --network host)
if [[ -n $PLATFORM ]]; then run+=(--platform "$PLATFORM"); fi

WORK=$(mktemp -d)
EMULATOR=codecatalyst-gate-smoke-$$
cleanup() {
    docker rm --force "$EMULATOR" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

log "$IMAGE ${PLATFORM:-(default platform)}: CLI and schema"
"${run[@]}" "$IMAGE" --version
"${run[@]}" "$IMAGE" wait --help >/dev/null
schema=$("${run[@]}" "$IMAGE" schema)
[[ $schema == *'"https://json-schema.org/draft/2020-12/schema"'* ]] || die "the image's schema is not the shipped one"
status=0
usage=$("${run[@]}" "$IMAGE" 2>&1) || status=$?
[[ $status == 2 && $usage == *'docker run --rm -e CODECATALYST_TOKEN IMAGE wait'* ]] \
    || die "no arguments outside a runner: exit $status, expected 2 and the usage with the docker run forms"

cat >"$WORK/scenario.json" <<EOF
{"runs": [{"id": "$SUCCEEDED_RUN", "workflow": "MyDemoWorkflow", "startedAgo": 60},
          {"id": "$FAILED_RUN", "workflow": "BrokenWorkflow", "startedAgo": 60}]}
EOF
chmod -R a+rX "$WORK"
start=(docker run --detach --name "$EMULATOR" --network host --volume "$WORK:/smoke:ro")
if [[ -n $PLATFORM ]]; then start+=(--platform "$PLATFORM"); fi
"${start[@]}" -e CODECATALYST_TOKEN "$IMAGE" emulator --port 0 --token "$CODECATALYST_TOKEN" \
    --scenario /smoke/scenario.json --quiet >/dev/null
endpoint=
for _ in $(seq 1 120); do
    endpoint=$(docker logs "$EMULATOR" 2>/dev/null | head -n 1)
    if [[ $endpoint == http://127.0.0.1:* ]]; then break; fi
    sleep 0.5
done
[[ $endpoint == http://127.0.0.1:* ]] || { docker logs "$EMULATOR" >&2 || true; die "the emulator never printed its URL"; }
log "emulator at $endpoint"

common=(--space ExampleCorp --project MyDemoProject --endpoint "$endpoint" --interval 0.5 --timeout 60)
expect() {
    local want=$1 run_id=$2 status=0
    "${run[@]}" -e CODECATALYST_TOKEN "$IMAGE" wait "${common[@]}" --run-id "$run_id" --json \
        >"$WORK/out.json" 2>"$WORK/err.txt" || status=$?
    if [[ $status != "$want" ]] || grep -qF "$CODECATALYST_TOKEN" "$WORK/out.json" "$WORK/err.txt"; then
        cat "$WORK/out.json" "$WORK/err.txt" >&2
        die "wait --run-id $run_id: exit $status, expected $want (or the token was printed)"
    fi
    log "wait --run-id $run_id: exit $status as expected"
}
expect 0 "$SUCCEEDED_RUN"
expect 1 "$FAILED_RUN"

# As the GitHub Action: no arguments, GITHUB_ACTIONS=true as every runner sets it, inputs as INPUT_*, outputs in
# the file GITHUB_OUTPUT names.
mkdir "$WORK/commands"
chmod a+rwx "$WORK/commands"
: >"$WORK/commands/output"
chmod a+rw "$WORK/commands/output"
status=0
INPUT_SPACE=ExampleCorp INPUT_PROJECT=MyDemoProject INPUT_RUN_ID=$SUCCEEDED_RUN INPUT_ENDPOINT=$endpoint \
    INPUT_INTERVAL=0.5 INPUT_TOKEN=$CODECATALYST_TOKEN GITHUB_OUTPUT=/github/file_commands/output \
    "${run[@]}" --volume "$WORK/commands:/github/file_commands" -e INPUT_SPACE -e INPUT_PROJECT -e INPUT_RUN_ID \
    -e INPUT_ENDPOINT -e INPUT_INTERVAL -e INPUT_TOKEN -e GITHUB_OUTPUT -e GITHUB_ACTIONS=true "$IMAGE" \
    >"$WORK/action.txt" 2>&1 \
    || status=$?
if [[ $status != 0 ]] || ! grep -q '^result<<' "$WORK/commands/output" \
    || grep -qF "$CODECATALYST_TOKEN" "$WORK/action.txt" "$WORK/commands/output"; then
    cat "$WORK/action.txt" >&2
    die "the Action mode: exit $status, or no outputs, or the token was printed"
fi
log "the Action mode: exit 0, outputs written"
log "passed"
