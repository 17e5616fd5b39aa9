#!/usr/bin/env bash
# Build a local stand-in for python:3.12-slim, for machines that reach Debian's mirror and PyPI but
# no container registry: a bookworm minbase with python3, python3-venv and ca-certificates, made by
# debootstrap and `docker import`ed. The machine's CA bundle and pip index settings go in, so that
# pip inside `docker build --network host` reaches the index the way the machine itself does.
#
# Usage: build-base.sh [IMAGE]        (default codecatalyst-gate/base:bookworm)
# Env:   DEBIAN_MIRROR (default: the first Debian mirror in /etc/apt/sources.list*),
#        XDG_CACHE_HOME (the root tarball is cached under $XDG_CACHE_HOME/codecatalyst-gate/).
# Idempotent: an image already built from the same inputs is kept; a cached tarball is re-imported.
set -euo pipefail

IMAGE=${1:-codecatalyst-gate/base:bookworm}
SUITE=bookworm
PACKAGES=python3,python3-venv,ca-certificates
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/codecatalyst-gate
HOST_CA=/etc/ssl/certs/ca-certificates.crt
LABEL_KEY=io.github.codecatalyst-gate.base-key

die() { echo "build-base: $*" >&2; exit 1; }
log() { echo "build-base: $*" >&2; }

debian_mirror() {
    if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
    # deb822 ("URIs: http://…/debian") or one-line ("deb http://…/debian bookworm main") sources.
    local uri
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | sed -nE 's#^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?(https?://[^[:space:]]+/debian)/?([[:space:]].*)?$#\3#p' \
        | head -n 1)
    echo "${uri:-http://deb.debian.org/debian}"
}

# pip settings that point at a reachable index (http/https), from the environment or pip's config.
# Local paths (file://, find-links) mean nothing inside the image, so they are left out.
pip_index_lines() {
    local index extra
    index=${PIP_INDEX_URL:-$(python3 -m pip config get global.index-url 2>/dev/null || true)}
    extra=${PIP_EXTRA_INDEX_URL:-$(python3 -m pip config get global.extra-index-url 2>/dev/null || true)}
    if [[ $index =~ ^https?:// ]]; then echo "index-url = $index"; fi
    local kept=() url
    for url in $extra; do
        if [[ $url =~ ^https?:// ]]; then kept+=("$url"); fi
    done
    if ((${#kept[@]})); then echo "extra-index-url = ${kept[*]}"; fi
}

MIRROR=$(debian_mirror)
[[ -r $HOST_CA ]] || die "no CA bundle at $HOST_CA; install ca-certificates"
PIP_LINES=$(pip_index_lines)
# Everything that shapes the image; a change in any of them means a new tarball and image.
KEY=$(printf '%s\n' "v1" "$SUITE" "$PACKAGES" "$MIRROR" "$PIP_LINES" "$(sha256sum <"$HOST_CA")" \
    | sha256sum | cut -c1-16)
TARBALL=$CACHE_DIR/base-$SUITE-$KEY.tar

if [[ $(docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$IMAGE" 2>/dev/null) == "$KEY" ]]; then
    log "$IMAGE is up to date ($KEY)"
    exit 0
fi

if [[ ! -s $TARBALL ]]; then
    [[ $(id -u) == 0 ]] || die "debootstrap needs root; run as root or provide $TARBALL"
    if ! command -v debootstrap >/dev/null; then
        command -v apt-get >/dev/null || die "debootstrap is missing and there is no apt-get to install it"
        mkdir -p "$CACHE_DIR"
        log "installing debootstrap (log: $CACHE_DIR/apt.log)"
        if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
            apt-get install -y -q debootstrap; } >"$CACHE_DIR/apt.log" 2>&1; then
            tail -n 15 "$CACHE_DIR/apt.log" >&2
            die "installing debootstrap failed; full log: $CACHE_DIR/apt.log"
        fi
    fi
    mkdir -p "$CACHE_DIR"
    ROOT=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
    trap 'rm -rf "$ROOT" "$TARBALL.part"' EXIT
    log "debootstrap $SUITE from $MIRROR (about a minute)"
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" \
        >"$CACHE_DIR/debootstrap.log" 2>&1; then
        tail -n 20 "$CACHE_DIR/debootstrap.log" >&2
        die "debootstrap failed; full log: $CACHE_DIR/debootstrap.log"
    fi
    # Trim what a slim image does not carry: package caches and lists, docs, man pages, locales.
    rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* \
        "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/*
    find "$ROOT/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    # The machine may reach PyPI through a TLS proxy whose CA only its own bundle holds.
    cp "$HOST_CA" "$ROOT/etc/ssl/certs/ca-certificates.crt"
    {
        echo "[global]"
        echo "cert = /etc/ssl/certs/ca-certificates.crt"
        if [[ -n $PIP_LINES ]]; then echo "$PIP_LINES"; fi
    } >"$ROOT/etc/pip.conf"
    tar --numeric-owner -C "$ROOT" -cf "$TARBALL.part" .
    mv "$TARBALL.part" "$TARBALL"
    # Older tarballs are for inputs that no longer hold.
    find "$CACHE_DIR" -maxdepth 1 -name "base-$SUITE-*.tar" ! -name "${TARBALL##*/}" -delete
fi

log "importing $TARBALL as $IMAGE"
docker import \
    --change "LABEL $LABEL_KEY=$KEY" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    "$TARBALL" "$IMAGE" >/dev/null
log "built $IMAGE ($KEY)"
