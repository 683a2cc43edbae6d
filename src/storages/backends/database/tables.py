"""Where the Database backend keeps files: the zero-config tables or a ``DB_FILES`` table.

Both layouts go through Django's connection of one ``DATABASES`` alias, with parameterised SQL
only: a name is always a query parameter, never part of the SQL. Table and column names (from
settings, never from users) are quoted by the connection. Blob statements use the DB-API cursor
under Django's wrapper so that megabytes of content never land in ``connection.queries`` when
``DEBUG`` is on; Django's error wrapping still applies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import IO, Any, Protocol

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.dateparse import parse_datetime

from storages.errors import StorageError

__all__ = [
    "APP",
    "FileInfo",
    "ModelTable",
    "Table",
    "UserTable",
    "case_sensitive_names",
    "thread_connection",
]


#: The Django app of the zero-config tables.
APP = "storages.backends.database"


@dataclasses.dataclass(frozen=True)
class FileInfo:
    """What a table knows of one stored file."""

    name: str
    size: int
    #: Row id (zero-config) or the name (DB_FILES), to read the content by.
    ref: Any
    chunk_size: int = 0
    content_type: str = ""
    created: datetime | None = None
    modified: datetime | None = None


class Table(Protocol):
    """The operations the storage needs from a layout."""

    def stat(self, key: str) -> FileInfo | None: ...

    def exists(self, key: str) -> bool:
        """Return whether the file *key* is stored (cheaper than ``stat`` where it can be)."""
        ...

    def size_of(self, key: str) -> int | None:
        """Return the size of the file *key*, None when it is not stored."""
        ...

    def open(self, key: str, length: int) -> tuple[FileInfo, bytes] | None:
        """Return what ``stat`` returns and the first *length* bytes, from one statement."""
        ...

    def read(self, info: FileInfo, offset: int, size: int) -> bytes: ...

    def write(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None: ...

    def delete(self, key: str) -> None: ...

    def listing(self, prefix: str) -> list[FileInfo]: ...


class _CloseAtThreadExit:
    """Close a thread's connection when the thread ends (its thread-local slot is freed).

    Django closes the connections of request threads at the end of each request; a connection
    that a storage call opened in a thread of yours would otherwise stay open until garbage
    collection, warning that it was never closed.
    """

    def __init__(self, wrapper: BaseDatabaseWrapper) -> None:
        self.wrapper = wrapper

    def __del__(self) -> None:
        raw = getattr(self.wrapper, "connection", None)
        if raw is not None:
            with contextlib.suppress(Exception):  # the thread is gone: nobody to report to
                raw.close()


_guards = threading.local()


def thread_connection(using: str) -> BaseDatabaseWrapper:
    """Return this thread's connection of *using*, closed when the thread ends."""
    wrapper = connections[using]
    guards: dict[str, _CloseAtThreadExit] = _guards.__dict__
    guard = guards.get(using)
    if guard is None or guard.wrapper is not wrapper:
        guards[using] = _CloseAtThreadExit(wrapper)
    return wrapper


