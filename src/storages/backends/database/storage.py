"""DatabaseStorage: files as rows of a database, through Django's own connections."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, OperationalError

from storages import paths
from storages.backends.database.errors import DATABASE_ERRORS
from storages.backends.database.options import DatabaseOptions
from storages.backends.database.tables import FileInfo, ModelTable, Table, UserTable
from storages.base import BaseStorage
from storages.errors import StorageNotFoundError
from storages.features import Feature
from storages.files import DEFAULT_CHUNK_SIZE

__all__ = ["DatabaseStorage"]

_USER_TABLE_FEATURES = Feature.URL | Feature.LISTDIR | Feature.ATOMIC_WRITE
_MODEL_TABLE_FEATURES = (
    _USER_TABLE_FEATURES | Feature.MODIFIED_TIME | Feature.CREATED_TIME | Feature.CONTENT_TYPE
)


#: Tries of an operation the database rolled back to break a deadlock, and of an open whose
#: file was replaced before its first read.
_ATTEMPTS = 10
#: Errors of a transaction the database rolled back for another to go on (it may simply run
#: again): serialization failure, deadlock (SQLSTATE); deadlock (MySQL/MariaDB error number).
_RETRY_SQLSTATES = ("40001", "40P01")
_RETRY_MYSQL_ERRORS = (1213,)


def _codes(exc: Exception) -> tuple[str | None, Any]:
    """Return the SQLSTATE and the first argument (MySQL's error number) of *exc*'s cause."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    args: tuple[Any, ...] = getattr(cause, "args", ())
    return sqlstate, args[0] if args else None


def _deadlocked(exc: OperationalError) -> bool:
    """Return whether the database rolled *exc*'s transaction back to let another go on."""
    sqlstate, number = _codes(exc)
    return sqlstate in _RETRY_SQLSTATES or number in _RETRY_MYSQL_ERRORS


def _name_taken(exc: IntegrityError) -> bool:
    """Return whether *exc* is a duplicate of a unique name (another writer's committed row)."""
    sqlstate, number = _codes(exc)
    sqlite = str(exc.__cause__).startswith("UNIQUE constraint failed")
    return sqlstate == "23505" or number == 1062 or sqlite


class _BlobStream:
    """A read stream over a stored file: one parameterised ``SUBSTR`` query per read."""

    def __init__(self, table: Table, info: FileInfo, offset: int, limit: int) -> None:
        self._table = table
        self._info = info
        self._pos = offset
        self._limit = limit
        self.size: int | None = info.size
        self._pending = b""

    def prefetch(self) -> bool:
        """Read a small file whole now; return False if the stored version is gone already.

        A larger file is read as asked (a caller that seeks first must not pay for a read).
        """
        if self._info.size - self._pos > min(self._limit, DEFAULT_CHUNK_SIZE):
            return True
        self._pending = self.read()
        return bool(self._pending) or self._info.size <= self._pos

    def read(self, n: int = -1, /) -> bytes:
        if self._pending:
            data = self._pending if n is None or n < 0 else self._pending[:n]
            self._pending = self._pending[len(data) :]
            return data
        remaining = self._info.size - self._pos
        if remaining <= 0:
            return b""
        wanted = remaining if n is None or n < 0 else min(n, remaining)
        data = self._table.read(self._info, self._pos, min(wanted, self._limit))
        self._pos += len(data)
        return data

    def close(self) -> None:
        self._pending = b""


class DatabaseStorage(BaseStorage[DatabaseOptions]):
    """Keep files in a database: the ``storages_file`` tables, or your ``DB_FILES`` table."""

    options_class = DatabaseOptions
    errors = DATABASE_ERRORS
    client_per_thread = False
    features = _MODEL_TABLE_FEATURES

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Decided per instance: a DB_FILES table has no time or content-type columns.
        self.features = (  # type: ignore[misc]
            _USER_TABLE_FEATURES if self.options.db_files is not None else _MODEL_TABLE_FEATURES
        )
        self._base_url = self._resolve_base_url("base_url" in options)

    def _resolve_base_url(self, given: bool) -> str:
        db_files = self.options.db_files or {}
        if given and self.options.base_url is not None:
            url = self.options.base_url
        else:
            url = db_files.get("base_url") or self.options.base_url or settings.MEDIA_URL or "/"
        return url if url.endswith("/") else url + "/"

    @property
    def base_url(self) -> str:
        """Return the URL prefix of the files (where the serving view is mounted)."""
        return self._base_url

    def _create_client(self) -> Table:
        if self.options.db_files is not None:
            return UserTable(self.options.using, self.options.db_files, self.options.block_size)
        return ModelTable(self.options.using, self.options.block_size)

    @property
    def table(self) -> Table:
        """Return the layout the files live in."""
        return self.client  # type: ignore[no-any-return]

    def _info(self, key: str) -> FileInfo:
        info = self.table.stat(key)
        if info is None:
            raise StorageNotFoundError(f"Database: no file named {key!r}")
        return info

    # -- hooks ------------------------------------------------------------------------------
    def _open_stream(self, key: str, offset: int) -> _BlobStream:
        # A save replaces the rows of a name, so the version found by the lookup may be gone
        # by the first read: a small file is read at once, and looked up again if it was.
        # Only from the start of the file (a later offset continues a version already partly
        # read and must not switch to another). A larger file replaced before its first read
        # fails with a clear error instead.
        for _ in range(_ATTEMPTS):
            stream = _BlobStream(self.table, self._info(key), offset, self.options.block_size)
            if offset or stream.prefetch():
                return stream
        raise StorageNotFoundError(f"Database: {key!r} was replaced or deleted while opened")

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        def write() -> None:
            fileobj.seek(0)
            try:
                self.table.write(key, fileobj, size, content_type)
            except IntegrityError as exc:
                if not (self.overwrites_files and _name_taken(exc)):
                    raise
                # Another writer stored this name while this save ran (the database reports
                # a duplicate only once that row is committed): this save counts as made just
                # before it, so replaced by it. Retrying instead starves writers of a busy name.

        self._retry_deadlocks(write)

    def _delete(self, key: str) -> None:
        self._retry_deadlocks(lambda: self.table.delete(key))

    def _retry_deadlocks(self, operation: Callable[[], None]) -> None:
        """Run *operation* again when the database chose it as a deadlock's victim (two writers
        of one name on MariaDB both lock the gap where it would be, then both insert)."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                operation()
                return
            except OperationalError as exc:
                if attempt == _ATTEMPTS or not _deadlocked(exc):
                    raise
            time.sleep(random.uniform(0, 0.01 * attempt))  # noqa: S311 - jitter, not a secret

    def _exists(self, key: str) -> bool:
        if key.endswith("/") or not key:
            return bool(self.table.names(key))
        return self.table.stat(key) is not None

    def _size(self, key: str) -> int:
        return self._info(key).size

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        return paths.split_level(prefix, self.table.names(prefix))

    def _url(self, key: str, **kwargs: Any) -> str:
        name = paths.split_key(self.location_prefix, key) if self.location_prefix else key
        return self.base_url + quote(name)

    def _modified_time(self, key: str) -> datetime:
        modified = self._info(key).modified
        assert modified is not None
        return modified

    def _created_time(self, key: str) -> datetime:
        created = self._info(key).created
        assert created is not None
        return created

    def content_type(self, name: str) -> str | None:
        """Return the stored content type of *name* (``None`` when the table keeps none)."""
        info = self._call(name, self._info, self._key(name))
        return info.content_type or None
