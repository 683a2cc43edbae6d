#!/usr/bin/env bash
# pouchdb-server (CouchDB's HTTP API) for the CouchDB backend's tests, into $SERVERS_DIR.
# --ignore-scripts: leveldown ships prebuilt binaries; the optional sqlite3 build takes minutes.
set -euo pipefail
SERVERS_DIR="${SERVERS_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/.test-servers}"
if [ -x "$SERVERS_DIR/node_modules/.bin/pouchdb-server" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "pouchdb.sh: install Node.js 20 or later (apt-get install nodejs npm) to run the CouchDB tests"
  exit 0
fi
mkdir -p "$SERVERS_DIR"
npm install --prefix "$SERVERS_DIR" --ignore-scripts --no-audit --no-fund pouchdb-server@4.2.0
