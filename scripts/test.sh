#!/usr/bin/env bash
# Runs every test of kubeplay, stopping at the first failure:
#   1. engine tests and CLI script tests   cargo test -p kubeplay-engine
#   2. frontend unit tests                 cargo test -p kubeplay-frontend
#   3. the site builds                     trunk build --release --offline
#   4. browser tests                       tests/browser/ in headless Chromium
# Installs what is missing first (Rust web tools; chromium and chromedriver via apt).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/ensure-tools.sh"
cd "$KUBEPLAY_ROOT"

ensure_web_tools
ensure_browser_tools

log "engine tests (cargo test -p kubeplay-engine)"
cargo test -p kubeplay-engine || die "engine tests: cargo test -p kubeplay-engine"

log "frontend unit tests (cargo test -p kubeplay-frontend)"
cargo test -p kubeplay-frontend || die "frontend unit tests: cargo test -p kubeplay-frontend"

build_site

log "browser tests (python3 tests/browser/run.py)"
timeout 600 python3 tests/browser/run.py --dist "$KUBEPLAY_ROOT/dist" \
    --chromium "$CHROMIUM" --chromedriver "$CHROMEDRIVER" \
    || die "browser tests: python3 tests/browser/run.py (screenshots in tests/artifacts/)"

log "all tests passed"
