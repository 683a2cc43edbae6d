"""The read stream of the Database backend: ranged ``SUBSTR`` reads of one stored version."""

from __future__ import annotations

from storages.backends.database.tables import FileInfo, Table
from storages.files import DEFAULT_CHUNK_SIZE

__all__ = ["BlobStream"]


class BlobStream:
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
