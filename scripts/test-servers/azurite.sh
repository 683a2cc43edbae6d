#!/usr/bin/env bash
# Azurite (Azure Blob emulator) for the Azure backend's tests, from npm into $SERVERS_DIR.
# Idempotent: nothing happens when azurite-blob is already installed.
set -euo pipefail
SERVERS_DIR="${SERVERS_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/.test-servers}"
# 3.37 declares node >= 22, so npm warns EBADENGINE on Node 20 (Debian's); it runs there and the
# Azure tests pass on Node 20 all the same.
AZURITE_VERSION="3.37.0"
if [ -x "$SERVERS_DIR/node_modules/.bin/azurite-blob" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "azurite: npm is missing; install Node.js 20 or later (apt-get install nodejs npm) to run the Azure tests" >&2
  exit 1
fi
mkdir -p "$SERVERS_DIR"
# --ignore-scripts: Azurite needs none of its dependencies' install scripts.
npm install --prefix "$SERVERS_DIR" --ignore-scripts --no-audit --no-fund \
  "azurite@$AZURITE_VERSION"
