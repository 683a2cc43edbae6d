"""Streams of the Libcloud storage: ranged reads over HTTP that resume where a body broke,
reads over a driver's chunks or a local file, and the S3 writer that spools to disk."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from storages.backends.libcloud.connection import RETRY, is_transient
from storages.errors import MissingDependencyError
from storages.http import ResponseStream
from storages.ranged import RangedStream
from storages.retry import READ_RESUMES

try:
    from libcloud.storage.drivers import s3 as libcloud_s3
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("apache-libcloud", "libcloud") from exc

__all__ = [
    "ChunkStream",
    "FileStream",
    "S3Writer",
    "close_body",
    "open_ranged",
    "response_body",
]

#: S3 refuses a single PUT larger than this; bigger files go through a multipart upload.
S3_MAX_PUT = 5 * 1024**3

#: Opens the object again from an offset: its chunks and what to close them with, or None when
#: the object is no longer the one being read.
Reopen = Callable[[int], tuple[Iterator[bytes], Any] | None]


def response_body(response: Any) -> Any:
    """Return the ``requests`` response behind a Libcloud raw response (what to close)."""
    return getattr(response.iter_content, "__self__", None)


def close_body(response: Any) -> None:
    """Close the body of a Libcloud raw response (None: nothing to close)."""
    body = None if response is None else response_body(response)
    if body is not None:
        body.close()


class ChunkStream:
    """A ReadStream over a driver's iterator of byte chunks.

    Given *reopen*, a body that breaks mid-way (a reset, a stall past the timeout) is opened
    again where it broke, at most :data:`~storages.retry.READ_RESUMES` times; the bytes already
    read are kept.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        size: int | None,
        closer: Any | None = None,
        *,
        reopen: Reopen | None = None,
        offset: int = 0,
    ) -> None:
        self._chunks = chunks
        self._pending = b""
        self._closer = closer
        self._reopen = reopen
        self._received = offset  # where the next chunk starts in the object
        self._resumes = 0
        self.size = size

    def _next_chunk(self) -> bytes | None:
        while True:
            try:
                chunk = next(self._chunks, None)
            except Exception as exc:
                if not self._resumable(exc):
                    raise
                self._resumes += 1
                self.close()
                assert self._reopen is not None
                reopened = self._reopen(self._received)
                if reopened is None:
                    raise
                self._chunks, self._closer = reopened
                continue
            if chunk is not None:
                self._received += len(chunk)
            return chunk

    def _resumable(self, exc: Exception) -> bool:
        return (
            self._reopen is not None
            and self._resumes < READ_RESUMES
            and is_transient(exc)
            and self.size is not None
            and self._received < self.size
        )

    def read(self, n: int = -1, /) -> bytes:
        if n < 0:
            parts = [self._pending]
            while (chunk := self._next_chunk()) is not None:
                parts.append(chunk)
            self._pending = b""
            return b"".join(parts)
        while not self._pending:
            chunk = self._next_chunk()
            if chunk is None:
                return b""
            self._pending = bytes(chunk)
        data, self._pending = self._pending[:n], self._pending[n:]
        return data

    def close(self) -> None:
        for closable in (self._chunks, self._closer):
            close = getattr(closable, "close", None)
            if callable(close):
                close()


#: Sends a GET of an object from byte ``start`` to its end and returns its streamed ``requests``
#: response, or None when ``start`` is past the end.
Get = Callable[[int], Any]


def open_ranged(get: Get, offset: int) -> RangedStream:
    """Return a read stream of an object from *offset*: one GET to its end (see
    :class:`storages.ranged.RangedStream`)."""

    def open_from(start: int) -> ResponseStream | None:
        response = get(start)
        return None if response is None else ResponseStream(response, start)

    return RangedStream(open_from, offset)


class FileStream:
    """A ReadStream over a local file (the LOCAL driver's object, read at an offset)."""

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self._handle = handle
        self.size: int | None = size

    def read(self, n: int = -1, /) -> bytes:
        return self._handle.read(n)

    def close(self) -> None:
        self._handle.close()


class S3Writer:
    """Collect a file in memory up to *limit* bytes, then in a named temporary file.

    Libcloud's S3 multipart upload joins parts by repeated concatenation (about three parts of
    5 MiB in memory at once); a file on disk goes up in one streamed PUT from its path instead.
    *target* returns this thread's driver and the container to upload to.
    """

    def __init__(
        self,
        target: Callable[[], tuple[Any, Any]],
        key: str,
        content_type: str | None,
        limit: int,
    ) -> None:
        self._target = target
        self._key = key
        self._extra = {"content_type": content_type} if content_type else None
        self._limit = limit
        self._memory: io.BytesIO | None = io.BytesIO()
        self._file: Any = None
        self.size = 0

    def write(self, data: bytes, /) -> None:
        if self._memory is not None and self.size + len(data) > self._limit:
            self._file = tempfile.NamedTemporaryFile(prefix="libcloud-upload-", delete=False)  # noqa: SIM115
            self._file.write(self._memory.getbuffer())
            self._memory = None
        (self._memory or self._file).write(data)
        self.size += len(data)

    def commit(self) -> None:
        try:
            RETRY.call(self._send, is_transient)
        finally:
            self.abort()

    def _send(self) -> None:
        """Send the whole file (again, after a transient failure: from memory or the spool)."""
        driver, container = self._target()
        if self._memory is not None:
            # One PUT: upload_object_via_stream() would start a multipart upload, three
            # requests (initiate, one part, complete) for a file of a few bytes.
            self._memory.seek(0)
            driver._put_object(
                container=container,
                object_name=self._key,
                extra=self._extra,
                stream=self._memory,
                verify_hash=False,
            )
        elif self.size <= S3_MAX_PUT:
            self._file.close()
            driver.upload_object(
                self._file.name, container, self._key, extra=self._extra, verify_hash=False
            )
        else:
            self._file.seek(0)
            chunks = iter(lambda: self._file.read(libcloud_s3.CHUNK_SIZE), b"")
            driver.upload_object_via_stream(chunks, container, self._key, extra=self._extra)

    def abort(self) -> None:
        self._memory = None
        if self._file is not None:
            self._file.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._file.name)
            self._file = None
