#!/usr/bin/env bash
# Builds the playground and serves it at http://127.0.0.1:8080 (PORT=... to change).
# Installs what is missing first: the wasm32 target, trunk and wasm-bindgen-cli.
# Rebuilds when a source file changes; stop with Ctrl+C.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/ensure-tools.sh"

ensure_web_tools
port="${PORT:-8080}"
log "serving kubeplay at http://127.0.0.1:$port (the first build takes a few minutes)"
cd "$KUBEPLAY_ROOT/frontend"
exec trunk serve --release --offline --address 127.0.0.1 --port "$port"
