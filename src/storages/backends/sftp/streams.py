"""Streams of the SFTP storage: pipelined reads that ask for what the caller reads, and atomic
pipelined writes.

Both send their read or write requests through paramiko's request machinery without waiting for
each answer (a round trip per 32 KiB would cap a transfer at 32 KiB per round trip), and collect
the answers themselves: paramiko's own pipelining drops the answers to pipelined writes (a write
the server refused would go unnoticed) and its ``readv`` starts a thread per call.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from paramiko.sftp import CMD_CLOSE, CMD_DATA, CMD_READ, CMD_STATUS, CMD_WRITE, int64

from storages.backends.sftp.errors import CONNECTION_ERRORS
from storages.errors import StorageConnectionError, StorageError
from storages.paths import temporary_name

if TYPE_CHECKING:
    import paramiko

    from storages.ranged import Version

__all__ = ["MAX_IN_FLIGHT", "REQUEST_SIZE", "SFTPReader", "SFTPWriter"]

#: Bytes per SFTP read or write request: the most OpenSSH (and many servers) accept in one.
REQUEST_SIZE = 32 * 1024
#: The most bytes of requests in flight at once, and so of answers held in memory: what a read to
#: the end starts with, and what the read-ahead of sequential reads grows to.
MAX_IN_FLIGHT = 4 * 1024 * 1024

#: Called with an error, so that a broken connection is not reused; returns whether it broke.
Failed = Callable[[BaseException], bool]


class _Pipeline:
    """Requests sent without waiting, whose answers are collected by request number.

    paramiko hands the answer to a request to the object it was sent for (``_async_response``),
    in whatever order the server answers; :meth:`answer` waits for one of them.
    """

    def __init__(self, sftp: paramiko.SFTPClient) -> None:
        self.sftp = sftp
        self._answers: dict[int, tuple[int, Any]] = {}
        self._closed = False

    def send(self, kind: int, *args: Any) -> int:
        """Send a request; return its number."""
        return int(self.sftp._async_request(self, kind, *args))

    def answer(self, num: int) -> tuple[int, Any]:
        """Return ``(kind, message)`` of the answer to request *num*, waiting for it."""
        while num not in self._answers:
            self.sftp._read_response()
        return self._answers.pop(num)

    def _async_response(self, kind: int, msg: Any, num: int) -> None:
        if not self._closed:  # answers to requests of a stream closed early are dropped
            self._answers[num] = (kind, msg)

    def close(self) -> None:
        self._closed = True
        self._answers.clear()


def _raise_for(exc: BaseException, broken: bool) -> NoReturn:
    """Raise *exc*, as a :class:`ConnectionError` when it broke the connection (*broken*) (paramiko
    raises ``SSHException``, ``EOFError`` or a bare ``OSError``): those are what
    :class:`~storages.ranged.RangedStream` resumes from."""
    if broken and not isinstance(exc, ConnectionError | TimeoutError):
        raise StorageConnectionError(f"SFTP: the connection broke while reading: {exc}") from exc
    raise exc


class SFTPReader:
    """Read one remote file from an offset, asking for what the caller reads.

    A read asks for the bytes it returns, in 32 KiB requests all in flight at once: ``read()``
    of a whole file asks for all of it (up to :data:`MAX_IN_FLIGHT` ahead), ``read(1024)`` of a
    large file for one 32 KiB request. Sequential reads double a read-ahead window up to
    :data:`MAX_IN_FLIGHT`, so the network works while the caller consumes. A broken connection
    raises a :class:`ConnectionError` (after *failed* closed it), which
    :class:`~storages.ranged.RangedStream` resumes from on a new connection.
    """

    def __init__(self, handle: paramiko.SFTPFile, offset: int, size: int, failed: Failed) -> None:
        self._handle = handle
        self._pipeline = _Pipeline(handle.sftp)
        self._failed = failed
        self.size: int | None = size
        self._size = size
        self._origin = offset  # requests are aligned on REQUEST_SIZE from here
        self._pos = offset  # the next byte handed out
        self._asked = offset  # the end of the bytes asked for
        self._pending: collections.deque[tuple[int, int, int]] = collections.deque()
        self._block = memoryview(b"")  # received, not handed out yet
        self._window = REQUEST_SIZE

    @classmethod
    def open(
        cls, sftp: paramiko.SFTPClient, path: str, offset: int, version: Version, failed: Failed
    ) -> SFTPReader:
        """Open *path* at *offset*; its size and modification time must match *version*'s."""
        handle = sftp.open(path, "rb")
        try:
            attributes = handle.stat()
            version.check(f"{attributes.st_size}:{attributes.st_mtime}", handle)
        except BaseException:
            handle.close()
            raise
        return cls(handle, offset, int(attributes.st_size or 0), failed)

    def readinto(self, buffer: memoryview, /) -> int:
        """Fill *buffer* with the next bytes; return their number (0 at the end)."""
        limit = min(len(buffer), self._size - self._pos)
        if limit <= 0:
            return 0
        if limit == self._size - self._pos:
            self._window = MAX_IN_FLIGHT  # the caller reads to the end: ask for all of it
        else:
            limit = min(limit, self._window)  # a short read: the window tells how far to ask
        reach = self._window
        self._window = min(self._window * 2, MAX_IN_FLIGHT)
        done = 0
        try:
            while done < limit:
                if not self._block:
                    self._ask(self._pos + reach)
                    self._block = self._next_block()
                    if not self._block:
                        break  # the file ended early: the caller sees a short file
                count = min(limit - done, len(self._block))
                buffer[done : done + count] = self._block[:count]
                self._block = self._block[count:]
                self._pos += count
                done += count
        except Exception as exc:
            _raise_for(exc, self._failed(exc))
        return done

    def read(self, n: int = -1, /) -> bytes:
        want = self._size - self._pos if n is None or n < 0 else n
        buffer = bytearray(max(want, 0))
        with memoryview(buffer) as view:
            count = self.readinto(view)
        del buffer[count:]
        return bytes(buffer)

    def _ask(self, end: int) -> None:
        """Send read requests up to *end*, rounded up to whole requests and capped at the end."""
        whole = -(-(end - self._origin) // REQUEST_SIZE) * REQUEST_SIZE
        end = min(self._size, self._origin + whole)
        while self._asked < end:
            self._request(self._asked, min(REQUEST_SIZE, end - self._asked))
            self._asked = min(self._asked + REQUEST_SIZE, end)

    def _request(self, offset: int, length: int, *, first: bool = False) -> None:
        num = self._pipeline.send(CMD_READ, self._handle.handle, int64(offset), length)
        if first:
            self._pending.appendleft((num, offset, length))
        else:
            self._pending.append((num, offset, length))

    def _next_block(self) -> memoryview:
        num, offset, length = self._pending.popleft()
        kind, msg = self._pipeline.answer(num)
        if kind == CMD_STATUS:
            try:
                self._pipeline.sftp._convert_status(msg)
            except EOFError:  # the file is shorter than it was when opened
                return memoryview(b"")
        if kind != CMD_DATA:
            raise StorageError(f"SFTP: the server answered a read with message type {kind}")
        data = msg.get_string()
        if data and len(data) < length:
            # A server may answer with fewer bytes than asked (SFTP allows it): ask for the rest
            # next, before the requests already in flight.
            self._request(offset + len(data), length - len(data), first=True)
        return memoryview(data)

    def close(self) -> None:
        self._pipeline.close()
        self._pending.clear()
        self._block = memoryview(b"")
        try:
            self._handle.close()
        except CONNECTION_ERRORS as exc:  # it broke already; the read said so, or is done
            self._failed(exc)


class SFTPWriter:
    """Write to a temporary file next to the target; commit renames it over the target.

    Writes are sent in 32 KiB requests without waiting, at most :data:`MAX_IN_FLIGHT` bytes of
    them unanswered; every answer is checked, and so is the close, before the rename: a write
    the server refused fails the save. *create* opens the temporary file for writing; *finish*
    sets its attributes before the rename; *discard* removes it when the save fails; *failed* is
    told of an error, so that a broken connection is not reused; *landed* tells, over a new
    connection, whether a rename whose answer was lost happened (the temporary file gone, the
    target of the written size): the save then succeeded.
    """

    def __init__(
        self,
        sftp: paramiko.SFTPClient,
        path: str,
        create: Callable[[str], paramiko.SFTPFile],
        finish: Callable[[paramiko.SFTPClient, str], None],
        discard: Callable[[str], None],
        failed: Failed = lambda exc: False,
        landed: Callable[[str, str, int], bool] = lambda temp, path, size: False,
    ) -> None:
        self._sftp = sftp
        self._landed = landed
        self._path = path
        self._temp = temporary_name(path)
        self._finish = finish
        self._discard = discard
        self._failed = failed
        self._pipeline = _Pipeline(sftp)
        self._pending: collections.deque[int] = collections.deque()
        self._written = 0
        self._handle = create(self._temp)

    def write(self, data: bytes, /) -> None:
        try:
            with memoryview(data) as view:
                for start in range(0, len(view), REQUEST_SIZE):
                    block = bytes(view[start : start + REQUEST_SIZE])
                    self._send(block)
        except Exception as exc:
            self._failed(exc)
            raise

    def _send(self, block: bytes) -> None:
        if len(self._pending) * REQUEST_SIZE >= MAX_IN_FLIGHT:
            self._check(self._pending.popleft())
        num = self._pipeline.send(CMD_WRITE, self._handle.handle, int64(self._written), block)
        self._pending.append(num)
        self._written += len(block)

    def _check(self, num: int) -> None:
        """Wait for the answer to request *num*; raise the error it reports."""
        kind, msg = self._pipeline.answer(num)
        if kind != CMD_STATUS:
            raise StorageError(f"SFTP: the server answered a write with message type {kind}")
        self._sftp._convert_status(msg)

    def _close(self) -> None:
        # paramiko's close() swallows a failed close (a server may report a write error only
        # then): close the handle through the pipeline, which checks the answer.
        while self._pending:
            self._check(self._pending.popleft())
        self._handle._closed = True  # paramiko must not close it again
        self._check(self._pipeline.send(CMD_CLOSE, self._handle.handle))

    def commit(self) -> None:
        try:
            self._close()
            self._finish(self._sftp, self._temp)
            self._rename()
        except BaseException as exc:
            self._failed(exc)
            self.abort()
            raise

    def _rename(self) -> None:
        try:
            self._sftp.posix_rename(self._temp, self._path)
        except CONNECTION_ERRORS as exc:
            self._failed(exc)
            if self._landed(self._temp, self._path, self._written):
                return  # the server renamed; only its answer was lost
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
        self._pipeline.close()
        with contextlib.suppress(Exception):
            self._handle.close()
        with contextlib.suppress(Exception):
            self._discard(self._temp)
