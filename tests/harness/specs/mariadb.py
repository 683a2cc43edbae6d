"""MariaDB: a private data directory per test run, in the harness's working directory.

The server runs as root (``--user=root``) without grant tables: it only listens on loopback and
the tests need one throwaway database, ``storage_test``. ``max_allowed_packet`` is 64 MiB (as
in MySQL 8; MariaDB's default is 16 MiB) because a ``DB_FILES`` blob is one value and the
contract's large file is 24 MiB.
"""

from __future__ import annotations

from pathlib import Path

from tests.harness.servers import RunningServer, ServerSpec
from tests.harness.specs import database_entry

__all__ = ["DATABASE", "SPECS", "django_settings"]

DATABASE = "storage_test"


def _command(port: int, workdir: Path) -> list[str]:
    data = workdir / "data"
    script = f"""
set -e
rm -rf "{data}"
mariadb-install-db --no-defaults --user=root --datadir="{data}" \\
  --auth-root-authentication-method=normal --skip-test-db >/dev/null
exec mariadbd --no-defaults --user=root --datadir="{data}" --bind-address=127.0.0.1 \\
  --port={port} --socket="{data}/mysqld.sock" --pid-file="{data}/mysqld.pid" --skip-log-bin \\
  --innodb-flush-log-at-trx-commit=0 --skip-grant-tables --max-allowed-packet=64M
"""
    return ["bash", "-c", script]


def _ready(server: RunningServer) -> bool:
    import pymysql

    connection = pymysql.connect(host="127.0.0.1", port=server.port, user="root", connect_timeout=1)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE} CHARACTER SET utf8mb4")
    finally:
        connection.close()
    return True


def django_settings(server: RunningServer) -> dict[str, object]:
    """Return a ``DATABASES`` entry for the running server (Django uses PyMySQL as MySQLdb)."""
    return database_entry(
        server,
        "django.db.backends.mysql",
        USER="root",
        NAME=DATABASE,
        OPTIONS={"charset": "utf8mb4"},
    )


SPECS: dict[str, ServerSpec] = {
    "mariadb": ServerSpec(
        name="mariadb",
        command=_command,
        ready=_ready,
        install_hint="apt-get install mariadb-server (scripts/test-servers/mariadb.sh does it)",
    ),
}
