"""DatabaseStorage: files as rows of a database, through Django's own connections."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings

from storages import paths
from storages.backends.database.errors import DATABASE_ERRORS
from storages.backends.database.options import DatabaseOptions
from storages.backends.database.tables import FileInfo, ModelTable, Table, UserTable
from storages.base import BaseStorage
from storages.errors import StorageNotFoundError
from storages.features import Feature

__all__ = ["DatabaseStorage"]

_USER_TABLE_FEATURES = Feature.URL | Feature.LISTDIR | Feature.ATOMIC_WRITE
_MODEL_TABLE_FEATURES = (
    _USER_TABLE_FEATURES | Feature.MODIFIED_TIME | Feature.CREATED_TIME | Feature.CONTENT_TYPE
)


class _BlobStream:
    """A read stream over a stored file: one parameterised ``SUBSTR`` query per read."""

    def __init__(self, table: Table, info: FileInfo, offset: int, limit: int) -> None:
        self._table = table
        self._info = info
        self._pos = offset
        self._limit = limit
        self.size: int | None = info.size

    def read(self, n: int = -1, /) -> bytes:
        remaining = self._info.size - self._pos
        if remaining <= 0:
            return b""
        wanted = remaining if n is None or n < 0 else min(n, remaining)
        data = self._table.read(self._info, self._pos, min(wanted, self._limit))
        self._pos += len(data)
        return data

    def close(self) -> None:
        pass


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
        return _BlobStream(self.table, self._info(key), offset, self.options.block_size)

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        self.table.write(key, fileobj, size, content_type)

    def _delete(self, key: str) -> None:
        self.table.delete(key)

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
