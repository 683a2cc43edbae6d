"""Benchmark the Database backend against hand-written SQL through Django's cursor.

On PostgreSQL (``make bench-database``), in the zero-config tables, migrated first. 1.14.6 has
no Database backend (it was removed in 2017), so the comparison is with the raw client only: the
same tables and 1 MiB chunks, queried with plain SQL. Requests are SQL statements (``BEGIN``
and ``COMMIT`` not counted). How the benchmarks run, and ``BENCH_QUICK=1`` for a smoke run:
``bench/common.py``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/
from bench import common  # noqa: E402

CHUNK, BIG = common.CHUNK, common.BIG
#: The app of the zero-config tables: "storages.backends.database", or "storages" itself in
#: the revisions before the tables had an app of their own.
APP = "storages.backends.database"
if not (common.ROOT / "src/storages/backends/database/apps.py").exists():
    APP = "storages"
NOTE = (
    "DatabaseStorage (zero-config tables) on PostgreSQL vs the same SQL written by hand through "
    "Django's cursor. django-storages 1.14.6 has no Database backend, so it has no column."
)


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    return [str(server.port)], {}


def client(port: str) -> Any:
    database = {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": port}
    database.update(USER="postgres", NAME="postgres")
    apps = list(dict.fromkeys(["storages", APP]))
    common.django_setup(INSTALLED_APPS=apps, DATABASES={"default": database})
    from django.db import connection

    return connection


def storage(impl: str, port: str) -> Any:
    client(port)
    from storages.backends.database import DatabaseStorage

    return DatabaseStorage(base_url="/dbfiles/", file_overwrite=True)


def prepare(port: str) -> None:
    from django.core.files.base import ContentFile, File
    from django.core.management import call_command

    files = storage("ours", port)
    call_command("migrate", verbosity=0)
    files.save("small.txt", ContentFile(b"small content"))
    source: Any = common.Pattern(BIG)  # a binary stream; the stubs want text
    files.save("big.bin", File(source, name="big.bin"))


def count(impl: str, target: Any) -> dict[str, int]:
    """Count the statements of Django's cursor and of the backend's raw blob cursor."""
    from django.db import connections

    from storages.backends.database import tables

    # Blob statements bypass Django's cursor wrapper (no query log): counted at the backend's.
    counts = common.count_calls(tables, "_execute", lambda *args: "blob statements")

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counts["statements"] = counts.get("statements", 0) + 1
        return execute(sql, params, many, context)

    connections["default"].execute_wrappers.append(wrapper)
    return counts


def query(sql: str, *params: Any) -> list[Sequence[Any]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def save(name: str, stream: Any, size: int) -> None:
    from django.db import connection, transaction

    now = datetime.now(timezone.utc)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM storages_file_chunk WHERE file_id IN "
            "(SELECT id FROM storages_file WHERE name = %s)",
            [name],
        )
        cursor.execute("DELETE FROM storages_file WHERE name = %s", [name])
        cursor.execute(
            "INSERT INTO storages_file (name, size, content_type, chunk_size, created, modified) "
            "VALUES (%s, %s, '', %s, %s, %s) RETURNING id",
            [name, size, CHUNK, now, now],
        )
        file_id = cursor.fetchone()[0]
        for position, block in enumerate(common.chunks(stream)):
            cursor.execute(
                "INSERT INTO storages_file_chunk (file_id, position, data) VALUES (%s, %s, %s)",
                [file_id, position, block],
            )


def read_big(name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        sql = "SELECT id, size, chunk_size FROM storages_file WHERE name = %s"
        cursor.execute(sql, [name])
        file_id, size, chunk_size = cursor.fetchone()
        for position in range((size + chunk_size - 1) // chunk_size):
            cursor.execute(
                "SELECT data FROM storages_file_chunk WHERE file_id = %s AND position = %s",
                [file_id, position],
            )
            bytes(cursor.fetchone()[0])
    return int(size)


CHUNKS = "storages_file f JOIN storages_file_chunk c ON c.file_id = f.id WHERE f.name = %s"
RAW = {
    "read_small": lambda db, tag: b"".join(
        bytes(row[0])
        for row in query(f"SELECT c.data FROM {CHUNKS} ORDER BY c.position", "small.txt")
    ),
    "exists": lambda db, tag: query("SELECT 1 FROM storages_file WHERE name = %s", "small.txt"),
    "size": lambda db, tag: query("SELECT size FROM storages_file WHERE name = %s", "small.txt"),
    "url": lambda db, tag: "/dbfiles/" + quote("small.txt"),
    "save_small": lambda db, tag: save(f"w-{tag}.txt", io.BytesIO(b"small"), 5),
    "read_1k": lambda db, tag: query(
        f"SELECT SUBSTR(c.data, 1, 1024) FROM {CHUNKS} AND c.position = 0", "big.bin"
    ),
    "read_big": lambda db, tag: read_big("big.bin"),
    "save_big": lambda db, tag: save(f"up-{tag}.bin", common.Pattern(BIG), BIG),
}


if __name__ == "__main__":
    common.main(
        sys.modules[__name__],
        server="postgres",
        counted="SQL statements",
        note=NOTE,
        **common.RAW_ONLY,
    )
