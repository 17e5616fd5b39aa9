#!/usr/bin/env bash
# Make sure Mermaid's own renderer runs here, for tests/render: Debian's chromium, nodejs and npm (apt-get
# install of what is missing, as root); npm's node@22 package when the node here is older than mermaid-cli
# needs; and @mermaid-js/mermaid-cli with puppeteer from tests/render/package-lock.json (npm ci, no browser
# download, no install scripts), cached under the lock file's hash. Prints the path of an `mmdc` wrapper on
# stdout (it sets PATH and PUPPETEER_EXECUTABLE_PATH); exits non-zero with the reason on stderr when that is
# impossible (the tests turn it into a skip).
#
# Env: PUPPETEER_EXECUTABLE_PATH (default /usr/bin/chromium), XDG_CACHE_HOME.
# Idempotent; concurrent runs each build in a temporary folder and the first rename wins.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SPEC=$ROOT/tests/render
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/codecatalyst-gate
BROWSER=${PUPPETEER_EXECUTABLE_PATH:-/usr/bin/chromium}

die() { echo "ensure-mermaid: $*" >&2; exit 1; }
log() { echo "ensure-mermaid: $*" >&2; }
is_root() { [[ $(id -u) == 0 ]]; }
mkdir -p "$CACHE_DIR"

missing=()
if [[ ! -x $BROWSER ]]; then
    [[ $BROWSER == /usr/bin/chromium ]] || die "PUPPETEER_EXECUTABLE_PATH=$BROWSER is not an executable"
    missing+=(chromium fonts-liberation)
fi
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
    is_root || die "missing ${missing[*]}; installing them (Debian packages) needs root"
    command -v apt-get >/dev/null || die "missing ${missing[*]} and there is no apt-get to install them"
    log "installing Debian's ${missing[*]} (log: $CACHE_DIR/apt-render.log)"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
        apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$CACHE_DIR/apt-render.log" 2>&1; then
        tail -n 15 "$CACHE_DIR/apt-render.log" >&2
        die "installing ${missing[*]} failed; full log: $CACHE_DIR/apt-render.log"
    fi
fi

NODE_BIN=$(dirname "$(command -v node)")
# mermaid-cli 11.9 wants node ^18.19 || >=20 (Debian 12's nodejs is 18.19)
if ! node -e "const [a, b] = process.versions.node.split('.').map(Number); process.exit(a >= 20 || (a === 18 && b >= 19) ? 0 : 1)"; then
    NODE22=$CACHE_DIR/node22
    if [[ ! -x $NODE22/node_modules/.bin/node ]]; then
        log "node $(node --version) is older than mermaid-cli needs: installing npm's node@22 into $NODE22"
        npm install --prefix "$NODE22" --no-fund --no-audit node@22 >"$CACHE_DIR/npm-node22.log" 2>&1 \
            || die "installing node@22 failed; log: $CACHE_DIR/npm-node22.log"
    fi
    NODE_BIN=$NODE22/node_modules/.bin
fi

KEY=$( (cat "$SPEC/package.json" "$SPEC/package-lock.json"; echo "$BROWSER $NODE_BIN") | sha256sum | cut -c1-16)
DEST=$CACHE_DIR/mermaid-cli-$KEY
if [[ ! -x $DEST/mmdc ]]; then
    BUILD=$(mktemp -d "$CACHE_DIR/mermaid-cli-build.XXXXXX")
    trap 'rm -rf "$BUILD"' EXIT
    cp "$SPEC/package.json" "$SPEC/package-lock.json" "$BUILD/"
    log "installing @mermaid-js/mermaid-cli (npm ci; log: $CACHE_DIR/npm-mermaid.log)"
    (cd "$BUILD" && PATH=$NODE_BIN:$PATH PUPPETEER_SKIP_DOWNLOAD=1 \
        npm ci --no-fund --no-audit --ignore-scripts) >"$CACHE_DIR/npm-mermaid.log" 2>&1 \
        || { tail -n 15 "$CACHE_DIR/npm-mermaid.log" >&2; die "npm ci failed; full log: $CACHE_DIR/npm-mermaid.log"; }
    cat >"$BUILD/mmdc" <<WRAPPER
#!/usr/bin/env bash
export PATH="$NODE_BIN:\$PATH" PUPPETEER_EXECUTABLE_PATH="$BROWSER"
exec "$DEST/node_modules/.bin/mmdc" "\$@"
WRAPPER
    chmod +x "$BUILD/mmdc"
    if mv -T "$BUILD" "$DEST" 2>/dev/null; then
        trap - EXIT
    fi
    [[ -x $DEST/mmdc ]] || die "the install in $DEST is incomplete"
fi
echo "$DEST/mmdc"
