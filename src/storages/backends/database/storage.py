"""DatabaseStorage: files as rows of a database, through Django's own connections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError

from storages import paths
from storages.backends.database.errors import ERRORS, VersionReplaced, deadlocked, name_taken
from storages.backends.database.options import DatabaseOptions
from storages.backends.database.streams import BlobStream
from storages.backends.database.tables import FileInfo, ModelTable, Table, UserTable
from storages.base import BaseStorage
from storages.entries import Entry
from storages.errors import StorageNotFoundError
from storages.features import Feature
from storages.files import DEFAULT_CHUNK_SIZE
from storages.retry import RetryPolicy

__all__ = ["DatabaseStorage"]

_USER_TABLE_FEATURES = Feature.URL | Feature.LISTDIR | Feature.ATOMIC_WRITE
_MODEL_TABLE_FEATURES = (
    _USER_TABLE_FEATURES | Feature.MODIFIED_TIME | Feature.CREATED_TIME | Feature.CONTENT_TYPE
)

#: A write or delete the database chose as a deadlock's victim runs again (two writers of one
#: name on MariaDB both lock the gap where it would be, then both insert).
DEADLOCK_RETRY = RetryPolicy(attempts=10, first_wait=0.01, max_wait=0.08)
#: A small file whose version was replaced between its lookup and its first read is looked up
#: again, at once.
REPLACED_RETRY = RetryPolicy(attempts=10, first_wait=0.0, max_wait=0.0)


def _entry(info: FileInfo) -> Entry:
    return Entry(
        info.name,
        info.size,
        modified=info.modified,
        created=info.created,
        content_type=info.content_type or None,
    )


class DatabaseStorage(BaseStorage[DatabaseOptions]):
    """Keep files in a database: the ``storages_file`` tables, or your ``DB_FILES`` table."""

    options_class = DatabaseOptions
    errors = ERRORS
    client_per_thread = False
    features = _MODEL_TABLE_FEATURES

    def _start(self) -> None:
        super()._start()
        # Decided per instance: a DB_FILES table has no time or content-type columns.
        self.features = (  # type: ignore[misc]
            _USER_TABLE_FEATURES if self.options.db_files is not None else _MODEL_TABLE_FEATURES
        )
        given = "base_url" in self._constructor_args[1] or "base_url" in self.__dict__
        self._base_url = self._resolve_base_url(given)

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

    # -- hooks ------------------------------------------------------------------------------
    def _stat(self, key: str) -> Entry | None:
        info = self.table.stat(key)
        return _entry(info) if info is not None else None

    def _size_stat(self, key: str) -> Entry | None:
        size = self.table.size_of(key)
        return None if size is None else Entry(key, size)

    def _exists(self, key: str) -> bool:
        if not key or key.endswith("/"):  # a directory: whether any file is stored under it
            return bool(self.table.listing(key))
        return self.table.exists(key)

    def _open_stream(self, key: str, offset: int) -> BlobStream:
        block = self.options.block_size
        if offset:
            # A later offset continues a version already partly read (by its row id): it must
            # not switch to another.
            info = self.table.stat(key)
            if info is None:
                raise StorageNotFoundError(f"Database: no file named {key!r}")
            return BlobStream(self.table, info, offset, block)

        # From the start, the row and the first bytes come from one statement, so they belong
        # to one version, and a small file is read whole by it.
        def lookup() -> BlobStream:
            found = self.table.open(key, min(block, DEFAULT_CHUNK_SIZE))
            if found is None:
                raise StorageNotFoundError(f"Database: no file named {key!r}")
            info, head = found
            if info.size and not head:
                raise VersionReplaced(f"Database: {key!r} was replaced or deleted while opened")
            return BlobStream(self.table, info, 0, block, head=head)

        return REPLACED_RETRY.call(lookup, lambda exc: isinstance(exc, VersionReplaced))

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        def write() -> None:
            fileobj.seek(0)
            try:
                self.table.write(key, fileobj, size, content_type)
            except IntegrityError as exc:
                if not (self.overwrites_files and name_taken(exc)):
                    raise
                # Another writer stored this name while this save ran (the database reports
                # a duplicate only once that row is committed): this save counts as made just
                # before it, so replaced by it. Retrying instead starves writers of a busy name.

        DEADLOCK_RETRY.call(write, deadlocked)

    def _delete(self, key: str) -> None:
        DEADLOCK_RETRY.call(lambda: self.table.delete(key), deadlocked)

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        return paths.split_level(prefix, (info.name for info in self.table.listing(prefix)))

    def _iter_entries(self, prefix: str) -> Iterator[Entry]:
        return map(_entry, self.table.listing(prefix))

    def _object_url(self, key: str, **kwargs: Any) -> str:
        name = paths.split_key(self.location_prefix, key) if self.location_prefix else key
        return self.base_url + quote(name)

    def content_type(self, name: str) -> str | None:
        """Return the stored content type of *name* (``None`` when the table keeps none)."""
        return self.stat(name).content_type
