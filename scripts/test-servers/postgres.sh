#!/usr/bin/env bash
# PostgreSQL for the Database backend's tests: a private cluster is initialised per test run by
# tests/harness/specs/postgres.py; this only makes sure the server binaries exist.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "postgres.sh: install PostgreSQL (apt-get install postgresql) to run the PostgreSQL tests"
  exit 0
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