def _execute(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[Any]:
    """Run one statement on the DB-API cursor (no query log) and return its rows."""
    with connection.cursor() as wrapper, connection.wrap_database_errors:
        cursor = wrapper.cursor
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode()  # a VARBINARY name column
    return str(value)


def _bytes(value: Any) -> bytes:
    return b"" if value is None else bytes(value)


def _utc(value: Any) -> datetime | None:
    """Return a time the zero-config table stored (always UTC) as an aware datetime."""
    if isinstance(value, str):  # SQLite keeps text
        value = parse_datetime(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value if isinstance(value, datetime) else None


#: The columns of a :class:`FileInfo`, in its order, of the zero-config ``storages_file`` table.
_INFO_FIELDS = ("name", "size", "id", "chunk_size", "content_type", "created", "modified")


def case_sensitive_names(apps: Any, schema_editor: Any) -> None:
    """Make ``storages_file.name`` compare byte for byte on MySQL and MariaDB.

    Their default collations ignore case and trailing spaces, so ``a.txt`` would overwrite
    ``A.txt``. A migration step (``RunPython``); other databases compare exactly already.
    """
    connection = schema_editor.connection
    if connection.vendor != "mysql":
        return
    if connection.mysql_is_mariadb:
        collation = "utf8mb4_nopad_bin"
    elif connection.mysql_version >= (8,):
        collation = "utf8mb4_0900_bin"
    else:
        collation = "utf8mb4_bin"
    schema_editor.execute(
        "ALTER TABLE storages_file MODIFY name VARCHAR(512) "
        f"CHARACTER SET utf8mb4 COLLATE {collation} NOT NULL"
    )


class ModelTable:
    """The zero-config layout: ``storages_file`` rows plus ``storages_file_chunk`` content.

    Statements are plain SQL built once (the ORM would cost more than the query itself on a
    local database); listings, which are rare and return many rows, use the ORM.
    """

    def __init__(self, using: str, chunk_size: int) -> None:
        if not apps.is_installed(APP):
            raise ImproperlyConfigured(
                f"DatabaseStorage without DB_FILES keeps files in the tables of the app {APP!r}: "
                "add it to INSTALLED_APPS and run migrate"
            )
        from storages.backends.database.models import StoredFile, StoredFileChunk

        self.using = using
        self.chunk_size = chunk_size
        self.files = StoredFile.objects.db_manager(using)
        connection = connections[using]
        qn = connection.ops.quote_name
        files, chunks = qn(StoredFile._meta.db_table), qn(StoredFileChunk._meta.db_table)
        info = ", ".join(f"f.{qn(column)}" for column in _INFO_FIELDS)
        self._stat_sql = f"SELECT {info} FROM {files} f WHERE f.{qn('name')} = %s"  # noqa: S608
        self._open_sql = (
            f"SELECT {info}, SUBSTR(c.{qn('data')}, 1, %s) FROM {files} f "  # noqa: S608
            f"LEFT JOIN {chunks} c ON c.{qn('file_id')} = f.{qn('id')} "
            f"AND c.{qn('position')} = 0 WHERE f.{qn('name')} = %s"
        )
        where_chunk = f"FROM {chunks} WHERE {qn('file_id')} = %s AND {qn('position')} = %s"
        self._read_sql = f"SELECT SUBSTR({qn('data')}, %s, %s) {where_chunk}"
        self._chunk_sql = f"SELECT {qn('data')} {where_chunk}"
        self._ids_sql = f"SELECT {qn('id')}, {qn('name')} FROM {files} WHERE {qn('name')} = %s"  # noqa: S608
        self._size_sql = f"SELECT {qn('name')}, {qn('size')} FROM {files} WHERE {qn('name')} = %s"  # noqa: S608
        # By id, as the ORM's cascade does: a name may get a new row between two statements.
        self._delete_sql = (
            f"DELETE FROM {chunks} WHERE {qn('file_id')} = %s",  # noqa: S608
            f"DELETE FROM {files} WHERE {qn('id')} = %s",  # noqa: S608
        )
        columns = ", ".join(map(qn, ("name", "size", "content_type", "chunk_size", "created")))
        returning = connection.features.can_return_columns_from_insert
        suffix = f" RETURNING {qn('id')}" if returning else ""
        self._insert_file_sql = (
            f"INSERT INTO {files} ({columns}, {qn('modified')}) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s, %s, %s){suffix}"
        )
        self._insert_chunk_sql = (
            f"INSERT INTO {chunks} "  # noqa: S608
            f"({qn('file_id')}, {qn('position')}, {qn('data')}) VALUES (%s, %s, %s)"
        )

    @property
    def connection(self) -> BaseDatabaseWrapper:
        return thread_connection(self.using)

    @staticmethod
    def _info(key: str, row: Sequence[Any]) -> FileInfo | None:
        if _text(row[0]) != key:  # a case-insensitive collation may match other names
            return None
        _, size, ref, chunk_size, content_type, created, modified = row[:7]
        return FileInfo(
            key, int(size), ref, chunk_size, content_type, _utc(created), _utc(modified)
        )

    def stat(self, key: str) -> FileInfo | None:
        for row in _execute(self.connection, self._stat_sql, [key]):
            if (info := self._info(key, row)) is not None:
                return info
        return None

    def exists(self, key: str) -> bool:
        # The row's id and name only: no times to parse (a third of a local exists()).
        rows = _execute(self.connection, self._ids_sql, [key])
        return any(_text(name) == key for _, name in rows)

    def size_of(self, key: str) -> int | None:
        rows = _execute(self.connection, self._size_sql, [key])
        return next((int(size) for name, size in rows if _text(name) == key), None)

    def open(self, key: str, length: int) -> tuple[FileInfo, bytes] | None:
        for row in _execute(self.connection, self._open_sql, [length, key]):
            if (info := self._info(key, row)) is not None:
                return info, _bytes(row[7])
        return None

    def read(self, info: FileInfo, offset: int, size: int) -> bytes:
        position, start = divmod(offset, info.chunk_size)
        length = min(size, info.chunk_size - start)
        if not start and length >= min(info.chunk_size, info.size - offset):
            # The whole chunk: no SUBSTR, the database sends the stored value as is (a full
            # read of 64 MiB on PostgreSQL: 0.78 s with SUBSTR, 0.43 s without).
            rows = _execute(self.connection, self._chunk_sql, [info.ref, position])
        else:
            params = [start + 1, length, info.ref, position]
            rows = _execute(self.connection, self._read_sql, params)
        return _bytes(rows[0][0]) if rows else b""

    def write(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        # Always UTC, also without USE_TZ (naive UTC then), so reading never guesses a zone.
        now = datetime.now(timezone.utc)
        if not settings.USE_TZ:
            now = now.replace(tzinfo=None)
        connection = self.connection
        values = [key, size, content_type or "", self.chunk_size, now, now]
        with transaction.atomic(using=self.using):
            self._delete_rows(key)
            file_id = self._insert_file(connection, values)
            position = 0
            while block := fileobj.read(self.chunk_size):
                _execute(connection, self._insert_chunk_sql, [file_id, position, block])
                position += 1

    def _insert_file(self, connection: BaseDatabaseWrapper, values: list[Any]) -> Any:
        # Parameters go through Django's adaptation (times in the connection's zone).
        with connection.cursor() as cursor:
            cursor.execute(self._insert_file_sql, values)
            if connection.features.can_return_columns_from_insert:
                return cursor.fetchone()[0]
            return connection.ops.last_insert_id(cursor, "storages_file", "id")

    def delete(self, key: str) -> None:
        with transaction.atomic(using=self.using):
            self._delete_rows(key)

    def _delete_rows(self, key: str) -> None:
        for file_id, name in _execute(self.connection, self._ids_sql, [key]):
            if _text(name) == key:  # a case-insensitive collation may match other names
                for sql in self._delete_sql:
                    _execute(self.connection, sql, [file_id])

    def listing(self, prefix: str) -> list[FileInfo]:
        thread_connection(self.using)
        rows = self.files.filter(name__startswith=prefix).values_list(*_INFO_FIELDS)
        return [FileInfo(*row) for row in rows if row[0].startswith(prefix)]


class UserTable:
    """The 1.x documentation's layout: one row per file in a table of yours (``DB_FILES``)."""

    def __init__(self, using: str, db_files: dict[str, str], chunk_size: int) -> None:
        self.using = using
        self.chunk_size = chunk_size
        qn = self.connection.ops.quote_name
        self.table = qn(db_files["db_table"])
        self.name = qn(db_files["fname_column"])
        self.blob = qn(db_files["blob_column"])
        self.size = qn(db_files["size_column"])

    @property
    def connection(self) -> BaseDatabaseWrapper:
        return thread_connection(self.using)

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None  # the name and size: already the least there is

    def size_of(self, key: str) -> int | None:
        info = self.stat(key)
        return None if info is None else info.size

    def stat(self, key: str) -> FileInfo | None:
        rows = _execute(
            self.connection,
            f"SELECT {self.name}, {self.size} FROM {self.table} WHERE {self.name} = %s",  # noqa: S608
            [key],
        )
        for name, size in rows:
            if _text(name) == key:  # a case-insensitive collation may match other names
                return FileInfo(key, int(size or 0), key)
        return None

    def open(self, key: str, length: int) -> tuple[FileInfo, bytes] | None:
        rows = _execute(
            self.connection,
            f"SELECT {self.name}, {self.size}, SUBSTR({self.blob}, 1, %s) "  # noqa: S608
            f"FROM {self.table} WHERE {self.name} = %s",
            [length, key],
        )
        for name, size, head in rows:
            if _text(name) == key:
                return FileInfo(key, int(size or 0), key), _bytes(head)
        return None

    def read(self, info: FileInfo, offset: int, size: int) -> bytes:
        rows = _execute(
            self.connection,
            f"SELECT SUBSTR({self.blob}, %s, %s), {self.size} FROM {self.table} "  # noqa: S608
            f"WHERE {self.name} = %s",
            [offset + 1, size, info.ref],
        )
        # A save replaces the row in place: bytes of a row of another size belong to another
        # version and are not returned (as none are of a deleted file). One of the same size
        # can't be told apart: only a read in one statement is sure to get a single version.
        if not rows or int(rows[0][1] or 0) != info.size:
            return b""
        return _bytes(rows[0][0])

    def _append_sql(self) -> str | None:
        vendor = self.connection.vendor
        if vendor == "postgresql":
            return f"{self.blob} || %s"
        if vendor == "mysql":
            return f"CONCAT({self.blob}, %s)"
        if vendor == "sqlite":
            # || of two blobs gives their bytes as text; the cast makes it a blob again.
            return f"CAST({self.blob} || %s AS BLOB)"
        return None

    def write(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        append = self._append_sql()
        first = fileobj.read(self.chunk_size if append else -1)
        with transaction.atomic(using=self.using):
            self.delete(key)
            _execute(
                self.connection,
                f"INSERT INTO {self.table} ({self.name}, {self.blob}, {self.size}) "  # noqa: S608
                "VALUES (%s, %s, %s)",
                [key, first, size],
            )
            # The documented table has a single blob column: append block by block so no
            # statement carries the whole file.
            appended = False
            while append and (block := fileobj.read(self.chunk_size)):
                appended = True
                _execute(
                    self.connection,
                    f"UPDATE {self.table} SET {self.blob} = {append} WHERE {self.name} = %s",  # noqa: S608
                    [block, key],
                )
            if appended:
                # MySQL without strict mode turns a CONCAT longer than max_allowed_packet into
                # NULL instead of failing: never commit a blob that is not what was written.
                rows = _execute(
                    self.connection,
                    f"SELECT LENGTH({self.blob}) FROM {self.table} WHERE {self.name} = %s",  # noqa: S608
                    [key],
                )
                stored = int(rows[0][0] or 0) if rows else -1
                if stored != size:
                    raise StorageError(
                        f"Database: {key!r} was stored with {stored} of {size} bytes "
                        "(on MySQL, raise max_allowed_packet or use the zero-config tables)"
                    )

    def delete(self, key: str) -> None:
        _execute(self.connection, f"DELETE FROM {self.table} WHERE {self.name} = %s", [key])  # noqa: S608

    def listing(self, prefix: str) -> list[FileInfo]:
        connection = self.connection
        pattern = connection.ops.prep_for_like_query(prefix) + "%"
        escape = " ESCAPE '\\'" if connection.vendor == "sqlite" else ""
        rows = _execute(
            connection,
            f"SELECT {self.name}, {self.size} FROM {self.table} "  # noqa: S608
            f"WHERE {self.name} LIKE %s{escape}",
            [pattern],
        )
        found = (FileInfo(_text(name), int(size or 0), _text(name)) for name, size in rows)
        return [info for info in found if info.name.startswith(prefix)]
