#!/usr/bin/env bash
# MariaDB for the Database backend's tests: tests/harness/specs/mariadb.py initialises a private
# datadir per test run; this only makes sure the server binaries exist (apt: no other source).
set -euo pipefail
if command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "mariadb.sh: install MariaDB (apt-get install mariadb-server) to run the MariaDB tests"
  exit 0
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends mariadb-server
