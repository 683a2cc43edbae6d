"""The read stream of the Database backend: ranged ``SUBSTR`` reads of one stored version."""

from __future__ import annotations

from storages.backends.database.tables import FileInfo, Table

__all__ = ["BlobStream"]


class BlobStream:
    """A read stream over a stored file: one parameterised ``SUBSTR`` query per read."""

    def __init__(
        self, table: Table, info: FileInfo, offset: int, limit: int, head: bytes = b""
    ) -> None:
        self._table = table
        self._info = info
        self._pending = head  # bytes from offset on that the lookup read already
        self._pos = offset + len(head)
        self._limit = limit
        self.size: int | None = info.size

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
