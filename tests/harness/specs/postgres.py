"""PostgreSQL: a private cluster per test run, owned by the postgres user (root can't run it).

The data directory is made with ``mktemp`` (the harness's working directory is not reachable for
the postgres user) and removed when the server stops.
"""

from __future__ import annotations

from pathlib import Path

from tests.harness.servers import RunningServer, ServerSpec
from tests.harness.specs import database_entry

__all__ = ["SPECS", "django_settings"]

_AS_POSTGRES = "setpriv --reuid=postgres --regid=postgres --init-groups"


def _command(port: int, workdir: Path) -> list[str]:
    script = f"""
set -e
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=$(mktemp -d /tmp/storages-postgres.XXXXXX)
chown postgres:postgres "$data"
pid=
stop() {{ [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null; wait; rm -rf "$data"; exit 0; }}
trap stop TERM INT
{_AS_POSTGRES} "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \\
  >/dev/null
{_AS_POSTGRES} "$bin/postgres" -D "$data" -h 127.0.0.1 -p {port} -k "$data" \\
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off &
pid=$!
wait "$pid"
rm -rf "$data"
"""
    return ["bash", "-c", script]


def _ready(server: RunningServer) -> bool:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=server.port, user="postgres", dbname="postgres", connect_timeout=1
    ):
        return True


SPECS: dict[str, ServerSpec] = {
    "postgres": ServerSpec(
        name="postgres",
        command=_command,
        ready=_ready,
        install_hint="apt-get install postgresql (scripts/test-servers/postgres.sh does it)",
    ),
}


def django_settings(server: RunningServer) -> dict[str, object]:
    """Return a ``DATABASES`` entry for the running server."""
    return database_entry(server, "django.db.backends.postgresql", USER="postgres", NAME="postgres")
