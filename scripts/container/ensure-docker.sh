#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io if dockerd is missing, start dockerd as
# root if nothing answers, and wait until `docker info` works. Exits non-zero with the reason on
# stderr when that is impossible (the tests turn it into a skip).
#
# Env: DOCKERD_LOG (default $XDG_CACHE_HOME/codecatalyst-gate/dockerd.log),
#      ENSURE_DOCKER_TIMEOUT seconds to wait for the engine (default 60).
# Idempotent: a running engine is left alone.
set -euo pipefail

CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/codecatalyst-gate
LOG=${DOCKERD_LOG:-$CACHE_DIR/dockerd.log}
TIMEOUT=${ENSURE_DOCKER_TIMEOUT:-60}

die() { echo "ensure-docker: $*" >&2; exit 1; }
log() { echo "ensure-docker: $*" >&2; }
answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null && answers; then
    exit 0
fi
if [[ -n ${DOCKER_HOST:-} ]]; then
    die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST"
fi
is_root() { [[ $(id -u) == 0 ]]; }

if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    is_root || die "no Docker engine answers and docker.io is not installed; installing it needs root"
    command -v apt-get >/dev/null || die "no Docker engine answers and there is no apt-get to install docker.io"
    mkdir -p "$CACHE_DIR"
    log "installing Debian's docker.io (log: $CACHE_DIR/apt.log)"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
        apt-get install -y -q docker.io; } >"$CACHE_DIR/apt.log" 2>&1; then
        tail -n 15 "$CACHE_DIR/apt.log" >&2
        die "installing docker.io failed; full log: $CACHE_DIR/apt.log"
    fi
fi

PIDFILE=/var/run/docker.pid
# A dockerd that is alive (not a zombie) may still be starting: give it time before starting our own.
# shellcheck disable=SC2009 # pgrep also lists zombies
dockerd_alive() { ps -C dockerd -o stat= 2>/dev/null | grep -qv '^Z'; }
start_dockerd() {
    is_root || die "dockerd is installed but not running; starting it needs root (or start the docker service)"
    # A dockerd that was killed leaves its pid file, and a new one refuses to start while that pid
    # exists (even as a zombie or another program). No live dockerd is left here, so it is stale.
    rm -f "$PIDFILE"
    mkdir -p "$(dirname "$LOG")"
    log "starting dockerd (log: $LOG)"
    # Containers here always use --network host, so dockerd creates no bridge (no private-range
    # addresses) and leaves the machine's iptables and ip_forward alone.
    setsid nohup dockerd \
        --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
        >"$LOG" 2>&1 </dev/null &
}

started=0
for ((waited = 0; waited < TIMEOUT * 2; waited++)); do
    if answers; then
        log "engine ready: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null)"
        exit 0
    fi
    if ! dockerd_alive; then
        if ((started)); then
            tail -n 15 "$LOG" >&2 2>/dev/null || true
            die "dockerd exited at start; full log: $LOG"
        fi
        start_dockerd
        started=1
    fi
    sleep 0.5
done
tail -n 15 "$LOG" >&2 2>/dev/null || true
die "no engine answered 'docker info' within ${TIMEOUT}s; dockerd log: $LOG"
