"""Streams of the SFTP storage: pipelined reads in bounded windows, atomic streamed writes."""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from storages.backends.sftp.errors import CONNECTION_ERRORS
from storages.errors import StorageError
from storages.paths import temporary_name

if TYPE_CHECKING:
    import paramiko

__all__ = ["SFTPReadStream", "SFTPWriter"]

#: Bytes of the first read-ahead window; later windows double up to MAX_WINDOW.
FIRST_WINDOW = 64 * 1024
#: Upper bound of the read-ahead window (the most a read holds in memory at once).
MAX_WINDOW = 2 * 1024 * 1024
#: Bytes per SFTP read request (paramiko's and OpenSSH's limit).
REQUEST_SIZE = 32 * 1024


class SFTPReadStream:
    """Read one remote file from an offset, fetching windows of parallel requests.

    Each window is read with ``readv`` (its 32 KiB requests all in flight at once, not one round
    trip each), and the next window is requested as soon as the current one has arrived, so the
    network works while the caller consumes. Windows start small, so ``read(16)`` of a large
    file fetches 64 KiB, and double up to :data:`MAX_WINDOW`: at most two windows are held in
    memory. *failed* is told of an error, so that a broken connection is not reused.
    """

    def __init__(
        self,
        handle: paramiko.SFTPFile,
        offset: int,
        size: int,
        failed: Callable[[BaseException], None] = lambda exc: None,
    ) -> None:
        self._handle = handle
        self._failed = failed
        self._pos = offset  # where the next window starts
        self.size: int | None = size
        self._chunks: collections.deque[bytes] = collections.deque()
        self._window = FIRST_WINDOW
        self._pending: tuple[Iterator[bytes], bytes] | None = None

    def read(self, n: int = -1, /) -> bytes:
        if not self._chunks:
            try:
                self._fill()
            except Exception as exc:
                self._failed(exc)
                raise
            if not self._chunks:
                return b""
        chunk = self._chunks.popleft()
        if 0 <= n < len(chunk):
            self._chunks.appendleft(chunk[n:])
            chunk = chunk[:n]
        return chunk

    def _request(self) -> tuple[Iterator[bytes], bytes] | None:
        assert self.size is not None
        length = min(self.size - self._pos, self._window)
        if length <= 0:
            return None
        ranges = [
            (start, min(REQUEST_SIZE, self._pos + length - start))
            for start in range(self._pos, self._pos + length, REQUEST_SIZE)
        ]
        self._pos += length
        self._window = min(self._window * 2, MAX_WINDOW)
        blocks = iter(self._handle.readv(ranges))
        # readv starts its requests on the first next(): get them going now.
        return blocks, next(blocks)

    def _fill(self) -> None:
        pending = self._pending or self._request()
        if pending is None:
            return
        blocks, first = pending
        self._chunks.append(first)
        self._chunks.extend(blocks)
        self._pending = self._request()

    def close(self) -> None:
        self._pending = None
        self._chunks.clear()
        self._handle.close()


class SFTPWriter:
    """Write to a temporary file next to the target; commit renames it over the target.

    *finish* sets the temporary file's attributes before the rename; *discard* removes it when
    the save fails; *failed* is told of an error, so that a broken connection is not reused.
    """

    def __init__(
        self,
        sftp: paramiko.SFTPClient,
        path: str,
        finish: Callable[[paramiko.SFTPClient, str], None],
        discard: Callable[[str], None],
        failed: Callable[[BaseException], None] = lambda exc: None,
    ) -> None:
        self._sftp = sftp
        self._path = path
        self._temp = temporary_name(path)
        self._finish = finish
        self._discard = discard
        self._failed = failed
        self._written = 0
        self._handle = sftp.open(self._temp, "wb")
        # Pipelined: writes are sent without waiting for each acknowledgement (paramiko keeps
        # at most ~100 unacknowledged requests).
        self._handle.set_pipelined(True)

    def write(self, data: bytes, /) -> None:
        try:
            self._handle.write(data)
        except Exception as exc:
            self._failed(exc)
            raise
        self._written += len(data)

    def commit(self) -> None:
        try:
            self._handle.close()
            self._check_size()
            self._finish(self._sftp, self._temp)
            self._rename()
        except BaseException as exc:
            self._failed(exc)
            self.abort()
            raise

    def _check_size(self) -> None:
        # paramiko's close() swallows its own errors and never reads the answers to the last
        # pipelined writes: a write the server refused, or a connection that stalled or broke
        # at the end, would go unnoticed. The server answers in order, so its size, asked
        # after the writes, tells whether all of them were stored.
        stored = self._sftp.stat(self._temp).st_size
        if stored != self._written:
            raise StorageError(
                f"SFTP: the server stored {stored} of the {self._written} bytes written to "
                f"{self._path!r}; the file was not replaced"
            )

    def _rename(self) -> None:
        try:
            self._sftp.posix_rename(self._temp, self._path)
        except CONNECTION_ERRORS:
            raise
        except OSError:
            # Without the posix-rename extension (an OpenSSH one) SFTP's rename refuses an
            # existing target: replacing it is then not atomic. Only when the server answered:
            # after a timeout the first rename may still happen, and the target must stay.
            try:
                self._sftp.rename(self._temp, self._path)
            except CONNECTION_ERRORS:
                raise
            except OSError:
                self._sftp.remove(self._path)
                self._sftp.rename(self._temp, self._path)

    def abort(self) -> None:
        # Best effort: the target was never touched. The connection may be gone (a cut upload):
        # *discard* removes the temporary file over a new one, so no partial file stays behind.
        with contextlib.suppress(Exception):
            self._handle.close()
        with contextlib.suppress(Exception):
            self._discard(self._temp)
