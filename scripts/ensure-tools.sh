# shellcheck shell=bash
# Installs what building and testing kubeplay needs, skipping whatever is already
# there in the right version. Sourced by scripts/serve.sh and scripts/test.sh:
#   ensure_web_tools      rustup's wasm32 target, trunk, wasm-bindgen-cli, binaryen's wasm-opt
#   ensure_browser_tools  chromium, chromedriver, python3 (for tests/browser)

KUBEPLAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
# binaryen's wasm-opt shrinks the site's wasm (trunk runs it: data-wasm-opt in
# frontend/index.html). Debian's binaryen is too old to read today's wasm, so
# npm's build of it is installed into the checkout (.tools/, not committed).
BINARYEN_VERSION="132.0.0"
BINARYEN_DIR="$KUBEPLAY_ROOT/.tools/binaryen"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# cargo installs binaries here; a fresh shell may not have it on PATH yet.
if [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi
case ":$PATH:" in
    *":${CARGO_HOME:-$HOME/.cargo}/bin:"*) ;;
    *) PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" ;;
esac
export PATH

# The wasm-bindgen CLI must match the wasm-bindgen crate the site links exactly.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
        "$KUBEPLAY_ROOT/Cargo.lock"
}

# Prints the version a tool reports ("trunk 0.21.14" -> 0.21.14), or nothing.
tool_version() {
    command -v "$1" >/dev/null 2>&1 || return 0
    "$1" --version 2>/dev/null | head -n 1 | awk '{ print $2 }'
}

ensure_web_tools() {
    command -v cargo >/dev/null 2>&1 || die "cargo is not installed: install Rust with rustup first (https://rustup.rs)"
    command -v rustup >/dev/null 2>&1 || die "rustup is not installed: it is needed to add the wasm32-unknown-unknown target"

    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        log "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown || die "rustup target add wasm32-unknown-unknown"
    fi

    if [ "$(tool_version trunk)" != "$TRUNK_VERSION" ]; then
        log "installing trunk $TRUNK_VERSION (once; takes a few minutes)"
        cargo install --locked "trunk@$TRUNK_VERSION" || die "cargo install --locked trunk@$TRUNK_VERSION"
    fi

    local wb
    wb="$(wasm_bindgen_version)"
    [ -n "$wb" ] || die "could not read the wasm-bindgen version from Cargo.lock"
    if [ "$(tool_version wasm-bindgen)" != "$wb" ]; then
        log "installing wasm-bindgen-cli $wb (once; takes a few minutes)"
        cargo install --force "wasm-bindgen-cli@$wb" || die "cargo install wasm-bindgen-cli@$wb"
    fi

    # "wasm-opt version 132 (version_132)"
    if [ "$("$BINARYEN_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{ print $3 }')" != "${BINARYEN_VERSION%%.*}" ]; then
        if ! command -v npm >/dev/null 2>&1; then
            command -v apt-get >/dev/null 2>&1 \
                || die "npm is not installed (it fetches binaryen's wasm-opt) and apt-get is not available: install Node.js"
            log "installing npm with apt-get (for binaryen's wasm-opt)"
            as_root apt-get update || die "apt-get update"
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y npm || die "apt-get install -y npm"
        fi
        log "installing binaryen $BINARYEN_VERSION (wasm-opt) into .tools/ with npm"
        npm install --silent --no-audit --no-fund --prefix "$BINARYEN_DIR" "binaryen@$BINARYEN_VERSION" \
            || die "npm install binaryen@$BINARYEN_VERSION"
    fi
    case ":$PATH:" in
        *":$BINARYEN_DIR/node_modules/.bin:"*) ;;
        *) PATH="$BINARYEN_DIR/node_modules/.bin:$PATH" ;;
    esac
    export PATH
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (and sudo is not installed)"
    fi
}

chromium_path() {
    local c
    for c in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
        if [ -n "$c" ] && [ -x "$c" ]; then printf '%s\n' "$c"; return 0; fi
    done
    return 1
}

chromedriver_path() {
    local c
    for c in "${CHROMEDRIVER:-}" /usr/bin/chromedriver "$(command -v chromedriver 2>/dev/null)"; do
        if [ -n "$c" ] && [ -x "$c" ]; then printf '%s\n' "$c"; return 0; fi
    done
    return 1
}

ensure_browser_tools() {
    local missing=()
    chromium_path >/dev/null || missing+=(chromium)
    chromedriver_path >/dev/null || missing+=(chromium-driver)
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    if [ "${#missing[@]}" -gt 0 ]; then
        command -v apt-get >/dev/null 2>&1 \
            || die "missing ${missing[*]} and apt-get is not available: install them by hand"
        log "installing ${missing[*]} with apt-get"
        as_root apt-get update || die "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" \
            || die "apt-get install -y ${missing[*]}"
    fi
    CHROMIUM="$(chromium_path)" || die "chromium is still missing after installing it"
    CHROMEDRIVER="$(chromedriver_path)" || die "chromedriver is still missing after installing it"
    export CHROMIUM CHROMEDRIVER
}

# Builds the static site into dist/ (release: what learners load).
build_site() {
    log "building the site (trunk build --release --offline) into dist/"
    (cd "$KUBEPLAY_ROOT/frontend" && trunk build --release --offline) || die "trunk build --release --offline (frontend/)"
}
