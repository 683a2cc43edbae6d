"""One Database benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python database_worker.py IMPL OP PORT; prints one JSON object. IMPL is ``ours``
(``DatabaseStorage`` on its zero-config tables) or ``raw`` (hand-written SQL through Django's
cursor on the same ``storages_file``/``storages_file_chunk`` tables, the same 1 MiB chunks).
django-storages 1.14.6 has no Database backend, so there is no third column. ``requests`` are
SQL statements sent to PostgreSQL (``BEGIN``/``COMMIT`` not counted).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, cast
from urllib.parse import quote

from s3_worker import BIG, CHUNK, Pattern, peak_rss

LARGE = {"read_1k_of_256m", "read_256m", "save_256m"}


def setup(port: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        USE_TZ=True,
        SECRET_KEY="bench",
        INSTALLED_APPS=["storages"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "HOST": "127.0.0.1",
                "PORT": port,
                "USER": "postgres",
                "NAME": "postgres",
            }
        },
    )
    django.setup()


def count_statements() -> dict[str, int]:
    """Count the statements of Django's cursor wrapper and of the backend's raw blob cursor."""
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    from storages.backends.database import tables

    counts = {"statements": 0}

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        counts["statements"] += 1
        return execute(sql, params, many, context)

    connections["default"].execute_wrappers.append(wrapper)
    plain = tables._execute

    def counting(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[Any]:
        counts["statements"] += 1  # blob statements bypass the wrapper (no query log)
        return plain(connection, sql, params)

    tables._execute = counting
    return counts


# -- the raw client ------------------------------------------------------------------------
def raw_file(cursor: Any, name: str) -> tuple[int, int, int] | None:
    cursor.execute("SELECT id, size, chunk_size FROM storages_file WHERE name = %s", [name])
    row = cursor.fetchone()
    return None if row is None else (row[0], row[1], row[2])


def raw_save(name: str, stream: Any, size: int) -> None:
    from datetime import datetime, timezone

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
        position = 0
        while block := stream.read(CHUNK):
            cursor.execute(
                "INSERT INTO storages_file_chunk (file_id, position, data) VALUES (%s, %s, %s)",
                [file_id, position, block],
            )
            position += 1


def run_raw(op: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if op == "read_small":
            cursor.execute(
                "SELECT c.data FROM storages_file f JOIN storages_file_chunk c "
                "ON c.file_id = f.id WHERE f.name = %s ORDER BY c.position",
                ["small.txt"],
            )
            b"".join(bytes(row[0]) for row in cursor.fetchall())
        elif op == "exists":
            cursor.execute("SELECT 1 FROM storages_file WHERE name = %s", ["small.txt"])
            assert cursor.fetchone() is not None
        elif op == "size":
            cursor.execute("SELECT size FROM storages_file WHERE name = %s", ["small.txt"])
            cursor.fetchone()
        elif op == "url":
            "/dbfiles/" + quote("small.txt")
        elif op == "save_small":
            from io import BytesIO

            raw_save("w-raw.txt", BytesIO(b"small"), 5)
        elif op == "read_1k_of_256m":
            cursor.execute(
                "SELECT SUBSTR(c.data, 1, 1024) FROM storages_file f JOIN storages_file_chunk c "
                "ON c.file_id = f.id WHERE f.name = %s AND c.position = 0",
                ["big.bin"],
            )
            assert len(bytes(cursor.fetchone()[0])) == 1024
        elif op == "read_256m":
            found = raw_file(cursor, "big.bin")
            assert found is not None
            file_id, size, chunk_size = found
            for position in range((size + chunk_size - 1) // chunk_size):
                cursor.execute(
                    "SELECT data FROM storages_file_chunk WHERE file_id = %s AND position = %s",
                    [file_id, position],
                )
                bytes(cursor.fetchone()[0])
        elif op == "save_256m":
            raw_save("up-raw.bin", Pattern(BIG), BIG)
        else:
            raise SystemExit(f"unknown op {op}")


# -- this package --------------------------------------------------------------------------
def run_ours(op: str, storage: Any) -> None:
    from django.core.files.base import ContentFile, File

    if op == "read_small":
        with storage.open("small.txt", "rb") as handle:
            handle.read()
    elif op == "exists":
        assert storage.exists("small.txt")
    elif op == "size":
        storage.size("small.txt")
    elif op == "url":
        storage.url("small.txt")
    elif op == "save_small":
        storage.save("w-ours.txt", ContentFile(b"small"))
    elif op == "read_1k_of_256m":
        with storage.open("big.bin", "rb") as handle:
            assert len(handle.read(1024)) == 1024
    elif op == "read_256m":
        with storage.open("big.bin", "rb") as handle:
            while handle.read(CHUNK):
                pass
    elif op == "save_256m":
        storage.save("up-ours.bin", File(cast(Any, Pattern(BIG)), name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")


def main() -> None:
    impl, op, port = sys.argv[1:4]
    setup(port)
    from django.db import connection

    from storages.backends.database import DatabaseStorage

    storage = DatabaseStorage(base_url="/dbfiles/", file_overwrite=True)
    # Warm up: the connection open, its setup queries and the storage's client made.
    connection.ensure_connection()
    storage.exists("warm-up")
    counts = count_statements()
    repeat = 3 if op in LARGE else 25
    baseline = peak_rss()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        if impl == "raw":
            run_raw(op)
        else:
            run_ours(op, storage)
        timings.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "impl": impl,
                "op": op,
                "seconds": statistics.median(timings),
                "rss_delta": max(0, peak_rss() - baseline),
                "requests": counts["statements"] / repeat,
            }
        )
    )


if __name__ == "__main__":
    main()
