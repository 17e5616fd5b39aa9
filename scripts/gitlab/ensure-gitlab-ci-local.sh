#!/usr/bin/env bash
# Make sure gitlab-ci-local (an independent implementation of GitLab's runner, from npm) can run here: it needs
# Node 22, which the `node@22` npm package provides, plus git and rsync. Installs what is missing: the npm
# packages into a cache folder, rsync (and npm itself) with apt-get when root. Prints the folder whose `node` and
# `gitlab-ci-local` to put first on PATH. Exits non-zero with the reason on stderr when that is impossible (the
# tests turn it into a skip).
#
# Env: GITLAB_CI_LOCAL_VERSION (default below), XDG_CACHE_HOME (the packages go under
#      $XDG_CACHE_HOME/codecatalyst-gate/gitlab-ci-local-<version>-node22/).
# Idempotent: an install that answers with the right versions is kept.
set -euo pipefail

VERSION=${GITLAB_CI_LOCAL_VERSION:-4.75.1}
NODE_MAJOR=22
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/codecatalyst-gate
PREFIX=$CACHE_DIR/gitlab-ci-local-$VERSION-node$NODE_MAJOR
BIN=$PREFIX/node_modules/.bin

die() { echo "ensure-gitlab-ci-local: $*" >&2; exit 1; }
log() { echo "ensure-gitlab-ci-local: $*" >&2; }

works() {
    [[ -x $BIN/node && -x $BIN/gitlab-ci-local ]] || return 1
    [[ $("$BIN/node" --version 2>/dev/null) == v$NODE_MAJOR.* ]] || return 1
    [[ $(PATH=$BIN:$PATH gitlab-ci-local --version 2>/dev/null) == "$VERSION" ]]
}

apt_install() {  # apt_install PACKAGE...: as root, from Debian's mirror
    [[ $(id -u) == 0 ]] || die "$* missing; installing it needs root"
    command -v apt-get >/dev/null || die "$* missing and there is no apt-get to install it"
    mkdir -p "$CACHE_DIR"
    log "installing $* (log: $CACHE_DIR/apt.log)"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
        apt-get install -y -q --no-install-recommends "$@"; } >"$CACHE_DIR/apt.log" 2>&1; then
        tail -n 15 "$CACHE_DIR/apt.log" >&2
        die "installing $* failed; full log: $CACHE_DIR/apt.log"
    fi
}

command -v git >/dev/null || apt_install git
command -v rsync >/dev/null || apt_install rsync  # gitlab-ci-local copies the checkout with it

if ! works; then
    command -v npm >/dev/null || apt_install npm
    mkdir -p "$CACHE_DIR"
    PART=$(mktemp -d "$PREFIX.XXXXXX")
    trap 'rm -rf "$PART"' EXIT
    log "installing node@$NODE_MAJOR and gitlab-ci-local@$VERSION from npm (log: $CACHE_DIR/npm.log)"
    # node@22's install script fetches the platform's binary package; nothing else here runs a script.
    if ! npm install --prefix "$PART" --no-audit --no-fund --no-save --loglevel=error \
        "node@$NODE_MAJOR" "gitlab-ci-local@$VERSION" >"$CACHE_DIR/npm.log" 2>&1; then
        tail -n 15 "$CACHE_DIR/npm.log" >&2
        die "npm install failed; full log: $CACHE_DIR/npm.log"
    fi
    rm -rf "$PREFIX"
    mv "$PART" "$PREFIX"
    works || die "installed, but $BIN does not answer with node v$NODE_MAJOR and gitlab-ci-local $VERSION"
fi
echo "$BIN"
